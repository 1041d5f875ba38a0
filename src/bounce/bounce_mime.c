/*
 * bounce_mime.c - one bounce message through GMime into a struct bounce_msg,
 * and what both MIME readers share (bounce_mime.h).
 *
 * bounce_msg_parse() first tries the fast walk of bounce_mimewalk.c, which
 * reads the common shapes of bounces without building objects; a message it
 * does not read in full comes here, to GMime, the reference for the hard
 * cases. SMTPCODES_MIME=gmime in the environment sends every message here
 * (to compare the two readers on a corpus).
 *
 * This is the only file that includes GMime; GMime is set up on first use
 * (bounce_mime_ready()), so a run that never needs it never pays for it.
 * The walk keeps what the bounce
 * readers need and nothing else: the decoded top headers, the human-readable
 * text (text/plain parts, else text/html without tags; decoded from base64 or
 * quoted-printable and converted to UTF-8; capped at BOUNCE_TEXT_MAX), the raw
 * message/delivery-status and message/feedback-report parts, and the headers
 * of the original message (message/rfc822 or text/rfc822-headers). Parts
 * larger than BOUNCE_PART_MAX are attachments: they are never decoded, so a
 * 20 MB attachment costs one pass of the MIME parser and nothing more; text
 * parts marked as attachments after the notification are skipped too.
 *
 * Best effort where the message is broken: when the MIME structure fails (a
 * boundary that never comes) the raw body after the headers stands in for
 * the text, and delivery-status fields found in the text are taken as the
 * report; a bounce forwarded as message/rfc822 is read in place of the
 * forward; one forwarded inline ("> " quoted) loses its quoting.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <gmime/gmime.h>
#pragma GCC diagnostic pop

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bounce/bounce.h"
#include "bounce/bounce_mime.h"
#include "common/util.h"

static GMimeParserOptions *popts;
static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;
static int gmime_up;
static int only_gmime; /* SMTPCODES_MIME=gmime */

static void gmime_setup(void)
{
	g_mime_init();
	popts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	gmime_up = 1;
}

void bounce_mime_ready(void)
{
	pthread_once(&gmime_once, gmime_setup);
}

void bounce_mime_init(void)
{
	const char *e = getenv("SMTPCODES_MIME");
	only_gmime = e && !strcmp(e, "gmime");
}

void bounce_mime_shutdown(void)
{
	bounce_needles_thread_done();
	bounce_needles_free();
	if (gmime_up) {
		g_mime_parser_options_free(popts);
		popts = NULL;
		g_mime_shutdown();
		gmime_up = 0;
	}
}

void bounce_mime_append(char **dst, size_t *dlen, const char *s, size_t n, size_t cap)
{
	size_t i, o;
	char *d;
	if (*dlen >= cap)
		return;
	if (n > cap - *dlen)
		n = cap - *dlen;
	d = xrealloc(*dst, *dlen + n + 2);
	o = *dlen;
	if (o && d[o - 1] != '\n')
		d[o++] = '\n';
	if (!memchr(s, '\r', n) && !memchr(s, '\0', n)) {
		memcpy(d + o, s, n); /* the common case: nothing to rewrite */
		o += n;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			d[o++] = '\n';
		} else if (s[i] == '\0') {
			d[o++] = ' ';
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	*dst = d;
	*dlen = o;
}

/* Adds the field named nm (nlen bytes, NUL-terminated) with value v, both
 * taken from h's memory, to h. */
static void hdrs_push(struct bounce_hdrs *h, char *nm, size_t nlen, char *v)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xrealloc(h->v, h->cap * sizeof *h->v);
	}
	h->v[h->n].name = nm;
	h->v[h->n].nlen = nlen;
	h->v[h->n].value = v;
	h->n++;
}

/* Bit 7 of each byte of x set where that byte is the same as the bytes of
 * c (one byte repeated), and nowhere else. */
static uint64_t bytes_eq(uint64_t x, uint64_t c)
{
	uint64_t y = x ^ c;
	return ~(((y & UINT64_C(0x7f7f7f7f7f7f7f7f)) + UINT64_C(0x7f7f7f7f7f7f7f7f)) | y | UINT64_C(0x7f7f7f7f7f7f7f7f));
}

