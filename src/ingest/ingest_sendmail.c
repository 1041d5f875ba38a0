/*
 * ingest_sendmail.c - the Sendmail log format (syslog tags sendmail,
 * sm-mta, sm-msp-queue).
 *
 * Sendmail writes one line per envelope step, after a queue id:
 *
 *  - "QID: from=<s>, size=N, class=0, nrcpts=N, msgid=<m>, proto=ESMTP,
 *    daemon=MTA, relay=host [ip]": the arrival, into the message table;
 *  - "QID: to=<a>,<b>, [ctladdr=<c> (uid/gid),] delay=, xdelay=,
 *    mailer=esmtp, pri=, relay=host. [ip], dsn=5.1.1, stat=User unknown":
 *    one event per recipient listed in to=. stat "Sent (reply)" is sent,
 *    "Deferred: text" deferred; any other stat is a failure whose dsn class
 *    decides (4 deferred, else bounced); "queued" is no result;
 *  - "ruleset=check_rcpt, arg1=<r>, relay=host [ip], reject=550 5.7.1 ..."
 *    and "Milter: to=<r>, reject=...": rejected during the SMTP session, as
 *    is "QID: <r>... User unknown" (the server's refusal of a RCPT);
 *  - "QID: QID2: DSN: text", "return to sender:", "postmaster notify:": the
 *    bounce message being made; quiet, like STARTTLS and AUTH lines.
 */
#include <string.h>

#include "ingest/ingest_int.h"

static int sendmail_prog(const char *p, size_t n)
{
	return (n >= 8 && memcmp(p, "sendmail", 8) == 0) || (n >= 6 && memcmp(p, "sm-mta", 6) == 0) ||
	       (n >= 6 && memcmp(p, "sm-msp", 6) == 0);
}

static int sendmail_detect(const char *line, size_t len)
{
	struct ingest_hdr h;
	return sc_ingest_syslog(line, len, &h) && h.prog && sendmail_prog(h.prog, h.proglen);
}

/* Queue id "l8E3xVpO007423: " at p; returns the position after it or NULL. */
static const char *queue_id(const char *p, const char *end, struct smtpcodes_span *qid)
{
	const char *s = p;
	while (p < end && is_alnum(*p))
		p++;
	if (p - s < 6 || p - s > 32 || end - p < 2 || p[0] != ':' || p[1] != ' ')
		return NULL;
	*qid = span2(s, p);
	return p + 2;
}

/* The value of ", key=" (or "key=" at p) in [p, end), up to ", ". */
static struct smtpcodes_span field(const char *p, const char *end, const char *key, size_t klen)
{
	const char *k = p, *v, *ve;
	for (;;) {
		k = find(k, end, key, klen);
		if (!k)
			return span(NULL, 0);
		if (k == p || (k - p >= 2 && k[-1] == ' ' && k[-2] == ','))
			break;
		k += klen;
	}
	v = k + klen;
	ve = comma_sp(v, end);
	return span2(v, ve ? ve : end);
}
#define FIELD(p, end, key) field((p), (end), (key), sizeof(key) - 1)

/* "host.example. [192.0.2.1]" -> "host.example"; "[ip]" stays. */
static struct smtpcodes_span relay_host(struct smtpcodes_span r)
{
	const char *end, *sp;
	if (!r.ptr)
		return r;
	end = r.ptr + r.len;
	sp = chr(r.ptr, end, ' ');
	if (sp && sp > r.ptr)
		end = sp;
	if (end > r.ptr + 1 && end[-1] == '.')
		end--;
	return span2(r.ptr, end);
}

static void strip_angle(struct smtpcodes_span *s)
{
	if (s->ptr && s->len >= 2 && s->ptr[0] == '<' && s->ptr[s->len - 1] == '>') {
		s->ptr++;
		s->len -= 2;
	}
}

