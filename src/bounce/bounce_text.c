/*
 * bounce_text.c - what the bounce readers share: header lists, record lists,
 * and the small scanners for the prose of non-standard bounces (addresses,
 * the SMTP stage an MTA names, the markers where the copy of the original
 * message begins, and the generic "recipient line, then its reason" reader).
 * Every scanner works on bounded spans; nothing here allocates per byte.
 * They run for every message, so the hot ones are built for speed: the
 * case-insensitive search tests sixteen places at a time (SSE2), a fixed
 * set of phrases (the stage words) is found in one pass of three byte
 * tables (bounce_phrases), and a header list keeps its names and values in
 * a few blocks of its own instead of two allocations per field.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bounce/bounce.h"
#include "common/util.h"

/* ---------------------------------------------------------------- headers */

/* ASCII case folding: the program runs in the C locale, where tolower()
 * and strncasecmp() fold A-Z and nothing else. */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static unsigned char unfold(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c;
}

/* Do s[0..n) and t[0..n) match, A-Z folded? */
static int caseeq(const char *s, const char *t, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (fold((unsigned char)s[i]) != fold((unsigned char)t[i]))
			return 0;
	return 1;
}


/* One block of a header list's memory: strings back to back. */
struct bounce_mem {
	struct bounce_mem *next;
	size_t used, cap;
	char *last; /* the last string taken, which may grow in place */
	char data[];
};

#define BOUNCE_MEM_BLOCK 4096

/* A new block of at least n bytes at the head of h's list. */
static struct bounce_mem *mem_block(struct bounce_hdrs *h, size_t n)
{
	size_t cap = n > BOUNCE_MEM_BLOCK ? n : BOUNCE_MEM_BLOCK;
	struct bounce_mem *b = xmalloc(sizeof *b + cap);
	b->next = h->mem;
	b->used = 0;
	b->cap = cap;
	b->last = NULL;
	h->mem = b;
	return b;
}

char *bounce_hdrs_mem(struct bounce_hdrs *h, size_t n)
{
	struct bounce_mem *b = h->mem;
	if (!b || b->cap - b->used < n)
		b = mem_block(h, n);
	b->last = b->data + b->used;
	b->used += n;
	return b->last;
}