/* The plain-ASCII path of a header value: unfolded (line ends dropped,
 * tabs to spaces), trimmed: trailing line ends and spaces, and the spaces
 * (tabs and line ends included) it starts with. Sixteen bytes at a time,
 * the last few through a padded copy, where SSE2 is there; else eight at
 * a time where they hold no line end, byte by byte elsewhere. The name (a
 * copy, up to a NUL in it) and then the value share one piece of h's
 * memory, taken with room for the last sixteen-byte store and cut down to
 * what the value used after. */
static void add_plain(struct bounce_hdrs *h, const char *name, size_t nlen, const char *raw, size_t len)
{
	size_t k = 0, o = 0, room;
	char *v, *nm;
	while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r' || raw[len - 1] == ' '))
		len--;
	while (k < len && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\r' || raw[k] == '\n'))
		k++;
	nlen = strnlen(name, nlen);
	room = nlen + 1 + (len - k) + 16;
	nm = bounce_hdrs_mem(h, room);
	memcpy(nm, name, nlen);
	nm[nlen] = '\0';
	v = nm + nlen + 1;
#ifdef __SSE2__
	/* the 16 bytes at k with tabs made spaces, of which those before the
	 * first line end (or the end of the value) count: o <= k - the start,
	 * so the store fits the room taken */
	while (k < len) {
		__m128i y, eol, tab;
		unsigned m;
		if (k + 16 <= len) {
			y = _mm_loadu_si128((const __m128i *)(const void *)(raw + k));
			m = 0;
		} else {
			/* the last len - k bytes first in y: the sixteen that end the
			 * value moved down through memory where there are sixteen,
			 * else copied; what follows them does not count */
			char tail[32];
			if (len >= 16) {
				_mm_storeu_si128((__m128i *)(void *)tail,
				                 _mm_loadu_si128((const __m128i *)(const void *)(raw + len - 16)));
				y = _mm_loadu_si128((const __m128i *)(const void *)(tail + 16 - (len - k)));
			} else {
				memcpy(tail, raw + k, len - k);
				y = _mm_loadu_si128((const __m128i *)(const void *)tail);
			}
			m = ~0u << (len - k); /* the end stops the count like a line end */
		}
		eol = _mm_or_si128(_mm_cmpeq_epi8(y, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(y, _mm_set1_epi8('\r')));
		tab = _mm_cmpeq_epi8(y, _mm_set1_epi8('\t'));
		m |= (unsigned)_mm_movemask_epi8(eol);
		_mm_storeu_si128((__m128i *)(void *)(v + o), _mm_xor_si128(y, _mm_and_si128(tab, _mm_set1_epi8('\t' ^ ' '))));
		if (!m) {
			o += 16;
			k += 16;
		} else {
			o += (size_t)__builtin_ctz(m);
			k += (size_t)__builtin_ctz(m) + 1; /* and the line end goes */
		}
	}
#else
	while (k < len) {
		uint64_t x;
		/* eight bytes without a line end or a tab in one copy */
		if (k + 8 <= len) {
			memcpy(&x, raw + k, 8);
			if (!(bytes_eq(x, UINT64_C(0x0a0a0a0a0a0a0a0a)) | bytes_eq(x, UINT64_C(0x0d0d0d0d0d0d0d0d)) |
			      bytes_eq(x, UINT64_C(0x0909090909090909)))) {
				memcpy(v + o, &x, 8);
				o += 8;
				k += 8;
				continue;
			}
		}
		if (raw[k] != '\r' && raw[k] != '\n')
			v[o++] = raw[k] == '\t' ? ' ' : raw[k];
		k++;
	}
#endif
	v[o] = '\0';
	bounce_hdrs_regrow(h, nm, room, nlen + 1 + o + 1); /* the last taken: cut in place */
	hdrs_push(h, nm, nlen, v);
}

/* 1 when a raw value needs GMime's decoding: 8-bit bytes or "=?". */
static int needs_decoding(const char *raw, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i eq = _mm_set1_epi8('='), qm = _mm_set1_epi8('?');
	for (; i + 17 <= len; i += 16) {
		__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(raw + i));
		__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(raw + i + 1));
		__m128i ew = _mm_and_si128(_mm_cmpeq_epi8(x0, eq), _mm_cmpeq_epi8(x1, qm));
		if (_mm_movemask_epi8(_mm_or_si128(x0, ew))) /* a high bit, or "=?" */
			return 1;
	}
#endif
	/* eight at a time: a high bit, "=?" inside, or "=" last and "?" next */
	for (; i + 8 <= len; i += 8) {
		uint64_t x, e;
		memcpy(&x, raw + i, 8);
		e = bytes_eq(x, UINT64_C(0x3d3d3d3d3d3d3d3d));
		if ((x & UINT64_C(0x8080808080808080)) || (e & bytes_eq(x, UINT64_C(0x3f3f3f3f3f3f3f3f)) >> 8) ||
		    (e >> 56 && i + 8 < len && raw[i + 8] == '?'))
			return 1;
	}
	for (; i < len; i++)
		if ((unsigned char)raw[i] >= 0x80 || (raw[i] == '=' && i + 1 < len && raw[i + 1] == '?'))
			return 1;
	return 0;
}

