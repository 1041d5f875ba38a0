/*
 * report_html.c - the report as one self-contained HTML file: inline CSS and
 * inline SVG charts (status per hour, reasons, providers), no scripts, no
 * external resources, so it can be mailed or archived as it is. Every text
 * that came from a log (reply texts, keys, file names) goes through
 * sc_out_html; hover titles on the chart bars are SVG <title> elements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"

#include "report/report.h"

#define CHART_W 900
#define HOUR_MAX_BARS 720

static const char *const status_keys[SC_REPORT_NSTATUS] = { "total", "sent", "deferred", "bounced", "expired",
	                                                     "rejected" };
static const char *const colours[SC_REPORT_NSTATUS] = { "#000", "#2e7d32", "#f9a825", "#c62828", "#6a1b9a",
	                                                     "#546e7a" };

static void h(struct sc_out *o, const char *s)
{
	sc_out_html(o, s, strlen(s));
}

static const char *ui(const struct sc_report_view *v, const char *k)
{
	return sc_report_ui(v->lang, k);
}

static void css(struct sc_out *o)
{
	sc_out_str(o, "<style>\n"
	              "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;"
	              "max-width:1000px;padding:0 1em;color:#1b1b1b;background:#fff}\n"
	              "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;"
	              "border-bottom:1px solid #ddd;padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}\n"
	              "table{border-collapse:collapse;width:100%;margin:.4em 0}th,td{padding:.25em .5em;"
	              "border-bottom:1px solid #eee;text-align:left;vertical-align:top}\n"
	              "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	              ".reply{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-word}\n"
	              ".muted{color:#666;font-size:.9em}.todo{background:#fff8e1;border-left:3px solid #f9a825;"
	              "padding:.3em .6em;margin:.3em 0}\n"
	              ".cards{display:flex;flex-wrap:wrap;gap:.6em}.card{border:1px solid #ddd;border-radius:6px;"
	              "padding:.5em .8em;min-width:7em}.card b{display:block;font-size:1.4em}\n"
	              ".ok{color:#2e7d32}.warn{color:#c62828}\n"
	              ".legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.8em;"
	              "height:.8em;margin-right:.3em;vertical-align:middle}\n"
	              "svg{max-width:100%;height:auto}svg text{font:11px sans-serif;fill:#333}\n"
	              "</style>\n");
}

static void legend(struct sc_out *o, const struct sc_report_view *v)
{
	int st;
	sc_out_str(o, "<p class=\"legend\">");
	for (st = 1; st < SC_REPORT_NSTATUS; st++) {
		sc_out_printf(o, "<span><i style=\"background:%s\"></i>", colours[st]);
		h(o, ui(v, status_keys[st]));
		sc_out_str(o, "</span>");
	}
	sc_out_str(o, "</p>\n");
}

static void hour_chart(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *v)
{
	size_t n, i, nb, k;
	struct sc_rentry **e = sc_rtable_sorted_by_key(&r->by_hour, &n);
	struct sc_rentry **bars;
	unsigned long long max = 1;
	long long h0, h1;
	double bw, x;
	const int H = 200, top = 10, left = 50, bottom = 40;

	/* only real hours: not "(no time)" (sorts first) nor "(other)" (last) */
	for (i = k = 0; i < n; i++)
		if (!e[i]->other && e[i]->key[0] != '(' && e[i]->g.first_time)
			e[k++] = e[i];
	n = k;
	if (!n) {
		free(e);
		return;
	}
	/* one bar per hour from the first to the last, empty hours included;
	 * the latest HOUR_MAX_BARS hours when the log spans more. The keys sort
	 * as text, which is not time order for years outside 1000..9999, so the
	 * span is taken from the times themselves. */
	h0 = h1 = (long long)(e[0]->g.first_time / 3600);
	for (i = 1; i < n; i++) {
		long long h = (long long)(e[i]->g.first_time / 3600);
		if (h < h0)
			h0 = h;
		if (h > h1)
			h1 = h;
	}
	if (h1 - h0 + 1 > HOUR_MAX_BARS)
		h0 = h1 - HOUR_MAX_BARS + 1;
	nb = (size_t)(h1 - h0 + 1);
	bars = xcalloc(nb, sizeof *bars);
	for (i = 0; i < n; i++) {
		long long h = (long long)(e[i]->g.first_time / 3600);
		if (h >= h0 && h <= h1) {
			bars[h - h0] = e[i];
			if (e[i]->g.total > max)
				max = e[i]->g.total;
		}
	}
	bw = (double)(CHART_W - left - 10) / (double)nb;
	sc_out_str(o, "<h3>");
	h(o, ui(v, "chart_status"));
	sc_out_str(o, "</h3>\n");
	legend(o, v);
	sc_out_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	                 "role=\"img\">\n",
	              CHART_W, H + top + bottom, CHART_W, H + top + bottom);
	sc_out_printf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", left, top + H,
	              CHART_W - 10, top + H);
	sc_out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>\n", left - 4, top + 8, max);
	sc_out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 4, top + H);
	for (k = 0, x = left; k < nb; k++, x += bw) {
		const struct sc_rentry *b = bars[k];
		double y = top + H;
		int st;
		if (k % (nb / 8 + 1) == 0) {
			char lab[32];
			time_t t = (time_t)((h0 + (long long)k) * 3600);
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(lab, sizeof lab, "%m-%d %H:00", &tm);
			sc_out_printf(o, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x, top + H + 14, lab);
		}
		if (!b)
			continue;
		sc_out_str(o, "<g><title>");
		h(o, b->key);
		for (st = 1; st < SC_REPORT_NSTATUS; st++)
			if (b->g.n[st]) {
				sc_out_str(o, ", ");
				h(o, ui(v, status_keys[st]));
				sc_out_printf(o, " %llu", b->g.n[st]);
			}
		sc_out_str(o, "</title>");
		for (st = 1; st < SC_REPORT_NSTATUS; st++) {
			double hh = (double)H * (double)b->g.n[st] / (double)max;
			if (!b->g.n[st])
				continue;
			y -= hh;
			sc_out_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x, y,
			              bw > 2 ? bw - 1 : bw, hh, colours[st]);
		}
		sc_out_str(o, "</g>\n");
	}
	sc_out_str(o, "</svg>\n");
	free(bars);
	free(e);
}

