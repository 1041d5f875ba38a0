/*
 * bounce_mcafee.c - McAfee Email Gateway (formerly IronMail, the Email and Web Security
 * appliance): "--- The following addresses had delivery problems ---" then
 * "<addr>   (reason)", with an RFC 3464 report beside it.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr(&m->top, "X-NAI-Header") != NULL || bounce_has(m, "--- The following addresses had delivery problems ---");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_mcafee = { "mcafee", detect, parse, 1 };
