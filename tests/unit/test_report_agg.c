/*
 * test_report_agg.c - the report's aggregation (src/report/report.c and
 * report_table.c): totals per status, breakdowns, traceable first/last
 * lines, the cap on distinct keys ("(other)"), the distinct counters, the
 * problem tables and the suppression candidates; and the escaping of the
 * CSV and HTML writers (a reply text with <script> stays text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/engine.h"
#include "common/out.h"
#include "common/util.h"
#include "report/report.h"

static struct sc_engine eng;

static int setup(void **state)
{
	(void)state;
	return sc_engine_open(&eng, NULL, 0);
}

static int teardown(void **state)
{
	(void)state;
	sc_engine_close(&eng);
	return 0;
}

static struct smtpcodes_span span(const char *s)
{
	struct smtpcodes_span sp;
	sp.ptr = s;
	sp.len = s ? strlen(s) : 0;
	return sp;
}

/* Feeds one event the way cmd_report does. */
static void feed(struct sc_report *r, enum sc_status st, const char *qid, const char *rcpt, const char *reply,
                 unsigned long long line, time_t t)
{
	struct sc_event ev;
	struct smtpcodes_reply rp;
	struct smtpcodes_verdict v;
	const char *at = rcpt ? strchr(rcpt, '@') : NULL;
	memset(&ev, 0, sizeof ev);
	ev.status = st;
	ev.time = t;
	ev.queue_id = span(qid);
	ev.recipient = span(rcpt);
	ev.recipient_domain = span(at ? at + 1 : NULL);
	ev.sender = span("bounce+123@shop.example");
	ev.reply = span(reply);
	ev.line = line;
	sc_engine_classify(&eng, reply, strlen(reply), NULL, &rp, &v);
	sc_report_event(r, 0, &ev, &rp, &v);
}

static struct sc_report *new_report(size_t max_keys, size_t distinct_limit)
{
	struct sc_report_config cfg;
	struct sc_report *r;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_keys = max_keys;
	cfg.distinct_limit = distinct_limit;
	r = sc_report_new(&cfg);
	sc_report_add_file(r, "mail.log");
	return r;
}

static struct sc_rentry *find(const struct sc_rtable *t, const char *key)
{
	size_t i;
	for (i = 0; i < t->cap; i++)
		if (t->slots[i] && !strcmp(t->slots[i]->key, key))
			return t->slots[i];
	return t->other && !strcmp(key, "(other)") ? t->other : NULL;
}

static void test_totals_and_breakdowns(void **state)
{
	struct sc_report *r = new_report(0, 0);
	struct sc_rentry *e;
	char w[64];
	(void)state;
	feed(r, SC_STATUS_SENT, "A1", "anna@gmail.com", "250 2.0.0 OK  1611906469 g16si6298392wmq.40 - gsmtp", 10,
	     1740990000);
	feed(r, SC_STATUS_BOUNCED, "A2", "paul@acme.example",
	     "550 5.1.1 <paul@acme.example>: Recipient address rejected: User unknown in virtual mailbox table", 20,
	     1740990060);
	feed(r, SC_STATUS_BOUNCED, "A3", "lea@acme.example",
	     "550 5.1.1 <lea@acme.example>: Recipient address rejected: User unknown in virtual mailbox table", 30,
	     1740993700);
	feed(r, SC_STATUS_DEFERRED, "A4", "max@yahoo.com",
	     "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily deferred due to unexpected volume or user "
	     "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
	     40, 1740993800);
	feed(r, SC_STATUS_REJECTED, NULL, "x@shop.example",
	     "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", 50, 1740993900);
	feed(r, SC_STATUS_NONE, "A9", "nobody@example.com", "", 60, 1740993900);

	assert_int_equal(r->totals.n[SC_STATUS_SENT], 1);
	assert_int_equal(r->totals.n[SC_STATUS_BOUNCED], 2);
	assert_int_equal(r->totals.n[SC_STATUS_DEFERRED], 1);
	assert_int_equal(r->totals.n[SC_STATUS_REJECTED], 1);
	assert_int_equal(r->totals.total, 5);
	assert_int_equal(r->totals.hard, 2);
	assert_int_equal(sc_distinct_count(&r->messages), 4);
	assert_int_equal(sc_report_final(r), 3);

	e = find(&r->by_code, "550");
	assert_non_null(e);
	assert_int_equal(e->g.total, 2);
	sc_report_where(r, &e->g.first, w, sizeof w);
	assert_string_equal(w, "mail.log:20");
	sc_report_where(r, &e->g.last, w, sizeof w);
	assert_string_equal(w, "mail.log:30");

	/* the two user-unknown bounces share one masked text */
	e = find(&r->by_text, "550 5.1.1 <<address>>: Recipient address rejected: User unknown in virtual mailbox table");
	assert_non_null(e);
	assert_int_equal(e->g.n[SC_STATUS_BOUNCED], 2);
	assert_int_equal(e->info->reason, SMTPCODES_REASON_USERUNKNOWN);

	assert_non_null(find(&r->by_domain, "acme.example"));
	assert_non_null(find(&r->by_hour, "2025-03-03 08:00"));
	assert_non_null(find(&r->by_hour, "2025-03-03 09:00"));
	assert_non_null(find(&r->by_sender, "bounce+*@shop.example"));
	/* a reject is not our delivery problem: no blocklist entry from it */
	assert_int_equal(r->blocklists.count, 0);
	assert_non_null(find(&r->throttling, "yahoo|badreputation"));
	assert_int_equal(r->suppress.count, 2);
	assert_non_null(find(&r->suppress, "paul@acme.example"));
	sc_report_free(r);
}