static enum ingest_result to_line(struct sc_ingest *ing, const struct ingest_hdr *h,
                                  const struct smtpcodes_span *qid, const char *p, const char *end)
{
	struct smtpcodes_span to, dsn, stat, relay, reply;
	enum sc_status status;
	enum smtpcodes_stage stage = SMTPCODES_STAGE_UNKNOWN;
	const char *te, *r;

	to = FIELD(p, end, "to=");
	stat = FIELD(p, end, "stat=");
	if (!to.ptr || !stat.ptr)
		return INGEST_BAD;
	stat.len = (size_t)(end - stat.ptr); /* stat= is last and may hold ", " */
	dsn = FIELD(p, end, "dsn=");
	relay = relay_host(FIELD(p, end, "relay="));
	reply = stat;
	if (HAS(stat.ptr, end, "Sent")) {
		status = SC_STATUS_SENT;
		if (HAS(stat.ptr + 4, end, " (") && end[-1] == ')') {
			reply = span2(stat.ptr + 6, end - 1);
			if (reply.len && reply.ptr[0] == '2')
				stage = SMTPCODES_STAGE_EOD;
		}
	} else if (HAS(stat.ptr, end, "Deferred")) {
		status = SC_STATUS_DEFERRED;
		if (HAS(stat.ptr + 8, end, ": "))
			reply = span2(stat.ptr + 10, end);
	} else if (HAS(stat.ptr, end, "queued")) {
		return INGEST_QUIET;
	} else if (dsn.ptr && dsn.len && dsn.ptr[0] == '4') {
		status = SC_STATUS_DEFERRED;
	} else if (dsn.ptr && dsn.len && dsn.ptr[0] == '2') {
		status = SC_STATUS_SENT;
	} else {
		status = SC_STATUS_BOUNCED;
	}
	/* one event per recipient: "to=<a>,<b>" or "to=a,b" */
	te = to.ptr + to.len;
	r = to.ptr;
	while (r < te) {
		const char *c = chr(r, te, ','), *re = c ? c : te;
		struct sc_event *ev;
		if (*r == '"') { /* "|/usr/bin/procmail" may hold commas */
			const char *q = chr(r + 1, te, '"');
			if (q) {
				re = q + 1;
				c = re < te ? re : NULL;
			}
		}
		ev = sc_ingest_emit(ing);
		ev->status = status;
		ev->queue_id = *qid;
		ev->recipient = span2(r, re);
		strip_angle(&ev->recipient);
		sc_ingest_domain(ev);
		ev->dsn = dsn;
		ev->relay = relay;
		ev->reply = reply;
		ev->stage = stage;
		sc_msg_join(ing, qid->ptr, qid->len, ev);
		ev->time = sc_ingest_time(ing, &h->ts);
		if (!c)
			break;
		r = c + 1;
	}
	return INGEST_EVENTS;
}

/* "ruleset=check_rcpt, arg1=<r>, relay=h [ip], reject=550 ..." and
 * "Milter: to=<r>, reject=..." */
