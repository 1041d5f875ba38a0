/*
 * reply_parse.c - the SMTP reply parser of libsmtpcodes.
 *
 * Turns the text of one reply, as a server sent it or as an MTA logged it,
 * into struct smtpcodes_reply: the reply code, the enhanced status code of
 * RFC 3463 (three integers), and the text of each line. It understands real
 * multi-line replies (RFC 5321 section 4.2.1, CRLF or LF), the one-line form
 * that Postfix logs ("550-5.1.1 a 550-5.1.1 b 550 5.1.1 c"), Exim's literal
 * "\n" between lines, a leading "smtp;" from a DSN Diagnostic-Code, and a
 * bare enhanced code. It never allocates: every span points into the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"
#include "internal.h"

/* What check_bytes() saw, so that splitting can skip its searches. */
#define SEEN_CR 1u
#define SEEN_LF 2u
#define SEEN_BACKSLASH 4u

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Reads 1..3 digits at s[*i]; returns the number or -1. */
static int read_num3(const char *s, size_t len, size_t *i)
{
	int v = 0, n = 0;
	while (*i < len && is_digit(s[*i])) {
		if (++n > 3)
			return -1;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return n ? v : -1;
}

/*
 * Tries to read an enhanced code "c.s.d" at s[0..len); on success stores it
 * and returns the number of bytes it took, else 0. The code must end the
 * text or be followed by a character that cannot continue it.
 */
static size_t scan_enhanced(const char *s, size_t len, struct smtpcodes_enhanced *e)
{
	size_t i = 0;
	int c, sub, det;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	c = s[0] - '0';
	i = 2;
	sub = read_num3(s, len, &i);
	if (sub < 0 || i >= len || s[i] != '.')
		return 0;
	i++;
	det = read_num3(s, len, &i);
	if (det < 0)
		return 0;
	if (i < len && (is_digit(s[i]) || s[i] == '.' || (s[i] >= 'A' && s[i] <= 'Z') ||
	                (s[i] >= 'a' && s[i] <= 'z')))
		return 0;
	e->klass = c;
	e->subject = sub;
	e->detail = det;
	return i;
}

int smtpcodes_enhanced_parse(const char *s, size_t len, struct smtpcodes_enhanced *out)
{
	struct smtpcodes_enhanced e;
	if (!s || !out)
		return SMTPCODES_ERR_ARG;
	if (scan_enhanced(s, len, &e) != len || len == 0)
		return SMTPCODES_ERR_BADCODE;
	*out = e;
	return SMTPCODES_OK;
}

void smtpcodes_enhanced_format(const struct smtpcodes_enhanced *e, char *dst, size_t dstlen)
{
	if (!dst || !dstlen)
		return;
	if (!e || !e->klass) {
		dst[0] = '\0';
		return;
	}
	sc_fmt_int3(dst, dstlen, e->klass, e->subject, e->detail);
}

/*
 * Is s[0..len) the start of a reply line: three digits followed by a space,
 * a hyphen, a tab or the end? Returns the code, else 0; *sep gets the
 * separator (or 0 at the end).
 */
static int line_code(const char *s, size_t len, char *sep)
{
	if (len < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]))
		return 0;
	if (len > 3 && s[3] != ' ' && s[3] != '-' && s[3] != '\t')
		return 0;
	*sep = len > 3 ? s[3] : 0;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* A logical line found while splitting: its bytes, before code parsing. */
struct piece {
	const char *p;
	size_t len;
};

struct splitter {
	struct piece *pieces;
	size_t n, max;
	size_t max_line;
	int err;
};

static void add_piece(struct splitter *sp, const char *p, size_t len)
{
	while (len && is_blank(p[len - 1]))
		len--;
	while (len && is_blank(*p)) {
		p++;
		len--;
	}
	if (!len || sp->err)
		return;
	if (len > sp->max_line) {
		sp->err = SMTPCODES_ERR_TOOLONG;
		return;
	}
	if (sp->n == sp->max) {
		sp->err = SMTPCODES_ERR_TOOMANY;
		return;
	}
	sp->pieces[sp->n].p = p;
	sp->pieces[sp->n].len = len;
	sp->n++;
}

/*
 * Splits one physical line that may hold several logged reply lines: when it
 * starts with "DDD-", every later " DDD-" or " DDD " (same code) starts a new
 * line. Exim's literal "\n" followed by a code also separates lines.
 */
