/*
 * ingest_postfix.c - the Postfix log format.
 *
 * Postfix logs through syslog ("Sep 20 10:30:44 host postfix/smtp[123]: ")
 * or its own postlogd, with BSD or RFC 3339 time stamps. The daemon is the
 * last part of the syslog tag, so "postfix/submission/smtpd" and
 * "postfix-out/smtp" (multi-instance) work too. What this file reads:
 *
 *  - delivery agents (smtp, lmtp, local, virtual, pipe, error, discard,
 *    retry): "QID: to=<r>, [orig_to=<o>,] relay=h[ip]:port, ..., dsn=x.y.z,
 *    status=sent|deferred|bounced (text)". The text is "host h[ip] said:
 *    REPLY (in reply to STAGE command)", "host h[ip] refused to talk to me:
 *    REPLY", a connection failure ("connect to h[ip]:25: Connection timed
 *    out", "lost connection with h[ip] while ...", "Host or domain name not
 *    found. ...") or a local result ("delivered to mailbox"); the reply is the
 *    remote reply where there is one, else the text;
 *  - qmgr "QID: from=<s>, size=N, nrcpt=N (queue active)" and cleanup
 *    "QID: message-id=<m>" into the message table, qmgr "QID: removed" out of
 *    it, qmgr "QID: from=<s>, status=expired, returned to sender" as an
 *    expired event of the whole message;
 *  - smtpd, postscreen and cleanup rejects: "NOQUEUE: reject: RCPT from
 *    h[ip]: REPLY; from=<s> to=<r> proto=ESMTP helo=<h>", the same with a
 *    queue id, "milter-reject:", and header/body check rejects.
 *
 * Everything else from Postfix is a quiet line; other programs' lines are
 * "other". No allocation per line: all results point into the line.
 */
#include <string.h>

#include "ingest/ingest_int.h"

enum daemon {
	D_NONE = 0, /* not Postfix */
	D_QUIET,    /* Postfix, nothing we read */
	D_DELIVERY,
	D_QMGR,
	D_CLEANUP,
	D_SMTPD /* smtpd, postscreen: rejects */
};

static int eq(const char *p, size_t n, const char *lit, size_t litn)
{
	return n == litn && memcmp(p, lit, n) == 0;
}
#define EQ(p, n, lit) eq((p), (n), (lit), sizeof(lit) - 1)

static enum daemon daemon_kind(const char *d, size_t n)
{
	switch (n) {
	case 4:
		if (EQ(d, n, "smtp") || EQ(d, n, "lmtp") || EQ(d, n, "pipe"))
			return D_DELIVERY;
		if (EQ(d, n, "qmgr"))
			return D_QMGR;
		break;
	case 5:
		if (EQ(d, n, "local") || EQ(d, n, "error") || EQ(d, n, "retry"))
			return D_DELIVERY;
		if (EQ(d, n, "smtpd"))
			return D_SMTPD;
		break;
	case 7:
		if (EQ(d, n, "virtual") || EQ(d, n, "discard"))
			return D_DELIVERY;
		if (EQ(d, n, "cleanup"))
			return D_CLEANUP;
		break;
	case 10:
		if (EQ(d, n, "postscreen"))
			return D_SMTPD;
		break;
	default:
		break;
	}
	return D_NONE;
}

/* The daemon of a syslog tag, or D_NONE when the tag is not Postfix's. */
static enum daemon classify_prog(const char *prog, size_t n)
{
	const char *slash = NULL, *p;
	enum daemon d;
	for (p = prog + n; p > prog; p--)
		if (p[-1] == '/') {
			slash = p - 1;
			break;
		}
	if (!slash)
		return n >= 7 && memcmp(prog, "postfix", 7) == 0 ? D_QUIET : D_NONE;
	d = daemon_kind(slash + 1, (size_t)(prog + n - (slash + 1)));
	if (n >= 7 && memcmp(prog, "postfix", 7) == 0)
		return d == D_NONE ? D_QUIET : d;
	/* a custom syslog_name ("mailout/smtp"): only for known daemons */
	return d;
}

