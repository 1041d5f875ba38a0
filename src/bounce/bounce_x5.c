/*
 * bounce_x5.c - a bounce passed on by a Trend Micro scanning gateway (its
 * X-TM-AS-* headers, a "TMMSG_..." MIME boundary) in a notice of its own:
 * from "Mail Delivery Subsystem" (an encoded word), to the placeholder
 * "NotificationRecipients", a text part that copies Sendmail's opening
 * ("The original message was received at ...", "----- The following
 * addresses had permanent delivery errors -----") with no address under
 * it, and the bounce it caught attached whole as message/rfc822 - in the
 * corpus a Mirapoint's RFC 3464 report. That report gives the recipients
 * and the reasons (bounce.c); without one, the attached bounce's prose
 * does. The reasons are the remote servers' words the gateway passes on,
 * not a filter's verdict: no appliance.
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	size_t i;
	if (!bounce_hdr_has(m, "To", "NotificationRecipients"))
		return 0;
	for (i = 0; i < m->top.n; i++)
		if (m->top.v[i].nlen > 8 && !strncasecmp(m->top.v[i].name, "X-TM-AS-", 8))
			return 1;
	return 0;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_x5 = { "x5", detect, parse, 0 };
