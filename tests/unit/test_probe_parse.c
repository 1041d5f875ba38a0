/*
 * test_probe_parse.c - table-driven tests of the probe's pure parts: the bounded
 * reply reader (whole replies, pieces, pipelined replies, every limit and
 * every kind of garbage), EHLO capability parsing, target and address
 * parsing, private-address recognition, reverse names, exit codes, and that
 * a reply is explained by the code on the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "probe/probe.h"

/* ---------------------------------------------------------- reader */

struct rd_case {
	const char *name;
	const char *in;
	size_t len;              /* 0: strlen(in) */
	enum sc_rd_status want;
	int code;
	const char *reply;       /* the reply text on DONE */
	enum sc_rd_error error;
};

static const struct rd_case rd_cases[] = {
	{ "simple", "220 mx.example.com ESMTP\r\n", 0, SC_RD_DONE, 220, "220 mx.example.com ESMTP", SC_RD_OK },
	{ "lf-only", "250 ok\n", 0, SC_RD_DONE, 250, "250 ok", SC_RD_OK },
	{ "bare-code", "250\r\n", 0, SC_RD_DONE, 250, "250", SC_RD_OK },
	{ "multi", "250-a\r\n250-b\r\n250 c\r\n", 0, SC_RD_DONE, 250, "250-a\n250-b\n250 c", SC_RD_OK },
	{ "partial-line", "220 no end", 0, SC_RD_MORE, 0, NULL, SC_RD_OK },
	{ "partial-reply", "250-a\r\n250-b\r\n", 0, SC_RD_MORE, 0, NULL, SC_RD_OK },
	{ "http", "HTTP/1.1 400 Bad Request\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "short", "25\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "code-1xx", "150 x\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "code-6xx", "650 x\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "bad-sep", "250_x\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "empty-line", "\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "mixed", "250-a\r\n251 b\r\n", 0, SC_RD_ERROR, 0, NULL, SC_RD_MIXED },
	{ "nul", "220 a\0b\r\n", 9, SC_RD_ERROR, 0, NULL, SC_RD_BINARY },
	{ "tls-bytes", "\x16\x03\x01\x02\x00\x01\x00\n", 8, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "garbage-no-eol", "SSH-2.0-OpenSSH", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "early-bad-sep", "220x", 0, SC_RD_ERROR, 0, NULL, SC_RD_GARBAGE },
	{ "early-ok-prefix", "22", 0, SC_RD_MORE, 0, NULL, SC_RD_OK },
};

static void feed(struct sc_rd *rd, const char *s, size_t n)
{
	while (n) {
		size_t room;
		char *sp = sc_rd_space(rd, &room);
		size_t k = n < room ? n : room;
		assert_true(k > 0);
		memcpy(sp, s, k);
		sc_rd_commit(rd, k);
		s += k;
		n -= k;
	}
}

static void test_reader_table(void **state)
{
	struct sc_rd *rd = malloc(sizeof *rd);
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof rd_cases / sizeof rd_cases[0]; i++) {
		const struct rd_case *c = &rd_cases[i];
		enum sc_rd_status st;
		sc_rd_init(rd);
		feed(rd, c->in, c->len ? c->len : strlen(c->in));
		st = sc_rd_next(rd);
		if (st != c->want) {
			printf("%s: status got %d, want %d\n", c->name, st, c->want);
			bad++;
			continue;
		}
		if (st == SC_RD_DONE && (rd->code != c->code || strcmp(rd->reply, c->reply))) {
			printf("%s: got %d \"%s\", want %d \"%s\"\n", c->name, rd->code, rd->reply, c->code, c->reply);
			bad++;
		}
		if (st == SC_RD_ERROR && rd->error != c->error) {
			printf("%s: error got %d (%s), want %d\n", c->name, rd->error, sc_rd_strerror(rd->error), c->error);
			bad++;
		}
	}
	free(rd);
	assert_int_equal(bad, 0);
}

/* Byte by byte gives the same as all at once. */
static void test_reader_bytewise(void **state)
{
	static const char in[] = "250-mx.example.com\r\n250-PIPELINING\r\n250 SIZE 100\r\n";
	struct sc_rd *rd = malloc(sizeof *rd);
	size_t i;
	int done = 0;
	(void)state;
	sc_rd_init(rd);
	for (i = 0; i < sizeof in - 1; i++) {
		enum sc_rd_status st;
		feed(rd, in + i, 1);
		st = sc_rd_next(rd);
		assert_int_not_equal(st, SC_RD_ERROR);
		if (st == SC_RD_DONE) {
			assert_int_equal(i, sizeof in - 2);
			done = 1;
		}
	}
	assert_true(done);
	assert_int_equal(rd->nlines, 3);
	assert_string_equal(rd->reply, "250-mx.example.com\n250-PIPELINING\n250 SIZE 100");
	free(rd);
}

