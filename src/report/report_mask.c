/*
 * report_mask.c - masking the variable parts of reply texts so that the
 * report can group "550 5.1.1 <anna@example.com>: User unknown" and
 * "550 5.1.1 <paul@example.org>: User unknown" as one text; and grouping
 * VERP senders. The text is cut into segments at white space and brackets;
 * each segment is kept or replaced by a placeholder (see report.h).
 */
#include <stdio.h>
#include <string.h>

#include "report/report.h"

struct mbuf {
	char *p;
	size_t len, cap; /* cap excludes the NUL */
	int full;
};

static void put(struct mbuf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (b->len + n > b->cap) {
		size_t room = b->cap - b->len;
		memcpy(b->p + b->len, s, room);
		b->len += room;
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void putc_(struct mbuf *b, char c)
{
	put(b, &c, 1);
}

static int is_trail(unsigned char c)
{
	return c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?';
}

/* Character classes, one table look-up per byte. */
enum { C_SPACE = 1, C_DELIM = 2, C_CTRL = 4, C_DIGIT = 8, C_ALPHA = 16, C_TRAIL = 32, C_AT = 64 };
/* generated: C_CTRL for bytes < 0x20 and DEL, C_SPACE for white space, C_DELIM for
 * []<>()"',;=, C_TRAIL for .,:;!?, C_DIGIT, C_ALPHA (ASCII letters and every
 * byte >= 0x80), C_AT for @ */
static const unsigned char cls[256] = {
	 4,  4,  4,  4,  4,  4,  4,  4,  4,  5,  5,  5,  5,  5,  4,  4,
	 4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
	 5, 32,  2,  0,  0,  0,  0,  2,  2,  2,  0,  0, 34,  0, 32,  0,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8, 32, 34,  2,  2,  2, 32,
	64, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,  2,  0,  2,  0,  0,
	 0, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,  0,  0,  0,  0,  4,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
};

/* ASCII only, no locale: log text is bytes. */
static int lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int alpha(unsigned char c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static int alnum(unsigned char c)
{
	return alpha(c) || (c >= '0' && c <= '9');
}

/* s[0..n) equals the lower-case w[0..n), ignoring case. */
static int same_ci(const char *s, const char *w, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)w[i]))
			return 0;
	return 1;
}

static int dig(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hexd(unsigned char c)
{
	return dig(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of an IPv4 address at s[0..n), 0 if none. */
static size_t ipv4_len(const char *s, size_t n)
{
	size_t i = 0;
	int part;
	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;
		while (i < n && dig((unsigned char)s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255)
			return 0;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && (dig((unsigned char)s[i]) || s[i] == '.'))
		return 0;
	return i;
}

/* An IPv6 address (hex digits and colons, at least two colons, maybe a
 * trailing IPv4 part, maybe "IPv6:" before it) filling s[0..n). */
static int is_ipv6(const char *s, size_t n)
{
	size_t i = 0, colons = 0, hex = 0;
	if (n > 5 && same_ci(s, "ipv6:", 5))
		i = 5;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ':')
			colons++;
		else if (hexd(c))
			hex++;
		else if (c == '.' && colons >= 2)
			continue;
		else
			return 0;
	}
	return colons >= 2 && hex >= 1;
}

/* hh:mm or hh:mm:ss, with optional fraction and zone, filling s[0..n). */
static int is_time(const char *s, size_t n)
{
	size_t i = 0, d = 0;
	while (i < n && dig((unsigned char)s[i]))
		i++, d++;
	if (d < 1 || d > 2 || i >= n || s[i] != ':')
		return 0;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!dig(c) && c != ':' && c != '.' && c != 'Z' && c != '+' && c != '-')
			return 0;
	}
	return 1;
}

/* yyyy-mm-dd at the start of s[0..n). */
static int is_date(const char *s, size_t n)
{
	return n >= 10 && dig((unsigned char)s[0]) && dig((unsigned char)s[1]) && dig((unsigned char)s[2]) &&
	       dig((unsigned char)s[3]) && (s[4] == '-' || s[4] == '/') && dig((unsigned char)s[5]) &&
	       dig((unsigned char)s[6]) && s[7] == s[4] && dig((unsigned char)s[8]) && dig((unsigned char)s[9]);
}

/* digits '.' digits filling s[0..n) (not "5.7.1": that has two dots). */
static int is_decimal(const char *s, size_t n)
{
	size_t i = 0, a, dots = 0;
	while (i < n && dig((unsigned char)s[i]))
		i++;
	a = i;
	if (!a || i >= n || s[i] != '.')
		return 0;
	for (i++; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (!dig((unsigned char)s[i]))
			return 0;
	}
	return dots == 0 && n > a + 1;
}

/* Copies s[0..n), replacing the domain (case-insensitive) by <domain> and,
 * when url is set, every run of digits by '#'; otherwise runs of 4 digits or
 * more by <n> when numbers is set. */
static void put_plain(struct mbuf *b, const char *s, size_t n, const char *dom, size_t domlen, int url, int numbers)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (domlen && n - i >= domlen && lower(c) == lower((unsigned char)dom[0]) && same_ci(s + i, dom, domlen) &&
		    (i == 0 || (!alnum((unsigned char)s[i - 1]) && s[i - 1] != '.' && s[i - 1] != '-')) &&
		    (i + domlen == n || !alnum((unsigned char)s[i + domlen]))) {
			put(b, "<domain>", 8);
			i += domlen;
			continue;
		}
		if (dig(c) && (url || numbers)) {
			size_t j = i;
			while (j < n && dig((unsigned char)s[j]))
				j++;
			if (url)
				putc_(b, '#');
			else if (j - i >= 4)
				put(b, "<n>", 3);
			else
				put(b, s + i, j - i);
			i = j;
			continue;
		}
		putc_(b, (char)c);
		i++;
	}
}

