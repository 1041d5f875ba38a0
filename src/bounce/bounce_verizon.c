/*
 * bounce_verizon.c - Verizon Wireless's mail-to-phone gateways. Mail to a
 * number at vtext.com (text messages) that the gateway refuses comes back
 * from post_master@vtext.com in Apache James's notice (the gateway runs
 * James): "Error: Invalid user address", the error under "Error message
 * below:" and the envelope under "Message details:" (bounce_apachejames.c
 * reads that layout). Mail to vzwpix.com (picture messages) that the MMSC
 * refuses comes back from its "MMSC NDR Administrator" at vzwpix.com: two
 * lines ("Message could not be delivered to mobile." and "Error: No valid
 * recipients for this MM"), then "Original Message:" with the original's
 * From, To, Subject and Date; the failed recipients are that To.
 */
#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	if (bounce_hdr_has(m, "From", "@vtext.com"))
		return bounce_mod_apachejames.detect(m);
	return bounce_hdr_has(m, "From", "vzwpix.com") && bounce_has(m, "could not be delivered to mobile");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	if (bounce_hdr_has(m, "From", "@vtext.com"))
		return bounce_mod_apachejames.parse(m, l);
	/* the MMSC's two lines name no address: the records come from the
	 * original's To (bounce_fallback), each with those lines */
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_verizon = { "verizon", detect, parse, 0 };
