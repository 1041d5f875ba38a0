/*
 * test_bounce.c - the pieces of the bounce reader that do not depend on the
 * wording of rules: finding addresses, the SMTP stage an MTA names, RFC 3464
 * field groups in any order (and without blank lines between them; a
 * Remote-MTA of a type other than dns only where it names a host), the
 * recipient-line reader of the format modules, and a whole message read
 * end to end with its records in the message's order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounce/bounce.h"
#include "common/engine.h"
#include "bounce_setup.h"

static void check_str(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		print_error("%s: got \"%s\", want \"%s\"\n", what, got, want);
		fail();
	}
}

static void test_find_addr(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "<kim@example.org>: host said", "kim@example.org" },
		{ "rfc822; Kim.Lee+tag@sub.example.co.uk", "Kim.Lee+tag@sub.example.co.uk" },
		{ "   user@example.com.", "user@example.com" },
		{ "mailto:a_b@example.net>", "a_b@example.net" },
		{ "no address here", "" },
		{ "@example.com alone", "" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t s, n;
		char got[256] = "";
		if (bounce_find_addr(cases[i].in, strlen(cases[i].in), &s, &n))
			snprintf(got, sizeof got, "%.*s", (int)n, cases[i].in + s);
		check_str(cases[i].in, got, cases[i].want);
	}
}

static void test_stage(void **state)
{
	static const struct {
		const char *in;
		enum smtpcodes_stage want;
	} cases[] = {
		{ "said: 550 5.1.1 unknown (in reply to RCPT TO command)", SMTPCODES_STAGE_RCPT },
		{ "SMTP error from remote mail server after end of data:", SMTPCODES_STAGE_EOD },
		{ "SMTP error from remote mail server after MAIL FROM:<a@b.c>", SMTPCODES_STAGE_MAIL },
		{ "Remote host said: 554 ... [RCPT_TO]", SMTPCODES_STAGE_RCPT },
		{ "did not like our final DATA:", SMTPCODES_STAGE_EOD },
		{ "550 5.1.1 user unknown", SMTPCODES_STAGE_UNKNOWN },
		/* words of their own only; a later plain one still counts */
		{ "state SENT_SECOND_EHLO", SMTPCODES_STAGE_UNKNOWN },
		{ "EHLOx and xEHLO", SMTPCODES_STAGE_UNKNOWN },
		{ "SENT_EHLO, then EHLO", SMTPCODES_STAGE_HELO },
		{ "EHLO", SMTPCODES_STAGE_HELO },
		{ "EHL", SMTPCODES_STAGE_UNKNOWN },
		{ "", SMTPCODES_STAGE_UNKNOWN },
		/* any case; the word listed first wins wherever it stands */
		{ "after ehlo we said rcpt to:<a@b.c>", SMTPCODES_STAGE_RCPT },
		{ "greeting refused; STARTTLS", SMTPCODES_STAGE_STARTTLS },
		{ "MAIL FROM ok, end of data", SMTPCODES_STAGE_EOD },
		{ "550 banner", SMTPCODES_STAGE_CONNECT },
		{ "Connected to 192.0.2.1 but sender was rejected.", SMTPCODES_STAGE_MAIL },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum smtpcodes_stage got = bounce_stage_in(cases[i].in, strlen(cases[i].in));
		if (got != cases[i].want) {
			print_error("%s: got %s, want %s\n", cases[i].in, smtpcodes_stage_name(got),
			            smtpcodes_stage_name(cases[i].want));
			fail();
		}
	}
}

/* The plain search bounce_memcasemem() must agree with. */
static const char *naive_casemem(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle), i, k;
	for (i = 0; i + nl <= n; i++) {
		for (k = 0; k < nl; k++) {
			int a = (unsigned char)s[i + k], b = (unsigned char)needle[k];
			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
		}
		if (k == nl)
			return s + i;
	}
	return NULL;
}

/* Every haystack length up to 80 (so every block position of the 16-byte
 * search and its tail), the needle at every place, in either case, after
 * near misses; each haystack in a buffer of its exact size, so a read past
 * its end shows under ASan. */
