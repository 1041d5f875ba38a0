/*
 * out.h - buffered output for the smtpcodes program, with the escaping that
 * text from remote servers and logs needs: JSON strings (control characters
 * and invalid UTF-8 escaped), TSV fields (tabs and newlines replaced),
 * terminal text (control characters shown as \xHH, never sent raw) and HTML.
 * One buffer per output stream; sc_out_flush() writes it.
 */
#ifndef SC_OUT_H
#define SC_OUT_H

#include <stdio.h>
#include <stddef.h>
#include <string.h>

struct sc_out {
	FILE *f;
	char *buf;
	size_t len, cap;
	int error; /* a write failed */
};

void sc_out_init(struct sc_out *o, FILE *f);
void sc_out_flush(struct sc_out *o);
void sc_out_free(struct sc_out *o); /* flushes first */

/* Appends when the buffer is full or the piece is large (out of line). */
void sc_out_put_slow(struct sc_out *o, const char *s, size_t n);

static inline void sc_out_put(struct sc_out *o, const char *s, size_t n)
{
	if (o->len + n <= o->cap) {
		memcpy(o->buf + o->len, s, n);
		o->len += n;
	} else {
		sc_out_put_slow(o, s, n);
	}
}

static inline void sc_out_str(struct sc_out *o, const char *s)
{
	sc_out_put(o, s, strlen(s));
}

static inline void sc_out_char(struct sc_out *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len++] = c;
	else
		sc_out_put_slow(o, &c, 1);
}
void sc_out_int(struct sc_out *o, long long v);
void sc_out_printf(struct sc_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A JSON string literal with quotes; NULL gives null. */
void sc_out_json_str(struct sc_out *o, const char *s, size_t n);
void sc_out_json_cstr(struct sc_out *o, const char *s);
/* A TSV field: tabs, CR and LF become spaces, other control bytes '?'. */
void sc_out_tsv(struct sc_out *o, const char *s, size_t n);
/* Text for a terminal: control characters (C0, DEL, C1 also when written in
 * UTF-8, a stray byte 0x80-0x9f) as \xHH; UTF-8 characters as they are. */
void sc_out_term(struct sc_out *o, const char *s, size_t n);
/* HTML text: & < > " ' escaped, control characters dropped. */
void sc_out_html(struct sc_out *o, const char *s, size_t n);

/* Word-wraps text to width columns, every line after the first indented by
 * indent spaces (the first line is assumed to start at column indent). */
void sc_out_wrap(struct sc_out *o, const char *text, size_t indent, size_t width);

#endif
