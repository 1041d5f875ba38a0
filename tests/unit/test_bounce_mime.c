/*
 * test_bounce_mime.c - the fast MIME walk (bounce_mimewalk.c) against the
 * GMime walk (bounce_mime.c): both must make the same struct bounce_msg of
 * every message the fast one accepts. Checked here: its base64 and
 * quoted-printable decoders against GMime's own step functions on random
 * input cut at random places; canonical dates against GMime's reading;
 * every golden bounce input and every input of the fuzz corpus (where the
 * differences the fuzzer finds stay); a table of shapes of our own
 * (nesting, encodings, charsets, broken structure, CR LF), each with
 * whether the fast walk must take it or leave it to GMime; random edits of
 * a report; header values against a byte-at-a-time model; and, when BOUNCE_MIME_CORPUS names a folder, every file in it
 * (a corpus check outside the suite:
 * BOUNCE_MIME_CORPUS=../shared/corpus/sisimai/maildir/bsd).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <gmime/gmime.h>
#pragma GCC diagnostic pop

#include "bounce/bounce.h"
#include "bounce/bounce_mime.h"
#include "bounce_setup.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* ---------------------------------------------------------------- decoders */

/* A header value as bounce_mime_add_header() must make it, one byte at a
 * time: GMime's text when the raw value has an 8-bit byte or "=?", else
 * the value unfolded (CR and LF dropped, tabs to spaces) and trimmed. */