static void test_memcasemem(void **state)
{
	static const char *const needles[] = { "x", "Ab", "RCPT TO", "end of data", "\nFinal-Recipient:", "A\xe9" "b" };
	static const char filler[] = "rcpt t0 RCPT_T end of dat \xe9\xc9 aB ab ";
	size_t n, k, at;
	(void)state;
	for (k = 0; k < sizeof needles / sizeof needles[0]; k++) {
		size_t nl = strlen(needles[k]);
		for (n = 0; n <= 80; n++) {
			for (at = 0; at <= n + 1; at++) {
				char *buf = malloc(n ? n : 1);
				const char *got, *want;
				size_t j;
				for (j = 0; j < n; j++)
					buf[j] = filler[(j * 7 + k) % (sizeof filler - 1)];
				if (at + nl <= n) /* place it, upper case on odd places */
					for (j = 0; j < nl; j++)
						buf[at + j] = (char)(at % 2 && needles[k][j] >= 'a' && needles[k][j] <= 'z' ?
						                         needles[k][j] - 32 : needles[k][j]);
				got = bounce_memcasemem(buf, n, needles[k]);
				want = naive_casemem(buf, n, needles[k]);
				if (got != want) {
					print_error("needle %zu in %zu bytes, placed at %zu: got %td, want %td\n", k, n, at,
					            got ? got - buf : -1, want ? want - buf : -1);
					free(buf);
					fail();
				}
				free(buf);
			}
		}
	}
	{
		static const char h[] = "abc";
		assert_ptr_equal(bounce_memcasemem(h, 3, ""), h); /* the empty needle: at the start */
	}
}

/* A phrase set answers with the first phrase in its own order that occurs,
 * among the ones asked for, inside words too unless told otherwise. */
static void test_phrases(void **state)
{
	static const char *const w[] = { "timed out", "Envelope expired", "rfc7505", "ab", "out" };
	static const struct {
		const char *in;
		uint64_t want;
		int words, got;
	} cases[] = {
		{ "connection TIMED OUT; envelope Expired", BOUNCE_PHRASES_ALL, 0, 0 },
		{ "connection TIMED OUT; envelope Expired", (uint64_t)1 << 1, 0, 1 },
		{ "Envelope expired after timed out", BOUNCE_PHRASES_ALL, 0, 0 },
		{ "null MX (rfc7505x)", BOUNCE_PHRASES_ALL, 0, 2 },
		{ "null MX (rfc7505x)", BOUNCE_PHRASES_ALL, 1, -1 },
		{ "ab ab ab", BOUNCE_PHRASES_ALL, 0, -1 }, /* shorter than 3: never */
		{ "throughout", BOUNCE_PHRASES_ALL, 0, 4 },
		{ "throughout, out", BOUNCE_PHRASES_ALL, 1, 4 },
		{ "throughout", BOUNCE_PHRASES_ALL, 1, -1 },
		{ "", BOUNCE_PHRASES_ALL, 0, -1 },
		{ "ou", BOUNCE_PHRASES_ALL, 0, -1 },
	};
	static struct bounce_phrases ps;
	size_t i;
	(void)state;
	bounce_phrases_init(&ps, w, sizeof w / sizeof w[0]);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = bounce_phrases_first(&ps, cases[i].in, strlen(cases[i].in), cases[i].want, cases[i].words);
		if (got != cases[i].got) {
			print_error("case %zu \"%s\": got %d, want %d\n", i, cases[i].in, got, cases[i].got);
			fail();
		}
	}
}

/* A header list's memory: copies stop at a NUL, a value grows in place or
 * moves with its bytes, strings stay put while more are taken (blocks fill
 * and new ones start), and one free releases them all (ASan would tell). */
