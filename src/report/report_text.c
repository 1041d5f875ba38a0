/*
 * report_text.c - the report for a terminal: totals, then the problems that
 * need action (blocklists, authentication failures, throttling) with what to
 * do, then the top reply texts with their explanation, then one table per
 * breakdown. Labels come from the knowledge base ([ui:report_*]); every text
 * that came from a log goes through sc_out_term.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "report/report.h"

#define WIDTH 80
#define LABEL 28
#define KEYCOL 30
#define HOURS_MIN 24

static size_t width_of(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void pad(struct sc_out *o, size_t n)
{
	while (n--)
		sc_out_char(o, ' ');
}

static void label(struct sc_out *o, const char *lab)
{
	size_t w = width_of(lab);
	sc_out_str(o, "  ");
	sc_out_str(o, lab);
	pad(o, w + 2 < LABEL ? LABEL - w - 2 : 1);
}

static void num_right(struct sc_out *o, unsigned long long v, size_t w)
{
	char b[32];
	int n = snprintf(b, sizeof b, "%llu", v);
	if ((size_t)n < w)
		pad(o, w - (size_t)n);
	sc_out_str(o, b);
}

/* A key cut to width columns, escaped for the terminal, padded. */
static void key_cell(struct sc_out *o, const char *key, size_t w)
{
	size_t cols = 0, i = 0, n = strlen(key);
	while (i < n && cols < w) {
		size_t j = i + 1;
		while (j < n && ((unsigned char)key[j] & 0xc0) == 0x80)
			j++;
		if (cols == w - 1 && j < n) {
			sc_out_str(o, "~");
			cols++;
			break;
		}
		sc_out_term(o, key + i, j - i);
		cols++;
		i = j;
	}
	pad(o, cols < w ? w - cols : 0);
}

static const char *kb_name(const char *lang, const char *prefix, const char *name)
{
	char k[96];
	const struct smtpcodes_kb_entry *e;
	snprintf(k, sizeof k, "%s:%s", prefix, name);
	e = smtpcodes_kb_get(lang, k);
	return e ? e->name : name;
}

static const char *kb_reason_action(const char *lang, enum smtpcodes_reason r)
{
	char k[96];
	const struct smtpcodes_kb_entry *e;
	snprintf(k, sizeof k, "reason:%s", smtpcodes_reason_name(r));
	e = smtpcodes_kb_get(lang, k);
	return e ? e->action : NULL;
}

static void where_line(struct sc_out *o, const struct sc_report *r, const char *lang, const struct sc_group *g,
                       size_t ind)
{
	char a[1100], b[1100];
	sc_report_where(r, &g->first, a, sizeof a);
	sc_report_where(r, &g->last, b, sizeof b);
	pad(o, ind);
	sc_out_str(o, sc_report_ui(lang, "first"));
	sc_out_char(o, ' ');
	sc_out_term(o, a, strlen(a));
	sc_out_str(o, ", ");
	sc_out_str(o, sc_report_ui(lang, "last"));
	sc_out_char(o, ' ');
	sc_out_term(o, b, strlen(b));
	sc_out_char(o, '\n');
}

/* "deferred 3, bounced 12" for the non-zero statuses of a group. */
static void status_list(struct sc_out *o, const char *lang, const struct sc_group *g)
{
	static const char *const keys[SC_REPORT_NSTATUS] = { NULL, "sent", "deferred", "bounced", "expired", "rejected" };
	int st, first = 1;
	for (st = 1; st < SC_REPORT_NSTATUS; st++) {
		if (!g->n[st])
			continue;
		sc_out_str(o, first ? "" : ", ");
		sc_out_str(o, sc_report_ui(lang, keys[st]));
		sc_out_printf(o, " %llu", g->n[st]);
		first = 0;
	}
}

/* What to do: the action's name, then the reason's advice unless brief. */
static void todo(struct sc_out *o, const char *lang, const struct sc_text_info *in, size_t ind, int brief)
{
	const char *act = brief ? NULL : kb_reason_action(lang, in->reason);
	pad(o, ind);
	sc_out_str(o, sc_ui(lang, "todo"));
	sc_out_str(o, ": ");
	sc_out_str(o, kb_name(lang, "action", smtpcodes_action_name(in->action)));
	sc_out_char(o, '\n');
	if (act) {
		pad(o, ind + 2);
		sc_out_wrap(o, act, ind + 2, WIDTH);
		sc_out_char(o, '\n');
	}
}

