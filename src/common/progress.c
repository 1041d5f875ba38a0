/*
 * progress.c - the progress line on standard error (see progress.h). The
 * caller asks sc_progress_due() per line (a decrement); the clock is read
 * only then, and the line redrawn at most four times a second.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "common/progress.h"

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
	p->countdown = SC_PROGRESS_CHECK_EVERY;
	p->enabled = !force_off && isatty(fileno(f)) && (total == 0 || total >= SC_PROGRESS_MIN_BYTES);
	p->start = p->enabled ? now() : 0;
	p->last = p->start;
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

void sc_progress_update(struct sc_progress *p, unsigned long long bytes, unsigned long long lines)
{
	double t, el, rate;
	char done[32], all[32], left[32];

	if (!p->enabled)
		return;
	t = now();
	el = t - p->start;
	if (el < FIRST_AFTER || t - p->last < REDRAW)
		return;
	p->last = t;
	rate = el > 0 ? (double)lines / el : 0;
	sc_progress_bytes(bytes, done, sizeof done);
	if (p->total && bytes > 0 && bytes <= p->total) {
		double rest = el * (double)(p->total - bytes) / (double)bytes;
		sc_progress_bytes(p->total, all, sizeof all);
		clock_text(rest, left, sizeof left);
		fprintf(p->f, "\r\033[K%s: %s of %s (%.0f%%), %.0f lines/s, %s left", p->label, done, all,
		        100.0 * (double)bytes / (double)p->total, rate, left);
	} else {
		clock_text(el, left, sizeof left);
		fprintf(p->f, "\r\033[K%s: %s, %.0f lines/s, %s", p->label, done, rate, left);
	}
	fflush(p->f);
	p->shown = 1;
}

void sc_progress_end(struct sc_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
	p->shown = 0;
	p->enabled = 0;
}
