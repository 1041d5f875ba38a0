/*
 * bounce_x3.c - a gateway that frames its report in lines of '=' (its
 * sender is "Mail Delivery System <Mail.Delivery.System@host>"): a heading,
 * "Delivery to the following recipients failed permanently:" or, when the
 * queue gave up, "Delevery to the following recipients was aborted after
 * 5.0 hour(s):" (sic), then one line per recipient between the frames:
 * "SMTP:RCPT host 192.0.2.8: 553 5.3.0 <addr>... No such user here",
 * "Routing: Could not find a gateway for addr".
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "to the following recipients failed permanently:") ||
	       bounce_has(m, "to the following recipients was aborted after");
}

static int frame_line(const char *q, const char *le)
{
	return le - q >= 20 && q[0] == '=' && q[1] == '=' && q[19] == '=';
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n;
	int frames = 0, aborted = bounce_has(m, "recipients was aborted after");
	bounce_text_span(m, "to the following recipients", &b, &e);
	for (p = b; p < e && frames < 3;) {
		const char *le, *q = bounce_next_line(&p, e, &le);
		size_t as, al;
		struct bounce_rec *r;
		if (frame_line(q, le)) {
			frames++;
			continue;
		}
		if (frames != 1 || !bounce_find_addr(q, (size_t)(le - q), &as, &al) || !(r = bounce_list_add(l)))
			continue;
		bounce_rec_set(r->recipient, sizeof r->recipient, q + as, al);
		bounce_rec_diag_append(r, q, (size_t)(le - q));
		/* "SMTP:RCPT host ...": the command the reply answered */
		if (!strncmp(q, "SMTP:", 5))
			bounce_set_command(r, (enum smtpcodes_stage)smtpcodes_stage_from_text(q + 5, strcspn(q + 5, " \n")));
		if (aborted)
			r->reason_hint = SMTPCODES_REASON_EXPIRED;
	}
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_x3 = { "x3", detect, parse, 0 };