static void split_logged(struct splitter *sp, const char *p, size_t len, unsigned *flags, unsigned seen)
{
	char sep = 0;
	int code = line_code(p, len, &sep);
	size_t start = 0, i;

	/* the common case: one ordinary line */
	if (!(code && sep == '-') && (!(seen & SEEN_BACKSLASH) || !memchr(p, '\\', len))) {
		add_piece(sp, p, len);
		return;
	}

	/* jump from blank to blank (and to backslashes): the candidates */
	const char *bs = memchr(p, '\\', len);
	for (i = 0; i + 1 < len; i++) {
		const char *bl = memchr(p + i, ' ', len - i);
		size_t j;
		if (bs && bs < p + i)
			bs = memchr(p + i, '\\', len - i);
		char s2 = 0;
		if (!bl && !bs)
			break;
		i = (size_t)((bl && (!bs || bl < bs) ? bl : bs) - p);
		if (i + 1 >= len)
			break;
		if (p[i] == '\\') {
			if (p[i + 1] != 'n')
				continue;
			j = i + 2;
			while (j < len && is_blank(p[j]))
				j++;
			if (line_code(p + j, len - j, &s2)) {
				add_piece(sp, p + start, i - start);
				*flags |= SMTPCODES_REPLY_LOGGED_FORM;
				start = j;
				i = j;
			}
			continue;
		}
		if (code && sep == '-' && i + 1 > start + 3 &&
		    line_code(p + i + 1, len - i - 1, &s2) == code && (s2 == '-' || s2 == ' ' || s2 == 0)) {
			add_piece(sp, p + start, i - start);
			*flags |= SMTPCODES_REPLY_LOGGED_FORM;
			start = i + 1;
			sep = s2;
			i = start + 2;
		}
	}
	add_piece(sp, p + start, len - start);
}

/* One pass over the input: rejects control bytes other than TAB, CR and LF,
 * and DEL; tells through *seen whether CR, LF or a backslash occur, so that
 * the splitting below can skip its searches. Eight bytes at a time; a word
 * holding a byte below 0x20, DEL or a backslash is looked at closely. */
static int check_bytes(const char *buf, size_t len, unsigned *seen)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = 0, end;
	*seen = 0;
	for (;;) {
		for (; i + 8 <= len; i += 8) {
			uint64_t w, del, bs;
			memcpy(&w, u + i, 8);
			del = w ^ (ones * 0x7f);
			bs = w ^ (ones * '\\');
			if (((w - ones * 0x20) & ~w & highs) | ((del - ones) & ~del & highs) | ((bs - ones) & ~bs & highs))
				break;
		}
		end = i + 8 < len ? i + 8 : len;
		for (; i < end; i++) {
			unsigned c = u[i];
			if (c == '\r')
				*seen |= SEEN_CR;
			else if (c == '\n')
				*seen |= SEEN_LF;
			else if (c == '\\')
				*seen |= SEEN_BACKSLASH;
			else if ((c < 0x20 && c != '\t') || c == 0x7f)
				return SMTPCODES_ERR_BINARY;
		}
		if (i >= len)
			return SMTPCODES_OK;
	}
}

