/*
 * bounce_opensmtpd.c - OpenSMTPD's "Delivery status notification": after
 * "the following list of recipients:" one "addr: reply" per line, up to
 * "Below is a copy of the original message:".
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "This is the MAILER-DAEMON, please DO NOT REPLY") ||
	       bounce_hdr_has(m, "Received", "(OpenSMTPD)") ||
	       bounce_hdr_has(m, "Subject", "Delivery status notification:");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	return bounce_prose(m, l, "list of recipients");
}

const struct bounce_module bounce_mod_opensmtpd = { "opensmtpd", detect, parse, 0 };
