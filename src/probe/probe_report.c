/*
 * probe_report.c - what the probe shows: a transcript in which every reply
 * carries its explanation from the knowledge base and its verdict, the
 * capabilities and TLS facts, the checks, and a summary (what works, what
 * failed, what to do); or the same as one JSON document. Texts come from the
 * knowledge base ([ui:probe_*], [ui:cap_*]) in the user's language.
 *
 * Verdicts: the classifier is built only when a reply needs it. A positive
 * reply (2xx, 3xx) gets its verdict without the pattern engine: its class
 * decides it (delivered or undefined, action none), exactly as the classifier
 * would decide it, and building the engine (about 10 ms) costs more than a
 * whole session against a near server.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/engine.h"
#include "common/i18n.h"
#include "common/out.h"
#include "common/util.h"
#include "probe/probe.h"

#define IND 4

struct probe_verdicts {
	char **rules;
	size_t nrules;
	int built, failed;
	struct sc_engine e;
};

struct probe_verdicts *sc_probe_verdicts_new(char **rules, size_t nrules)
{
	struct probe_verdicts *pv = xcalloc(1, sizeof *pv);
	pv->rules = rules;
	pv->nrules = nrules;
	return pv;
}

void sc_probe_verdicts_free(struct probe_verdicts *pv)
{
	if (!pv)
		return;
	if (pv->built)
		sc_engine_close(&pv->e);
	free(pv);
}

int sc_probe_verdict(struct probe_verdicts *pv, const char *text, size_t len, enum smtpcodes_stage stage,
                     const char *host, struct smtpcodes_reply *r, struct smtpcodes_verdict *v)
{
	struct smtpcodes_context ctx;
	int prc = smtpcodes_reply_parse(text, len, NULL, r);
	int wire = len >= 3 && text[0] >= '2' && text[0] <= '5' && text[1] >= '0' && text[1] <= '9' && text[2] >= '0' &&
	                   text[2] <= '9'
	               ? (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0')
	               : 0;
	enum smtpcodes_class k;

	/* The reader checked that every line carries the same code. The parser
	 * also knows log renderings (a literal "\n", "550-... 550 ..." on one
	 * line), which a peer could write into its text to make another code
	 * appear: the code on the wire wins. */
	if (prc == SMTPCODES_OK && wire && r->code != wire) {
		r->code = wire;
		r->flags &= ~(SMTPCODES_REPLY_MIXED_CODES | SMTPCODES_REPLY_LOGGED_FORM);
	}
	k = smtpcodes_class_of_code(r->code);
	if (prc == SMTPCODES_OK && (k == SMTPCODES_CLASS_SUCCESS || k == SMTPCODES_CLASS_INTERMEDIATE)) {
		memset(v, 0, sizeof *v);
		v->klass = k;
		v->reason = k == SMTPCODES_CLASS_SUCCESS ? SMTPCODES_REASON_DELIVERED : SMTPCODES_REASON_UNDEFINED;
		v->action = SMTPCODES_ACTION_NONE;
		v->source = SMTPCODES_EVIDENCE_CODE;
		if (r->flags & SMTPCODES_REPLY_CLASS_MISMATCH)
			v->flags |= SMTPCODES_VERDICT_CLASS_MISMATCH;
		return prc;
	}
	if (!pv->built && !pv->failed) {
		if (sc_engine_open(&pv->e, pv->rules, pv->nrules))
			pv->failed = 1;
		else
			pv->built = 1;
	}
	if (!pv->built)
		return -1;
	memset(&ctx, 0, sizeof ctx);
	ctx.stage = stage;
	if (host && *host) {
		ctx.remote_host = host;
		ctx.remote_host_len = strlen(host);
	}
	if (smtpcodes_classify(pv->e.cl, pv->e.scratch, r, &ctx, v) != SMTPCODES_OK)
		return -1;
	if (prc)
		v->flags |= SMTPCODES_VERDICT_PARSE_ERROR;
	return prc;
}

/* ------------------------------------------------------------ helpers */

static const char *T(const struct probe_report *rp, const char *key)
{
	return sc_ui(rp->lang, key);
}

static void spaces(struct sc_out *o, size_t n)
{
	while (n--)
		sc_out_char(o, ' ');
}

static void wrapped(struct probe_report *rp, size_t indent, const char *text)
{
	spaces(rp->o, indent);
	sc_out_wrap(rp->o, text, indent, rp->width);
	sc_out_char(rp->o, '\n');
}

static const char *kb_name(const char *lang, const char *key)
{
	const struct smtpcodes_kb_entry *k = smtpcodes_kb_get(lang, key);
	return k ? k->name : NULL;
}

static const char *cap_text(const char *lang, const char *keyword)
{
	char key[64];
	size_t i;
	const char *t;
	snprintf(key, sizeof key, "ui:cap_%s", keyword);
	for (i = 7; key[i]; i++)
		key[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
	t = kb_name(lang, key);
	return t ? t : kb_name(lang, "ui:cap_unknown");
}

static const char *host_label(const struct probe_host *h, char *buf, size_t n)
{
	if (h->name[0])
		snprintf(buf, n, h->addr[0] && strchr(h->addr, ':') ? "%s [%s]:%d" : "%s [%s]:%d", h->name, h->addr,
		         h->port);
	else
		snprintf(buf, n, strchr(h->addr, ':') ? "[%s]:%d" : "%s:%d", h->addr, h->port);
	return buf;
}

/* ---------------------------------------------------------- transcript */

static void reply_lines(struct probe_report *rp, const char *reply, size_t len)
{
	const char *p = reply, *end = reply + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		spaces(rp->o, IND);
		sc_out_str(rp->o, "S: ");
		sc_out_term(rp->o, p, (size_t)(le - p));
		sc_out_char(rp->o, '\n');
		p = nl ? nl + 1 : end;
	}
}