static void test_hdrs_mem(void **state)
{
	struct bounce_hdrs h;
	char *a, *b, *big, *first;
	size_t i;
	(void)state;
	memset(&h, 0, sizeof h);
	a = bounce_hdrs_strndup(&h, "Subject\0junk", 12);
	check_str("copy to the NUL", a, "Subject");
	b = bounce_hdrs_strndup(&h, "abc", 3);
	b = bounce_hdrs_regrow(&h, b, 4, 8); /* the last taken: grows where it is */
	strcat(b, "def");
	check_str("grown", b, "abcdef");
	a = bounce_hdrs_regrow(&h, a, 8, 16); /* not the last: copied */
	check_str("moved", a, "Subject");
	first = bounce_hdrs_strndup(&h, "first", 5);
	for (i = 0; i < 2000; i++)
		bounce_hdrs_add(&h, "Received", 8, "from a.example by b.example", 27);
	big = bounce_hdrs_mem(&h, 3 * 4096);
	memset(big, 'x', 3 * 4096);
	big = bounce_hdrs_regrow(&h, big, 3 * 4096, 5 * 4096);
	assert_int_equal(big[3 * 4096 - 1], 'x');
	check_str("still there", first, "first");
	check_str("last header", h.v[h.n - 1].value, "from a.example by b.example");
	assert_int_equal(h.v[h.n - 1].nlen, 8);
	assert_ptr_equal(bounce_hdr(&h, "received"), h.v[0].value);
	bounce_hdrs_free(&h);
	assert_null(h.mem);
	bounce_hdrs_free(&h); /* twice: nothing left to free */
}

static void test_dsn_groups(void **state)
{
	/* fields before Final-Recipient, a missing blank line, folded lines */
	static const char dsn[] = "Reporting-MTA: dns; mta.example.net\n"
	                          "\n"
	                          "Diagnostic-Code: smtp; 550 5.1.1 unknown\n"
	                          "Status: 5.1.1\n"
	                          "Final-Recipient: rfc822; one@example.org\n"
	                          "Action: failed\n"
	                          "Original-Recipient: rfc822; two@example.org\n"
	                          "Final-Recipient: rfc822; two@example.org\n"
	                          "Action: delayed\n"
	                          "Status: 4.4.1\n"
	                          "Remote-MTA: dns; mx.example.org\n"
	                          "Diagnostic-Code: X-Postfix; connect to mx.example.org:\n"
	                          "    Connection timed out\n"
	                          "\n"
	                          /* a local program's name under X-Unix is no host */
	                          "Final-Recipient: rfc822; three@example.org\n"
	                          "Action: failed\n"
	                          "Remote-MTA: X-Unix; mailfilter\n"
	                          "\n"
	                          /* a host name under another type still is one */
	                          "Final-Recipient: rfc822; four@example.org\n"
	                          "Action: failed\n"
	                          "Remote-MTA: smtp; mx2.example.org\n";
	struct bounce_msg m;
	struct bounce_list l;
	(void)state;
	memset(&m, 0, sizeof m);
	memset(&l, 0, sizeof l);
	m.dsn = (char *)(uintptr_t)dsn;
	m.dsnlen = sizeof dsn - 1;
	assert_int_equal(bounce_dsn_parse(&m, &l), 4);
	check_str("recipient 1", l.v[0].recipient, "one@example.org");
	check_str("status 1", l.v[0].status, "5.1.1");
	check_str("action 1", l.v[0].action, "failed");
	check_str("diag 1", l.v[0].diag, "550 5.1.1 unknown");
	check_str("lhost 1", l.v[0].lhost, "mta.example.net");
	check_str("recipient 2", l.v[1].recipient, "two@example.org");
	check_str("action 2", l.v[1].action, "delayed");
	check_str("diagtype 2", l.v[1].diagtype, "X-Postfix");
	check_str("diag 2", l.v[1].diag, "connect to mx.example.org: Connection timed out");
	check_str("rhost 2", l.v[1].rhost, "mx.example.org");
	check_str("rhost 3", l.v[2].rhost, "");
	check_str("rhost 4", l.v[3].rhost, "mx2.example.org");
	bounce_list_free(&l);
}

