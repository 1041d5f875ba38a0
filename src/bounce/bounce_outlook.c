/*
 * bounce_outlook.c - Outlook.com (Hotmail, Windows Live) notices: "This is
 * an automatically generated Delivery Status Notification. Delivery to the
 * following recipients failed." with the addresses indented; the reason is
 * in the RFC 3464 report beside it, or in the lines that follow. Another
 * layout gives the reason in its first sentence, "Unable to deliver
 * message to the following recipients, due to being unable to connect
 * successfully to the destination mail server.", and a report without a
 * Diagnostic-Code: that sentence is the records' diagnostic.
 */
#include <string.h>

#include "bounce/bounce.h"

#define UNABLE "Unable to deliver message to the following recipients"

static int detect(const struct bounce_msg *m)
{
	return (bounce_has(m, "Delivery to the following recipients failed") ||
	        bounce_has(m, "Delivery to the following recipients has been delayed") || bounce_has(m, UNABLE)) ||
	       bounce_hdr_has(m, "Received", ".hotmail.com") || bounce_hdr_has(m, "From", "@hotmail.com") ||
	       bounce_hdr_has(m, "From", "@outlook.com");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n;
	int n;
	if (bounce_has(m, UNABLE)) {
		const char *b, *e, *s, *le;
		size_t i;
		bounce_text_span(m, NULL, &b, &e);
		n = bounce_prose(m, l, UNABLE);
		s = bounce_memcasemem(b, (size_t)(e - b), UNABLE);
		if (n > 0 && s) {
			le = memchr(s, '\n', (size_t)(e - s));
			for (i = first; i < l->n; i++) {
				l->v[i].diag[0] = '\0';
				bounce_rec_diag_append(&l->v[i], s, (size_t)((le ? le : e) - s));
			}
		}
		return n;
	}
	n = bounce_prose(m, l, "Delivery to the following recipients");
	if (n > 0 && bounce_has(m, "Technical details"))
		bounce_diag_between(m, "Technical details", NULL, l, first);
	return n;
}

const struct bounce_module bounce_mod_outlook = { "outlook", detect, parse, 0 };