char *bounce_hdrs_strndup(struct bounce_hdrs *h, const char *s, size_t n)
{
	char *d;
	n = strnlen(s, n);
	d = bounce_hdrs_mem(h, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *bounce_hdrs_regrow(struct bounce_hdrs *h, char *p, size_t old, size_t n)
{
	struct bounce_mem *b = h->mem;
	char *d;
	if (b && p && b->last == p && (size_t)(p - b->data) + n <= b->cap) {
		b->used = (size_t)(p - b->data) + n;
		return p;
	}
	if (!b || b->cap - b->used < n)
		b = mem_block(h, 2 * n); /* room to grow on in place */
	d = bounce_hdrs_mem(h, n);
	if (old)
		memcpy(d, p, old < n ? old : n);
	return d;
}

void bounce_hdrs_add(struct bounce_hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n].name = bounce_hdrs_strndup(h, name, nlen);
	h->v[h->n].nlen = strlen(h->v[h->n].name);
	h->v[h->n].value = bounce_hdrs_strndup(h, value, vlen);
	h->n++;
}

void bounce_hdrs_free(struct bounce_hdrs *h)
{
	struct bounce_mem *b = h->mem, *next;
	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	free(h->v);
	memset(h, 0, sizeof *h);
}

/* Is header i of h named name (nl bytes, any case)? */
static int hdr_is(const struct bounce_hdrs *h, size_t i, const char *name, size_t nl)
{
	return h->v[i].nlen == nl && caseeq(h->v[i].name, name, nl);
}

const char *bounce_hdr(const struct bounce_hdrs *h, const char *name)
{
	size_t i, nl = strlen(name);
	for (i = 0; i < h->n; i++)
		if (hdr_is(h, i, name, nl))
			return h->v[i].value;
	return NULL;
}

size_t bounce_hdrs_parse(struct bounce_hdrs *h, const char *text, size_t len)
{
	const char *p = text, *e = text + len;
	char *val = NULL;
	size_t vlen = 0, vcap = 0;
	const char *name = NULL;
	size_t nlen = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		size_t ll = (size_t)(le - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (ll == 0) {
			p = nl ? nl + 1 : e;
			if (name || h->n)
				break;
			continue; /* leading blank lines */
		}
		if ((*p == ' ' || *p == '\t') && name) {
			size_t need = vlen + ll + 2;
			if (need > vcap) {
				vcap = need * 2;
				val = xrealloc(val, vcap);
			}
			val[vlen++] = ' ';
			while (ll && (*p == ' ' || *p == '\t'))
				p++, ll--;
			memcpy(val + vlen, p, ll);
			vlen += ll;
		} else {
			const char *colon = memchr(p, ':', ll);
			if (name) {
				bounce_hdrs_add(h, name, nlen, val ? val : "", vlen);
				name = NULL;
			}
			if (colon && colon > p && !memchr(p, ' ', (size_t)(colon - p))) {
				const char *v = colon + 1;
				name = p;
				nlen = (size_t)(colon - p);
				while (v < p + ll && (*v == ' ' || *v == '\t'))
					v++;
				vlen = (size_t)(p + ll - v);
				if (vlen + 1 > vcap) {
					vcap = vlen * 2 + 64;
					val = xrealloc(val, vcap);
				}
				memcpy(val, v, vlen);
			} else if (h->n > 0 || name) {
				break; /* not a header line: the block ended */
			}
		}
		p = nl ? nl + 1 : e;
	}
	if (name)
		bounce_hdrs_add(h, name, nlen, val ? val : "", vlen);
	free(val);
	return (size_t)(p - text);
}

/* The indent of a line [q, le) that has the form "Name: value" after at
 * most eight spaces, or -1. */
static int header_line(const char *q, const char *le)
{
	int ind = 0;
	const char *n;
	while (q < le && *q == ' ' && ind <= 8)
		q++, ind++;
	if (ind > 8 || q >= le || !isalpha((unsigned char)*q))
		return -1;
	for (n = q; n < le && n - q < 64 && (isalnum((unsigned char)*n) || *n == '-' || *n == '_');)
		n++;
	return n < le && *n == ':' ? ind : -1;
}

/* Is [q, le) (its indent gone) a field or a fold of one? */
static int field_or_fold(const char *q, const char *le)
{
	return q < le && (header_line(q, le) == 0 || *q == ' ' || *q == '\t');
}

/* Does h name a message: its Message-ID, or its From with its Subject,
 * Date or To? A block from a mailer daemon is a bounce's own (one
 * forwarded inline), not the original's. */
static int names_message(const struct bounce_hdrs *h)
{
	const char *from = bounce_hdr(h, "From");
	if (bounce_contains(from, "MAILER-DAEMON") || bounce_contains(from, "Mail Delivery"))
		return 0;
	return bounce_hdr(h, "Message-ID") || (from && (bounce_hdr(h, "Subject") || bounce_hdr(h, "Date") || bounce_hdr(h, "To")));
}

/* [q, le) without its first ind spaces. */
static const char *unindent(const char *q, const char *le, int ind)
{
	while (q < le && *q == ' ' && ind-- > 0)
		q++;
	return q;
}

/*
 * The header block whose first line is p into m->orig, up to its blank
 * line. An indented block (Sun's "the following header fields:", fml's
 * listing, ind spaces) loses its indent. A line that is neither a field
 * nor a fold but has one after it is a fold that lost its blank ("HTTP);
 * Sat, 29 Nov 2014 ..." in GMX's copy) and gets it back. 1 when the block
 * names the message; else m->orig stays empty.
 */
static int take_block(struct bounce_msg *m, const char *p, const char *end, int ind)
{
	size_t o = 0, cap = 4096;
	char *copy = xmalloc(cap);
	const char *q = p, *le;
	while (q < end) {
		const char *line = bounce_next_line(&q, end, &le);
		line = unindent(line, le, ind);
		if (line == le)
			break;
		if (o + (size_t)(le - line) + 2 > cap) { /* the block, not the rest of the text */
			cap = 2 * (o + (size_t)(le - line) + 2);
			copy = xrealloc(copy, cap);
		}
		if (!field_or_fold(line, le)) {
			const char *r = q, *re, *nx;
			if (r >= end)
				break;
			nx = bounce_next_line(&r, end, &re);
			if (!field_or_fold(unindent(nx, re, ind), re))
				break;
			copy[o++] = ' ';
		}
		memcpy(copy + o, line, (size_t)(le - line));
		o += (size_t)(le - line);
		copy[o++] = '\n';
	}
	bounce_hdrs_parse(&m->orig, copy, o);
	free(copy);
	if (m->orig.n && names_message(&m->orig)) {
		bounce_hdrs_decode(&m->orig);
		m->has_orig = 1;
		return 1;
	}
	bounce_hdrs_free(&m->orig);
	return 0;
}

int bounce_orig_block(struct bounce_msg *m, const char *p, const char *stop, const char *end, int max)
{
	const char *q = p, *le;
	while (q < end && q <= stop && max-- > 0) {
		const char *line = bounce_next_line(&q, end, &le);
		int ind = header_line(line, le);
		if (ind >= 0 && take_block(m, line, end, ind))
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- records */

struct bounce_rec *bounce_list_add(struct bounce_list *l)
{
	struct bounce_rec *r;
	if (l->n >= BOUNCE_MAX_RCPTS) {
		l->truncated = 1;
		return NULL;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	r = &l->v[l->n++];
	memset(r, 0, sizeof *r);
	r->reason_hint = -1;
	return r;
}

void bounce_list_free(struct bounce_list *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

struct bounce_rec *bounce_list_find(struct bounce_list *l, const char *addr)
{
	size_t i;
	for (i = 0; i < l->n; i++)
		if (!strcasecmp(l->v[i].recipient, addr))
			return &l->v[i];
	return NULL;
}

struct bounce_rec *bounce_list_get(struct bounce_list *l, const char *s, size_t n, int *added)
{
	char addr[BOUNCE_ADDR_MAX];
	struct bounce_rec *r;
	bounce_rec_set(addr, sizeof addr, s, n);
	r = bounce_list_find(l, addr);
	if (added)
		*added = !r;
	if (!r && (r = bounce_list_add(l)) != NULL)
		memcpy(r->recipient, addr, sizeof addr);
	return r;
}

void bounce_rec_set(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	for (o = 0; o < n; o++)
		dst[o] = (s[o] == '\n' || s[o] == '\r' || s[o] == '\t') ? ' ' : s[o];
	dst[o] = '\0';
}

void bounce_rec_diag_append(struct bounce_rec *r, const char *s, size_t n)
{
	size_t o = strlen(r->diag);
	int sp = o > 0;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return;
	while (n && o + 1 < sizeof r->diag) {
		size_t k, lim;
		if (isspace((unsigned char)*s)) {
			sp = 1;
			s++, n--;
			continue;
		}
		if (sp && o + 2 < sizeof r->diag)
			r->diag[o++] = ' ';
		sp = 0;
		/* the run of other bytes that starts here, as far as it fits,
		 * in one copy */
		lim = sizeof r->diag - 1 - o;
		if (lim > n)
			lim = n;
		for (k = 1; k < lim && !isspace((unsigned char)s[k]); k++)
			;
		memcpy(r->diag + o, s, k);
		o += k;
		s += k;
		n -= k;
	}
	r->diag[o] = '\0';
}

/* ---------------------------------------------------------------- text */

#ifdef __SSE2__
/* Bit k set where s[k] and s[k + 1] (k < 16) are the needle's first two
 * bytes: (byte | f) == v, f being 0x20 for a letter, else 0. */
static unsigned pair_mask(const char *s, __m128i f0, __m128i v0, __m128i f1, __m128i v1)
{
	__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(s + 1));
	return (unsigned)_mm_movemask_epi8(
		_mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(x0, f0), v0), _mm_cmpeq_epi8(_mm_or_si128(x1, f1), v1)));
}

/* The first k among mask's bits where the needle's rest follows, or SIZE_MAX. */
static size_t first_match(const char *s, unsigned mask, const char *needle, size_t nl)
{
	for (; mask; mask &= mask - 1) {
		size_t k = (size_t)__builtin_ctz(mask);
		if (caseeq(s + k + 2, needle + 2, nl - 2))
			return k;
	}
	return SIZE_MAX;
}
#endif

/* The search tests the needle's first two bytes, in either case, at 16
 * places at a time (SSE2, which every x86-64 has), and compares the rest
 * only where both fit: most text never gets past the filter. */
const char *bounce_memcasemem(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle), i = 0, last;
	unsigned char a0, b0, a1, b1;
	if (!nl)
		return s;
	if (nl > n)
		return NULL;
	last = n - nl; /* the last place a match can start */
	a0 = fold((unsigned char)needle[0]);
	b0 = unfold((unsigned char)needle[0]);
	if (nl == 1) {
		for (; i <= last; i++)
			if ((unsigned char)s[i] == a0 || (unsigned char)s[i] == b0)
				return s + i;
		return NULL;
	}
	a1 = fold((unsigned char)needle[1]);
	b1 = unfold((unsigned char)needle[1]);
#ifdef __SSE2__
	if (last >= 15) {
		/* a letter matches in either case as the byte with 0x20 set */
		const __m128i f0 = _mm_set1_epi8(a0 != b0 ? 0x20 : 0), f1 = _mm_set1_epi8(a1 != b1 ? 0x20 : 0);
		const __m128i v0 = _mm_set1_epi8((char)a0), v1 = _mm_set1_epi8((char)a1);
		size_t at;
		unsigned mask;
		/* 16 starts at at, all <= last; the loads reach at+16 < n */
		for (at = 0; at + 15 < last; at += 16)
			if ((mask = pair_mask(s + at, f0, v0, f1, v1)) != 0 &&
			    (i = first_match(s + at, mask, needle, nl)) != SIZE_MAX)
				return s + at + i;
		/* the last 16 starts (overlapping the block before: the starts
		 * it has seen are masked off) */
		i = at;
		at = last - 15;
		mask = pair_mask(s + at, f0, v0, f1, v1) & ~((1u << (i - at)) - 1);
		if (mask && (i = first_match(s + at, mask, needle, nl)) != SIZE_MAX)
			return s + at + i;
		return NULL;
	}
#endif
	for (; i <= last; i++) {
		unsigned char c = (unsigned char)s[i], d = (unsigned char)s[i + 1];
		if ((c == a0 || c == b0) && (d == a1 || d == b1) && caseeq(s + i + 2, needle + 2, nl - 2))
			return s + i;
	}
	return NULL;
}

int bounce_memcasemem_any(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (bounce_memcasemem(s, n, *words))
			return 1;
	return 0;
}

int bounce_contains(const char *s, const char *needle)
{
	return s && bounce_memcasemem(s, strlen(s), needle) != NULL;
}

static int addr_char(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+' || c == '=' || c == '/' || c == '\'' ||
	       c == '!' || c == '%' || c == '#' || c == '$' || c == '&' || c == '*' || c == '?' || c == '^' ||
	       c == '`' || c == '{' || c == '|' || c == '}' || c == '~' || c >= 0x80;
}

static int dom_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == ':' || c >= 0x80;
}

