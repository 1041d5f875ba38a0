/*
 * report_json.c - the report as one JSON object (schema: docs/report-json.md).
 * Every group carries its counts per status and the first and last log line
 * it was counted from, so that every number can be traced to the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static void kv_u(struct sc_out *o, const char *k, unsigned long long v)
{
	sc_out_str(o, ",\"");
	sc_out_str(o, k);
	sc_out_str(o, "\":");
	sc_out_printf(o, "%llu", v);
}

static void group(struct sc_out *o, const struct sc_report *r, const struct sc_group *g)
{
	static const char *const keys[SC_REPORT_NSTATUS] = { NULL, "sent", "deferred", "bounced", "expired", "rejected" };
	char w[1100], t[64];
	int st;
	sc_out_printf(o, "\"total\":%llu", g->total);
	for (st = 1; st < SC_REPORT_NSTATUS; st++)
		kv_u(o, keys[st], g->n[st]);
	kv_u(o, "hard", g->hard);
	sc_report_where(r, &g->first, w, sizeof w);
	sc_out_str(o, ",\"first\":");
	sc_out_json_cstr(o, w);
	sc_report_where(r, &g->last, w, sizeof w);
	sc_out_str(o, ",\"last\":");
	sc_out_json_cstr(o, w);
	sc_report_time(g->first_time, t, sizeof t);
	sc_out_str(o, ",\"first_time\":");
	sc_out_json_cstr(o, g->first_time ? t : NULL);
	sc_report_time(g->last_time, t, sizeof t);
	sc_out_str(o, ",\"last_time\":");
	sc_out_json_cstr(o, g->last_time ? t : NULL);
}

/* The verdict facts and their explanation in the report's language. */
static void info(struct sc_out *o, const char *lang, const struct sc_text_info *in)
{
	const struct smtpcodes_kb_entry *k;
	const char *rn = smtpcodes_reason_name(in->reason), *an = smtpcodes_action_name(in->action);
	char e[24];

	sc_out_str(o, ",\"code\":");
	if (in->code)
		sc_out_printf(o, "%d", in->code);
	else
		sc_out_str(o, "null");
	sc_out_str(o, ",\"enhanced\":");
	if (in->enhanced.klass) {
		smtpcodes_enhanced_format(&in->enhanced, e, sizeof e);
		sc_out_json_cstr(o, e);
	} else {
		sc_out_str(o, "null");
	}
	sc_out_str(o, ",\"class\":");
	sc_out_json_cstr(o, smtpcodes_class_name(in->klass));
	sc_out_str(o, ",\"reason\":");
	sc_out_json_cstr(o, rn);
	sc_out_str(o, in->hard ? ",\"hard_verdict\":true" : ",\"hard_verdict\":false");
	sc_out_str(o, ",\"action\":");
	sc_out_json_cstr(o, an);
	sc_out_str(o, ",\"provider\":");
	sc_out_json_cstr(o, in->provider);
	sc_out_str(o, ",\"blocklist\":");
	sc_out_json_cstr(o, in->blocklist);
	sc_out_str(o, ",\"sample\":");
	sc_out_json_cstr(o, in->sample);
	sc_out_str(o, ",\"explanation\":{\"code\":");
	k = in->code ? smtpcodes_kb_code(lang, in->code) : NULL;
	sc_out_json_cstr(o, k ? k->name : NULL);
	sc_out_str(o, ",\"enhanced\":");
	k = in->enhanced.klass ? smtpcodes_kb_enhanced(lang, &in->enhanced) : NULL;
	sc_out_json_cstr(o, k ? k->name : NULL);
	sc_out_str(o, ",\"reason\":");
	sc_out_json_cstr(o, sc_report_kb_field(lang, "reason", rn, 0));
	sc_out_str(o, ",\"reason_meaning\":");
	sc_out_json_cstr(o, sc_report_kb_field(lang, "reason", rn, 1));
	sc_out_str(o, ",\"action\":");
	sc_out_json_cstr(o, sc_report_kb_field(lang, "action", an, 0));
	sc_out_str(o, ",\"what_to_do\":");
	sc_out_json_cstr(o, sc_report_kb_field(lang, "reason", rn, 2));
	sc_out_char(o, '}');
}

/* A table as an array of objects; splits "a|b" keys into two members.
 * order: 0 by total, 1 by key, 2 problems first. */
static void table(struct sc_out *o, const struct sc_report *r, const char *lang, const struct sc_rtable *t,
                  const char *k1, const char *k2, size_t top, int by_key)
{
	size_t n, i, show;
	struct sc_rentry **v = by_key == 1 ? sc_rtable_sorted_by_key(t, &n)
	                       : by_key == 2 ? sc_rtable_sorted_by_problems(t, &n) : sc_rtable_sorted(t, &n);
	show = top && top < n ? top : n;
	sc_out_char(o, '[');
	for (i = 0; i < show; i++) {
		struct sc_rentry *e = v[i];
		const char *bar = k2 ? strchr(e->key, '|') : NULL;
		sc_out_str(o, i ? ",{\"" : "{\"");
		sc_out_str(o, k1);
		sc_out_str(o, "\":");
		if (bar) {
			sc_out_json_str(o, e->key, (size_t)(bar - e->key));
			sc_out_str(o, ",\"");
			sc_out_str(o, k2);
			sc_out_str(o, "\":");
			sc_out_json_cstr(o, bar + 1);
		} else {
			sc_out_json_str(o, e->key, e->keylen);
		}
		if (e->other)
			sc_out_str(o, ",\"other\":true");
		sc_out_char(o, ',');
		group(o, r, &e->g);
		if (e->info && e->info->sample)
			info(o, lang, e->info);
		sc_out_char(o, '}');
	}
	sc_out_char(o, ']');
	free(v);
}

