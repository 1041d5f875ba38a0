/*
 * bounce_dragonfly.c - the DragonFly Mail Agent (dma): "There was an error
 * delivering your mail to <addr>." then the remote's words up to "Message
 * headers follow."
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "DragonFly Mail Agent") || bounce_has(m, "There was an error delivering your mail to");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *s;
	size_t as, al;
	struct bounce_rec *r;
	bounce_text_span(m, "There was an error delivering your mail to", &b, &e);
	s = memchr(b, '\n', (size_t)(e - b));
	if (!s || !bounce_find_addr(b, (size_t)(s - b), &as, &al) || !(r = bounce_list_add(l)))
		return bounce_prose(m, l, NULL);
	bounce_rec_set(r->recipient, sizeof r->recipient, b + as, al);
	bounce_rec_diag_append(r, s, (size_t)(e - s));
	return 1;
}

const struct bounce_module bounce_mod_dragonfly = { "dragonfly", detect, parse, 0 };
