/*
 * bounce_aol.c - AOL Mail's own bounces. AOL's outbound relays (hosts
 * omr-*.mx.aol.com, "Outbound Mail Relay" in their Received fields) are
 * Postfix under another name: their RFC 3464 reports carry the per-message
 * fields X-Outbound-Mail-Relay-Queue-ID and X-Outbound-Mail-Relay-Sender
 * where Postfix writes X-Postfix-*, and "X-Outbound-Mail-Relay" as the type
 * of a Diagnostic-Code that is not a remote reply. The bounce reaches the
 * sender in one of two shapes:
 *
 *   - Postfix's own, from MAILER-DAEMON@AOL.com, subject "Undelivered Mail
 *     Returned to Sender": "This is the mail system at host omr-....", then
 *     "<addr>: reply (in reply to RCPT TO command)" (bounce_postfix.c reads
 *     it);
 *   - re-written for people, from Postmaster@AOL.com, subject
 *     "Undeliverable: <the original's subject>", sent through a bounce
 *     rendering service (Received from *.bounceio.net, X-BounceIO-Id): an
 *     HTML page "Email Returned ... We were unable to deliver your message
 *     to the following address <addr> because: <a plain-words cause>" that
 *     names the first recipient only, then the relay's report, which has
 *     every recipient, the reply and Remote-MTA.
 *
 * From the HTML page this module takes the address and the cause, for a
 * message whose report is missing; the report, when there, gives the
 * records (bounce.c).
 */
#include <string.h>

#include "bounce/bounce.h"

#define AOL_START "We were unable to deliver your message to the following address"

static int detect(const struct bounce_msg *m)
{
	const char *from;
	if (m->dsn && bounce_memcasemem(m->dsn, m->dsnlen, "X-Outbound-Mail-Relay-Queue-ID"))
		return 1;
	from = bounce_hdr(&m->top, "From");
	return (bounce_contains(from, "postmaster@aol.com") || bounce_contains(from, "mailer-daemon@aol.com")) &&
	       bounce_hdr(&m->top, "X-AOL-IP") && (bounce_mod_postfix.detect(m) || bounce_has(m, AOL_START));
}

/* The HTML page: the address after AOL_START, the cause after "because:"
 * up to the advice that follows it (its first blank line). */
static int parse_page(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *le, *line, *cause;
	size_t as, al;
	struct bounce_rec *r;

	bounce_text_span(m, AOL_START, &b, &e);
	b = bounce_memcasemem(b, (size_t)(e - b), AOL_START);
	if (!b)
		return 0;
	b += strlen(AOL_START);
	if (!bounce_find_addr(b, (size_t)(e - b), &as, &al) || !(r = bounce_list_add(l)))
		return 0;
	bounce_rec_set(r->recipient, sizeof r->recipient, b + as, al);
	p = b + as + al;
	cause = bounce_memcasemem(p, (size_t)(e - p), "because:");
	if (!cause)
		return 1;
	p = cause + strlen("because:");
	while (p < e) {
		line = bounce_next_line_trimmed(&p, e, &le);
		if (line == le) {
			if (r->diag[0])
				break;
			continue;
		}
		bounce_rec_diag_append(r, line, (size_t)(le - line));
	}
	return 1;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	if (bounce_mod_postfix.detect(m))
		return bounce_mod_postfix.parse(m, l);
	return parse_page(m, l);
}

const struct bounce_module bounce_mod_aol = { "aol", detect, parse, 0 };
