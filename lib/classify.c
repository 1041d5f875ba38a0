/*
 * classify.c - the classifier of libsmtpcodes: from a parsed reply (plus the
 * SMTP stage and remote host, when known) to a verdict.
 *
 * Rules (docs/RULES.md) are parsed here from the built-in data/rules.txt and
 * the caller's rule texts, and compiled once into two Hyperscan (Vectorscan)
 * databases: one for the reply text (reason, provider and blocklist rules),
 * one for remote host names (host rules). One scan of the text finds every
 * rule that matches; the lowest-numbered matching rule of each kind wins, so
 * user rules (numbered first) override built-in ones, and earlier lines
 * override later ones. Without a text rule the enhanced code decides, then
 * the basic code. The classifier is immutable after smtpcodes_classifier_new();
 * per-thread state lives in struct smtpcodes_scratch.
 */
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"
#include "internal.h"

#define MAX_SCAN 65536 /* bytes of a reply the patterns look at */
#define MAX_CODES 8

enum rule_kind { K_REASON, K_PROVIDER, K_BLOCKLIST, K_HOST };

struct rule {
	enum rule_kind kind;
	int reason;          /* K_REASON */
	char *tag;           /* provider or blocklist tag */
	char *origin;        /* "data/rules.txt:42" */
	unsigned class_mask; /* bit n: class digit n; 0 = any */
	unsigned stage_mask; /* bit n: stage n; 0 = any */
	int codes[MAX_CODES];
	int ncodes;
};

struct smtpcodes_classifier {
	struct rule *rules;
	size_t nrules, cap;
	hs_database_t *text_db;
	hs_database_t *host_db; /* NULL when there are no host rules */
	size_t nwords;          /* 64-bit words in a scratch bit set */
};

struct smtpcodes_scratch {
	hs_scratch_t *hs;
	uint64_t *bits;
	size_t nwords;
	unsigned first_host;
};

/* ------------------------------------------------------------ rules parser */

struct pattern_list {
	char **pat;
	unsigned *ids;
	unsigned *flags;
	size_t n, cap;
};

static int pl_add(struct pattern_list *pl, char *pat, unsigned id)
{
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? 2 * pl->cap : 256;
		char **p = realloc(pl->pat, cap * sizeof *p);
		unsigned *i, *f;
		if (!p)
			return SMTPCODES_ERR_NOMEM;
		pl->pat = p;
		i = realloc(pl->ids, cap * sizeof *i);
		if (!i)
			return SMTPCODES_ERR_NOMEM;
		pl->ids = i;
		f = realloc(pl->flags, cap * sizeof *f);
		if (!f)
			return SMTPCODES_ERR_NOMEM;
		pl->flags = f;
		pl->cap = cap;
	}
	pl->pat[pl->n] = pat;
	pl->ids[pl->n] = id;
	pl->flags[pl->n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
	pl->n++;
	return SMTPCODES_OK;
}

static void pl_free(struct pattern_list *pl)
{
	size_t i;
	for (i = 0; i < pl->n; i++)
		free(pl->pat[i]);
	free(pl->pat);
	free(pl->ids);
	free(pl->flags);
}

