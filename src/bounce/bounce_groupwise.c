/*
 * bounce_groupwise.c - Novell (Micro Focus) GroupWise's delivery reports:
 * "The message that you sent was not delivered to the following recipients"
 * or a "Message status - undeliverable" table, one "addr  reason" per line.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "GroupWise") || bounce_hdr_has(m, "X-Mailer", "GroupWise") ||
	       bounce_hdr_has(m, "Subject", "Message status - undeliverable");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *start = bounce_has(m, "Message status - undeliverable") ? "Message status - undeliverable" :
	                    "not delivered";
	return bounce_prose(m, l, start);
}

const struct bounce_module bounce_mod_groupwise = { "groupwise", detect, parse, 0 };