static void copy_headers(struct bounce_hdrs *h, GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0;
	for (i = 0; i < n; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(hd);
		const char *raw = g_mime_header_get_raw_value(hd);
		if (!name)
			continue;
		if (!raw)
			raw = "";
		/* GMime's decoding (encoded words, charsets) costs; most values
		 * are plain ASCII and only need unfolding */
		if (!needs_decoding(raw, strlen(raw))) {
			add_plain(h, name, strlen(name), raw, strlen(raw));
		} else {
			const char *val = g_mime_header_get_value(hd);
			if (!val)
				val = "";
			bounce_hdrs_add(h, name, strlen(name), val, strlen(val));
		}
	}
}

char *bounce_mime_header_text(const char *raw, size_t rawlen)
{
	char *s = xstrndup(raw, rawlen), *u, *d, *out;
	bounce_mime_ready();
	u = g_mime_utils_header_unfold(s);
	d = u ? g_mime_utils_header_decode_text(popts, u) : NULL;
	out = xstrdup(d ? d : "");
	g_free(d);
	g_free(u);
	free(s);
	return out;
}

void bounce_mime_add_header(struct bounce_hdrs *h, const char *name, size_t nlen, const char *raw, size_t rawlen)
{
	char *v;
	if (!needs_decoding(raw, rawlen)) {
		add_plain(h, name, nlen, raw, rawlen);
		return;
	}
	v = bounce_mime_header_text(raw, rawlen);
	bounce_hdrs_add(h, name, nlen, v, strlen(v));
	free(v);
}

/* How much of a delivery report of n bytes is read: all of it up to
 * BOUNCE_DSN_MAX, else the recipients whose fields end in the first
 * BOUNCE_DSN_MAX bytes (up to its last blank line): none cut in two. */
static size_t dsn_fit(const char *s, size_t n)
{
	size_t k;
	if (n <= BOUNCE_DSN_MAX)
		return n;
	for (k = BOUNCE_DSN_MAX; k > 1; k--)
		if (s[k - 1] == '\n' && (s[k - 2] == '\n' || (k > 2 && s[k - 2] == '\r' && s[k - 3] == '\n')))
			return k;
	return 0;
}

/* The decoded bytes of a leaf part, NUL-terminated, or NULL when the part is
 * larger than BOUNCE_PART_MAX (an attachment) and no delivery report (dsn:
 * bounce_walk_leaf() takes what fits of one). */
static char *part_bytes(GMimePart *part, int dsn, size_t *len)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *src, *mem;
	GByteArray *ba;
	gint64 slen;
	char *out;

	if (!w)
		return NULL;
	src = g_mime_data_wrapper_get_stream(w);
	slen = src ? g_mime_stream_length(src) : -1;
	if (slen < 0 || ((guint64)slen > BOUNCE_PART_MAX && !dsn))
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	out = xmalloc(ba->len + 1);
	if (ba->len)
		memcpy(out, ba->data, ba->len);
	out[ba->len] = '\0';
	*len = ba->len;
	g_object_unref(mem);
	return out;
}

