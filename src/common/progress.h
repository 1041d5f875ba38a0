/*
 * progress.h - a progress line on standard error for long runs over large
 * inputs: bytes done of the total, lines per second and the time left,
 * redrawn in place at most a few times a second. It shows only when standard
 * error is a terminal, the input is large (or of unknown size) and the run
 * has lasted a moment; otherwise every call is a cheap no-op.
 *
 * Warnings (sc_warn()) erase the line first, from any thread, and the
 * next update draws it again.
 *
 * Ownership: struct sc_progress lives in the caller's storage and must stay
 * there until sc_progress_end(), which every sc_progress_begin() needs (the
 * progress begun last is remembered for the warnings); label is borrowed
 * and must stay valid until sc_progress_end().
 */
#ifndef SC_PROGRESS_H
#define SC_PROGRESS_H

#include <stdio.h>

#define SC_PROGRESS_MIN_BYTES (32ULL * 1024 * 1024) /* smaller inputs stay silent */
#define SC_PROGRESS_CHECK_EVERY 4096u

struct sc_progress {
	FILE *f;
	int tty;             /* f is a terminal and the caller wants the line */
	int enabled;         /* tty, and the input is worth it */
	const char *unit;    /* what done and total count: NULL bytes, else e.g. "files" */
	const char *rate;    /* what the rate counts: "lines" unless set */
	int shown;           /* a line is on the screen */
	const char *label;
	unsigned long long total; /* bytes, 0 = unknown */
	double start, last;  /* seconds (monotonic) */
	unsigned countdown;  /* calls left before the clock is read again */
};

/*
 * Starts a progress display for one input: label names it, total is its size
 * in bytes (0 when unknown, e.g. a pipe). force_off (or an f that is not a
 * terminal) keeps it silent.
 */
void sc_progress_begin(struct sc_progress *p, FILE *f, const char *label, unsigned long long total, int force_off);

/* Counts done and total in unit ("files") instead of bytes, and the rate
 * in rate ("messages"); either may be NULL to keep it. Call after
 * sc_progress_begin(); a display in units needs no minimum size. */
void sc_progress_units(struct sc_progress *p, const char *unit, const char *rate);

/* True every few thousand calls while the display is on: then call
 * sc_progress_update(), whose arguments may be costly to compute (a file
 * offset is a system call). Inline, so the per-line cost is a decrement. */
static inline int sc_progress_due(struct sc_progress *p)
{
	if (!p->enabled || --p->countdown)
		return 0;
	p->countdown = SC_PROGRESS_CHECK_EVERY;
	return 1;
}

/* Redraws the line with bytes consumed (or units done) and lines (or what
 * the rate counts) so far, at most a few times a second. */
void sc_progress_update(struct sc_progress *p, unsigned long long bytes, unsigned long long lines);

/* The text of the line for done, count and elapsed seconds (without the
 * control characters that redraw it), into dst. */
void sc_progress_text(const struct sc_progress *p, unsigned long long done, unsigned long long count, double elapsed,
                      char *dst, size_t dstlen);

/* Clears the line (if one was shown). p is no longer the active one. */
void sc_progress_end(struct sc_progress *p);

/* Erases the line of the active progress (the one begun last and not yet
 * ended) if it is shown on f, so that what is written to f next starts a
 * line of its own; the next sc_progress_update() draws it again. Safe from
 * any thread; sc_warn() calls it with f locked (flockfile()) for the whole
 * warning. */
void sc_progress_clear(FILE *f);

/* Formats "1.2 GB", "512 KB" into dst (for tests and messages). */
void sc_progress_bytes(unsigned long long b, char *dst, size_t dstlen);

#endif
