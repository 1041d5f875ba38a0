/*
 * bounce_mfilter.c - m-FILTER (Digital Arts): the address, then "-------server message" with
 * the remote reply and "-------SMTP command" with the stage.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "X-Mailer", "m-FILTER") || bounce_has(m, "-------server message");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_mfilter = { "mfilter", detect, parse, 1 };