/* Charsets whose bytes below 0x80 are ASCII, as iconv converts them. */
static int ascii_superset(const char *cs)
{
	static const char *const prefixes[] = { "iso-8859-", "iso8859-", "windows-125", "cp125" };
	size_t i;
	for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!g_ascii_strncasecmp(cs, prefixes[i], strlen(prefixes[i])))
			return 1;
	return !g_ascii_strcasecmp(cs, "latin1") || !g_ascii_strcasecmp(cs, "ascii");
}

char *bounce_latin_to_utf8(const char *s, size_t len, int latin9, size_t *olen)
{
	/* the eight places where ISO-8859-15 differs from ISO-8859-1 */
	static const struct {
		unsigned char b;
		unsigned short u;
	} nine[] = {
		{ 0xa4, 0x20ac }, { 0xa6, 0x0160 }, { 0xa8, 0x0161 }, { 0xb4, 0x017d },
		{ 0xb8, 0x017e }, { 0xbc, 0x0152 }, { 0xbd, 0x0153 }, { 0xbe, 0x0178 },
	};
	char *out = xmalloc(3 * len + 1), *o = out;
	size_t i, k;
	for (i = 0; i < len; i++) {
		unsigned c = (unsigned char)s[i];
		if (c < 0x80) {
			*o++ = (char)c;
			continue;
		}
		if (latin9)
			for (k = 0; k < sizeof nine / sizeof nine[0]; k++)
				if (nine[k].b == c) {
					c = nine[k].u;
					break;
				}
		if (c < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
		} else {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		}
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	*o = '\0';
	*olen = (size_t)(o - out);
	return out;
}

int bounce_charset_same(const char *cs, const char *s, size_t len)
{
	static const char *const jis[] = { "iso-2022-jp", "iso-2022-jp-2" };
	static const char *const utf7[] = { "utf-7", "unicode-1-1-utf-7" };
	unsigned char stop = 0x80; /* the byte that leaves ASCII, besides 8-bit ones: none */
	size_t i = 0;
	if (!ascii_superset(cs)) {
		for (i = 0; i < sizeof jis / sizeof jis[0] && g_ascii_strcasecmp(cs, jis[i]); i++)
			;
		if (i < sizeof jis / sizeof jis[0]) {
			stop = 0x1b;
		} else {
			for (i = 0; i < sizeof utf7 / sizeof utf7[0] && g_ascii_strcasecmp(cs, utf7[i]); i++)
				;
			if (i == sizeof utf7 / sizeof utf7[0])
				return 0;
			stop = '+';
		}
		i = 0;
	}
#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		if (_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, _mm_set1_epi8((char)stop)))))
			return 0;
	}
#endif
	for (; i < len; i++)
		if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i] == stop)
			return 0;
	return 1;
}

/* Converts to UTF-8 from charset cs when it names another one; text that
 * is the same in UTF-8 (bounce_charset_same()) stays as it is. */
static char *to_utf8(const char *cs, char *s, size_t *len)
{
	gsize olen = 0;
	gchar *conv;
	char *out;
	int latin9;
	if (!cs || !g_ascii_strcasecmp(cs, "utf-8") || !g_ascii_strcasecmp(cs, "us-ascii") ||
	    !g_ascii_strcasecmp(cs, "utf8") || bounce_charset_same(cs, s, *len))
		return s;
	/* the Latin-1 family by hand: a table, not iconv's machinery */
	latin9 = !g_ascii_strcasecmp(cs, "iso-8859-15");
	if (latin9 || !g_ascii_strcasecmp(cs, "iso-8859-1")) {
		out = bounce_latin_to_utf8(s, *len, latin9, &olen);
		free(s);
		*len = olen;
		return out;
	}
	bounce_mime_ready();
	conv = g_convert_with_fallback(s, (gssize)*len, "UTF-8", g_mime_charset_iconv_name(cs), "?", NULL, &olen,
	                               NULL);
	if (!conv)
		return s;
	out = xmalloc(olen + 1);
	memcpy(out, conv, olen);
	out[olen] = '\0';
	g_free(conv);
	free(s);
	*len = olen;
	return out;
}

