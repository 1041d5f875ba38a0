/*
 * bounce_googlegroups.c - Google Groups refusing a post: the group does not
 * exist or the sender may not post to it. The message, in the sender's
 * language, names no SMTP reply; the record is the group's address (the To
 * of the original post), reason rejected.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return !m->dsn && bounce_hdr_has(m, "From", "mailer-daemon@googlemail.com") &&
	       (bounce_has(m, "Google Groups") || bounce_has(m, "groups.google.com"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e;
	size_t i, first = l->n;
	int n;
	bounce_text_span(m, NULL, &b, &e);
	n = bounce_fallback(m, b, e, l);
	for (i = first; i < l->n; i++)
		l->v[i].reason_hint = SMTPCODES_REASON_REJECTED;
	return n;
}

const struct bounce_module bounce_mod_googlegroups = { "googlegroups", detect, parse, 0 };
