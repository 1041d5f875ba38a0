/*
 * bounce_mimewalk.c - the fast MIME walk: one bounce message into a struct
 * bounce_msg without building a tree of objects, giving the same result as
 * the GMime walk of bounce_mime.c for every message it accepts.
 *
 * GMime costs about 100 microseconds a message in objects and allocations,
 * more than everything else a bounce takes. Bounces come in few shapes:
 * a header block, then one text part or a multipart/report with a text, a
 * message/delivery-status and the original's headers (text/rfc822-headers
 * or message/rfc822), in 7bit, 8bit, base64 or quoted-printable. This walk
 * reads those in one pass over the bytes, the way GMime 3.2's parser reads
 * them (its rules for header blocks, boundaries, the line end before a
 * boundary, Content-Type parameters in its loose mode, its decoders), and
 * gives each part to the same code as the GMime walk (bounce_walk_leaf()).
 * What it does not understand in full it does not guess: the message goes
 * to GMime, the reference. Those are: CR or NUL bytes (the program hands
 * over LF-only text), a header block the end of the input cuts, a field
 * name with 8-bit bytes or none at all, a boundary line inside a header
 * block, a Content-Type with comments, escapes, RFC 2231 or encoded or
 * repeated parameters, repeated Content-* fields, uuencode, a digest, the
 * rarer message types (rfc2822, news, global), nesting deeper than 16, and
 * long lines holding a boundary where GMime's 4 KB reads could split them.
 * tests/unit/test_bounce_mime.c and tests/fuzz/fuzz_bounce_mime.c hold the
 * two walks to the same result.
 *
 * Plain ASCII header values are unfolded by the code both walks share
 * (bounce_mime_add_header()); values with 8-bit bytes or encoded words,
 * charsets other than UTF-8 and ASCII, and RFC 2047 in the original's
 * headers go through GMime's own functions, so that decoding is GMime's in
 * both walks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bounce/bounce.h"
#include "bounce/bounce_mime.h"
#include "common/util.h"

#define MW_NEST      16   /* nested multiparts and messages we follow */
#define MW_BOUNDARY  200  /* longest boundary we take (RFC 2046: 70) */
#define MW_LONGLINE  100  /* GMime never splits lines up to 128 bytes */

/* What check_boundary() of GMime's parser says about a line. */
enum { B_NONE, B_EOS, B_IMM, B_IMM_END, B_PAR, B_PAR_END, B_FAIL = -1 };

/* One field of a header block: name[0..nlen), raw value after the colon
 * up to and with the newline of its last fold. */
struct mw_hdr {
	const char *name, *raw;
	size_t nlen, rlen;
};

/* A Content-Type, its parameters pointing into the message. */
struct mw_ct {
	const char *type, *sub, *boundary, *charset, *rtype;
	size_t tlen, slen, blen, cslen, rtlen;
	int exists;
};