static void test_scan_blocks(void **state)
{
	static const char text[] = "The following address(es) failed:\n"
	                           "\n"
	                           "  first@example.org\n"
	                           "    SMTP error from remote mail server after RCPT TO:<first@example.org>:\n"
	                           "    550 5.1.1 No such user\n"
	                           "<second@example.org>: host mx said: 552 5.2.2 full\n"
	                           "    (in reply to RCPT TO command)\n"
	                           "\n"
	                           "Contact postmaster@example.net for help.\n";
	struct bounce_list l;
	(void)state;
	memset(&l, 0, sizeof l);
	assert_int_equal(bounce_scan_blocks(text, text + sizeof text - 1, &l), 2);
	check_str("first", l.v[0].recipient, "first@example.org");
	check_str("first diag", l.v[0].diag,
	          "SMTP error from remote mail server after RCPT TO:<first@example.org>: 550 5.1.1 No such user");
	check_str("second", l.v[1].recipient, "second@example.org");
	check_str("second diag", l.v[1].diag, "host mx said: 552 5.2.2 full (in reply to RCPT TO command)");
	bounce_list_free(&l);
}

static void test_read_order(void **state)
{
	static const char msg[] =
		"From: MAILER-DAEMON@mx.example.net\r\n"
		"To: sender@example.com\r\n"
		"Subject: Undelivered Mail Returned to Sender\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
		"\r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\nThis is the mail system at host mx.example.net.\r\n\r\n"
		"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
		"Reporting-MTA: dns; mx.example.net\r\n\r\n"
		"Final-Recipient: rfc822; z@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
		"Final-Recipient: rfc822; a@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n"
		"Final-Recipient: rfc822; m@example.org\r\nAction: delayed\r\nStatus: 4.2.2\r\n\r\n"
		"--b--\r\n";
	struct sc_engine e;
	struct bounce_opts o = { 0, 0 };
	struct bounce_msg m;
	struct bounce_list l;
	(void)state;
	assert_int_equal(sc_engine_open(&e, NULL, 0), 0);
	assert_int_equal(bounce_read(&e, &o, "t", msg, sizeof msg - 1, &m, &l), 0);
	/* delivered records are left out without --delivered; order is kept */
	assert_int_equal((int)l.n, 2);
	check_str("first", l.v[0].recipient, "z@example.org");
	check_str("second", l.v[1].recipient, "m@example.org");
	check_str("class 1", smtpcodes_class_name(l.v[0].v.klass), "permanent");
	check_str("class 2", smtpcodes_class_name(l.v[1].v.klass), "temporary");
	assert_true(l.v[0].v.hard);
	assert_false(l.v[1].v.hard);
	bounce_msg_free(&m);
	bounce_list_free(&l);
	/* not a message at all, and an empty one: no records, no crash */
	bounce_read(&e, &o, "t", "\x01\x02\x03", 3, &m, &l);
	assert_int_equal((int)l.n, 0);
	bounce_msg_free(&m);
	bounce_list_free(&l);
	bounce_read(&e, &o, "t", "", 0, &m, &l);
	assert_int_equal((int)l.n, 0);
	bounce_msg_free(&m);
	bounce_list_free(&l);
	sc_engine_close(&e);
}

/* The golden messages the phrase tables are checked on. */
static const char *const needle_files[] = {
	"tests/golden/bounces/qmail.in",    "tests/golden/bounces/exim.in",    "tests/golden/bounces/postfix.in",
	"tests/golden/bounces/sendmail.in", "tests/golden/bounces/gmail.in",   "tests/golden/bounces/exchange2007.in",
	"tests/golden/bounces/courier.in",  "tests/golden/bounces/domino.in",
	"tests/golden/bounces/apachejames.in", "tests/golden/bounces/verizon.in", "tests/golden/bounces/gmx.in",
	"tests/golden/bounces/mailru.in", "tests/golden/bounces/yandex.in",
	"tests/golden/bounces/postfix-notice.in", "tests/golden/bounces/imailserver-refused.in",
	"tests/golden/bounces/mxlogic-mta.in", "tests/golden/bounces/einsundeins-relay.in",
};

/* Reads the file at path into buf (at most cap - 1 bytes); returns its
 * length, failing the test when it cannot be opened. */
static size_t read_golden(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	size_t len;
	if (!fp) {
		print_error("%s: cannot open\n", path);
		fail();
	}
	len = fread(buf, 1, cap - 1, fp);
	fclose(fp);
	return len;
}

