/*
 * progress.c - the progress line on standard error (see progress.h). The
 * caller asks sc_progress_due() per line (a decrement); the clock is read
 * only then, and the line redrawn at most four times a second.
 *
 * The progress begun last is the active one: sc_warn() (util.c) erases
 * its line before a warning, through sc_progress_clear(), so that a
 * warning from any thread starts on a line of its own; the next update
 * draws the line again. Whether the line is on the screen (shown) is read
 * and changed only with its stream locked (flockfile()), in the same
 * locked stretch as the writes that put it there or erase it; the active
 * pointer is guarded by a mutex of its own, taken inside the stream's lock
 * where both are held.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/progress.h"

static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sc_progress *active; /* begun and not yet ended */

#define FIRST_AFTER 1.0  /* seconds before the first line appears */
#define REDRAW 0.25

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sc_progress_begin(struct sc_progress *p, FILE *f, const char *label, unsigned long long total, int force_off)
{
	p->f = f;
	p->label = label;
	p->total = total;
	p->shown = 0;
	p->unit = NULL;
	p->rate = "lines";
	p->countdown = SC_PROGRESS_CHECK_EVERY;
	p->tty = !force_off && isatty(fileno(f));
	p->enabled = p->tty && (total == 0 || total >= SC_PROGRESS_MIN_BYTES);
	p->start = p->tty ? now() : 0;
	p->last = p->start;
	pthread_mutex_lock(&active_mu);
	active = p;
	pthread_mutex_unlock(&active_mu);
}

void sc_progress_units(struct sc_progress *p, const char *unit, const char *rate)
{
	if (unit) {
		p->unit = unit;
		p->enabled = p->tty;
	}
	if (rate)
		p->rate = rate;
}

void sc_progress_bytes(unsigned long long b, char *dst, size_t dstlen)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	double v = (double)b;
	size_t u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(dst, dstlen, "%llu B", b);
	else
		snprintf(dst, dstlen, "%.1f %s", v, units[u]);
}

static void clock_text(double s, char *dst, size_t dstlen)
{
	unsigned long t = (unsigned long)(s + 0.5);
	if (t >= 3600)
		snprintf(dst, dstlen, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(dst, dstlen, "%lu:%02lu", t / 60, t % 60);
}

/* done (bytes, or a count of p->unit) as text */
static void amount(const struct sc_progress *p, unsigned long long n, char *dst, size_t dstlen)
{
	if (p->unit)
		snprintf(dst, dstlen, "%llu", n);
	else
		sc_progress_bytes(n, dst, dstlen);
}

void sc_progress_text(const struct sc_progress *p, unsigned long long done, unsigned long long count, double elapsed,
                      char *dst, size_t dstlen)
{
	char d[32], all[32], left[32];
	double rate = elapsed > 0 ? (double)count / elapsed : 0;
	amount(p, done, d, sizeof d);
	if (p->total && done > 0 && done <= p->total) {
		double rest = elapsed * (double)(p->total - done) / (double)done;
		amount(p, p->total, all, sizeof all);
		clock_text(rest, left, sizeof left);
		snprintf(dst, dstlen, "%s: %s of %s%s%s (%.0f%%), %.0f %s/s, %s left", p->label, d, all, p->unit ? " " : "",
		         p->unit ? p->unit : "", 100.0 * (double)done / (double)p->total, rate, p->rate, left);
	} else {
		clock_text(elapsed, left, sizeof left);
		snprintf(dst, dstlen, "%s: %s%s%s, %.0f %s/s, %s", p->label, d, p->unit ? " " : "", p->unit ? p->unit : "",
		         rate, p->rate, left);
	}
}

void sc_progress_update(struct sc_progress *p, unsigned long long bytes, unsigned long long lines)
{
	double t, el;
	char line[256];

	if (!p->enabled)
		return;
	t = now();
	el = t - p->start;
	if (el < FIRST_AFTER || t - p->last < REDRAW)
		return;
	p->last = t;
	sc_progress_text(p, bytes, lines, el, line, sizeof line);
	flockfile(p->f);
	fprintf(p->f, "\r\033[K%s", line);
	fflush(p->f);
	p->shown = 1;
	funlockfile(p->f);
}

void sc_progress_end(struct sc_progress *p)
{
	flockfile(p->f);
	if (p->shown) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
	p->shown = 0;
	p->enabled = 0;
	funlockfile(p->f);
	pthread_mutex_lock(&active_mu);
	if (active == p)
		active = NULL;
	pthread_mutex_unlock(&active_mu);
}

void sc_progress_clear(FILE *f)
{
	flockfile(f);
	pthread_mutex_lock(&active_mu);
	if (active && active->f == f && active->shown) {
		fputs("\r\033[K", f);
		active->shown = 0;
	}
	pthread_mutex_unlock(&active_mu);
	funlockfile(f);
}