struct mw {
	const char *buf, *end;
	/* the boundaries in force, outermost first: "--" + boundary */
	char *bnd[MW_NEST];
	size_t blen[MW_NEST];
	int nb;
	int nmsg; /* the message/rfc822 parts we are inside, at most MW_NEST */
	struct mw_hdr *hv;     /* the fields of the header blocks being read */
	size_t hn, hcap;
	struct bounce_walk w;
};

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_lwsp(int c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* RFC 2045 token characters, the conservative part of them: a character
 * outside this set ends a token here and sends odd values to GMime. */
static int is_tok(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '+';
}

static int name_is(const struct mw_hdr *h, const char *name)
{
	return h->nlen == strlen(name) && !strncasecmp(h->name, name, h->nlen);
}

static int is_content(const struct mw_hdr *h)
{
	return h->nlen >= 8 && !strncasecmp(h->name, "Content-", 8);
}

/* ------------------------------------------------------------ boundaries */

/* line[0..len) is "--" boundary ("--" when final) and white space. */
static int is_bnd(const char *line, size_t len, const char *b, size_t blen, int final)
{
	size_t need = blen + (final ? 2 : 0), i;
	if (len < need || memcmp(line, b, blen) || (final && memcmp(line + blen, "--", 2)))
		return 0;
	for (i = need; i < len; i++)
		if (!is_blank(line[i]))
			return 0;
	return 1;
}

/* The innermost boundary first, its end form before its plain form. */
static int bnd_check(const struct mw *x, const char *line, size_t len)
{
	int i;
	if (len < 2 || line[0] != '-' || line[1] != '-')
		return B_NONE;
	for (i = x->nb - 1; i >= 0; i--) {
		if (is_bnd(line, len, x->bnd[i], x->blen[i], 1))
			return i == x->nb - 1 ? B_IMM_END : B_PAR_END;
		if (is_bnd(line, len, x->bnd[i], x->blen[i], 0))
			return i == x->nb - 1 ? B_IMM : B_PAR;
	}
	return B_NONE;
}

static const char *line_end(const struct mw *x, const char *p)
{
	const char *nl = memchr(p, '\n', (size_t)(x->end - p));
	return nl ? nl : x->end;
}

/*
 * The content from *pp up to the next boundary line (or the end): sets
 * [*cs, *ce) without the newline that belongs to the boundary and leaves
 * *pp at the boundary line. Lines longer than GMime is sure to see whole
 * that hold a boundary anywhere are not ours (B_FAIL).
 */
static int scan(struct mw *x, const char **pp, const char **cs, const char **ce)
{
	const char *p = *pp, *from = p, *next[MW_NEST];
	int i;
	*cs = p;
	if (!x->nb) {
		*ce = *pp = x->end;
		return B_EOS;
	}
	for (i = 0; i < x->nb; i++)
		next[i] = NULL; /* not searched yet */
	for (;;) {
		const char *hit = NULL, *ls, *le;
		int f;
		/* where each boundary occurs next: searched again only once
		 * passed, so many false hits cost no more than one pass */
		for (i = 0; i < x->nb; i++) {
			if (!next[i] || (next[i] < from && next[i] != x->end)) {
				next[i] = memmem(from, (size_t)(x->end - from), x->bnd[i], x->blen[i]);
				if (!next[i])
					next[i] = x->end;
			}
			if (next[i] != x->end && (!hit || next[i] < hit))
				hit = next[i];
		}
		if (!hit) {
			*ce = *pp = x->end;
			return B_EOS;
		}
		le = line_end(x, hit);
		if (hit == p || hit[-1] == '\n') {
			f = bnd_check(x, hit, (size_t)(le - hit));
			if (f != B_NONE) {
				*ce = hit > p ? hit - 1 : hit;
				*pp = hit;
				return f;
			}
			ls = hit;
		} else {
			for (ls = hit; ls > p && ls[-1] != '\n'; ls--)
				;
		}
		if (le - ls > MW_LONGLINE)
			return B_FAIL;
		from = hit + 1;
	}
}

static int push(struct mw *x, const char *b, size_t n)
{
	if (x->nb >= MW_NEST || !n || n > MW_BOUNDARY)
		return -1;
	x->bnd[x->nb] = xmalloc(n + 2);
	memcpy(x->bnd[x->nb], "--", 2);
	memcpy(x->bnd[x->nb] + 2, b, n);
	x->blen[x->nb] = n + 2;
	x->nb++;
	return 0;
}

static void pop(struct mw *x)
{
	free(x->bnd[--x->nb]);
}

/* ------------------------------------------------------------ headers */

static struct mw_hdr *hv_add(struct mw *x)
{
	if (x->hn == x->hcap) {
		x->hcap = x->hcap ? x->hcap * 2 : 64;
		x->hv = xrealloc(x->hv, x->hcap * sizeof *x->hv);
	}
	return &x->hv[x->hn++];
}

/*
 * One header block at *pp, its fields appended to x->hv, *pp left after
 * its blank line. GMime's rules: a line that starts with a blank continues
 * the field before it; a field name ends at the colon and holds no blank
 * between two characters and no control character; lines that are not
 * fields before the first field are skipped (at the top only mbox "From "
 * lines, else GMime refuses the message), after it they are dropped with
 * their continuation lines. Returns 0, or -1 for GMime.
 */
static int headers(struct mw *x, const char **pp, int top)
{
	const char *p = *pp;
	int count = 0, junk = 0;
	struct mw_hdr *cur = NULL;
	for (;;) {
		const char *nl, *q;
		int blank = 0, valid = 1;
		if (p >= x->end || !(nl = memchr(p, '\n', (size_t)(x->end - p))))
			return -1; /* the end of the input inside the block */
		if (nl == p) {
			if (junk)
				x->hn--;
			*pp = nl + 1;
			return 0;
		}
		if (x->nb && bnd_check(x, p, (size_t)(nl - p)) != B_NONE)
			return -1; /* GMime reads on through the boundary */
		if (is_blank(*p) && (cur || junk)) {
			if (cur)
				cur->rlen = (size_t)(nl + 1 - cur->raw);
			p = nl + 1;
			continue;
		}
		if (junk)
			x->hn--;
		if (cur)
			count++;
		cur = NULL;
		junk = 0;
		q = p;
#ifdef __SSE2__
		/* the plain bytes of a name (33..126 but ':'), sixteen at a time:
		 * the loop below passes them over the same way */
		while (nl - q >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
			__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(33)), /* and every byte >= 0x80 */
			                           _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(127)),
			                                        _mm_cmpeq_epi8(v, _mm_set1_epi8(':'))));
			unsigned m = (unsigned)_mm_movemask_epi8(bad);
			if (m) {
				q += __builtin_ctz(m);
				break;
			}
			q += 16;
		}
