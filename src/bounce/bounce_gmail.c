/*
 * bounce_gmail.c - Gmail's own "Delivery Status Notification" prose (before
 * Google added RFC 3464 reports): "Delivery to the following recipient
 * failed permanently:" (or "has been delayed"), the addresses indented, then
 * "Technical details of permanent failure:" with Google's summary and "The
 * error that the other server returned was: 550 ...".
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "Delivery to the following recipient failed permanently") ||
	       bounce_has(m, "Delivery to the following recipient has been delayed") ||
	       bounce_has(m, "Technical details of permanent failure") ||
	       bounce_has(m, "Technical details of temporary failure") ||
	       (bounce_hdr_has(m, "From", "mailer-daemon@googlemail.com") && !bounce_has(m, "Google Groups"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *t;
	size_t first = l->n, i;
	int n, delayed = bounce_has(m, "has been delayed") || bounce_has(m, "will be retried");
	bounce_text_span(m, "Delivery to the following recipient", &b, &e);
	t = bounce_memcasemem(b, (size_t)(e - b), "Technical details");
	n = bounce_scan_blocks(b, t ? t : e, l);
	if (!n)
		n = bounce_fallback(m, b, e, l);
	if (t)
		bounce_diag_between(m, "Technical details", NULL, l, first);
	for (i = first; i < l->n; i++) {
		if (delayed) {
			memcpy(l->v[i].action, "delayed", 8);
			if (!l->v[i].diag[0])
				bounce_rec_diag_append(&l->v[i], b, (size_t)(e - b));
		}
	}
	return n;
}

const struct bounce_module bounce_mod_gmail = { "gmail", detect, parse, 0 };