/* The phrase table (bounce_needles.c, compiled at build time) must answer
 * exactly as a plain search would: for every phrase, where it first occurs
 * in the text of each golden message, or that it does not. */
static void test_needles_same(void **state)
{
	struct sc_engine e;
	struct bounce_opts o = { 1, 1 };
	size_t f, i, checked = 0;
	(void)state;
	assert_int_equal(sc_engine_open(&e, NULL, 0), 0);
	assert_true(bounce_needles_count() > 50);
	for (f = 0; f < sizeof needle_files / sizeof needle_files[0]; f++) {
		struct bounce_msg m;
		struct bounce_list l;
		char buf[65536];
		size_t len = read_golden(needle_files[f], buf, sizeof buf);
		assert_int_equal(bounce_read(&e, &o, "t", buf, len, &m, &l), 0);
		assert_int_equal(m.scanned, 1);
		for (i = 0; i < bounce_needles_count(); i++) {
			const char *n = bounce_needle_text(i);
			const char *at = bounce_memcasemem(m.text, m.textlen, n);
			long want = at ? (long)(at - m.text) : -1, got = bounce_needle_at(&m, n);
			if (got != want) {
				print_error("%s: \"%s\": got %ld, want %ld\n", needle_files[f], n, got, want);
				fail();
			}
			checked += want >= 0;
		}
		bounce_msg_free(&m);
		bounce_list_free(&l);
	}
	assert_true(checked > 10); /* the phrases do occur */
	sc_engine_close(&e);
}

/* The header pairs (bounce_needles.c) must answer as the walk over the top
 * fields does: for every pair, on every golden message. */
static void test_hdr_needles_same(void **state)
{
	struct sc_engine e;
	struct bounce_opts o = { 1, 1 };
	size_t f, i, held = 0, held_high = 0;
	(void)state;
	assert_int_equal(sc_engine_open(&e, NULL, 0), 0);
	assert_true(bounce_hdr_needles_count() > 64); /* both words of m->hhits in use */
	for (f = 0; f < sizeof needle_files / sizeof needle_files[0]; f++) {
		struct bounce_msg m, walk;
		struct bounce_list l;
		char buf[65536];
		size_t len = read_golden(needle_files[f], buf, sizeof buf);
		assert_int_equal(bounce_read(&e, &o, "t", buf, len, &m, &l), 0);
		assert_int_equal(m.hscanned, 1);
		walk = m;
		walk.hscanned = 0; /* the same message, asked the slow way */
		for (i = 0; i < bounce_hdr_needles_count(); i++) {
			const char *name, *n = bounce_hdr_needle_text(i, &name);
			int got = bounce_hdr_needle_has(&m, name, n), want = bounce_hdr_has(&walk, name, n);
			if (got != want) {
				print_error("%s: %s \"%s\": got %d, want %d\n", needle_files[f], name, n, got, want);
				fail();
			}
			held += want;
			held_high += i >= 64 && want; /* the second word of m->hhits */
		}
		/* any case in the field name; a pair not in the table is searched */
		assert_int_equal(bounce_hdr_needle_has(&m, "SUBJECT", "Returned mail:"),
		                 bounce_hdr_has(&walk, "subject", "Returned mail:"));
		assert_int_equal(bounce_hdr_needle_has(&m, "Subject", "not a phrase of the table"), -1);
		bounce_msg_free(&m);
		bounce_list_free(&l);
	}
	assert_true(held >= 6); /* the pairs do hold */
	assert_true(held_high >= 1);
	sc_engine_close(&e);
}

/* GMime is set up once per process (it cannot be set up again after
 * g_mime_shutdown()). */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_addr),  cmocka_unit_test(test_stage), cmocka_unit_test(test_memcasemem),
		cmocka_unit_test(test_phrases),    cmocka_unit_test(test_hdrs_mem),
		cmocka_unit_test(test_dsn_groups), cmocka_unit_test(test_scan_blocks),
		cmocka_unit_test(test_read_order), cmocka_unit_test(test_needles_same),
		cmocka_unit_test(test_hdr_needles_same),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