int bounce_find_addr(const char *s, size_t n, size_t *start, size_t *len)
{
	const char *at = s, *e = s + n;
	if (!n)
		return 0;
	while ((at = memchr(at, '@', (size_t)(e - at))) != NULL) {
		size_t i = (size_t)(at++ - s), a, b;
		a = i;
		while (a > 0 && addr_char((unsigned char)s[a - 1]))
			a--;
		if (a > 0 && s[a - 1] == '"') {
			/* "quoted local"@domain */
			size_t q = a - 1;
			while (q > 0 && s[q - 1] != '"' && s[q - 1] != '<' && s[q - 1] != '\n')
				q--;
			if (q > 0 && s[q - 1] == '"')
				a = q - 1;
		}
		b = i + 1;
		while (b < n && dom_char((unsigned char)s[b]))
			b++;
		while (b > i + 1 && (s[b - 1] == '.' || s[b - 1] == ':' || s[b - 1] == '-'))
			b--;
		if (a == i || b == i + 1)
			continue;
		while (a < i && (s[a] == '.' || s[a] == '\'' || s[a] == '/' || s[a] == '='))
			a++; /* not the start of an address */
		if (a == i)
			continue;
		*start = a;
		*len = b - a;
		return 1;
	}
	return 0;
}

/* The words that name a stage, the first that occurs in a text as a word
 * of its own wins (not part of an identifier: "EHLO", but not Gmail's
 * state name "SENT_SECOND_EHLO"). */
