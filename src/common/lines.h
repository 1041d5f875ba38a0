/*
 * lines.h - a bounded line reader for log and reply files: plain or gzip
 * (detected by content, so a .gz works with or without its suffix), from a
 * path or "-" for standard input. Lines longer than the limit are returned cut, with
 * a flag, and the rest of the line is skipped: one bad line never costs the
 * good lines after it. A truncated or corrupt .gz ends the input with an
 * error that names the file and the line.
 */
#ifndef SC_LINES_H
#define SC_LINES_H

#include <stddef.h>

struct sc_lines;

/* Opens path ("-" = stdin). max_line is the longest line returned whole.
 * Returns 0, or an EX_* code with a message in err. */
int sc_lines_open(struct sc_lines **out, const char *path, size_t max_line, char *err, size_t errlen);

/*
 * Reads the next line (without its LF or CRLF) into *line and *len; the pointer
 * is valid until the next call. *cut is set when the line was longer than
 * max_line (the text returned is its start). Returns 1 for a line, 0 at the
 * end of input, -1 on a read or decompression error (message in err).
 */
int sc_lines_next(struct sc_lines *l, const char **line, size_t *len, int *cut, char *err, size_t errlen);

/* The number of the line last returned (1-based). */
unsigned long long sc_lines_number(const struct sc_lines *l);

/* Bytes of the underlying file consumed so far, and its size (0 if unknown,
 * e.g. a pipe); for progress display. */
unsigned long long sc_lines_offset(const struct sc_lines *l);
unsigned long long sc_lines_size(const struct sc_lines *l);

/* The name given to sc_lines_open(). */
const char *sc_lines_name(const struct sc_lines *l);

void sc_lines_close(struct sc_lines *l);

#endif
