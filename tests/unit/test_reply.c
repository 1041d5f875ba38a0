/*
 * test_reply.c - table-driven tests of the reply parser (lib/reply_parse.c):
 * single and multi-line replies, logged one-line forms, Exim's literal \n,
 * enhanced codes, class mismatch, limits and garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtpcodes/smtpcodes.h"

struct parse_case {
	const char *in;
	int rc;
	int code;
	const char *enhanced; /* "5.1.1" or "" */
	size_t nlines;
	unsigned flags_set;   /* flags that must be set */
	const char *text;     /* joined text, or NULL to skip */
};

static const struct parse_case cases[] = {
	{ "250 OK", SMTPCODES_OK, 250, "", 1, 0, "OK" },
	{ "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", SMTPCODES_OK, 550, "5.1.1", 1, 0,
	  "<a@b.example>: Recipient address rejected: User unknown" },
	{ "550-5.1.1 The email account that you tried to reach does not exist.\r\n550-5.1.1 Please try\r\n"
	  "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser x1si - gsmtp\r\n",
	  SMTPCODES_OK, 550, "5.1.1", 3, SMTPCODES_REPLY_MULTILINE,
	  "The email account that you tried to reach does not exist. Please try "
	  "https://support.google.com/mail/?p=NoSuchUser x1si - gsmtp" },
	{ "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
	  "double-checking the recipient's email address 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser - gsmtp",
	  SMTPCODES_OK, 550, "5.1.1", 3, SMTPCODES_REPLY_MULTILINE | SMTPCODES_REPLY_LOGGED_FORM,
	  "The email account that you tried to reach does not exist. Please try double-checking the recipient's "
	  "email address https://support.google.com/mail/?p=NoSuchUser - gsmtp" },
	{ "550-Verification failed for <x@y>\\n550-Unrouteable address\\n550 Sender verify failed", SMTPCODES_OK, 550,
	  "", 3, SMTPCODES_REPLY_LOGGED_FORM, "Verification failed for <x@y> Unrouteable address Sender verify failed" },
	{ "250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250 8BITMIME", SMTPCODES_OK, 250, "", 4,
	  SMTPCODES_REPLY_MULTILINE, NULL },
	{ "550 4.1.1 user unknown", SMTPCODES_OK, 550, "5.1.1", 1, SMTPCODES_REPLY_CLASS_MISMATCH, NULL },
	{ "450 5.2.2 mailbox full", SMTPCODES_OK, 450, "4.2.2", 1, SMTPCODES_REPLY_CLASS_MISMATCH, NULL },
	{ "5.1.1 User unknown", SMTPCODES_OK, 0, "5.1.1", 1, SMTPCODES_REPLY_ENHANCED_ONLY, "User unknown" },
	{ "smtp; 550 5.7.26 Unauthenticated email", SMTPCODES_OK, 550, "5.7.26", 1, 0, "Unauthenticated email" },
	{ "SMTP;550 #5.1.0 Address rejected", SMTPCODES_OK, 550, "5.1.0", 1, 0, "Address rejected" },
	{ "550 5.0.910 filtered", SMTPCODES_OK, 550, "5.0.910", 1, 0, NULL },
	{ "421-first\n450 second", SMTPCODES_OK, 450, "", 2, SMTPCODES_REPLY_MIXED_CODES, NULL },
	{ "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred", SMTPCODES_OK, 421, "4.7.0", 1, 0, NULL },
	{ "550", SMTPCODES_OK, 550, "", 1, 0, "" },
	{ "550 5.1.1", SMTPCODES_OK, 550, "5.1.1", 1, 0, "" },
	{ "  250 2.0.0 Ok: queued as 4ABC  \r\n", SMTPCODES_OK, 250, "2.0.0", 1, 0, "Ok: queued as 4ABC" },
	{ "354 End data with <CR><LF>.<CR><LF>", SMTPCODES_OK, 354, "", 1, 0, NULL },
	{ "550 5.1.10 null MX", SMTPCODES_OK, 550, "5.1.10", 1, 0, NULL },
	{ "550 5.1.1234 too long detail", SMTPCODES_OK, 550, "", 1, 0, NULL },
	{ "", SMTPCODES_ERR_EMPTY, 0, "", 0, 0, NULL },
	{ "   \r\n ", SMTPCODES_ERR_EMPTY, 0, "", 0, 0, NULL },
	{ "hello world", SMTPCODES_ERR_NOCODE, 0, "", 1, 0, NULL },
	{ "Connection timed out", SMTPCODES_ERR_NOCODE, 0, "", 1, 0, NULL },
	{ "150 FTP code", SMTPCODES_ERR_BADCODE, 0, "", 0, 0, NULL },
	{ "5500 four digits", SMTPCODES_ERR_BADCODE, 0, "", 0, 0, NULL },
	{ "550\x01 control", SMTPCODES_ERR_BINARY, 0, "", 0, 0, NULL },
	{ "5.1 incomplete", SMTPCODES_ERR_BADCODE, 0, "", 0, 0, NULL },
};

