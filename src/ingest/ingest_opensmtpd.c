/*
 * ingest_opensmtpd.c - the OpenSMTPD log format.
 *
 * OpenSMTPD (6.4 and later) logs one line per event of a session, after the
 * syslog tag "smtpd[pid]:" and a 16-digit hex session id:
 *
 *  - "SID mta delivery evpid=EV from=<f> to=<t> rcpt=<r> source=\"ip\"
 *    relay=\"ip (host)\" delay=2s result=\"Ok|TempFail|PermFail\"
 *    stat=\"250 ...\"" (mta.c, mta_log()): sent, deferred, bounced; "mda
 *    delivery" the same for local deliveries;
 *  - the 2016-2018 form "SID mta event=delivery evpid=...", with the same
 *    fields, and the older "delivery: Ok for EV: from=<f>, to=<t>, ...";
 *  - "SID smtp failed-command command=\"RCPT TO:<r>\" result=\"550 ...\""
 *    (also "smtp event=failed-command address=ip host=h ..."): a command the
 *    server refused, as a rejected event;
 *  - "SID smtp message msgid=M size=N nrcpt=N" and "SID smtp connected
 *    address=ip host=h" into the message table (the message id is the first
 *    8 hex digits of an envelope id; the session's client for rejects).
 * The queue id of an event is the message id. Lines without the syslog
 * prefix (as people paste them) are read too.
 */
#include <string.h>

#include "ingest/ingest_int.h"

static int hex16(const char *p, const char *end)
{
	int i;
	if (end - p < 17 || p[16] != ' ')
		return 0;
	for (i = 0; i < 16; i++)
		if (!is_hex(p[i]))
			return 0;
	return 1;
}

/* The message after the header: after "smtpd[pid]: " or the whole line when
 * it starts with a session id. */
static int smtpd_body(const char *line, const char *end, struct ingest_ts_ref *ts, const char **body)
{
	struct ingest_hdr h;
	if (sc_ingest_syslog(line, (size_t)(end - line), &h)) {
		if (!h.prog || h.proglen != 5 || memcmp(h.prog, "smtpd", 5) != 0)
			return 0;
		*ts = h.ts;
		*body = h.msg;
		return 1;
	}
	if (hex16(line, end)) {
		ts->kind = TS_NONE;
		ts->p = line;
		ts->len = 0;
		*body = line;
		return 1;
	}
	return 0;
}

static int opensmtpd_detect(const char *line, size_t len)
{
	struct ingest_ts_ref ts;
	const char *body, *end = line + len;
	if (!smtpd_body(line, end, &ts, &body))
		return 0;
	if (ts.kind != TS_NONE)
		return 1;
	return HAS(body + 17, end, "mta ") || HAS(body + 17, end, "smtp ") || HAS(body + 17, end, "mda ");
}

/* The value of " key=" in [p, end): quoted ("...") or up to the next space
 * (or, with comma, up to ", "). ptr NULL when the key is missing. */
static struct smtpcodes_span value(const char *p, const char *end, const char *key, size_t klen, int last)
{
	const char *k = p, *v, *ve;
	for (;;) {
		k = find(k, end, key, klen);
		if (!k)
			return span(NULL, 0);
		if (k == p || k[-1] == ' ')
			break;
		k += klen;
	}
	v = k + klen;
	if (v < end && *v == '"') {
		v++;
		/* stat= is the last field and may hold quotes: up to the last one */
		ve = last ? (end > v && end[-1] == '"' ? end - 1 : end) : chr(v, end, '"');
		return span2(v, ve ? ve : end);
	}
	if (last) /* stat=Error ("mail.local: ...") unquoted: the rest */
		return span2(v, end);
	ve = v;
	while (ve < end && *ve != ' ')
		ve++;
	if (ve > v && ve[-1] == ',')
		ve--;
	return span2(v, ve);
}
#define VALUE(p, end, key, last) value((p), (end), (key), sizeof(key) - 1, (last))