/* Two replies in one read (pipelining, or STARTTLS injection) stay apart. */
static void test_reader_pipelined(void **state)
{
	struct sc_rd *rd = malloc(sizeof *rd);
	(void)state;
	sc_rd_init(rd);
	feed(rd, "220 go ahead\r\n250 injected\r\n", 28);
	assert_int_equal(sc_rd_next(rd), SC_RD_DONE);
	assert_int_equal(rd->code, 220);
	assert_int_equal(sc_rd_pending(rd), 14);
	assert_int_equal(sc_rd_next(rd), SC_RD_DONE);
	assert_int_equal(rd->code, 250);
	assert_string_equal(rd->reply, "250 injected");
	assert_int_equal(sc_rd_pending(rd), 0);
	assert_int_equal(sc_rd_next(rd), SC_RD_MORE);
	free(rd);
}

/* A line without end is cut off at the limit, however it arrives. */
static void test_reader_limits(void **state)
{
	struct sc_rd *rd = malloc(sizeof *rd);
	char *big = malloc(PROBE_MAX_LINE * 3);
	size_t i;
	enum sc_rd_status st = SC_RD_MORE;
	(void)state;

	memset(big, 'x', PROBE_MAX_LINE * 3);
	memcpy(big, "220 ", 4);
	sc_rd_init(rd);
	for (i = 0; i < PROBE_MAX_LINE * 3 && st == SC_RD_MORE; i += 1000) {
		size_t room;
		sc_rd_space(rd, &room);
		feed(rd, big + i, room < 1000 ? room : 1000);
		st = sc_rd_next(rd);
	}
	assert_int_equal(st, SC_RD_ERROR);
	assert_int_equal(rd->error, SC_RD_TOOLONG);

	/* too many lines */
	sc_rd_init(rd);
	for (i = 0; i < PROBE_MAX_LINES + 5 && (st = sc_rd_next(rd)) == SC_RD_MORE; i++)
		feed(rd, "250-a\r\n", 7);
	assert_int_equal(st, SC_RD_ERROR);
	assert_int_equal(rd->error, SC_RD_TOOMANY);

	/* too big: 100 lines of 4000 bytes pass no single limit but the size */
	sc_rd_init(rd);
	memset(big, 'y', 4000);
	memcpy(big, "250-", 4);
	memcpy(big + 3998, "\r\n", 2);
	for (i = 0; i < PROBE_MAX_LINES && (st = sc_rd_next(rd)) == SC_RD_MORE; i++)
		feed(rd, big, 4000);
	assert_int_equal(st, SC_RD_ERROR);
	assert_int_equal(rd->error, SC_RD_TOOBIG);
	/* the reader stays in error */
	assert_int_equal(sc_rd_next(rd), SC_RD_ERROR);
	free(big);
	free(rd);
}

/* ---------------------------------------------------------- capabilities */

static void test_caps(void **state)
{
	static const char ehlo[] = "250-mx.example.com Hello [192.0.2.1]\n250-PIPELINING\n250-SIZE 35882577\n"
	                           "250-8BITMIME\n250-AUTH LOGIN PLAIN XOAUTH2\n250-AUTH=LOGIN PLAIN\n"
	                           "250-ENHANCEDSTATUSCODES\n250-starttls\n250-CHUNKING\n250-SMTPUTF8\n250-DSN\n"
	                           "250-REQUIRETLS\n250 X-EXPS GSSAPI NTLM";
	struct sc_caps c;
	(void)state;
	assert_int_equal(sc_caps_parse(&c, ehlo, strlen(ehlo)), 11);
	assert_string_equal(c.greeting_name, "mx.example.com");
	assert_true(c.pipelining && c.eightbit && c.enhanced && c.starttls && c.chunking && c.smtputf8 && c.dsn &&
	            c.requiretls);
	assert_true(c.has_size);
	assert_true(c.size == 35882577ULL);
	assert_true(c.auth_plain && c.auth_login);
	assert_string_equal(c.auth_mechs, "LOGIN PLAIN XOAUTH2");
	assert_non_null(sc_caps_find(&c, "starttls"));
	assert_string_equal(sc_caps_find(&c, "STARTTLS")->keyword, "STARTTLS");
	assert_string_equal(sc_caps_find(&c, "X-EXPS")->params, "GSSAPI NTLM");
	assert_null(sc_caps_find(&c, "VRFY"));

	/* only the greeting */
	assert_int_equal(sc_caps_parse(&c, "250 mx.example.com", 18), 0);
	assert_string_equal(c.greeting_name, "mx.example.com");
	assert_false(c.starttls);
	/* AUTH=LOGIN alone counts as AUTH; SIZE without a number is 0 */
	sc_caps_parse(&c, "250-x\n250-AUTH=LOGIN\n250 SIZE", strlen("250-x\n250-AUTH=LOGIN\n250 SIZE"));
	assert_true(c.auth_login);
	assert_true(c.has_size);
	assert_true(c.size == 0);
}

