/*
 * bounce_mxlogic.c - MX Logic (McAfee SaaS Email Protection): Exim's prose ("The following
 * address failed: <addr>: 550 ...") sent from mxlogic.net hosts.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "From", "mxlogic.net") || bounce_hdr_has(m, "Received", "mxlogic.net");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_mxlogic = { "mxlogic", detect, parse, 1 };