static char *dup_span(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Reads a word at line[*i]; returns its length (0 at the end). */
static size_t word(const char *line, size_t len, size_t *i, const char **start)
{
	size_t n = 0;
	while (*i < len && is_space(line[*i]))
		(*i)++;
	*start = line + *i;
	while (*i < len && !is_space(line[*i])) {
		(*i)++;
		n++;
	}
	return n;
}

static int fail(char *err, size_t errlen, const char *src, size_t lineno, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s:%zu: %s", src, lineno, what);
	return SMTPCODES_ERR_RULES;
}

/* Parses a comma-separated list of small integers or stage names into a mask
 * (stages) or a code list. Returns 0 on success. */
static int parse_condition(struct rule *r, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);
	const char *v, *end = w + n;
	size_t klen;
	if (!eq)
		return -1;
	klen = (size_t)(eq - w);
	for (v = eq + 1; v < end;) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		size_t vlen = comma ? (size_t)(comma - v) : (size_t)(end - v);
		if (klen == 5 && !memcmp(w, "class", 5)) {
			if (vlen != 1 || v[0] < '2' || v[0] > '5')
				return -1;
			r->class_mask |= 1u << (v[0] - '0');
		} else if (klen == 5 && !memcmp(w, "stage", 5)) {
			int st = smtpcodes_stage_from_text(v, vlen);
			if (st <= 0)
				return -1;
			r->stage_mask |= 1u << st;
		} else if (klen == 4 && !memcmp(w, "code", 4)) {
			int c = 0;
			size_t k;
			if (vlen != 3 || r->ncodes == MAX_CODES)
				return -1;
			for (k = 0; k < 3; k++) {
				if (v[k] < '0' || v[k] > '9')
					return -1;
				c = c * 10 + (v[k] - '0');
			}
			r->codes[r->ncodes++] = c;
		} else {
			return -1;
		}
		v += vlen + (comma ? 1 : 0);
	}
	return 0;
}

static int add_rule(struct smtpcodes_classifier *cl, struct rule *r)
{
	if (cl->nrules == cl->cap) {
		size_t cap = cl->cap ? 2 * cl->cap : 512;
		struct rule *n = realloc(cl->rules, cap * sizeof *n);
		if (!n)
			return SMTPCODES_ERR_NOMEM;
		cl->rules = n;
		cl->cap = cap;
	}
	cl->rules[cl->nrules++] = *r;
	return SMTPCODES_OK;
}

static int parse_line(struct smtpcodes_classifier *cl, struct pattern_list *text, struct pattern_list *host,
                      const char *src, size_t lineno, const char *line, size_t len, char *err, size_t errlen)
{
	struct rule r;
	const char *w;
	size_t i = 0, n, pstart, pend;
	char origin[512];
	char *pat;
	int rc;

	memset(&r, 0, sizeof r);
	n = word(line, len, &i, &w);
	if (n == 0 || w[0] == '#')
		return SMTPCODES_OK;
	if (n == 6 && !memcmp(w, "reason", 6))
		r.kind = K_REASON;
	else if (n == 8 && !memcmp(w, "provider", 8))
		r.kind = K_PROVIDER;
	else if (n == 9 && !memcmp(w, "blocklist", 9))
		r.kind = K_BLOCKLIST;
	else if (n == 4 && !memcmp(w, "host", 4))
		r.kind = K_HOST;
	else
		return fail(err, errlen, src, lineno, "unknown rule kind (want reason, provider, host or blocklist)");

	n = word(line, len, &i, &w);
	if (!n)
		return fail(err, errlen, src, lineno, "missing name after the rule kind");
	if (r.kind == K_REASON) {
		r.reason = smtpcodes_reason_from_name(w, n);
		if (r.reason < 0)
			return fail(err, errlen, src, lineno, "unknown reason name");
	}
	while (i < len && is_space(line[i]))
		i++;
	if (i >= len || line[i] != '/')
		return fail(err, errlen, src, lineno, "expected /PATTERN/ after the name");
	pstart = ++i;
	while (i < len && line[i] != '/') {
		if (line[i] == '\\' && i + 1 < len)
			i++;
		i++;
	}
	if (i >= len)
		return fail(err, errlen, src, lineno, "pattern lacks its closing /");
	pend = i++;
	if (pend == pstart)
		return fail(err, errlen, src, lineno, "empty pattern");
	while ((n = word(line, len, &i, &w)) != 0) {
		if (w[0] == '#')
			break;
		if (r.kind != K_REASON || parse_condition(&r, w, n))
			return fail(err, errlen, src, lineno,
			            "bad condition (want class=4,5 code=550 stage=rcpt, on reason rules)");
	}

	snprintf(origin, sizeof origin, "%s:%zu", src, lineno);
	r.origin = dup_span(origin, strlen(origin));
	if (!r.origin)
		return SMTPCODES_ERR_NOMEM;
	if (r.kind != K_REASON) {
		const char *t;
		size_t tl;
		size_t j = 0;
		/* the tag is the second word again */
		word(line, len, &j, &t);
		tl = word(line, len, &j, &t);
		r.tag = dup_span(t, tl);
		if (!r.tag) {
			free(r.origin);
			return SMTPCODES_ERR_NOMEM;
		}
	}
	pat = dup_span(line + pstart, pend - pstart);
	if (!pat || (rc = add_rule(cl, &r)) != SMTPCODES_OK) {
		free(pat);
		free(r.origin);
		free(r.tag);
		return SMTPCODES_ERR_NOMEM;
	}
	rc = pl_add(r.kind == K_HOST ? host : text, pat, (unsigned)(cl->nrules - 1));
	if (rc)
		free(pat);
	return rc;
}

