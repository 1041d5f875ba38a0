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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/progress.h"
#include "common/util.h"

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

/* Reads back what was written to the temporary file f. */
static void contents(FILE *f, char *dst, size_t dstlen)
{
	size_t n;
	assert_int_equal(fflush(f), 0);
	rewind(f);
	n = fread(dst, 1, dstlen - 1, f);
	dst[n] = '\0';
}

/* Does text match pattern, where '*' stands for any run of characters
 * other than '\r' (the rate and the time of a progress line)? */
static int like(const char *pattern, const char *text)
{
	if (*pattern == '*')
		return like(pattern + 1, text) || (*text && *text != '\r' && like(pattern, text + 1));
	if (*pattern != *text)
		return 0;
	return !*pattern || like(pattern + 1, text + 1);
}

/* Makes p behave as on a terminal, with its first line due: the one thing
 * a test cannot give it is the terminal (sc_progress_begin() asks
 * isatty()). */
static void as_on_terminal(struct sc_progress *p)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->tty = p->enabled = 1;
	p->start = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - 10;
	p->last = p->start;
}

#define assert_like(pattern, text)                                               \
	do {                                                                     \
		if (!like(pattern, text)) {                                      \
			print_error("got \"%s\", want \"%s\"\n", text, pattern); \
			fail();                                                  \
		}                                                                \
	} while (0)

/* A warning erases the progress line first, and the next update draws it
 * again; with no line on the screen, a warning is written as it is. */
static void test_clear(void **state)
{
	struct sc_progress p;
	char got[512];
	FILE *f = tmpfile();
	(void)state;
	assert_non_null(f);
	sc_progress_begin(&p, f, "big.mbox", 0, 0);
	as_on_terminal(&p);
	sc_progress_clear(f); /* nothing shown yet */
	sc_progress_update(&p, 2048, 7);
	sc_progress_clear(f);
	fputs("warning one\n", f);
	sc_progress_clear(f); /* already erased */
	fputs("warning two\n", f);
	p.last -= 1;
	sc_progress_update(&p, 4096, 9);
	sc_progress_end(&p);
	sc_progress_clear(f); /* ended: no longer the active one */
	contents(f, got, sizeof got);
	assert_like("\r\033[Kbig.mbox: 2.0 KB, *"
	            "\r\033[Kwarning one\nwarning two\n"
	            "\r\033[Kbig.mbox: 4.0 KB, *"
	            "\r\033[K",
	            got);
	fclose(f);
}

/* sc_warn() itself, on a standard error that is a file: the line is erased
 * before the warning. */
static void test_warn_clears(void **state)
{
	struct sc_progress p;
	char got[512];
	FILE *f = tmpfile();
	int saved = dup(2);
	(void)state;
	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(f), 2) >= 0);
	sc_progress_begin(&p, stderr, "mail.log", 0, 0);
	as_on_terminal(&p);
	sc_progress_update(&p, 100, 1);
	sc_warn("bounces: %s: not a mail message, skipped", "x.eml");
	sc_progress_end(&p);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	contents(f, got, sizeof got);
	assert_like("\r\033[Kmail.log: 100 B, *"
	            "\r\033[Ksmtpcodes: bounces: x.eml: not a mail message, skipped\n",
	            got);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_silent_off_terminal),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_warn_clears),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
