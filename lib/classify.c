/*
 * classify.c - the classifier of libsmtpcodes: from a parsed reply (plus the
 * SMTP stage and remote host, when known) to a verdict.
 *
 * Rules (docs/RULES.md) are parsed here from the caller's rule texts into a
 * table, and compiled once into two Hyperscan (Vectorscan) databases: one
 * for the reply text (reason, provider and blocklist rules), one for remote
 * host names (host rules). The built-in rules (data/rules.txt) were parsed
 * and compiled at build time by tools/rulesdb, which wrote the table and the
 * databases as C; the classifier points at them, and parses and compiles
 * the text itself only when they cannot be used. One scan of the text finds
 * every rule that matches; the lowest-numbered matching rule of each kind
 * wins, so user rules (numbered first) override built-in ones, and earlier
 * lines override later ones. Without a text rule the enhanced code decides,
 * then the basic code. The classifier is immutable after
 * smtpcodes_classifier_new(); per-thread state lives in struct
 * smtpcodes_scratch.
 */
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "smtpcodes/smtpcodes.h"
#include "internal.h"

#define MAX_SCAN 65536 /* bytes of a reply the patterns look at */

/* One group of rules (the user's, or the built-in ones) and its compiled
 * patterns, whose ids are rule numbers minus offset. A NULL database: no
 * such patterns. */
struct rule_set {
	const struct sc_rule *rules;
	size_t nrules;
	const char *strings; /* tags and origins; offset 0 is "none" */
	const hs_database_t *text;
	const hs_database_t *host;
	unsigned offset;
	int image; /* rules, strings and databases are the build-time tables: not freed */
};

struct smtpcodes_classifier {
	struct rule_set user, builtin;
	size_t nrules;
	size_t nwords;       /* 64-bit words in a scratch bit set */
	/* A scratch for every database, never scanned with: the model each
	 * smtpcodes_scratch_new() clones, which hs_clone_scratch() only reads,
	 * so threads may clone it at the same time. */
	hs_scratch_t *proto;
};

/*
 * The match cache: the rules are matched against the masked reply text
 * (smtpcodes_mask_text), so the set of matching rules is a function of that
 * text alone and can be reused for every later reply with the same masked
 * text. Direct-mapped, keyed by a 64-bit hash and checked against the
 * stored text, so a hit is exact.
 */
#define CACHE_SETS 1024u /* a power of two */
#define CACHE_WAYS 4u
#define CACHE_SLOTS (CACHE_SETS * CACHE_WAYS)
#define CACHE_TEXT 4096u /* longer masked texts are not cached */

struct cache_slot {
	uint64_t hash;
	uint32_t len; /* 0: empty */
	char *text;   /* malloc'd copy of the masked text */
};

struct smtpcodes_scratch {
	hs_scratch_t *hs;
	uint64_t *bits;
	size_t nwords;
	unsigned offset;     /* of the rule_set being scanned */
	unsigned first_host; /* lowest host rule matched */
	char *masked;        /* MAX_SCAN + 1 bytes */
	struct cache_slot *slots; /* set-associative: CACHE_SETS sets of CACHE_WAYS */
	unsigned char *victim;    /* per set: the way to replace next */
	unsigned char *used;      /* per set: ways 0..used-1 may hold a text */
	uint64_t *slot_bits;      /* CACHE_SLOTS * nwords */
	void *cache;              /* the one allocation that holds the four arrays above */
};

/* ------------------------------------------------------------ rules parser */

struct pattern_list {
	char **pat;
	unsigned *ids;
	unsigned *flags;
	size_t n, cap;
};

/* A group of rules while it is parsed: the table, its string pool, and the
 * patterns for the two databases. */
