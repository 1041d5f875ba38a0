/*
 * bounce_mbox.c - where messages start in an mbox (see bounce_mbox.h): the
 * separator tests of the mbox reader in src/cli/cmd_bounces.c, and the
 * places where an mbox may be cut so that its pieces, read one by one, give
 * the messages of the whole file. bounce_mbox_next_cut() finds a cut in
 * memory; bounce_mbox_win_cut() finds the same one in a file it reads
 * through a window of BOUNCE_MBOX_WINDOW bytes with pread(): the same tests
 * at file offsets, the window moved wherever they look, and a separator
 * line longer than the window tested a byte at a time (from_line_far()).
 * tests/unit/test_bounce_mbox.c holds the two to the same cuts.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce/bounce_mbox.h"
#include "common/util.h"

#define NONE (~0ULL) /* no such offset */

static const char days[] = "MonTueWedThuFriSatSun";

/* Is the line at p (up to e) a full mbox separator: "From", the sender, a
 * weekday, ..., a time, a year ("From MAILER-DAEMON  Thu Jul  2 12:05:05
 * 2020")? */
static int from_line(const char *p, const char *e)
{
	const char *nl = memchr(p, '\n', (size_t)(e - p)), *le = nl ? nl : e, *d;
	size_t i;
	if (le > p && le[-1] == '\r')
		le--;
	if (le - p < 30 || memcmp(p, "From ", 5) || p[5] == ' ')
		return 0;
	d = memchr(p + 5, ' ', (size_t)(le - p - 5));
	while (d && d < le && *d == ' ')
		d++;
	if (!d || le - d < 20 || d[3] != ' ' || !memchr(d, ':', (size_t)(le - d)))
		return 0;
	for (i = 0; i < 7 && memcmp(d, days + 3 * i, 3); i++)
		;
	return i < 7 && le[-5] == ' ' && isdigit((unsigned char)le[-1]) && isdigit((unsigned char)le[-2]) &&
	       isdigit((unsigned char)le[-3]) && isdigit((unsigned char)le[-4]);
}

int bounce_mbox_break(const char *f, const char *start, const char *e)
{
	return f + 6 <= e && !memcmp(f + 1, "From ", 5) && f > start &&
	       (f[-1] == '\n' || (f[-1] == '\r' && f - 1 > start && f[-2] == '\n') || from_line(f + 1, e));
}

int bounce_mbox_from_at(const char *b, const char *e)
{
	return e - b >= 5 && !memcmp(b, "From ", 5);
}

/* A candidate is taken only when neither of the two lines before it starts
 * with "From ": then the message before it began at the earlier of them or
 * before, so it is not empty and its blank line is its own, and
 * bounce_mbox_break() gives the same answer with m as the start as with the
 * message's. (A line "From " in a message body can make a cut come one
 * message later; never at a place the whole mbox's reader would not cut.) */
const char *bounce_mbox_next_cut(const char *p, const char *m, const char *e)
{
	const char *f = p - 1;
	while ((f = memmem(f, (size_t)(e - f), "\nFrom ", 6)) != NULL) {
		const char *y = memrchr(m, '\n', (size_t)(f - m)), *x;
		if (y && !bounce_mbox_from_at(y + 1, e)) {
			x = memrchr(m, '\n', (size_t)(y - m));
			if (x && !bounce_mbox_from_at(x + 1, e) && bounce_mbox_break(f, m, e))
				return f + 1;
		}
		f++;
	}
	return e;
}

void bounce_mbox_win_init(struct bounce_mbox_win *w, int fd, unsigned long long size, size_t cap)
{
	w->fd = fd;
	w->size = size;
	w->cap = cap < BOUNCE_MBOX_WINDOW_MIN ? BOUNCE_MBOX_WINDOW_MIN : cap;
	w->buf = xmalloc(w->cap);
	w->lo = 0;
	w->len = 0;
	w->failed = 0;
	w->err = 0;
	w->erroff = 0;
}

void bounce_mbox_win_free(struct bounce_mbox_win *w)
{
	free(w->buf);
	w->buf = NULL;
}

/* Reads the window that starts at lo: cap bytes, fewer at the end of the
 * file. A read that fails or ends early marks the window failed. */