static void test_cap_and_distinct(void **state)
{
	struct sc_report *r = new_report(3, 100);
	char rcpt[64], qid[32];
	int i;
	struct sc_rentry *other;
	unsigned long long est;
	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(rcpt, sizeof rcpt, "u%d@d%d.example", i, i);
		snprintf(qid, sizeof qid, "Q%d", i);
		feed(r, SC_STATUS_SENT, qid, rcpt, "250 2.0.0 Ok: queued as ABC", (unsigned long long)i + 1, 1740990000);
	}
	assert_int_equal(r->by_domain.count, 3);
	other = find(&r->by_domain, "(other)");
	assert_non_null(other);
	assert_int_equal(other->g.total, 997);
	assert_int_equal(r->by_domain.overflowed, 997);
	assert_false(sc_distinct_exact(&r->messages));
	est = sc_distinct_count(&r->messages);
	assert_true(est > 950 && est < 1050);
	sc_report_free(r);
}

static char *render(struct sc_report *r, int html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sc_out o;
	struct sc_report_view v;
	memset(&v, 0, sizeof v);
	v.lang = "en";
	v.top = 10;
	sc_out_init(&o, f);
	if (html == 1)
		sc_report_write_html(r, &v, &o);
	else if (html == 2)
		sc_report_write_suppressions(r, &o);
	else
		sc_report_write_csv(r, &v, &o);
	sc_out_free(&o);
	fclose(f);
	return buf;
}