/* Horizontal stacked bars for the top rows of a table. */
static void bar_chart(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *v,
                      const struct sc_rtable *t, const char *title)
{
	size_t n, i, show;
	struct sc_rentry **e = sc_rtable_sorted(t, &n);
	unsigned long long max = 1;
	const int row = 22, left = 220, width = CHART_W - 220 - 80;

	(void)r;
	show = n < (v->top ? v->top : 15) ? n : (v->top ? v->top : 15);
	if (!show) {
		free(e);
		return;
	}
	for (i = 0; i < show; i++)
		if (e[i]->g.total > max)
			max = e[i]->g.total;
	sc_out_str(o, "<h3>");
	h(o, title);
	sc_out_str(o, "</h3>\n");
	sc_out_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %zu\" width=\"%d\" height=\"%zu\" "
	                 "role=\"img\">\n",
	              CHART_W, show * (size_t)row + 10, CHART_W, show * (size_t)row + 10);
	for (i = 0; i < show; i++) {
		const struct sc_rentry *b = e[i];
		double x = left;
		int st;
		size_t y = i * (size_t)row + 5;
		sc_out_printf(o, "<g><title>");
		h(o, b->key);
		sc_out_printf(o, ": %llu", b->g.total);
		sc_out_str(o, "</title>");
		sc_out_printf(o, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", left - 6, y + 14);
		if (strlen(b->key) > 34) {
			sc_out_html(o, b->key, 32);
			sc_out_str(o, "...");
		} else {
			h(o, b->key);
		}
		sc_out_str(o, "</text>");
		for (st = 1; st < SC_REPORT_NSTATUS; st++) {
			double w = (double)width * (double)b->g.n[st] / (double)max;
			if (!b->g.n[st])
				continue;
			sc_out_printf(o, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x, y, w,
			              row - 6, colours[st]);
			x += w;
		}
		sc_out_printf(o, "<text x=\"%.1f\" y=\"%zu\">%llu</text></g>\n", x + 4, y + 14, b->g.total);
	}
	sc_out_str(o, "</svg>\n");
	free(e);
}

