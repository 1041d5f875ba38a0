/*
 * bounce_messagingserver.c - Oracle (Sun, iPlanet) Communications Messaging
 * Server: "This report relates to a message you sent with the following
 * header fields:", then per recipient an indented block
 *   Recipient address: addr
 *   Reason: Remote SMTP server has rejected address
 *   Diagnostic code: smtp;550 5.1.1 ...
 *   Remote system: dns;mx.example.org (TCP|...)
 * with an RFC 3464 report beside it.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "This report relates to a message you sent") || bounce_has(m, "Recipient address:");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	struct bounce_rec *cur = NULL;
	size_t before = l->n;

	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t as, al;
		if (!strncasecmp(q, "Recipient address:", 18) &&
		    bounce_find_addr(q + 18, (size_t)(le - q - 18), &as, &al)) {
			if ((cur = bounce_list_add(l)) == NULL)
				break;
			bounce_rec_set(cur->recipient, sizeof cur->recipient, q + 18 + as, al);
		} else if (cur && !strncasecmp(q, "Reason:", 7)) {
			bounce_rec_diag_append(cur, q + 7, (size_t)(le - q - 7));
		} else if (cur && !strncasecmp(q, "Diagnostic code:", 16)) {
			const char *d = q + 16, *semi = memchr(d, ';', (size_t)(le - d));
			if (semi && semi - d < 16)
				d = semi + 1;
			cur->diag[0] = '\0'; /* the reply says more than the summary */
			bounce_rec_diag_append(cur, d, (size_t)(le - d));
		} else if (cur && !strncasecmp(q, "Remote system:", 14)) {
			const char *d = q + 14, *semi = memchr(d, ';', (size_t)(le - d));
			if (semi)
				d = semi + 1;
			bounce_rec_set(cur->rhost, sizeof cur->rhost, d, strcspn(d, " (\n"));
		} else if (q == le) {
			cur = NULL;
		}
	}
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_messagingserver = { "messagingserver", detect, parse, 0 };
