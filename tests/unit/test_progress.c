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

/* The line's text: bytes with the time left, a count of files with a
 * rate of messages, and an unknown total (elapsed time instead). */
static void test_text(void **state)
{
	struct sc_progress p;
	char line[256];
	FILE *f = tmpfile();
	(void)state;
	assert_non_null(f);
	sc_progress_begin(&p, f, "mail.log", 4ULL << 30, 0);
	sc_progress_text(&p, 1ULL << 30, 5000000, 10.0, line, sizeof line);
	assert_string_equal(line, "mail.log: 1.0 GB of 4.0 GB (25%), 500000 lines/s, 0:30 left");
	sc_progress_units(&p, "files", "messages");
	p.total = 120000;
	sc_progress_text(&p, 30000, 45000, 15.0, line, sizeof line);
	assert_string_equal(line, "mail.log: 30000 of 120000 files (25%), 3000 messages/s, 0:45 left");
	p.total = 0;
	sc_progress_text(&p, 30000, 45000, 75.0, line, sizeof line);
	assert_string_equal(line, "mail.log: 30000 files, 600 messages/s, 1:15");
	/* units need no minimum size, but still a terminal */
	assert_false(p.enabled);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_silent_off_terminal),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
