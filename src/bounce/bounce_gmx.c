/*
 * bounce_gmx.c - GMX and mail.com (both United Internet's mail system) write
 * their bounces in Exim's words, from MAILER-DAEMON@mail.gmx.com or a
 * mout-bounce.gmx.com host, with X-GMX-Antispam and X-UI-*-Filterresults
 * fields: "This message was created automatically by mail delivery
 * software." then, per failed address, the address in quotes and a colon
 * ("\"a@example.org\":"), "SMTP error from remote server after RCPT
 * command:", "host: mx.example.org" and the remote reply on a line of its
 * own; an address the system gave up on stands in angle brackets with
 * "Reason:" and the reason below it. The original's header follows "--- The
 * header of the original message is following. ---". The records are
 * Exim's (bounce_exim.c); the remote host, which GMX names as "host: NAME"
 * where Exim writes "host NAME [ip]", is added here, and the stage where
 * the reply says "for TEXT command" (the message's text, after DATA). 1&1's
 * bounces (bounce_einsundeins.c) come from the same system and are read
 * here too.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return (bounce_hdr_has(m, "From", "gmx.") || bounce_hdr_has(m, "Received", "mout-bounce.gmx.") ||
	        bounce_hdr(&m->top, "X-GMX-Antispam")) &&
	       bounce_mod_exim.detect(m);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	size_t before = l->n, i;
	int n = bounce_mod_exim.parse(m, l);
	for (i = before; i < l->n; i++) {
		struct bounce_rec *r = &l->v[i];
		const char *h = bounce_memcasemem(r->diag, strlen(r->diag), "host: ");
		if (h && !r->rhost[0]) {
			size_t k = strcspn(h + 6, " [;,(");
			if (k > 3 && memchr(h + 6, '.', k))
				bounce_rec_set(r->rhost, sizeof r->rhost, h + 6, k);
		}
		/* "for TEXT command": the reply to the message's text, after
		 * the final dot */
		if (bounce_memcasemem(r->diag, strlen(r->diag), "for TEXT command"))
			bounce_set_command(r, SMTPCODES_STAGE_EOD);
	}
	return n;
}

const struct bounce_module bounce_mod_gmx = { "gmx", detect, parse, 0 };
