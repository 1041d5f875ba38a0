/*
 * bounce_generic.c - the last resort for prose no other module knows: every
 * recipient line in the human part, with the lines after it as its reason;
 * else X-Failed-Recipients or the original message's To with the whole
 * text as the reason.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	(void)m;
	return 1;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n;
	int n = bounce_prose(m, l, NULL);
	/* "Technical details:" after the list of addresses holds the reason */
	if (n > 0 && bounce_has(m, "Technical details"))
		bounce_diag_between(m, "Technical details", NULL, l, first);
	return n;
}

const struct bounce_module bounce_mod_generic = { "generic", detect, parse, 0 };