static int postfix_detect(const char *line, size_t len)
{
	struct ingest_hdr h;
	if (!sc_ingest_syslog(line, len, &h) || !h.prog)
		return 0;
	if (h.proglen >= 8 && memcmp(h.prog, "postfix", 7) == 0 && (h.prog[7] == '/' || h.prog[7] == '-'))
		return 1;
	return classify_prog(h.prog, h.proglen) != D_NONE && memchr(h.prog, '/', h.proglen) != NULL;
}

/* "QID: " at p: returns the position after ": " and sets the id, else NULL. */
static const char *queue_id(const char *p, const char *end, struct smtpcodes_span *qid)
{
	const char *s = p;
	while (p < end && is_alnum(*p))
		p++;
	if (p - s < 5 || p - s > 32 || end - p < 2 || p[0] != ':' || p[1] != ' ')
		return NULL;
	*qid = span2(s, p);
	return p + 2;
}

/* Stage from the word after "reject: " (RCPT, MAIL, END-OF-MESSAGE, ...). */
static enum smtpcodes_stage reject_stage(const char *w, size_t n)
{
	if (EQ(w, n, "RCPT"))
		return SMTPCODES_STAGE_RCPT;
	if (EQ(w, n, "MAIL"))
		return SMTPCODES_STAGE_MAIL;
	if (EQ(w, n, "CONNECT"))
		return SMTPCODES_STAGE_CONNECT;
	if (EQ(w, n, "HELO") || EQ(w, n, "EHLO"))
		return SMTPCODES_STAGE_HELO;
	if (EQ(w, n, "DATA"))
		return SMTPCODES_STAGE_DATA;
	if (EQ(w, n, "END-OF-MESSAGE") || EQ(w, n, "BDAT") || EQ(w, n, "header") || EQ(w, n, "body"))
		return SMTPCODES_STAGE_EOD;
	if (EQ(w, n, "AUTH"))
		return SMTPCODES_STAGE_AUTH;
	if (EQ(w, n, "STARTTLS"))
		return SMTPCODES_STAGE_STARTTLS;
	return SMTPCODES_STAGE_UNKNOWN;
}

/* "from=<s> to=<r> proto=ESMTP helo=<h>" (or with ", "): sender, recipient;
 * returns the position after helo=<...> (or end). */
static const char *reject_fields(const char *p, const char *end, struct sc_event *ev)
{
	const char *after;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (HAS(p, end, "from=<")) {
			ev->sender = sc_ingest_angle(p + 5, end, &after);
			if (!ev->sender.ptr)
				return end;
			p = after;
		} else if (HAS(p, end, "to=<")) {
			ev->recipient = sc_ingest_angle(p + 3, end, &after);
			if (!ev->recipient.ptr)
				return end;
			p = after;
		} else if (HAS(p, end, "helo=<")) {
			struct smtpcodes_span h = sc_ingest_angle(p + 5, end, &after);
			return h.ptr ? after : end;
		} else {
			const char *sp = chr(p, end, ' ');
			if (!sp)
				return end;
			p = sp;
		}
	}
	return end;
}

