/*
 * bounce_x1.c - a mail server of unknown make (seen at Japanese sites) whose
 * bounce, from "Mail Deliver System" (sic) or "Mail Delivery System"
 * <MAILER-DAEMON@host>, opens as Sendmail's does ("The original message
 * was received at ... from addr") but then has its own heading,
 * "---The following addresses had delivery errors---", and one line per
 * failed recipient with the reason in brackets: "addr [User unknown]",
 * "addr [Connection timed out]". No SMTP reply, no host, no stage.
 *
 * The same heading and list also serve its delay notice; only the subject
 * tells the two apart: "Warning--Could not send mail for past 8.5 hours"
 * (Sendmail's own warning reads "Warning: could not send message for past
 * 4 hours") says the message is still queued and will be tried again, so
 * its records are "delayed", not "failed" (the failures are "Returned
 * Mail: ..." or "Mail Delivery Failure").
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

#define X1_HEADING "---The following addresses had delivery errors---"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, X1_HEADING);
}

/* "Warning--Could not send mail for past N hours": still queued */
static int delay_notice(const struct bounce_msg *m)
{
	const char *s = bounce_hdr(&m->top, "Subject");
	return s && !strncasecmp(s, "Warning", 7) && bounce_contains(s, "could not send") &&
	       bounce_contains(s, "for past");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *heading_end;
	size_t before = l->n, i;
	bounce_text_span(m, X1_HEADING, &b, &e);
	p = b;
	bounce_next_line(&p, e, &heading_end); /* the heading itself */
	while (p < e) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le), *o, *c;
		size_t as, al;
		struct bounce_rec *r;
		if (q == le && l->n > before)
			break; /* the blank line after the list */
		/* "addr [reason]": the address first on the line */
		if (!bounce_find_addr(q, (size_t)(le - q), &as, &al) || as > 1)
			continue;
		if (!(r = bounce_list_add(l)))
			break;
		bounce_rec_set(r->recipient, sizeof r->recipient, q + as, al);
		o = memchr(q + as + al, '[', (size_t)(le - q - as - al));
		c = o ? memchr(o, ']', (size_t)(le - o)) : NULL;
		if (o && c)
			bounce_rec_diag_append(r, o + 1, (size_t)(c - o - 1));
		else if (q + as + al + 1 < le)
			bounce_rec_diag_append(r, q + as + al + 1, (size_t)(le - q - as - al - 1));
	}
	if (l->n == before && bounce_prose(m, l, NULL) <= 0)
		return 0;
	if (delay_notice(m))
		for (i = before; i < l->n; i++)
			memcpy(l->v[i].action, "delayed", sizeof "delayed");
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_x1 = { "x1", detect, parse, 0 };