static int parse_text(struct smtpcodes_classifier *cl, struct pattern_list *text, struct pattern_list *host,
                      const char *src, const char *s, size_t len, char *err, size_t errlen)
{
	size_t start = 0, lineno = 0, i;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '\n') {
			int rc;
			lineno++;
			if (i > start) {
				rc = parse_line(cl, text, host, src, lineno, s + start, i - start, err, errlen);
				if (rc)
					return rc;
			}
			start = i + 1;
		}
	}
	return SMTPCODES_OK;
}

static int compile(struct smtpcodes_classifier *cl, struct pattern_list *pl, hs_database_t **db, char *err,
                   size_t errlen)
{
	hs_compile_error_t *ce = NULL;
	if (pl->n == 0)
		return SMTPCODES_OK;
	if (hs_compile_multi((const char *const *)pl->pat, pl->flags, pl->ids, (unsigned)pl->n, HS_MODE_BLOCK,
	                     NULL, db, &ce) != HS_SUCCESS) {
		if (err && errlen) {
			if (ce && ce->expression >= 0 && (size_t)ce->expression < pl->n)
				snprintf(err, errlen, "%s: bad pattern: %s",
				         cl->rules[pl->ids[ce->expression]].origin, ce->message);
			else
				snprintf(err, errlen, "pattern engine: %s", ce ? ce->message : "compile failed");
		}
		hs_free_compile_error(ce);
		return SMTPCODES_ERR_RULES;
	}
	return SMTPCODES_OK;
}

int smtpcodes_classifier_new(struct smtpcodes_classifier **out, const struct smtpcodes_rules_source *srcs,
                             size_t nsrc, char *err, size_t errlen)
{
	struct smtpcodes_classifier *cl;
	struct pattern_list text, host;
	size_t i;
	int rc;

	if (!out || (nsrc && !srcs))
		return SMTPCODES_ERR_ARG;
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	cl = calloc(1, sizeof *cl);
	if (!cl)
		return SMTPCODES_ERR_NOMEM;
	memset(&text, 0, sizeof text);
	memset(&host, 0, sizeof host);
	for (i = 0; i < nsrc; i++) {
		rc = parse_text(cl, &text, &host, srcs[i].name ? srcs[i].name : "rules", srcs[i].text, srcs[i].len,
		                err, errlen);
		if (rc)
			goto out;
	}
	rc = parse_text(cl, &text, &host, "data/rules.txt", sc_builtin_rules, sc_builtin_rules_len, err, errlen);
	if (rc)
		goto out;
	if (text.n == 0) {
		rc = fail(err, errlen, "rules", 0, "no text rules at all");
		goto out;
	}
	rc = compile(cl, &text, &cl->text_db, err, errlen);
	if (rc)
		goto out;
	rc = compile(cl, &host, &cl->host_db, err, errlen);
	if (rc)
		goto out;
	cl->nwords = (cl->nrules + 63) / 64;
out:
	pl_free(&text);
	pl_free(&host);
	if (rc) {
		smtpcodes_classifier_free(cl);
		return rc;
	}
	*out = cl;
	return SMTPCODES_OK;
}

