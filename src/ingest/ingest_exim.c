/*
 * ingest_exim.c - the Exim main log (mainlog), and Exim through syslog.
 *
 * A mainlog line is "2012-02-13 14:39:22[.123][ +0100] [[pid]] [ID] REST"
 * with ID the message id: 1RwtJa-0009RI-2d (before 4.97) or
 * 1a2B3c-000000000Abc-De (4.97 and later). What this file reads:
 *
 *  - "ID <= sender H=host [ip] P=esmtp S=size id=message-id": the arrival,
 *    into the message table (sender, size, message-id);
 *  - "ID => addr [<orig>] R=r T=t H=host [ip] ... C=\"250 ...\"" and
 *    "ID -> addr ..." (another address of the same delivery): sent;
 *  - "ID == addr R=r T=t defer (errno): text": deferred;
 *  - "ID ** addr [<orig>] R=r T=t [H=host [ip]]: text": bounced, or expired
 *    when Exim gave up ("retry timeout exceeded");
 *  - "ID Completed": the message leaves the table;
 *  - "H=host [ip] F=<s> rejected RCPT <r>: text" (and MAIL, after DATA):
 *    rejected during the SMTP session.
 * The text "SMTP error from remote mail server after RCPT TO:<x>: host h
 * [ip]: 550 ..." gives the stage, the relay and the reply; the literal "\n"
 * Exim writes between the lines of a multi-line reply is kept (the library's
 * reply parser reads it). Other lines are quiet.
 */
#include <string.h>

#include "ingest/ingest_int.h"

static int is_base62_run(const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!is_alnum(p[i]))
			return 0;
	return 1;
}

/* The length of an Exim message id at [p, end) followed by a space or the
 * end, or 0: "tttttt-pppppp-ss" (16 characters) before 4.97,
 * "tttttt-ppppppppppp-ssss" (23) since; some tools shorten the parts, so
 * 6, then 6 to 12, then 2 to 4 base-62 characters are taken. */
static size_t message_id_len(const char *p, const char *end)
{
	const char *q;
	size_t n;
	if (end - p < 16 || p[6] != '-' || !is_base62_run(p, 6))
		return 0;
	q = p + 7;
	while (q < end && is_alnum(*q))
		q++;
	n = (size_t)(q - (p + 7));
	if (n < 6 || n > 12 || q >= end || *q != '-')
		return 0;
	q++;
	{
		const char *r = q;
		while (r < end && is_alnum(*r))
			r++;
		n = (size_t)(r - q);
		if (n < 2 || n > 4 || (r < end && *r != ' '))
			return 0;
		return (size_t)(r - p);
	}
}

/* "YYYY-MM-DD HH:MM:SS[.ddd][ +zzzz] " at line: sets the time stamp span
 * and returns the position after it, or NULL. */
static const char *exim_stamp(const char *line, const char *end, struct ingest_ts_ref *ts)
{
	const char *p = line;
	if (end - p < 20 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':' ||
	    !is_digit(p[0]) || !is_digit(p[18]))
		return NULL;
	p += 19;
	if (p < end && *p == '.') {
		p++;
		while (p < end && is_digit(*p))
			p++;
	}
	if (end - p >= 6 && p[0] == ' ' && (p[1] == '+' || p[1] == '-') && is_digit(p[2]) && is_digit(p[5]))
		p += 6;
	ts->kind = TS_EXIM;
	ts->p = line;
	ts->len = (size_t)(p - line);
	if (p < end && *p == ' ')
		p++;
	else if (p != end)
		return NULL;
	return p;
}

static int exim_prog(const char *prog, size_t n)
{
	return (n >= 4 && memcmp(prog, "exim", 4) == 0);
}

/* Splits off the header; *body is the text after the time stamp and pid. */
static int exim_header(const char *line, const char *end, struct ingest_ts_ref *ts, const char **body)
{
	const char *p = exim_stamp(line, end, ts);
	if (!p) {
		struct ingest_hdr h;
		if (!sc_ingest_syslog(line, (size_t)(end - line), &h) || !h.prog || !exim_prog(h.prog, h.proglen))
			return 0;
		*ts = h.ts;
		p = h.msg;
		/* syslog_timestamp may still put Exim's own stamp first */
		{
			struct ingest_ts_ref t2;
			const char *q = exim_stamp(p, end, &t2);
			if (q) {
				*ts = t2;
				p = q;
			}
		}
	}
	if (p < end && *p == '[') { /* log_selector +pid */
		const char *q = chr(p, end, ']');
		if (q && q + 1 < end && q[1] == ' ')
			p = q + 2;
	}
	*body = p;
	return 1;
}

