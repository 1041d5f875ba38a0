/*
 * bounce_fml.c - fml, the mailing list manager common in Japan, refusing a
 * post: "You are not a member of this mailing list <list@example.org>.",
 * "Duplicated Message-ID in <list@example.org>." (its loop alert). Its own
 * messages carry a Message-ID with ".FML" in it or an X-MLServer header
 * naming fml. The record is the list address the post was meant for.
 */
#include <string.h>

#include "bounce/bounce.h"

/* fml's refusals and what they mean for the poster */
static const struct {
	const char *words;
	enum smtpcodes_reason reason;
} refusals[] = {
	{ "are not a member", SMTPCODES_REASON_REJECTED },
	{ "are not member", SMTPCODES_REASON_REJECTED },
	{ "not a member of this mailing list", SMTPCODES_REASON_REJECTED },
	{ "Duplicated Message-ID", SMTPCODES_REASON_SYSTEMERROR },
	{ "Loop Alert", SMTPCODES_REASON_SYSTEMERROR },
};

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "X-MLServer", "fml") || bounce_hdr_has(m, "Message-Id", ".FML");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e;
	size_t i;
	bounce_text_span(m, NULL, &b, &e);
	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const char *w = bounce_memcasemem(b, (size_t)(e - b), refusals[i].words);
		const char *le, *ls, *list = NULL;
		size_t as, al;
		struct bounce_rec *r;
		if (!w)
			continue;
		/* the line of the sentence names the list */
		for (ls = w; ls > b && ls[-1] != '\n'; ls--)
			;
		le = memchr(w, '\n', (size_t)(e - w));
		if (!le)
			le = e;
		if (bounce_find_addr(ls, (size_t)(le - ls), &as, &al))
			list = ls + as;
		if (!list)
			break;
		if (!(r = bounce_list_add(l)))
			return 0;
		bounce_rec_set(r->recipient, sizeof r->recipient, list, al);
		bounce_rec_diag_append(r, ls, (size_t)(le - ls));
		r->reason_hint = (int)refusals[i].reason;
		return 1;
	}
	return bounce_prose(m, l, NULL);
}

const struct bounce_module bounce_mod_fml = { "fml", detect, parse, 0 };
