/*
 * bounce_trendmicro.c - Trend Micro InterScan Messaging Security Suite: "Unable to deliver
 * message to <addr> (and other recipients in the same domain)", or the
 * session ("Sent <<< RCPT TO:<addr>" / "Received >>> 550 ..."). The closing
 * banner ("*** End of message ***") is not part of the reason: "End of
 * message" would read as the end of DATA.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "InterScan Messaging Security") || bounce_hdr_has(m, "From", "InterScan");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t first = l->n, i;
	int n = bounce_prose(m, l, NULL);
	for (i = first; i < l->n; i++) {
		char *d = l->v[i].diag, *end = strstr(d, "End of message");
		if (end && end > d && (end[-1] == '*' || end[-1] == ' ')) {
			while (end > d && (end[-1] == '*' || end[-1] == ' '))
				end--;
			*end = '\0';
		}
		/* "Please check if address is correct": the gateway found no such user */
		if (bounce_has(m, "check if address is correct") && !strstr(l->v[i].diag, "550"))
			l->v[i].reason_hint = SMTPCODES_REASON_USERUNKNOWN;
	}
	return n;
}

const struct bounce_module bounce_mod_trendmicro = { "trendmicro", detect, parse, 0 };
