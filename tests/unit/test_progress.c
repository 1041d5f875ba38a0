/*
 * test_progress.c - the progress helper of src/common/progress.c: byte
 * formatting, and silence when standard error is not a terminal or the
 * input is small.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/progress.h"

static void test_bytes(void **state)
{
	static const struct {
		unsigned long long b;
		const char *want;
	} cases[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KB" }, { 1536, "1.5 KB" },
		{ 162234056, "154.7 MB" }, { 3ULL << 30, "3.0 GB" },
	};
	size_t i;
	char buf[32];
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sc_progress_bytes(cases[i].b, buf, sizeof buf);
		if (strcmp(buf, cases[i].want)) {
			print_error("%llu: got \"%s\", want \"%s\"\n", cases[i].b, buf, cases[i].want);
			fail();
		}
	}
}

static void test_silent_off_terminal(void **state)
{
	struct sc_progress p;
	FILE *f = tmpfile();
	unsigned i;
	(void)state;
	assert_non_null(f);
	sc_progress_begin(&p, f, "mail.log", 1ULL << 40, 0);
	assert_false(p.enabled);
	for (i = 0; i < 3 * SC_PROGRESS_CHECK_EVERY; i++)
		if (sc_progress_due(&p))
			sc_progress_update(&p, i, i);
	sc_progress_end(&p);
	assert_int_equal(ftell(f), 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_silent_off_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
