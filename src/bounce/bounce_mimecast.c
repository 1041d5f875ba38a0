/*
 * bounce_mimecast.c - Mimecast's "Email Delivery Failure" alerts: the
 * address after "-- ", then "The problem appears to be :" and "Additional
 * information follows :" with the remote reply, each line led by "-- ".
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "The problem appears to be") || bounce_hdr_has(m, "Received", "mimecast") ||
	       bounce_hdr_has(m, "Subject", "[Postmaster] Email Delivery Failure");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n;
	int n = bounce_prose(m, l, NULL);
	if (n > 0 && bounce_has(m, "The problem appears to be"))
		bounce_diag_between(m, "The problem appears to be", "This condition occurred", l, first);
	return n;
}

const struct bounce_module bounce_mod_mimecast = { "mimecast", detect, parse, 0 };