static int exim_detect(const char *line, size_t len)
{
	struct ingest_ts_ref ts;
	const char *body, *end = line + len;
	if (!exim_header(line, end, &ts, &body))
		return 0;
	if (ts.kind != TS_EXIM)
		return 1; /* a syslog tag "exim" */
	/* a bare date could be anything: want a message id or Exim wording */
	return message_id_len(body, end) || HAS(body, end, "H=") || HAS(body, end, "SMTP connection") ||
	       HAS(body, end, "Start queue run") || HAS(body, end, "exim ");
}

/* The next space-separated token at *pp; a K="..." value may hold spaces
 * and \" escapes. Returns 0 at the end. */
static int token(const char **pp, const char *end, const char **ts, const char **te)
{
	const char *p = *pp, *q;
	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return 0;
	*ts = p;
	q = p;
	while (q < end && *q != ' ' && *q != '"')
		q++;
	if (q < end && *q == '"') {
		q++;
		while (q < end && *q != '"') {
			if (*q == '\\' && q + 1 < end)
				q++;
			q++;
		}
		if (q < end)
			q++;
		while (q < end && *q != ' ')
			q++;
	}
	*te = q;
	*pp = q;
	return 1;
}

/* "SMTP error from remote mail server after STAGE: [host h [ip]: ]REPLY" */
static int smtp_error(struct sc_event *ev, const char *t, const char *end)
{
	const char *a, *c, *lt;
	int st;
	if (HAS(t, end, "SMTP error from remote mail server after "))
		a = t + 41;
	else if (HAS(t, end, "SMTP error from remote mailer after "))
		a = t + 36;
	else
		return 0;
	c = FIND(a, end, ": ");
	if (!c)
		return 0;
	lt = chr(a, c, '<');
	st = smtpcodes_stage_from_text(a, (size_t)((lt ? lt : c) - a));
	if (st > 0)
		ev->stage = (enum smtpcodes_stage)st;
	a = c + 2;
	if (HAS(a, end, "host ")) {
		const char *hs = a + 5, *sp = chr(hs, end, ' '), *rb, *cl;
		if (sp && sp + 1 < end && sp[1] == '[' && (rb = chr(sp, end, ']')) != NULL &&
		    (cl = FIND(rb, end, ": ")) != NULL && cl - rb < 8) {
			if (!ev->relay.ptr)
				ev->relay = span2(hs, sp);
			a = cl + 2;
		}
	}
	ev->reply = span2(a, end);
	return 1;
}