static char *naive_header(const char *raw, size_t len)
{
	size_t i, k = 0, o = 0;
	char *v;
	for (i = 0; i < len; i++)
		if ((unsigned char)raw[i] >= 0x80 || (raw[i] == '=' && i + 1 < len && raw[i + 1] == '?'))
			return bounce_mime_header_text(raw, len);
	while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r' || raw[len - 1] == ' '))
		len--;
	while (k < len && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\r' || raw[k] == '\n'))
		k++;
	v = malloc(len - k + 1);
	for (; k < len; k++)
		if (raw[k] != '\r' && raw[k] != '\n')
			v[o++] = raw[k] == '\t' ? ' ' : raw[k];
	v[o] = '\0';
	return v;
}

/* Header values (the unfolding and the test for decoding, which work on
 * sixteen and eight bytes at a time) against the byte-at-a-time model:
 * random values of every length up to 90 from the bytes that matter, the
 * value at the end of its buffer so a read past it shows under ASan; three
 * to a list, so a value cut down after its sixteen-byte stores that spoiled
 * its neighbour's name or value shows too. */
static void test_header_values(void **state)
{
	static const char alphabet[] = { 'a', 'B', ' ', ' ', '\t', '\r', '\n', '=', '?', ':', '\xe9' };
	static const char *const names[] = { "X-Name", "Subject", "A" };
	size_t round, len, i, j;
	(void)state;
	for (round = 0; round < 20000; round++) {
		struct bounce_hdrs h;
		char *raw[3], *want[3];
		memset(&h, 0, sizeof h);
		for (j = 0; j < 3; j++) {
			len = rnd(91);
			raw[j] = malloc(len ? len : 1);
			for (i = 0; i < len; i++)
				raw[j][i] = alphabet[rnd(rnd(4) ? 8 : sizeof alphabet)]; /* mostly plain bytes */
			bounce_mime_add_header(&h, names[j], strlen(names[j]), raw[j], len);
			want[j] = naive_header(raw[j], len);
		}
		assert_int_equal((int)h.n, 3);
		for (j = 0; j < 3; j++) {
			assert_string_equal(h.v[j].name, names[j]);
			if (strcmp(h.v[j].value, want[j])) {
				print_error("round %zu, value %zu: got \"%s\", want \"%s\"\n", round, j, h.v[j].value,
				            want[j]);
				fail();
			}
			free(want[j]);
			free(raw[j]);
		}
		bounce_hdrs_free(&h);
	}
}

/* The Latin-1 and Latin-9 tables against iconv (through GLib, as the walk
 * converted before): every byte, alone and all 256 in one text. */
static void test_latin(void **state)
{
	static const char *const names[] = { "ISO-8859-1", "ISO-8859-15" };
	char all[256];
	int cs, c;
	(void)state;
	for (c = 0; c < 256; c++)
		all[c] = (char)c;
	for (cs = 0; cs < 2; cs++) {
		for (c = 0; c <= 256; c++) {
			const char *in = c < 256 ? all + c : all;
			size_t n = c < 256 ? 1 : 256, got_len = 0;
			gsize want_len = 0;
			char *got = bounce_latin_to_utf8(in, n, cs, &got_len);
			gchar *want = g_convert(in, (gssize)n, "UTF-8", names[cs], NULL, &want_len, NULL);
			assert_non_null(want);
			if (got_len != want_len || memcmp(got, want, got_len) || got[got_len]) {
				print_error("%s byte %d: got %zu bytes, want %zu\n", names[cs], c, got_len, (size_t)want_len);
				fail();
			}
			free(got);
			g_free(want);
		}
	}
}

/* bounce_charset_same() against iconv (through GLib, as the walk converts):
 * random texts from the bytes that take a 7-bit charset out of ASCII (ESC
 * sequences, '+' shifts, SO and SI) and some 8-bit ones, in charsets it
 * knows and some it must not claim; wherever it says "the same", the
 * conversion must give the text back or fail (then the walk keeps the text
 * as it is). Each charset it knows must say both answers some time. */
static void test_charset_same(void **state)
{
	static const char alphabet[] = { 'a', 'Z', ' ', '-', '~', '\\', '$', 'B', '(', '+', '\x1b', '\x0e', '\x0f',
		                         '\n', '\0', '\x80', '\xe9' };
	static const struct {
		const char *cs;
		int known;
	} sets[] = {
		{ "iso-2022-jp", 1 }, { "ISO-2022-JP-2", 1 }, { "utf-7", 1 },       { "unicode-1-1-utf-7", 1 },
		{ "windows-1252", 1 }, { "iso-8859-2", 1 },    { "cp1251", 1 },      { "shift_jis", 0 },
		{ "iso-2022-kr", 0 },  { "euc-jp", 0 },        { "utf-16", 0 },      { "iso-2022-cn", 0 },
	};
	size_t round, len, i, c;
	unsigned same[sizeof sets / sizeof sets[0]] = { 0 };
	char text[40];
	(void)state;
	bounce_mime_ready(); /* GMime's charset names */
	for (round = 0; round < 3000; round++) {
		len = rnd(sizeof text + 1);
		for (i = 0; i < len; i++)
			text[i] = alphabet[rnd(rnd(3) ? 9 : sizeof alphabet)]; /* mostly plain bytes */
		for (c = 0; c < sizeof sets / sizeof sets[0]; c++) {
			gsize olen = 0;
			gchar *conv;
			if (!bounce_charset_same(sets[c].cs, text, len))
				continue;
			same[c]++;
			conv = g_convert_with_fallback(text, (gssize)len, "UTF-8", g_mime_charset_iconv_name(sets[c].cs),
			                               "?", NULL, &olen, NULL);
			if (conv && (olen != len || memcmp(conv, text, len))) {
				print_error("%s, round %zu: \"the same\", but %zu bytes become %zu\n", sets[c].cs, round, len,
				            (size_t)olen);
				fail();
			}
			g_free(conv);
		}
	}
	for (c = 0; c < sizeof sets / sizeof sets[0]; c++)
		if (sets[c].known ? !same[c] || same[c] == 3000 : same[c] != 0) {
			print_error("%s: \"the same\" %u times in 3000\n", sets[c].cs, same[c]);
			fail();
		}
}

static void test_base64(void **state)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int round;
	(void)state;
	bounce_mime_ready();
	for (round = 0; round < 3000; round++) {
		size_t len = rnd(round < 2000 ? 300 : 13000), i, got, want = 0, off;
		char *in = malloc(len + 1), *a = malloc(len + 8), *b = malloc(len + 8);
		int st = 0;
		guint32 save = 0;
		for (i = 0; i < len; i++) {
			unsigned k = rnd(100);
			in[i] = k < 90 ? alpha[rnd(64)] : k < 91 ? '=' : k < 96 ? '\n' : k < 98 ? ' ' : (char)rnd(256);
		}
		/* well-formed endings are the common case: make some */
		if (len > 8 && rnd(2))
			memcpy(in + len - 3 - rnd(3), "==\n", 3);
		got = bounce_mime_base64(in, len, a);
		/* GMime's steps, cut anywhere: its state carries over */
		for (off = 0; off < len;) {
			size_t n = 1 + rnd((unsigned)(len - off));
			want += g_mime_encoding_base64_decode_step((const unsigned char *)in + off, n,
			                                           (unsigned char *)b + want, &st, &save);
			off += n;
		}
		want += g_mime_encoding_base64_decode_step(NULL, 0, (unsigned char *)b + want, &st, &save);
		if (got != want || memcmp(a, b, got)) {
			print_error("base64 round %d (%zu bytes): got %zu bytes, want %zu\n", round, len, got, want);
			fail();
		}
		free(in);
		free(a);
		free(b);
	}
}

