/*
 * lines.c - the bounded line reader (see lines.h). A regular file that does
 * not start with the gzip magic is read with read(2) straight into the
 * buffer; gzip files and pipes go through zlib's gzread,
 * which passes plain files through unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/lines.h"
#include "common/util.h"

#define CHUNK (256 * 1024)

struct sc_lines {
	gzFile gz;      /* NULL: a plain regular file, read with read(2) */
	unsigned long long consumed; /* bytes read, plain files */
	char *name;
	char *buf;      /* read buffer */
	size_t pos, end;
	char *line;     /* assembled line when it spans two reads */
	size_t max_line;
	unsigned long long lineno;
	unsigned long long size;
	int fd;
	int eof;
	char pending[512]; /* an error to report after the last line */
};

int sc_lines_open(struct sc_lines **out, const char *path, size_t max_line, char *err, size_t errlen)
{
	struct sc_lines *l;
	struct stat st;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : dup(0);

	*out = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		close(fd);
		return EX_NOINPUT;
	}
	l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->size = S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
	if (S_ISREG(st.st_mode)) {
		unsigned char magic[2];
		if (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
			l->name = xstrdup(path);
			l->buf = xmalloc(CHUNK);
			l->max_line = max_line;
			l->line = xmalloc(max_line + 1);
			*out = l;
			return 0;
		}
	}
	l->gz = gzdopen(fd, "rb");
	if (!l->gz) {
		snprintf(err, errlen, "%s: cannot read", path);
		close(fd);
		free(l);
		return EX_IOERR;
	}
	gzbuffer(l->gz, CHUNK);
	l->name = xstrdup(path);
	l->buf = xmalloc(CHUNK);
	l->max_line = max_line;
	l->line = xmalloc(max_line + 1);
	*out = l;
	return 0;
}

static int fill(struct sc_lines *l, char *err, size_t errlen)
{
	int n, zerr;
	if (l->eof)
		return 0;
	if (!l->gz) {
		ssize_t r;
		do
			r = read(l->fd, l->buf, CHUNK);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			snprintf(err, errlen, "%s: after line %llu: %s", l->name, l->lineno, strerror(errno));
			l->eof = 1;
			return -1;
		}
		if (r == 0) {
			l->eof = 1;
			return 0;
		}
		l->consumed += (unsigned long long)r;
		l->pos = 0;
		l->end = (size_t)r;
		return 1;
	}
	n = gzread(l->gz, l->buf, CHUNK);
	if (n < 0) {
		const char *m = gzerror(l->gz, &zerr);
		snprintf(err, errlen, "%s: after line %llu: %s", l->name, l->lineno,
		         zerr == Z_ERRNO ? strerror(errno) : m);
		l->eof = 1;
		return -1;
	}
	if (n == 0) {
		l->eof = 1;
		/* zlib reports a truncated stream only through gzerror at the end */
		gzerror(l->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			snprintf(err, errlen, "%s: compressed data ends early (truncated .gz) after line %llu", l->name,
			         l->lineno);
			return -1;
		}
		return 0;
	}
	l->pos = 0;
	l->end = (size_t)n;
	return 1;
}

int sc_lines_next(struct sc_lines *l, const char **line, size_t *len, int *cut, char *err, size_t errlen)
{
	size_t have = 0;
	int skipping = 0, rc;

	*cut = 0;
	for (;;) {
		char *nl;
		size_t avail;
		if (l->pos == l->end) {
			rc = fill(l, err, errlen);
			if (rc <= 0) {
				if (have || skipping) {
					/* last line without a newline: still a line */
					l->lineno++;
					*line = l->line;
					*len = have;
					if (have && l->line[have - 1] == '\r')
						(*len)--;
					if (rc < 0) {
						l->eof = 2; /* report the error on the next call */
						snprintf(l->pending, sizeof l->pending, "%s", err);
					}
					return 1;
				}
				if (l->eof == 2) {
					l->eof = 1;
					snprintf(err, errlen, "%s", l->pending);
					return -1;
				}
				return rc;
			}
		}
		avail = l->end - l->pos;
		nl = memchr(l->buf + l->pos, '\n', avail);
		if (!skipping && !have && nl) {
			/* fast path: the whole line is in the buffer */
			size_t n = (size_t)(nl - (l->buf + l->pos));
			if (n <= l->max_line) {
				*line = l->buf + l->pos;
				*len = n && (*line)[n - 1] == '\r' ? n - 1 : n;
				l->pos += n + 1;
				l->lineno++;
				return 1;
			}
		}
		{
			size_t n = nl ? (size_t)(nl - (l->buf + l->pos)) : avail;
			if (!skipping) {
				size_t room = l->max_line - have;
				size_t take = n < room ? n : room;
				memcpy(l->line + have, l->buf + l->pos, take);
				have += take;
				if (n > room) {
					skipping = 1;
					*cut = 1;
				}
			}
			l->pos += n;
			if (nl) {
				l->pos++;
				l->lineno++;
				*line = l->line;
				*len = have && l->line[have - 1] == '\r' ? have - 1 : have;
				return 1;
			}
		}
	}
}

unsigned long long sc_lines_number(const struct sc_lines *l)
{
	return l->lineno;
}

unsigned long long sc_lines_offset(const struct sc_lines *l)
{
	off_t o;
	if (!l->gz)
		return l->consumed;
	o = gzoffset(l->gz);
	return o > 0 ? (unsigned long long)o : 0;
}

unsigned long long sc_lines_size(const struct sc_lines *l)
{
	return l->size;
}

const char *sc_lines_name(const struct sc_lines *l)
{
	return l->name;
}

void sc_lines_close(struct sc_lines *l)
{
	if (!l)
		return;
	if (l->gz)
		gzclose(l->gz); /* closes fd too */
	else
		close(l->fd);
	free(l->name);
	free(l->buf);
	free(l->line);
	free(l);
}
