/*
 * util.h - small helpers every smtpcodes program module shares: allocation
 * that dies on failure (the one place the program may exit for lack of
 * memory), the sysexits exit codes, reading a whole file with a limit, an
 * output file named on the command line but written at the end of a run
 * (--suppressions), and the day count of a calendar date (the log and bounce
 * date readers).
 */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <sysexits.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* The program's name for messages ("smtpcodes"). */
extern const char *sc_progname;

/* Prints "smtpcodes: " + the formatted message + newline on stderr, after
 * erasing a progress line shown there (sc_progress_clear()); one warning
 * at a time, whole, from any thread. */
void sc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Reads the whole file at path ("-" for stdin) into a malloc'd buffer with a
 * NUL after it; at most max bytes. Returns 0, or an EX_* code after writing a
 * message that names the file into err.
 */
int sc_read_file(const char *path, size_t max, char **data, size_t *len, char *err, size_t errlen);

/*
 * A file written at the end of a run, opened at its start: sc_late_open()
 * opens path for appending, so that a path that cannot be written fails at
 * once and a run that stops early leaves an old file as it was;
 * sc_late_start() empties it (a regular file; a device or pipe stays as it
 * is) when the writing begins. Both return NULL / -1 with errno set.
 */
FILE *sc_late_open(const char *path);
int sc_late_start(FILE *f);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1-12). */
long long sc_days_from_civil(long long y, int m, int d);

#endif
