/*
 * mask.c - masking the variable parts of a reply text.
 *
 * Replies of one kind differ only in addresses, IP addresses, queue ids,
 * timestamps and tracking tokens. smtpcodes_mask_text() replaces each such
 * part with a '#', so that "550 5.1.1 <ann@example.org>: User unknown" and
 * "550 5.1.1 <bob@example.net>: User unknown" become the same text. The
 * classifier matches its rules against the masked text (these parts carry
 * no evidence) and can therefore reuse the result for every reply of the
 * same shape; reports group reply texts by it. One pass, no allocation.
 *
 * What is masked (docs/RULES.md says the same for rule authors):
 *  - an e-mail address (word characters on both sides of an '@');
 *  - an IPv4 address (four dot-separated numbers) and an IPv6 address
 *    (hex digits with at least two colons and a digit; this takes clock
 *    times such as 10:30:44 too, which vary as much);
 *  - a run of six or more digits;
 *  - a word of eight or more letters and digits holding at least two digits
 *    and one letter (queue ids, message ids, tracking tokens).
 */
#include <stdint.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"

enum { C_OTHER = 0, C_DIGIT = 1, C_ALPHA = 2, C_LOCAL = 4, C_HEX = 8 };

/* character classes: digit, letter, e-mail local-part symbol, hex digit */
#define D (C_DIGIT | C_HEX)
#define H (C_ALPHA | C_HEX)
#define A C_ALPHA
#define L C_LOCAL
static const unsigned char class_table[256] = {
	['%'] = L, ['+'] = L, ['-'] = L, ['.'] = L, ['='] = L, ['_'] = L,
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D, ['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['A'] = H, ['B'] = H, ['C'] = H, ['D'] = H, ['E'] = H, ['F'] = H, ['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A,
	['K'] = A, ['L'] = A, ['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A, ['S'] = A, ['T'] = A,
	['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A, ['Y'] = A, ['Z'] = A,
	['a'] = H, ['b'] = H, ['c'] = H, ['d'] = H, ['e'] = H, ['f'] = H, ['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A,
	['k'] = A, ['l'] = A, ['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A, ['s'] = A, ['t'] = A,
	['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A, ['y'] = A, ['z'] = A,
};
#undef D
#undef H
#undef A
#undef L

static unsigned char cls(unsigned char c)
{
	return class_table[c];
}

static int is_word(unsigned char c)
{
	return (cls(c) & (C_DIGIT | C_ALPHA)) != 0;
}

/* Length of an e-mail address starting at s[i] (i at the start of its
 * local part), or 0. */
static size_t email_at(const char *s, size_t n, size_t i)
{
	size_t j = i, at;
	while (j < n && (cls((unsigned char)s[j]) & (C_DIGIT | C_ALPHA | C_LOCAL)))
		j++;
	if (j == i || j >= n || s[j] != '@')
		return 0;
	at = j++;
	while (j < n && (is_word((unsigned char)s[j]) || s[j] == '.' || s[j] == '-'))
		j++;
	while (j > at + 1 && (s[j - 1] == '.' || s[j - 1] == '-'))
		j--;
	return j > at + 1 ? j - i : 0;
}

/* Length of an IPv4 address at s[i], or 0. */
static size_t ipv4_at(const char *s, size_t n, size_t i)
{
	size_t j = i;
	int part;
	for (part = 0; part < 4; part++) {
		size_t d = 0;
		while (j < n && s[j] >= '0' && s[j] <= '9' && d < 4) {
			j++;
			d++;
		}
		if (d == 0 || d > 3)
			return 0;
		if (part < 3) {
			if (j >= n || s[j] != '.')
				return 0;
			j++;
		}
	}
	if (j < n && (is_word((unsigned char)s[j]) || (s[j] == '.' && j + 1 < n && s[j + 1] >= '0' && s[j + 1] <= '9')))
		return 0; /* part of a longer token, e.g. 4.16.55.1.7 */
	return j - i;
}

/* Length of an IPv6 address at s[i], or 0. */
static size_t ipv6_at(const char *s, size_t n, size_t i)
{
	size_t j = i;
	int colons = 0, digits = 0;
	while (j < n && ((cls((unsigned char)s[j]) & C_HEX) || s[j] == ':' || s[j] == '.')) {
		if (s[j] == ':')
			colons++;
		else if (s[j] >= '0' && s[j] <= '9')
			digits++;
		j++;
	}
	if (colons < 2 || !digits || (j < n && is_word((unsigned char)s[j])))
		return 0;
	while (j > i && s[j - 1] == '.')
		j--;
	return j - i;
}

static int is_token(unsigned char c)
{
	return (cls(c) & (C_DIGIT | C_ALPHA | C_LOCAL)) != 0;
}

/* Appends in[from..to) to out, within the room left. */
static size_t emit(char *out, size_t o, size_t outlen, const char *in, size_t from, size_t to)
{
	size_t n = to - from;
	if (n > outlen - 1 - o)
		n = outlen - 1 - o;
	memcpy(out + o, in + from, n);
	return o + n;
}

/* Index of the next digit or '@' at or after i (len if none). Tests eight
 * bytes at a time for a byte '0'..'9' (the classic "has a byte between m and
 * n" test, exact for ASCII) or '@', and looks closer only then. */
static size_t next_candidate(const unsigned char *u, size_t i, size_t len)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	for (;;) {
		size_t end;
		while (i + 8 <= len) {
			uint64_t w, lo7, digit, at;
			memcpy(&w, u + i, 8);
			lo7 = w & (ones * 0x7f);
			digit = ((ones * (0x7f + '9' + 1)) - lo7) & ~w & (lo7 + ones * (0x7f - ('0' - 1))) & highs;
			at = w ^ (ones * '@');
			if (digit | ((at - ones) & ~at & highs))
				break;
			i += 8;
		}
		end = i + 8 < len ? i + 8 : len;
		for (; i < end; i++)
			if ((cls(u[i]) & C_DIGIT) || u[i] == '@')
				return i;
		if (i >= len)
			return len;
	}
}

/*
 * Only a digit or an '@' can be part of something masked, so the scan jumps
 * from one of those to the next and copies the stretches between them
 * whole. At a digit it looks at the token (letters, digits, ._%+=-) and the
 * word (letters and digits) around it.
 */
size_t smtpcodes_mask_text(const char *in, size_t len, char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)in;
	size_t i = 0, last = 0, o = 0, tok_end = 0, ts = 0, te = 0;
	if (!in || !out || !outlen)
		return 0;
	while (i < len) {
		size_t ws, we, m = 0, digits = 0, k;
		i = next_candidate(u, i, len);
		if (i >= len)
			break;
		if (u[i] == '@' || i >= tok_end) {
			/* a new token around i; an address when followed by '@' */
			for (ts = i; ts > last && is_token(u[ts - 1]); ts--)
				;
			if (u[i] == '@') {
				te = i;
			} else {
				for (te = i; te < len && is_token(u[te]); te++)
					;
			}
			tok_end = te;
			if (te < len && u[te] == '@' && te > ts)
				m = email_at(in, len, ts);
		}
		if (m) {
			o = emit(out, o, outlen, in, last, ts);
			if (o + 1 < outlen)
				out[o++] = '#';
			last = i = ts + m;
			continue;
		}
		if (u[i] == '@') {
			i++;
			continue;
		}
		/* the word around the digit */
		for (ws = i; ws > ts && (cls(u[ws - 1]) & (C_DIGIT | C_ALPHA)); ws--)
			;
		for (we = i; we < len && (cls(u[we]) & (C_DIGIT | C_ALPHA)); we++)
			;
		for (k = ws; k < we; k++)
			digits += cls(u[k]) & C_DIGIT;
		if (we < len && u[we] == ':' && (cls(u[ws]) & C_HEX))
			m = ipv6_at(in, len, ws);
		else if (we < len && u[we] == '.' && digits == we - ws)
			m = ipv4_at(in, len, ws);
		if (!m && ((digits >= 6 && digits == we - ws) || (we - ws >= 8 && digits >= 2 && digits < we - ws)))
			m = we - ws;
		if (m) {
			o = emit(out, o, outlen, in, last, ws);
			if (o + 1 < outlen)
				out[o++] = '#';
			last = i = ws + m;
		} else {
			i = we;
		}
	}
	o = emit(out, o, outlen, in, last, len);
	out[o] = '\0';
	return o;
}