struct rule_builder {
	struct sc_rule *rules;
	size_t nrules, cap;
	char *pool;
	size_t plen, pcap;
	struct pattern_list text, host;
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

/* Frees what a builder holds that has not been handed to a rule_set. */
static void rb_free(struct rule_builder *b)
{
	free(b->rules);
	free(b->pool);
	pl_free(&b->text);
	pl_free(&b->host);
	memset(b, 0, sizeof *b);
}

/* Appends s[0..n) and a NUL to the builder's pool; returns its offset, or 0
 * when out of memory (offset 0 is the pool's leading NUL, never a string). */
static uint32_t pool_add(struct rule_builder *b, const char *s, size_t n)
{
	size_t at;
	if (b->plen == 0)
		b->plen = 1; /* pool[0]: "none" */
	if (b->plen + n + 1 > b->pcap || !b->pool) {
		size_t cap = b->pcap ? 2 * b->pcap : 4096;
		char *p;
		while (cap < b->plen + n + 1)
			cap *= 2;
		if (cap > UINT32_MAX || !(p = realloc(b->pool, cap)))
			return 0;
		p[0] = '\0';
		b->pool = p;
		b->pcap = cap;
	}
	at = b->plen;
	memcpy(b->pool + at, s, n);
	b->pool[at + n] = '\0';
	b->plen += n + 1;
	return (uint32_t)at;
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
 * (stages) or a code list, or of flag names into verdict flags. Returns 0 on
 * success. */
static int parse_condition(struct sc_rule *r, const char *w, size_t n)
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
			if (vlen != 3 || r->ncodes == SC_RULE_MAX_CODES)
				return -1;
			for (k = 0; k < 3; k++) {
				if (v[k] < '0' || v[k] > '9')
					return -1;
				c = c * 10 + (v[k] - '0');
			}
			r->codes[r->ncodes++] = c;
		} else if (klen == 4 && !memcmp(w, "flag", 4)) {
			if (vlen == 12 && !memcmp(v, "whose-domain", 12))
				r->flags |= SMTPCODES_VERDICT_WHOSE_DOMAIN;
			else if (vlen == 13 && !memcmp(v, "sender-domain", 13))
				r->flags |= SMTPCODES_VERDICT_SENDER_DOMAIN;
			else if (vlen == 14 && !memcmp(v, "sender-address", 14))
				r->flags |= SMTPCODES_VERDICT_SENDER_ADDRESS;
			else
				return -1;
		} else {
			return -1;
		}
		v += vlen + (comma ? 1 : 0);
	}
	return 0;
}

static int add_rule(struct rule_builder *b, const struct sc_rule *r)
{
	if (b->nrules == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 512;
		struct sc_rule *n = realloc(b->rules, cap * sizeof *n);
		if (!n)
			return SMTPCODES_ERR_NOMEM;
		b->rules = n;
		b->cap = cap;
	}
	b->rules[b->nrules++] = *r;
	return SMTPCODES_OK;
}

static int parse_line(struct rule_builder *b, const char *src, size_t lineno, const char *line, size_t len,
                      char *err, size_t errlen)
{
	struct sc_rule r;
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
		r.kind = SC_RULE_REASON;
	else if (n == 8 && !memcmp(w, "provider", 8))
		r.kind = SC_RULE_PROVIDER;
	else if (n == 9 && !memcmp(w, "blocklist", 9))
		r.kind = SC_RULE_BLOCKLIST;
	else if (n == 4 && !memcmp(w, "host", 4))
		r.kind = SC_RULE_HOST;
	else if (n == 8 && !memcmp(w, "software", 8))
		r.kind = SC_RULE_SOFTWARE;
	else
		return fail(err, errlen, src, lineno,
		            "unknown rule kind (want reason, provider, host, software or blocklist)");

	n = word(line, len, &i, &w);
	if (!n)
		return fail(err, errlen, src, lineno, "missing name after the rule kind");
	if (r.kind == SC_RULE_REASON) {
		r.reason = smtpcodes_reason_from_name(w, n);
		if (r.reason < 0)
			return fail(err, errlen, src, lineno, "unknown reason name");
	} else {
		r.tag = pool_add(b, w, n);
		if (!r.tag)
			return SMTPCODES_ERR_NOMEM;
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
		if (r.kind != SC_RULE_REASON || parse_condition(&r, w, n))
			return fail(err, errlen, src, lineno,
			            "bad condition (want class=4,5 code=550 stage=rcpt flag=whose-domain, on reason rules)");
	}

	snprintf(origin, sizeof origin, "%s:%zu", src, lineno);
	r.origin = pool_add(b, origin, strlen(origin));
	if (!r.origin)
		return SMTPCODES_ERR_NOMEM;
	pat = dup_span(line + pstart, pend - pstart);
	if (!pat || (rc = add_rule(b, &r)) != SMTPCODES_OK) {
		free(pat);
		return SMTPCODES_ERR_NOMEM;
	}
	rc = pl_add(r.kind == SC_RULE_HOST ? &b->host : &b->text, pat, (unsigned)(b->nrules - 1));
	if (rc)
		free(pat);
	return rc;
}