#endif
		for (; q < nl && *q != ':'; q++) {
			unsigned char c = (unsigned char)*q;
			if (c > 32 && c < 127 && !blank)
				continue; /* the common case first */
			if (is_blank(c)) {
				blank = 1;
			} else if (blank || c < 32 || c == 127) {
				valid = 0;
				break;
			} else if (c >= 128) {
				return -1;
			}
		}
		if (q == nl)
			valid = 0;
		if (valid) {
			size_t n = (size_t)(q - p);
			while (n && is_blank(p[n - 1]))
				n--;
			if (!n)
				return -1; /* GMime keeps a field without a name */
			cur = hv_add(x);
			cur->name = p;
			cur->nlen = n;
			cur->raw = q + 1;
			cur->rlen = (size_t)(nl - q);
		} else if (!count) {
			if (top) {
				size_t n = (size_t)(q - p);
				const char *f = p;
				if (n && *f == '>')
					f++, n--;
				if (n < 5 || memcmp(f, "From ", 5))
					return -1;
			}
			/* before the first field: skipped */
		} else {
			hv_add(x); /* a line that is no field: dropped with its folds */
			junk = 1;
		}
		p = nl + 1;
	}
}

/* The one field name among hv[h0..h1) (Content-* fields only when
 * content is set); NULL when absent, and *dup set when it repeats. */
static const struct mw_hdr *find(const struct mw *x, size_t h0, size_t h1, const char *name, int *dup)
{
	const struct mw_hdr *r = NULL;
	size_t i;
	for (i = h0; i < h1; i++) {
		if (!name_is(&x->hv[i], name))
			continue;
		if (r)
			*dup = 1;
		r = &x->hv[i];
	}
	return r;
}

/* 1 when raw[0..n) has 8-bit bytes or "=?" (GMime would decode it). */
static int encoded(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
			return 1;
	return 0;
}

/*
 * A Content-Type value as GMime reads it in its loose mode, for the plain
 * forms only: type/subtype, then "; name=value" with token or quoted
 * values. Returns 0, or -1 for GMime.
 */