static void where_cell(struct sc_out *o, const struct sc_report *r, const struct sc_group *g)
{
	char a[1100];
	sc_out_str(o, "<td class=\"muted\">");
	sc_report_where(r, &g->first, a, sizeof a);
	h(o, a);
	sc_out_str(o, "<br>");
	sc_report_where(r, &g->last, a, sizeof a);
	h(o, a);
	sc_out_str(o, "</td>");
}

static void status_cells(struct sc_out *o, const struct sc_group *g)
{
	int st;
	sc_out_printf(o, "<td class=\"n\">%llu</td>", g->total);
	for (st = 1; st < SC_REPORT_NSTATUS; st++)
		sc_out_printf(o, "<td class=\"n\">%llu</td>", g->n[st]);
}

static void status_head(struct sc_out *o, const struct sc_report_view *v, const char *first)
{
	int st;
	sc_out_str(o, "<tr><th>");
	h(o, first);
	sc_out_str(o, "</th>");
	for (st = 0; st < SC_REPORT_NSTATUS; st++) {
		sc_out_str(o, "<th class=\"n\">");
		h(o, ui(v, status_keys[st]));
		sc_out_str(o, "</th>");
	}
}

static void todo_block(struct sc_out *o, const struct sc_report_view *v, const struct sc_text_info *in)
{
	const char *an = smtpcodes_action_name(in->action);
	const char *act = sc_report_kb_field(v->lang, "reason", smtpcodes_reason_name(in->reason), 2);
	const char *name = sc_report_kb_field(v->lang, "action", an, 0);
	sc_out_str(o, "<div class=\"todo\"><b>");
	h(o, name ? name : an);
	sc_out_str(o, "</b>");
	if (act) {
		sc_out_str(o, " &ndash; ");
		h(o, act);
	}
	sc_out_str(o, "</div>");
}

static void problems(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *v,
                     const struct sc_rtable *t, const char *title, const char *k1, const char *k2)
{
	size_t n, i, show;
	struct sc_rentry **e;
	if (!t->count)
		return;
	e = sc_rtable_sorted(t, &n);
	show = v->top && v->top < n ? v->top : n;
	sc_out_str(o, "<h3>");
	h(o, title);
	sc_out_str(o, "</h3>\n<table>");
	status_head(o, v, k1);
	sc_out_str(o, "<th>");
	h(o, ui(v, "examples_where"));
	sc_out_str(o, "</th></tr>\n");
	for (i = 0; i < show; i++) {
		const struct sc_rentry *x = e[i];
		const char *bar = k2 ? strchr(x->key, '|') : NULL;
		sc_out_str(o, "<tr><td><b>");
		if (bar) {
			sc_out_html(o, x->key, (size_t)(bar - x->key));
			sc_out_str(o, "</b> &middot; ");
			h(o, bar + 1);
		} else {
			h(o, x->key);
			sc_out_str(o, "</b>");
		}
		sc_out_str(o, "</td>");
		status_cells(o, &x->g);
		where_cell(o, r, &x->g);
		sc_out_str(o, "</tr>\n");
		if (x->info && x->info->sample) {
			sc_out_printf(o, "<tr><td colspan=\"%d\"><div class=\"reply\">", SC_REPORT_NSTATUS + 2);
			h(o, x->info->sample);
			sc_out_str(o, "</div>");
			todo_block(o, v, x->info);
			sc_out_str(o, "</td></tr>\n");
		}
	}
	sc_out_str(o, "</table>\n");
	free(e);
}

