/*
 * bounce_x6.c - a mail server of unknown make whose bounce comes from a bare
 * "mailer-daemon" with the subject "There was an error sending your mail":
 * "We had trouble delivering your message. Full details follow:", the
 * original's Subject and Date in quotes, "N error(s):", then one paragraph
 * per error, either "The following recipients returned permanent errors:
 * a@x, b@y. Reason: SMTP Server <host> refused to accept your message
 * (DATA), with the following error message: [554 ...]" or "SMTP Server
 * <host> rejected recipient <a@x> (Error following RCPT command). It
 * responded as follows: [550 ...]"; it closes with "The attachment contains
 * the original mail headers" and attaches those headers as a text file.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "We had trouble delivering your message. Full details follow");
}

/* The host of "SMTP Server <host>" and the command of the "(...)" after it. */
static void server_and_stage(struct bounce_rec *r, const char *s, const char *e)
{
	const char *h = bounce_memcasemem(s, (size_t)(e - s), "SMTP Server <"), *he, *o, *c;
	if (!h)
		return;
	h += strlen("SMTP Server <");
	he = memchr(h, '>', (size_t)(e - h));
	if (!he)
		return;
	bounce_rec_set(r->rhost, sizeof r->rhost, h, (size_t)(he - h));
	o = memchr(he, '(', (size_t)(e - he));
	c = o ? memchr(o, ')', (size_t)(e - o)) : NULL;
	/* "(DATA)", "(Error following RCPT command)": a few words, right
	 * after the server's clause */
	if (c && o - he < 48 && c - o < 48)
		bounce_set_command(r, (enum smtpcodes_stage)smtpcodes_stage_from_text(o + 1, (size_t)(c - o - 1)));
}

/* One error paragraph [s, e): its records. */
static void paragraph(const char *s, const char *e, struct bounce_list *l)
{
	const char *reason = bounce_memcasemem(s, (size_t)(e - s), "Reason:");
	const char *list = bounce_memcasemem(s, (size_t)(e - s), "recipients returned");
	const char *p, *stop, *diag = s;
	size_t as, al;
	if (list && reason && list < reason) {
		/* the recipients listed before "Reason:", the reason for all */
		p = memchr(list, ':', (size_t)(reason - list));
		stop = reason;
		diag = reason + strlen("Reason:");
		while (diag < e && *diag == ' ')
			diag++;
	} else {
		/* "rejected recipient <a@x>": the first address is the recipient */
		p = s;
		stop = e;
	}
	while (p && p < stop && bounce_find_addr(p, (size_t)(stop - p), &as, &al)) {
		int fresh;
		struct bounce_rec *r = bounce_list_get(l, p + as, al, &fresh);
		p += as + al;
		if (!r)
			return;
		if (!fresh)
			continue;
		bounce_rec_diag_append(r, diag, (size_t)(e - diag));
		server_and_stage(r, diag, e);
		if (stop == e)
			break;
	}
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *para = NULL;
	size_t before = l->n;
	int counted = 0;
	bounce_text_span(m, "We had trouble delivering your message", &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		if (!counted) {
			/* the paragraphs start after "1 error(s):" */
			counted = le - q > 9 && !memcmp(le - 9, "error(s):", 9);
			continue;
		}
		if (q == le) {
			if (para)
				paragraph(para, q, l);
			para = NULL;
		} else if (!para) {
			para = q;
		}
	}
	if (para)
		paragraph(para, e, l);
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_x6 = { "x6", detect, parse, 0 };