static void test_qp(void **state)
{
	static const char chars[] = "=0123456789ABCDEFabcdefXYZ \n\t\r";
	int round;
	(void)state;
	for (round = 0; round < 3000; round++) {
		size_t len = rnd(400), i, got, want = 0, off = 0;
		char *in = malloc(len + 1), *a = malloc(len * 3 + 8), *b = malloc(len * 3 + 8);
		int st = 0;
		guint32 save = 0;
		for (i = 0; i < len; i++)
			in[i] = rnd(10) ? chars[rnd(sizeof chars - 1)] : (char)rnd(256);
		got = bounce_mime_qp(in, len, a);
		/* GMime's steps, cut anywhere: its state carries over */
		while (off < len) {
			size_t n = 1 + rnd((unsigned)(len - off));
			want += g_mime_encoding_quoted_decode_step((const unsigned char *)in + off, n,
			                                           (unsigned char *)b + want, &st, &save);
			off += n;
		}
		if (got != want || memcmp(a, b, got)) {
			print_error("qp round %d (%zu bytes): got %zu bytes \"%.*s\", want %zu \"%.*s\"\n", round, len,
			            got, (int)got, a, want, (int)want, b);
			fail();
		}
		free(in);
		free(a);
		free(b);
	}
}

/* Dates: the canonical form bounce_parse_date() reads itself must give
 * what GMime gives, and everything else goes to GMime. */
