/*
 * util.c - allocation wrappers that exit on failure, warnings, reading a
 * whole (bounded) file, and calendar days. See util.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/progress.h"
#include "common/util.h"

const char *sc_progname = "smtpcodes";

static void oom(void)
{
	fprintf(stderr, "%s: out of memory\n", sc_progname);
	exit(EX_OSERR);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void sc_warn(const char *fmt, ...)
{
	va_list ap;
	/* one warning at a time, on a line of its own (not after a progress
	 * line) */
	flockfile(stderr);
	sc_progress_clear(stderr);
	fprintf(stderr, "%s: ", sc_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

int sc_read_file(const char *path, size_t max, char **data, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 65536, n = 0;
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t got;
		if (n == cap) {
			if (cap >= max) {
				snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
				free(buf);
				if (f != stdin)
					fclose(f);
				return EX_DATAERR;
			}
			cap = cap * 2 > max ? max : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		free(buf);
		if (f != stdin)
			fclose(f);
		return EX_IOERR;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

/* H. Hinnant's days_from_civil: eras of 400 years, March-based years. */
long long sc_days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

FILE *sc_late_open(const char *path)
{
	return fopen(path, "a");
}

int sc_late_start(FILE *f)
{
	struct stat st;
	if (fstat(fileno(f), &st))
		return -1;
	return S_ISREG(st.st_mode) ? ftruncate(fileno(f), 0) : 0;
}