static enum ingest_result reject_line(struct sc_ingest *ing, const struct ingest_hdr *h,
                                      const struct smtpcodes_span *qid, const char *p, const char *end)
{
	struct sc_event *ev;
	struct smtpcodes_span rs = FIELD(p, end, "ruleset="), arg = FIELD(p, end, "arg1=");
	struct smtpcodes_span rej = FIELD(p, end, "reject="), relay = FIELD(p, end, "relay=");
	if (!rej.ptr)
		return INGEST_QUIET;
	ev = sc_ingest_emit(ing);
	ev->status = SC_STATUS_REJECTED;
	if (qid)
		ev->queue_id = *qid;
	ev->reply = span2(rej.ptr, end);
	if (relay.ptr) {
		const char *f = FIND(relay.ptr, relay.ptr + relay.len, " (may be forged)");
		ev->client = f ? span2(relay.ptr, f) : relay;
	}
	strip_angle(&arg);
	if (rs.ptr) {
		const char *re = rs.ptr + rs.len;
		if (HAS(rs.ptr, re, "check_rcpt")) {
			ev->stage = SMTPCODES_STAGE_RCPT;
			ev->recipient = arg;
		} else if (HAS(rs.ptr, re, "check_mail")) {
			ev->stage = SMTPCODES_STAGE_MAIL;
			ev->sender = arg;
		} else if (HAS(rs.ptr, re, "check_relay")) {
			ev->stage = SMTPCODES_STAGE_CONNECT;
		} else if (HAS(rs.ptr, re, "check_data") || HAS(rs.ptr, re, "check_eom") ||
		           HAS(rs.ptr, re, "check_eoh")) {
			ev->stage = SMTPCODES_STAGE_EOD;
		}
	} else if (HAS(p, end, "Milter: ")) {
		struct smtpcodes_span to = FIELD(p + 8, end, "to="), from = FIELD(p + 8, end, "from=");
		if (to.ptr) {
			ev->stage = SMTPCODES_STAGE_RCPT;
			strip_angle(&to);
			ev->recipient = to;
		} else if (from.ptr) {
			ev->stage = SMTPCODES_STAGE_MAIL;
			strip_angle(&from);
			ev->sender = from;
		} else {
			ev->stage = SMTPCODES_STAGE_EOD;
		}
	}
	sc_ingest_domain(ev);
	if (qid)
		sc_msg_join(ing, qid->ptr, qid->len, ev);
	ev->time = sc_ingest_time(ing, &h->ts);
	return INGEST_EVENTS;
}

static enum ingest_result sendmail_line(struct sc_ingest *ing, const char *line, size_t len)
{
	struct ingest_hdr h;
	struct smtpcodes_span qid = { NULL, 0 };
	const char *end = line + len, *p;

	if (!sc_ingest_syslog(line, len, &h))
		return INGEST_BAD;
	if (!h.prog || !sendmail_prog(h.prog, h.proglen))
		return INGEST_OTHER;
	p = h.msg;
	if (HAS(p, end, "NOQUEUE: "))
		p += 9;
	else {
		const char *q = queue_id(p, end, &qid);
		if (q)
			p = q;
	}
	if (qid.ptr && HAS(p, end, "to="))
		return to_line(ing, &h, &qid, p, end);
	if (qid.ptr && HAS(p, end, "from=")) {
		struct smtpcodes_span from = FIELD(p, end, "from="), msgid = FIELD(p, end, "msgid=");
		struct smtpcodes_span size = FIELD(p, end, "size="), nr = FIELD(p, end, "nrcpts=");
		long long sz = sc_ingest_span_num(size), n = sc_ingest_span_num(nr);
		strip_angle(&from);
		strip_angle(&msgid);
		sc_msg_update(ing, qid.ptr, qid.len, &from, &msgid, sz, n > 1000000000 ? -1 : (int)n);
		return INGEST_QUIET;
	}
	if (HAS(p, end, "ruleset=") || HAS(p, end, "Milter: "))
		return reject_line(ing, &h, qid.ptr ? &qid : NULL, p, end);
	if (qid.ptr && p < end && *p == '<') {
		/* "<r>... User unknown": the server refused a recipient */
		const char *gt = chr(p, end, '>');
		if (gt && HAS(gt, end, ">... ")) {
			struct sc_event *ev = sc_ingest_emit(ing);
			ev->status = SC_STATUS_REJECTED;
			ev->queue_id = qid;
			ev->recipient = span2(p + 1, gt);
			ev->stage = SMTPCODES_STAGE_RCPT;
			ev->reply = span2(gt + 5, end);
			sc_ingest_domain(ev);
			sc_msg_join(ing, qid.ptr, qid.len, ev);
			ev->time = sc_ingest_time(ing, &h.ts);
			return INGEST_EVENTS;
		}
	}
	return INGEST_QUIET;
}

const struct sc_ingest_backend sc_ingest_sendmail = {
	"sendmail",
	sendmail_detect,
	sendmail_line,
};