void smtpcodes_classifier_free(struct smtpcodes_classifier *cl)
{
	size_t i;
	if (!cl)
		return;
	for (i = 0; i < cl->nrules; i++) {
		free(cl->rules[i].tag);
		free(cl->rules[i].origin);
	}
	free(cl->rules);
	hs_free_database(cl->text_db);
	hs_free_database(cl->host_db);
	free(cl);
}

size_t smtpcodes_classifier_rule_count(const struct smtpcodes_classifier *cl)
{
	return cl ? cl->nrules : 0;
}

int smtpcodes_scratch_new(const struct smtpcodes_classifier *cl, struct smtpcodes_scratch **out)
{
	struct smtpcodes_scratch *s;
	if (!cl || !out)
		return SMTPCODES_ERR_ARG;
	*out = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return SMTPCODES_ERR_NOMEM;
	s->nwords = cl->nwords;
	s->bits = calloc(cl->nwords ? cl->nwords : 1, sizeof *s->bits);
	if (!s->bits || hs_alloc_scratch(cl->text_db, &s->hs) != HS_SUCCESS ||
	    (cl->host_db && hs_alloc_scratch(cl->host_db, &s->hs) != HS_SUCCESS)) {
		smtpcodes_scratch_free(s);
		return SMTPCODES_ERR_NOMEM;
	}
	*out = s;
	return SMTPCODES_OK;
}

void smtpcodes_scratch_free(struct smtpcodes_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	free(s->bits);
	free(s);
}

/* ------------------------------------------------------------ the verdict */

static int on_text_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct smtpcodes_scratch *s = ctx;
	(void)from;
	(void)to;
	(void)flags;
	s->bits[id / 64] |= UINT64_C(1) << (id % 64);
	return 0;
}

static int on_host_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct smtpcodes_scratch *s = ctx;
	(void)from;
	(void)to;
	(void)flags;
	if (id < s->first_host)
		s->first_host = id;
	return 0;
}

/* Reason implied by an enhanced code; -1 when the code is generic. */
static int reason_of_enhanced(const struct smtpcodes_enhanced *e)
{
	int s = e->subject, d = e->detail;
	switch (s) {
	case 1:
		switch (d) {
		case 1: case 3: return SMTPCODES_REASON_USERUNKNOWN;
		case 2: return SMTPCODES_REASON_HOSTUNKNOWN;
		case 6: return SMTPCODES_REASON_HASMOVED;
		case 7: case 8: return SMTPCODES_REASON_REJECTED;
		case 10: return SMTPCODES_REASON_NOTACCEPT;
		default: return -1;
		}
	case 2:
		switch (d) {
		case 1: return SMTPCODES_REASON_SUSPEND;
		case 2: return SMTPCODES_REASON_MAILBOXFULL;
		case 3: return SMTPCODES_REASON_EXCEEDLIMIT;
		case 4: return SMTPCODES_REASON_SYSTEMERROR;
		default: return -1;
		}
	case 3:
		switch (d) {
		case 1: return SMTPCODES_REASON_SYSTEMFULL;
		case 4: return SMTPCODES_REASON_MESGTOOBIG;
		case 0: case 2: case 3: case 5: return SMTPCODES_REASON_SYSTEMERROR;
		default: return -1;
		}
	case 4:
		switch (d) {
		case 0: case 1: case 2: case 6: return SMTPCODES_REASON_NETWORKERROR;
		case 3: return SMTPCODES_REASON_SYSTEMERROR;
		case 4: return SMTPCODES_REASON_HOSTUNKNOWN;
		case 5: return SMTPCODES_REASON_TOOMANYCONN;
		case 7: return SMTPCODES_REASON_EXPIRED;
		default: return -1;
		}
	case 5:
		switch (d) {
		case 3: return SMTPCODES_REASON_SPEEDING;
		case 0: case 1: case 2: case 4: case 5: return SMTPCODES_REASON_SYNTAXERROR;
		case 6: return SMTPCODES_REASON_SECURITYERROR;
		default: return -1;
		}
	case 6:
		return d <= 10 ? SMTPCODES_REASON_CONTENTERROR : -1;
	case 7:
		switch (d) {
		case 2: return SMTPCODES_REASON_POLICYVIOLATION;
		case 8: case 9: case 12: case 14: return SMTPCODES_REASON_SECURITYERROR;
		case 10: case 11: case 30: return SMTPCODES_REASON_FAILEDSTARTTLS;
		case 13: return SMTPCODES_REASON_SUSPEND;
		case 20: case 21: case 22: case 23: case 24: case 26: case 29: return SMTPCODES_REASON_AUTHFAILURE;
		case 25: return SMTPCODES_REASON_REQUIREPTR;
		case 27: return SMTPCODES_REASON_REJECTED;
		case 28: return SMTPCODES_REASON_SPEEDING;
		default: return -1;
		}
	default:
		return -1;
	}
}

