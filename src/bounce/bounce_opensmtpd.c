/*
 * bounce_opensmtpd.c - OpenSMTPD's "Delivery status notification": after
 * "the following list of recipients:" one "addr: reply" per line, up to
 * "Below is a copy of the original message:".
 *
 * "Envelope expired" is final: smtpd deletes the envelope and sends an
 * error bounce, but its report keeps the last temporary failure's "Action:
 * delayed" and 4.4.7. Such a record is marked failed, 5.4.7 (bounce.c's
 * merge lets this prose overrule the report's "delayed").
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "This is the MAILER-DAEMON, please DO NOT REPLY") ||
	       bounce_hdr_has(m, "Received", "(OpenSMTPD)") ||
	       bounce_hdr_has(m, "Subject", "Delivery status notification:");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t i = l->n;
	int n = bounce_prose(m, l, "list of recipients");
	for (; i < l->n; i++)
		if (bounce_memcasemem(l->v[i].diag, strlen(l->v[i].diag), "Envelope expired")) {
			memcpy(l->v[i].action, "failed", 7);
			memcpy(l->v[i].status, "5.4.7", 6);
		}
	return n;
}

const struct bounce_module bounce_mod_opensmtpd = { "opensmtpd", detect, parse, 0 };
