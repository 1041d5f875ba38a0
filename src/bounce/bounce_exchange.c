/*
 * bounce_exchange.c - Microsoft Exchange (2003 to 2019) and Office 365 NDRs.
 * Exchange 2003: "did not reach the following recipient(s): addr on DATE"
 * then the reason and an MSEXCH code. Exchange 2007 and later, Office 365:
 * "Delivery has failed to these recipients or groups:" with a friendly
 * explanation, and "Diagnostic information for administrators:" where each
 * address is followed by "#550 5.1.1 RESOLVER.ADR.RecipNotFound; ... ##" or
 * "Remote Server returned '550 ...'". Office 365's newer layout ("Your
 * message to addr couldn't be delivered.") comes with an RFC 3464 report.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr(&m->top, "X-MS-Exchange-Message-Is-Ndr") != NULL ||
	       bounce_has(m, "did not reach the following recipient") ||
	       bounce_has(m, "Delivery has failed to these recipients") ||
	       bounce_has(m, "Diagnostic information for administrators") ||
	       bounce_has(m, "Microsoft Exchange") || bounce_has(m, "couldn't be delivered") ||
	       bounce_hdr_has(m, "X-Mailer", "Exchange");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n;
	int n = 0;
	if (bounce_has(m, "Diagnostic information for administrators")) {
		const char *b, *e;
		bounce_text_span(m, "Diagnostic information for administrators", &b, &e);
		n = bounce_scan_blocks(b, e, l);
		if (n > 0) {
			/* the friendly text before it names the reason in words */
			const char *fb, *fe, *d;
			size_t i;
			bounce_text_span(m, NULL, &fb, &fe);
			d = bounce_memcasemem(fb, (size_t)(fe - fb), "Diagnostic information for administrators");
			for (i = first; d && i < l->n; i++) {
				const char *s = bounce_memcasemem(fb, (size_t)(d - fb), l->v[i].recipient);
				if (s && (size_t)(d - s) < 2048)
					bounce_rec_diag_append(&l->v[i], s + strlen(l->v[i].recipient),
					                       (size_t)(d - s) - strlen(l->v[i].recipient));
			}
			return n;
		}
	}
	if (bounce_has(m, "did not reach the following recipient"))
		return bounce_prose(m, l, "did not reach the following recipient");
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_exchange = { "exchange", detect, parse, 0 };
