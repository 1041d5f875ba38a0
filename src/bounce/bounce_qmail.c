/*
 * bounce_qmail.c - qmail-send's "failure notice": "Hi. This is the
 * qmail-send program at host." then "<addr>:" and the remote's answer on the
 * lines below, up to "--- Below this line is a copy of the message." The
 * same shape comes from netqmail, vpopmail and Yahoo's older servers.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "This is the qmail-send program") || bounce_has(m, "qmail-send program at") ||
	       bounce_hdr_has(m, "Received", "invoked for bounce") ||
	       bounce_hdr_has(m, "Received", "invoked from network") ||
	       bounce_has(m, "--- Below this line is a copy of the message") ||
	       bounce_has(m, "--- Original message follows.") || bounce_has(m, "I'm afraid I wasn't able to deliver");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_qmail = { "qmail", detect, parse, 0 };