/* Does s start with the lower-case word w, in any case? (s is NUL-terminated
 * or long enough: the compare stops at the first difference.) */
static int starts_ci(const char *s, const char *w)
{
	for (; *w; s++, w++)
		if (*s != *w && !(*s >= 'A' && *s <= 'Z' && *s + 32 == *w))
			return 0;
	return 1;
}

/* Strips HTML to text: tags removed, <br> and block ends become newlines,
 * the common entities decoded. Works in place. */
static size_t strip_html(char *s, size_t n)
{
	size_t i = 0, o = 0;
	while (i < n) {
		if (s[i] == '<') {
			size_t j = i + 1;
			int nl = 0;
			if (j < n && (s[j] == '/' ))
				j++;
			if (j + 1 < n && (starts_ci(s + j, "br") || starts_ci(s + j, "p") || starts_ci(s + j, "div") ||
			                  starts_ci(s + j, "tr") || starts_ci(s + j, "li")))
				nl = 1;
			if (n - i > 7 && (starts_ci(s + i, "<style") || starts_ci(s + i, "<script"))) {
				const char *end = bounce_memcasemem(s + i, n - i, s[i + 2] == 't' || s[i + 2] == 'T' ?
				                                                       "</style>" : "</script>");
				i = end ? (size_t)(end - s) + 8 : n;
				continue;
			}
			{
				const char *gt = memchr(s + i, '>', n - i);
				i = gt ? (size_t)(gt - s) + 1 : n + 1;
			}
			if (nl)
				s[o++] = '\n';
			continue;
		}
		if (s[i] == '&') {
			static const struct { const char *e; char c; } ents[] = {
				{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
				{ "&nbsp;", ' ' }, { "&#39;", '\'' },
			};
			size_t k;
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
				size_t el = strlen(ents[k].e);
				if (n - i >= el && !strncasecmp(s + i, ents[k].e, el)) {
					s[o++] = ents[k].c;
					i += el;
					break;
				}
			}
			if (k < sizeof ents / sizeof ents[0])
				continue;
		}
		s[o++] = s[i++];
	}
	s[o] = '\0';
	return o;
}

enum bounce_part bounce_part_kind(const char *type, const char *sub)
{
	if (!g_ascii_strcasecmp(type, "message") &&
	    (!g_ascii_strcasecmp(sub, "delivery-status") || !g_ascii_strcasecmp(sub, "global-delivery-status")))
		return BOUNCE_PART_DSN;
	if (!g_ascii_strcasecmp(type, "message") && !g_ascii_strcasecmp(sub, "feedback-report"))
		return BOUNCE_PART_FEEDBACK;
	if ((!g_ascii_strcasecmp(type, "text") || !g_ascii_strcasecmp(type, "message")) &&
	    (!g_ascii_strncasecmp(sub, "rfc822-header", 13) || !g_ascii_strcasecmp(sub, "global-headers")))
		return BOUNCE_PART_HEADERS;
	if (!g_ascii_strcasecmp(type, "text") && !g_ascii_strcasecmp(sub, "plain"))
		return BOUNCE_PART_TEXT;
	if (!g_ascii_strcasecmp(type, "text") && !g_ascii_strcasecmp(sub, "html"))
		return BOUNCE_PART_HTML;
	if (!g_ascii_strcasecmp(type, "application") && !g_ascii_strcasecmp(sub, "json"))
		return BOUNCE_PART_JSON;
	if (!g_ascii_strcasecmp(type, "message") && !g_ascii_strcasecmp(sub, "rfc822"))
		return BOUNCE_PART_HEADERS; /* a message/rfc822 GMime kept as a leaf */
	if (!g_ascii_strcasecmp(type, "message") && !g_ascii_strcasecmp(sub, "partial"))
		return BOUNCE_PART_HEADERS; /* its first piece starts with the original's headers (Bigfoot) */
	return BOUNCE_PART_NONE;
}