static int content_type(const struct mw_hdr *h, struct mw_ct *ct)
{
	const char *p, *e;
	memset(ct, 0, sizeof *ct);
	if (!h) {
		ct->type = "text";
		ct->tlen = 4;
		ct->sub = "plain";
		ct->slen = 5;
		return 0;
	}
	ct->exists = 1;
	p = h->raw;
	e = h->raw + h->rlen;
	if (encoded(p, h->rlen))
		return -1;
/* white space where GMime skips white space and comments: a comment is
 * GMime's to read */
#define SKIP()                                  \
	do {                                        \
		while (p < e && is_lwsp(*p))            \
			p++;                                \
		if (p < e && *p == '(')                 \
			return -1;                          \
	} while (0)
	SKIP();
	for (ct->type = p; p < e && is_tok(*p); p++)
		;
	ct->tlen = (size_t)(p - ct->type);
	SKIP();
	if (!ct->tlen || p >= e || *p++ != '/')
		return -1;
	SKIP();
	for (ct->sub = p; p < e && is_tok(*p); p++)
		;
	ct->slen = (size_t)(p - ct->sub);
	if (!ct->slen || (p < e && !is_lwsp(*p) && *p != ';'))
		return -1;
	SKIP();
	if (p == e)
		return 0;
	if (*p++ != ';')
		return -1;
	for (;;) {
		const char *n, *v, *ve;
		size_t nl;
		const char **slot;
		size_t *slen;
		SKIP();
		if (p == e)
			return 0;
		for (n = p; p < e && is_tok(*p); p++)
			;
		nl = (size_t)(p - n);
		SKIP();
		if (!nl || p >= e || *p++ != '=')
			return -1; /* no name, "name*" (RFC 2231) or no value */
		SKIP();
		if (p < e && *p == '"') {
			v = ++p;
			while (p < e && *p != '"' && *p != '\n' && *p != '\\')
				p++;
			if (p >= e || *p != '"')
				return -1; /* unclosed, folded or with escapes */
			ve = p++;
		} else {
			v = p;
			while (p < e && *p != ';' && *p != '"' && *p != '(' && *p != '\\')
				p++;
			if (p < e && *p != ';')
				return -1;
			ve = p;
			while (ve > v && is_lwsp(ve[-1]))
				ve--;
			if (ve == v || memchr(v, ' ', (size_t)(ve - v)) || memchr(v, '\t', (size_t)(ve - v)) ||
			    memchr(v, '\n', (size_t)(ve - v)))
				return -1;
		}
		slot = NULL;
		slen = NULL;
		if (nl == 8 && !strncasecmp(n, "boundary", 8))
			slot = &ct->boundary, slen = &ct->blen;
		else if (nl == 7 && !strncasecmp(n, "charset", 7))
			slot = &ct->charset, slen = &ct->cslen;
		else if (nl == 11 && !strncasecmp(n, "report-type", 11))
			slot = &ct->rtype, slen = &ct->rtlen;
		if (slot) {
			if (*slot)
				return -1; /* which one GMime takes is its business */
			*slot = v;
			*slen = (size_t)(ve - v);
		}
		SKIP();
		if (p == e)
			return 0;
		if (*p++ != ';')
			return -1;
	}
#undef SKIP
}

static int ct_is(const struct mw_ct *ct, const char *type, const char *sub)
{
	return ct->tlen == strlen(type) && !strncasecmp(ct->type, type, ct->tlen) &&
	       (!sub || (ct->slen == strlen(sub) && !strncasecmp(ct->sub, sub, ct->slen)));
}

/* The Content-Type of the fields hv[h0..h1), or -1 for GMime. */
static int block_type(const struct mw *x, size_t h0, size_t h1, int digest, struct mw_ct *ct)
{
	int dup = 0;
	const struct mw_hdr *h = find(x, h0, h1, "Content-Type", &dup);
	if (dup || (!h && digest))
		return -1;
	return content_type(h, ct);
}

/* ------------------------------------------------------------ decoding */