static void explain_reply(struct probe_report *rp, const struct probe_host *h, const struct probe_step *s)
{
	struct smtpcodes_reply r;
	struct smtpcodes_verdict v;
	const struct smtpcodes_kb_entry *k;
	struct sc_out *o = rp->o;
	char buf[64], line[512];
	int prc = sc_probe_verdict(rp->pv, s->reply, s->reply_len, sc_probe_state_stage(s->state), h->name, &r, &v);

	if (prc < 0)
		return;
	spaces(o, IND);
	sc_out_str(o, "= ");
	k = smtpcodes_kb_code(rp->lang, r.code);
	sc_out_printf(o, "%d %s", r.code, k ? k->name : T(rp, "no_entry"));
	if (r.enhanced.klass) {
		smtpcodes_enhanced_format(&r.enhanced, buf, sizeof buf);
		k = smtpcodes_kb_enhanced(rp->lang, &r.enhanced);
		sc_out_printf(o, "; %s %s", buf, k ? k->name : T(rp, "no_entry"));
	}
	sc_out_char(o, '\n');
	snprintf(buf, sizeof buf, "class:%d", r.code / 100);
	{
		const char *cn = kb_name(rp->lang, buf);
		char rk[64], ak[64];
		const char *rn, *an;
		snprintf(rk, sizeof rk, "reason:%s", smtpcodes_reason_name(v.reason));
		snprintf(ak, sizeof ak, "action:%s", smtpcodes_action_name(v.action));
		rn = kb_name(rp->lang, rk);
		an = kb_name(rp->lang, ak);
		snprintf(line, sizeof line, "%s: %s (%s)", T(rp, "probe_verdict"), cn ? cn : smtpcodes_class_name(v.klass),
		         smtpcodes_class_name(v.klass));
		spaces(o, IND + 2);
		sc_out_str(o, line);
		if ((v.klass == SMTPCODES_CLASS_TEMPORARY || v.klass == SMTPCODES_CLASS_PERMANENT ||
		     v.klass == SMTPCODES_CLASS_UNKNOWN) &&
		    (s->state == PROBE_ST_RELAY_MAIL || s->state == PROBE_ST_RELAY_RCPT)) {
			/* a refused relay attempt is the good outcome: no advice */
			sc_out_printf(o, " · %s: %s (%s)", T(rp, "reason"), rn ? rn : smtpcodes_reason_name(v.reason),
			              smtpcodes_reason_name(v.reason));
		} else if (v.klass == SMTPCODES_CLASS_TEMPORARY || v.klass == SMTPCODES_CLASS_PERMANENT ||
		    v.klass == SMTPCODES_CLASS_UNKNOWN) {
			sc_out_printf(o, " · %s: %s (%s)", T(rp, "reason"), rn ? rn : smtpcodes_reason_name(v.reason),
			              smtpcodes_reason_name(v.reason));
			if (v.hard)
				sc_out_printf(o, " · %s", T(rp, "probe_hard"));
			if (v.provider)
				sc_out_printf(o, " · %s: %s", T(rp, "provider"), v.provider);
			if (v.blocklist)
				sc_out_printf(o, " · %s: %s", T(rp, "blocklist"), v.blocklist);
			sc_out_char(o, '\n');
			k = smtpcodes_kb_enhanced(rp->lang, &r.enhanced);
			if (!r.enhanced.klass || !k)
				k = smtpcodes_kb_code(rp->lang, r.code);
			if (k && k->meaning) {
				spaces(o, IND + 2);
				sc_out_str(o, T(rp, "meaning"));
				sc_out_str(o, ": ");
				sc_out_wrap(o, k->meaning, IND + 4, rp->width);
				sc_out_char(o, '\n');
			}
			k = smtpcodes_kb_get(rp->lang, rk);
			spaces(o, IND + 2);
			sc_out_str(o, T(rp, "todo"));
			sc_out_str(o, ": ");
			sc_out_str(o, an ? an : smtpcodes_action_name(v.action));
			if (k && k->action) {
				sc_out_str(o, ". ");
				sc_out_wrap(o, k->action, IND + 4, rp->width);
			}
		} else if (v.provider) {
			sc_out_printf(o, " · %s: %s", T(rp, "provider"), v.provider);
		}
		sc_out_char(o, '\n');
	}
}

/* Copies the next word of an AUTH parameter list ("PLAIN LOGIN") into mech
 * and advances *p; returns 0 at the end. */
static int next_mech(const char **p, char *mech, size_t size)
{
	size_t n = 0;
	while (**p == ' ')
		(*p)++;
	while (**p && **p != ' ' && n + 1 < size)
		mech[n++] = *(*p)++;
	while (**p && **p != ' ')
		(*p)++;
	mech[n] = '\0';
	return n != 0;
}

/* The knowledge base's text for an AUTH mechanism ([ui:mech_plain]), or
 * NULL when it has none. */