enum bounce_part bounce_walk_take(const struct bounce_walk *w, enum bounce_part kind, int attachment, size_t rawlen)
{
	if (kind != BOUNCE_PART_TEXT && kind != BOUNCE_PART_HTML)
		return kind;
	if (w->m->textlen >= BOUNCE_TEXT_MAX)
		return BOUNCE_PART_NONE;
	/* a text attachment after the notification is not its prose; it may
	 * be the original's headers */
	if (w->m->textlen > 0 && attachment)
		return kind == BOUNCE_PART_TEXT && !w->m->has_orig && rawlen <= BOUNCE_HEADER_FILE_MAX
		               ? BOUNCE_PART_HEADER_FILE
		               : BOUNCE_PART_NONE;
	return kind;
}

void bounce_walk_leaf(struct bounce_walk *w, enum bounce_part kind, const char *charset, char *data, size_t len)
{
	struct bounce_msg *m = w->m;
	switch (kind) {
	case BOUNCE_PART_DSN: {
		/* a report too big for the limit: the recipients that fit it,
		 * and a warning (the first report only; a second one is kept as
		 * far as the limit allows) */
		size_t fit = dsn_fit(data, len);
		if (fit < len && !m->dsn)
			m->dsn_cut = 1;
		bounce_mime_append(&m->dsn, &m->dsnlen, data, fit, BOUNCE_DSN_MAX);
		break;
	}
	case BOUNCE_PART_FEEDBACK:
		bounce_mime_append(&m->feedback, &m->feedbacklen, data, len, BOUNCE_TEXT_MAX);
		break;
	case BOUNCE_PART_HEADERS:
		if (!m->has_orig) {
			char *t = NULL;
			size_t tl = 0;
			bounce_mime_append(&t, &tl, data, len, BOUNCE_TEXT_MAX);
			if (t)
				bounce_hdrs_parse(&m->orig, t, tl);
			bounce_hdrs_decode(&m->orig);
			free(t);
			m->has_orig = 1;
		}
		break;
	case BOUNCE_PART_HEADER_FILE:
		/* the original's headers, when the file holds a block naming it */
		if (!m->has_orig && len <= BOUNCE_HEADER_FILE_MAX)
			bounce_orig_block(m, data, data + len, data + len, 40);
		break;
	case BOUNCE_PART_JSON:
		if (!m->json)
			m->json = xstrndup(data, len);
		break;
	case BOUNCE_PART_TEXT:
	case BOUNCE_PART_HTML:
		data = to_utf8(charset, data, &len);
		if (kind == BOUNCE_PART_HTML) {
			len = strip_html(data, len);
			bounce_mime_append(&w->html, &w->htmllen, data, len, BOUNCE_TEXT_MAX);
		} else {
			bounce_mime_append(&m->text, &m->textlen, data, len, BOUNCE_TEXT_MAX);
		}
		break;
	case BOUNCE_PART_NONE:
		break;
	}
	free(data);
}

static void walk(struct bounce_walk *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : "text";
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
	struct bounce_msg *m = w->m;

	if (!type)
		type = "text";
	if (!sub)
		sub = "plain";
	if (w->depth > BOUNCE_WALK_DEPTH) {
		m->too_deep = 1;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);
		if (!g_ascii_strcasecmp(sub, "report") && !m->report_type) {
			const char *rt = g_mime_content_type_get_parameter(ct, "report-type");
			m->report_type = xstrdup(rt ? rt : "");
		}
		m->is_multipart = 1;
		w->depth++;
		for (i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(mp, i));
		w->depth--;
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner && !m->has_orig) {
			copy_headers(&m->orig, GMIME_OBJECT(inner));
			m->has_orig = 1;
		}
		/* A forwarded bounce: the inner message is the bounce when the
		 * outer one carried no report of its own. */
		if (inner && !m->dsn && m->textlen < 2048 && w->depth < 3 && inner->mime_part &&
		    (bounce_contains(g_mime_object_get_header(GMIME_OBJECT(inner), "Content-Type"), "report") ||
		     bounce_contains(g_mime_object_get_header(GMIME_OBJECT(inner), "From"), "mailer-daemon"))) {
			bounce_hdrs_free(&m->orig);
			m->has_orig = 0;
			w->depth++;
			walk(w, inner->mime_part);
			w->depth--;
		}
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	{
		enum bounce_part kind = bounce_part_kind(type, sub);
		size_t len = 0;
		char *data;
		kind = bounce_walk_take(w, kind, bounce_contains(g_mime_object_get_disposition(obj), "attachment"), 0);
		if (kind == BOUNCE_PART_NONE)
			return;
		data = part_bytes(GMIME_PART(obj), kind == BOUNCE_PART_DSN, &len);
		if (!data)
			return;
		bounce_walk_leaf(w, kind, ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL, data, len);
	}
}

