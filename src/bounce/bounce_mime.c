/*
 * bounce_mime.c - one bounce message through GMime into a struct bounce_msg.
 *
 * This is the only file that includes GMime. The walk keeps what the bounce
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
#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <gmime/gmime.h>
#pragma GCC diagnostic pop

#include "bounce/bounce.h"
#include "common/util.h"

static GMimeParserOptions *popts;

void bounce_mime_init(void)
{
	g_mime_init();
	popts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	bounce_needles_init();
}

void bounce_mime_shutdown(void)
{
	if (popts)
		g_mime_parser_options_free(popts);
	popts = NULL;
	bounce_needles_thread_done();
	bounce_needles_free();
	g_mime_shutdown();
}

/* Appends s[0..n) to *dst (growing), dropping CR, up to cap bytes in all. */
static void append(char **dst, size_t *dlen, const char *s, size_t n, size_t cap)
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

static void copy_headers(struct bounce_hdrs *h, GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0;
	for (i = 0; i < n; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(hd);
		const char *raw = g_mime_header_get_raw_value(hd);
		const char *p;
		int plain = 1;
		if (!name)
			continue;
		if (!raw)
			raw = "";
		/* GMime's decoding (encoded words, charsets) costs; most values
		 * are plain ASCII and only need unfolding */
		for (p = raw; *p && plain; p++)
			if ((unsigned char)*p >= 0x80 || (p[0] == '=' && p[1] == '?'))
				plain = 0;
		if (plain) {
			size_t len = strlen(raw), k, o = 0;
			char *v = xmalloc(len + 1);
			while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r' || raw[len - 1] == ' '))
				len--;
			for (k = 0; k < len; k++) {
				if (raw[k] == '\r' || raw[k] == '\n')
					continue;
				v[o++] = raw[k] == '\t' ? ' ' : raw[k];
			}
			v[o] = '\0';
			for (k = 0; v[k] == ' '; k++)
				;
			bounce_hdrs_add(h, name, strlen(name), v + k, o - k);
			free(v);
		} else {
			const char *val = g_mime_header_get_value(hd);
			if (!val)
				val = "";
			bounce_hdrs_add(h, name, strlen(name), val, strlen(val));
		}
	}
}

/* The decoded bytes of a leaf part, NUL-terminated, or NULL when the part is
 * larger than BOUNCE_PART_MAX (an attachment) or empty. */
static char *part_bytes(GMimePart *part, size_t *len)
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
	if (slen < 0 || (guint64)slen > BOUNCE_PART_MAX)
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

/* Converts to UTF-8 from the part's charset when it names another one. */
static char *to_utf8(GMimeObject *obj, char *s, size_t *len)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *cs = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	gsize olen = 0;
	gchar *conv;
	char *out;
	if (!cs || !g_ascii_strcasecmp(cs, "utf-8") || !g_ascii_strcasecmp(cs, "us-ascii") ||
	    !g_ascii_strcasecmp(cs, "utf8"))
		return s;
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
			if (j + 1 < n && (!strncasecmp(s + j, "br", 2) || !strncasecmp(s + j, "p", 1) ||
			                  !strncasecmp(s + j, "div", 3) || !strncasecmp(s + j, "tr", 2) ||
			                  !strncasecmp(s + j, "li", 2)))
				nl = 1;
			if (n - i > 7 && (!strncasecmp(s + i, "<style", 6) || !strncasecmp(s + i, "<script", 7))) {
				const char *end = bounce_memcasemem(s + i, n - i, s[i + 2] == 't' || s[i + 2] == 'T' ?
				                                                       "</style>" : "</script>");
				i = end ? (size_t)(end - s) + 8 : n;
				continue;
			}
			while (i < n && s[i] != '>')
				i++;
			i++;
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

struct walk {
	struct bounce_msg *m;
	char *html;
	size_t htmllen;
	int depth;
};