/* Reason implied by a basic reply code and the stage; -1 when none. */
static int reason_of_code(int code, enum smtpcodes_stage stage)
{
	switch (code) {
	case 421: case 450: case 451: return SMTPCODES_REASON_SYSTEMERROR;
	case 452: return SMTPCODES_REASON_SYSTEMFULL;
	case 454: case 530: case 534: case 535: return SMTPCODES_REASON_SECURITYERROR;
	case 500: case 501: case 502: case 503: case 504: case 555: return SMTPCODES_REASON_SYNTAXERROR;
	case 521: case 556: return SMTPCODES_REASON_NOTACCEPT;
	case 523: case 538: return SMTPCODES_REASON_FAILEDSTARTTLS;
	case 541: return SMTPCODES_REASON_SPAMDETECTED;
	case 551: return SMTPCODES_REASON_HASMOVED;
	case 552: return SMTPCODES_REASON_MAILBOXFULL;
	case 553: return stage == SMTPCODES_STAGE_MAIL ? SMTPCODES_REASON_REJECTED : SMTPCODES_REASON_USERUNKNOWN;
	case 550: return stage == SMTPCODES_STAGE_MAIL ? SMTPCODES_REASON_REJECTED : -1;
	case 554:
		return stage == SMTPCODES_STAGE_CONNECT || stage == SMTPCODES_STAGE_HELO ? SMTPCODES_REASON_BLOCKED
		                                                                         : SMTPCODES_REASON_REJECTED;
	default: return -1;
	}
}

