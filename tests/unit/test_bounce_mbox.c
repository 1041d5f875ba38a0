/*
 * test_bounce_mbox.c - the cuts of an mbox (src/bounce/bounce_mbox.c): a
 * file read through a small window with pread() must give, for every place
 * to start looking, the very cut bounce_mbox_next_cut() finds with the
 * whole file in memory. The mboxes are made of the lines that decide cuts
 * (separators with and without their date, blank lines with LF and CRLF,
 * "From " in bodies, separators and other lines far longer than the
 * window, a last line without its newline), mixed at random with a fixed
 * seed, and read through windows from the smallest to several kilobytes.
 * A file shorter than the size it is read at, and one that cannot be read,
 * give failed with the offset and errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bounce/bounce_mbox.h"

static unsigned long long seed = 88172645463325252ULL;

static unsigned pick(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

/* Appends n bytes of filler: letters, with spaces and (colons) colons now
 * and then. */
static size_t filler(char *b, size_t at, size_t n, int colons)
{
	static const char chars[] = "abcdefgh ijklmn:"; /* the colon last */
	size_t i;
	for (i = 0; i < n; i++)
		b[at + i] = chars[pick(sizeof chars - 1 - !colons)];
	return at + n;
}

/* One line of an mbox, with its line end, into b at at; returns the end. */
static size_t add_line(char *b, size_t at)
{
	static const char *const lines[] = {
		"From MAILER-DAEMON Thu Jul  2 12:05:05 2020", "From MAILER-DAEMON  Mon Jan  1 00:00:00 2026",
		"From x", "From ", "", "", ">From y", "Subject: a", "From: b <c@d>", "x", "From a Sat Jul  2 12:05:05 202x",
	};
	const char *end = pick(3) ? "\n" : "\r\n";
	size_t n;
	switch (pick(8)) {
	case 0: /* a separator with a sender longer than the window */
		memcpy(b + at, "From ", 5);
		at = filler(b, at + 5, 40 + pick(300), 1);
		while (b[at - 1] == ' ') /* the sender ends in a letter */
			at--;
		n = strlen(" Tue Jul  2 12:05:05 2020");
		memcpy(b + at, " Tue Jul  2 12:05:05 2020", n);
		at += n;
		break;
	case 1: { /* a separator whose date is long, or a line that is nearly one */
		static const char *const heads[] = { "From a Wed Jul  2 12:05:05 ", "From a Wed Jul  2 12:05:05 ",
			                             "From a Wed Jul  2 12.05.05 ", "Received: by a Jul  2 1:05 " };
		static const char *const tails[] = { " 2020", " 2020", " 20x0", "x2020" };
		n = strlen(heads[0]);
		memcpy(b + at, heads[pick(4)], n);
		at = filler(b, at + n, 20 + pick(400), pick(2));
		memcpy(b + at, tails[pick(4)], 5);
		at += 5;
		break;
	}
	default: {
		const char *l = lines[pick(sizeof lines / sizeof lines[0])];
		n = strlen(l);
		memcpy(b + at, l, n);
		at += n;
		break;
	}
	}
	n = strlen(end);
	memcpy(b + at, end, n);
	return at + n;
}

/* Writes len bytes to a new temporary file; returns its descriptor. */
static int temp_file(const char *b, size_t len)
{
	FILE *f = tmpfile();
	int fd;
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fflush(f), 0);
	fd = dup(fileno(f));
	fclose(f);
	assert_true(fd >= 0);
	return fd;
}

static void test_same_cuts(void **state)
{
	static const size_t windows[] = { 1, 29, 64, 250, BOUNCE_MBOX_WINDOW };
	char *b = malloc(65536); /* 65 lines of 460 bytes at most */
	unsigned round, cuts = 0;
	(void)state;
	assert_non_null(b);
	for (round = 0; round < 300; round++) {
		size_t len = 0, lines = 5 + pick(60), i, k;
		int fd;
		memcpy(b, "From MAILER-DAEMON Thu Jul  2 12:05:05 2020\n", 44);
		len = 44;
		for (i = 0; i < lines; i++)
			len = add_line(b, len);
		if (pick(4) == 0) /* no newline at the end */
			len -= b[len - 2] == '\r' ? 2 : 1;
		fd = temp_file(b, len);
		for (k = 0; k < sizeof windows / sizeof windows[0]; k++) {
			struct bounce_mbox_win w;
			bounce_mbox_win_init(&w, fd, len, windows[k]);
			for (i = 0; i < 40; i++) {
				size_t p = 1 + pick((unsigned)len), want = (size_t)(bounce_mbox_next_cut(b + p, b, b + len) - b);
				unsigned long long got = bounce_mbox_win_cut(&w, p);
				assert_false(w.failed);
				if (got != want) {
					print_error("round %u, %zu bytes, window %zu, from %zu: cut at %llu, want %zu\n",
					            round, len, windows[k], p, got, want);
					fail();
				}
				cuts += want < len;
			}
			bounce_mbox_win_free(&w);
		}
		close(fd);
	}
	/* the mboxes had cuts to find, not only their ends */
	assert_true(cuts > 30000);
	free(b);
}

/* A file that has become shorter than the size it is cut at: the search
 * that reads past its end fails there, with errno 0. */
static void test_shrunk(void **state)
{
	char b[4096];
	size_t len = 7, i;
	struct bounce_mbox_win w;
	int fd;
	(void)state;
	memcpy(b, "From a\n", 7);
	for (i = 0; i < 400; i++)
		len += (size_t)sprintf(b + len, "line %zu\n", i);
	fd = temp_file(b, len);
	bounce_mbox_win_init(&w, fd, len + 5000, 64);
	(void)bounce_mbox_win_cut(&w, 10);
	assert_true(w.failed);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.erroff, len);
	bounce_mbox_win_free(&w);
	/* a cut found before the end is good */
	memcpy(b + 99, "\n\nFrom ", 7);
	close(fd);
	fd = temp_file(b, len);
	bounce_mbox_win_init(&w, fd, len + 5000, 64);
	assert_int_equal(bounce_mbox_win_cut(&w, 10), 101);
	assert_false(w.failed);
	bounce_mbox_win_free(&w);
	close(fd);
}

/* A descriptor that cannot be read: failed, with the errno and where. */
static void test_unreadable(void **state)
{
	struct bounce_mbox_win w;
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	(void)state;
	assert_true(fd >= 0);
	bounce_mbox_win_init(&w, fd, 1000, 64);
	(void)bounce_mbox_win_cut(&w, 1);
	assert_true(w.failed);
	assert_int_equal(w.err, EISDIR);
	assert_int_equal(w.erroff, 0);
	bounce_mbox_win_free(&w);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_cuts),
		cmocka_unit_test(test_shrunk),
		cmocka_unit_test(test_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
