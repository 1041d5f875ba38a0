/*
 * bounce_mxlogic.c - MX Logic (McAfee SaaS Email Protection): Exim's prose ("The following
 * address failed: <addr>: 550 ...") sent from mxlogic.net hosts. Its MTA (mxl_mta) marks its
 * bounces with the fields X-MX-Bounce and X-MXL-NoteHash and a Message-Id "<mxl~...>", which
 * stay where a customer's own domain hides the mxlogic.net names.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "From", "mxlogic.net") || bounce_hdr_has(m, "Received", "mxlogic.net") ||
	       bounce_hdr(&m->top, "X-MXL-NoteHash") || bounce_hdr_has(m, "Message-Id", "<mxl~");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_mxlogic = { "mxlogic", detect, parse, 1 };