static int parse_text(struct rule_builder *b, const char *src, const char *s, size_t len, char *err, size_t errlen)
{
	size_t start = 0, lineno = 0, i;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '\n') {
			int rc;
			lineno++;
			if (i > start) {
				rc = parse_line(b, src, lineno, s + start, i - start, err, errlen);
				if (rc)
					return rc;
			}
			start = i + 1;
		}
	}
	return SMTPCODES_OK;
}

static int compile(const struct rule_builder *b, const struct pattern_list *pl, const hs_database_t **out,
                   char *err, size_t errlen)
{
	hs_compile_error_t *ce = NULL;
	hs_database_t *db = NULL;
	if (pl->n == 0)
		return SMTPCODES_OK;
	if (hs_compile_multi((const char *const *)pl->pat, pl->flags, pl->ids, (unsigned)pl->n, HS_MODE_BLOCK,
	                     NULL, &db, &ce) != HS_SUCCESS) {
		if (err && errlen) {
			if (ce && ce->expression >= 0 && (size_t)ce->expression < pl->n)
				snprintf(err, errlen, "%s: bad pattern: %s",
				         b->pool + b->rules[pl->ids[ce->expression]].origin, ce->message);
			else
				snprintf(err, errlen, "pattern engine: %s", ce ? ce->message : "compile failed");
		}
		hs_free_compile_error(ce);
		return SMTPCODES_ERR_RULES;
	}
	*out = db;
	return SMTPCODES_OK;
}

/* Parses one group of rule texts and compiles its databases into *rs, which
 * then owns the table and the pool. */
static int build_set(struct rule_set *rs, const struct smtpcodes_rules_source *srcs, size_t nsrc, char *err,
                     size_t errlen)
{
	struct rule_builder b;
	size_t i;
	int rc = SMTPCODES_OK;

	memset(&b, 0, sizeof b);
	for (i = 0; i < nsrc && !rc; i++)
		rc = parse_text(&b, srcs[i].name ? srcs[i].name : "rules", srcs[i].text, srcs[i].len, err, errlen);
	if (!rc)
		rc = compile(&b, &b.text, &rs->text, err, errlen);
	if (!rc)
		rc = compile(&b, &b.host, &rs->host, err, errlen);
	rs->rules = b.rules;
	rs->nrules = b.nrules;
	rs->strings = b.pool;
	b.rules = NULL;
	b.pool = NULL;
	rb_free(&b);
	return rc;
}

/* Frees what a rule_set owns and empties it. */
static void free_set(struct rule_set *rs)
{
	if (!rs->image) {
		free((void *)(uintptr_t)rs->rules);
		free((void *)(uintptr_t)rs->strings);
		hs_free_database((hs_database_t *)(uintptr_t)rs->text);
		hs_free_database((hs_database_t *)(uintptr_t)rs->host);
	}
	memset(rs, 0, sizeof *rs);
}

/*
 * Points the built-in rule_set at the tables tools/rulesdb wrote at build
 * time; returns 0, or -1 (nothing set) when there are none or they were made
 * by another Hyperscan library. The databases are the bytes
 * hs_deserialize_database_at() wrote at build time, used in place: no copy,
 * no page of fresh memory. tools/rulesdb made them only after deserializing
 * at two addresses gave the same bytes (the database holds no address), and
 * hs_alloc_scratch() then checks each one as hs_deserialize_database_at()
 * would (magic, version, CPU platform, checksum): see alloc_proto().
 */
