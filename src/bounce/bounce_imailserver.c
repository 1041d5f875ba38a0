/*
 * bounce_imailserver.c - Ipswitch IMail Server: one line per recipient,
 * "Unknown user: addr", "User mailbox exceeds allowed size: addr",
 * "Delivery failed 20 attempts: addr", "Invalid final delivery userid:
 * addr", then "Original message follows." A refusal by the remote server
 * reads "undeliverable to addr", then a heading such as "Body of message
 * generated response:" and the server's reply below it. IMail's delivery
 * agent signs its mail X-Mailer: <SMTP32 vN> and adds X-IMail-ThreadID.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	if (bounce_has(m, "undeliverable to ") && bounce_has(m, "generated response:") &&
	    (bounce_hdr_has(m, "X-Mailer", "<SMTP32 ") || bounce_hdr(&m->top, "X-IMail-ThreadID")))
		return 1;
	return bounce_has(m, "Original message follows.") &&
	       (bounce_hdr_has(m, "X-Mailer", "IMail") || bounce_hdr_has(m, "Received", "SMTPD32") ||
	        bounce_has(m, "Unknown user:") || bounce_has(m, "Delivery failed") ||
	        bounce_has(m, "exceeds allowed size:") || bounce_has(m, "Invalid final delivery userid:"));
}

/* "undeliverable to addr" lines, each with the reply under the heading
 * "... generated response:" that follows it. */
static void refused(const char *b, const char *e, struct bounce_list *l)
{
	const char *p;
	size_t first = l->n, i;
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t as, al;
		if (le - q > 17 && !strncasecmp(q, "undeliverable to ", 17) &&
		    bounce_find_addr(q + 17, (size_t)(le - q - 17), &as, &al) && as == 0) {
			struct bounce_rec *r = bounce_list_add(l);
			if (!r)
				break;
			bounce_rec_set(r->recipient, sizeof r->recipient, q + 17, al);
			continue;
		}
		if (l->n > first && bounce_memcasemem(q, (size_t)(le - q), "generated response:")) {
			/* the reply: up to a blank line, for the addresses
			 * above that have none yet */
			const char *stop = bounce_memcasemem(p, (size_t)(e - p), "\n\n");
			if (!stop)
				stop = e;
			for (i = first; i < l->n; i++)
				if (!l->v[i].diag[0]) {
					bounce_rec_diag_append(&l->v[i], q, (size_t)(le - q));
					bounce_rec_diag_append(&l->v[i], p, (size_t)(stop - p));
					/* the reply to the message's body: after DATA */
					if (le - q > 15 && !strncasecmp(q, "Body of message", 15))
						bounce_set_command(&l->v[i], SMTPCODES_STAGE_EOD);
				}
			first = l->n;
			p = stop;
		}
	}
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n;
	bounce_text_span(m, NULL, &b, &e);
	/* (the refusal's layout first: its header summary, "To: addr",
	 * reads as a line of the other) */
	refused(b, e, l);
	if (l->n > before)
		return (int)(l->n - before);
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
