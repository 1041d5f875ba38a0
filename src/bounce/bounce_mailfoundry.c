/*
 * bounce_mailfoundry.c - MailFoundry: "Unable to deliver message to: <addr>" and "Delivery failed
 * for the following reason: Server host[ip] failed with: 550 ...".
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "Delivery failed for the following reason:") && bounce_has(m, "Unable to deliver message to:");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "Unable to deliver message to:");
}

const struct bounce_module bounce_mod_mailfoundry = { "mailfoundry", detect, parse, 1 };