static int builtin_image(struct rule_set *rs)
{
	const hs_database_t *db[2] = { NULL, NULL };
	int i;

	if (!sc_builtin_rule_count || strcmp(hs_version(), sc_builtin_hs_version) ||
	    ((uintptr_t)sc_builtin_db_image & 63))
		return -1;
	for (i = 0; i < 2; i++) {
		size_t size;
		if (!sc_builtin_db_size[i])
			continue;
		db[i] = (const hs_database_t *)(const void *)(sc_builtin_db_image + sc_builtin_db_at[i]);
		if (hs_database_size(db[i], &size) != HS_SUCCESS || size != sc_builtin_db_size[i])
			return -1;
	}
#ifdef MADV_POPULATE_READ
	{
		/* hs_alloc_scratch() is about to read every page of the databases
		 * (checksum): map them in one call, not in some twenty faults. An
		 * error (a kernel before 5.14) costs nothing but those faults. */
		uintptr_t from = (uintptr_t)sc_builtin_db_image & ~(uintptr_t)4095;
		uintptr_t to = (uintptr_t)sc_builtin_db_image + sc_builtin_db_at[1] + sc_builtin_db_size[1];
		if (!sc_builtin_db_size[1])
			to = (uintptr_t)sc_builtin_db_image + sc_builtin_db_size[0];
		(void)madvise((void *)from, (size_t)(to - from), MADV_POPULATE_READ);
	}
#endif
	rs->rules = sc_builtin_rule_table;
	rs->nrules = sc_builtin_rule_count;
	rs->strings = sc_builtin_rule_strings;
	rs->text = db[0];
	rs->host = db[1];
	rs->image = 1;
	return 0;
}

/* Allocates cl->proto for every database (hs_alloc_scratch() validates
 * each one first). Returns SMTPCODES_OK, SMTPCODES_ERR_NOMEM, or
 * SMTPCODES_ERR_ENGINE for a database the library refuses. */
static int alloc_proto(struct smtpcodes_classifier *cl)
{
	const hs_database_t *dbs[4] = { cl->user.text, cl->user.host, cl->builtin.text, cl->builtin.host };
	int i;
	for (i = 0; i < 4; i++) {
		hs_error_t e;
		if (!dbs[i])
			continue;
		e = hs_alloc_scratch(dbs[i], &cl->proto);
		if (e != HS_SUCCESS)
			return e == HS_NOMEM ? SMTPCODES_ERR_NOMEM : SMTPCODES_ERR_ENGINE;
	}
	return SMTPCODES_OK;
}

static int classifier_build(struct smtpcodes_classifier **out, const struct smtpcodes_rules_source *srcs,
                            size_t nsrc, int use_image, char *err, size_t errlen)
{
	struct smtpcodes_classifier *cl;
	int rc;

	if (!out || (nsrc && !srcs))
		return SMTPCODES_ERR_ARG;
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	cl = calloc(1, sizeof *cl);
	if (!cl)
		return SMTPCODES_ERR_NOMEM;
	rc = build_set(&cl->user, srcs, nsrc, err, errlen);
	if (rc)
		goto out;
	if (use_image && builtin_image(&cl->builtin) == 0) {
		rc = alloc_proto(cl);
		if (rc != SMTPCODES_ERR_ENGINE)
			goto done;
		/* refused by this library (say, another CPU): compile after all */
		hs_free_scratch(cl->proto);
		cl->proto = NULL;
		free_set(&cl->builtin);
	}
	{
		struct smtpcodes_rules_source text = { "data/rules.txt", sc_builtin_rules, sc_builtin_rules_len };
		rc = build_set(&cl->builtin, &text, 1, err, errlen);
	}
	if (!rc)
		rc = alloc_proto(cl);
done:
	cl->builtin.offset = (unsigned)cl->user.nrules; /* the built-in rules are numbered after the user's */
	if (!rc && !cl->user.text && !cl->builtin.text)
		rc = fail(err, errlen, "rules", 0, "no text rules at all");
out:
	if (rc) {
		smtpcodes_classifier_free(cl);
		return rc;
	}
	cl->nrules = cl->user.nrules + cl->builtin.nrules;
	cl->nwords = (cl->nrules + 63) / 64;
	*out = cl;
	return SMTPCODES_OK;
}

int smtpcodes_classifier_new(struct smtpcodes_classifier **out, const struct smtpcodes_rules_source *srcs,
                             size_t nsrc, char *err, size_t errlen)
{
	return classifier_build(out, srcs, nsrc, 1, err, errlen);
}