static int load(struct bounce_mbox_win *w, unsigned long long lo)
{
	size_t want = w->size - lo < w->cap ? (size_t)(w->size - lo) : w->cap, got = 0;
	w->len = 0;
	while (got < want) {
		ssize_t r = pread(w->fd, w->buf + got, want - got, (off_t)(lo + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			struct stat st;
			w->failed = 1;
			w->err = r ? errno : 0;
			w->erroff = lo + got;
			if (!r && !fstat(w->fd, &st) && (unsigned long long)st.st_size < w->erroff)
				w->erroff = (unsigned long long)st.st_size;
			return -1;
		}
		got += (size_t)r;
	}
	w->lo = lo;
	w->len = got;
	return 0;
}

/* The n bytes at off (off + n <= size, n <= cap - cap / 4), moving the
 * window when they are not in it: for a look forward (ahead) to start a
 * quarter window before off, else to end a quarter window after off + n.
 * NULL once a read has failed. */
static const char *at(struct bounce_mbox_win *w, unsigned long long off, size_t n, int ahead)
{
	unsigned long long back = w->cap / 4, lo;
	if (w->failed)
		return NULL;
	if (off >= w->lo && off + n <= w->lo + w->len)
		return w->buf + (off - w->lo);
	if (ahead)
		lo = off > back ? off - back : 0;
	else
		lo = off + n + back > w->cap ? off + n + back - w->cap : 0;
	return load(w, lo) ? NULL : w->buf + (off - w->lo);
}

/* The byte at off (< size), -1 once a read has failed. */
static int byte_at(struct bounce_mbox_win *w, unsigned long long off)
{
	const char *s = at(w, off, 1, 1);
	return s ? (unsigned char)*s : -1;
}

/* The bytes of the window from off (which it holds) on. */
static size_t ahead_of(const struct bounce_mbox_win *w, unsigned long long off)
{
	return (size_t)(w->lo + w->len - off);
}

/* The first "\nFrom " at or after off; NONE when there is none. */
static unsigned long long find_from(struct bounce_mbox_win *w, unsigned long long off)
{
	while (off + 6 <= w->size) {
		const char *s = at(w, off, 6, 1), *hit;
		size_t n;
		if (!s)
			return NONE;
		n = ahead_of(w, off);
		if ((hit = memmem(s, n, "\nFrom ", 6)) != NULL)
			return off + (unsigned long long)(hit - s);
		off += n - 5; /* the last five bytes may begin one */
	}
	return NONE;
}

/* The last newline before off; NONE when there is none. */
static unsigned long long last_nl(struct bounce_mbox_win *w, unsigned long long off)
{
	while (off > 0) {
		const char *hit;
		if (!at(w, off - 1, 1, 0))
			return NONE;
		if ((hit = memrchr(w->buf, '\n', (size_t)(off - w->lo))) != NULL)
			return w->lo + (unsigned long long)(hit - w->buf);
		off = w->lo;
	}
	return NONE;
}

/* Where the line at off ends: at its newline, or at the end of the file. */
static unsigned long long line_end(struct bounce_mbox_win *w, unsigned long long off)
{
	while (off < w->size) {
		const char *s = at(w, off, 1, 1), *nl;
		size_t n;
		if (!s)
			return NONE;
		n = ahead_of(w, off);
		if ((nl = memchr(s, '\n', n)) != NULL)
			return off + (unsigned long long)(nl - s);
		off += n;
	}
	return w->size;
}

/* Is there a ':' in the bytes from .. to? */
static int colon_in(struct bounce_mbox_win *w, unsigned long long from, unsigned long long to)
{
	while (from < to) {
		const char *s = at(w, from, 1, 1);
		size_t n;
		if (!s)
			return 0;
		n = ahead_of(w, from);
		if (n > to - from)
			n = (size_t)(to - from);
		if (memchr(s, ':', n))
			return 1;
		from += n;
	}
	return 0;
}

/* from_line() for the line p .. le (its newline, or the end of the file)
 * when it is longer than the window: the same tests, at file offsets. */
static int from_line_far(struct bounce_mbox_win *w, unsigned long long p, unsigned long long le)
{
	unsigned long long d;
	const char *s;
	size_t i;
	int c = 0;
	if (le > p && byte_at(w, le - 1) == '\r')
		le--;
	if (le - p < 30 || !(s = at(w, p, 6, 1)) || memcmp(s, "From ", 5) || s[5] == ' ')
		return 0;
	for (d = p + 5; d < le && (c = byte_at(w, d)) != ' ' && c >= 0; d++)
		;
	if (d == le || c < 0)
		return 0;
	while (d < le && byte_at(w, d) == ' ')
		d++;
	if (le - d < 20 || !(s = at(w, d, 4, 1)) || s[3] != ' ')
		return 0;
	for (i = 0; i < 7 && memcmp(s, days + 3 * i, 3); i++)
		;
	if (i == 7 || !(s = at(w, le - 5, 5, 0)) || s[0] != ' ' || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return 0;
	return colon_in(w, d, le);
}

/* bounce_mbox_break() for the newline at f (f + 6 <= size), with the
 * whole file as the message. */
static int break_at(struct bounce_mbox_win *w, unsigned long long f)
{
	unsigned long long le, n;
	const char *s;
	int c;
	if (f == 0 || !(s = at(w, f, 6, 1)) || memcmp(s + 1, "From ", 5))
		return 0;
	if ((c = byte_at(w, f - 1)) == '\n' || (c == '\r' && f >= 2 && byte_at(w, f - 2) == '\n'))
		return 1;
	if ((le = line_end(w, f + 1)) == NONE)
		return 0;
	n = (le < w->size ? le + 1 : le) - (f + 1); /* with its newline */
	if (n > w->cap - w->cap / 4)
		return from_line_far(w, f + 1, le);
	return (s = at(w, f + 1, (size_t)n, 1)) != NULL && from_line(s, s + n);
}

/* Does the line at b (b + 5 <= size) start with "From "? */
static int from_at_win(struct bounce_mbox_win *w, unsigned long long b)
{
	const char *s = at(w, b, 5, 0);
	return s && !memcmp(s, "From ", 5);
}

/* bounce_mbox_next_cut() at file offsets, step by step. */
unsigned long long bounce_mbox_win_cut(struct bounce_mbox_win *w, unsigned long long p)
{
	unsigned long long f = p - 1, y, x;
	while ((f = find_from(w, f)) != NONE) {
		y = last_nl(w, f);
		if (y != NONE && !from_at_win(w, y + 1)) {
			x = last_nl(w, y);
			if (x != NONE && !from_at_win(w, x + 1) && break_at(w, f))
				return f + 1;
		}
		if (w->failed)
			break;
		f++;
	}
	return w->size;
}
