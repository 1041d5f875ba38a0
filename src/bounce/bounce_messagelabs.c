/*
 * bounce_messagelabs.c - Symantec MessageLabs (later Symantec Email
 * Security.cloud, now Broadcom's): a hosted service that relays its
 * customers' mail in and out through its own servers (server-N.bemta-N.
 * messagelabs.com, whose Received fields look like qmail's). When the next
 * hop refuses a message, it sends from MAILER-DAEMON@messagelabs.com a
 * multipart/report: a text part that introduces itself ("This is the mail
 * delivery agent at messagelabs.com." or "... at Symantec Email
 * Security.cloud."), says "I was unable to deliver your message to the
 * following addresses:", lists each address on a line of its own, then
 * "Reason: " and the remote server's reply (a multi-line reply line by
 * line), then the subject, date and reference of the message; an RFC 3464
 * report repeats the recipients (where its Diagnostic-Code often loses the
 * reply's later lines, left unindented).
 *
 * Not an appliance: the reply in the notice is the next hop's, not a
 * verdict of MessageLabs' own filters.
 */
#include <string.h>

#include "bounce/bounce.h"

#define ML_START "I was unable to deliver your message to the following addresses"

static int detect(const struct bounce_msg *m)
{
	if (bounce_contains(bounce_hdr(&m->top, "From"), "mailer-daemon@messagelabs.com"))
		return 1;
	return bounce_has(m, "This is the mail delivery agent at messagelabs.com") ||
	       bounce_has(m, "This is the mail delivery agent at Symantec Email Security.cloud");
}

/* The addresses each on a line of their own, and after them (or after each)
 * "Reason: " with the reply, its lines up to the next blank line: the reply
 * goes to every address listed since the last reason. */
static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *le, *line, *rest;
	size_t waiting = l->n, from = 0, to = 0, i, as, al;
	struct bounce_rec *r;
	int added = 0;

	bounce_text_span(m, ML_START, &b, &e);
	if (!bounce_memcasemem(b, (size_t)(e - b), ML_START))
		return bounce_fallback(m, b, e, l);
	bounce_next_line(&b, e, &le); /* the introducing line */
	for (p = b; p < e;) {
		line = bounce_next_line_trimmed(&p, e, &le);
		if (line == le) {
			from = to = 0; /* a blank line ends a reason */
			continue;
		}
		if (bounce_line_label(line, le, "The message subject was:") ||
		    bounce_line_label(line, le, "Please do not reply"))
			break;
		if ((rest = bounce_line_label(line, le, "Reason:")) != NULL) {
			from = waiting;
			to = waiting = l->n;
			line = rest;
		}
		if (from < to) { /* the reason, or its next line */
			for (i = from; i < to; i++)
				bounce_rec_diag_append(&l->v[i], line, (size_t)(le - line));
			continue;
		}
		while (le > line && (le[-1] == ' ' || le[-1] == '\t'))
			le--;
		if (le - line > 2 && *line == '<' && le[-1] == '>') {
			line++;
			le--;
		}
		if (bounce_find_addr(line, (size_t)(le - line), &as, &al) && as == 0 && al == (size_t)(le - line)) {
			int fresh;
			if (!(r = bounce_list_get(l, line, al, &fresh)))
				break;
			added += fresh;
		}
	}
	return added;
}

const struct bounce_module bounce_mod_messagelabs = { "messagelabs", detect, parse, 0 };