int sc_builtin_compile(struct smtpcodes_classifier **out, struct sc_builtin_export *ex, char *err, size_t errlen)
{
	struct smtpcodes_classifier *cl;
	const char *last;
	int rc = classifier_build(&cl, NULL, 0, 0, err, errlen);
	if (rc)
		return rc;
	ex->rules = cl->builtin.rules;
	ex->nrules = cl->builtin.nrules;
	ex->strings = cl->builtin.strings;
	ex->strings_len = 1;
	if (ex->nrules) {
		/* the pool ends with the origin of the last rule */
		last = ex->strings + ex->rules[ex->nrules - 1].origin;
		ex->strings_len = (size_t)(last - ex->strings) + strlen(last) + 1;
	}
	ex->db[0] = (void *)(uintptr_t)cl->builtin.text;
	ex->db[1] = (void *)(uintptr_t)cl->builtin.host;
	*out = cl;
	return SMTPCODES_OK;
}

void smtpcodes_classifier_free(struct smtpcodes_classifier *cl)
{
	if (!cl)
		return;
	hs_free_scratch(cl->proto);
	free_set(&cl->user);
	free_set(&cl->builtin);
	free(cl);
}

size_t smtpcodes_classifier_rule_count(const struct smtpcodes_classifier *cl)
{
	return cl ? cl->nrules : 0;
}

/* Bytes of a scratch's match cache: the rule bits of each slot, the slots,
 * and two bytes per set (victim, used), in that order of alignment. */
static size_t cache_size(size_t nwords)
{
	return (size_t)CACHE_SLOTS * (nwords ? nwords : 1) * sizeof(uint64_t) +
	       (size_t)CACHE_SLOTS * sizeof(struct cache_slot) + 2 * (size_t)CACHE_SETS;
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
	s->masked = malloc(MAX_SCAN + 1);
	/* The match cache in one zeroed block of some 160 KB, which malloc takes
	 * fresh from the kernel: no page is cleared or touched before a reply
	 * uses it (callocing each array cost some 30 page faults at start). */
	s->cache = calloc(1, cache_size(cl->nwords));
	if (s->cache) {
		s->slot_bits = s->cache;
		s->slots = (struct cache_slot *)(void *)(s->slot_bits + (size_t)CACHE_SLOTS * (cl->nwords ? cl->nwords : 1));
		s->victim = (unsigned char *)(s->slots + CACHE_SLOTS);
		s->used = s->victim + CACHE_SETS;
		/* written now, so that the first lookup does not read them
		 * from the zero page (see match_text()) */
		memset(s->victim, 0, 2 * (size_t)CACHE_SETS);
	}
	if (!s->bits || !s->masked || !s->cache || hs_clone_scratch(cl->proto, &s->hs) != HS_SUCCESS) {
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
	free(s->masked);
	if (s->cache) {
		size_t set, w;
		for (set = 0; set < CACHE_SETS; set++)
			for (w = 0; w < s->used[set]; w++)
				free(s->slots[set * CACHE_WAYS + w].text);
	}
	free(s->cache);
	free(s);
}

/* ------------------------------------------------------------ the verdict */

static int on_text_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct smtpcodes_scratch *s = ctx;
	(void)from;
	(void)to;
	(void)flags;
	id += s->offset;
	s->bits[id / 64] |= UINT64_C(1) << (id % 64);
	return 0;
}

static int on_host_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct smtpcodes_scratch *s = ctx;
	(void)from;
	(void)to;
	(void)flags;
	id += s->offset;
	if (id < s->first_host)
		s->first_host = id;
	return 0;
}

/* Runs one database (may be NULL) over text; match ids are offset. */
static int scan(const hs_database_t *db, const char *text, size_t len, unsigned offset, struct smtpcodes_scratch *s,
                match_event_handler on_match)
{
	if (!db)
		return 0;
	s->offset = offset;
	return hs_scan(db, text, (unsigned)len, 0, s->hs, on_match, s) != HS_SUCCESS;
}

/* A fast 64-bit hash, sixteen bytes at a time in two independent lanes (so
 * the multiplications overlap); the key is also compared in full, so the
 * hash only has to spread well. */