static void test_parse_table(void **state)
{
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct parse_case *c = &cases[i];
		struct smtpcodes_reply r;
		char enh[24], text[1024];
		int rc = smtpcodes_reply_parse(c->in, strlen(c->in), NULL, &r);
		smtpcodes_enhanced_format(&r.enhanced, enh, sizeof enh);
		if (rc != c->rc) {
			printf("case %zu %.40s: rc got %d (%s), want %d\n", i, c->in, rc, smtpcodes_strerror(rc), c->rc);
			bad++;
			continue;
		}
		if (rc)
			continue;
		if (r.code != c->code || strcmp(enh, c->enhanced) || r.nlines != c->nlines ||
		    (r.flags & c->flags_set) != c->flags_set) {
			printf("case %zu %.40s: got code %d enh '%s' lines %zu flags %#x, want %d '%s' %zu %#x\n", i, c->in,
			       r.code, enh, r.nlines, r.flags, c->code, c->enhanced, c->nlines, c->flags_set);
			bad++;
		}
		smtpcodes_reply_text(&r, text, sizeof text);
		if (c->text && strcmp(text, c->text)) {
			printf("case %zu: text got '%s', want '%s'\n", i, text, c->text);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_mismatch_keeps_given_class(void **state)
{
	struct smtpcodes_reply r;
	(void)state;
	assert_int_equal(smtpcodes_reply_parse("550 4.1.1 x", 11, NULL, &r), SMTPCODES_OK);
	assert_int_equal(r.enhanced.klass, 5);
	assert_int_equal(r.enhanced_klass_given, 4);
}

static void test_limits(void **state)
{
	struct smtpcodes_limits lim = { 16, 3 };
	struct smtpcodes_reply r;
	char *big;
	size_t n = 10u * 1024 * 1024, i;
	(void)state;
	assert_int_equal(smtpcodes_reply_parse("550 this line is long", 21, &lim, &r), SMTPCODES_ERR_TOOLONG);
	assert_int_equal(smtpcodes_reply_parse("250-a\n250-b\n250-c\n250 d", 23, &lim, &r), SMTPCODES_ERR_TOOMANY);
	assert_int_equal(smtpcodes_reply_parse("250-a\n250-b\n250 c", 17, &lim, &r), SMTPCODES_OK);
	/* a 10 MB line: an error, and the text span still covers the input */
	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "550 ", 4);
	for (i = 4; i < n; i++)
		big[i] = 'x';
	assert_int_equal(smtpcodes_reply_parse(big, n, NULL, &r), SMTPCODES_ERR_TOOLONG);
	assert_ptr_equal(r.raw.ptr, big);
	free(big);
	/* 200 lines: over the default line limit */
	{
		char buf[200 * 8];
		size_t k = 0;
		for (i = 0; i < 200; i++)
			k += (size_t)snprintf(buf + k, sizeof buf - k, "250-ab\n");
		assert_int_equal(smtpcodes_reply_parse(buf, k, NULL, &r), SMTPCODES_ERR_TOOMANY);
	}
}

static void test_text_truncates(void **state)
{
	struct smtpcodes_reply r;
	char small[8];
	(void)state;
	assert_int_equal(smtpcodes_reply_parse("550 abcdefghij", 14, NULL, &r), SMTPCODES_OK);
	assert_int_equal(smtpcodes_reply_text(&r, small, sizeof small), 10);
	assert_string_equal(small, "abcdefg");
}

static void test_enhanced_parse(void **state)
{
	struct smtpcodes_enhanced e;
	char buf[16];
	(void)state;
	assert_int_equal(smtpcodes_enhanced_parse("5.7.26", 6, &e), SMTPCODES_OK);
	assert_int_equal(e.klass, 5);
	assert_int_equal(e.subject, 7);
	assert_int_equal(e.detail, 26);
	smtpcodes_enhanced_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "5.7.26");
	assert_int_equal(smtpcodes_enhanced_parse("3.1.1", 5, &e), SMTPCODES_ERR_BADCODE);
	assert_int_equal(smtpcodes_enhanced_parse("5.1", 3, &e), SMTPCODES_ERR_BADCODE);
	assert_int_equal(smtpcodes_enhanced_parse("5.1.1x", 6, &e), SMTPCODES_ERR_BADCODE);
	assert_int_equal(smtpcodes_enhanced_parse("5.999.999", 9, &e), SMTPCODES_OK);
	assert_int_equal(smtpcodes_enhanced_parse("5.1000.1", 8, &e), SMTPCODES_ERR_BADCODE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_mismatch_keeps_given_class),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_text_truncates),
		cmocka_unit_test(test_enhanced_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