static enum smtpcodes_action action_of(enum smtpcodes_reason r, enum smtpcodes_class c)
{
	int perm = c == SMTPCODES_CLASS_PERMANENT;
	if (c == SMTPCODES_CLASS_SUCCESS || c == SMTPCODES_CLASS_INTERMEDIATE)
		return SMTPCODES_ACTION_NONE;
	switch (r) {
	case SMTPCODES_REASON_DELIVERED: case SMTPCODES_REASON_FEEDBACK:
	case SMTPCODES_REASON_VACATION: case SMTPCODES_REASON_SUPPRESSED:
		return SMTPCODES_ACTION_NONE;
	case SMTPCODES_REASON_USERUNKNOWN: case SMTPCODES_REASON_HOSTUNKNOWN: case SMTPCODES_REASON_HASMOVED:
	case SMTPCODES_REASON_NOTACCEPT: case SMTPCODES_REASON_SUSPEND:
		return perm ? SMTPCODES_ACTION_SUPPRESS : SMTPCODES_ACTION_RETRY;
	case SMTPCODES_REASON_MAILBOXFULL: case SMTPCODES_REASON_EXCEEDLIMIT:
		return SMTPCODES_ACTION_RETRY;
	case SMTPCODES_REASON_NETWORKERROR: case SMTPCODES_REASON_SYSTEMERROR: case SMTPCODES_REASON_SYSTEMFULL:
	case SMTPCODES_REASON_ONHOLD: case SMTPCODES_REASON_EXPIRED: case SMTPCODES_REASON_UNDEFINED:
		return c == SMTPCODES_CLASS_TEMPORARY ? SMTPCODES_ACTION_RETRY : SMTPCODES_ACTION_INVESTIGATE;
	case SMTPCODES_REASON_BLOCKED: case SMTPCODES_REASON_BADREPUTATION:
		return SMTPCODES_ACTION_CHECK_REPUTATION;
	case SMTPCODES_REASON_AUTHFAILURE: case SMTPCODES_REASON_REQUIREPTR:
	case SMTPCODES_REASON_SECURITYERROR: case SMTPCODES_REASON_FAILEDSTARTTLS:
		return SMTPCODES_ACTION_FIX_AUTHENTICATION;
	case SMTPCODES_REASON_SPEEDING: case SMTPCODES_REASON_TOOMANYCONN:
		return SMTPCODES_ACTION_SLOW_DOWN;
	case SMTPCODES_REASON_SPAMDETECTED: case SMTPCODES_REASON_VIRUSDETECTED: case SMTPCODES_REASON_CONTENTERROR:
	case SMTPCODES_REASON_NOTCOMPLIANTRFC: case SMTPCODES_REASON_MESGTOOBIG:
		return SMTPCODES_ACTION_FIX_CONTENT;
	case SMTPCODES_REASON_NORELAYING: case SMTPCODES_REASON_SYNTAXERROR: case SMTPCODES_REASON_MAILERERROR:
		return SMTPCODES_ACTION_FIX_CONFIGURATION;
	case SMTPCODES_REASON_REJECTED: case SMTPCODES_REASON_POLICYVIOLATION: case SMTPCODES_REASON_FILTERED:
		return SMTPCODES_ACTION_CONTACT_POSTMASTER;
	default:
		return SMTPCODES_ACTION_INVESTIGATE;
	}
}

static int code_listed(const struct rule *r, int code)
{
	int i;
	if (!r->ncodes)
		return 1;
	for (i = 0; i < r->ncodes; i++)
		if (r->codes[i] == code)
			return 1;
	return 0;
}

int smtpcodes_classify(const struct smtpcodes_classifier *cl, struct smtpcodes_scratch *s,
                       const struct smtpcodes_reply *reply, const struct smtpcodes_context *ctx,
                       struct smtpcodes_verdict *out)
{
	enum smtpcodes_stage stage = ctx ? ctx->stage : SMTPCODES_STAGE_UNKNOWN;
	const struct rule *reason_rule = NULL;
	int digit, reason = -1;
	size_t w, scan_len;

	if (!cl || !s || !reply || !out || s->nwords != cl->nwords)
		return SMTPCODES_ERR_ARG;
	memset(out, 0, sizeof *out);

	digit = reply->code ? reply->code / 100 : reply->enhanced.klass;
	out->klass = smtpcodes_class_of_code(digit * 100);
	if (!reply->code && !reply->enhanced.klass)
		out->flags |= SMTPCODES_VERDICT_PARSE_ERROR;
	if (reply->flags & SMTPCODES_REPLY_CLASS_MISMATCH)
		out->flags |= SMTPCODES_VERDICT_CLASS_MISMATCH;

	memset(s->bits, 0, s->nwords * sizeof *s->bits);
	scan_len = reply->raw.len < MAX_SCAN ? reply->raw.len : MAX_SCAN;
	if (scan_len && hs_scan(cl->text_db, reply->raw.ptr, (unsigned)scan_len, 0, s->hs, on_text_match, s) !=
	                    HS_SUCCESS)
		return SMTPCODES_ERR_ENGINE;