static void segment(struct mbuf *b, const char *s, size_t n, const char *dom, size_t domlen)
{
	size_t core = n, letters = 0, digits = 0, i, ip;
	int at = 0;

	while (core > 0 && (cls[(unsigned char)s[core - 1]] & C_TRAIL))
		core--;
	if (core == 0) {
		put(b, s, n);
		return;
	}
	for (i = 0; i < core; i++) {
		unsigned char k = cls[(unsigned char)s[i]];
		digits += (k & C_DIGIT) != 0;
		letters += (k & C_ALPHA) != 0;
		at |= (k & C_AT) != 0;
	}
	if (!digits && !at) {
		/* a plain word: the common case */
		if (domlen && core >= domlen)
			put_plain(b, s, core, dom, domlen, 0, 0);
		else
			put(b, s, core);
	} else if (at && core >= 3) {
		put(b, "<address>", 9);
	} else if ((ip = ipv4_len(s, core)) != 0) {
		put(b, "<ip>", 4);
		put_plain(b, s + ip, core - ip, NULL, 0, 0, 1);
	} else if (is_date(s, core)) {
		put(b, "<date>", 6);
	} else if (is_time(s, core)) {
		put(b, "<time>", 6);
	} else if (is_ipv6(s, core)) {
		put(b, "<ip>", 4);
	} else if (letters && digits && (core >= 8 || digits >= 5)) {
		put(b, "<id>", 4);
	} else if (is_decimal(s, core)) {
		put(b, "<n>", 3); /* "0.999 seconds", "785.081 KB/sec" */
	} else {
		put_plain(b, s, core, dom, domlen, 0, letters == 0);
	}
	put(b, s + core, n - core);
}

size_t sc_mask_text(const char *s, size_t n, const char *domain, size_t domlen, char *dst, size_t dstlen)
{
	struct mbuf b;
	size_t i = 0;
	int space = 0;

	if (!dstlen)
		return 0;
	b.p = dst;
	b.len = 0;
	b.cap = dstlen - 1;
	b.full = 0;
	if (!domain || domlen < 4)
		domlen = 0;
	while (i < n && !b.full) {
		unsigned char c = (unsigned char)s[i];
		unsigned char k = cls[c];
		size_t j;
		if (k & C_SPACE) {
			space = 1;
			i++;
			continue;
		}
		if (space && b.len)
			putc_(&b, ' ');
		space = 0;
		if (k & (C_DELIM | C_CTRL)) {
			putc_(&b, k & C_DELIM ? (char)c : '?');
			i++;
			continue;
		}
		j = i;
		if ((c | 32) == 'h' && ((n - i > 7 && same_ci(s + i, "http://", 7)) ||
		                        (n - i > 8 && same_ci(s + i, "https://", 8)))) {
			size_t end;
			while (j < n && !(cls[(unsigned char)s[j]] & C_SPACE) && s[j] != '<' && s[j] != '>' && s[j] != '"' &&
			       s[j] != '\'' && s[j] != ')' && s[j] != ']')
				j++;
			end = j;
			while (end > i && is_trail((unsigned char)s[end - 1]))
				end--;
			put_plain(&b, s + i, end - i, domain, domlen, 1, 0);
			put(&b, s + end, j - end);
		} else {
			while (j < n && !(cls[(unsigned char)s[j]] & (C_SPACE | C_DELIM | C_CTRL)))
				j++;
			segment(&b, s + i, j - i, domain, domlen);
		}
		i = j;
	}
	if (b.full || i < n) {
		size_t keep = b.cap >= 3 ? b.cap - 3 : 0;
		if (b.len > keep)
			b.len = keep;
		/* do not end inside a UTF-8 sequence */
		while (b.len && ((unsigned char)dst[b.len - 1] & 0xc0) == 0x80)
			b.len--;
		if (b.len && ((unsigned char)dst[b.len - 1] & 0xc0) == 0xc0)
			b.len--;
		b.full = 0;
		put(&b, "...", b.cap - b.len < 3 ? b.cap - b.len : 3);
	}
	dst[b.len] = '\0';
	return b.len;
}

size_t sc_mask_sender(const char *s, size_t n, char *dst, size_t dstlen)
{
	size_t i, k = 0;
	int tag = 0;
	const char *at = memchr(s, '@', n);
	size_t atpos = at ? (size_t)(at - s) : n;

	if (!dstlen)
		return 0;
	if (n == 0) {
		snprintf(dst, dstlen, "<>");
		return strlen(dst);
	}
	for (i = 0; i < n && k + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i < atpos && c == '+' && !tag) {
			tag = 1;
			dst[k++] = '+';
			if (k + 1 < dstlen)
				dst[k++] = '*';
			continue;
		}
		if (tag && i < atpos)
			continue;
		if (c < 0x20 || c == 0x7f)
			c = '?';
		dst[k++] = (char)lower(c);
	}
	dst[k] = '\0';
	return k;
}
