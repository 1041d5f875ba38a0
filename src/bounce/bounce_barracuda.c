/*
 * bounce_barracuda.c - the Barracuda Spam (& Virus) Firewall, a filtering
 * gateway in front of an organisation's mail server, telling a sender that
 * its filter stopped a message: subject "**Message you sent blocked by our
 * bulk email filter**", a multipart/report whose text part (base64, UTF-8)
 * reads "Your message to: addr" and on the next lines "was blocked by our
 * Spam Firewall. The email you sent with the following subject has NOT
 * BEEN DELIVERED:" and the subject. The report beside it names the
 * recipients and the filter's verdict, in amavisd-new's words that the
 * firewall is built on ("550 5.7.1 Message content rejected, UBE, id=...");
 * the prose adds the firewall's own sentence. An appliance: whatever this
 * notice says, it is the filter's decision about the message, not the
 * mailbox's answer. (A message the mail server behind it refused comes
 * back in that server's own format, which this module does not claim.)
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "Subject", "Message you sent blocked by our bulk email filter") ||
	       (bounce_has(m, "Your message to:") && bounce_has(m, "was blocked by our Spam"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n, i;
	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le), *a;
		size_t as, al;
		if (le - q < 16 || strncmp(q, "Your message to:", 16))
			continue;
		/* "Your message to: a@example.org, b@example.org" */
		for (a = q + 16; a < le && bounce_find_addr(a, (size_t)(le - a), &as, &al); a += as + al) {
			struct bounce_rec *r = bounce_list_add(l);
			if (!r)
				break;
			bounce_rec_set(r->recipient, sizeof r->recipient, a + as, al);
		}
		/* the verdict: the lines under it up to a blank one */
		for (q = p; p < e && *p != '\n';)
			bounce_next_line(&p, e, &le);
		for (i = before; i < l->n; i++)
			bounce_rec_diag_append(&l->v[i], q, (size_t)(p - q));
		break;
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_barracuda = { "barracuda", detect, parse, 1 };