	for (w = 0; w < s->nwords; w++) {
		uint64_t b = s->bits[w];
		while (b) {
			size_t id = w * 64 + (size_t)__builtin_ctzll(b);
			const struct rule *r = &cl->rules[id];
			b &= b - 1;
			switch (r->kind) {
			case K_REASON:
				if (reason_rule)
					break;
				if (r->class_mask && !(r->class_mask >> digit & 1u))
					break;
				if (r->stage_mask && !(r->stage_mask >> stage & 1u))
					break;
				if (!code_listed(r, reply->code))
					break;
				reason_rule = r;
				break;
			case K_PROVIDER:
				if (!out->provider)
					out->provider = r->tag;
				break;
			case K_BLOCKLIST:
				if (!out->blocklist)
					out->blocklist = r->tag;
				break;
			case K_HOST:
				break;
			}
		}
	}
	if (!out->provider && cl->host_db && ctx && ctx->remote_host && ctx->remote_host_len) {
		size_t hl = ctx->remote_host_len < 1024 ? ctx->remote_host_len : 1024;
		s->first_host = (unsigned)-1;
		if (hs_scan(cl->host_db, ctx->remote_host, (unsigned)hl, 0, s->hs, on_host_match, s) != HS_SUCCESS)
			return SMTPCODES_ERR_ENGINE;
		if (s->first_host != (unsigned)-1)
			out->provider = cl->rules[s->first_host].tag;
	}

	if (out->klass == SMTPCODES_CLASS_SUCCESS) {
		reason = SMTPCODES_REASON_DELIVERED;
		out->source = SMTPCODES_EVIDENCE_CODE;
	} else if (out->klass == SMTPCODES_CLASS_INTERMEDIATE) {
		reason = SMTPCODES_REASON_UNDEFINED;
		out->source = SMTPCODES_EVIDENCE_CODE;
	} else if (reason_rule) {
		reason = reason_rule->reason;
		out->source = SMTPCODES_EVIDENCE_TEXT;
		out->rule = reason_rule->origin;
	} else if (reply->enhanced.klass && (reason = reason_of_enhanced(&reply->enhanced)) >= 0) {
		out->source = SMTPCODES_EVIDENCE_ENHANCED;
	} else if (reply->code && (reason = reason_of_code(reply->code, stage)) >= 0) {
		out->source = SMTPCODES_EVIDENCE_CODE;
	} else {
		reason = SMTPCODES_REASON_UNDEFINED;
		out->source = SMTPCODES_EVIDENCE_NONE;
	}
	out->reason = (enum smtpcodes_reason)reason;
	out->hard = out->klass == SMTPCODES_CLASS_PERMANENT &&
	            (reason == SMTPCODES_REASON_USERUNKNOWN || reason == SMTPCODES_REASON_HOSTUNKNOWN ||
	             reason == SMTPCODES_REASON_HASMOVED || reason == SMTPCODES_REASON_NOTACCEPT);
	out->action = action_of(out->reason, out->klass);
	return SMTPCODES_OK;
}

int smtpcodes_classify_text(const struct smtpcodes_classifier *cl, struct smtpcodes_scratch *s, const char *text,
                            size_t len, const struct smtpcodes_context *ctx, struct smtpcodes_reply *reply,
                            struct smtpcodes_verdict *verdict)
{
	struct smtpcodes_reply local;
	struct smtpcodes_reply *r = reply ? reply : &local;
	int prc, crc;

	if (!verdict)
		return SMTPCODES_ERR_ARG;
	prc = smtpcodes_reply_parse(text, len, NULL, r);
	if (prc == SMTPCODES_ERR_ARG)
		return prc;
	crc = smtpcodes_classify(cl, s, r, ctx, verdict);
	if (crc)
		return crc;
	if (prc) {
		verdict->flags |= SMTPCODES_VERDICT_PARSE_ERROR;
		verdict->klass = SMTPCODES_CLASS_UNKNOWN;
		verdict->hard = false;
		verdict->action = action_of(verdict->reason, verdict->klass);
	}
	return prc;
}
