/*
 * bounce_imailserver.c - Ipswitch IMail Server: one line per recipient,
 * "Unknown user: addr", "User mailbox exceeds allowed size: addr",
 * "Delivery failed 20 attempts: addr", "Invalid final delivery userid:
 * addr", then "Original message follows."
 */
#include <ctype.h>
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "Original message follows.") &&
	       (bounce_hdr_has(m, "X-Mailer", "IMail") || bounce_hdr_has(m, "Received", "SMTPD32") ||
	        bounce_has(m, "Unknown user:") || bounce_has(m, "Delivery failed") ||
	        bounce_has(m, "exceeds allowed size:") || bounce_has(m, "Invalid final delivery userid:"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n;
	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *line = bounce_next_line(&p, e, &le);
		const char *colon = memchr(line, ':', (size_t)(le - line));
		size_t as, al;
		/* "Words words: addr" and nothing after the address */
		if (colon && colon > line && isalpha((unsigned char)*line) &&
		    bounce_find_addr(colon, (size_t)(le - colon), &as, &al) && colon + as + al + 2 >= le) {
			struct bounce_rec *r = bounce_list_add(l);
			if (!r)
				break;
			bounce_rec_set(r->recipient, sizeof r->recipient, colon + as, al);
			bounce_rec_diag_append(r, line, (size_t)(colon - line));
		}
	}
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_imailserver = { "imailserver", detect, parse, 0 };