static void texts(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *v)
{
	size_t n, i, show;
	struct sc_rentry **e = sc_rtable_sorted_by_problems(&r->by_text, &n);
	show = v->top && v->top < n ? v->top : n;
	sc_out_str(o, "<h2>");
	h(o, ui(v, "texts"));
	sc_out_str(o, "</h2>\n<table>");
	status_head(o, v, ui(v, "reply"));
	sc_out_str(o, "<th>");
	h(o, ui(v, "examples_where"));
	sc_out_str(o, "</th></tr>\n");
	for (i = 0; i < show; i++) {
		const struct sc_rentry *x = e[i];
		const struct sc_text_info *in = x->info;
		sc_out_str(o, "<tr><td><div class=\"reply\">");
		sc_out_html(o, x->key, x->keylen);
		sc_out_str(o, "</div>");
		if (in && in->sample) {
			const struct smtpcodes_kb_entry *k;
			const char *rn = smtpcodes_reason_name(in->reason);
			const char *rname = sc_report_kb_field(v->lang, "reason", rn, 0);
			sc_out_str(o, "<div class=\"muted\">");
			if (in->code && (k = smtpcodes_kb_code(v->lang, in->code)) != NULL) {
				sc_out_printf(o, "%d: ", in->code);
				h(o, k->name);
				sc_out_str(o, "<br>");
			}
			if (in->enhanced.klass && (k = smtpcodes_kb_enhanced(v->lang, &in->enhanced)) != NULL) {
				char es[24];
				smtpcodes_enhanced_format(&in->enhanced, es, sizeof es);
				h(o, es);
				sc_out_str(o, ": ");
				h(o, k->name);
				sc_out_str(o, "<br>");
			}
			h(o, rname ? rname : rn);
			sc_out_str(o, " (");
			h(o, rn);
			sc_out_str(o, ")");
			if (in->provider) {
				sc_out_str(o, " &middot; ");
				h(o, in->provider);
			}
			sc_out_str(o, "</div>");
			if (x->g.n[SC_STATUS_REJECTED] == x->g.total) {
				sc_out_str(o, "<div class=\"muted\">");
				h(o, ui(v, "rejected_note"));
				sc_out_str(o, "</div>");
			} else if (in->klass != SMTPCODES_CLASS_SUCCESS) {
				todo_block(o, v, in);
			}
		}
		sc_out_str(o, "</td>");
		status_cells(o, &x->g);
		where_cell(o, r, &x->g);
		sc_out_str(o, "</tr>\n");
	}
	sc_out_str(o, "</table>\n");
	free(e);
}

static void breakdown(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *v,
                      const struct sc_report_section *s)
{
	size_t n, i, show;
	struct sc_rentry **e = s->by_key ? sc_rtable_sorted_by_key(s->t, &n) : sc_rtable_sorted(s->t, &n);
	show = s->by_key ? n : (v->top && v->top < n ? v->top : n);
	sc_out_str(o, "<h3>");
	h(o, ui(v, s->ui));
	sc_out_str(o, "</h3>\n<table>");
	status_head(o, v, "");
	sc_out_str(o, "<th>");
	h(o, ui(v, "examples_where"));
	sc_out_str(o, "</th></tr>\n");
	for (i = 0; i < show; i++) {
		sc_out_str(o, "<tr><td>");
		sc_out_html(o, e[i]->key, e[i]->keylen);
		sc_out_str(o, "</td>");
		status_cells(o, &e[i]->g);
		where_cell(o, r, &e[i]->g);
		sc_out_str(o, "</tr>\n");
	}
	if (show < n)
		sc_out_printf(o, "<tr><td colspan=\"%d\" class=\"muted\">+%zu</td></tr>\n", SC_REPORT_NSTATUS + 2,
		              n - show);
	sc_out_str(o, "</table>\n");
	free(e);
}

static void card(struct sc_out *o, const char *label, const char *value, const char *cls)
{
	sc_out_printf(o, "<div class=\"card\"><b class=\"%s\">", cls);
	h(o, value);
	sc_out_str(o, "</b>");
	h(o, label);
	sc_out_str(o, "</div>\n");
}

