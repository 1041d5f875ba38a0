/*
 * bounce_mtanotice.c - the "NOTICE: Delivery Failure." bounce of a mail
 * system of unknown make (seen at Japanese and Korean sites; sisimai counts
 * it among its anonymous X2 formats). It says "This Delivery Status
 * Notification is sent from MTA...", then gives one block per failed
 * recipient in qmail-remote's words with labels of its own:
 *
 *   Delivery failed: addr
 *   192.0.2.1 does not like recipient.        (or "... failed after I sent
 *   Remote host said[Response Message]: 550 ...  the message.")
 *   Giving up on 192.0.2.1.                   (not always)
 *   STEP: RCPT TO                             (or "DATA SEND", ...)
 *
 * The reply may run on over the next lines. The remote host is the one the
 * qmail-remote sentence names; the STEP line gives the SMTP stage. Where a
 * block has no reply (no host answered), its sentences are the diagnostic.
 */
#include <string.h>

#include "bounce/bounce.h"

#define MN_INTRO "This Delivery Status Notification is sent from MTA"
#define MN_REPLY "Remote host said[Response Message]:"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, MN_INTRO) || bounce_has(m, MN_REPLY);
}

/* The host qmail-remote's sentences name: "HOST does not like recipient.",
 * "HOST failed after I sent the message.", "Connected to HOST but ...",
 * "Giving up on HOST."; 0 when the line is none of them. */
static int host_of(const char *q, const char *le, const char **h, size_t *hl)
{
	static const char *const after[] = { " does not like recipient", " does not like sender",
		                             " failed after I sent the message", " failed on DATA command" };
	const char *v;
	size_t i, n = (size_t)(le - q);
	if ((v = bounce_line_label(q, le, "Giving up on ")) != NULL ||
	    (v = bounce_line_label(q, le, "Connected to ")) != NULL) {
		*h = v;
		*hl = strcspn(v, " \n"); /* the line ends in LF or the text's NUL */
		while (*hl && v[*hl - 1] == '.')
			(*hl)--;
		return *hl > 0;
	}
	for (i = 0; i < sizeof after / sizeof after[0]; i++) {
		const char *a = bounce_memcasemem(q, n, after[i]);
		if (a && a > q && !memchr(q, ' ', (size_t)(a - q))) {
			*h = q;
			*hl = (size_t)(a - q);
			return 1;
		}
	}
	return 0;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *v;
	struct bounce_rec *r = NULL;
	size_t before = l->n;
	int reply = 0, in_reply = 0;

	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le), *h;
		size_t as, al, hl;
		if ((v = bounce_line_label(q, le, "Delivery failed:")) != NULL) {
			r = NULL;
			if (!bounce_find_addr(v, (size_t)(le - v), &as, &al) || !(r = bounce_list_add(l)))
				continue;
			bounce_rec_set(r->recipient, sizeof r->recipient, v + as, al);
			reply = in_reply = 0;
			continue;
		}
		if (!r)
			continue;
		if (q == le) { /* a blank line ends the block */
			r = NULL;
			continue;
		}
		if ((v = bounce_line_label(q, le, "STEP:")) != NULL) {
			bounce_set_command(r, (enum smtpcodes_stage)smtpcodes_stage_from_text(v, (size_t)(le - v)));
			in_reply = 0;
			continue;
		}
		if (host_of(q, le, &h, &hl)) {
			if (!r->rhost[0])
				bounce_rec_set(r->rhost, sizeof r->rhost, h, hl);
			in_reply = 0;
			if (!reply) /* the sentence is all there is until a reply comes */
				bounce_rec_diag_append(r, q, (size_t)(le - q));
			continue;
		}
		if ((v = bounce_line_label(q, le, MN_REPLY)) != NULL ||
		    (v = bounce_line_label(q, le, "Remote host said:")) != NULL) {
			r->diag[0] = '\0'; /* the reply replaces the sentences before it */
			bounce_rec_diag_append(r, v, (size_t)(le - v));
			reply = in_reply = 1;
			continue;
		}
		if (in_reply || !reply) /* the reply's next lines, or a sentence */
			bounce_rec_diag_append(r, q, (size_t)(le - q));
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_mtanotice = { "mtanotice", detect, parse, 0 };