static uint64_t hash_text(const char *p, size_t n)
{
	uint64_t h1 = UINT64_C(0x9e3779b97f4a7c15) ^ n, h2 = UINT64_C(0xc2b2ae3d27d4eb4f), w1, w2;
	while (n >= 16) {
		memcpy(&w1, p, 8);
		memcpy(&w2, p + 8, 8);
		h1 = (h1 ^ w1) * UINT64_C(0xbf58476d1ce4e5b9);
		h2 = (h2 ^ w2) * UINT64_C(0x94d049bb133111eb);
		h1 ^= h1 >> 31;
		h2 ^= h2 >> 29;
		p += 16;
		n -= 16;
	}
	w1 = 0;
	w2 = 0;
	memcpy(&w1, p, n < 8 ? n : 8);
	if (n > 8)
		memcpy(&w2, p + 8, n - 8);
	h1 = (h1 ^ w1 ^ (h2 * UINT64_C(0xff51afd7ed558ccd))) * UINT64_C(0x94d049bb133111eb);
	h1 ^= w2 * UINT64_C(0xc4ceb9fe1a85ec53);
	return h1 ^ (h1 >> 29);
}

/*
 * The length of the reply's leading codes ("550 5.1.1 ") when masking would
 * leave them unchanged, so that they can be copied instead: only digits,
 * dots, hyphens and blanks (short runs, never an address or an IP address:
 * an enhanced code has three parts), ending in a blank, so the mask of the
 * rest cannot reach back into them. 0 otherwise.
 */
static size_t plain_prefix(const struct smtpcodes_reply *r, size_t scan_len)
{
	size_t n, i, digits = 0;
	if (!r->nlines || r->lines[0].ptr < r->raw.ptr)
		return 0;
	n = (size_t)(r->lines[0].ptr - r->raw.ptr);
	if (n == 0 || n > 32 || n > scan_len || r->raw.ptr[n - 1] != ' ')
		return 0;
	for (i = 0; i < n; i++) {
		char c = r->raw.ptr[i];
		if (c >= '0' && c <= '9') {
			if (++digits >= 6)
				return 0;
		} else if (c == '.' || c == '-' || c == ' ') {
			digits = 0;
		} else {
			return 0;
		}
	}
	return n;
}

