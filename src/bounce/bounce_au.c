/*
 * bounce_au.c - au by KDDI (ezweb.ne.jp, au.com, dion.ne.jp, auone-net.jp):
 * the reason in one sentence, then the refused addresses, one "<addr>" per
 * line ("The user(s) account is disabled." / "<a@ezweb.ne.jp>"), or "Could
 * not be delivered to: <addr>" followed by the reason ("As their mailbox is
 * full."). Each address takes the sentence around it as its reason; a line
 * of dashes ends the notice (the original message follows it). A refusal
 * au reports without any reply of the remote server came from au's own
 * reception filter, which each recipient sets up: reason filtered.
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "From", "@ezweb.") || bounce_hdr_has(m, "From", ".dion.ne.jp") ||
	       bounce_hdr_has(m, "From", "auone-net.jp") || bounce_hdr_has(m, "Received", "auone-net.jp") ||
	       bounce_hdr_has(m, "Received", "(EZweb Mail)");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	char said[512] = "";
	size_t before = l->n, i;
	struct bounce_rec *last = NULL;
	int after = 0; /* the lines right after an address line */

	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t as, al;
		if (le - q >= 10 && !strncmp(q, "----------", 10) && l->n > before)
			break;
		if (!strncasecmp(q, "Recipient:", 10))
			q += 10;
		while (q < le && *q == ' ')
			q++;
		if (q < le && (q[0] == '>' || q[0] == '<') && q + 3 < le && q[1] == q[0] && q[2] == q[0]) {
			if (last) /* the SMTP dialogue: ">>> RCPT TO:<...>", "<<< 550 ..." */
				bounce_rec_diag_append(last, q + 3, (size_t)(le - q - 3));
		} else if (q < le && bounce_find_addr(q, (size_t)(le - q), &as, &al) &&
		           (q[as + al] == '>' || q + as + al == le) && (as <= 1 || bounce_memcasemem(q, as, "to:"))) {
			struct bounce_rec *r = bounce_list_add(l);
			if (!r)
				break;
			bounce_rec_set(r->recipient, sizeof r->recipient, q + as, al);
			bounce_rec_diag_append(r, said, strlen(said));
			last = r;
			after = 1;
			said[0] = '\0';
		} else if (q < le && (unsigned char)*q < 0x80 && !strchr("-=*", *q)) {
			/* English sentences: the reason of the addresses after them, or
			 * of the one right before them */
			size_t n = (size_t)(le - q), sl = strlen(said);
			if (last && (after || !last->diag[0]))
				bounce_rec_diag_append(last, q, n);
			if (sl + n + 2 < sizeof said) {
				if (sl)
					said[sl++] = ' ';
				memcpy(said + sl, q, n);
				said[sl + n] = '\0';
			}
		}
		if (q == le)
			after = 0;
	}
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	for (i = before; i < l->n; i++) {
		const char *d = l->v[i].diag;
		if (bounce_memcasemem(d, strlen(d), "rejected by a remote mail server") && !strpbrk(d, "0123456789"))
			l->v[i].reason_hint = SMTPCODES_REASON_FILTERED;
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_au = { "au", detect, parse, 0 };