static void strip_angle(struct smtpcodes_span *s)
{
	if (s->ptr && s->len >= 2 && s->ptr[0] == '<' && s->ptr[s->len - 1] == '>') {
		s->ptr++;
		s->len -= 2;
	}
}

/* "ip (host)" -> host, else the ip */
static struct smtpcodes_span relay_host(struct smtpcodes_span r)
{
	const char *lp, *rp, *end;
	if (!r.ptr)
		return r;
	end = r.ptr + r.len;
	lp = chr(r.ptr, end, '(');
	rp = lp ? chr(lp, end, ')') : NULL;
	if (lp && rp && rp > lp + 1)
		return span2(lp + 1, rp);
	lp = chr(r.ptr, end, ' ');
	return lp ? span2(r.ptr, lp) : r;
}

/* "mta delivery ...", "mda delivery ...", "delivery: Ok for ..." */
static enum ingest_result delivery(struct sc_ingest *ing, const struct ingest_ts_ref *ts, const char *p,
                                   const char *end)
{
	struct sc_event *ev;
	struct smtpcodes_span evpid = VALUE(p, end, "evpid=", 0), result = VALUE(p, end, "result=", 0);
	struct smtpcodes_span from = VALUE(p, end, "from=", 0), to = VALUE(p, end, "to=", 0);
	struct smtpcodes_span stat = VALUE(p, end, "stat=", 1);
	enum sc_status status;

	if (!result.ptr && (HAS(p, end, "delivery: ") || HAS(p, end, "relay: "))) {
		/* before 6.4: "delivery: Ok for EV: ...", "relay: TempFail for EV: ..." */
		const char *r = chr(p, end, ' ') + 1, *sp = chr(r, end, ' ');
		if (sp && HAS(sp, end, " for ")) {
			result = span2(r, sp);
			evpid = span2(sp + 5, end);
			if (chr(evpid.ptr, end, ':'))
				evpid.len = (size_t)(chr(evpid.ptr, end, ':') - evpid.ptr);
		}
	}
	if (!result.ptr || !to.ptr)
		return INGEST_BAD;
	if (result.len == 2 && memcmp(result.ptr, "Ok", 2) == 0)
		status = SC_STATUS_SENT;
	else if (result.len == 8 && memcmp(result.ptr, "TempFail", 8) == 0)
		status = SC_STATUS_DEFERRED;
	else if ((result.len == 8 && memcmp(result.ptr, "PermFail", 8) == 0) ||
	         (result.len == 4 && memcmp(result.ptr, "Loop", 4) == 0))
		status = SC_STATUS_BOUNCED;
	else
		return INGEST_BAD;
	ev = sc_ingest_emit(ing);
	ev->status = status;
	strip_angle(&from);
	strip_angle(&to);
	ev->sender = from;
	ev->recipient = to;
	sc_ingest_domain(ev);
	ev->relay = relay_host(VALUE(p, end, "relay=", 0));
	ev->reply = stat;
	if (status == SC_STATUS_SENT && stat.len && stat.ptr[0] == '2')
		ev->stage = SMTPCODES_STAGE_EOD;
	if (evpid.ptr && evpid.len >= 8) {
		ev->queue_id = span(evpid.ptr, 8);
		sc_msg_join(ing, evpid.ptr, 8, ev);
	}
	ev->time = sc_ingest_time(ing, ts);
	return INGEST_EVENTS;
}