static const struct {
	const char *w;
	enum smtpcodes_stage st;
} stage_words[] = {
	{ "end of data", SMTPCODES_STAGE_EOD },
	{ "end of message", SMTPCODES_STAGE_EOD },
	{ "final data", SMTPCODES_STAGE_EOD },
	{ "after data", SMTPCODES_STAGE_EOD },
	{ "after end of", SMTPCODES_STAGE_EOD },
	{ "message data", SMTPCODES_STAGE_EOD },
	{ ">>> DATA", SMTPCODES_STAGE_DATA },
	{ "RCPT TO", SMTPCODES_STAGE_RCPT },
	{ ">>> RCPT", SMTPCODES_STAGE_RCPT },
	{ "RCPT_TO", SMTPCODES_STAGE_RCPT },
	{ "for RCPT", SMTPCODES_STAGE_RCPT },
	{ "SMTP:RCPT", SMTPCODES_STAGE_RCPT },
	{ "after RCPT", SMTPCODES_STAGE_RCPT }, /* "after RCPT command:" (GMX) */
	{ "MAIL FROM", SMTPCODES_STAGE_MAIL },
	{ ">>> MAIL", SMTPCODES_STAGE_MAIL },
	{ "MAIL_FROM", SMTPCODES_STAGE_MAIL },
	{ "DATA command", SMTPCODES_STAGE_DATA },
	{ "in reply to DATA", SMTPCODES_STAGE_DATA },
	{ "after DATA", SMTPCODES_STAGE_DATA },
	{ "EHLO", SMTPCODES_STAGE_HELO },
	{ "HELO", SMTPCODES_STAGE_HELO },
	{ "STARTTLS", SMTPCODES_STAGE_STARTTLS },
	/* qmail's words for the stage */
	{ "but my name was rejected", SMTPCODES_STAGE_HELO },
	{ "but sender was rejected", SMTPCODES_STAGE_MAIL },
	{ "does not like recipient", SMTPCODES_STAGE_RCPT },
	{ "failed after I sent the message", SMTPCODES_STAGE_EOD },
	{ "failed on DATA command", SMTPCODES_STAGE_DATA },
	{ "initial connection", SMTPCODES_STAGE_CONNECT },
	{ "refused to talk to me", SMTPCODES_STAGE_CONNECT },
	{ "not accepting connections", SMTPCODES_STAGE_CONNECT },
	{ "SMTP greeting", SMTPCODES_STAGE_CONNECT },
	{ "greeting", SMTPCODES_STAGE_CONNECT },
	{ "banner", SMTPCODES_STAGE_CONNECT },
};