/* After "reject: " / "milter-reject: ". */
static enum ingest_result parse_reject(struct sc_ingest *ing, const struct ingest_hdr *h,
                                       const struct smtpcodes_span *qid, const char *p, const char *end)
{
	struct sc_event *ev;
	const char *w = p, *we = chr(p, end, ' '), *semi;

	if (!we)
		return INGEST_BAD;
	/* the forms are checked below, after the emit: each failure takes the
	 * event back (sc_ingest_unemit) */
	ev = sc_ingest_emit(ing);
	ev->status = SC_STATUS_REJECTED;
	ev->stage = reject_stage(w, (size_t)(we - w));
	if (qid)
		ev->queue_id = *qid;
	semi = FIND(we, end, "; from=<");
	if (!semi) /* no sender known: CONNECT, HELO, some MAIL rejects */
		semi = FIND(we, end, "; to=<");
	if (!semi)
		semi = FIND(we, end, "; proto=");
	if (EQ(w, (size_t)(we - w), "header") || EQ(w, (size_t)(we - w), "body")) {
		/* "header Subject: x from h[ip]; from=<> to=<> proto=.. helo=<h>: 5.7.1 text" */
		const char *fr, *r;
		if (!semi)
			semi = FIND(we, end, "; from=");
		if (!semi)
			return sc_ingest_unemit(ing);
		fr = RFIND(we, semi, " from ");
		if (fr)
			ev->client = span2(fr + 6, semi);
		r = reject_fields(semi + 2, end, ev);
		if (r + 2 <= end && r[0] == ':' && r[1] == ' ')
			ev->reply = span2(r + 2, end);
		else {
			r = FIND(semi, end, ": ");
			ev->reply = r ? span2(r + 2, end) : span(end, 0);
		}
	} else {
		/* "RCPT from h[ip]: REPLY; from=<s> to=<r> ..." ; postscreen "[ip]:port:" */
		const char *c = we + 1, *b, *q;
		if (!HAS(c, end, "from "))
			return sc_ingest_unemit(ing);
		c += 5;
		b = chr(c, semi ? semi : end, ']');
		if (!b)
			return sc_ingest_unemit(ing);
		q = b + 1;
		if (q < end && *q == ':' && q + 1 < end && is_digit(q[1])) {
			q++;
			while (q < end && is_digit(*q))
				q++;
		}
		if (!HAS(q, end, ": "))
			return sc_ingest_unemit(ing);
		ev->client = span2(c, b + 1); /* without postscreen's ":port" */
		ev->reply = span2(q + 2, semi ? semi : end);
		if (semi)
			reject_fields(semi + 2, end, ev);
	}
	sc_ingest_domain(ev);
	ev->time = sc_ingest_time(ing, &h->ts);
	return INGEST_EVENTS;
}

/* Reads the status text (inside the parentheses) into reply, stage, relay. */
static void status_text(struct sc_event *ev, const char *t, const char *te)
{
	const char *x, *said;

	/* " (in reply to RCPT TO command)" at the end */
	if (te - t > 14 && te[-1] == ')') {
		x = RFIND(t, te, " (in reply to ");
		if (x) {
			int st = smtpcodes_stage_from_text(x + 14, (size_t)(te - 1 - (x + 14)));
			if (st > 0)
				ev->stage = (enum smtpcodes_stage)st;
			te = x;
		}
	}
	/* qmgr and error(8) repeat a remote reply after this prefix */
	if (HAS(t, te, "delivery temporarily suspended: host "))
		t += 32;
	if (HAS(t, te, "host ")) {
		const char *hs = t + 5, *sp = chr(hs, te, ' ');
		if (sp && (!ev->relay.ptr || ev->relay.len == 0))
			ev->relay = sc_ingest_hostpart(hs, sp);
		if (sp && HAS(sp, te, " said: ")) {
			ev->reply = span2(sp + 7, te);
			return;
		}
		if (sp && HAS(sp, te, " refused to talk to me: ")) {
			ev->reply = span2(sp + 24, te);
			ev->stage = SMTPCODES_STAGE_CONNECT;
			return;
		}
		said = sp ? FIND(sp, te, " said: ") : NULL;
		if (said) {
			ev->reply = span2(said + 7, te);
			return;
		}
	}
	ev->reply = span2(t, te);
	if (t < te && (is_digit(*t) || HAS(t, te, "delivered "))) /* a reply, a local result */
		return;
	/* connection failures: the host and the stage from the wording */
	if ((x = FIND(t, te, "connect to ")) != NULL) {
		const char *hs = x + 11, *b = chr(hs, te, '[');
		if (b && !ev->relay.ptr)
			ev->relay = sc_ingest_hostpart(hs, chr(b, te, ']') ? chr(b, te, ']') + 1 : te);
		if (!ev->stage)
			ev->stage = SMTPCODES_STAGE_CONNECT;
	} else if ((x = FIND(t, te, "lost connection with ")) != NULL ||
	           (x = FIND(t, te, "conversation with ")) != NULL) {
		const char *hs = FIND(x, te, "with ") + 5, *sp = chr(hs, te, ' ');
		const char *wh = FIND(hs, te, " while ");
		if (!ev->relay.ptr)
			ev->relay = sc_ingest_hostpart(hs, sp ? sp : te);
		if (wh && !ev->stage) {
			int st = smtpcodes_stage_from_text(wh + 7, (size_t)(te - (wh + 7)));
			if (st > 0)
				ev->stage = (enum smtpcodes_stage)st;
		}
	}
}