/* "smtp failed-command command=\"RCPT TO:<r>\" result=\"550 ...\"" */
static enum ingest_result failed_command(struct sc_ingest *ing, const struct ingest_ts_ref *ts,
                                         const char *sid, const char *p, const char *end)
{
	struct sc_event *ev;
	struct smtpcodes_span cmd = VALUE(p, end, "command=", 0), res = VALUE(p, end, "result=", 1);
	struct smtpcodes_span addr = VALUE(p, end, "address=", 0), host = VALUE(p, end, "host=", 0);
	const char *lt, *cend;
	int st;

	if (!res.ptr)
		return INGEST_BAD;
	ev = sc_ingest_emit(ing);
	ev->status = SC_STATUS_REJECTED;
	ev->reply = res;
	if (cmd.ptr) {
		cend = cmd.ptr + cmd.len;
		lt = chr(cmd.ptr, cend, '<');
		st = smtpcodes_stage_from_text(cmd.ptr, (size_t)((lt ? lt : cend) - cmd.ptr));
		if (st > 0)
			ev->stage = (enum smtpcodes_stage)st;
		if (lt) {
			const char *after;
			struct smtpcodes_span a = sc_ingest_angle(lt, cend, &after);
			if (ev->stage == SMTPCODES_STAGE_RCPT)
				ev->recipient = a;
			else if (ev->stage == SMTPCODES_STAGE_MAIL)
				ev->sender = a;
		}
	}
	if (host.ptr && host.len)
		ev->client = host;
	else if (addr.ptr)
		ev->client = addr;
	else if (sid) {
		struct sc_event tmp;
		memset(&tmp, 0, sizeof tmp);
		tmp.size = -1;
		tmp.nrcpt = -1;
		sc_msg_join(ing, sid, 16, &tmp);
		ev->client = tmp.sender; /* the session's client, kept by "smtp connected" */
	}
	sc_ingest_domain(ev);
	ev->time = sc_ingest_time(ing, ts);
	return INGEST_EVENTS;
}

static enum ingest_result opensmtpd_line(struct sc_ingest *ing, const char *line, size_t len)
{
	struct ingest_ts_ref ts;
	const char *end = line + len, *p, *sid = NULL;

	if (!smtpd_body(line, end, &ts, &p)) {
		struct ingest_hdr h;
		if (len && !sc_ingest_binary(line, end) && sc_ingest_syslog(line, len, &h))
			return INGEST_OTHER;
		return INGEST_BAD;
	}
	if (hex16(p, end)) {
		sid = p;
		p += 17;
	}
	if (HAS(p, end, "mta ") || HAS(p, end, "mda ")) {
		const char *q = p + 4;
		if (HAS(q, end, "delivery ") || HAS(q, end, "event=delivery "))
			return delivery(ing, &ts, q, end);
		return INGEST_QUIET;
	}
	if (HAS(p, end, "delivery: ") || HAS(p, end, "relay: "))
		return delivery(ing, &ts, p, end);
	if (HAS(p, end, "smtp ")) {
		const char *q = p + 5;
		if (HAS(q, end, "failed-command ") || HAS(q, end, "event=failed-command "))
			return failed_command(ing, &ts, sid, q, end);
		if (HAS(q, end, "message ") || HAS(q, end, "event=message ")) {
			struct smtpcodes_span m = VALUE(q, end, "msgid=", 0);
			struct smtpcodes_span sz = VALUE(q, end, "size=", 0), nr = VALUE(q, end, "nrcpt=", 0);
			long long size = sc_ingest_span_num(sz), nrcpt = sc_ingest_span_num(nr);
			if (m.ptr)
				sc_msg_update(ing, m.ptr, m.len, NULL, NULL, size,
				              nrcpt > 1000000000 ? -1 : (int)nrcpt);
			return INGEST_QUIET;
		}
		if (sid && (HAS(q, end, "connected ") || HAS(q, end, "event=connected "))) {
			struct smtpcodes_span a = VALUE(q, end, "address=", 0), h = VALUE(q, end, "host=", 0);
			struct smtpcodes_span c = h.ptr && h.len ? h : a;
			if (c.ptr)
				sc_msg_update(ing, sid, 16, &c, NULL, -1, -1);
			return INGEST_QUIET;
		}
		if (sid && (HAS(q, end, "disconnected") || HAS(q, end, "event=closed"))) {
			sc_msg_forget(ing, sid, 16);
			return INGEST_QUIET;
		}
		return INGEST_QUIET;
	}
	return INGEST_QUIET;
}

const struct sc_ingest_backend sc_ingest_opensmtpd = {
	"opensmtpd",
	opensmtpd_detect,
	opensmtpd_line,
};