#define STAGE_WORDS (sizeof stage_words / sizeof stage_words[0])

/* One pass finds them all: at[k][c] holds a bit for each phrase whose byte
 * k is c in either case, so the three tables ANDed over a place leave only
 * the phrases that may start there (at most places: none). */
void bounce_phrases_init(struct bounce_phrases *ps, const char *const *w, size_t n)
{
	size_t i, k;
	memset(ps, 0, sizeof *ps);
	ps->n = n < BOUNCE_PHRASES_MAX ? n : BOUNCE_PHRASES_MAX;
	ps->min = SIZE_MAX;
	for (i = 0; i < ps->n; i++) {
		const unsigned char *u = (const unsigned char *)w[i];
		ps->w[i] = w[i];
		ps->len[i] = strlen(w[i]);
		if (ps->len[i] < 3) { /* too short for the tables: never found */
			ps->len[i] = SIZE_MAX;
			continue;
		}
		if (ps->len[i] < ps->min)
			ps->min = ps->len[i];
		for (k = 0; k < 3; k++) {
			ps->at[k][fold(u[k])] |= (uint64_t)1 << i;
			ps->at[k][unfold(u[k])] |= (uint64_t)1 << i;
		}
	}
}

static int word_char(unsigned char c)
{
	return isalnum(c) || c == '_';
}

int bounce_phrases_first(const struct bounce_phrases *ps, const char *s, size_t n, uint64_t want, int words)
{
	const unsigned char *u = (const unsigned char *)s;
	const uint64_t *t0 = ps->at[0], *t1 = ps->at[1], *t2 = ps->at[2];
	size_t i, end;
	int best = -1;
	if (ps->min == SIZE_MAX || n < ps->min)
		return -1;
	end = n - ps->min; /* the last place the shortest phrase fits */
	for (i = 0; i <= end; i++) {
		uint64_t c = t0[u[i]] & t1[u[i + 1]] & t2[u[i + 2]] & want;
		if (!c)
			continue;
		do {
			size_t j = (size_t)__builtin_ctzll(c), wl = ps->len[j];
			c &= c - 1;
			if (wl > n - i || !caseeq(s + i + 3, ps->w[j] + 3, wl - 3))
				continue;
			if (words && ((i > 0 && word_char(u[i - 1])) || (i + wl < n && word_char(u[i + wl]))))
				continue;
			best = (int)j; /* the lowest that matched here: later ones need not be looked for */
			want &= ((uint64_t)1 << j) - 1;
			if (!want)
				return best;
			break;
		} while (c);
	}
	return best;
}