/* "to=<r>, [orig_to=<o>,] relay=..., ..., dsn=..., status=WORD (text)" at p (after "to="). */
static enum ingest_result parse_delivery(struct sc_ingest *ing, const struct ingest_hdr *h,
                                         const struct smtpcodes_span *qid, const char *p, const char *end)
{
	struct sc_event *ev;
	struct smtpcodes_span rcpt, relay = { NULL, 0 }, dsn = { NULL, 0 };
	const char *after, *w, *we;
	enum sc_status status;

	if (p < end && *p == '<') {
		rcpt = sc_ingest_angle(p, end, &after);
		if (!rcpt.ptr)
			return INGEST_BAD;
		p = after;
	} else { /* "to=user," or a redacted "to=," */
		const char *c = comma_sp(p, end);
		if (!c)
			return INGEST_BAD;
		rcpt = span2(p, c);
		p = c;
	}
	/* ", name=value" fields up to status= */
	for (;;) {
		const char *eqs, *v, *ve;
		if (!HAS(p, end, ", "))
			return INGEST_BAD;
		p += 2;
		eqs = chr(p, end, '=');
		if (!eqs)
			return INGEST_BAD;
		v = eqs + 1;
		if (eqs - p == 6 && memcmp(p, "status", 6) == 0) {
			p = v;
			break;
		}
		if (v < end && *v == '<') {
			struct smtpcodes_span o = sc_ingest_angle(v, end, &after);
			if (!o.ptr)
				return INGEST_BAD;
			ve = after;
		} else {
			ve = comma_sp(v, end);
			if (!ve)
				return INGEST_BAD;
		}
		if (eqs - p == 5 && memcmp(p, "relay", 5) == 0)
			relay = span2(v, ve);
		else if (eqs - p == 3 && memcmp(p, "dsn", 3) == 0)
			dsn = span2(v, ve);
		p = ve;
	}
	w = p;
	while (p < end && *p != ' ' && *p != ',')
		p++;
	we = p;
	switch (we - w) {
	case 4: status = memcmp(w, "sent", 4) == 0 ? SC_STATUS_SENT : SC_STATUS_NONE; break;
	case 7: status = memcmp(w, "bounced", 7) == 0 ? SC_STATUS_BOUNCED
	                 : memcmp(w, "expired", 7) == 0 ? SC_STATUS_EXPIRED : SC_STATUS_NONE; break;
	case 8: status = memcmp(w, "deferred", 8) == 0 ? SC_STATUS_DEFERRED : SC_STATUS_NONE; break;
	case 10: /* soft_bounce=yes in old Postfix versions */
		status = memcmp(w, "SOFTBOUNCE", 10) == 0 ? SC_STATUS_DEFERRED : SC_STATUS_NONE; break;
	default: status = SC_STATUS_NONE; break;
	}
	if (status == SC_STATUS_NONE) /* deliverable/undeliverable (address probes) */
		return INGEST_QUIET;
	ev = sc_ingest_emit(ing);
	ev->status = status;
	ev->queue_id = *qid;
	ev->recipient = rcpt;
	sc_ingest_domain(ev);
	ev->dsn = dsn;
	if (relay.ptr && !(relay.len == 4 && memcmp(relay.ptr, "none", 4) == 0))
		ev->relay = sc_ingest_hostpart(relay.ptr, relay.ptr + relay.len);
	if (HAS(p, end, " (")) {
		const char *t = p + 2, *te = end;
		if (te > t && te[-1] == ')')
			te--;
		status_text(ev, t, te);
		if (status == SC_STATUS_SENT && !ev->stage && ev->reply.len && ev->reply.ptr[0] == '2')
			ev->stage = SMTPCODES_STAGE_EOD;
	}
	sc_msg_join(ing, qid->ptr, qid->len, ev);
	ev->time = sc_ingest_time(ing, &h->ts);
	return INGEST_EVENTS;
}