static void sample_line(struct sc_out *o, const struct sc_text_info *in, size_t ind)
{
	pad(o, ind);
	sc_out_wrap(o, in->masked, ind, WIDTH);
	sc_out_char(o, '\n');
}

static const char *auth_label(const char *lang, const char *kind)
{
	if (!strcmp(kind, "spf"))
		return "SPF";
	if (!strcmp(kind, "dkim"))
		return "DKIM";
	if (!strcmp(kind, "spf+dkim"))
		return "SPF/DKIM";
	if (!strcmp(kind, "dmarc"))
		return "DMARC";
	if (!strcmp(kind, "ptr"))
		return sc_report_ui(lang, "auth_ptr");
	return sc_report_ui(lang, "auth_other");
}

static size_t limit(size_t n, size_t top)
{
	return top && top < n ? top : n;
}

static void problem_table(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *view,
                          const struct sc_rtable *t, const char *title, int kind)
{
	size_t n, i, show;
	struct sc_rentry **v;
	const char *lang = view->lang;

	if (!t->count && !t->other)
		return;
	v = sc_rtable_sorted(t, &n);
	sc_out_str(o, "  ");
	sc_out_str(o, title);
	sc_out_char(o, '\n');
	show = limit(n, view->top);
	for (i = 0; i < show; i++) {
		struct sc_rentry *e = v[i];
		char head[600];
		const char *bar = strchr(e->key, '|');
		if (kind == 0 || !bar) {
			snprintf(head, sizeof head, "%s", e->key);
		} else if (kind == 1) { /* auth: kind|provider */
			char k[64];
			snprintf(k, sizeof k, "%.*s", (int)(bar - e->key), e->key);
			snprintf(head, sizeof head, "%s (%s)", auth_label(lang, k), bar + 1);
		} else { /* throttling: provider|reason */
			snprintf(head, sizeof head, "%.*s: %s", (int)(bar - e->key), e->key,
			         kb_name(lang, "reason", bar + 1));
		}
		sc_out_str(o, "    ");
		key_cell(o, head, 40);
		num_right(o, e->g.total, 8);
		sc_out_str(o, "  (");
		status_list(o, lang, &e->g);
		sc_out_str(o, ")\n");
		if (e->info && e->info->sample) {
			sample_line(o, e->info, 6);
			todo(o, lang, e->info, 6, 0);
		}
		where_line(o, r, lang, &e->g, 6);
	}
	if (show < n) {
		sc_out_str(o, "    ");
		sc_out_printf(o, "(+%zu)\n", n - show);
	}
	free(v);
}

static void explanation(struct sc_out *o, const char *lang, const struct sc_text_info *in, size_t ind)
{
	const struct smtpcodes_kb_entry *k;
	int any = 0;
	if (in->code && (k = smtpcodes_kb_code(lang, in->code)) != NULL) {
		pad(o, ind);
		sc_out_printf(o, "%d: ", in->code);
		sc_out_wrap(o, k->name, ind + 5, WIDTH);
		any = 1;
	}
	if (in->enhanced.klass && (k = smtpcodes_kb_enhanced(lang, &in->enhanced)) != NULL) {
		char e[24];
		smtpcodes_enhanced_format(&in->enhanced, e, sizeof e);
		if (any)
			sc_out_char(o, '\n');
		pad(o, ind);
		sc_out_str(o, e);
		sc_out_str(o, ": ");
		sc_out_wrap(o, k->name, ind + strlen(e) + 2, WIDTH);
		any = 1;
	}
	if (any)
		sc_out_char(o, '\n');
	pad(o, ind);
	sc_out_str(o, sc_ui(lang, "reason"));
	sc_out_str(o, ": ");
	sc_out_str(o, kb_name(lang, "reason", smtpcodes_reason_name(in->reason)));
	sc_out_printf(o, " (%s)", smtpcodes_reason_name(in->reason));
	if (in->hard) {
		sc_out_str(o, ", ");
		sc_out_str(o, sc_report_ui(lang, "hard"));
	}
	if (in->provider) {
		sc_out_str(o, "; ");
		sc_out_str(o, sc_ui(lang, "provider"));
		sc_out_str(o, ": ");
		sc_out_str(o, in->provider);
	}
	sc_out_char(o, '\n');
}

