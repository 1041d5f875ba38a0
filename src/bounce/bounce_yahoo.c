/*
 * bounce_yahoo.c - Yahoo Mail's "Failure Notice": "Sorry, we were unable to
 * deliver your message to the following address." then "<addr>:" and
 * "Remote host said: 550 ... [RCPT_TO]", up to "--- Below this line is a
 * copy of the message." The bracketed command names the SMTP stage.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "Sorry, we were unable to deliver your message") ||
	       (bounce_hdr_has(m, "Subject", "Failure Notice") && bounce_hdr_has(m, "Received", "yahoo"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "Sorry, we were unable to deliver");
}

const struct bounce_module bounce_mod_yahoo = { "yahoo", detect, parse, 0 };
