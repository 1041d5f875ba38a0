/*
 * bounce_postfix.c - Postfix's bounce(8) messages: "This is the mail system
 * at host ...", then per recipient "<addr>: host mx[ip] said: 550 ...
 * (in reply to RCPT TO command)" with indented continuation lines; usually
 * with an RFC 3464 report beside it (X-Postfix-Queue-ID, X-Postfix-Sender).
 *
 * Postfix also tells the postmaster about a session that went wrong
 * (notify_classes): Subject "Postfix SMTP server: errors from host[ip]" (or
 * "client" for its own deliveries), "Transcript of session follows." and
 * the session line by line, " In:  RCPT TO:<addr> ..." and " Out: 451 4.3.0
 * Error: ...", long lines going on indented. There the failed recipients
 * are the RCPT TO addresses: one refused at RCPT with that reply, the
 * others with the error that ended the session after them.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

/* Postfix's notice to the postmaster about a session that went wrong */
static int postmaster_notice(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "Subject", "Postfix SMTP server: errors from") ||
	       bounce_hdr_has(m, "Subject", "Postfix SMTP client: errors from");
}

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "This is the mail system at") || bounce_has(m, "This is the Postfix program") ||
	       bounce_hdr_has(m, "Subject", "Undelivered Mail Returned to Sender") ||
	       bounce_hdr_has(m, "Subject", "Delayed Mail (still being retried)") ||
	       postmaster_notice(m) || (m->dsn && bounce_memcasemem(m->dsn, m->dsnlen, "X-Postfix-Queue-ID"));
}

/* One turn of the transcript: the text after "In:" or "Out:" with its
 * continuation lines, white space squeezed. */
struct turn {
	char s[512];
	size_t n;
};

/* Reads the turn that starts at *p (a line " In:" or " Out:"); moves *p
 * past it. Returns 0 when the line is not a turn. */
static int next_turn(const char **p, const char *e, struct turn *t)
{
	const char *le, *q = bounce_next_line_trimmed(p, e, &le);
	size_t k;
	if (le - q > 3 && !strncmp(q, "In:", 3))
		q += 3;
	else if (le - q > 4 && !strncmp(q, "Out:", 4))
		q += 4;
	else
		return 0;
	t->s[0] = '\0';
	t->n = 0;
	for (;;) {
		while (q < le && isspace((unsigned char)*q))
			q++;
		for (k = 0; q + k < le && t->n + 2 < sizeof t->s; k++)
			t->s[t->n++] = q[k];
		t->s[t->n] = '\0';
		/* a continuation is indented deeper than " In:" and is no turn */
		if (*p >= e || (*p)[0] != ' ' || (*p)[1] != ' ' || (*p)[2] != ' ')
			return 1;
		q = bounce_next_line_trimmed(p, e, &le);
		if (t->n + 2 < sizeof t->s)
			t->s[t->n++] = ' ';
	}
}

static int is_reply(const struct turn *t)
{
	return t->n >= 3 && isdigit((unsigned char)t->s[0]) && isdigit((unsigned char)t->s[1]) &&
	       isdigit((unsigned char)t->s[2]);
}

static int transcript(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n, i, k;
	struct turn t;
	enum smtpcodes_stage last = SMTPCODES_STAGE_UNKNOWN;
	int rcpt_waits = 0; /* the last turn was a RCPT TO not yet answered */
	bounce_text_span(m, "Transcript of session follows.", &b, &e);
	for (p = b; p < e;) {
		size_t s, n;
		if (!next_turn(&p, e, &t))
			continue;
		if (!strncasecmp(t.s, "RCPT TO:", 8)) {
			struct bounce_rec *r;
			last = SMTPCODES_STAGE_RCPT;
			rcpt_waits = 0;
			if (bounce_find_addr(t.s + 8, t.n - 8, &s, &n) && (r = bounce_list_add(l)) != NULL) {
				bounce_rec_set(r->recipient, sizeof r->recipient, t.s + 8 + s, n);
				rcpt_waits = 1;
			}
		} else if (!strncasecmp(t.s, "MAIL FROM:", 10)) {
			last = SMTPCODES_STAGE_MAIL;
			if (bounce_find_addr(t.s + 10, t.n - 10, &s, &n))
				bounce_rec_set(l->addresser, sizeof l->addresser, t.s + 10 + s, n);
		} else if (!strncasecmp(t.s, "DATA", 4) || !strncasecmp(t.s, "BDAT", 4)) {
			last = SMTPCODES_STAGE_DATA;
		} else if (is_reply(&t)) {
			/* a refusal: at RCPT the address just given is refused;
			 * later, every address accepted so far */
			if (t.s[0] == '4' || t.s[0] == '5')
				for (i = rcpt_waits ? l->n - 1 : before; i < l->n; i++) {
					struct bounce_rec *r = &l->v[i];
					if (r->diag[0])
						continue;
					bounce_rec_diag_append(r, t.s, t.n);
					bounce_set_command(r, last);
				}
			rcpt_waits = 0;
		} else if (isalpha((unsigned char)t.s[0])) {
			last = SMTPCODES_STAGE_UNKNOWN;
			rcpt_waits = 0;
		}
	}
	/* addresses that no error followed are not what the notice is about */
	for (i = k = before; i < l->n; i++)
		if (l->v[i].diag[0])
			l->v[k++] = l->v[i];
	l->n = k;
	return (int)(l->n - before);
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	if (postmaster_notice(m)) {
		int n = transcript(m, l);
		if (n > 0)
			return n;
	}
	return bounce_prose(m, l, "This is the mail system");
}

const struct bounce_module bounce_mod_postfix = { "postfix", detect, parse, 0 };