/* A bounce forwarded inline ("Begin forwarded message:", every line
 * quoted with "> "): one level of quoting comes off, in place. */
static void unquote_forward(struct bounce_msg *m)
{
	char *r, *w, *e = m->text + m->textlen;
	size_t quoted = 0;
	if (!bounce_memcasemem(m->text, m->textlen, "forwarded message"))
		return;
	for (r = m->text; r < e; r++)
		if (*r == '>' && (r == m->text || r[-1] == '\n'))
			quoted++;
	if (quoted < 5)
		return;
	for (r = w = m->text; r < e;) {
		if (*r == '>' && (r == m->text || r[-1] == '\n')) {
			r++;
			if (r < e && *r == ' ')
				r++;
		}
		while (r < e && *r != '\n')
			*w++ = *r++;
		if (r < e)
			*w++ = *r++;
	}
	*w = '\0';
	m->textlen = (size_t)(w - m->text);
}

/* A report whose MIME structure broke (a boundary that never comes) shows
 * its delivery-status fields in the text: take them from the first field. */
static void dsn_from_text(struct bounce_msg *m)
{
	static const char *const fields[] = { "\nReporting-MTA:", "\nOriginal-Recipient:", "\nFinal-Recipient:" };
	const char *first = NULL;
	size_t i;
	if (!bounce_memcasemem(m->text, m->textlen, "\nFinal-Recipient:"))
		return;
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *f = bounce_memcasemem(m->text, m->textlen, fields[i]);
		if (f && (!first || f < first))
			first = f;
	}
	bounce_mime_append(&m->dsn, &m->dsnlen, first + 1, (size_t)(m->text + m->textlen - first - 1),
	                   BOUNCE_TEXT_MAX);
}

static const char *body_start(const char *buf, size_t len)
{
	const char *p = buf, *e = buf + len;
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		if (!nl)
			return e;
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return nl + 1;
		p = nl + 1;
	}
	return e;
}

void bounce_walk_finish(struct bounce_walk *w, const char *buf, size_t len)
{
	struct bounce_msg *m = w->m;
	if (!m->textlen && w->htmllen) {
		free(m->text); /* an empty text/plain part */
		m->text = w->html;
		m->textlen = w->htmllen;
		w->html = NULL;
	}
	free(w->html);
	w->html = NULL;
	if (!m->textlen && !m->dsn) {
		/* broken MIME: read the body as it stands */
		const char *b = body_start(buf, len);
		bounce_mime_append(&m->text, &m->textlen, b, (size_t)(buf + len - b), BOUNCE_TEXT_MAX);
	}
	if (!m->text) {
		m->text = xstrdup("");
		m->textlen = 0;
	}
	unquote_forward(m);
	if (!m->dsn)
		dsn_from_text(m);
	if (!m->json && m->textlen > 2 && m->text[strspn(m->text, " \t\n")] == '{')
		m->json = xstrdup(m->text + strspn(m->text, " \t\n"));
}

int bounce_msg_parse_gmime(struct bounce_msg *m, const char *buf, size_t len)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *msg;
	struct bounce_walk w;

	bounce_mime_ready();
	st = g_mime_stream_mem_new_with_buffer(buf, len);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, popts);
	g_object_unref(parser);
	g_object_unref(st);
	if (!msg)
		return -1;
	copy_headers(&m->top, GMIME_OBJECT(msg));
	memset(&w, 0, sizeof w);
	w.m = m;
	if (msg->mime_part)
		walk(&w, msg->mime_part);
	bounce_walk_finish(&w, buf, len);
	g_object_unref(msg);
	return 0;
}