static struct bounce_phrases stage_set;
static pthread_once_t stage_once = PTHREAD_ONCE_INIT;

static void stage_setup(void)
{
	const char *w[STAGE_WORDS];
	size_t i;
	for (i = 0; i < STAGE_WORDS; i++)
		w[i] = stage_words[i].w;
	bounce_phrases_init(&stage_set, w, STAGE_WORDS);
}

enum smtpcodes_stage bounce_stage_in(const char *s, size_t n)
{
	int best;
	_Static_assert(STAGE_WORDS <= BOUNCE_PHRASES_MAX, "stage words fit one phrase set");
	pthread_once(&stage_once, stage_setup);
	best = bounce_phrases_first(&stage_set, s, n, BOUNCE_PHRASES_ALL, 1);
	return best >= 0 ? stage_words[best].st : SMTPCODES_STAGE_UNKNOWN;
}

void bounce_set_command(struct bounce_rec *r, enum smtpcodes_stage st)
{
	const char *c = "";
	switch (st) {
	case SMTPCODES_STAGE_CONNECT: c = "CONN"; break;
	case SMTPCODES_STAGE_HELO: c = "EHLO"; break;
	case SMTPCODES_STAGE_STARTTLS: c = "STARTTLS"; break;
	case SMTPCODES_STAGE_AUTH: c = "AUTH"; break;
	case SMTPCODES_STAGE_MAIL: c = "MAIL"; break;
	case SMTPCODES_STAGE_RCPT: c = "RCPT"; break;
	case SMTPCODES_STAGE_DATA:
	case SMTPCODES_STAGE_EOD: c = "DATA"; break;
	case SMTPCODES_STAGE_QUIT: c = "QUIT"; break;
	default: return;
	}
	if (!r->command[0])
		bounce_rec_set(r->command, sizeof r->command, c, strlen(c));
}

/* Lines after which the copy of the original message follows. */
static const char *const orig_markers[] = {
	"------ This is a copy of the message",
	"--- Below this line is a copy of the message",
	"----- Original message -----",
	"--- Original message follows",
	"----- Unsent message follows -----",
	"----- Original message follows",
	"------ Original message",
	"Below is a copy of the original message",
	"Message headers follow",
	"----- The following is a copy of",
	"----- Non-delivered information -----",
	"Original message headers:",
	"Original Message Headers",
	"------ Returned message",
	"--- The header of the original message",
	"------- Original Message --------",
	"Content-Type: message/rfc822",
	"Content-Type: text/rfc822-headers",
	"----- Message header follows -----",
	"--- Undelivered message follows ---",
	"------ A copy of the message",
	"----- Begin Forwarded Message",
	"-------- Original Message --------",
	"\nOriginal Message:",
	"Original mail as follows:",
	"Original message follows",
	"------ Failed message header",
	"The attachment contains the original mail headers",
	"----- Original Message -----",
	"--- Message non-delivered",
	"------- Message text follows",
};

#define ORIG_MARKERS (sizeof orig_markers / sizeof orig_markers[0])

/* Each marker's index in the phrase table, found once per process. */
static int orig_marker_id[ORIG_MARKERS];
static pthread_once_t orig_marker_once = PTHREAD_ONCE_INIT;

static void orig_marker_setup(void)
{
	size_t i;
	for (i = 0; i < ORIG_MARKERS; i++)
		orig_marker_id[i] = bounce_needle_index(orig_markers[i]);
}

const char *bounce_next_line(const char **p, const char *e, const char **end)
{
	const char *line = *p, *nl = memchr(line, '\n', (size_t)(e - line));
	*end = nl ? nl : e;
	*p = nl ? nl + 1 : e;
	return line;
}

const char *bounce_next_line_trimmed(const char **p, const char *e, const char **end)
{
	const char *q = bounce_next_line(p, e, end);
	while (q < *end && isspace((unsigned char)*q))
		q++;
	return q;
}

const char *bounce_line_label(const char *q, const char *le, const char *label)
{
	size_t n = strlen(label);
	if ((size_t)(le - q) < n || !caseeq(q, label, n))
		return NULL;
	for (q += n; q < le && (*q == ' ' || *q == '\t');)
		q++;
	return q;
}

