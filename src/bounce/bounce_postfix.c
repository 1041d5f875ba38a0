/*
 * bounce_postfix.c - Postfix's bounce(8) messages: "This is the mail system
 * at host ...", then per recipient "<addr>: host mx[ip] said: 550 ...
 * (in reply to RCPT TO command)" with indented continuation lines; usually
 * with an RFC 3464 report beside it (X-Postfix-Queue-ID, X-Postfix-Sender).
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "This is the mail system at") || bounce_has(m, "This is the Postfix program") ||
	       bounce_hdr_has(m, "Subject", "Undelivered Mail Returned to Sender") ||
	       bounce_hdr_has(m, "Subject", "Delayed Mail (still being retried)") ||
	       (m->dsn && bounce_memcasemem(m->dsn, m->dsnlen, "X-Postfix-Queue-ID"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "This is the mail system");
}

const struct bounce_module bounce_mod_postfix = { "postfix", detect, parse, 0 };