static void texts(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *view)
{
	size_t n, i, show;
	struct sc_rentry **v = sc_rtable_sorted_by_problems(&r->by_text, &n);
	const char *lang = view->lang;
	char advised[SMTPCODES_REASON_COUNT];

	/* each reason's advice once: the first text with it gets it in full */
	memset(advised, 0, sizeof advised);
	sc_out_str(o, sc_report_ui(lang, "texts"));
	sc_out_char(o, '\n');
	show = limit(n, view->top);
	for (i = 0; i < show; i++) {
		struct sc_rentry *e = v[i];
		char num[48];
		int nl = snprintf(num, sizeof num, "%3zu. %7llu  ", i + 1, e->g.total);
		sc_out_str(o, num);
		sc_out_wrap(o, e->key, (size_t)nl, WIDTH);
		sc_out_char(o, '\n');
		pad(o, 7);
		status_list(o, lang, &e->g);
		sc_out_char(o, '\n');
		if (e->info && e->info->sample) {
			int seen = e->info->reason < SMTPCODES_REASON_COUNT && advised[e->info->reason];
			explanation(o, lang, e->info, 7);
			if (e->g.n[SC_STATUS_REJECTED] == e->g.total) {
				pad(o, 7);
				sc_out_wrap(o, sc_report_ui(lang, "rejected_note"), 7, WIDTH);
				sc_out_char(o, '\n');
			} else if (e->info->klass != SMTPCODES_CLASS_SUCCESS) {
				todo(o, lang, e->info, 7, seen);
			}
			if (e->info->reason < SMTPCODES_REASON_COUNT && e->g.n[SC_STATUS_REJECTED] != e->g.total)
				advised[e->info->reason] = 1;
		}
		where_line(o, r, lang, &e->g, 7);
	}
	if (show < n)
		sc_out_printf(o, "     (+%zu)\n", n - show);
	free(v);
}

static void breakdown(struct sc_out *o, const struct sc_report *r, const struct sc_report_view *view,
                      const struct sc_report_section *s)
{
	static const char *const keys[SC_REPORT_NSTATUS] = { "total", "sent", "deferred", "bounced", "expired", "rejected" };
	size_t n, i, show, from = 0, cw[SC_REPORT_NSTATUS];
	struct sc_rentry **v = s->by_key ? sc_rtable_sorted_by_key(s->t, &n) : sc_rtable_sorted(s->t, &n);
	const char *lang = view->lang;
	int st;

	(void)r;
	if (!n) {
		free(v);
		return;
	}
	sc_out_char(o, '\n');
	sc_out_str(o, sc_report_ui(lang, s->ui));
	sc_out_char(o, '\n');
	pad(o, 2 + KEYCOL);
	for (st = 0; st < SC_REPORT_NSTATUS; st++) {
		const char *h = sc_report_ui(lang, keys[st]);
		size_t w = width_of(h);
		cw[st] = w > 8 ? w : 8;
		pad(o, 1 + cw[st] - w);
		sc_out_str(o, h);
	}
	sc_out_char(o, '\n');
	if (s->by_key) {
		/* hours: the latest ones */
		size_t keep = view->top ? (view->top > HOURS_MIN ? view->top : HOURS_MIN) : n;
		show = n;
		if (n > keep)
			from = n - keep;
	} else {
		show = limit(n, view->top);
	}
	if (from)
		sc_out_printf(o, "  (+%zu)\n", from);
	for (i = from; i < show; i++) {
		struct sc_rentry *e = v[i];
		sc_out_str(o, "  ");
		key_cell(o, e->key, KEYCOL);
		sc_out_char(o, ' ');
		num_right(o, e->g.total, cw[0]);
		for (st = 1; st < SC_REPORT_NSTATUS; st++) {
			sc_out_char(o, ' ');
			num_right(o, e->g.n[st], cw[st]);
		}
		sc_out_char(o, '\n');
	}
	if (show < n)
		sc_out_printf(o, "  (+%zu)\n", n - show);
	free(v);
}

