/*
 * bounce_x2.c - the bounce of a qmail-derived mail system (Yahoo! JAPAN's
 * servers send it; its texts are qmail-send's and qmail-remote's,
 * "(#4.4.1)", "I'm not going to try again"), with a frame of its own
 * instead of qmail-send's greeting and trailer: "Message from example.com.",
 * "Unable to deliver message to the following address(es).", then "<addr>:"
 * and the reason on the lines below, one block per recipient, up to
 * "--- Original message follows.".
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "Unable to deliver message to the following address(es).");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "Unable to deliver message to the following address(es).");
}

const struct bounce_module bounce_mod_x2 = { "x2", detect, parse, 0 };