static const signed char b64rank[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9,
	['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
	['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33,
	['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41,
	['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
	['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* The value of a base64 digit, -1 for anything else. */
static int b64val(unsigned char c)
{
	return b64rank[c] - 1;
}

/*
 * Base64 as GMime 3.2 decodes it: characters outside the alphabet are
 * skipped; the first '=' ends the data (the bytes of an incomplete
 * quartet before it come out, everything after it is ignored); a quartet
 * the input leaves incomplete without a '=' is lost.
 */
size_t bounce_mime_base64(const char *in, size_t len, char *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i, o = 0;
	unsigned saved = 0;
	int n = 0;
	for (i = 0; i < len; i++) {
		int v;
		if (s[i] == '=') {
			if (n == 2) {
				out[o++] = (char)(saved >> 4);
			} else if (n == 3) {
				out[o++] = (char)(saved >> 10);
				out[o++] = (char)(saved >> 2);
			}
			break;
		}
		if ((v = b64val(s[i])) < 0)
			continue;
		saved = (saved << 6) | (unsigned)v;
		if (++n == 4) {
			out[o++] = (char)(saved >> 16);
			out[o++] = (char)(saved >> 8);
			out[o++] = (char)saved;
			n = 0;
			saved = 0;
		}
	}
	return o;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Quoted-printable as GMime decodes it: "=XX" is a byte, "=" before the
 * line end a soft break, any other "=" sequence stays as it is, and a
 * sequence the input cuts is lost. */
size_t bounce_mime_qp(const char *in, size_t len, char *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		const char *eq = memchr(in + i, '=', len - i);
		size_t n = eq ? (size_t)(eq - in) - i : len - i;
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
		if (!eq)
			break;
		if (i + 1 >= len)
			break; /* "=" at the end */
		if (in[i + 1] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= len)
			break; /* "=X" at the end */
		if (hexval((unsigned char)in[i + 1]) >= 0 && hexval((unsigned char)in[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)in[i + 1]) << 4 | hexval((unsigned char)in[i + 2]));
		} else if (!(in[i + 1] == '\r' && in[i + 2] == '\n')) {
			out[o++] = '=';
			out[o++] = in[i + 1];
			out[o++] = in[i + 2];
		}
		i += 3;
	}
	return o;
}

enum { ENC_RAW, ENC_BASE64, ENC_QP };

/* The Content-Transfer-Encoding of the fields hv[h0..h1) as GMime 3.2
 * reads it (g_mime_content_encoding_from_string(): the first word, any
 * case; an unknown one means no decoding), or -1 for GMime. */
static int transfer_encoding(const struct mw *x, size_t h0, size_t h1)
{
	static const struct { const char *name; int enc; } names[] = {
		{ "7bit", ENC_RAW }, { "8bit", ENC_RAW }, { "7-bit", ENC_RAW }, { "8-bit", ENC_RAW },
		{ "binary", ENC_RAW }, { "base64", ENC_BASE64 }, { "quoted-printable", ENC_QP },
		{ "uuencode", -1 }, { "x-uuencode", -1 }, { "x-uue", -1 },
	};
	int dup = 0;
	const struct mw_hdr *h = find(x, h0, h1, "Content-Transfer-Encoding", &dup);
	const char *v, *e, *w;
	size_t i;
	if (dup)
		return -1;
	if (!h)
		return ENC_RAW;
	v = h->raw;
	e = h->raw + h->rlen - 1; /* the last newline */
	if (encoded(v, h->rlen) || memchr(v, '\n', (size_t)(e - v)))
		return -1;
	while (v < e && is_blank(*v))
		v++;
	for (w = v; w < e && !is_blank(*w); w++)
		;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == (size_t)(w - v) && !strncasecmp(v, names[i].name, (size_t)(w - v)))
			return names[i].enc;
	return ENC_RAW;
}

/* Whether a Content-Disposition calls the part an attachment, or -1. */
static int attachment(const struct mw *x, size_t h0, size_t h1)
{
	int dup = 0;
	const struct mw_hdr *h = find(x, h0, h1, "Content-Disposition", &dup);
	const char *semi;
	size_t n;
	if (dup)
		return -1;
	if (!h)
		return 0;
	if (encoded(h->raw, h->rlen))
		return -1;
	semi = memchr(h->raw, ';', h->rlen);
	n = semi ? (size_t)(semi - h->raw) : h->rlen;
	if (memchr(h->raw, '\n', n < h->rlen ? n : h->rlen - 1))
		return -1; /* a folded disposition */
	return bounce_memcasemem(h->raw, n, "attachment") != NULL;
}

/* ------------------------------------------------------------ parts */

static int part(struct mw *x, const char **pp, size_t h0, size_t h1, int toplevel, int digest, int walk);

/* The fields of a message (not Content-*) into h, as GMime's message
 * object holds them. */
static void copy_fields(const struct mw *x, size_t h0, size_t h1, struct bounce_hdrs *h)
{
	size_t i;
	for (i = h0; i < h1; i++)
		if (!is_content(&x->hv[i]))
			bounce_mime_add_header(h, x->hv[i].name, x->hv[i].nlen, x->hv[i].raw, x->hv[i].rlen);
}

/* 1 when the first From field of the message hv[h0..h1) names a
 * mailer-daemon (GMime's decoded value). */
static int from_daemon(const struct mw *x, size_t h0, size_t h1)
{
	size_t i;
	for (i = h0; i < h1; i++) {
		const struct mw_hdr *h = &x->hv[i];
		int r;
		char *v;
		if (!name_is(h, "From"))
			continue;
		if (!encoded(h->raw, h->rlen) && !memchr(h->raw, '\n', h->rlen - 1))
			return bounce_memcasemem(h->raw, h->rlen, "mailer-daemon") != NULL;
		v = bounce_mime_header_text(h->raw, h->rlen);
		r = bounce_contains(v, "mailer-daemon");
		free(v);
		return r;
	}
	return 0;
}

/* A message/rfc822 part: its message (headers, then its own part), which
 * gives the original's headers, or is read as the bounce when it is one
 * forwarded. */
static int message(struct mw *x, const char **pp, int walk)
{
	struct bounce_msg *m = x->w.m;
	const char *p = *pp;
	size_t h0 = x->hn, h1;
	int f, fwd = 0;
	if (x->nmsg >= MW_NEST)
		return B_FAIL; /* messages in messages without end: GMime's */
	if (x->nb) {
		const char *le;
		if (p >= x->end)
			return B_EOS; /* an empty message part */
		le = line_end(x, p);
		f = bnd_check(x, p, (size_t)(le - p));
		if (f != B_NONE)
			return f; /* an empty message part */
		if (le - p >= 2 && p[0] == '-' && p[1] == '-' && le - p > MW_LONGLINE)
			return B_FAIL;
	}
	if (headers(x, &p, 0))
		return B_FAIL;
	h1 = x->hn;
	if (walk) {
		if (!m->has_orig) {
			copy_fields(x, h0, h1, &m->orig);
			m->has_orig = 1;
		}
		/* a forwarded bounce: read the inner message as the bounce */
		if (!m->dsn && m->textlen < 2048 && x->w.depth < 3 && from_daemon(x, h0, h1)) {
			bounce_hdrs_free(&m->orig);
			m->has_orig = 0;
			fwd = 1;
		}
	}
	if (fwd)
		x->w.depth++;
	x->nmsg++;
	f = part(x, &p, h0, h1, 1, 0, fwd);
	x->nmsg--;
	if (fwd)
		x->w.depth--;
	x->hn = h0;
	*pp = p;
	return f;
}

static int multipart(struct mw *x, const char **pp, const struct mw_ct *ct, int walk)
{
	struct bounce_msg *m = x->w.m;
	const char *cs, *ce;
	int f, digest = ct_is(ct, "multipart", "digest");
	if (walk) {
		if (ct_is(ct, "multipart", "report") && !m->report_type)
			m->report_type = ct->rtype ? xstrndup(ct->rtype, ct->rtlen) : xstrdup("");
		m->is_multipart = 1;
	}
	if (!ct->boundary)
		return scan(x, pp, &cs, &ce); /* GMime: all of it is the prologue, no parts */
	if (push(x, ct->boundary, ct->blen))
		return B_FAIL;
	if (walk)
		x->w.depth++;
	f = scan(x, pp, &cs, &ce); /* the prologue */
	while (f == B_IMM) {
		/* a part: past its boundary line, its header block, its body */
		const char *le = line_end(x, *pp);
		size_t h0 = x->hn;
		if (le >= x->end) {
			f = B_EOS;
			*pp = x->end;
			break;
		}
		*pp = le + 1;
		if (headers(x, pp, 0)) {
			f = B_FAIL;
			break;
		}
		f = part(x, pp, h0, x->hn, 0, digest, walk);
		x->hn = h0;
	}
	if (walk)
		x->w.depth--;
	if (f == B_FAIL)
		return B_FAIL;
	if (f == B_IMM_END) {
		/* past the end line, then the epilogue up to a boundary of the
		 * parents */
		const char *le = line_end(x, *pp);
		*pp = le < x->end ? le + 1 : x->end;
		pop(x);
		return scan(x, pp, &cs, &ce);
	}
	pop(x);
	if (f == B_PAR_END || f == B_PAR) {
		/* the part did not end before its parent's boundary: is that
		 * line the parent's own? */
		const char *le = line_end(x, *pp);
		int final = f == B_PAR_END;
		if (x->nb && is_bnd(*pp, (size_t)(le - *pp), x->bnd[x->nb - 1], x->blen[x->nb - 1], final))
			f = final ? B_IMM_END : B_IMM;
	}
	return f;
}

/* A leaf: its body up to the next boundary, decoded and given to the walk
 * when the walk reads parts of its kind. */
static int leaf(struct mw *x, const char **pp, const struct mw_ct *ct, size_t h0, size_t h1, int walk)
{
	char type[32], sub[64], charset[64];
	enum bounce_part kind = BOUNCE_PART_NONE;
	const char *cs, *ce;
	int f, enc = transfer_encoding(x, h0, h1), att = 0;
	if (enc < 0 || ct->tlen >= sizeof type || ct->slen >= sizeof sub || ct->cslen >= sizeof charset)
		return B_FAIL;
	memcpy(type, ct->type, ct->tlen);
	type[ct->tlen] = '\0';
	memcpy(sub, ct->sub, ct->slen);
	sub[ct->slen] = '\0';
	if (walk) {
		kind = bounce_part_kind(type, sub);
		if (kind == BOUNCE_PART_TEXT || kind == BOUNCE_PART_HTML) {
			if ((att = attachment(x, h0, h1)) < 0)
				return B_FAIL;
		}
	}
	f = scan(x, pp, &cs, &ce);
	if (f == B_FAIL || kind == BOUNCE_PART_NONE)
		return f;
	if ((size_t)(ce - cs) > BOUNCE_PART_MAX) {
		if (kind != BOUNCE_PART_DSN)
			return f;
		if (enc != ENC_RAW)
			return B_FAIL; /* GMime decodes it, bounce_walk_leaf() cuts it */
	}
	kind = bounce_walk_take(&x->w, kind, att, (size_t)(ce - cs));
	if (kind == BOUNCE_PART_NONE)
		return f;
	{
		size_t n = (size_t)(ce - cs);
		char *data = xmalloc(n + 1);
		if (enc == ENC_BASE64)
			n = bounce_mime_base64(cs, n, data);
		else if (enc == ENC_QP)
			n = bounce_mime_qp(cs, n, data);
		else
			memcpy(data, cs, n);
		data[n] = '\0';
		if (ct->charset) {
			memcpy(charset, ct->charset, ct->cslen);
			charset[ct->cslen] = '\0';
		}
		bounce_walk_leaf(&x->w, kind, ct->charset ? charset : NULL, data, n);
	}
	return f;
}

/*
 * One part whose header block is hv[h0..h1): a multipart, a message or a
 * leaf. toplevel: the block is a message's, whose part only takes the
 * Content-* fields (which are all that matter here). Returns the B_* that
 * ended it.
 */
static int part(struct mw *x, const char **pp, size_t h0, size_t h1, int toplevel, int digest, int walk)
{
	struct mw_ct ct;
	(void)toplevel;
	if (walk && x->w.depth > BOUNCE_WALK_DEPTH) {
		x->w.m->too_deep = 1;
		walk = 0;
	}
	if (block_type(x, h0, h1, digest, &ct))
		return B_FAIL;
	if (ct_is(&ct, "multipart", NULL))
		return multipart(x, pp, &ct, walk);
	/* a message/rfc822 GMime decodes as a leaf when it is base64 or
	 * quoted-printable, else reads as a message */
	if (ct_is(&ct, "message", "rfc822")) {
		int enc = transfer_encoding(x, h0, h1);
		if (enc < 0)
			return B_FAIL;
		if (enc == ENC_RAW)
			return message(x, pp, walk);
	}
	if (ct_is(&ct, "message", "rfc2822") || ct_is(&ct, "message", "news") || ct_is(&ct, "message", "global"))
		return B_FAIL;
	return leaf(x, pp, &ct, h0, h1, walk);
}

int bounce_msg_parse_fast(struct bounce_msg *m, const char *buf, size_t len)
{
	struct mw x;
	const char *p = buf;
	int f;
	if (memchr(buf, '\r', len) || memchr(buf, '\0', len))
		return 1;
	memset(&x, 0, sizeof x);
	x.buf = buf;
	x.end = buf + len;
	x.w.m = m;
	if (headers(&x, &p, 1))
		goto gmime;
	copy_fields(&x, 0, x.hn, &m->top);
	f = part(&x, &p, 0, x.hn, 1, 0, 1);
	if (f == B_FAIL)
		goto gmime;
	free(x.hv);
	bounce_walk_finish(&x.w, buf, len);
	return 0;
gmime:
	while (x.nb)
		pop(&x);
	free(x.hv);
	free(x.w.html);
	bounce_msg_free(m);
	return 1;
}

/* ------------------------------------------------------------ comparing */

static int diff_str(const char *what, const char *a, size_t alen, const char *b, size_t blen, char *why, size_t whylen)
{
	size_t i;
	if (!a != !b) {
		snprintf(why, whylen, "%s: %s in one, %s in the other", what, a ? "set" : "NULL", b ? "set" : "NULL");
		return 1;
	}
	if (!a)
		return 0;
	if (alen == blen && !memcmp(a, b, alen))
		return 0;
	for (i = 0; i < alen && i < blen && a[i] == b[i]; i++)
		;
	snprintf(why, whylen, "%s: lengths %zu and %zu, first difference at byte %zu: \"%.40s\" and \"%.40s\"", what,
	         alen, blen, i, i < alen ? a + i : "", i < blen ? b + i : "");
	return 1;
}

static int diff_hdrs(const char *what, const struct bounce_hdrs *a, const struct bounce_hdrs *b, char *why,
                     size_t whylen)
{
	size_t i;
	char w[64];
	if (a->n != b->n) {
		snprintf(why, whylen, "%s: %zu fields and %zu fields", what, a->n, b->n);
		return 1;
	}
	for (i = 0; i < a->n; i++) {
		snprintf(w, sizeof w, "%s field %zu name", what, i);
		if (diff_str(w, a->v[i].name, strlen(a->v[i].name), b->v[i].name, strlen(b->v[i].name), why, whylen))
			return 1;
		snprintf(w, sizeof w, "%s field %s", what, a->v[i].name);
		if (diff_str(w, a->v[i].value, strlen(a->v[i].value), b->v[i].value, strlen(b->v[i].value), why,
		             whylen))
			return 1;
	}
	return 0;
}

int bounce_msg_diff(const struct bounce_msg *a, const struct bounce_msg *b, char *why, size_t whylen)
{
	why[0] = '\0';
	if (diff_hdrs("top", &a->top, &b->top, why, whylen) ||
	    diff_str("text", a->text, a->textlen, b->text, b->textlen, why, whylen) ||
	    diff_str("dsn", a->dsn, a->dsnlen, b->dsn, b->dsnlen, why, whylen) ||
	    diff_str("feedback", a->feedback, a->feedbacklen, b->feedback, b->feedbacklen, why, whylen) ||
	    diff_str("report_type", a->report_type, a->report_type ? strlen(a->report_type) : 0, b->report_type,
	             b->report_type ? strlen(b->report_type) : 0, why, whylen) ||
	    diff_str("json", a->json, a->json ? strlen(a->json) : 0, b->json, b->json ? strlen(b->json) : 0, why,
	             whylen))
		return 1;
	if (a->has_orig != b->has_orig) {
		snprintf(why, whylen, "has_orig: %d and %d", a->has_orig, b->has_orig);
		return 1;
	}
	if (diff_hdrs("orig", &a->orig, &b->orig, why, whylen))
		return 1;
	if (a->is_multipart != b->is_multipart) {
		snprintf(why, whylen, "is_multipart: %d and %d", a->is_multipart, b->is_multipart);
		return 1;
	}
	return 0;
}