/* "=> addr ...", "** addr ...", "== addr ..." at p (after the flag). */
static enum ingest_result exim_delivery(struct sc_ingest *ing, const struct ingest_ts_ref *tsr,
                                        const char *id, size_t idlen, char flag, const char *p,
                                        const char *end)
{
	struct sc_event *ev;
	const char *ts, *te, *text = NULL;
	int first = 1, want_orig = 0;

	while (p < end && *p == ' ')
		p++;
	if (p >= end)
		return INGEST_BAD; /* a flag without an address */
	ev = sc_ingest_emit(ing);
	ev->queue_id = span(id, idlen);
	ev->status = flag == '*' ? SC_STATUS_BOUNCED : flag == '=' ? SC_STATUS_DEFERRED : SC_STATUS_SENT;
	while (token(&p, end, &ts, &te)) {
		int ends_colon = te[-1] == ':';
		const char *ve = ends_colon ? te - 1 : te;
		if (first) {
			first = 0;
			if (*ts == ':') { /* ":blackhole:" */
				ev->recipient = span2(ts, te);
				want_orig = 1;
				continue;
			}
			ev->recipient = span2(ts, ve);
			if (*ts == '/' || *ts == '|' || !chr(ts, ve, '@'))
				want_orig = 1; /* a file, a pipe or a local part: the address follows */
			if (ends_colon) {
				text = p;
				break;
			}
			continue;
		}
		if (*ts == '<' && ve > ts + 1 && ve[-1] == '>') {
			if (want_orig) {
				ev->recipient = span2(ts + 1, ve - 1);
				want_orig = 0;
			}
		} else if (*ts == '(' && !HAS(ts, te, "(-") && !(ve - ts > 1 && is_digit(ts[1]))) {
			/* "(parent@address)" */
		} else if (HAS(ts, ve, "H=")) {
			ev->relay = span2(ts + 2, ve);
			if (ev->relay.len && ev->relay.ptr[0] == '[') {
				const char *rb = chr(ev->relay.ptr, ve, ']');
				if (rb)
					ev->relay.len = (size_t)(rb + 1 - ev->relay.ptr);
			} else {
				/* "H=host [ip]" or "[ip]:port": the ip token may end the fields */
				const char *q = p, *s2, *e2;
				if (token(&q, end, &s2, &e2) && *s2 == '[') {
					p = q;
					if (e2[-1] == ':') {
						text = p;
						break;
					}
				}
			}
		} else if ((HAS(ts, ve, "F=<") || HAS(ts, ve, "P=<")) && ve[-1] == '>' && ve - ts >= 4) {
			/* log_selector +sender_on_delivery, +return_path_on_delivery */
			if (!ev->sender.ptr)
				ev->sender = span2(ts + 3, ve - 1);
		} else if (HAS(ts, ve, "C=\"") && ve - ts >= 4 && ve[-1] == '"') {
			ev->reply = span2(ts + 3, ve - 1);
		}
		/* "defer (-44): text" ends the fields at its colon, as others do */
		if (ends_colon) {
			text = p;
			break;
		}
	}
	if (text) {
		while (text < end && *text == ' ')
			text++;
		if (!smtp_error(ev, text, end))
			ev->reply = span2(text, end);
		if (flag == '*' && (FIND(text, end, "retry timeout exceeded") ||
		                    FIND(text, end, "retry time not reached for any host after a long failure")))
			ev->status = SC_STATUS_EXPIRED;
	}
	if (ev->status == SC_STATUS_SENT && ev->reply.len && ev->reply.ptr[0] == '2')
		ev->stage = SMTPCODES_STAGE_EOD;
	sc_ingest_domain(ev);
	sc_msg_join(ing, id, idlen, ev);
	ev->time = sc_ingest_time(ing, tsr);
	return INGEST_EVENTS;
}

/* "<= sender H=... P=... S=size id=msgid" */
static enum ingest_result exim_arrival(struct sc_ingest *ing, const char *id, size_t idlen, const char *p,
                                       const char *end)
{
	struct smtpcodes_span sender = { NULL, 0 }, msgid = { NULL, 0 };
	const char *ts, *te;
	long long size = -1;
	int first = 1;
	while (token(&p, end, &ts, &te)) {
		if (first) {
			first = 0;
			sender = te - ts == 2 && ts[0] == '<' && ts[1] == '>' ? span(ts, 0) : span2(ts, te);
		} else if (HAS(ts, te, "S=")) {
			const char *q = ts + 2;
			size = sc_ingest_num(&q, te);
		} else if (HAS(ts, te, "id=")) {
			msgid = span2(ts + 3, te);
			if (msgid.len >= 2 && msgid.ptr[0] == '<' && msgid.ptr[msgid.len - 1] == '>') {
				msgid.ptr++;
				msgid.len -= 2;
			}
		}
	}
	if (!sender.ptr)
		return INGEST_BAD;
	sc_msg_update(ing, id, idlen, &sender, &msgid, size, -1);
	return INGEST_QUIET;
}

