/*
 * bounce_autoreply.c - automatic replies (RFC 3834): out-of-office and
 * vacation messages. A message is one when it says so (Auto-Submitted:
 * auto-replied, X-Autoreply, X-Autorespond, Precedence: auto_reply) or its
 * subject is an auto-reply's ("Out of Office", "Auto:", "Automatic reply",
 * "Away", "Abwesenheitsnotiz") - and it carries no delivery report. The record
 * is the person who answered (the From of the reply), reason vacation.
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

static const char *const subjects[] = {
	"out of office", "out of the office", "auto:", "automatic reply", "autoreply", "auto-reply",
	"auto reply", "away until", "away from", "vacation", "on leave", "abwesenheit", "abwesend",
	"automatische antwort", "réponse automatique", "respuesta automática", "i am away",
	"autosvar", "risposta automatica",
};

int bounce_autoreply_detect(const struct bounce_msg *m)
{
	const char *as = bounce_hdr(&m->top, "Auto-Submitted");
	const char *subj = bounce_hdr(&m->top, "Subject");
	const char *from = bounce_hdr(&m->top, "From");
	size_t i;

	if (m->dsn || m->feedback)
		return 0;
	if (bounce_contains(from, "mailer-daemon") || bounce_contains(from, "postmaster"))
		return 0;
	if (bounce_hdr(&m->top, "X-Autoreply") || bounce_hdr(&m->top, "X-Autorespond") ||
	    bounce_contains(bounce_hdr(&m->top, "Precedence"), "auto_reply") ||
	    bounce_contains(bounce_hdr(&m->top, "X-Auto-Response-Suppress"), "oof") ||
	    bounce_hdr(&m->top, "X-Vacation"))
		return 1;
	for (i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
		if (bounce_contains(subj, subjects[i]))
			return 1;
	if (bounce_contains(as, "auto-replied") && !bounce_contains(subj, "deliver") &&
	    !bounce_contains(subj, "fail") && !bounce_contains(subj, "undeliver") && !bounce_contains(subj, "returned"))
		return 1;
	return 0;
}

int bounce_autoreply_parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *from = bounce_hdr(&m->top, "From");
	struct bounce_rec *r;
	size_t s, n;
	if (!from || !bounce_find_addr(from, strlen(from), &s, &n))
		return 0;
	r = bounce_list_add(l);
	if (!r)
		return 0;
	bounce_rec_set(r->recipient, sizeof r->recipient, from + s, n);
	r->reason_hint = SMTPCODES_REASON_VACATION;
	r->time = bounce_parse_date(bounce_hdr(&m->top, "Date"));
	{
		const char *subj = bounce_hdr(&m->top, "Subject");
		if (subj)
			bounce_rec_diag_append(r, subj, strlen(subj));
	}
	return 1;
}
