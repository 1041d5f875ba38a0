/*
 * report_csv.c - the report as one CSV table (RFC 4180, one header line) for
 * spreadsheets, and the suppression candidates file of --suppressions.
 * Every row names its section; a field that a spreadsheet would run as a
 * formula (= + - @ first) is defused with a leading quote (sc_out_csv).
 *
 * Columns: section,key,total,sent,deferred,bounced,expired,rejected,hard,
 * code,enhanced,reason,action,provider,blocklist,first,last
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static void cstr(struct sc_out *o, const char *s)
{
	if (s)
		sc_out_csv(o, s, strlen(s));
}

static void row(struct sc_out *o, const struct sc_report *r, const char *section, const char *key, size_t keylen,
                const struct sc_group *g, const struct sc_text_info *in, const char *provider, const char *reason)
{
	char w[1100], e[24];
	int st;
	cstr(o, section);
	sc_out_char(o, ',');
	sc_out_csv(o, key, keylen);
	sc_out_printf(o, ",%llu", g->total);
	for (st = 1; st < SC_REPORT_NSTATUS; st++)
		sc_out_printf(o, ",%llu", g->n[st]);
	sc_out_printf(o, ",%llu,", g->hard);
	if (in && in->sample) {
		if (in->code)
			sc_out_printf(o, "%d", in->code);
		sc_out_char(o, ',');
		if (in->enhanced.klass) {
			smtpcodes_enhanced_format(&in->enhanced, e, sizeof e);
			sc_out_str(o, e);
		}
		sc_out_char(o, ',');
		cstr(o, reason ? reason : smtpcodes_reason_name(in->reason));
		sc_out_char(o, ',');
		cstr(o, smtpcodes_action_name(in->action));
		sc_out_char(o, ',');
		cstr(o, provider ? provider : in->provider);
		sc_out_char(o, ',');
		cstr(o, in->blocklist);
	} else {
		sc_out_str(o, ",,");
		cstr(o, reason);
		sc_out_str(o, ",,");
		cstr(o, provider);
		sc_out_char(o, ',');
	}
	sc_out_char(o, ',');
	if (g->total) {
		sc_report_where(r, &g->first, w, sizeof w);
		cstr(o, w);
		sc_out_char(o, ',');
		sc_report_where(r, &g->last, w, sizeof w);
		cstr(o, w);
	} else {
		sc_out_char(o, ',');
	}
	sc_out_str(o, "\r\n");
}

/* kind: 0 plain key, 1 "kind|provider", 2 "provider|reason" */
static void table(struct sc_out *o, const struct sc_report *r, const char *section, const struct sc_rtable *t,
                  size_t top, int by_key, int kind)
{
	size_t n, i, show;
	struct sc_rentry **v = by_key == 1 ? sc_rtable_sorted_by_key(t, &n)
	                       : by_key == 2 ? sc_rtable_sorted_by_problems(t, &n) : sc_rtable_sorted(t, &n);
	show = top && top < n ? top : n;
	for (i = 0; i < show; i++) {
		struct sc_rentry *e = v[i];
		const char *bar = kind ? strchr(e->key, '|') : NULL;
		if (bar && kind == 1)
			row(o, r, section, e->key, (size_t)(bar - e->key), &e->g, e->info, bar + 1, NULL);
		else if (bar && kind == 2)
			row(o, r, section, e->key, (size_t)(bar - e->key), &e->g, e->info, NULL, bar + 1);
		else
			row(o, r, section, e->key, e->keylen, &e->g, e->info, NULL, NULL);
	}
	free(v);
}

static void summary(struct sc_out *o, const char *key, const char *value)
{
	sc_out_str(o, "summary,");
	sc_out_str(o, key);
	sc_out_char(o, ',');
	sc_out_str(o, value);
	sc_out_str(o, ",,,,,,,,,,,,,,\r\n");
}

void sc_report_write_csv(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o)
{
	struct sc_report_section secs[16];
	size_t i, ns;
	char b[64];

	sc_out_str(o, "section,key,total,sent,deferred,bounced,expired,rejected,hard,code,enhanced,reason,action,"
	              "provider,blocklist,first,last\r\n");
	snprintf(b, sizeof b, "%llu", r->lines);
	summary(o, "lines", b);
	snprintf(b, sizeof b, "%llu", r->not_understood);
	summary(o, "lines_not_understood", b);
	snprintf(b, sizeof b, "%llu", sc_distinct_count(&r->messages));
	summary(o, "messages", b);
	snprintf(b, sizeof b, "%llu", sc_distinct_count(&r->recipients));
	summary(o, "recipients", b);
	snprintf(b, sizeof b, "%.4f", sc_report_delivery_rate(r));
	summary(o, "delivery_rate", b);
	snprintf(b, sizeof b, "%.4f", sc_report_hard_bounce_rate(r));
	summary(o, "hard_bounce_rate", b);
	snprintf(b, sizeof b, "%zu", r->suppress.count);
	summary(o, "suppression_candidates", b);
	row(o, r, "totals", "all", 3, &r->totals, NULL, NULL, NULL);
	table(o, r, "blocklist", &r->blocklists, view->top, 0, 0);
	table(o, r, "authentication", &r->auth, view->top, 0, 1);
	table(o, r, "throttling", &r->throttling, view->top, 0, 2);
	table(o, r, "text", &r->by_text, view->top, 2, 0);
	ns = sc_report_sections(r, secs, sizeof secs / sizeof secs[0]);
	for (i = 0; i < ns; i++)
		table(o, r, secs[i].id, secs[i].t, secs[i].by_key ? 0 : view->top, secs[i].by_key, 0);
}

void sc_report_write_suppressions(const struct sc_report *r, struct sc_out *o)
{
	size_t n, i;
	struct sc_rentry **v = sc_rtable_sorted_by_key(&r->suppress, &n);
	char t[64], e[24];

	sc_out_str(o, "address,reason,code,last_seen\r\n");
	for (i = 0; i < n; i++) {
		const struct sc_rentry *x = v[i];
		if (x->other || !x->info)
			continue;
		sc_out_csv(o, x->key, x->keylen);
		sc_out_char(o, ',');
		cstr(o, smtpcodes_reason_name(x->info->reason));
		sc_out_char(o, ',');
		if (x->info->code) {
			sc_out_printf(o, "%d", x->info->code);
		} else if (x->info->enhanced.klass) {
			smtpcodes_enhanced_format(&x->info->enhanced, e, sizeof e);
			sc_out_str(o, e);
		}
		sc_out_char(o, ',');
		sc_report_time(x->g.last_time, t, sizeof t);
		sc_out_str(o, t);
		sc_out_str(o, "\r\n");
	}
	free(v);
}
