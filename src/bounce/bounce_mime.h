/*
 * bounce_mime.h - what the two MIME readers of src/bounce/ share; private
 * to bounce_mime.c (the GMime walk, the reference) and bounce_mimewalk.c
 * (the fast walk that reads the common shapes of bounces itself and hands
 * everything else back to the GMime walk).
 *
 * Both readers find the parts of a message; what a part gives to the
 * struct bounce_msg is decided here once (bounce_part_kind(),
 * bounce_walk_take(), bounce_walk_leaf(), bounce_walk_finish()), so the
 * two can only differ in how they find the parts, never in what they keep.
 *
 * Ownership: struct bounce_walk borrows its message; bounce_walk_leaf()
 * takes the decoded part it is given and frees it.
 */
#ifndef SC_BOUNCE_MIME_H
#define SC_BOUNCE_MIME_H

#include <stddef.h>
#include <time.h>

#include "bounce/bounce.h"

/* What a leaf part is to the bounce readers. */
enum bounce_part {
	BOUNCE_PART_NONE,      /* nothing we read (images, attachments, ...) */
	BOUNCE_PART_DSN,       /* message/delivery-status, message/global-delivery-status */
	BOUNCE_PART_FEEDBACK,  /* message/feedback-report */
	BOUNCE_PART_HEADERS,   /* text/rfc822-headers, or a message/rfc822 GMime keeps as a leaf */
	BOUNCE_PART_TEXT,      /* text/plain */
	BOUNCE_PART_HTML,      /* text/html */
	BOUNCE_PART_JSON,      /* application/json */
	BOUNCE_PART_HEADER_FILE, /* a text attachment after the notification: the
	                          * original's headers when it holds a header block */
};

/* One walk over the parts of one message, in document order. */
struct bounce_walk {
	struct bounce_msg *m;
	char *html;            /* text/html parts, tags stripped, for when no text/plain comes */
	size_t htmllen;
	int depth;             /* parts below BOUNCE_WALK_DEPTH levels are not read */
};

/* The kind of a leaf of media type type/sub (any case). */
enum bounce_part bounce_part_kind(const char *type, const char *sub);
/* How a leaf of this kind is read: BOUNCE_PART_NONE when it is not (the
 * text is full, or a text part marked as an attachment comes after the
 * notification); such an attachment of at most BOUNCE_HEADER_FILE_MAX raw
 * bytes (rawlen, 0 when not known yet) is BOUNCE_PART_HEADER_FILE while the
 * original's headers are still missing (X6 attaches them as a .txt file). */
enum bounce_part bounce_walk_take(const struct bounce_walk *w, enum bounce_part kind, int attachment, size_t rawlen);
/* Gives the decoded bytes data[0..len) of a leaf to the message; charset
 * is the part's charset parameter or NULL. Of a delivery report larger than
 * BOUNCE_DSN_MAX, the recipients whose fields end in its first BOUNCE_DSN_MAX
 * bytes are kept and dsn_cut is set. Frees data. */
void bounce_walk_leaf(struct bounce_walk *w, enum bounce_part kind, const char *charset, char *data, size_t len);
/* After the last part: the HTML stands in for a missing text, a body
 * whose MIME broke is read as it stands (buf[0..len) is the message),
 * inline forwards lose their quoting, and the report and the JSON body
 * are looked for in the text. Frees w->html. */
void bounce_walk_finish(struct bounce_walk *w, const char *buf, size_t len);

/* Appends s[0..n) to *dst (growing), CR LF and lone CR to LF, NUL to a
 * space, after a newline when *dst does not end in one, up to cap bytes. */
void bounce_mime_append(char **dst, size_t *dlen, const char *s, size_t n, size_t cap);
/* Adds one header as the GMime walk does: raw[0..rawlen) is the field's
 * raw value (after the colon, folds and the last newline included); plain
 * ASCII values are unfolded here, values with 8-bit bytes or encoded words
 * are decoded by GMime (charsets, RFC 2047). */
void bounce_mime_add_header(struct bounce_hdrs *h, const char *name, size_t nlen, const char *raw, size_t rawlen);
/* The decoded value of a raw header value as GMime gives it (unfolded,
 * RFC 2047 words and 8-bit text to UTF-8); the caller frees it. */
char *bounce_mime_header_text(const char *raw, size_t rawlen);
/* Sets GMime up on first use, once per process, from any thread. */
void bounce_mime_ready(void);

/* The two readers. Both return 0, or -1 when not even the headers could be
 * read; the fast one returns 1 when the message is not one it reads in
 * full (m is then left zeroed for the GMime walk). */
int bounce_msg_parse_gmime(struct bounce_msg *m, const char *buf, size_t len);
int bounce_msg_parse_fast(struct bounce_msg *m, const char *buf, size_t len);

/* Compares what two readers made of one message: 0 when every field of
 * the two is the same, else 1 with the first difference described in
 * why. For the tests and the fuzz harness. */
int bounce_msg_diff(const struct bounce_msg *a, const struct bounce_msg *b, char *why, size_t whylen);

/* bounce_parse_date() without its own reading of canonical dates: GMime
 * only. For the tests. */
time_t bounce_parse_date_gmime(const char *s);

/* Base64 and quoted-printable decoding as GMime's data wrapper does it;
 * out must hold len bytes. Return the decoded length. Exposed for the
 * tests that hold them to GMime's own. */
size_t bounce_mime_base64(const char *in, size_t len, char *out);
size_t bounce_mime_qp(const char *in, size_t len, char *out);
/* ISO-8859-1 (latin9 set: ISO-8859-15) text s[0..len) in UTF-8, as iconv
 * converts it (every byte is a character in both): a new NUL-terminated
 * string of *olen bytes that the caller frees. */
char *bounce_latin_to_utf8(const char *s, size_t len, int latin9, size_t *olen);
/* 1 when text s[0..len) in charset cs (not NULL) is the same in UTF-8, so
 * that converting it is a waste: all of it ASCII in a charset whose bytes
 * below 0x80 are ASCII (the ISO-8859 and Windows families), or in a 7-bit
 * one that only an ESC (ISO-2022-JP) or a '+' (UTF-7) takes out of ASCII,
 * with no ESC or '+' in it; else 0. */
int bounce_charset_same(const char *cs, const char *s, size_t len);

#endif
