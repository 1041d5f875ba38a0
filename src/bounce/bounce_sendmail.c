/*
 * bounce_sendmail.c - Sendmail's "Returned mail" messages (and their V5 and
 * vendor variants): "----- The following addresses had permanent fatal
 * errors -----" with "<addr>" and "(reason: ...)", then the session
 * transcript: "... while talking to host:", ">>> RCPT To:<addr>",
 * "<<< 550 5.1.1 <addr>... User unknown". The command before a "<<<" line
 * is the SMTP stage of that reply. V5 Sendmail sums a failure up as "554
 * <addr>... Remote protocol error" under the remote's answer to MAIL FROM
 * or DATA: that answer is the record's reason.
 */
#include <ctype.h>
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "----- Transcript of session follows -----") ||
	       bounce_has(m, "had permanent fatal errors") || bounce_hdr_has(m, "Subject", "Returned mail:") ||
	       bounce_has(m, "while talking to");
}

/* The prose lines right under the transcript marker tr, up to a blank line
 * or a line of the dialogue (">>>", "<<<", a reply, "<addr>..."), joined
 * with blanks into out; its length, 0 when the first line is not prose. */
static size_t transcript_prose(const char *tr, const char *e, char *out, size_t cap)
{
	const char *p = memchr(tr, '\n', (size_t)(e - tr)), *le;
	size_t o = 0;
	out[0] = '\0';
	if (!p)
		return 0;
	p++;
	while (p < e) {
		const char *q = bounce_next_line_trimmed(&p, e, &le);
		size_t ql = (size_t)(le - q);
		if (!ql || *q == '>' || *q == '<' || *q == '-' || isdigit((unsigned char)*q) || o + ql + 2 > cap)
			break;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, q, ql);
		o += ql;
		out[o] = '\0';
	}
	return o;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	char rhost[BOUNCE_FIELD_MAX] = "", lastaddr[BOUNCE_ADDR_MAX] = "";
	enum smtpcodes_stage st = SMTPCODES_STAGE_UNKNOWN;
	size_t before = l->n;

	bounce_text_span(m, NULL, &b, &e);
	{
		const char *f = bounce_memcasemem(b, (size_t)(e - b), "had permanent fatal errors");
		const char *t = bounce_memcasemem(b, (size_t)(e - b), "Transcript of session follows");
		if (f) {
			const char *fe = t && t > f ? t : e;
			while (fe > f && fe[-1] != '\n') /* not the "-----" before the marker */
				fe--;
			bounce_scan_blocks(f, fe, l);
		}
	}
	const char *tr = bounce_memcasemem(b, (size_t)(e - b), "Transcript of session follows");
	char pending[256] = "";
	/* a "<<<" reply no recipient could take yet (to MAIL FROM or DATA), and
	 * its stage: V5 Sendmail then names the recipients it failed with "554
	 * <addr>... Remote protocol error" */
	char orphan[256] = "";
	enum smtpcodes_stage orphan_st = SMTPCODES_STAGE_UNKNOWN;
	/* the record the current "while talking to" last answered (before the
	 * first one: the last of the list of failed addresses) */
	long touched = l->n > before ? (long)l->n - 1 : -1;
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t as, al;
		if (bounce_memcasemem(q, (size_t)(le - q), "while talking to ")) {
			orphan[0] = '\0';
			touched = -1;
			const char *h = bounce_memcasemem(q, (size_t)(le - q), "while talking to ") + 17;
			size_t hl = strcspn(h, ":\n");
			bounce_rec_set(rhost, sizeof rhost, h, hl);
			while (strlen(rhost) && rhost[strlen(rhost) - 1] == '.')
				rhost[strlen(rhost) - 1] = '\0';
		} else if (!strncmp(q, ">>> ", 4)) {
			st = bounce_stage_in(q, (size_t)(le - q));
			if (st == SMTPCODES_STAGE_DATA && !strncasecmp(q + 4, "DATA", 4) && le - q > 9)
				st = SMTPCODES_STAGE_DATA;
			else if (le - q == 5 && q[4] == '.')
				st = SMTPCODES_STAGE_EOD;
			if (st == SMTPCODES_STAGE_RCPT && bounce_find_addr(q, (size_t)(le - q), &as, &al))
				bounce_rec_set(lastaddr, sizeof lastaddr, q + as, al);
		} else if (tr && q > tr && q < le && *q != '>' && *q != '<' && !isdigit((unsigned char)*q) &&
		           *q != '-' && !bounce_memcasemem(q, (size_t)(le - q), "Transcript of session")) {
			size_t pl = strlen(pending), ql = (size_t)(le - q);
			if (pl + ql + 2 < sizeof pending) {
				if (pl)
					pending[pl++] = ' ';
				memcpy(pending + pl, q, ql);
				pending[pl + ql] = '\0';
			}
		} else if (!strncmp(q, "<<< ", 4) && isdigit((unsigned char)q[4])) {
			pending[0] = '\0';
			struct bounce_rec *r = NULL;
			/* "<<< 550 5.1.1 <addr>... User unknown" names a recipient; the
			 * address in an answer to MAIL FROM is the sender's, and one
			 * quoted in prose ("(you@example.org)") is nobody's record */
			if (st != SMTPCODES_STAGE_MAIL && bounce_find_addr(q, (size_t)(le - q), &as, &al) && as > 0 &&
			    q[as - 1] == '<')
				r = bounce_list_get(l, q + as, al, NULL);
			else if (lastaddr[0])
				r = bounce_list_get(l, lastaddr, strlen(lastaddr), NULL);
			else if (touched >= 0)
				r = &l->v[touched];
			if (!r) {
				bounce_rec_set(orphan, sizeof orphan, q + 4, (size_t)(le - q - 4));
				orphan_st = st;
			}
			if (r) {
				touched = (long)(r - l->v);
				if (!r->rhost[0])
					bounce_rec_set(r->rhost, sizeof r->rhost, rhost, strlen(rhost));
				/* PIPELINING: the RCPT replies come after ">>> DATA" */
				bounce_set_command(r, st == SMTPCODES_STAGE_DATA && memchr(q, '@', (size_t)(le - q)) ?
				                          SMTPCODES_STAGE_RCPT : st);
				if (!bounce_memcasemem(r->diag, strlen(r->diag), q + 4) || !r->diag[0]) {
					if (r->diag[0] && !strncmp(r->diag, "(reason:", 8))
						r->diag[0] = '\0';
					bounce_rec_diag_append(r, q + 4, (size_t)(le - q - 4));
				}
			}
		} else if (*q == '<' && bounce_find_addr(q, (size_t)(le - q), &as, &al) && as == 1 &&
		           le - q > (long)al + 6 && !strncmp(q + 1 + al, ">... ", 5)) {
			/* "<addr>... Deferred: Connection refused by mx." and the
			 * lines under it up to a blank one ("Message could not be
			 * delivered for 5 days"): why a queued message was given up */
			struct bounce_rec *r = bounce_list_get(l, q + 1, al, NULL);
			if (r && (!r->diag[0] || !strncmp(r->diag, "(reason:", 8) || !strpbrk(r->diag, " "))) {
				r->diag[0] = '\0';
				bounce_rec_diag_append(r, q + 6 + al, (size_t)(le - q) - 6 - al);
				while (p < e && *p != '\n' && *p != '-') {
					q = bounce_next_line(&p, e, &le);
					bounce_rec_diag_append(r, q, (size_t)(le - q));
				}
			}
		} else if (isdigit((unsigned char)q[0]) && le - q > 8 && q[3] == ' ' &&
		           bounce_memcasemem(q, (size_t)(le - q), "...") && bounce_find_addr(q, (size_t)(le - q), &as, &al)) {
			struct bounce_rec *r = bounce_list_get(l, q + as, al, NULL);
			if (r && orphan[0] && bounce_memcasemem(q, (size_t)(le - q), "... Remote protocol error")) {
				/* the remote's own answer says more than Sendmail's summary */
				r->diag[0] = '\0';
				bounce_rec_diag_append(r, orphan, strlen(orphan));
				bounce_set_command(r, orphan_st);
				if (!r->rhost[0])
					bounce_rec_set(r->rhost, sizeof r->rhost, rhost, strlen(rhost));
			} else if (r && (!r->diag[0] || !strncmp(r->diag, "(reason:", 8) ||
			                 !strpbrk(r->diag, "0123456789"))) {
				r->diag[0] = '\0';
				/* the local delivery agent's own words come on the line before */
				bounce_rec_diag_append(r, pending, strlen(pending));
				bounce_rec_diag_append(r, q, (size_t)(le - q));
			}
			pending[0] = '\0';
			if (r && !r->rhost[0])
				bounce_rec_set(r->rhost, sizeof r->rhost, rhost, strlen(rhost));
		}
	}
	/* PIPELINING again: "Need RCPT", "no valid recipients" after DATA mean
	 * the 5xx before them answered the RCPT */
	{
		size_t i;
		for (i = before; i < l->n; i++) {
			struct bounce_rec *r = &l->v[i];
			size_t dl = strlen(r->diag);
			if (!strcmp(r->command, "DATA") &&
			    (bounce_memcasemem(r->diag, dl, "Need RCPT") || bounce_memcasemem(r->diag, dl, "no valid recipients") ||
			     bounce_memcasemem(r->diag, dl, "RCPT commands were rejected")))
				memcpy(r->command, "RCPT", 5);
		}
	}
	/* a transcript of prose alone ("Message could not be delivered for too
	 * long"): the words of the one recipient; "kijitora... Deferred:
	 * Connection refused by [127.0.0.1]" names the recipient without its
	 * domain, as the list above it did: the report's one recipient then
	 * (merge() in bounce.c) */
	int lone = l->n == before + 1 && !l->v[before].diag[0]; /* one recipient, no words yet */
	int nameless = l->n == before && m->dsn;                /* the list named none with a domain */
	if (tr && (lone || nameless)) {
		char prose[BOUNCE_DIAG_MAX];
		size_t skip = 0, ll = transcript_prose(tr, e, prose, sizeof prose), wl = strcspn(prose, " ");
		struct bounce_rec *r = lone ? &l->v[before] : NULL;
		if (wl > 3 && wl < ll && !memcmp(prose + wl - 3, "...", 3) && !memchr(prose, '@', wl)) {
			if (!r)
				r = bounce_list_get(l, prose, wl - 3, NULL);
			skip = wl + 1;
		}
		if (r && ll > skip)
			bounce_rec_diag_append(r, prose + skip, ll - skip);
	}
	if (l->n == before) {
		const char *t = bounce_memcasemem(b, (size_t)(e - b), "Transcript of session follows");
		bounce_fallback(m, t ? t : b, e, l);
	}
	/* "Returned mail: Cannot send message for 5 days": the queue lifetime
	 * ran out for the recipients whose last trouble was temporary (a 4xx,
	 * "Deferred:"); a 5xx in the same message is a failure of its own */
	if (bounce_hdr_has(m, "Subject", "Cannot send message for")) {
		size_t i;
		for (i = before; i < l->n; i++) {
			const char *d = l->v[i].diag;
			if (l->v[i].reason_hint < 0 && (d[0] == '4' || strstr(d, "Deferred")))
				l->v[i].reason_hint = SMTPCODES_REASON_EXPIRED;
		}
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_sendmail = { "sendmail", detect, parse, 0 };