/* ---------------------------------------------------------- targets */

struct target_case {
	const char *in;
	int ok;
	enum sc_target_kind kind;
	const char *name;
	int port;
};

static const struct target_case target_cases[] = {
	{ "example.com", 1, SC_TARGET_DOMAIN, "example.com", 0 },
	{ "example.com.", 1, SC_TARGET_DOMAIN, "example.com", 0 },
	{ "mx.example.com:587", 1, SC_TARGET_HOST, "mx.example.com", 587 },
	{ "192.0.2.1", 1, SC_TARGET_ADDR, "192.0.2.1", 0 },
	{ "192.0.2.1:2525", 1, SC_TARGET_ADDR, "192.0.2.1", 2525 },
	{ "[192.0.2.1]:25", 1, SC_TARGET_ADDR, "192.0.2.1", 25 },
	{ "[2001:db8::1]:465", 1, SC_TARGET_ADDR, "2001:db8::1", 465 },
	{ "[2001:db8::1]", 1, SC_TARGET_ADDR, "2001:db8::1", 0 },
	{ "2001:db8::1", 1, SC_TARGET_ADDR, "2001:db8::1", 0 },
	{ "::1", 1, SC_TARGET_ADDR, "::1", 0 },
	{ "[IPv6:::1]:25", 1, SC_TARGET_ADDR, "::1", 25 },
	{ "", 0, 0, NULL, 0 },
	{ "mx.example.com:0", 0, 0, NULL, 0 },
	{ "mx.example.com:65536", 0, 0, NULL, 0 },
	{ "mx.example.com:25x", 0, 0, NULL, 0 },
	{ "[192.0.2.1", 0, 0, NULL, 0 },
	{ "[not-an-ip]:25", 0, 0, NULL, 0 },
	{ "bad host.example", 0, 0, NULL, 0 },
	{ "a..b", 0, 0, NULL, 0 },
	{ "x@example.com", 0, 0, NULL, 0 },
};

