/*
 * bounce_einsundeins.c - 1&1 / IONOS (kundenserver.de): Exim's opening
 * sentences, then "The following address failed:" with the addresses,
 * "For the following reason:" with the reason in words, and "--- The header
 * of the original message is following. ---". The newer layout, from
 * mailer-daemon@kundenserver.de, is the one of GMX (the same United Internet
 * mail system, bounce_gmx.c): "addr:" then "SMTP error from remote server
 * for TEXT command, host: NAME (ip) reason: 550 ..." on a line of its own.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	if (bounce_has(m, "For the following reason:") &&
	    (bounce_has(m, "The following address failed:") || bounce_has(m, "The following addresses failed:")))
		return 1;
	return bounce_hdr_has(m, "From", "@kundenserver.de") && bounce_mod_exim.detect(m);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *r;
	size_t first = l->n;
	int n;
	bounce_text_span(m, "failed:", &b, &e);
	r = bounce_memcasemem(b, (size_t)(e - b), "For the following reason:");
	if (!r)
		return bounce_mod_gmx.parse(m, l);
	n = bounce_scan_blocks(b, r, l);
	if (!n)
		n = bounce_fallback(m, b, r, l);
	if (n > 0)
		bounce_diag_between(m, "For the following reason:", NULL, l, first);
	return n;
}

const struct bounce_module bounce_mod_einsundeins = { "einsundeins", detect, parse, 0 };