/* "H=host [ip] F=<s> rejected RCPT <r>: text" and friends. */
static enum ingest_result exim_reject(struct sc_ingest *ing, const struct ingest_ts_ref *tsr, const char *id,
                                      size_t idlen, const char *p, const char *end, const char *rej)
{
	struct sc_event *ev;
	const char *q = rej + 10, *f, *c, *after;
	/* "temporarily rejected" is a reject too (with a 4xx) */
	ev = sc_ingest_emit(ing);
	ev->status = SC_STATUS_REJECTED;
	if (idlen)
		ev->queue_id = span(id, idlen);
	if (HAS(p, rej, "H=")) {
		const char *ce = FIND(p, rej, " F=");
		const char *ue = FIND(p, rej, " U=");
		const char *ie = FIND(p, rej, " I=");
		const char *e = rej;
		if (ce && ce < e)
			e = ce;
		if (ue && ue < e)
			e = ue;
		if (ie && ie < e)
			e = ie;
		ev->client = span2(p + 2, e);
		if (ev->client.len && ev->client.ptr[ev->client.len - 1] != ']') {
			/* "[ip]:port" -> "[ip]" */
			const char *rb = RFIND(ev->client.ptr, e, "]");
			if (rb)
				ev->client.len = (size_t)(rb + 1 - ev->client.ptr);
		}
	}
	f = FIND(p, rej, "F=<");
	if (f) {
		struct smtpcodes_span s = sc_ingest_angle(f + 2, rej, &after);
		if (s.ptr)
			ev->sender = s;
	}
	if (HAS(q, end, "RCPT ")) {
		ev->stage = SMTPCODES_STAGE_RCPT;
		ev->recipient = sc_ingest_angle(q + 5, end, &after);
		if (ev->recipient.ptr)
			q = after;
	} else if (HAS(q, end, "MAIL ")) {
		ev->stage = SMTPCODES_STAGE_MAIL;
		q += 5;
		if (q < end && *q == '<') {
			struct smtpcodes_span s = sc_ingest_angle(q, end, &after);
			if (s.ptr) {
				ev->sender = s;
				q = after;
			}
		}
	} else if (HAS(q, end, "after DATA")) {
		ev->stage = SMTPCODES_STAGE_EOD;
	} else if (HAS(q, end, "EHLO") || HAS(q, end, "HELO")) {
		ev->stage = SMTPCODES_STAGE_HELO;
	} else if (HAS(q, end, "connection")) {
		ev->stage = SMTPCODES_STAGE_CONNECT;
	} else if (HAS(q, end, "AUTH")) {
		ev->stage = SMTPCODES_STAGE_AUTH;
	}
	c = FIND(q, end, ": ");
	ev->reply = c ? span2(c + 2, end) : span2(q, end);
	sc_ingest_domain(ev);
	if (idlen)
		sc_msg_join(ing, id, idlen, ev);
	ev->time = sc_ingest_time(ing, tsr);
	return INGEST_EVENTS;
}

static enum ingest_result exim_line(struct sc_ingest *ing, const char *line, size_t len)
{
	struct ingest_ts_ref ts;
	const char *end = line + len, *p, *id = NULL, *rej;
	size_t idlen;

	if (!exim_header(line, end, &ts, &p)) {
		struct ingest_hdr h;
		if (len && !sc_ingest_binary(line, end) && sc_ingest_syslog(line, len, &h))
			return INGEST_OTHER;
		return INGEST_BAD;
	}
	idlen = message_id_len(p, end);
	if (idlen) {
		id = p;
		p += idlen;
		if (p < end)
			p++;
		if (end - p == 2 && (p[1] == '>' || p[1] == '=' || p[1] == '*'))
			return INGEST_BAD; /* "=>" and nothing after it */
		if (end - p >= 3 && p[2] == ' ') {
			if (p[0] == '<' && p[1] == '=')
				return exim_arrival(ing, id, idlen, p + 3, end);
			if ((p[0] == '=' || p[0] == '-' || p[0] == '>') && p[1] == '>')
				return exim_delivery(ing, &ts, id, idlen, '>', p + 3, end);
			if (p[0] == '*' && p[1] == '*')
				return exim_delivery(ing, &ts, id, idlen, '*', p + 3, end);
			if (p[0] == '=' && p[1] == '=')
				return exim_delivery(ing, &ts, id, idlen, '=', p + 3, end);
		}
		if (end - p == 9 && memcmp(p, "Completed", 9) == 0) {
			sc_msg_forget(ing, id, idlen);
			return INGEST_QUIET;
		}
	}
	if ((HAS(p, end, "H=") || HAS(p, end, "U=") || HAS(p, end, "F=")) &&
	    (rej = FIND(p, end, " rejected ")) != NULL)
		return exim_reject(ing, &ts, id, id ? idlen : 0, p, end, rej);
	return INGEST_QUIET;
}

const struct sc_ingest_backend sc_ingest_exim = {
	"exim",
	exim_detect,
	exim_line,
};