static void test_targets(void **state)
{
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof target_cases / sizeof target_cases[0]; i++) {
		const struct target_case *c = &target_cases[i];
		struct sc_target t;
		char err[256];
		int rc = sc_target_parse(c->in, &t, err, sizeof err);
		if ((rc == 0) != c->ok) {
			printf("'%s': got %s, want %s (%s)\n", c->in, rc ? "error" : "ok", c->ok ? "ok" : "error",
			       rc ? err : "");
			bad++;
			continue;
		}
		if (!c->ok)
			continue;
		if (t.kind != c->kind || strcmp(t.name, c->name) || t.port != c->port) {
			printf("'%s': got kind %d name '%s' port %d, want %d '%s' %d\n", c->in, t.kind, t.name, t.port,
			       c->kind, c->name, c->port);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

struct addr_case {
	const char *in;
	int is_private;
	int is_loopback;
	const char *reverse;
};

static const struct addr_case addr_cases[] = {
	{ "127.0.0.1", 1, 1, "1.0.0.127.in-addr.arpa" },
	{ "127.1.2.3", 1, 1, "3.2.1.127.in-addr.arpa" },
	{ "10.1.2.3", 1, 0, NULL },
	{ "172.16.0.1", 1, 0, NULL },
	{ "172.31.255.255", 1, 0, NULL },
	{ "172.32.0.1", 0, 0, NULL },
	{ "192.168.1.1", 1, 0, NULL },
	{ "169.254.1.1", 1, 0, NULL },
	{ "100.64.0.1", 1, 0, NULL },
	{ "100.128.0.1", 0, 0, NULL },
	{ "0.0.0.0", 1, 0, NULL },
	{ "192.0.2.99", 0, 0, "99.2.0.192.in-addr.arpa" },
	{ "8.8.8.8", 0, 0, NULL },
	{ "::1", 1, 1, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa" },
	{ "fe80::1", 1, 0, NULL },
	{ "fd00::1", 1, 0, NULL },
	{ "::ffff:10.0.0.1", 1, 0, NULL },
	{ "::ffff:127.0.0.1", 1, 1, NULL },
	{ "2001:db8::1", 0, 0, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" },
};

static void test_addrs(void **state)
{
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
		const struct addr_case *c = &addr_cases[i];
		struct sockaddr_storage sa;
		socklen_t len;
		char rev[128];
		assert_int_equal(sc_addr_parse(c->in, 25, &sa, &len), 0);
		if (sc_addr_is_private((struct sockaddr *)&sa) != c->is_private) {
			printf("%s: private got %d, want %d\n", c->in, !c->is_private, c->is_private);
			bad++;
		}
		if (sc_addr_is_loopback((struct sockaddr *)&sa) != c->is_loopback) {
			printf("%s: loopback got %d, want %d\n", c->in, !c->is_loopback, c->is_loopback);
			bad++;
		}
		if (c->reverse) {
			sc_dns_reverse_name((struct sockaddr *)&sa, NULL, rev, sizeof rev);
			if (strcmp(rev, c->reverse)) {
				printf("%s: reverse got %s, want %s\n", c->in, rev, c->reverse);
				bad++;
			}
		}
	}
	{
		struct sockaddr_storage sa;
		socklen_t len;
		char rev[128];
		sc_addr_parse("192.0.2.99", 0, &sa, &len);
		sc_dns_reverse_name((struct sockaddr *)&sa, "zen.spamhaus.org", rev, sizeof rev);
		assert_string_equal(rev, "99.2.0.192.zen.spamhaus.org");
		assert_int_equal(sc_addr_parse("[::1]:53", 25, &sa, &len), 0);
		assert_int_equal(sa.ss_family, AF_INET6);
		assert_int_equal(sc_addr_parse("127.0.0.1:20153", 53, &sa, &len), 0);
		assert_int_equal(ntohs(((struct sockaddr_in *)&sa)->sin_port), 20153);
		assert_int_equal(sc_addr_parse("localhost", 53, &sa, &len), -1);
	}
	assert_int_equal(bad, 0);
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(sc_probe_exit_for(PROBE_ST_CONNECT), 10);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_BANNER), 11);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_EHLO), 12);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_HELO), 12);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_EHLO_TLS), 12);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_STARTTLS), 13);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_TLS), 13);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_TLS_IMPLICIT), 13);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_AUTH), 14);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_MAIL), 15);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_RCPT), 16);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_DATA), 17);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_BODY), 17);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_QUIT), 0);
	assert_int_equal(sc_probe_exit_for(PROBE_ST_RELAY_RCPT), 0);
	assert_int_equal(sc_probe_stop_parse("rcpt"), PROBE_STOP_RCPT);
	assert_int_equal(sc_probe_stop_parse("STARTTLS"), PROBE_STOP_TLS);
	assert_int_equal(sc_probe_stop_parse("nope"), -1);
	/* every state has a name */
	{
		int s;
		for (s = 0; s < PROBE_ST_COUNT; s++)
			assert_string_not_equal(sc_probe_state_name((enum probe_state)s), "unknown");
	}
}

/* The code on the wire wins over log renderings a peer writes into its text. */
static void test_verdict_wire_code(void **state)
{
	static const struct {
		const char *text;
		int code;
		enum smtpcodes_class klass;
	} cases[] = {
		{ "250 2.0.0 ok \\n550-5.1.1 no such user \\n550 5.1.1 really", 250, SMTPCODES_CLASS_SUCCESS },
		{ "550 5.1.1 unknown 250-2.0.0 a 250 2.0.0 b", 550, SMTPCODES_CLASS_PERMANENT },
		{ "250-mx.example.com\n250-PIPELINING\n250 SIZE 1000", 250, SMTPCODES_CLASS_SUCCESS },
		{ "354 go ahead", 354, SMTPCODES_CLASS_INTERMEDIATE },
		{ "451 4.3.0 try later", 451, SMTPCODES_CLASS_TEMPORARY },
	};
	struct probe_verdicts *pv = sc_probe_verdicts_new(NULL, 0);
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct smtpcodes_reply r;
		struct smtpcodes_verdict v;
		int rc = sc_probe_verdict(pv, cases[i].text, strlen(cases[i].text), SMTPCODES_STAGE_RCPT, NULL, &r, &v);
		if (rc != SMTPCODES_OK || r.code != cases[i].code || v.klass != cases[i].klass) {
			printf("'%s': got rc %d code %d class %d, want 0 %d %d\n", cases[i].text, rc, r.code, v.klass,
			       cases[i].code, cases[i].klass);
			bad++;
		}
	}
	sc_probe_verdicts_free(pv);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_table),  cmocka_unit_test(test_reader_bytewise),
		cmocka_unit_test(test_reader_pipelined), cmocka_unit_test(test_reader_limits),
		cmocka_unit_test(test_caps),          cmocka_unit_test(test_targets),
		cmocka_unit_test(test_addrs),         cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_verdict_wire_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
