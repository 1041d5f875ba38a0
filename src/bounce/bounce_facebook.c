/*
 * bounce_facebook.c - Facebook's bounces from the time its members had
 * addresses @facebook.com (2010-2014): a multipart/report from
 * mailer-daemon@mx.facebook.com, subject "Sorry, your message could not be
 * delivered", whose text part says only that Facebook wrote it ("This
 * message was created automatically by Facebook.") and a sentence on the
 * cause, without the address; the RFC 3464 report gives the recipient and,
 * as Diagnostic-Code, the reply of Facebook's own servers with one of the
 * codes of its postmaster pages ("550 5.1.1 RCP-P2 http://postmaster.
 * facebook.com/response_codes?...#rcp Refused due to recipient
 * preferences").
 *
 * The report names no SMTP command; the code's group does: Facebook gives
 * the RCP codes (recipient issues) in reply to RCPT TO and the MSG codes
 * (the message's size, attachments and header fields) in reply to the
 * message's data, so a record with one of those gets that command. A
 * message without a report gets a record per address of the original's
 * To with the text's sentence.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	const char *from = bounce_hdr(&m->top, "From");
	if (bounce_contains(from, "mailer-daemon@") && bounce_contains(from, "facebook.com"))
		return 1;
	return bounce_has(m, "This message was created automatically by Facebook");
}

/* The command a Facebook code in diag names: " RCP-P1 " is one. */
static void command_of_code(struct bounce_rec *r)
{
	static const struct {
		const char *group;
		enum smtpcodes_stage st;
	} groups[] = {
		{ "RCP-", SMTPCODES_STAGE_RCPT },
		{ "MSG-", SMTPCODES_STAGE_DATA },
	};
	size_t i, n = strlen(r->diag);
	for (i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		const char *s = r->diag, *x;
		while ((x = bounce_memcasemem(s, n - (size_t)(s - r->diag), groups[i].group)) != NULL) {
			s = x + 4;
			/* a code of its own: " RCP-P2 " or " RCP-T1 ", not part of a word */
			if ((x == r->diag || x[-1] == ' ') && (x[4] == 'P' || x[4] == 'T') && x[5] >= '0' && x[5] <= '9') {
				bounce_set_command(r, groups[i].st);
				return;
			}
		}
	}
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e;
	size_t i, first = l->n;
	int n;
	if (m->dsn) {
		/* the report's records again, for the command their codes name
		 * (bounce.c merges them into its own) */
		n = bounce_dsn_parse(m, l);
	} else {
		bounce_text_span(m, "This message was created automatically by Facebook", &b, &e);
		n = bounce_fallback(m, b, e, l);
	}
	for (i = first; i < l->n; i++)
		command_of_code(&l->v[i]);
	return n;
}

const struct bounce_module bounce_mod_facebook = { "facebook", detect, parse, 0 };
