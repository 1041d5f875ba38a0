/*
 * bounce_activehunter.c - Active!hunter (TransWARE): Sendmail-like prose with ">>> addr <addr>"
 * under "The following addresses had permanent fatal errors".
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr(&m->top, "X-AHMAILID") != NULL;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_activehunter = { "activehunter", detect, parse, 1 };
