/*
 * out.c - buffered, escaping output (see out.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/out.h"
#include "common/util.h"

#define OUT_CAP (64 * 1024)

void sc_out_init(struct sc_out *o, FILE *f)
{
	o->f = f;
	o->cap = OUT_CAP;
	o->buf = xmalloc(o->cap);
	o->len = 0;
	o->error = 0;
}

void sc_out_flush(struct sc_out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->error = 1;
	o->len = 0;
	if (fflush(o->f))
		o->error = 1;
}

void sc_out_free(struct sc_out *o)
{
	if (!o->buf)
		return;
	sc_out_flush(o);
	free(o->buf);
	o->buf = NULL;
}

void sc_out_put_slow(struct sc_out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
			o->error = 1;
		o->len = 0;
		if (n > o->cap) {
			if (fwrite(s, 1, n, o->f) != n)
				o->error = 1;
			return;
		}
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

void sc_out_int(struct sc_out *o, long long v)
{
	char tmp[24];
	int i = (int)sizeof tmp;
	unsigned long long u = v < 0 ? (unsigned long long)-(v + 1) + 1 : (unsigned long long)v;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	sc_out_put(o, tmp + i, sizeof tmp - (size_t)i);
}

void sc_out_printf(struct sc_out *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sc_out_put(o, tmp, (size_t)n);
	} else {
		char *big = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		sc_out_put(o, big, (size_t)n);
		free(big);
	}
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (need == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0;
	if (need == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0;
	if (need == 4 && s[0] == 0xf0 && s[1] < 0x90)
		return 0;
	if (need == 4 && s[0] == 0xf4 && s[1] >= 0x90)
		return 0;
	return need;
}

/* 1 for the bytes JSON does not take as they are: controls, DEL, '"', '\\'
 * and every byte from 0x80 up (UTF-8 is checked apart). */
static const unsigned char json_special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Length of the run at s[0..n) that JSON takes as it is: printable ASCII
 * but '"' and '\\'. Sixteen bytes at a time where SSE2 is (every x86-64):
 * a signed compare with 0x20 catches the control bytes and every byte
 * from 0x80 up at once; the rest (most fields are shorter than sixteen
 * bytes) four at a time through json_special. */
static size_t json_plain(const unsigned char *s, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, sp), _mm_cmpeq_epi8(x, del)),
		                           _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
		unsigned mask = (unsigned)_mm_movemask_epi8(bad);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	for (; i + 4 <= n; i += 4)
		if (json_special[s[i]] | json_special[s[i + 1]] | json_special[s[i + 2]] | json_special[s[i + 3]])
			break;
	for (; i < n; i++)
		if (json_special[s[i]])
			break;
	return i;
}

void sc_out_json_str(struct sc_out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	if (!s) {
		sc_out_put(o, "null", 4);
		return;
	}
	sc_out_char(o, '"');
	while (i < n) {
		unsigned char c;
		size_t ul, k = json_plain(p + i, n - i);
		i += k;
		run += k;
		if (i == n)
			break;
		c = p[i];
		sc_out_put(o, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sc_out_put(o, e, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			if (c == '\n')
				sc_out_put(o, "\\n", 2);
			else if (c == '\t')
				sc_out_put(o, "\\t", 2);
			else if (c == '\r')
				sc_out_put(o, "\\r", 2);
			else
				sc_out_put(o, e, 6);
			i++;
		} else if ((ul = utf8_len(p + i, n - i)) != 0) {
			sc_out_put(o, s + i, ul);
			i += ul;
		} else {
			sc_out_put(o, "\\ufffd", 6);
			i++;
		}
	}
	sc_out_put(o, s + i - run, run);
	sc_out_char(o, '"');
}

void sc_out_json_cstr(struct sc_out *o, const char *s)
{
	sc_out_json_str(o, s, s ? strlen(s) : 0);
}

/* Index of the first control byte (< 0x20 or 0x7f) in s[0..n), or n;
 * eight bytes at a time. */
static size_t find_control(const char *s, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w, del;
		memcpy(&w, s + i, 8);
		del = w ^ (ones * 0x7f);
		if (((w - ones * 0x20) & ~w & highs) | ((del - ones) & ~del & highs))
			break;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return i;
	return n;
}

void sc_out_tsv(struct sc_out *o, const char *s, size_t n)
{
	size_t i, start = 0;
	for (i = find_control(s, n); i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			sc_out_put(o, s + start, i - start);
			sc_out_char(o, c == '\t' || c == '\n' || c == '\r' ? ' ' : '?');
			start = i + 1;
		}
	}
	sc_out_put(o, s + start, n - start);
}

void sc_out_term(struct sc_out *o, const char *s, size_t n)
{
	size_t i, k, start = 0, ul;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		ul = 1;
		if (c >= 0x80) {
			ul = utf8_len((const unsigned char *)s + i, n - i);
			/* a whole UTF-8 character goes as it is, unless it is a C1
			 * control (U+0080 to U+009F); a byte outside UTF-8 is
			 * escaped when it is a C1 control itself */
			if (ul > 1 && !(c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)) {
				i += ul - 1;
				continue;
			}
			if (ul == 0 && c >= 0xa0)
				continue;
			ul = ul ? ul : 1;
		} else if ((c >= 0x20 && c != 0x7f) || c == '\t') {
			continue;
		}
		/* C0 controls, DEL, C1 controls */
		sc_out_put(o, s + start, i - start);
		for (k = 0; k < ul; k++)
			sc_out_printf(o, "\\x%02x", (unsigned char)s[i + k]);
		i += ul - 1;
		start = i + 1;
	}
	sc_out_put(o, s + start, n - start);
}

void sc_out_html(struct sc_out *o, const char *s, size_t n)
{
	size_t i, start = 0;
	for (i = 0; i < n; i++) {
		const char *rep = NULL;
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				rep = "";
		}
		if (rep) {
			sc_out_put(o, s + start, i - start);
			sc_out_str(o, rep);
			start = i + 1;
		}
	}
	sc_out_put(o, s + start, n - start);
}

/* Display width of a UTF-8 string piece: counts code points. */
static size_t width_of(const char *s, size_t n)
{
	size_t w = 0, i;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

void sc_out_wrap(struct sc_out *o, const char *text, size_t indent, size_t width)
{
	size_t col = indent;
	const char *p = text;
	int first = 1;
	if (width <= indent + 10)
		width = indent + 40;
	while (*p) {
		const char *w = p;
		size_t wl, ww;
		while (*p && *p != ' ')
			p++;
		wl = (size_t)(p - w);
		ww = width_of(w, wl);
		if (!first && col + 1 + ww > width) {
			size_t k;
			sc_out_char(o, '\n');
			for (k = 0; k < indent; k++)
				sc_out_char(o, ' ');
			col = indent;
		} else if (!first) {
			sc_out_char(o, ' ');
			col++;
		}
		sc_out_term(o, w, wl);
		col += ww;
		first = 0;
		while (*p == ' ')
			p++;
	}
}
