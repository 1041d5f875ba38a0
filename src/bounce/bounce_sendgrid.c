/*
 * bounce_sendgrid.c - SendGrid (Twilio's sending platform), as it returned a
 * message to the sender's own server: a multipart/report, "This is an
 * automatically generated message from SendGrid.", and one line per
 * recipient whose fields are joined by " : ": the local part and a number,
 * "<addr>", the sending IP, the remote MX with its IP in brackets, and the
 * reply, which ends with the command it answered: "kijitora:000000:<addr> :
 * 192.0.2.25 : mx.example.net:[192.0.2.153] : 550 5.1.1 <addr>... User
 * Unknown  in RCPT TO". A failure before any reply keeps only the reason:
 * "kijitora:00000:<addr> : Connection timed out in connect". The report
 * beside it has SendGrid's fields (X-SendGrid-QueueID, X-SendGrid-Sender),
 * the recipients and the reply, but neither the remote host nor the command:
 * those come from the prose. Its subject is Postfix's ("Undelivered Mail
 * Returned to Sender"), so this module comes before Postfix's.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "automatically generated message from SendGrid") ||
	       (m->dsn && bounce_memcasemem(m->dsn, m->dsnlen, "X-SendGrid-QueueID:"));
}

/* The next " : "-separated field of [*p, e), its ends trimmed. */
static const char *field(const char **p, const char *e, const char **fe)
{
	const char *s = *p, *t = bounce_memcasemem(s, (size_t)(e - s), " : ");
	const char *end = t ? t : e;
	*p = t ? t + 3 : e;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	*fe = end;
	return s;
}

/* Where the reply's trailing " in COMMAND" starts (the last " in " whose
 * words name an SMTP stage), or NULL. */
static const char *command_tail(const char *s, const char *e, enum smtpcodes_stage *st)
{
	const char *t = NULL, *x = s;
	while ((x = bounce_memcasemem(x, (size_t)(e - x), " in ")) != NULL) {
		t = x;
		x += 4;
	}
	if (!t || e - t > 24)
		return NULL;
	*st = (enum smtpcodes_stage)smtpcodes_stage_from_text(t + 4, (size_t)(e - t - 4));
	return *st != SMTPCODES_STAGE_UNKNOWN ? t : NULL;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n;
	bounce_text_span(m, "automatically generated message from SendGrid", &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		const char *lt = memchr(q, '<', (size_t)(le - q)), *f, *fe, *last = NULL, *laste = NULL, *host = NULL,
		           *hoste = NULL, *cut;
		size_t as, al, nf = 0;
		enum smtpcodes_stage st = SMTPCODES_STAGE_UNKNOWN;
		struct bounce_rec *r;
		/* "local:000000:<addr> : ..." - the address follows a colon */
		if (!lt || lt == q || lt[-1] != ':' || !bounce_find_addr(lt, (size_t)(le - lt), &as, &al) || as != 1 ||
		    lt + 1 + al >= le || lt[1 + al] != '>')
			continue;
		f = lt + 2 + al;
		if (le - f < 3 || strncmp(f, " : ", 3) || !(r = bounce_list_add(l)))
			continue;
		bounce_rec_set(r->recipient, sizeof r->recipient, lt + 1, al);
		for (f += 3; f < le;) {
			const char *s = field(&f, le, &fe);
			/* fields: sending IP, "mx.example.net:[192.0.2.153]", reply */
			if (++nf == 2 && fe - s > 2 && fe[-1] == ']' && (cut = memchr(s, ':', (size_t)(fe - s))) != NULL)
				host = s, hoste = cut;
			last = s, laste = fe;
		}
		if (!last)
			continue;
		if ((cut = command_tail(last, laste, &st)) != NULL) {
			bounce_set_command(r, st);
			laste = cut;
		}
		bounce_rec_diag_append(r, last, (size_t)(laste - last));
		if (host)
			bounce_rec_set(r->rhost, sizeof r->rhost, host, (size_t)(hoste - host));
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_sendgrid = { "sendgrid", detect, parse, 0 };