static void walk(struct walk *w, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : "text";
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : "plain";
	struct bounce_msg *m = w->m;

	if (!type)
		type = "text";
	if (!sub)
		sub = "plain";
	if (w->depth > 20)
		return;
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
		size_t len = 0;
		char *data;
		int is_dsn = !g_ascii_strcasecmp(type, "message") &&
		             (!g_ascii_strcasecmp(sub, "delivery-status") ||
		              !g_ascii_strcasecmp(sub, "global-delivery-status"));
		int is_fb = !g_ascii_strcasecmp(type, "message") && !g_ascii_strcasecmp(sub, "feedback-report");
		int is_hdrs = (!g_ascii_strcasecmp(type, "text") || !g_ascii_strcasecmp(type, "message")) &&
		              (!g_ascii_strncasecmp(sub, "rfc822-header", 13) ||
		               !g_ascii_strcasecmp(sub, "global-headers"));
		int is_text = !g_ascii_strcasecmp(type, "text") && !g_ascii_strcasecmp(sub, "plain");
		int is_html = !g_ascii_strcasecmp(type, "text") && !g_ascii_strcasecmp(sub, "html");
		int is_json = !g_ascii_strcasecmp(type, "application") && !g_ascii_strcasecmp(sub, "json");
		int is_rfc822_leaf = !g_ascii_strcasecmp(type, "message") && !g_ascii_strcasecmp(sub, "rfc822");

		if (!(is_dsn || is_fb || is_hdrs || is_text || is_html || is_json || is_rfc822_leaf))
			return;
		if ((is_text || is_html) && m->textlen >= BOUNCE_TEXT_MAX)
			return;
		/* a text attachment after the notification is not its prose */
		if ((is_text || is_html) && m->textlen > 0 &&
		    bounce_contains(g_mime_object_get_disposition(obj), "attachment"))
			return;
		data = part_bytes(GMIME_PART(obj), &len);
		if (!data)
			return;
		if (is_dsn) {
			append(&m->dsn, &m->dsnlen, data, len, BOUNCE_DSN_MAX);
		} else if (is_fb) {
			append(&m->feedback, &m->feedbacklen, data, len, BOUNCE_TEXT_MAX);
		} else if (is_hdrs || is_rfc822_leaf) {
			if (!m->has_orig) {
				char *t = NULL;
				size_t tl = 0;
				append(&t, &tl, data, len, BOUNCE_TEXT_MAX);
				if (t)
					bounce_hdrs_parse(&m->orig, t, tl);
				bounce_hdrs_decode(&m->orig);
				free(t);
				m->has_orig = 1;
			}
		} else if (is_json) {
			if (!m->json)
				m->json = xstrndup(data, len);
		} else {
			data = to_utf8(obj, data, &len);
			if (is_html) {
				len = strip_html(data, len);
				append(&w->html, &w->htmllen, data, len, BOUNCE_TEXT_MAX);
			} else {
				append(&m->text, &m->textlen, data, len, BOUNCE_TEXT_MAX);
			}
		}
		free(data);
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
	append(&m->dsn, &m->dsnlen, first + 1, (size_t)(m->text + m->textlen - first - 1), BOUNCE_TEXT_MAX);
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

int bounce_msg_parse(struct bounce_msg *m, const char *buf, size_t len)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *msg;
	struct walk w;

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
	if (!m->textlen && w.htmllen) {
		free(m->text); /* an empty text/plain part */
		m->text = w.html;
		m->textlen = w.htmllen;
		w.html = NULL;
	}
	free(w.html);
	if (!m->textlen && !m->dsn) {
		/* broken MIME: read the body as it stands */
		const char *b = body_start(buf, len);
		append(&m->text, &m->textlen, b, (size_t)(buf + len - b), BOUNCE_TEXT_MAX);
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
	g_object_unref(msg);
	return 0;
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

time_t bounce_parse_date(const char *s)
{
	GDateTime *dt;
	time_t t;
	if (!s || !*s)
		return 0;
	dt = g_mime_utils_header_decode_date(s);
	if (!dt)
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
		d = g_mime_utils_header_decode_text(popts, h->v[i].value);
		if (!d)
			continue;
		free(h->v[i].value);
		h->v[i].value = xstrdup(d);
		g_free(d);
	}
}