/* Skips an optional "smtp;" (any case) and blanks at the start. */
static size_t skip_prefix(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && (is_blank(s[i]) || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (len - i >= 5 && (s[i] == 's' || s[i] == 'S') && (s[i + 1] == 'm' || s[i + 1] == 'M') &&
	    (s[i + 2] == 't' || s[i + 2] == 'T') && (s[i + 3] == 'p' || s[i + 3] == 'P') && s[i + 4] == ';') {
		i += 5;
		while (i < len && is_blank(s[i]))
			i++;
	}
	return i;
}

/*
 * Text without a leading code ("Deferred: 450 4.2.0 Mailbox busy", qmail's
 * "... (#4.4.1)"): takes the first enhanced code that stands alone in the
 * text, and a reply code of the same class right before it. Returns 1 when
 * one was found.
 */
static int find_embedded(struct smtpcodes_reply *out)
{
	const char *t = out->raw.ptr;
	size_t n = out->raw.len, i;
	for (i = 0; i + 5 <= n; i++) {
		struct smtpcodes_enhanced e;
		size_t el;
		if (t[i] != '2' && t[i] != '4' && t[i] != '5')
			continue;
		if (i > 0 && (is_digit(t[i - 1]) || t[i - 1] == '.' || ((t[i - 1] | 0x20) >= 'a' && (t[i - 1] | 0x20) <= 'z')))
			continue;
		el = scan_enhanced(t + i, n - i, &e);
		if (!el)
			continue;
		out->enhanced = e;
		out->flags |= SMTPCODES_REPLY_EMBEDDED;
		if (i >= 4 && t[i - 1] == ' ' && is_digit(t[i - 4]) && is_digit(t[i - 3]) && is_digit(t[i - 2]) &&
		    t[i - 4] - '0' == e.klass && (i == 4 || (!is_digit(t[i - 5]) && t[i - 5] != '.')))
			out->code = (t[i - 4] - '0') * 100 + (t[i - 3] - '0') * 10 + (t[i - 2] - '0');
		return 1;
	}
	return 0;
}

int smtpcodes_reply_parse(const char *buf, size_t len, const struct smtpcodes_limits *limits,
                          struct smtpcodes_reply *out)
{
	struct piece pieces[SMTPCODES_MAX_LINES];
	struct splitter sp;
	size_t max_line = SMTPCODES_DEFAULT_MAX_LINE, max_lines = SMTPCODES_DEFAULT_MAX_LINES;
	size_t i, start;
	unsigned seen;
	int rc, first_code = 0;

	if (!out)
		return SMTPCODES_ERR_ARG;
	/* only the header: the line array is filled up to nlines */
	memset(out, 0, offsetof(struct smtpcodes_reply, lines));
	if (!buf)
		return SMTPCODES_ERR_ARG;
	out->text.ptr = buf;
	out->text.len = len;
	out->raw = out->text;
	if (limits && limits->max_line)
		max_line = limits->max_line;
	if (limits && limits->max_lines)
		max_lines = limits->max_lines < SMTPCODES_MAX_LINES ? limits->max_lines : SMTPCODES_MAX_LINES;

	if (len > max_line * max_lines)
		return SMTPCODES_ERR_TOOLONG;
	rc = check_bytes(buf, len, &seen);
	if (rc)
		return rc;

	start = skip_prefix(buf, len);
	while (len > start && (is_blank(buf[len - 1]) || buf[len - 1] == '\r' || buf[len - 1] == '\n'))
		len--;
	if (start >= len)
		return SMTPCODES_ERR_EMPTY;
	out->text.ptr = buf + start;
	out->text.len = len - start;
	out->raw = out->text;

	sp.pieces = pieces;
	sp.n = 0;
	sp.max = max_lines;
	sp.max_line = max_line;
	sp.err = 0;
	if (!(seen & (SEEN_CR | SEEN_LF))) {
		split_logged(&sp, buf + start, len - start, &out->flags, seen);
	} else if (!(seen & SEEN_CR)) {
		/* LF only: let memchr find the line ends */
		while (start <= len) {
			const char *nl = memchr(buf + start, '\n', len - start);
			size_t end = nl ? (size_t)(nl - buf) : len;
			split_logged(&sp, buf + start, end - start, &out->flags, seen);
			start = end + 1;
		}
	} else {
		for (i = start; i <= len; i++) {
			if (i == len || buf[i] == '\n' || buf[i] == '\r') {
				split_logged(&sp, buf + start, i - start, &out->flags, seen);
				if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
					i++;
				start = i + 1;
			}
		}
	}
	if (sp.err)
		return sp.err;
	if (sp.n == 0)
		return SMTPCODES_ERR_EMPTY;

	for (i = 0; i < sp.n; i++) {
		const char *p = pieces[i].p;
		size_t n = pieces[i].len, k = 0;
		char sep = 0;
		int code = line_code(p, n, &sep);
		struct smtpcodes_enhanced e;
		size_t elen;

		if (code) {
			if (code < 200 || code > 599) {
				if (i == 0)
					return SMTPCODES_ERR_BADCODE;
				code = 0; /* a later line that only looks like a code: text */
			}
		}
		if (code) {
			k = 3;
			while (k < n && (is_blank(p[k]) || p[k] == '-'))
				k++;
			if (!first_code)
				first_code = code;
			else if (code != first_code)
				out->flags |= SMTPCODES_REPLY_MIXED_CODES;
			out->code = code;
		} else if (i == 0 && is_digit(p[0]) && !scan_enhanced(p, n, &e)) {
			return SMTPCODES_ERR_BADCODE;
		}
		if (k < n && p[k] == '#')
			k++;
		elen = scan_enhanced(p + k, n - k, &e);
		if (elen) {
			if (!out->enhanced.klass)
				out->enhanced = e;
			k += elen;
			while (k < n && (is_blank(p[k]) || p[k] == ':' || p[k] == ','))
				k++;
		}
		if (i == 0) {
			out->text.len -= (size_t)(p + k - out->text.ptr);
			out->text.ptr = p + k;
		}
		out->lines[out->nlines].ptr = p + k;
		out->lines[out->nlines].len = n - k;
		out->nlines++;
	}
	if (!out->code && !out->enhanced.klass && !find_embedded(out))
		return SMTPCODES_ERR_NOCODE;
	if (!out->code)
		out->flags |= SMTPCODES_REPLY_ENHANCED_ONLY;
	if (out->nlines > 1)
		out->flags |= SMTPCODES_REPLY_MULTILINE;
	if (out->code && out->enhanced.klass) {
		int cc = out->code / 100;
		if ((cc == 2 || cc == 4 || cc == 5) && cc != out->enhanced.klass) {
			out->enhanced_klass_given = out->enhanced.klass;
			out->enhanced.klass = cc;
			out->flags |= SMTPCODES_REPLY_CLASS_MISMATCH;
		}
	}
	return SMTPCODES_OK;
}

size_t smtpcodes_reply_text(const struct smtpcodes_reply *r, char *dst, size_t dstlen)
{
	size_t need = 0, i;
	if (!r)
		return 0;
	for (i = 0; i < r->nlines; i++) {
		const struct smtpcodes_span *l = &r->lines[i];
		if (!l->len)
			continue;
		if (need) {
			if (dst && need + 1 < dstlen)
				dst[need] = ' ';
			need++;
		}
		if (dst && need < dstlen) {
			size_t room = dstlen - 1 - need;
			memcpy(dst + need, l->ptr, l->len < room ? l->len : room);
		}
		need += l->len;
	}
	if (dst && dstlen)
		dst[need < dstlen ? need : dstlen - 1] = '\0';
	return need;
}
