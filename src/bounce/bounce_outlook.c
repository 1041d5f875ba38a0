/*
 * bounce_outlook.c - Outlook.com (Hotmail, Windows Live) notices: "This is
 * an automatically generated Delivery Status Notification. Delivery to the
 * following recipients failed." with the addresses indented; the reason is
 * in the RFC 3464 report beside it, or in the lines that follow.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return (bounce_has(m, "Delivery to the following recipients failed") ||
	        bounce_has(m, "Delivery to the following recipients has been delayed")) ||
	       bounce_hdr_has(m, "Received", ".hotmail.com") || bounce_hdr_has(m, "From", "@hotmail.com") ||
	       bounce_hdr_has(m, "From", "@outlook.com");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n;
	int n = bounce_prose(m, l, "Delivery to the following recipients");
	if (n > 0 && bounce_has(m, "Technical details"))
		bounce_diag_between(m, "Technical details", NULL, l, first);
	return n;
}

const struct bounce_module bounce_mod_outlook = { "outlook", detect, parse, 0 };
