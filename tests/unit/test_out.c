/*
 * test_out.c - the JSON string escaping of src/common/out.c: every special
 * byte (quote, backslash, controls, DEL, valid and broken UTF-8) at every
 * position of strings from 0 to 40 bytes long, so that each path of the
 * scan (sixteen bytes at a time, four at a time, one at a time) meets it,
 * against the escaping spelled out byte by byte here; and the terminal
 * escaping (sc_out_term()) of UTF-8 text and control characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/out.h"

struct special {
	const char *bytes, *json;
};

static const struct special specials[] = {
	{ "\"", "\\\"" },       { "\\", "\\\\" },   { "\n", "\\n" },       { "\t", "\\t" },
	{ "\r", "\\r" },        { "\x01", "\\u0001" }, { "\x1f", "\\u001f" }, { "\x7f", "\\u007f" },
	{ "\xc3\xa9", "\xc3\xa9" }, { "\xe2\x82\xac", "\xe2\x82\xac" }, { "\xff", "\\ufffd" }, { "\xc3", "\\ufffd" },
	{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" }, { " ", " " }, { "~", "~" },
};

/* sc_out_json_str() of s[0..n) as a malloc'd string. */
static char *json_of(const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sc_out o;
	sc_out_init(&o, f);
	sc_out_json_str(&o, s, n);
	sc_out_free(&o);
	fclose(f);
	return buf;
}

static void test_json_every_position(void **state)
{
	char in[64], want[128];
	size_t len, pos, k;
	int bad = 0;
	(void)state;
	for (k = 0; k < sizeof specials / sizeof specials[0]; k++)
		for (len = 1; len <= 40; len++)
			for (pos = 0; pos < len; pos++) {
				size_t sl = strlen(specials[k].bytes), n = 0;
				char *got;
				/* 'a' * pos, the special bytes, 'b' up to len bytes in all */
				memset(in, 'a', pos);
				memcpy(in + pos, specials[k].bytes, sl);
				n = pos + sl;
				while (n < len + sl - 1)
					in[n++] = 'b';
				snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)pos, in, specials[k].json,
				         (int)(n - pos - sl), in + pos + sl);
				got = json_of(in, n);
				if (strcmp(got, want)) {
					printf("special %zu at %zu of %zu: got %s, want %s\n", k, pos, n, got, want);
					bad++;
				}
				free(got);
			}
	assert_int_equal(bad, 0);
}

static void test_json_plain_and_null(void **state)
{
	static const char plain[] = "550 5.1.1 <user@example.org>: Recipient address rejected: User unknown";
	char *got;
	size_t n;
	(void)state;
	for (n = 0; n < sizeof plain; n++) {
		char want[sizeof plain + 2];
		snprintf(want, sizeof want, "\"%.*s\"", (int)n, plain);
		got = json_of(plain, n);
		assert_string_equal(got, want);
		free(got);
	}
	got = json_of(NULL, 0);
	assert_string_equal(got, "null");
	free(got);
}

/* sc_out_term() of s (NUL-terminated) as a malloc'd string. */
static char *term_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sc_out o;
	sc_out_init(&o, f);
	sc_out_term(&o, s, strlen(s));
	sc_out_free(&o);
	fclose(f);
	return buf;
}

static void test_term(void **state)
{
	static const char *const cases[][2] = {
		/* German quotes and a dash: their last bytes are 0x80-0x9f */
		{ "hei\xc3\x9ft \xe2\x80\x9evom Server angenommen\xe2\x80\x9c \xe2\x80\x93 gut",
		  "hei\xc3\x9ft \xe2\x80\x9evom Server angenommen\xe2\x80\x9c \xe2\x80\x93 gut" },
		{ "\xf0\x9f\x93\xa7 \xe2\x82\xac", "\xf0\x9f\x93\xa7 \xe2\x82\xac" },
		{ "a\tb", "a\tb" },
		{ "a\x1b[31mb\x7f", "a\\x1b[31mb\\x7f" },
		/* C1 controls: in UTF-8 (CSI, U+009B) and as stray bytes */
		{ "a\xc2\x9b" "31mb", "a\\xc2\\x9b" "31mb" },
		{ "a\x9b" "31m\x85", "a\\x9b" "31m\\x85" },
		/* a broken sequence: the C1 byte after it is escaped, a stray
		 * high byte above 0x9f is left */
		{ "\xe2\x80 \xe2\x9e", "\xe2\\x80 \xe2\\x9e" },
		{ "\xc2", "\xc2" },
		{ "\xa0\xff", "\xa0\xff" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = term_of(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_every_position),
		cmocka_unit_test(test_json_plain_and_null),
		cmocka_unit_test(test_term),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
