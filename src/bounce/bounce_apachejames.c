/*
 * bounce_apachejames.c - Apache James, the Java mail server of the Apache
 * Software Foundation. Its notify mailets (Bounce, NotifySender) write the
 * notice the installation configured (by default one sentence saying the
 * message could not be delivered; Verizon's gateway says "Error: Invalid
 * user address"), then "Error message below:" and the error the delivery
 * mailet recorded (the remote server's reply, "550 - Requested action not
 * taken: ..."), then "Message details:" with the original envelope, two
 * spaces in: "  MAIL FROM: <sender>", "  RCPT TO: <first recipient>" and
 * each further recipient alone on a line indented to the same column, then
 * "  From:", "  To:", "  Size (in bytes):" and so on. The recipients are the
 * mail's failed ones and share the one error message; the notice names no
 * host and no SMTP stage beyond what the error message itself says.
 * Messages from James carry "JAMES SMTP Server" in their Received fields and
 * JavaMail in their Message-ID, but a relay in front often hides both, so
 * the text's own headings decide.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	if (!bounce_has(m, "Message details:"))
		return 0;
	/* the envelope lines under the heading are James's own; the heading
	 * alone is an ordinary phrase */
	return (bounce_has(m, "  RCPT TO: ") && bounce_has(m, "  MAIL FROM: ")) ||
	       bounce_hdr_has(m, "Received", "JAMES SMTP Server") || bounce_hdr_has(m, "Subject", "[BOUNCE]");
}

/* Is [q, le) a line of the details block that starts a new field ("  To:
 * ..."), not an address going on from the line before? */
static int new_field(const char *q, const char *le)
{
	const char *c = memchr(q, ':', (size_t)(le - q));
	size_t s, n;
	if (!c)
		return 0;
	/* "  From: a@example.org" is a field; "           a@example.org" (a
	 * colon only further on, in the address's text) is not */
	return !bounce_find_addr(q, (size_t)(le - q), &s, &n) || q + s > c;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *det, *err, *stop, *notice;
	size_t before = l->n, i;
	int in_rcpt = 0;

	bounce_text_span(m, NULL, &b, &e);
	det = bounce_memcasemem(b, (size_t)(e - b), "\nMessage details:");
	if (!det)
		return bounce_prose(m, l, NULL);
	/* the recipients: "  RCPT TO: a" and the lines below it that hold
	 * only an address, up to the next field */
	for (p = det + 1; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t s, n;
		if (q == le)
			break;
		if (le - q > 8 && !strncmp(q, "RCPT TO:", 8)) {
			in_rcpt = 1;
			q += 8;
		} else if (!in_rcpt || new_field(q, le)) {
			in_rcpt = 0;
			continue;
		}
		while (q < le && bounce_find_addr(q, (size_t)(le - q), &s, &n)) {
			bounce_list_get(l, q + s, n, NULL);
			q += s + n;
		}
	}
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	/* the reason, the same for all: the notice (the paragraph before
	 * the headings: what comes before it is a broken MIME structure's
	 * part headers, when there is anything) and the error under "Error
	 * message below:" */
	err = bounce_memcasemem(b, (size_t)(det - b), "Error message below:");
	stop = err ? err : det;
	while (stop > b && (stop[-1] == '\n' || stop[-1] == ' '))
		stop--;
	for (notice = stop; notice > b && !(notice[-1] == '\n' && notice - 1 > b && notice[-2] == '\n'); notice--)
		;
	for (i = before; i < l->n; i++) {
		struct bounce_rec *r = &l->v[i];
		bounce_rec_diag_append(r, notice, (size_t)(stop - notice));
		if (err)
			bounce_rec_diag_append(r, err + 20, (size_t)(det - err - 20));
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_apachejames = { "apachejames", detect, parse, 0 };
