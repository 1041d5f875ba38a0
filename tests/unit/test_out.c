/*
 * test_out.c - the JSON string escaping of src/common/out.c: every special
 * byte (quote, backslash, controls, DEL, valid and broken UTF-8) at every
 * position of strings from 0 to 40 bytes long, so that each path of the
 * scan (sixteen bytes at a time, four at a time, one at a time) meets it,
 * against the escaping spelled out byte by byte here.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_every_position),
		cmocka_unit_test(test_json_plain_and_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
