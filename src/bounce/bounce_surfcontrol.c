/*
 * bounce_surfcontrol.c - SurfControl E-mail Filter (Websense): "Your message could not be sent."
 * then "addr: [ip], 550 ..." per failed attempt.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "X-Mailer", "SurfControl") || bounce_has(m, "A transcript of the attempts to send the message follows");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "A transcript of the attempts");
}

const struct bounce_module bounce_mod_surfcontrol = { "surfcontrol", detect, parse, 1 };