void sc_report_write_text(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o)
{
	const char *lang = view->lang;
	char a[64], b[64];
	struct sc_report_section secs[16];
	size_t i, ns;
	int st;
	static const char *const keys[SC_REPORT_NSTATUS] = { NULL, "sent", "deferred", "bounced", "expired", "rejected" };

	sc_out_str(o, sc_report_ui(lang, "title"));
	sc_out_char(o, '\n');
	label(o, sc_report_ui(lang, "files"));
	for (i = 0; i < r->nfiles; i++) {
		const char *f = strcmp(r->files[i], "-") ? r->files[i] : "(stdin)";
		if (i)
			sc_out_str(o, ", ");
		sc_out_term(o, f, strlen(f));
	}
	sc_out_char(o, '\n');
	label(o, sc_report_ui(lang, "lines"));
	sc_out_printf(o, "%llu\n", r->lines);
	if (r->tmin) {
		sc_report_time(r->tmin, a, sizeof a);
		sc_report_time(r->tmax, b, sizeof b);
		label(o, sc_report_ui(lang, "period"));
		sc_out_printf(o, "%s .. %s\n", a, b);
	}
	label(o, sc_report_ui(lang, "not_understood"));
	sc_out_printf(o, "%llu", r->not_understood);
	if (r->too_long)
		sc_out_printf(o, " (%s: %llu)", sc_report_ui(lang, "too_long"), r->too_long);
	if (r->not_understood && !view->verbose)
		sc_out_printf(o, "  [--verbose]");
	sc_out_char(o, '\n');
	if (r->cfg.has_since || r->cfg.has_until) {
		label(o, sc_report_ui(lang, "outside"));
		sc_out_printf(o, "%llu", r->outside_window);
		if (r->no_time)
			sc_out_printf(o, " (+%llu %s)", r->no_time, sc_report_ui(lang, "no_time"));
		sc_out_char(o, '\n');
	}
	if (view->verbose && r->nexamples) {
		for (i = 0; i < r->nexamples; i++) {
			sc_out_str(o, "    ");
			sc_out_term(o, r->examples[i].where, strlen(r->examples[i].where));
			sc_out_str(o, ": ");
			sc_out_term(o, r->examples[i].text, strlen(r->examples[i].text) > 120 ? 120 : strlen(r->examples[i].text));
			if (r->examples[i].cut)
				sc_out_str(o, " ...");
			sc_out_char(o, '\n');
		}
	}

	sc_out_char(o, '\n');
	sc_out_str(o, sc_report_ui(lang, "totals"));
	sc_out_char(o, '\n');
	for (st = 1; st < SC_REPORT_NSTATUS; st++) {
		label(o, sc_report_ui(lang, keys[st]));
		num_right(o, r->totals.n[st], 8);
		sc_out_char(o, '\n');
	}
	label(o, sc_report_ui(lang, "messages"));
	num_right(o, sc_distinct_count(&r->messages), 8);
	sc_out_str(o, sc_distinct_exact(&r->messages) ? "\n" : " ~\n");
	label(o, sc_report_ui(lang, "recipients"));
	num_right(o, sc_distinct_count(&r->recipients), 8);
	sc_out_str(o, sc_distinct_exact(&r->recipients) ? "\n" : " ~\n");
	label(o, sc_report_ui(lang, "delivery_rate"));
	if (sc_report_final(r))
		sc_out_printf(o, "%8.1f %%\n", 100.0 * sc_report_delivery_rate(r));
	else
		sc_out_str(o, "       -\n"); /* no final result to compare with */
	label(o, sc_report_ui(lang, "hard_bounce_rate"));
	if (sc_report_final(r))
		sc_out_printf(o, "%8.1f %%\n", 100.0 * sc_report_hard_bounce_rate(r));
	else
		sc_out_str(o, "       -\n");

	sc_out_char(o, '\n');
	sc_out_str(o, sc_report_ui(lang, "problems"));
	sc_out_char(o, '\n');
	if (!r->blocklists.count && !r->auth.count && !r->throttling.count) {
		sc_out_str(o, "  ");
		sc_out_str(o, sc_report_ui(lang, "no_problems"));
		sc_out_char(o, '\n');
	}
	problem_table(o, r, view, &r->blocklists, sc_report_ui(lang, "blocklists"), 0);
	problem_table(o, r, view, &r->auth, sc_report_ui(lang, "auth"), 1);
	problem_table(o, r, view, &r->throttling, sc_report_ui(lang, "throttling"), 2);
	if (r->suppress.count) {
		label(o, sc_report_ui(lang, "suppress"));
		sc_out_printf(o, "%zu%s  [--suppressions FILE]\n", r->suppress.count, r->suppress.other ? "+" : "");
	}

	if (r->by_text.count) {
		sc_out_char(o, '\n');
		texts(o, r, view);
	}
	ns = sc_report_sections(r, secs, sizeof secs / sizeof secs[0]);
	for (i = 0; i < ns; i++)
		breakdown(o, r, view, &secs[i]);
}
