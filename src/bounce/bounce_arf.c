/*
 * bounce_arf.c - complaints in the Abuse Reporting Format (RFC 5965): a
 * multipart/report with a message/feedback-report part. One record per
 * Original-Rcpt-To (the complaining recipient; else the To of the original
 * message), reason feedback, with the Feedback-Type (abuse, fraud, opt-out,
 * auth-failure, ...); the addresser is the Original-Mail-From. Apple Mail's
 * one-click unsubscribe message (X-Apple-Unsubscribe) is read as an opt-out
 * complaint too, and Microsoft's JMRP reports (the message attached with
 * X-HmXmrOriginalRecipient) as abuse complaints.
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

static void add(const struct bounce_msg *m, struct bounce_list *l, const char *addr, size_t n, const char *type,
                time_t when)
{
	struct bounce_rec *r = bounce_list_add(l);
	(void)m;
	if (!r)
		return;
	bounce_rec_set(r->recipient, sizeof r->recipient, addr, n);
	bounce_rec_set(r->feedbacktype, sizeof r->feedbacktype, type, strlen(type));
	r->reason_hint = SMTPCODES_REASON_FEEDBACK;
	r->time = when;
	bounce_rec_set(r->diagtype, sizeof r->diagtype, "ARF", 3);
}

static void add_from_header(const struct bounce_msg *m, struct bounce_list *l, const char *v, const char *type,
                            time_t when)
{
	size_t s, n;
	if (v && bounce_find_addr(v, strlen(v), &s, &n))
		add(m, l, v + s, n, type, when);
}

int bounce_arf_parse(const struct bounce_msg *m, struct bounce_list *l)
{
	struct bounce_hdrs h;
	char type[32] = "abuse";
	time_t when = 0;
	size_t i, before = l->n;

	if (!m->feedback) {
		/* Microsoft's JMRP: the complained-about message attached, its
		 * X-HmXmrOriginalRecipient naming the complainer */
		const char *hm = m->has_orig ? bounce_hdr(&m->orig, "X-HmXmrOriginalRecipient") : NULL;
		if (hm) {
			add_from_header(m, l, hm, "abuse", bounce_parse_date(bounce_hdr(&m->top, "Date")));
			return (int)(l->n - before);
		}
		if (bounce_contains(bounce_hdr(&m->top, "X-Apple-Unsubscribe"), "true")) {
			add_from_header(m, l, bounce_hdr(&m->top, "To"), "opt-out",
			                bounce_parse_date(bounce_hdr(&m->top, "Date")));
			return (int)(l->n - before);
		}
		return 0;
	}
	memset(&h, 0, sizeof h);
	/* the part may list several Original-Rcpt-To: read all lines */
	{
		const char *p = m->feedback, *e = m->feedback + m->feedbacklen;
		while (p < e) {
			size_t used = bounce_hdrs_parse(&h, p, (size_t)(e - p));
			if (!used)
				break;
			p += used;
		}
	}
	for (i = 0; i < h.n; i++) {
		if (!strcasecmp(h.v[i].name, "Feedback-Type"))
			bounce_rec_set(type, sizeof type, h.v[i].value, strcspn(h.v[i].value, " ;"));
		else if (!strcasecmp(h.v[i].name, "Arrival-Date") || !strcasecmp(h.v[i].name, "Received-Date"))
			when = bounce_parse_date(h.v[i].value);
		else if (!strcasecmp(h.v[i].name, "Original-Mail-From") && !l->addresser[0]) {
			size_t s, n;
			if (bounce_find_addr(h.v[i].value, strlen(h.v[i].value), &s, &n))
				bounce_rec_set(l->addresser, sizeof l->addresser, h.v[i].value + s, n);
		}
	}
	for (i = 0; i < h.n; i++)
		if (!strcasecmp(h.v[i].name, "Original-Rcpt-To") || !strcasecmp(h.v[i].name, "Removal-Recipient"))
			add_from_header(m, l, h.v[i].value, type, when);
	if (l->n == before && m->has_orig)
		add_from_header(m, l, bounce_hdr(&m->orig, "To"), type, when);
	if (l->n == before)
		add_from_header(m, l, bounce_hdr(&m->top, "To"), type, when);
	if (!when)
		when = bounce_parse_date(bounce_hdr(&m->top, "Date"));
	for (i = before; i < l->n; i++)
		if (!l->v[i].time)
			l->v[i].time = when;
	bounce_hdrs_free(&h);
	return (int)(l->n - before);
}