static void rows_total(struct sc_out *o, const char *name, const struct sc_rtable *t)
{
	sc_out_str(o, name);
	sc_out_printf(o, "{\"rows\":%zu,\"overflowed\":%llu}", t->count + (t->other ? 1 : 0), t->overflowed);
}

void sc_report_write_json(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o)
{
	static const char *const keys[SC_REPORT_NSTATUS] = { NULL, "sent", "deferred", "bounced", "expired", "rejected" };
	struct sc_report_section secs[16];
	size_t i, ns;
	int st;
	char t[64];

	sc_out_str(o, "{\"schema\":\"smtpcodes-report/1\",\"generator\":");
	{
		char g[64];
		snprintf(g, sizeof g, "smtpcodes %s", smtpcodes_version());
		sc_out_json_cstr(o, g);
	}
	sc_out_str(o, ",\"lang\":");
	sc_out_json_cstr(o, view->lang);
	sc_out_str(o, ",\"files\":[");
	for (i = 0; i < r->nfiles; i++) {
		if (i)
			sc_out_char(o, ',');
		sc_out_json_cstr(o, r->files[i]);
	}
	sc_out_printf(o, "],\"lines\":%llu,\"lines_not_understood\":%llu,\"lines_too_long\":%llu", r->lines,
	              r->not_understood, r->too_long);
	if (view->verbose) {
		sc_out_str(o, ",\"not_understood_examples\":[");
		for (i = 0; i < r->nexamples; i++) {
			sc_out_str(o, i ? ",{\"where\":" : "{\"where\":");
			sc_out_json_cstr(o, r->examples[i].where);
			sc_out_str(o, ",\"text\":");
			sc_out_json_cstr(o, r->examples[i].text);
			sc_out_str(o, r->examples[i].cut ? ",\"cut\":true}" : ",\"cut\":false}");
		}
		sc_out_char(o, ']');
	}
	sc_out_str(o, ",\"period\":{\"first\":");
	sc_report_time(r->tmin, t, sizeof t);
	sc_out_json_cstr(o, r->tmin ? t : NULL);
	sc_out_str(o, ",\"last\":");
	sc_report_time(r->tmax, t, sizeof t);
	sc_out_json_cstr(o, r->tmax ? t : NULL);
	sc_out_str(o, "},\"window\":{\"since\":");
	sc_report_time(r->cfg.since, t, sizeof t);
	sc_out_json_cstr(o, r->cfg.has_since ? t : NULL);
	sc_out_str(o, ",\"until\":");
	sc_report_time(r->cfg.until, t, sizeof t);
	sc_out_json_cstr(o, r->cfg.has_until ? t : NULL);
	sc_out_printf(o, ",\"outside\":%llu,\"without_time\":%llu}", r->outside_window, r->no_time);

	sc_out_str(o, ",\"totals\":{");
	for (st = 1; st < SC_REPORT_NSTATUS; st++)
		sc_out_printf(o, "%s\"%s\":%llu", st > 1 ? "," : "", keys[st], r->totals.n[st]);
	sc_out_printf(o, "},\"events\":%llu,\"hard_bounces\":%llu", r->totals.total, r->totals.hard);
	sc_out_printf(o, ",\"messages\":%llu,\"messages_exact\":%s", sc_distinct_count(&r->messages),
	              sc_distinct_exact(&r->messages) ? "true" : "false");
	sc_out_printf(o, ",\"recipients\":%llu,\"recipients_exact\":%s", sc_distinct_count(&r->recipients),
	              sc_distinct_exact(&r->recipients) ? "true" : "false");
	sc_out_printf(o, ",\"delivery_rate\":%.4f,\"hard_bounce_rate\":%.4f", sc_report_delivery_rate(r),
	              sc_report_hard_bounce_rate(r));
	if (r->totals.total) {
		sc_out_str(o, ",\"totals_lines\":{");
		group(o, r, &r->totals);
		sc_out_char(o, '}');
	}

	sc_out_str(o, ",\"problems\":{\"blocklists\":");
	table(o, r, view->lang, &r->blocklists, "blocklist", NULL, view->top, 0);
	sc_out_str(o, ",\"authentication\":");
	table(o, r, view->lang, &r->auth, "kind", "provider", view->top, 0);
	sc_out_str(o, ",\"throttling\":");
	table(o, r, view->lang, &r->throttling, "provider", "reason", view->top, 0);
	sc_out_char(o, '}');

	sc_out_str(o, ",\"texts\":");
	table(o, r, view->lang, &r->by_text, "text", NULL, view->top, 2);

	ns = sc_report_sections(r, secs, sizeof secs / sizeof secs[0]);
	sc_out_str(o, ",\"breakdowns\":{");
	for (i = 0; i < ns; i++) {
		sc_out_str(o, i ? ",\"" : "\"");
		sc_out_str(o, secs[i].id);
		sc_out_str(o, "\":");
		table(o, r, view->lang, secs[i].t, "key", NULL, secs[i].by_key ? 0 : view->top, secs[i].by_key);
	}
	sc_out_str(o, "},\"tables\":{");
	for (i = 0; i < ns; i++) {
		char nm[64];
		snprintf(nm, sizeof nm, "%s\"%s\":", i ? "," : "", secs[i].id);
		rows_total(o, nm, secs[i].t);
	}
	rows_total(o, ",\"texts\":", &r->by_text);
	rows_total(o, ",\"suppression_candidates\":", &r->suppress);
	sc_out_printf(o, "},\"suppression_candidates\":%zu}\n", r->suppress.count);
}