/* qmgr after "QID: ". */
static enum ingest_result parse_qmgr(struct sc_ingest *ing, const struct ingest_hdr *h,
                                     const struct smtpcodes_span *qid, const char *p, const char *end)
{
	struct smtpcodes_span sender;
	const char *after;
	long long size = -1, nrcpt = -1;

	if (end - p == 7 && memcmp(p, "removed", 7) == 0) {
		sc_msg_forget(ing, qid->ptr, qid->len);
		return INGEST_QUIET;
	}
	if (!HAS(p, end, "from=<"))
		return INGEST_QUIET;
	sender = sc_ingest_angle(p + 5, end, &after);
	if (!sender.ptr)
		return INGEST_BAD;
	p = after;
	if (HAS(p, end, ", status=expired")) {
		struct sc_event *ev = sc_ingest_emit(ing);
		ev->status = SC_STATUS_EXPIRED;
		ev->queue_id = *qid;
		ev->sender = sender;
		p += 16;
		if (HAS(p, end, ", "))
			ev->reply = span2(p + 2, end); /* "returned to sender" */
		sc_msg_join(ing, qid->ptr, qid->len, ev);
		ev->time = sc_ingest_time(ing, &h->ts);
		return INGEST_EVENTS;
	}
	if (HAS(p, end, ", size=")) {
		p += 7;
		size = sc_ingest_num(&p, end);
		if (HAS(p, end, ", nrcpt=")) {
			p += 8;
			nrcpt = sc_ingest_num(&p, end);
		}
	}
	sc_msg_update(ing, qid->ptr, qid->len, &sender, NULL, size, nrcpt > 1000000000 ? -1 : (int)nrcpt);
	return INGEST_QUIET;
}

/* "reject: ..." or "milter-reject: ..." at rest; anything else is quiet. */
static enum ingest_result rejects(struct sc_ingest *ing, const struct ingest_hdr *h,
                                  const struct smtpcodes_span *qid, const char *rest, const char *end)
{
	const struct smtpcodes_span *q = qid->ptr ? qid : NULL;
	if (HAS(rest, end, "reject: "))
		return parse_reject(ing, h, q, rest + 8, end);
	if (HAS(rest, end, "milter-reject: "))
		return parse_reject(ing, h, q, rest + 15, end);
	return INGEST_QUIET;
}

static enum ingest_result postfix_line(struct sc_ingest *ing, const char *line, size_t len)
{
	struct ingest_hdr h;
	struct smtpcodes_span qid = { NULL, 0 };
	const char *p, *end = line + len, *rest;
	enum daemon d;

	if (!sc_ingest_syslog(line, len, &h))
		return INGEST_BAD;
	if (!h.prog)
		return INGEST_OTHER;
	d = classify_prog(h.prog, h.proglen);
	if (d == D_NONE)
		return INGEST_OTHER;
	p = h.msg;
	if (d == D_QUIET)
		return INGEST_QUIET;
	if (HAS(p, end, "NOQUEUE: ")) {
		rest = p + 9;
	} else {
		rest = queue_id(p, end, &qid);
		if (!rest)
			return INGEST_QUIET; /* "connect to ...", "warning: ...", TLS lines */
	}
	switch (d) {
	case D_DELIVERY:
		if (qid.ptr && HAS(rest, end, "to="))
			return parse_delivery(ing, &h, &qid, rest + 3, end);
		return INGEST_QUIET;
	case D_QMGR:
		if (qid.ptr && HAS(rest, end, "to=")) /* "delivery temporarily suspended" */
			return parse_delivery(ing, &h, &qid, rest + 3, end);
		return qid.ptr ? parse_qmgr(ing, &h, &qid, rest, end) : INGEST_QUIET;
	case D_CLEANUP:
		if (qid.ptr && HAS(rest, end, "message-id=")) {
			struct smtpcodes_span m;
			const char *after;
			rest += 11;
			m = sc_ingest_angle(rest, end, &after);
			if (!m.ptr)
				m = span2(rest, end);
			sc_msg_update(ing, qid.ptr, qid.len, NULL, &m, -1, -1);
			return INGEST_QUIET;
		}
		return rejects(ing, &h, &qid, rest, end); /* header/body checks, milters */
	case D_SMTPD:
		return rejects(ing, &h, &qid, rest, end);
	case D_QUIET:
	case D_NONE:
	default:
		return INGEST_QUIET;
	}
}

const struct sc_ingest_backend sc_ingest_postfix = {
	"postfix",
	postfix_detect,
	postfix_line,
};