int bounce_msg_parse(struct bounce_msg *m, const char *buf, size_t len)
{
	if (!only_gmime && bounce_msg_parse_fast(m, buf, len) == 0)
		return 0;
	return bounce_msg_parse_gmime(m, buf, len);
}

void bounce_msg_free(struct bounce_msg *m)
{
	if (!m)
		return;
	bounce_hdrs_free(&m->top);
	bounce_hdrs_free(&m->orig);
	free(m->text);
	free(m->dsn);
	free(m->feedback);
	free(m->report_type);
	free(m->json);
	memset(m, 0, sizeof *m);
}

/* Two digits at s, or -1. */
static int two(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

/*
 * The canonical RFC 5322 date, "[Mon, ]2 Jan 2006 15:04:05 -0700" with an
 * optional comment after it, the way nearly every mailer writes it: read
 * here (GMime gives the same seconds for it, see tests/unit/
 * test_bounce_mime.c); 1 and *t set, or 0 for anything else.
 */
static int canonical_date(const char *s, time_t *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const char days[] = "MonTueWedThuFriSatSun";
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int d, mon, y, hh, mm, ss, zh, zm, i, leap;
	if (s[0] && s[1] && s[2] && s[3] == ',' && s[4] == ' ') {
		for (i = 0; i < 7 && memcmp(days + i * 3, s, 3); i++)
			;
		if (i == 7)
			return 0;
		s += 5;
	}
	if (s[0] >= '1' && s[0] <= '9' && s[1] == ' ') {
		d = s[0] - '0';
		s += 2;
	} else if ((d = two(s)) > 0 && s[2] == ' ') {
		s += 3;
	} else {
		return 0;
	}
	if (strlen(s) < 23) /* "Jan 2006 15:04:05 -0700" */
		return 0;
	for (mon = 0; mon < 12 && (memcmp(months + mon * 3, s, 3) || s[3] != ' '); mon++)
		;
	if (mon == 12 || two(s + 4) < 0 || two(s + 6) < 0 || s[8] != ' ')
		return 0;
	y = two(s + 4) * 100 + two(s + 6);
	s += 9;
	if ((hh = two(s)) < 0 || s[2] != ':' || (mm = two(s + 3)) < 0 || s[5] != ':' || (ss = two(s + 6)) < 0 ||
	    s[8] != ' ' || (s[9] != '+' && s[9] != '-') || (zh = two(s + 10)) < 0 || (zm = two(s + 12)) < 0)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || d > mdays[mon] + (mon == 1 && leap) || hh > 23 || mm > 59 || ss > 59 || zh > 14 || zm > 59)
		return 0; /* GMime's business */
	if (s[14] && !(s[14] == ' ' && s[15] == '('))
		return 0;
	*t = (time_t)sc_days_from_civil(y, mon + 1, d) * 86400 + hh * 3600 + mm * 60 + ss -
	     (s[9] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
	return 1;
}

time_t bounce_parse_date(const char *s)
{
	GDateTime *dt;
	time_t t;
	if (!s || !*s)
		return 0;
	if (canonical_date(s, &t))
		return t;
	dt = g_mime_utils_header_decode_date(s);
	if (!dt)
		return 0;
	t = (time_t)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* The date as GMime alone reads it, for the tests. */
time_t bounce_parse_date_gmime(const char *s)
{
	GDateTime *dt;
	time_t t;
	if (!s || !*s || !(dt = g_mime_utils_header_decode_date(s)))
		return 0;
	t = (time_t)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

void bounce_hdrs_decode(struct bounce_hdrs *h)
{
	size_t i;
	for (i = 0; i < h->n; i++) {
		char *d;
		if (!strstr(h->v[i].value, "=?"))
			continue;
		bounce_mime_ready();
		d = g_mime_utils_header_decode_text(popts, h->v[i].value);
		if (!d)
			continue;
		h->v[i].value = bounce_hdrs_strndup(h, d, strlen(d));
		g_free(d);
	}
}
