/*
 * bounce_domino.c - Lotus (HCL) Domino and Notes: "Your message ... was not
 * delivered to: addr because: reason", and Lotus Notes' "------- Failure
 * Reasons --------" block with the reason above the address.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "was not delivered to:") || bounce_has(m, "------- Failure Reasons") ||
	       bounce_hdr_has(m, "Subject", "DELIVERY FAILURE:") || bounce_hdr_has(m, "Subject", "DELIVERY_FAILURE:");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n;
	int n;
	if (bounce_has(m, "------- Failure Reasons")) {
		const char *b, *e, *s;
		bounce_text_span(m, "------- Failure Reasons", &b, &e);
		s = memchr(b, '\n', (size_t)(e - b));
		if (!s)
			return 0;
		n = bounce_fallback(m, s, e, l);
		if (!n) {
			size_t as, al;
			struct bounce_rec *r;
			if (!bounce_find_addr(s, (size_t)(e - s), &as, &al) || !(r = bounce_list_add(l)))
				return 0;
			bounce_rec_set(r->recipient, sizeof r->recipient, s + as, al);
			bounce_rec_diag_append(r, s, as);
			n = 1;
		}
		return n;
	}
	n = bounce_prose(m, l, "was not delivered to:");
	if (n > 0 && bounce_has(m, "because:"))
		bounce_diag_between(m, "because:", NULL, l, first);
	return n;
}

const struct bounce_module bounce_mod_domino = { "domino", detect, parse, 0 };