void bounce_text_span(const struct bounce_msg *m, const char *start_marker, const char **b, const char **e)
{
	const char *t = m->text, *end = m->text + m->textlen, *s;
	size_t i;
	if (start_marker) {
		long at = bounce_needle_at(m, start_marker);
		if (at >= 0)
			t = m->text + at;
		else if (at == -2 && (s = bounce_memcasemem(t, m->textlen, start_marker)) != NULL)
			t = s;
	}
	pthread_once(&orig_marker_once, orig_marker_setup);
	for (i = 0; i < ORIG_MARKERS; i++) {
		long at = bounce_needle_at_index(m, orig_marker_id[i]);
		const char *x;
		if (at == -1)
			continue;
		if (at >= 0 && m->text + at > t)
			x = m->text + at;
		else /* unknown, or first seen before the start: search on */
			x = bounce_memcasemem(t, (size_t)(end - t), orig_markers[i]);
		if (x && x > t && x < end)
			end = x;
	}
	/* the marker's whole line goes: "|------- Message text follows: ---|" */
	if (end < m->text + m->textlen)
		while (end > t && end[-1] != '\n')
			end--;
	*b = t;
	*e = end;
}

static int as_first_word(const char *q, const char *le)
{
	static const char *const words[] = { "ERROR_CODE", "Invalid Address", "User unknown", "unknown user",
	                                     "does not exist", "Mailbox full", NULL };
	return bounce_memcasemem_any(q, (size_t)(le - q), words);
}

/* Is the line [p, le) a recipient line? Sets the address and where the rest
 * of the line (the reason on the same line) starts. */
static int rcpt_line(const char *p, const char *le, size_t *as, size_t *al, const char **rest)
{
	const char *q = p;
	size_t s, n;
	int angle = 0;
	while (q < le && (*q == ' ' || *q == '\t' || *q == '*' || *q == '-' || *q == '#' || *q == '"'))
		q++;
	if (q < le && *q == '<')
		angle = 1, q++;
	if (!bounce_find_addr(q, (size_t)(le - q), &s, &n) || s != 0)
		return 0;
	if (memchr(q, ' ', n) || !memchr(q, '.', n))
		return 0;
	*as = (size_t)(q - p);
	*al = n;
	q += n;
	if (angle) {
		if (q >= le || *q != '>')
			return 0;
		q++;
	}
	if (q < le && *q == '"')
		q++;
	while (q < le && *q == ' ')
		q++;
	if (q == le) {
		*rest = q;
		return 1;
	}
	if (*q == ':' || *q == '(' || !strncmp(q, "...", 3) || *q == ',' || *q == '[' || *q == ';') {
		*rest = q + 1;
		if (*q == '.')
			*rest = q + 3;
		return 1;
	}
	/* "addr on Date" (Exchange), "addr: text", "addr - text" */
	if (!strncmp(q, "on ", 3) || !strncmp(q, "- ", 2)) {
		*rest = q[0] == 'o' ? le : q + 2;
		return 1;
	}
	/* "addr Invalid Address, ERROR_CODE :550, ..." (Zoho): the address
	 * first on its line, then words that are plainly an error */
	if (as_first_word(q, le)) {
		*rest = q;
		return 1;
	}
	return 0;
}

int bounce_scan_blocks(const char *b, const char *e, struct bounce_list *l)
{
	const char *p = b;
	struct bounce_rec *cur = NULL;
	int added = 0, lines = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		size_t as, al;
		const char *rest;
		const char *q = p;
		while (q < le && isspace((unsigned char)*q))
			q++;
		if (q == le) {
			if (cur && cur->diag[0])
				cur = NULL;
		} else if (rcpt_line(p, le, &as, &al, &rest) &&
		           !(cur && cur->diag[0] && lines < 24 && strlen(cur->recipient) == al &&
		             !strncasecmp(cur->recipient, p + as, al))) {
			/* (a line that names the address of the record it follows
			 * is that record's reply going on: "    <addr>... User
			 * Unknown (in reply to RCPT TO command)") */
			int fresh;
			cur = bounce_list_get(l, p + as, al, &fresh);
			if (!cur)
				break;
			added += fresh;
			lines = 0;
			if (rest < le)
				bounce_rec_diag_append(cur, rest, (size_t)(le - rest));
		} else if (cur && lines < 24) {
			bounce_rec_diag_append(cur, p, (size_t)(le - p));
			lines++;
		}
		p = nl ? nl + 1 : e;
	}
	return added;
}

