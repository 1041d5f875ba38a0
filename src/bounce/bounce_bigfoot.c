/*
 * bounce_bigfoot.c - Bigfoot (bigfoot.com), a forwarding service that gave
 * people one address for life and passed their mail on with its own MTA,
 * LiteMail ("Received: by LITEMAIL00.bigfoot.com (LiteMail v3.03(...))").
 * Its bounces come from "Mail Delivery Subsystem <MAILER-DAEMON@bigfoot.com>"
 * and copy Sendmail's layout word for word: a multipart/report whose prose
 * lists the addresses under "----- The following addresses had permanent
 * fatal errors -----" and then the session transcript (">>> RCPT
 * TO:<addr>", "<<< 553 Invalid recipient addr (Mode: normal)"), beside the
 * report and the original message as message/partial. Sendmail's reader
 * reads that layout (the address list, the reply, the command before it);
 * this module names the software that wrote it.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "Received", "(LiteMail v") || bounce_hdr_has(m, "From", "MAILER-DAEMON@bigfoot.com");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_mod_sendmail.parse(m, l);
}

const struct bounce_module bounce_mod_bigfoot = { "bigfoot", detect, parse, 0 };