static int match_text(const struct smtpcodes_classifier *cl, struct smtpcodes_scratch *s, const char *text,
                      size_t len, size_t plain)
{
	size_t n;
	memcpy(s->masked, text, plain);
	n = plain + smtpcodes_mask_text(text + plain, len - plain, s->masked + plain, MAX_SCAN + 1 - plain);
	size_t words = s->nwords * sizeof *s->bits, set = 0, w;
	struct cache_slot *slot = NULL;
	uint64_t h = 0;

	if (n && n <= CACHE_TEXT) {
		h = hash_text(s->masked, n);
		set = (size_t)(h & (CACHE_SETS - 1));
		for (w = 0; w < s->used[set]; w++) {
			slot = &s->slots[set * CACHE_WAYS + w];
			if (slot->len == n && slot->hash == h && !memcmp(slot->text, s->masked, n)) {
				memcpy(s->bits, s->slot_bits + (size_t)(slot - s->slots) * s->nwords, words);
				return 0;
			}
		}
		w = s->victim[set];
		slot = &s->slots[set * CACHE_WAYS + w];
		s->victim[set] = (unsigned char)((w + 1) % CACHE_WAYS);
	}
	memset(s->bits, 0, words);
	if (n && (scan(cl->user.text, s->masked, n, 0, s, on_text_match) ||
	          scan(cl->builtin.text, s->masked, n, cl->builtin.offset, s, on_text_match)))
		return -1;
	if (slot) {
		/* an unused slot is not read: its page is then first touched
		 * by a write, which costs one page fault, where a read maps
		 * the shared zero page and the write after it has to copy it
		 * and flush the other CPUs' TLBs */
		char *copy = realloc(w < s->used[set] ? slot->text : NULL, n);
		if (!copy)
			return 0; /* not cached; the result stands */
		slot->text = copy;
		if (s->used[set] <= w)
			s->used[set] = (unsigned char)(w + 1);
		memcpy(copy, s->masked, n);
		slot->hash = h;
		slot->len = (uint32_t)n;
		memcpy(s->slot_bits + (size_t)(slot - s->slots) * s->nwords, s->bits, words);
	}
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
		/* RFC 3463: 5 cryptographic failure, 6 cryptographic algorithm
		 * not supported, 7 message integrity failure */
		case 5: case 6: case 7: case 8: case 9: case 12: case 14: return SMTPCODES_REASON_SECURITYERROR;
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

/* The action for a reason and class; the flags of the deciding rule refine
 * it: the sender's own domain does not resolve (fix its DNS), or a domain
 * that does not exist is named without saying whose (look before acting). */
static enum smtpcodes_action action_of(enum smtpcodes_reason r, enum smtpcodes_class c, unsigned flags)
{
	int perm = c == SMTPCODES_CLASS_PERMANENT;
	if (c == SMTPCODES_CLASS_SUCCESS || c == SMTPCODES_CLASS_INTERMEDIATE)
		return SMTPCODES_ACTION_NONE;
	if ((flags & (SMTPCODES_VERDICT_SENDER_DOMAIN | SMTPCODES_VERDICT_SENDER_ADDRESS)) &&
	    r == SMTPCODES_REASON_REJECTED)
		return SMTPCODES_ACTION_FIX_CONFIGURATION;
	if ((flags & SMTPCODES_VERDICT_WHOSE_DOMAIN) && r == SMTPCODES_REASON_REJECTED)
		return SMTPCODES_ACTION_INVESTIGATE;
	switch (r) {
	case SMTPCODES_REASON_DELIVERED: case SMTPCODES_REASON_FEEDBACK:
	case SMTPCODES_REASON_VACATION: case SMTPCODES_REASON_SUPPRESSED:
		return SMTPCODES_ACTION_NONE;
	case SMTPCODES_REASON_USERUNKNOWN: case SMTPCODES_REASON_HOSTUNKNOWN: case SMTPCODES_REASON_HASMOVED:
	case SMTPCODES_REASON_NOTACCEPT: case SMTPCODES_REASON_SUSPEND:
		/* without a reply code nobody said it is final: look before suppressing */
		return perm ? SMTPCODES_ACTION_SUPPRESS
		            : c == SMTPCODES_CLASS_TEMPORARY ? SMTPCODES_ACTION_RETRY : SMTPCODES_ACTION_INVESTIGATE;
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

/* The rule numbered id (user rules first, then the built-in ones) and, in
 * *set, the group it belongs to. */
static const struct sc_rule *rule_at(const struct smtpcodes_classifier *cl, size_t id, const struct rule_set **set)
{
	const struct rule_set *rs = id < cl->builtin.offset ? &cl->user : &cl->builtin;
	*set = rs;
	return &rs->rules[id - rs->offset];
}

static int code_listed(const struct sc_rule *r, int code)
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
	const struct sc_rule *reason_rule = NULL;
	const struct rule_set *reason_set = NULL;
	const char *software = NULL;
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

	scan_len = reply->raw.len < MAX_SCAN ? reply->raw.len : MAX_SCAN;
	if (match_text(cl, s, reply->raw.ptr, scan_len, plain_prefix(reply, scan_len)))
		return SMTPCODES_ERR_ENGINE;

	for (w = 0; w < s->nwords; w++) {
		uint64_t b = s->bits[w];
		while (b) {
			size_t id = w * 64 + (size_t)__builtin_ctzll(b);
			const struct rule_set *rs;
			const struct sc_rule *r = rule_at(cl, id, &rs);
			b &= b - 1;
			switch (r->kind) {
			case SC_RULE_REASON:
				if (reason_rule)
					break;
				if (r->class_mask && !(r->class_mask >> digit & 1u))
					break;
				if (r->stage_mask && !(r->stage_mask >> stage & 1u))
					break;
				if (!code_listed(r, reply->code))
					break;
				reason_rule = r;
				reason_set = rs;
				break;
			case SC_RULE_PROVIDER:
				if (!out->provider)
					out->provider = rs->strings + r->tag;
				break;
			case SC_RULE_BLOCKLIST:
				if (!out->blocklist)
					out->blocklist = rs->strings + r->tag;
				break;
			case SC_RULE_SOFTWARE:
				if (!software)
					software = rs->strings + r->tag;
				break;
			case SC_RULE_HOST:
				break;
			}
		}
	}
	if (!out->provider && ctx && ctx->remote_host && ctx->remote_host_len) {
		size_t hl = ctx->remote_host_len < 1024 ? ctx->remote_host_len : 1024;
		s->first_host = (unsigned)-1;
		if (scan(cl->user.host, ctx->remote_host, hl, 0, s, on_host_match) ||
		    scan(cl->builtin.host, ctx->remote_host, hl, cl->builtin.offset, s, on_host_match))
			return SMTPCODES_ERR_ENGINE;
		if (s->first_host != (unsigned)-1) {
			const struct rule_set *rs;
			const struct sc_rule *r = rule_at(cl, s->first_host, &rs);
			out->provider = rs->strings + r->tag;
		}
	}
	if (!out->provider)
		out->provider = software; /* MTA software: the weakest evidence of who answered */

	if (out->klass == SMTPCODES_CLASS_SUCCESS) {
		reason = SMTPCODES_REASON_DELIVERED;
		out->source = SMTPCODES_EVIDENCE_CODE;
	} else if (out->klass == SMTPCODES_CLASS_INTERMEDIATE) {
		reason = SMTPCODES_REASON_UNDEFINED;
		out->source = SMTPCODES_EVIDENCE_CODE;
	} else if (reason_rule) {
		reason = reason_rule->reason;
		out->flags |= reason_rule->flags;
		out->source = SMTPCODES_EVIDENCE_TEXT;
		out->rule = reason_set->strings + reason_rule->origin;
	} else if (reply->enhanced.klass && (reason = reason_of_enhanced(&reply->enhanced)) >= 0) {
		out->source = SMTPCODES_EVIDENCE_ENHANCED;
	} else if (reply->code && (reason = reason_of_code(reply->code, stage)) >= 0) {
		out->source = SMTPCODES_EVIDENCE_CODE;
	} else {
		reason = SMTPCODES_REASON_UNDEFINED;
		out->source = SMTPCODES_EVIDENCE_NONE;
	}
	/* a domain that does not exist, named without saying whose: the stage
	 * says it, or the enhanced code (X.1.1: the name is a mailbox's, such
	 * as "john.doe"; X.1.7, X.1.8: the sender's) (docs/RULES.md,
	 * flag=whose-domain) */
	if ((out->flags & SMTPCODES_VERDICT_WHOSE_DOMAIN) && reason == SMTPCODES_REASON_REJECTED) {
		const struct smtpcodes_enhanced *en = &reply->enhanced;
		int addr = en->klass && en->subject == 1;
		if (stage == SMTPCODES_STAGE_MAIL || (addr && (en->detail == 7 || en->detail == 8))) {
			out->flags = (out->flags & ~SMTPCODES_VERDICT_WHOSE_DOMAIN) | SMTPCODES_VERDICT_SENDER_DOMAIN;
		} else if (stage == SMTPCODES_STAGE_RCPT) {
			reason = SMTPCODES_REASON_HOSTUNKNOWN;
		} else if (addr && en->detail == 1) {
			reason = SMTPCODES_REASON_USERUNKNOWN;
			out->flags &= ~SMTPCODES_VERDICT_WHOSE_DOMAIN;
		}
	}
	/* in answer to MAIL FROM no recipient has been named yet: a reply that
	 * blames an address or a domain blames the sender's (not notaccept: a
	 * 521 says the server takes no mail at all) */
	if (stage == SMTPCODES_STAGE_MAIL && out->klass != SMTPCODES_CLASS_SUCCESS &&
	    out->klass != SMTPCODES_CLASS_INTERMEDIATE) {
		if (reason == SMTPCODES_REASON_HOSTUNKNOWN) {
			reason = SMTPCODES_REASON_REJECTED;
			out->flags = (out->flags & ~SMTPCODES_VERDICT_WHOSE_DOMAIN) | SMTPCODES_VERDICT_SENDER_DOMAIN;
		} else if (reason == SMTPCODES_REASON_USERUNKNOWN || reason == SMTPCODES_REASON_HASMOVED ||
		           reason == SMTPCODES_REASON_SUSPEND) {
			reason = SMTPCODES_REASON_REJECTED;
			out->flags |= SMTPCODES_VERDICT_SENDER_ADDRESS;
		}
	}
	out->reason = (enum smtpcodes_reason)reason;
	out->hard = out->klass == SMTPCODES_CLASS_PERMANENT &&
	            (reason == SMTPCODES_REASON_USERUNKNOWN || reason == SMTPCODES_REASON_HOSTUNKNOWN ||
	             reason == SMTPCODES_REASON_HASMOVED || reason == SMTPCODES_REASON_NOTACCEPT);
	out->action = action_of(out->reason, out->klass, out->flags);
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
		verdict->action = action_of(verdict->reason, verdict->klass, verdict->flags);
	}
	return prc;
}