/* Appends [b, e) to r's diagnostic text without the MIME part headers and
 * boundary lines a broken multipart leaves in the prose. */
static void diag_from_prose(struct bounce_rec *r, const char *b, const char *e)
{
	const char *p = b;
	while (p < e && strlen(r->diag) + 2 < sizeof r->diag) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		size_t n = (size_t)(le - p);
		int mime = (n > 8 && !strncasecmp(p, "Content-", 8)) || (n > 9 && !strncasecmp(p, "boundary=", 9)) ||
		           (n > 12 && p[0] == '-' && p[1] == '-' && !memchr(p, ' ', n));
		if (!mime)
			bounce_rec_diag_append(r, p, n);
		p = nl ? nl + 1 : e;
	}
}

int bounce_fallback(const struct bounce_msg *m, const char *b, const char *e, struct bounce_list *l)
{
	const char *v = bounce_hdr(&m->top, "X-Failed-Recipients");
	int added = 0;
	if (!v && m->has_orig)
		v = bounce_hdr(&m->orig, "To");
	if (!v)
		v = bounce_hdr(&m->top, "X-Original-To");
	if (!v) {
		/* last resort: the first address in the prose that is not the
		 * sender's nor the bouncing system's own */
		const char *p = b;
		const char *to = bounce_hdr(&m->top, "To");
		size_t s, n;
		while (p < e && bounce_find_addr(p, (size_t)(e - p), &s, &n)) {
			char addr[BOUNCE_ADDR_MAX];
			struct bounce_rec *r;
			bounce_rec_set(addr, sizeof addr, p + s, n);
			p += s + n;
			if (bounce_contains(to, addr) || !strncasecmp(addr, "mailer-daemon", 13) ||
			    !strncasecmp(addr, "postmaster", 10) || bounce_contains(bounce_hdr(&m->top, "From"), addr))
				continue;
			if ((r = bounce_list_add(l)) != NULL) {
				memcpy(r->recipient, addr, sizeof addr);
				diag_from_prose(r, b, e);
				added++;
			}
			break;
		}
	}
	while (v && *v) {
		size_t s, n;
		struct bounce_rec *r;
		int fresh;
		if (!bounce_find_addr(v, strlen(v), &s, &n))
			break;
		if ((r = bounce_list_get(l, v + s, n, &fresh)) != NULL && fresh) {
			diag_from_prose(r, b, e);
			added++;
		}
		v += s + n;
	}
	return added;
}

int bounce_prose(const struct bounce_msg *m, struct bounce_list *l, const char *start)
{
	const char *b, *e;
	int n;
	bounce_text_span(m, start, &b, &e);
	n = bounce_scan_blocks(b, e, l);
	if (!n)
		n = bounce_fallback(m, b, e, l);
	return n;
}

int bounce_has(const struct bounce_msg *m, const char *needle)
{
	size_t n = m->textlen < 8192 ? m->textlen : 8192;
	long at = bounce_needle_at(m, needle);
	if (at != -2)
		return at >= 0 && at < 8192;
	return bounce_memcasemem(m->text, n, needle) != NULL;
}

int bounce_hdr_has(const struct bounce_msg *m, const char *name, const char *needle)
{
	size_t i, nl;
	int known = bounce_hdr_needle_has(m, name, needle);
	if (known >= 0)
		return known;
	nl = strlen(name);
	for (i = 0; i < m->top.n; i++)
		if (hdr_is(&m->top, i, name, nl) && bounce_contains(m->top.v[i].value, needle))
			return 1;
	return 0;
}

void bounce_diag_between(const struct bounce_msg *m, const char *from, const char *to, struct bounce_list *l,
                         size_t first)
{
	const char *b, *e, *s, *t;
	size_t i;
	bounce_text_span(m, NULL, &b, &e);
	s = bounce_memcasemem(b, (size_t)(e - b), from);
	if (!s)
		return;
	t = to ? bounce_memcasemem(s, (size_t)(e - s), to) : NULL;
	if (!t)
		t = e;
	for (i = first; i < l->n; i++) {
		l->v[i].diag[0] = '\0';
		bounce_rec_diag_append(&l->v[i], s + strlen(from), (size_t)(t - s - (long)strlen(from)));
	}
}