static void test_dates(void **state)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const day[] = { "Mon, ", "Tue, ", "Sun, ", "", "mon, ", "Xyz, " };
	static const char *const tail[] = { "", " (CET)", " extra", "  (x)", "\t(y)" };
	static const char *const odd[] = {
		"Mon, 23 Nov 2026 01:02:03 GMT", "Mon, 23 Nov 26 01:02:03 +0100", "Mon, 23 Nov 2026 1:2:3 +0100",
		"Mon,23 Nov 2026 01:02:03 +0100", "Mon, 30 Feb 2026 01:02:03 +0100", "Mon, 23 Nov 2026 01:02:60 +0100",
		"Mon, 23 Nov 2026 01:02:03 +0160", "Mon, 23 Nov 2026 01:02:03 +2500", "Tue, 29 Feb 1900 12:00:00 +0000",
		"Tue, 29 Feb 2000 12:00:00 +0000", "Thu, 1 Jan 1970 00:00:00 +0100", "00 Jan 2020 00:00:00 +0000",
		"32 Jan 2020 00:00:00 +0000", "1 Jan 1899 00:00:00 +0000", "Thu, 31 Dec 9999 23:59:59 -1459", "", "garbage",
		/* cut short: nothing may be read past the end */
		"Mon, 1", "Mon, 12 ", "1 Jan", "12 Jan 2020", "12 Jan 2020 00:00:00", "12 Jan 2020 00:00:00 +00", "Mon,",
	};
	int round;
	size_t i;
	(void)state;
	for (round = 0; round < 20000; round++) {
		char s[96];
		int d = 1 + (int)rnd(31), y = 1890 + (int)rnd(300);
		snprintf(s, sizeof s, "%s%d %s %04d %02u:%02u:%02u %c%02u%02u%s", day[rnd(6)], d, mon[rnd(12)], y, rnd(25),
		         rnd(61), rnd(61), rnd(2) ? '+' : '-', rnd(16), rnd(61), tail[rnd(5)]);
		if (bounce_parse_date(s) != bounce_parse_date_gmime(s)) {
			print_error("\"%s\": got %lld, want %lld\n", s, (long long)bounce_parse_date(s),
			            (long long)bounce_parse_date_gmime(s));
			fail();
		}
	}
	for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		char *h = strdup(odd[i]); /* on the heap, so ASan sees a read past its end */
		if (bounce_parse_date(h) != bounce_parse_date_gmime(h)) {
			print_error("\"%s\": got %lld, want %lld\n", h, (long long)bounce_parse_date(h),
			            (long long)bounce_parse_date_gmime(h));
			fail();
		}
		free(h);
	}
}

/* ---------------------------------------------------------------- messages */

/* Reads msg[0..len) with both walks: returns 1 when the fast one took it,
 * 0 when it left it to GMime; fails the test when the two differ. */
static int same(const char *name, const char *msg, size_t len)
{
	struct bounce_msg a, b;
	char why[256];
	int ra, rb, fast;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	ra = bounce_msg_parse_fast(&a, msg, len);
	fast = ra == 0;
	if (ra == 1) {
		/* left to GMime: nothing may be left behind */
		struct bounce_msg zero;
		memset(&zero, 0, sizeof zero);
		if (memcmp(&a, &zero, sizeof a)) {
			print_error("%s: the fast walk left a half-filled message\n", name);
			fail();
		}
		ra = bounce_msg_parse_gmime(&a, msg, len);
	}
	rb = bounce_msg_parse_gmime(&b, msg, len);
	if (ra != rb) {
		print_error("%s: returns %d and %d\n", name, ra, rb);
		fail();
	}
	if (bounce_msg_diff(&a, &b, why, sizeof why)) {
		print_error("%s: fast walk and GMime differ: %s\n", name, why);
		fail();
	}
	bounce_msg_free(&a);
	bounce_msg_free(&b);
	return fast;
}

/* CR LF and lone CR to LF, as the program does before it parses. */
static size_t to_lf(char *b, size_t n)
{
	size_t i, o = 0;
	for (i = 0; i < n; i++) {
		if (b[i] == '\r') {
			if (i + 1 < n && b[i + 1] == '\n')
				continue;
			b[o++] = '\n';
		} else {
			b[o++] = b[i];
		}
	}
	return o;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

/* Every message of one file (an mbox is cut at its "From " lines), as read
 * and with LF line ends; counts into *n and *fast. */
static void check_file(const char *path, int *n, int *fast)
{
	size_t len;
	char *b = slurp(path, &len);
	char *p, *e;
	if (!b)
		return;
	same(path, b, len); /* as it came: CR LF goes to GMime */
	len = to_lf(b, len);
	e = b + len;
	p = b;
	if (len >= 5 && !memcmp(b, "From ", 5)) {
		while (p < e) {
			char *start = memchr(p, '\n', (size_t)(e - p)), *f;
			start = start ? start + 1 : e;
			for (f = start; (f = memchr(f, '\n', (size_t)(e - f))) != NULL; f++)
				if (f + 6 <= e && !memcmp(f + 1, "From ", 5) && f > start && f[-1] == '\n')
					break;
			f = f ? f + 1 : e;
			(*n)++;
			*fast += same(path, start, (size_t)(f - start));
			p = f;
		}
	} else {
		(*n)++;
		*fast += same(path, b, len);
	}
	free(b);
}

static void check_dir(const char *dir, int depth, int *n, int *fast)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 4)
			check_dir(path, depth + 1, n, fast);
		else if (S_ISREG(st.st_mode) && (depth > 0 || strstr(de->d_name, ".in")))
			check_file(path, n, fast);
	}
	closedir(d);
}

