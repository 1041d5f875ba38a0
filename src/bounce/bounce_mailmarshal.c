/*
 * bounce_mailmarshal.c - MailMarshal SMTP (Marshal, later Trustwave
 * Secure Email Gateway), a filtering gateway that also relays the mail on:
 * its notice (Received "from MailMarshal.Sender", subject "Undeliverable
 * Mail: "SUBJECT"") names the message ("Your message:", its From and
 * Subject), gives the reason under "Could not be delivered because of",
 * most often the remote server's reply ("550 5.1.1 User unknown"), lists
 * the recipients it concerns one to a line under "The following recipients
 * were affected:", and ends with "Additional Information" in fields of its
 * own: Original Sender, Sender-MTA, Remote-MTA and Reporting-MTA (each in
 * angle brackets), MessageName and a Last-Attempt-Date in the server's
 * language. No RFC 3464 report and no copy of the message: the records
 * come from the prose, the message's subject from the notice's. Not an
 * appliance here: this notice is the one it sends when its delivery to the
 * Remote-MTA failed, so the reply is that server's answer about its own
 * mailboxes; the gateway's own rule verdicts are other notices.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "Received", "MailMarshal") ||
	       (bounce_has(m, "Could not be delivered because of") &&
	        bounce_has(m, "The following recipients were affected:"));
}

/* The value of an "Additional Information" field ("Remote-MTA: <value>"),
 * without its brackets, into dst. */
static void info(const char *b, const char *e, const char *name, char *dst, size_t cap)
{
	const char *s = bounce_memcasemem(b, (size_t)(e - b), name), *le, *lt, *gt;
	if (!s)
		return;
	le = memchr(s, '\n', (size_t)(e - s));
	if (!le)
		le = e;
	lt = memchr(s, '<', (size_t)(le - s));
	gt = lt ? memchr(lt, '>', (size_t)(le - lt)) : NULL;
	if (gt && gt > lt + 1)
		bounce_rec_set(dst, cap, lt + 1, (size_t)(gt - lt - 1));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *why, *who, *p;
	size_t before = l->n, i;
	bounce_text_span(m, NULL, &b, &e);
	why = bounce_memcasemem(b, (size_t)(e - b), "Could not be delivered because of");
	who = bounce_memcasemem(b, (size_t)(e - b), "The following recipients were affected:");
	if (!who)
		return bounce_prose(m, l, NULL);
	p = memchr(who, '\n', (size_t)(e - who));
	for (p = p ? p + 1 : e; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t as, al;
		struct bounce_rec *r;
		if (q == le) {
			if (l->n > before)
				break;
			continue;
		}
		if (!bounce_find_addr(q, (size_t)(le - q), &as, &al) || !(r = bounce_list_add(l)))
			break;
		bounce_rec_set(r->recipient, sizeof r->recipient, q + as, al);
	}
	/* no copy of the message comes back: its subject is the one the
	 * notice's own subject quotes, "Undeliverable Mail: "SUBJECT"" (the
	 * header, not the prose, whose charset label is not to be trusted) */
	{
		const char *sj = bounce_hdr(&m->top, "Subject"), *q = sj ? strchr(sj, '"') : NULL;
		size_t n = q ? strlen(q + 1) : 0;
		if (n && q[n] == '"' && !l->subject[0])
			bounce_rec_set(l->subject, sizeof l->subject, q + 1, n - 1);
	}
	for (i = before; i < l->n; i++) {
		struct bounce_rec *r = &l->v[i];
		if (why && why < who) {
			const char *d = why + strlen("Could not be delivered because of");
			bounce_rec_diag_append(r, d, (size_t)(who - d));
		}
		info(who, e, "Remote-MTA:", r->rhost, sizeof r->rhost);
		info(who, e, "Reporting-MTA:", r->lhost, sizeof r->lhost);
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_mailmarshal = { "mailmarshal", detect, parse, 0 };
