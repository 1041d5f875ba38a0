/*
 * bounce_exim.c - Exim's bounces: "This message was created automatically by
 * mail delivery software." then each failed address indented by two spaces,
 * its reason indented by four ("SMTP error from remote mail server after
 * RCPT TO:<...>: host mx [ip]: 550 ..."); X-Failed-Recipients lists them all.
 * Many hosting companies send Exim's text behind their own; Mail.Ru and
 * GMX have modules of their own (bounce_mailru.c, bounce_gmx.c) that
 * recognise them and read the records with this parse().
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	if (bounce_hdr(&m->top, "X-Failed-Recipients") ||
	    bounce_has(m, "This message was created automatically by mail delivery software") ||
	    bounce_hdr_has(m, "Subject", "Mail delivery failed") || bounce_hdr_has(m, "Subject", "Warning: message"))
		return 1;
	/* A Received field that names Exim says an Exim host passed the
	 * bounce on, perhaps only the one that took it in for the reader: it
	 * does not count against the prose of Postfix, which names itself
	 * ("This is the mail system at host ...") */
	return bounce_hdr_has(m, "Received", "(Exim ") && !bounce_mod_postfix.detect(m);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	/* after "The following address(es) failed:" (the sender may be named
	 * before it: "A message sent by <addr> could not be delivered") */
	const char *start = "address(es) failed:";
	if (!bounce_has(m, start))
		start = bounce_has(m, "following address failed:") ? "following address failed:" :
		        bounce_has(m, "This message was created automatically") ? "This message was created automatically" :
		                                                                  NULL;
	return bounce_prose(m, l, start);
}

const struct bounce_module bounce_mod_exim = { "exim", detect, parse, 0 };
