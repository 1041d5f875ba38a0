/*
 * test_report_mask.c - table-driven tests of the reply-text masking of
 * src/report/report_mask.c: addresses, IPs, ids, dates, numbers in URLs,
 * the recipient domain, white space and the length bound; and the VERP
 * grouping of senders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"

struct mask_case {
	const char *in;
	const char *domain;
	const char *want;
};

static const struct mask_case cases[] = {
	{ "<anna@example.com>: Recipient address rejected: User unknown", NULL,
	  "<<address>>: Recipient address rejected: User unknown" },
	{ "Messages from 203.0.113.25 temporarily deferred", NULL, "Messages from <ip> temporarily deferred" },
	{ "client [2a01:4f8:fff0:4f:266:37ff:fe48:41b8      19] Our system", NULL, "client [<ip> 19] Our system" },
	{ "OK  1611906469 g16si6298392wmq.40 - gsmtp", NULL, "OK <n> <id> - gsmtp" },
	{ "Ok: queued as 365EA8F1F4", NULL, "Ok: queued as <id>" },
	{ "[AM4PEPF00027A5F.eurprd04.prod.outlook.com 2025-01-13T16:09:43.000Z 08DD33C8B1F0A2E1]", NULL,
	  "[<id> <date> <id>]" },
	{ "see https://www.spamhaus.org/query/ip/203.0.113.25", NULL, "see https://www.spamhaus.org/query/ip/#.#.#.#" },
	{ "go to https://support.google.com/mail/answer/81126#authentication.", NULL,
	  "go to https://support.google.com/mail/answer/##authentication." },
	{ "Greylisted, see https://postgrey.schweikert.ch/help/acme.example.html", "acme.example",
	  "Greylisted, see https://postgrey.schweikert.ch/help/<domain>.html" },
	{ "mailbox of acme.example is full", "ACME.example", "mailbox of <domain> is full" },
	{ "help.yahoo.com stays", "yahoo.com", "help.yahoo.com stays" },
	{ "connect to mx.example.com[192.0.2.7]:25: Connection timed out", NULL,
	  "connect to mx.example.com[<ip>]:25: Connection timed out" },
	{ "at 16:09:43 today", NULL, "at <time> today" },
	{ "  lots   of\tspace  ", NULL, "lots of space" },
	{ "550 5.7.1 (S3150) and [TSS04] stay", NULL, "550 5.7.1 (S3150) and [TSS04] stay" },
	{ "This mailbox is disabled (554.30).", NULL, "This mailbox is disabled (<n>)." },
	{ "4012 bytes in 0.999, 785.081 KB/sec Queued", NULL, "<n> bytes in <n>, <n> KB/sec Queued" },
	{ "550 5.7.1 and 2.6.0 stay", NULL, "550 5.7.1 and 2.6.0 stay" },
	{ "bell\a and nul-free controls\x1b[31m", NULL, "bell? and nul-free controls?[31m" },
	{ "", NULL, "" },
};

static void test_mask_table(void **state)
{
	size_t i;
	char out[SC_REPORT_MASK_MAX + 1];
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct mask_case *c = &cases[i];
		size_t n = sc_mask_text(c->in, strlen(c->in), c->domain, c->domain ? strlen(c->domain) : 0, out,
		                        sizeof out);
		if (strcmp(out, c->want) != 0 || n != strlen(out)) {
			print_error("case %zu: %s\n  got  \"%s\"\n  want \"%s\"\n", i, c->in, out, c->want);
			fail();
		}
	}
}

static void test_mask_same_group(void **state)
{
	/* two bounces that differ only in variable parts give one key */
	char a[SC_REPORT_MASK_MAX + 1], b[SC_REPORT_MASK_MAX + 1];
	const char *x = "550 5.1.1 <anna@one.example>: Recipient address rejected: User unknown in virtual mailbox "
	                "table; queue id 4F2A1B3C9D at 2025-03-03 from 198.51.100.4";
	const char *y = "550 5.1.1 <paul.meyer@two.example>: Recipient address rejected: User unknown in virtual "
	                "mailbox table; queue id 9B8E7D6C5A at 2025-03-04 from 198.51.100.200";
	(void)state;
	sc_mask_text(x, strlen(x), NULL, 0, a, sizeof a);
	sc_mask_text(y, strlen(y), NULL, 0, b, sizeof b);
	assert_string_equal(a, b);
}

static void test_mask_bound(void **state)
{
	char big[5000], out[64];
	size_t n, i;
	(void)state;
	for (i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + (char)(i % 7 == 6 ? ' ' - 'a' : (int)(i % 26)));
	big[sizeof big - 1] = '\0';
	n = sc_mask_text(big, strlen(big), NULL, 0, out, sizeof out);
	assert_true(n <= sizeof out - 1);
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out + n - 3, "...", 3);
	/* a cut never ends inside a UTF-8 sequence */
	memset(big, 0, sizeof big);
	for (i = 0; i + 2 < 300; i += 2)
		memcpy(big + i, "\xc3\xa4", 2);
	n = sc_mask_text(big, strlen(big), NULL, 0, out, sizeof out);
	assert_int_equal(strlen(out), n);
	for (i = 0; i + 3 < n; i++)
		if ((unsigned char)out[i] == 0xc3)
			assert_int_equal((unsigned char)out[i + 1], 0xa4);
}

static void test_mask_sender(void **state)
{
	char out[128];
	(void)state;
	sc_mask_sender("bounce+spring-sale-12345@Shop.Example", 37, out, sizeof out);
	assert_string_equal(out, "bounce+*@shop.example");
	sc_mask_sender("", 0, out, sizeof out);
	assert_string_equal(out, "<>");
	sc_mask_sender("orders@shop.example", 19, out, sizeof out);
	assert_string_equal(out, "orders@shop.example");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_table),
		cmocka_unit_test(test_mask_same_group),
		cmocka_unit_test(test_mask_bound),
		cmocka_unit_test(test_mask_sender),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
