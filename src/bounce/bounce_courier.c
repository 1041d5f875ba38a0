/*
 * bounce_courier.c - the Courier mail server's notices: "This is a delivery
 * status notification from host, running the Courier mail server", then
 * "<addr>:", the remote host, and the ">>> RCPT TO" / "<<< 550 ..." dialogue.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "running the Courier mail server") || bounce_hdr_has(m, "Message-ID", "courier");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "cannot be delivered");
}

const struct bounce_module bounce_mod_courier = { "courier", detect, parse, 0 };