static void test_goldens(void **state)
{
	int n = 0, fast = 0, fn = 0, ffast = 0;
	(void)state;
	check_dir("tests/golden/bounces", 0, &n, &fast);
	printf("golden inputs: %d messages, %d read by the fast walk\n", n, fast);
	/* the fuzz seeds and the inputs the fuzzer found the walks to differ on */
	check_dir("tests/fuzz/corpus/bounce_mime", 1, &fn, &ffast);
	printf("fuzz corpus: %d messages, %d read by the fast walk\n", fn, ffast);
	assert_true(fn > 50);
	assert_true(n > 50);
	/* the fast walk must take the common shapes, not leave all to GMime */
	if (fast * 10 < n * 6) {
		print_error("only %d of %d golden messages went the fast way\n", fast, n);
		fail();
	}
}

static void test_corpus(void **state)
{
	const char *dir = getenv("BOUNCE_MIME_CORPUS");
	int n = 0, fast = 0;
	(void)state;
	if (!dir || !*dir) {
		skip();
		return;
	}
	check_dir(dir, 1, &n, &fast);
	printf("%s: %d messages, %d read by the fast walk\n", dir, n, fast);
	assert_true(n > 0);
}

/* Shapes of our own: the message, and whether the fast walk takes it. */
static const struct {
	const char *name;
	int fast;
	const char *msg;
} shapes[] = {
	{ "plain", 1, "From: a@example.org\nSubject: hi\n\nhello\n" },
	{ "no body", 1, "From: a@example.org\n\n" },
	{ "folded and tabbed", 1, "From: a@example.org\nSubject: one\n\ttwo\n   three\nX: \t y \n\nbody\n" },
	{ "encoded word", 1, "From: a@example.org\nSubject: =?utf-8?q?caf=C3=A9?= ok\n\nbody\n" },
	{ "8-bit header", 1, "From: a@example.org\nSubject: caf\xc3\xa9\n\nbody\n" },
	{ "latin1 header", 1, "From: a@example.org\nSubject: caf\xe9\n\nbody\n" },
	{ "mbox From line", 1, "From a@example.org Mon Jan  1 00:00:00 2024\nFrom: a@example.org\n\nbody\n" },
	{ "junk first line", 0, "This is not a header\nFrom: a@example.org\n\nbody\n" },
	{ "junk after a field", 1, "From: a@example.org\nnot a field\n still junk\nTo: b@example.org\n\nbody\n" },
	{ "space before colon", 1, "From : a@example.org\nSubject\t: x\n\nbody\n" },
	{ "nameless field", 0, "From: a@example.org\n: x\n\nbody\n" },
	{ "headers cut by the end", 0, "From: a@example.org\nSubject: x" },
	{ "CR LF", 0, "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n" },
	{ "NUL", 0, "From: a@example.org\n\nbo\0dy\n" },
	{ "report",
	  1,
	  "From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: Undelivered Mail\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"B1\"\n\n"
	  "This is a MIME message.\n\n--B1\nContent-Type: text/plain; charset=us-ascii\n\n"
	  "This is the mail system at host mx.example.net.\n\n--B1\n"
	  "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
	  "Final-Recipient: rfc822; z@example.org\nAction: failed\nStatus: 5.1.1\n\n--B1\n"
	  "Content-Type: text/rfc822-headers\n\nFrom: s@example.com\nTo: z@example.org\nSubject: =?utf-8?b?aMOpbGxv?=\n\n"
	  "--B1--\nepilogue\n" },
	{ "nested multiparts",
	  1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=outer\n\n--outer\n"
	  "Content-Type: multipart/alternative; boundary=\"inner\"\n\n--inner\nContent-Type: text/plain\n\nplain text\n"
	  "--inner\nContent-Type: text/html\n\n<p>html&amp;text</p>\n--inner--\n\n--outer\n"
	  "Content-Type: message/rfc822\n\nFrom: o@example.org\nSubject: original\n\nthe original body\n--outer--\n" },
	{ "inner not closed",
	  1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=outer\n\n--outer\n"
	  "Content-Type: multipart/alternative; boundary=inner\n\n--inner\nContent-Type: text/plain\n\nfirst\n"
	  "--outer\nContent-Type: text/plain\n\nsecond\n--outer--\n" },
	{ "base64 text",
	  1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; "
	  "charset=utf-8\nContent-Transfer-Encoding: base64\n\nVGhpcyBtZXNzYWdlIGNvdWxkIG5vdCBiZSBkZWxpdmVyZWQu\nCg==\n--b--\n" },
	{ "quoted-printable latin1",
	  1,
	  "From: a@example.org\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: "
	  "Quoted-Printable\n\nUnzustellbar: Empf=E4nger unbekannt =\nsoft break, =ZZ odd, end =" },
	{ "windows-1252", 1,
	  "From: a@example.org\nContent-Type: text/plain; charset=\"windows-1252\"\n\nsmart \x93quotes\x94 \x80\n" },
	{ "iso-2022-jp", 1,
	  "From: a@example.org\nContent-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B$3$s$K$A$O\x1b(B\n" },
	{ "unknown charset", 1, "From: a@example.org\nContent-Type: text/plain; charset=x-nonesuch\n\nbody \xff\n" },
	{ "unknown encoding", 1,
	  "From: a@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: x-foo\n\n=41=42 kept\n" },
	{ "uuencode", 0, "From: a@example.org\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n`\nend\n" },
	{ "missing boundary", 1, "From: a@example.org\nContent-Type: multipart/mixed\n\n--b\n\ntext\n--b--\n" },
	{ "missing inner boundary", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative;\n"
	  "boundary=c\n\n--c\n\nlost\n--b\n\nfound\n--b--\n" },
	{ "boundary with parentheses", 1,
	  "From: a@example.org\nContent-type: multipart/report;\n BOUNDARY=\"Boundary_(ID_x+y/z)\"; report-type=x\n\n"
	  "--Boundary_(ID_x+y/z)\n\ntext\n--Boundary_(ID_x+y/z)--\n" },
	{ "boundary never comes",
	  1,
	  "From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; boundary=\"zz\"\n\n--b\nContent-Type: "
	  "text/plain\n\nbody\n\nFinal-Recipient: rfc822; x@example.org\nStatus: 5.0.0\n" },
	{ "empty parts", 1, "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n--b\n\n\n--b--" },
	{ "end boundary without newline", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\ntext\n--b--" },
	{ "boundary with trailing blanks", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b  \n\ntext\n--b-- \t\nafter\n" },
	{ "boundary-like lines", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n--bx\n--b-x\n---b\ntext\n--b--\n" },
	{ "boundary in a header block", 0,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b--\n" },
	{ "long line with boundary", 0,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx--b\n--b--\n" },
	{ "rfc2231 parameter", 0, "From: a@example.org\nContent-Type: text/plain; charset*=utf-8''x\n\nbody\n" },
	{ "comment in content type", 0, "From: a@example.org\nContent-Type: text/plain (comment)\n\nbody\n" },
	{ "no content type subtype", 0, "From: a@example.org\nContent-Type: text\n\nbody\n" },
	{ "two content types", 0,
	  "From: a@example.org\nContent-Type: text/html\nContent-Type: text/plain\n\nbody\n" },
	{ "duplicate parameter", 0,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=a; boundary=b\n\n--a\n\nx\n--a--\n" },
	{ "unquoted boundary with =", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed;\n boundary=----=_Part_1_2.3\n\n------=_Part_1_2.3\n\n"
	  "text\n------=_Part_1_2.3--\n" },
	{ "attachment after text", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst text\n--b\n"
	  "Content-Type: text/plain\nContent-Disposition: attachment; filename=x.txt\n\nattached text\n--b--\n" },
	{ "header file after text", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst text\n--b\n"
	  "Content-Type: text/plain; name=h.txt\nContent-Disposition: attachment; filename=h.txt\n\n"
	  "Received: from x\nFrom: s@example.com\nSubject: hi\nMessage-ID: <1@example.com>\n\n--b--\n" },
	{ "message/partial", 1,
	  "From: a@example.org\nContent-Type: multipart/report; boundary=b\n\n--b\n\ntext\n--b\n"
	  "Content-Type: message/partial; number=1; total=2; id=\"x@y\"\n\n"
	  "From: s@example.com\nSubject: part one\nMessage-ID: <2@example.com>\n\nbody\n--b--\n" },
	{ "forwarded bounce",
	  1,
	  "From: user@example.org\nSubject: Fwd: failure\nContent-Type: multipart/mixed; boundary=f\n\n--f\n"
	  "Content-Type: message/rfc822\n\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@example.net>\nSubject: failure\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\n\nnot delivered\n--r\n"
	  "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; x@example.org\nStatus: 5.1.1\n\n--r--\n"
	  "--f--\n" },
	{ "message/rfc822 base64", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n"
	  "Content-Transfer-Encoding: base64\n\nRnJvbTogeEB5Cgp4Cg==\n--b--\n" },
	{ "top message/rfc822 quoted-printable", 1,
	  "From: a@example.org\nContent-Type: message/rfc822\nContent-Transfer-Encoding: Quoted-Printable ; x\n\n"
	  "From: x@y=\n.z\nSubject: =41\n\nbody\n" },
	{ "encoding with a trailing word", 1,
	  "From: a@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: base64 (odd)\n\naGVsbG8=\n" },
	{ "encoding glued to junk", 1,
	  "From: a@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: base64;\n\naGVsbG8=\n" },
	{ "empty message/rfc822", 1,
	  "From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\n"
	  "--b--\n" },
	{ "digest", 0,
	  "From: a@example.org\nContent-Type: multipart/digest; boundary=b\n\n--b\n\nFrom: x@y\n\nz\n--b--\n" },
	{ "feedback report",
	  1,
	  "From: abuse@example.net\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\n\n--b\n"
	  "Content-Type: text/plain\n\nA complaint.\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: "
	  "abuse\n\n--b\nContent-Type: text/rfc822-headers\n\nFrom: s@example.com\n--b--\n" },
	{ "json", 1, "From: a@example.org\nContent-Type: application/json\n\n{\"notificationType\":\"Bounce\"}\n" },
	{ "html only", 1,
	  "From: a@example.org\nContent-Type: text/html\n\n<html><style>x{}</style><div>Delivery failed</div>&lt;a&gt;\n" },
};

static void test_shapes(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		size_t len = strlen(shapes[i].msg);
		int fast;
		if (!strcmp(shapes[i].name, "NUL"))
			len = 27; /* past the NUL */
		fast = same(shapes[i].name, shapes[i].msg, len);
		if (fast != shapes[i].fast) {
			print_error("%s: fast walk %s, want %s\n", shapes[i].name, fast ? "took it" : "left it",
			            shapes[i].fast ? "took it" : "left it");
			fail();
		}
	}
}

/* The original's headers from a text file attached after the notification
 * (X6) and from the first piece of a message/partial (Bigfoot); a text
 * attachment that is prose, or one too big to be a header file, gives
 * none. Both walks alike. */
static void test_header_file(void **state)
{
	static const char head[] = "From: MAILER-DAEMON@example.net\nContent-Type: multipart/mixed; boundary=b\n\n"
	                           "--b\n\nDelivery failed.\n--b\nContent-Type: text/plain\n"
	                           "Content-Disposition: attachment; filename=h.txt\n\n";
	static const char hdrs[] = "Received: from x by y\nFrom: s@example.com\nSubject: Figures\n"
	                           "Message-ID: <q4@example.com>\n";
	static const char prose[] = "Dear customer: thank you\nfor writing to us.\nRegards: the team\n";
	const char *bodies[] = { hdrs, prose, NULL };
	int walk;
	(void)state;
	for (walk = 0; walk < 2; walk++) {
		size_t k;
		for (k = 0; k < 3; k++) {
			struct bounce_msg m;
			char *msg;
			size_t n, pad = k == 2 ? BOUNCE_HEADER_FILE_MAX : 0;
			const char *body = bodies[k] ? bodies[k] : hdrs;
			n = strlen(head) + strlen(body) + pad + 16;
			msg = malloc(n);
			assert_non_null(msg);
			strcpy(msg, head);
			strcat(msg, body);
			/* k == 2: the header block, then a long body */
			if (pad) {
				size_t at = strlen(msg);
				msg[at++] = '\n';
				memset(msg + at, 'x', pad);
				msg[at + pad] = '\0';
			}
			strcat(msg, "\n--b--\n");
			memset(&m, 0, sizeof m);
			assert_int_equal(walk ? bounce_msg_parse_gmime(&m, msg, strlen(msg))
			                      : bounce_msg_parse_fast(&m, msg, strlen(msg)),
			                 0);
			if (k == 0) {
				assert_true(m.has_orig);
				assert_string_equal(bounce_hdr(&m.orig, "Message-ID"), "<q4@example.com>");
				assert_string_equal(bounce_hdr(&m.orig, "Subject"), "Figures");
			} else {
				assert_false(m.has_orig);
				assert_int_equal(m.orig.n, 0);
			}
			/* the attachment is never the notification's prose */
			assert_null(strstr(m.text, "Regards"));
			bounce_msg_free(&m);
			free(msg);
		}
	}
}

/* Random cuts and edits of a report: whatever the fast walk accepts, it
 * must read as GMime does. */
static void test_mutations(void **state)
{
	const char *base = NULL;
	size_t blen, i;
	int round, fast = 0;
	(void)state;
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		if (!strcmp(shapes[i].name, "report"))
			base = shapes[i].msg;
	assert_non_null(base);
	blen = strlen(base);
	for (round = 0; round < 4000; round++) {
		char *m = malloc(blen + 64);
		size_t len = blen, k, edits = 1 + rnd(4);
		char name[32];
		memcpy(m, base, blen);
		for (k = 0; k < edits && len > 0; k++) {
			size_t at = rnd((unsigned)len);
			static const char *const bits[] = { "\n", "--", "--B1", "--B1--", ":", " ", "\t", "=?", "\n\n", "X" };
			switch (rnd(3)) {
			case 0: /* delete */
				memmove(m + at, m + at + 1, len - at - 1);
				len--;
				break;
			case 1: { /* insert */
				const char *b = bits[rnd(10)];
				size_t bl = strlen(b);
				if (len + bl > blen + 60)
					break;
				memmove(m + at + bl, m + at, len - at);
				memcpy(m + at, b, bl);
				len += bl;
				break;
			}
			default: /* cut */
				len = at;
				break;
			}
		}
		snprintf(name, sizeof name, "mutation %d", round);
		fast += same(name, m, len);
		free(m);
	}
	assert_true(fast > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latin), cmocka_unit_test(test_charset_same), cmocka_unit_test(test_base64), cmocka_unit_test(test_qp), cmocka_unit_test(test_dates),        cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_goldens), cmocka_unit_test(test_mutations), cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_header_values), cmocka_unit_test(test_header_file),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