static const char *mech_text(struct probe_report *rp, const char *mech)
{
	char key[64];
	size_t i;
	snprintf(key, sizeof key, "ui:mech_%s", mech);
	for (i = 8; key[i]; i++)
		key[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
	return kb_name(rp->lang, key);
}

/* One line per AUTH mechanism: what it is and whether it is safe. */
static void auth_mechs(struct probe_report *rp, const char *params)
{
	const char *p = params;
	while (*p) {
		char mech[40];
		const char *t;
		if (!next_mech(&p, mech, sizeof mech))
			break;
		t = mech_text(rp, mech);
		if (!t)
			t = kb_name(rp->lang, "ui:mech_unknown");
		sc_out_char(rp->o, '\n');
		spaces(rp->o, IND + 2 + 24);
		sc_out_str(rp->o, "- ");
		sc_out_term(rp->o, mech, strlen(mech));
		sc_out_str(rp->o, ": ");
		sc_out_wrap(rp->o, t ? t : "", IND + 2 + 24 + 4 + strlen(mech), rp->width);
	}
}

/* The capabilities; with before, only what changed since (after STARTTLS). */
static void caps_text(struct probe_report *rp, const struct sc_caps *c, const struct sc_caps *before)
{
	struct sc_out *o = rp->o;
	size_t i;
	int changed = 0;
	spaces(o, IND);
	sc_out_str(o, T(rp, before ? "probe_capabilities_tls" : "probe_capabilities"));
	sc_out_str(o, ":\n");
	for (i = 0; i < c->n; i++) {
		const struct sc_cap *cap = &c->cap[i], *old = before ? sc_caps_find(before, cap->keyword) : NULL;
		char head[80];
		size_t hl;
		if (old && !strcmp(old->params, cap->params))
			continue;
		changed = 1;
		snprintf(head, sizeof head, "%s%s%s%.40s", before ? "+ " : "", cap->keyword, cap->params[0] ? " " : "",
		         cap->params);
		spaces(o, IND + 2);
		sc_out_term(o, head, strlen(head));
		hl = strlen(head);
		if (hl < 24) {
			spaces(o, 24 - hl);
		} else {
			sc_out_char(o, '\n');
			spaces(o, IND + 2 + 24);
		}
		sc_out_wrap(o, cap_text(rp->lang, cap->keyword), IND + 2 + 24, rp->width);
		if (!strcmp(cap->keyword, "AUTH"))
			auth_mechs(rp, cap->params);
		if (!strcmp(cap->keyword, "SIZE") && c->has_size) {
			if (c->size >= 1024 * 1024)
				sc_out_printf(o, " (%.1f MiB)", (double)c->size / (1024.0 * 1024.0));
			else if (c->size)
				sc_out_printf(o, " (%llu bytes)", c->size);
			else
				sc_out_printf(o, " (%s)", T(rp, "probe_size_nolimit"));
		}
		sc_out_char(o, '\n');
	}
	for (i = 0; before && i < before->n; i++) {
		if (sc_caps_find(c, before->cap[i].keyword))
			continue;
		changed = 1;
		spaces(o, IND + 2);
		sc_out_str(o, "- ");
		sc_out_term(o, before->cap[i].keyword, strlen(before->cap[i].keyword));
		sc_out_char(o, '\n');
	}
	if (!changed) {
		spaces(o, IND + 2);
		sc_out_str(o, T(rp, "probe_capabilities_same"));
		sc_out_char(o, '\n');
	}
}

static void tls_text(struct probe_report *rp, const struct sc_tls_info *t)
{
	struct sc_out *o = rp->o;
	size_t i;
	if (!t->done)
		return;
	spaces(o, IND);
	sc_out_printf(o, "%s: %s, %s (%d bit)\n", T(rp, "probe_tls_session"), t->version, t->cipher, t->bits);
	if (!t->has_cert)
		return;
	spaces(o, IND);
	sc_out_str(o, T(rp, "probe_tls_subject"));
	sc_out_str(o, ": ");
	sc_out_term(o, t->subject, strlen(t->subject));
	sc_out_char(o, '\n');
	spaces(o, IND);
	sc_out_str(o, T(rp, "probe_tls_issuer"));
	sc_out_str(o, ": ");
	sc_out_term(o, t->issuer, strlen(t->issuer));
	sc_out_char(o, '\n');
	if (t->nsans) {
		spaces(o, IND);
		sc_out_str(o, T(rp, "probe_tls_sans"));
		sc_out_str(o, ":");
		for (i = 0; i < t->nsans; i++) {
			sc_out_char(o, ' ');
			sc_out_term(o, t->sans[i], strlen(t->sans[i]));
		}
		sc_out_char(o, '\n');
	}
	spaces(o, IND);
	sc_out_printf(o, "%s: %s .. %s (%ld %s)\n", T(rp, "probe_tls_valid"), t->not_before, t->not_after, t->days_left,
	              T(rp, "probe_days_left"));
	if (t->peer_key[0]) {
		spaces(o, IND);
		sc_out_printf(o, "%s: %s\n", T(rp, "probe_tls_key"), t->peer_key);
	}
	for (i = 0; i < t->nchain; i++) {
		spaces(o, IND);
		sc_out_printf(o, "%s %zu: ", T(rp, "probe_tls_chain"), i);
		sc_out_term(o, t->chain[i].subject, strlen(t->chain[i].subject));
		sc_out_char(o, '\n');
	}
	spaces(o, IND);
	sc_out_printf(o, "%s: %s", T(rp, "probe_tls_verify"),
	              t->chain_ok ? T(rp, "probe_tls_trusted") : T(rp, "probe_tls_untrusted"));
	if (!t->chain_ok)
		sc_out_printf(o, " (%s)", t->verify_error);
	if (t->checked_name[0]) {
		sc_out_str(o, "; ");
		sc_out_str(o, t->name_ok ? T(rp, "probe_tls_name_ok") : T(rp, "probe_tls_name_bad"));
		sc_out_str(o, " ");
		sc_out_term(o, t->checked_name, strlen(t->checked_name));
	}
	sc_out_char(o, '\n');
}

void sc_report_host_header(struct probe_report *rp, const struct probe_host *h)
{
	char label[400];
	if (rp->json)
		return;
	sc_out_str(rp->o, "\n== ");
	host_label(h, label, sizeof label);
	sc_out_term(rp->o, label, strlen(label));
	if (h->mx_pref >= 0)
		sc_out_printf(rp->o, " (MX %d)", h->mx_pref);
	sc_out_str(rp->o, " ==\n");
	sc_out_flush(rp->o);
}

void sc_report_step(struct probe_report *rp, const struct probe_host *h, const struct probe_step *s)
{
	struct sc_out *o = rp->o;
	if (rp->json)
		return;
	sc_out_printf(o, "[%s] %d ms", sc_probe_state_name(s->state), s->ms);
	if (s->state == PROBE_ST_CONNECT && !s->fail)
		sc_out_printf(o, " %s", T(rp, "probe_connected"));
	sc_out_char(o, '\n');
	if (s->cmd) {
		spaces(o, IND);
		sc_out_str(o, "C: ");
		sc_out_term(o, s->cmd, strlen(s->cmd));
		sc_out_char(o, '\n');
	}
	if (s->reply) {
		reply_lines(rp, s->reply, s->reply_len);
		explain_reply(rp, h, s);
	}
	if (s->state == PROBE_ST_EHLO && s->code == 250)
		caps_text(rp, &h->caps, NULL);
	else if (s->state == PROBE_ST_EHLO_TLS && s->code == 250)
		caps_text(rp, &h->caps, &h->caps_plain);
	if ((s->state == PROBE_ST_TLS || s->state == PROBE_ST_TLS_IMPLICIT))
		tls_text(rp, &h->tls);
	if (s->fail) {
		char line[700];
		char fk[48];
		snprintf(fk, sizeof fk, "probe_fail_%s", sc_probe_fail_name(s->fail));
		snprintf(line, sizeof line, "!! %s (%s)%s%s", T(rp, "probe_failed"), T(rp, fk), s->error ? ": " : "",
		         s->error ? s->error : "");
		wrapped(rp, IND, line);
	}
	sc_out_flush(o);
}

void sc_report_dns(struct probe_report *rp, const struct probe_run *run)
{
	struct sc_out *o = rp->o;
	size_t i;
	if (rp->json || run->kind != SC_TARGET_DOMAIN || !run->mx_done)
		return;
	if (run->null_mx) {
		wrapped(rp, 0, T(rp, "probe_null_mx"));
	} else if (run->implicit_mx) {
		wrapped(rp, 0, T(rp, "probe_implicit_mx"));
	} else if (run->nmx) {
		sc_out_str(o, "MX:\n");
		for (i = 0; i < run->nmx; i++) {
			spaces(o, IND);
			sc_out_printf(o, "%5d ", run->mx[i].pref);
			sc_out_term(o, run->mx[i].text, strlen(run->mx[i].text));
			sc_out_char(o, '\n');
		}
	}
	if (run->dns_error[0])
		wrapped(rp, 0, run->dns_error);
	sc_out_flush(o);
}

static void checks_text(struct probe_report *rp, const struct probe_host *h)
{
	struct sc_out *o = rp->o;
	const struct probe_rdns *r = &h->rdns;
	size_t i, listed = 0, clean = 0, errors = 0;
	if (r->done) {
		sc_out_str(o, T(rp, "probe_rdns"));
		sc_out_str(o, ": ");
		if (r->skipped) {
			sc_out_str(o, T(rp, "probe_rdns_skipped"));
		} else if (!r->nnames) {
			sc_out_printf(o, "%s (%s)", T(rp, "probe_rdns_none"), sc_dns_status_name(r->status));
		} else {
			for (i = 0; i < r->nnames; i++) {
				sc_out_str(o, i ? ", " : "");
				sc_out_term(o, r->names[i], strlen(r->names[i]));
			}
			sc_out_printf(o, "; %s", r->confirmed ? T(rp, "probe_fcrdns_ok") : T(rp, "probe_fcrdns_bad"));
			if (h->banner_name[0])
				sc_out_printf(o, "; %s", r->banner_match ? T(rp, "probe_banner_match") : T(rp, "probe_banner_differs"));
			if (h->caps.greeting_name[0])
				sc_out_printf(o, "; %s", r->ehlo_match ? T(rp, "probe_ehlo_match") : T(rp, "probe_ehlo_differs"));
		}
		sc_out_char(o, '\n');
	}
	if (h->dnsbl || h->dnsbl_skipped) {
		sc_out_str(o, T(rp, "probe_dnsbl"));
		sc_out_str(o, ": ");
		if (h->dnsbl_skipped) {
			sc_out_str(o, T(rp, "probe_dnsbl_private"));
			sc_out_char(o, '\n');
		} else {
			for (i = 0; i < h->ndnsbl; i++) {
				if (h->dnsbl[i].status == SC_DNSBL_CLEAN)
					clean++;
				else if (h->dnsbl[i].status == SC_DNSBL_LISTED)
					listed++;
				else
					errors++;
			}
			sc_out_printf(o, "%zu %s, %zu %s, %zu %s\n", listed, T(rp, "probe_listed"), clean,
			              T(rp, "probe_not_listed"), errors, T(rp, "probe_dnsbl_unknown"));
			for (i = 0; i < h->ndnsbl; i++) {
				const struct sc_dnsbl_result *b = &h->dnsbl[i];
				if (b->status == SC_DNSBL_CLEAN)
					continue;
				spaces(o, IND);
				sc_out_printf(o, "%s: %s", b->zone, sc_dnsbl_status_name(b->status));
				if (b->codes[0])
					sc_out_printf(o, " (%s)", b->codes);
				if (b->reason[0]) {
					sc_out_str(o, " ");
					sc_out_term(o, b->reason, strlen(b->reason));
				}
				if (b->error[0])
					sc_out_printf(o, " (%s)", b->error);
				sc_out_char(o, '\n');
			}
		}
	}
	if (h->relay_done) {
		sc_out_str(o, T(rp, "probe_relay"));
		sc_out_str(o, ": ");
		sc_out_str(o, h->relay_open ? T(rp, "probe_relay_open") : T(rp, "probe_relay_closed"));
		sc_out_char(o, '\n');
	}
}

void sc_report_host_end(struct probe_report *rp, const struct probe_host *h)
{
	if (rp->json)
		return;
	if (h->rdns.done || h->dnsbl || h->dnsbl_skipped || h->relay_done) {
		sc_out_char(rp->o, '\n');
		checks_text(rp, h);
	}
	sc_out_flush(rp->o);
}

/* ------------------------------------------------------------- summary */

static void item(struct probe_report *rp, const char *mark, const char *text)
{
	spaces(rp->o, 2);
	sc_out_str(rp->o, mark);
	sc_out_char(rp->o, ' ');
	sc_out_wrap(rp->o, text, 4, rp->width);
	sc_out_char(rp->o, '\n');
}

/* The advice for a failed step: the reason's "what to do", or a fixed text. */
static const char *step_advice(struct probe_report *rp, const struct probe_host *h, const struct probe_step *s)
{
	if (s->fail == PROBE_FAIL_REJECTED && s->reply) {
		struct smtpcodes_reply r;
		struct smtpcodes_verdict v;
		char rk[64];
		const struct smtpcodes_kb_entry *k;
		if (sc_probe_verdict(rp->pv, s->reply, s->reply_len, sc_probe_state_stage(s->state), h->name, &r, &v) < 0)
			return NULL;
		snprintf(rk, sizeof rk, "reason:%s", smtpcodes_reason_name(v.reason));
		k = smtpcodes_kb_get(rp->lang, rk);
		return k && k->action ? k->action : NULL;
	}
	switch (s->fail) {
	case PROBE_FAIL_CONNECTION: return T(rp, "probe_todo_connection");
	case PROBE_FAIL_TIMEOUT: return T(rp, "probe_todo_timeout");
	case PROBE_FAIL_TLS: return T(rp, "probe_todo_tls");
	case PROBE_FAIL_PROTOCOL: return T(rp, "probe_todo_protocol");
	default: return NULL;
	}
}

static void host_summary(struct probe_report *rp, const struct probe_host *h)
{
	char line[1200], label[400];
	const struct probe_step *s;
	size_t i;

	host_label(h, label, sizeof label);
	sc_out_str(rp->o, "\n");
	sc_out_term(rp->o, label, strlen(label));
	sc_out_str(rp->o, ":\n");
	for (i = 0; i < h->nsteps; i++) {
		s = &h->steps[i];
		if (s->state == PROBE_ST_QUIT || s->state == PROBE_ST_RSET || s->state == PROBE_ST_RELAY_MAIL ||
		    s->state == PROBE_ST_RELAY_RCPT)
			continue;
		if (s->fail) {
			const char *adv = step_advice(rp, h, s);
			char *c;
			snprintf(line, sizeof line, "%s%s%s: %.*s%s%s", sc_probe_state_name(s->state), s->arg ? " " : "",
			         s->arg ? s->arg : "", s->reply ? (int)(s->reply_len > 200 ? 200 : s->reply_len) : 0,
			         s->reply ? s->reply : "", s->reply && s->error ? " " : "", s->error ? s->error : "");
			for (c = line; *c; c++) /* one line: the reply's line breaks become spaces */
				if ((unsigned char)*c < 0x20)
					*c = ' ';
			item(rp, "✗", line);
			if (adv) {
				snprintf(line, sizeof line, "%s: %s", T(rp, "todo"), adv);
				spaces(rp->o, 4);
				sc_out_wrap(rp->o, line, 4, rp->width);
				sc_out_char(rp->o, '\n');
			}
		} else if (s->state == PROBE_ST_CONNECT) {
			snprintf(line, sizeof line, "%s (%d ms)", T(rp, "probe_sum_connect"), s->ms);
			item(rp, "✓", line);
		} else if (s->state == PROBE_ST_TLS || s->state == PROBE_ST_TLS_IMPLICIT) {
			snprintf(line, sizeof line, "TLS: %s, %s; %s", h->tls.version, h->tls.cipher,
			         h->tls.chain_ok && (h->tls.name_ok || !h->tls.checked_name[0]) ? T(rp, "probe_tls_trusted")
			                                                                      : T(rp, "probe_tls_untrusted"));
			item(rp, "✓", line);
		} else if (s->reply && s->state != PROBE_ST_AUTH) {
			snprintf(line, sizeof line, "%s%s%s: %d", sc_probe_state_name(s->state), s->arg ? " " : "",
			         s->arg ? s->arg : "", s->code);
			item(rp, s->code / 100 <= 3 ? "✓" : "!", line);
		} else if (s->state == PROBE_ST_AUTH && s->code / 100 == 2) {
			snprintf(line, sizeof line, "AUTH: %d", s->code);
			item(rp, "✓", line);
		}
	}
	if (h->have_caps && !h->caps.starttls && !h->tls_active && h->fail == PROBE_FAIL_NONE)
		item(rp, "!", T(rp, "probe_todo_starttls"));
	if (h->tls.done && h->tls.has_cert && h->tls.days_left < 14)
		item(rp, "!", T(rp, "probe_todo_expiry"));
	if (h->rdns.done && !h->rdns.skipped && !h->rdns.nnames && h->rdns.status != SC_DNS_SKIPPED)
		item(rp, "!", T(rp, "probe_todo_ptr"));
	else if (h->rdns.nnames && !h->rdns.confirmed)
		item(rp, "!", T(rp, "probe_todo_fcrdns"));
	for (i = 0; h->dnsbl && i < h->ndnsbl; i++)
		if (h->dnsbl[i].status == SC_DNSBL_LISTED) {
			snprintf(line, sizeof line, "%s %s. %s", T(rp, "probe_listed_in"), h->dnsbl[i].zone,
			         T(rp, "probe_todo_listed"));
			item(rp, "!", line);
		}
	if (h->relay_open)
		item(rp, "!", T(rp, "probe_todo_relay"));
}

void sc_report_summary(struct probe_report *rp, const struct probe_run *run)
{
	struct sc_out *o = rp->o;
	size_t i;
	char key[40];
	if (rp->json)
		return;
	sc_out_str(o, "\n");
	sc_out_str(o, T(rp, "probe_summary"));
	sc_out_str(o, "\n");
	for (i = 0; i < run->nhosts; i++)
		host_summary(rp, &run->hosts[i]);
	if (run->exit_code == PROBE_EXIT_NOMX && !run->nhosts)
		item(rp, "✗", run->null_mx ? T(rp, "probe_null_mx") : run->dns_error);
	snprintf(key, sizeof key, "probe_exit_%d", run->exit_code);
	sc_out_printf(o, "\n%s: %d ms; %s %d: %s\n", T(rp, "probe_total"), run->ms, T(rp, "probe_exit"), run->exit_code,
	              T(rp, key));
	sc_out_flush(o);
}

/* ---------------------------------------------------------------- JSON */

static void json_kv_str(struct sc_out *o, const char *k, const char *v, int comma)
{
	if (comma)
		sc_out_char(o, ',');
	sc_out_json_cstr(o, k);
	sc_out_char(o, ':');
	sc_out_json_cstr(o, v);
}

static void json_kv_int(struct sc_out *o, const char *k, long long v, int comma)
{
	if (comma)
		sc_out_char(o, ',');
	sc_out_json_cstr(o, k);
	sc_out_char(o, ':');
	sc_out_int(o, v);
}

static void json_kv_bool(struct sc_out *o, const char *k, int v)
{
	sc_out_char(o, ',');
	sc_out_json_cstr(o, k);
	sc_out_str(o, v ? ":true" : ":false");
}

static void json_step(struct probe_report *rp, const struct probe_host *h, const struct probe_step *s)
{
	struct sc_out *o = rp->o;
	sc_out_char(o, '{');
	json_kv_str(o, "state", sc_probe_state_name(s->state), 0);
	json_kv_str(o, "command", s->cmd, 1);
	if (s->arg)
		json_kv_str(o, "argument", s->arg, 1);
	sc_out_str(o, ",\"reply\":");
	sc_out_json_str(o, s->reply, s->reply_len);
	json_kv_int(o, "ms", s->ms, 1);
	json_kv_bool(o, "ok", s->fail == PROBE_FAIL_NONE);
	json_kv_str(o, "failure", s->fail ? sc_probe_fail_name(s->fail) : NULL, 1);
	json_kv_str(o, "error", s->error, 1);
	if (s->reply) {
		struct smtpcodes_reply r;
		struct smtpcodes_verdict v;
		const struct smtpcodes_kb_entry *k;
		char enh[24];
		if (sc_probe_verdict(rp->pv, s->reply, s->reply_len, sc_probe_state_stage(s->state), h->name, &r, &v) >= 0) {
			sc_out_str(o, ",\"verdict\":{\"stage\":");
			sc_out_json_cstr(o, smtpcodes_stage_name(sc_probe_state_stage(s->state)));
			sc_verdict_json(o, &r, &v);
			sc_out_char(o, '}');
			sc_out_str(o, ",\"explanation\":{");
			k = smtpcodes_kb_code(rp->lang, r.code);
			json_kv_str(o, "code", k ? k->name : NULL, 0);
			json_kv_str(o, "code_meaning", k ? k->meaning : NULL, 1);
			if (r.enhanced.klass) {
				smtpcodes_enhanced_format(&r.enhanced, enh, sizeof enh);
				k = smtpcodes_kb_enhanced(rp->lang, &r.enhanced);
				json_kv_str(o, "enhanced", k ? k->name : NULL, 1);
				json_kv_str(o, "enhanced_meaning", k ? k->meaning : NULL, 1);
			}
			if (v.klass == SMTPCODES_CLASS_TEMPORARY || v.klass == SMTPCODES_CLASS_PERMANENT) {
				char rk[64];
				snprintf(rk, sizeof rk, "reason:%s", smtpcodes_reason_name(v.reason));
				k = smtpcodes_kb_get(rp->lang, rk);
				json_kv_str(o, "reason", k ? k->name : NULL, 1);
				json_kv_str(o, "todo", k ? k->action : NULL, 1);
			}
			sc_out_char(o, '}');
		}
	}
	sc_out_char(o, '}');
}

static void json_tls(struct sc_out *o, const struct sc_tls_info *t)
{
	size_t i;
	sc_out_char(o, '{');
	json_kv_str(o, "version", t->version, 0);
	json_kv_str(o, "cipher", t->cipher, 1);
	json_kv_int(o, "bits", t->bits, 1);
	json_kv_str(o, "key", t->peer_key[0] ? t->peer_key : NULL, 1);
	json_kv_str(o, "subject", t->has_cert ? t->subject : NULL, 1);
	json_kv_str(o, "issuer", t->has_cert ? t->issuer : NULL, 1);
	sc_out_str(o, ",\"sans\":[");
	for (i = 0; i < t->nsans; i++) {
		if (i)
			sc_out_char(o, ',');
		sc_out_json_cstr(o, t->sans[i]);
	}
	sc_out_str(o, "],\"chain\":[");
	for (i = 0; i < t->nchain; i++) {
		sc_out_str(o, i ? ",{" : "{");
		json_kv_str(o, "subject", t->chain[i].subject, 0);
		json_kv_str(o, "issuer", t->chain[i].issuer, 1);
		sc_out_char(o, '}');
	}
	sc_out_char(o, ']');
	json_kv_str(o, "not_before", t->not_before, 1);
	json_kv_str(o, "not_after", t->not_after, 1);
	json_kv_int(o, "days_left", t->days_left, 1);
	json_kv_bool(o, "trusted", t->chain_ok);
	json_kv_str(o, "verify_error", t->chain_ok ? NULL : t->verify_error, 1);
	json_kv_str(o, "checked_name", t->checked_name[0] ? t->checked_name : NULL, 1);
	json_kv_bool(o, "name_ok", t->name_ok);
	sc_out_char(o, '}');
}

static void json_dnsbl_list(struct sc_out *o, const struct sc_dnsbl_result *res, size_t n)
{
	size_t i;
	sc_out_char(o, '[');
	for (i = 0; i < n; i++) {
		sc_out_str(o, i ? ",{" : "{");
		json_kv_str(o, "zone", res[i].zone, 0);
		json_kv_str(o, "query", res[i].qname, 1);
		json_kv_str(o, "status", sc_dnsbl_status_name(res[i].status), 1);
		json_kv_str(o, "codes", res[i].codes[0] ? res[i].codes : NULL, 1);
		json_kv_str(o, "reason", res[i].reason[0] ? res[i].reason : NULL, 1);
		json_kv_str(o, "error", res[i].error[0] ? res[i].error : NULL, 1);
		json_kv_int(o, "ms", res[i].ms, 1);
		sc_out_char(o, '}');
	}
	sc_out_char(o, ']');
}

static void json_mechs(struct probe_report *rp, const char *params)
{
	const char *p = params;
	int first = 1;
	sc_out_str(rp->o, ",\"mechanisms\":[");
	while (*p) {
		char mech[40];
		const char *t;
		if (!next_mech(&p, mech, sizeof mech))
			break;
		t = mech_text(rp, mech);
		sc_out_str(rp->o, first ? "{" : ",{");
		json_kv_str(rp->o, "name", mech, 0);
		json_kv_str(rp->o, "text", t ? t : kb_name(rp->lang, "ui:mech_unknown"), 1);
		sc_out_char(rp->o, '}');
		first = 0;
	}
	sc_out_char(rp->o, ']');
}

static void json_host(struct probe_report *rp, const struct probe_host *h)
{
	struct sc_out *o = rp->o;
	size_t i;
	sc_out_char(o, '{');
	json_kv_str(o, "host", h->name[0] ? h->name : NULL, 0);
	json_kv_str(o, "address", h->addr, 1);
	json_kv_int(o, "port", h->port, 1);
	if (h->mx_pref >= 0)
		json_kv_int(o, "mx_preference", h->mx_pref, 1);
	json_kv_bool(o, "ok", h->exit_code == 0);
	json_kv_int(o, "exit", h->exit_code, 1);
	json_kv_str(o, "failed_state", h->failed_state != PROBE_ST_DONE ? sc_probe_state_name(h->failed_state) : NULL,
	            1);
	json_kv_str(o, "failure", h->fail ? sc_probe_fail_name(h->fail) : NULL, 1);
	json_kv_int(o, "ms", h->ms, 1);
	json_kv_str(o, "banner_name", h->banner_name[0] ? h->banner_name : NULL, 1);
	json_kv_str(o, "ehlo_name", h->caps.greeting_name[0] ? h->caps.greeting_name : NULL, 1);
	json_kv_bool(o, "helo_fallback", h->used_helo);
	sc_out_str(o, ",\"steps\":[");
	for (i = 0; i < h->nsteps; i++) {
		if (i)
			sc_out_char(o, ',');
		json_step(rp, h, &h->steps[i]);
	}
	sc_out_str(o, "],\"capabilities\":[");
	for (i = 0; h->have_caps && i < h->caps.n; i++) {
		sc_out_str(o, i ? ",{" : "{");
		json_kv_str(o, "keyword", h->caps.cap[i].keyword, 0);
		json_kv_str(o, "params", h->caps.cap[i].params, 1);
		json_kv_str(o, "text", cap_text(rp->lang, h->caps.cap[i].keyword), 1);
		if (!strcmp(h->caps.cap[i].keyword, "AUTH"))
			json_mechs(rp, h->caps.cap[i].params);
		sc_out_char(o, '}');
	}
	sc_out_str(o, "],\"tls\":");
	if (h->tls.done)
		json_tls(o, &h->tls);
	else
		sc_out_str(o, "null");
	json_kv_bool(o, "tls_active", h->tls_active);
	json_kv_bool(o, "auth_ok", h->auth_ok);
	json_kv_int(o, "recipients_accepted", (long long)h->rcpt_ok, 1);
	json_kv_int(o, "recipients_rejected", (long long)h->rcpt_failed, 1);
	sc_out_str(o, ",\"checks\":{\"rdns\":");
	if (h->rdns.done) {
		sc_out_char(o, '{');
		json_kv_str(o, "status", h->rdns.skipped ? "skipped" : sc_dns_status_name(h->rdns.status), 0);
		sc_out_str(o, ",\"names\":[");
		for (i = 0; i < h->rdns.nnames; i++) {
			if (i)
				sc_out_char(o, ',');
			sc_out_json_cstr(o, h->rdns.names[i]);
		}
		sc_out_char(o, ']');
		json_kv_bool(o, "forward_confirmed", h->rdns.confirmed);
		json_kv_bool(o, "matches_banner", h->rdns.banner_match);
		json_kv_bool(o, "matches_ehlo", h->rdns.ehlo_match);
		sc_out_char(o, '}');
	} else {
		sc_out_str(o, "null");
	}
	sc_out_str(o, ",\"dnsbl\":");
	if (h->dnsbl_skipped)
		sc_out_str(o, "\"skipped_private_address\"");
	else if (h->dnsbl)
		json_dnsbl_list(o, h->dnsbl, h->ndnsbl);
	else
		sc_out_str(o, "null");
	sc_out_str(o, ",\"open_relay\":");
	sc_out_str(o, h->relay_done ? (h->relay_open ? "true" : "false") : "null");
	sc_out_str(o, "}}");
}

void sc_report_json(struct probe_report *rp, const struct probe_run *run)
{
	struct sc_out *o = rp->o;
	size_t i;
	char key[40];
	sc_out_char(o, '{');
	json_kv_str(o, "target", run->target, 0);
	json_kv_str(o, "kind", run->kind == SC_TARGET_DOMAIN ? "domain" : run->kind == SC_TARGET_HOST ? "host" : "address",
	            1);
	json_kv_str(o, "lang", rp->lang, 1);
	if (run->kind == SC_TARGET_DOMAIN && run->mx_done) {
		sc_out_str(o, ",\"mx\":{");
		json_kv_str(o, "status", sc_dns_status_name(run->mx_status), 0);
		json_kv_bool(o, "null_mx", run->null_mx);
		json_kv_bool(o, "implicit_mx", run->implicit_mx);
		sc_out_str(o, ",\"records\":[");
		for (i = 0; i < run->nmx; i++) {
			sc_out_str(o, i ? ",{" : "{");
			json_kv_int(o, "preference", run->mx[i].pref, 0);
			json_kv_str(o, "host", run->mx[i].text, 1);
			sc_out_char(o, '}');
		}
		sc_out_str(o, "]}");
	}
	json_kv_str(o, "dns_error", run->dns_error[0] ? run->dns_error : NULL, 1);
	sc_out_str(o, ",\"hosts\":[");
	for (i = 0; i < run->nhosts; i++) {
		if (i)
			sc_out_char(o, ',');
		json_host(rp, &run->hosts[i]);
	}
	sc_out_char(o, ']');
	json_kv_int(o, "ms", run->ms, 1);
	json_kv_int(o, "exit", run->exit_code, 1);
	snprintf(key, sizeof key, "probe_exit_%d", run->exit_code);
	json_kv_str(o, "result", T(rp, key), 1);
	sc_out_str(o, "}\n");
	sc_out_flush(o);
}

/* --------------------------------------------------------------- dnsbl */

void sc_report_dnsbl(struct probe_report *rp, const char *addr, const struct sc_dnsbl_result *res, size_t n,
                     int skipped)
{
	struct sc_out *o = rp->o;
	size_t i;
	sc_out_str(o, addr);
	sc_out_str(o, ":\n");
	if (skipped) {
		spaces(o, IND);
		sc_out_str(o, T(rp, "probe_dnsbl_private"));
		sc_out_char(o, '\n');
		return;
	}
	for (i = 0; i < n; i++) {
		const struct sc_dnsbl_result *b = &res[i];
		const char *st = b->status == SC_DNSBL_LISTED  ? T(rp, "probe_listed")
		                 : b->status == SC_DNSBL_CLEAN ? T(rp, "probe_not_listed")
		                                               : T(rp, "probe_dnsbl_unknown");
		spaces(o, IND);
		sc_out_printf(o, "%-28s %s", b->zone, st);
		if (b->codes[0])
			sc_out_printf(o, " (%s)", b->codes);
		if (b->status == SC_DNSBL_REFUSED)
			sc_out_printf(o, " %s", T(rp, "probe_dnsbl_refused"));
		if (b->error[0])
			sc_out_printf(o, " (%s)", b->error);
		if (b->reason[0]) {
			sc_out_str(o, ": ");
			sc_out_term(o, b->reason, strlen(b->reason));
		}
		sc_out_printf(o, " [%d ms]\n", b->ms);
	}
	sc_out_flush(o);
}

void sc_report_dnsbl_json(struct probe_report *rp, const char *addr, const struct sc_dnsbl_result *res, size_t n,
                          int skipped, int first)
{
	struct sc_out *o = rp->o;
	size_t i, listed = 0;
	for (i = 0; !skipped && i < n; i++)
		listed += res[i].status == SC_DNSBL_LISTED;
	sc_out_str(o, first ? "{" : ",{");
	json_kv_str(o, "address", addr, 0);
	json_kv_bool(o, "skipped_private_address", skipped);
	json_kv_int(o, "listed", (long long)listed, 1);
	sc_out_str(o, ",\"zones\":");
	if (skipped)
		sc_out_str(o, "[]");
	else
		json_dnsbl_list(o, res, n);
	sc_out_char(o, '}');
}