static void test_html_escapes_log_text(void **state)
{
	struct sc_report *r = new_report(0, 0);
	char *html;
	(void)state;
	feed(r, SC_STATUS_BOUNCED, "B1", "a@evil.example", "550 5.7.1 <script>alert(1)</script> & \"quotes\"", 7,
	     1740990000);
	html = render(r, 1);
	assert_null(strstr(html, "<script"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&amp; &quot;quotes&quot;"));
	/* self-contained: no scripts, no external resources */
	assert_null(strstr(html, "src=\"http"));
	assert_null(strstr(html, "<link"));
	assert_non_null(strstr(html, "<svg"));
	free(html);
	sc_report_free(r);
}

/* The hour keys sort as text, which is not time order once a (forged or
 * broken) timestamp falls outside the years 1000..9999: the chart must take
 * its span from the times, and a time gmtime() cannot convert counts as
 * "(no time)". The fuzzer found the first as a negative allocation. */
static void test_hours_out_of_text_order(void **state)
{
	struct sc_report *r = new_report(0, 0);
	char *html;
	(void)state;
	feed(r, SC_STATUS_BOUNCED, "H1", "a@x.example", "550 5.1.1 no such user", 1, 1740990000);
	feed(r, SC_STATUS_BOUNCED, "H2", "b@x.example", "550 5.1.1 no such user", 2,
	     (time_t)253402300800LL + 5 * 3600); /* 10000-01-01 05:00, sorts before "2025" */
	feed(r, SC_STATUS_BOUNCED, "H3", "c@x.example", "550 5.1.1 no such user", 3, (time_t)LLONG_MAX);
	assert_non_null(find(&r->by_hour, "2025-03-03 08:00"));
	assert_non_null(find(&r->by_hour, "10000-01-01 05:00"));
	assert_int_equal(find(&r->by_hour, "(no time)")->g.total, 1);
	html = render(r, 1);
	assert_non_null(html);
	/* the latest hours are charted: the year-10000 bar is there */
	assert_non_null(strstr(html, "<title>10000-01-01 05:00"));
	free(html);
	sc_report_free(r);
}

static void test_csv_escaping(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sc_out o;
	(void)state;
	sc_out_init(&o, f);
	sc_out_csv(&o, "plain", 5);
	sc_out_char(&o, '|');
	sc_out_csv(&o, "a,b", 3);
	sc_out_char(&o, '|');
	sc_out_csv(&o, "say \"hi\"", 8);
	sc_out_char(&o, '|');
	sc_out_csv(&o, "=HYPERLINK(\"x\")", 15);
	sc_out_char(&o, '|');
	sc_out_csv(&o, "line\nbreak", 10);
	sc_out_free(&o);
	fclose(f);
	assert_string_equal(buf, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"'=HYPERLINK(\"\"x\"\")\"|\"line break\"");
	free(buf);
}

static void test_suppressions_csv(void **state)
{
	struct sc_report *r = new_report(0, 0);
	char *csv;
	(void)state;
	feed(r, SC_STATUS_BOUNCED, "C1", "Zed@Acme.example", "550 5.1.1 <zed@acme.example>: User unknown", 3, 1740990000);
	feed(r, SC_STATUS_BOUNCED, "C2", "amy@acme.example", "550 5.1.1 <amy@acme.example>: User unknown", 4, 1740990060);
	feed(r, SC_STATUS_BOUNCED, "C3", "amy@acme.example", "550 5.1.1 <amy@acme.example>: User unknown", 5, 1740990120);
	/* a sender-side refusal never makes a suppression candidate */
	feed(r, SC_STATUS_BOUNCED, "C4", "bob@acme.example",
	     "554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org", 6, 1740990180);
	csv = render(r, 2);
	assert_string_equal(csv, "address,reason,code,last_seen\r\n"
	                         "amy@acme.example,userunknown,550,2025-03-03T08:22:00Z\r\n"
	                         "zed@acme.example,userunknown,550,2025-03-03T08:20:00Z\r\n");
	free(csv);
	csv = render(r, 0);
	assert_non_null(strstr(csv, "\r\nblocklist,spamhaus,1,0,0,1,0,0,0,554,5.7.1,blocked,check_reputation,"));
	free(csv);
	sc_report_free(r);
}

static void test_campaign(void **state)
{
	struct sc_campaign *c;
	const char *cap;
	size_t n;
	char err[256];
	(void)state;
	assert_int_equal(sc_campaign_new(&c, "bounce\\+([a-z-]+?)-[0-9]+@|^<?([a-z-]+)\\.", err, sizeof err), 0);
	assert_int_equal(sc_campaign_match(c, "bounce+spring-sale-123@shop.example", 35, &cap, &n), 1);
	assert_int_equal(n, 11);
	assert_memory_equal(cap, "spring-sale", 11);
	/* the second alternative's group, on a message-id */
	assert_int_equal(sc_campaign_match(c, "<order-mail.4a1b@shop.example>", 30, &cap, &n), 1);
	assert_int_equal(n, 10);
	assert_memory_equal(cap, "order-mail", 10);
	assert_int_equal(sc_campaign_match(c, "orders@shop.example", 19, &cap, &n), 0);
	sc_campaign_free(c);
	/* no group: the whole match */
	assert_int_equal(sc_campaign_new(&c, "news[0-9]+", err, sizeof err), 0);
	assert_int_equal(sc_campaign_match(c, "x-news42@y", 10, &cap, &n), 1);
	assert_int_equal(n, 6);
	sc_campaign_free(c);
	/* a bad pattern is a usage error with the offset */
	assert_int_equal(sc_campaign_new(&c, "(", err, sizeof err), EX_USAGE);
	assert_non_null(strstr(err, "offset"));
	sc_campaign_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_totals_and_breakdowns),
		cmocka_unit_test(test_cap_and_distinct),
		cmocka_unit_test(test_html_escapes_log_text),
		cmocka_unit_test(test_hours_out_of_text_order),
		cmocka_unit_test(test_csv_escaping),
		cmocka_unit_test(test_suppressions_csv),
		cmocka_unit_test(test_campaign),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