void sc_report_write_html(const struct sc_report *r, const struct sc_report_view *v, struct sc_out *o)
{
	struct sc_report_section secs[16];
	size_t i, ns;
	char b[64], c[64];
	int st;

	sc_out_str(o, "<!DOCTYPE html>\n<html lang=\"");
	h(o, v->lang);
	sc_out_str(o, "\">\n<head>\n<meta charset=\"utf-8\">\n"
	              "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
	              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	              "style-src 'unsafe-inline'; img-src data:\">\n<title>");
	h(o, ui(v, "title"));
	sc_out_str(o, "</title>\n");
	css(o);
	sc_out_str(o, "</head>\n<body>\n<h1>");
	h(o, ui(v, "title"));
	sc_out_str(o, "</h1>\n<p class=\"muted\">");
	for (i = 0; i < r->nfiles; i++) {
		if (i)
			sc_out_str(o, ", ");
		h(o, strcmp(r->files[i], "-") ? r->files[i] : "(stdin)");
	}
	sc_out_printf(o, " &middot; %llu ", r->lines);
	h(o, ui(v, "lines"));
	if (r->tmin) {
		sc_report_time(r->tmin, b, sizeof b);
		sc_report_time(r->tmax, c, sizeof c);
		sc_out_str(o, " &middot; ");
		h(o, b);
		sc_out_str(o, " &ndash; ");
		h(o, c);
	}
	sc_out_printf(o, " &middot; ");
	h(o, ui(v, "not_understood"));
	sc_out_printf(o, ": %llu</p>\n", r->not_understood);
	if (v->verbose && r->nexamples) {
		sc_out_str(o, "<ul class=\"reply\">");
		for (i = 0; i < r->nexamples; i++) {
			sc_out_str(o, "<li>");
			h(o, r->examples[i].where);
			sc_out_str(o, ": ");
			h(o, r->examples[i].text);
			sc_out_str(o, "</li>");
		}
		sc_out_str(o, "</ul>\n");
	}

	sc_out_str(o, "<h2>");
	h(o, ui(v, "totals"));
	sc_out_str(o, "</h2>\n<div class=\"cards\">\n");
	for (st = 1; st < SC_REPORT_NSTATUS; st++) {
		snprintf(b, sizeof b, "%llu", r->totals.n[st]);
		card(o, ui(v, status_keys[st]), b, "");
	}
	snprintf(b, sizeof b, "%llu%s", sc_distinct_count(&r->messages), sc_distinct_exact(&r->messages) ? "" : " ~");
	card(o, ui(v, "messages"), b, "");
	snprintf(b, sizeof b, "%llu%s", sc_distinct_count(&r->recipients),
	         sc_distinct_exact(&r->recipients) ? "" : " ~");
	card(o, ui(v, "recipients"), b, "");
	snprintf(b, sizeof b, "%.1f %%", 100.0 * sc_report_delivery_rate(r));
	card(o, ui(v, "delivery_rate"), b, sc_report_delivery_rate(r) >= 0.95 ? "ok" : "warn");
	snprintf(b, sizeof b, "%.1f %%", 100.0 * sc_report_hard_bounce_rate(r));
	card(o, ui(v, "hard_bounce_rate"), b, sc_report_hard_bounce_rate(r) <= 0.02 ? "ok" : "warn");
	sc_out_str(o, "</div>\n");
	hour_chart(o, r, v);

	sc_out_str(o, "<h2>");
	h(o, ui(v, "problems"));
	sc_out_str(o, "</h2>\n");
	if (!r->blocklists.count && !r->auth.count && !r->throttling.count) {
		sc_out_str(o, "<p>");
		h(o, ui(v, "no_problems"));
		sc_out_str(o, "</p>\n");
	}
	problems(o, r, v, &r->blocklists, ui(v, "blocklists"), ui(v, "blocklist"), NULL);
	problems(o, r, v, &r->auth, ui(v, "auth"), ui(v, "auth_kind"), "|");
	problems(o, r, v, &r->throttling, ui(v, "throttling"), ui(v, "provider"), "|");
	if (r->suppress.count) {
		sc_out_str(o, "<p>");
		h(o, ui(v, "suppress"));
		sc_out_printf(o, ": <b>%zu</b> <span class=\"muted\">(--suppressions FILE)</span></p>\n",
		              r->suppress.count);
	}

	texts(o, r, v);

	sc_out_str(o, "<h2>");
	h(o, ui(v, "breakdowns"));
	sc_out_str(o, "</h2>\n");
	bar_chart(o, r, v, &r->by_reason, ui(v, "chart_reasons"));
	bar_chart(o, r, v, &r->by_provider, ui(v, "chart_providers"));
	ns = sc_report_sections(r, secs, sizeof secs / sizeof secs[0]);
	for (i = 0; i < ns; i++)
		breakdown(o, r, v, &secs[i]);
	sc_out_str(o, "<p class=\"muted\">smtpcodes ");
	h(o, smtpcodes_version());
	sc_out_str(o, "</p>\n</body>\n</html>\n");
}
