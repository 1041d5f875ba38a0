/*
 * test_ingest.c - table-driven tests of the log parsers in src/ingest/:
 * every line form of every format, field by field ("got X, want Y"), the
 * joining of per-message facts by queue id, format detection, the bounded
 * message table, cut and junk lines, and time stamps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ingest/ingest.h"

/* An expected event. A NULL string means "unknown or empty"; "<>" for the
 * sender means the null sender (known, empty). */
struct want {
	enum sc_status status;
	const char *qid, *sender, *rcpt, *domain, *relay, *client, *reply, *dsn, *msgid;
	enum smtpcodes_stage stage;
	long long size;
	int nrcpt;
	const char *time; /* "2024-09-20T10:30:44Z" or NULL: not checked */
};

struct tcase {
	const char *name;
	const char *pre[4]; /* lines fed first (message table), NULL-ended */
	const char *line;
	size_t nev;         /* events the line must give */
	struct want w[2];   /* the first (at most two) events */
};

static int span_is(const struct smtpcodes_span *s, const char *want, int null_sender)
{
	if (null_sender)
		return s->ptr && s->len == 0;
	if (!want)
		return !s->ptr || s->len == 0;
	return s->ptr && s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0;
}

static int check_span(const char *cname, const char *field, const struct smtpcodes_span *s, const char *want)
{
	int nulls = want && strcmp(want, "<>") == 0;
	if (span_is(s, want, nulls))
		return 0;
	print_error("%s: %s: got \"%.*s\"%s, want \"%s\"\n", cname, field, s->ptr ? (int)s->len : 0,
	            s->ptr ? s->ptr : "", s->ptr ? "" : " (unknown)", want ? want : "(empty)");
	return 1;
}

static int check_event(const char *cname, const struct sc_event *ev, const struct want *w)
{
	int bad = 0;
	if (ev->status != w->status) {
		print_error("%s: status: got %s, want %s\n", cname, sc_status_name(ev->status),
		            sc_status_name(w->status));
		bad++;
	}
	bad += check_span(cname, "queue_id", &ev->queue_id, w->qid);
	bad += check_span(cname, "sender", &ev->sender, w->sender);
	bad += check_span(cname, "recipient", &ev->recipient, w->rcpt);
	bad += check_span(cname, "domain", &ev->recipient_domain, w->domain);
	bad += check_span(cname, "relay", &ev->relay, w->relay);
	bad += check_span(cname, "client", &ev->client, w->client);
	bad += check_span(cname, "reply", &ev->reply, w->reply);
	bad += check_span(cname, "dsn", &ev->dsn, w->dsn);
	bad += check_span(cname, "message_id", &ev->message_id, w->msgid);
	if (ev->stage != w->stage) {
		print_error("%s: stage: got %s, want %s\n", cname, smtpcodes_stage_name(ev->stage),
		            smtpcodes_stage_name(w->stage));
		bad++;
	}
	if (ev->size != w->size) {
		print_error("%s: size: got %lld, want %lld\n", cname, ev->size, w->size);
		bad++;
	}
	if (ev->nrcpt != w->nrcpt) {
		print_error("%s: nrcpt: got %d, want %d\n", cname, ev->nrcpt, w->nrcpt);
		bad++;
	}
	if (w->time) {
		char tb[32] = "0";
		struct tm tm;
		if (ev->time) {
			gmtime_r(&ev->time, &tm);
			strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		if (strcmp(tb, w->time) != 0) {
			print_error("%s: time: got %s, want %s\n", cname, tb, w->time);
			bad++;
		}
	}
	return bad;
}

static int run_table(const char *format, const struct tcase *t, size_t n)
{
	size_t i, j, k, got;
	int bad = 0;
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	for (i = 0; i < n; i++) {
		struct sc_ingest *ing = sc_ingest_new(format);
		assert_non_null(ing);
		sc_ingest_set_year(ing, 2024);
		sc_ingest_set_utc(ing, 1);
		for (j = 0; j < 4 && t[i].pre[j]; j++)
			sc_ingest_line(ing, t[i].pre[j], strlen(t[i].pre[j]), j + 1, ev, SC_INGEST_MAX_EVENTS, &got);
		sc_ingest_line(ing, t[i].line, strlen(t[i].line), 99, ev, SC_INGEST_MAX_EVENTS, &got);
		if (got != t[i].nev) {
			print_error("%s: events: got %zu, want %zu\n", t[i].name, got, t[i].nev);
			bad++;
		}
		for (k = 0; k < got && k < t[i].nev && k < 2; k++) {
			bad += check_event(t[i].name, &ev[k], &t[i].w[k]);
			if (ev[k].line != 99) {
				print_error("%s: line: got %llu, want 99\n", t[i].name, ev[k].line);
				bad++;
			}
		}
		sc_ingest_free(ing);
	}
	return bad;
}

#define S_SENT SC_STATUS_SENT
#define S_DEF SC_STATUS_DEFERRED
#define S_BNC SC_STATUS_BOUNCED
#define S_EXP SC_STATUS_EXPIRED
#define S_REJ SC_STATUS_REJECTED
#define ST_NONE SMTPCODES_STAGE_UNKNOWN
#define ST_CONN SMTPCODES_STAGE_CONNECT
#define ST_HELO SMTPCODES_STAGE_HELO
#define ST_MAIL SMTPCODES_STAGE_MAIL
#define ST_RCPT SMTPCODES_STAGE_RCPT
#define ST_DATA SMTPCODES_STAGE_DATA
#define ST_EOD SMTPCODES_STAGE_EOD
#define ST_AUTH SMTPCODES_STAGE_AUTH

/* ------------------------------------------------------------ Postfix */

#define PF_CLEANUP "Sep 20 10:30:40 mail postfix/cleanup[7636]: 365EA8F1F4: message-id=<20240920.365EA8F1F4@mail.example.org>"
#define PF_QMGR "Sep 20 10:30:40 mail postfix/qmgr[7554]: 365EA8F1F4: from=<news@example.org>, size=4272, nrcpt=2 (queue active)"
#define PF_MSGID "20240920.365EA8F1F4@mail.example.org"

static const struct tcase postfix_cases[] = {
	{ "pf-bounced-gmail", { PF_CLEANUP, PF_QMGR, NULL },
	  "Sep 20 10:30:44 mail postfix/smtp[7638]: 365EA8F1F4: to=<pepe@gmail.com>, relay=gmail-smtp-in.l.google.com[66.249.93.27]:25, delay=3.8, delays=0.05/0.01/0.5/3.2, dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[66.249.93.27] said: 550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser a1si5330989ugf.37 - gsmtp (in reply to RCPT TO command))",
	  1, { { S_BNC, "365EA8F1F4", "news@example.org", "pepe@gmail.com", "gmail.com", "gmail-smtp-in.l.google.com", NULL,
	         "550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://support.google.com/mail/?p=NoSuchUser a1si5330989ugf.37 - gsmtp",
	         "5.1.1", PF_MSGID, ST_RCPT, 4272, 2, "2024-09-20T10:30:44Z" } } },
	{ "pf-sent", { PF_CLEANUP, PF_QMGR, NULL },
	  "Sep 20 10:30:45 mail postfix/smtp[7638]: 365EA8F1F4: to=<a@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4XYZ)",
	  1, { { S_SENT, "365EA8F1F4", "news@example.org", "a@example.com", "example.com", "mx.example.com", NULL,
	         "250 2.0.0 Ok: queued as 4XYZ", "2.0.0", PF_MSGID, ST_EOD, 4272, 2, NULL } } },
	{ "pf-deferred-mail-stage", { NULL },
	  "Jul  7 03:53:26 server1 postfix/smtp[359694]: ADC4A3F0EA: to=<x@yahoo.com>, relay=mta7.am0.yahoodns.net[98.136.96.74]:25, delay=105044, delays=105040/0.04/4.1/0.24, dsn=4.7.0, status=deferred (host mta7.am0.yahoodns.net[98.136.96.74] said: 421 4.7.0 [TSS04] Messages from 192.0.2.130 temporarily deferred (in reply to MAIL FROM command))",
	  1, { { S_DEF, "ADC4A3F0EA", NULL, "x@yahoo.com", "yahoo.com", "mta7.am0.yahoodns.net", NULL,
	         "421 4.7.0 [TSS04] Messages from 192.0.2.130 temporarily deferred", "4.7.0", NULL, ST_MAIL, -1, -1,
	         "2024-07-07T03:53:26Z" } } },
	{ "pf-eod-stage", { NULL },
	  "Oct  2 08:15:23 mail postfix/smtp[2223]: 1B2C3D4E6A: to=<kim@outlook.com>, relay=outlook-com.olc.protection.outlook.com[52.101.73.3]:25, delay=2, delays=0.1/0/1.2/0.7, dsn=5.7.1, status=bounced (host outlook-com.olc.protection.outlook.com[52.101.73.3] said: 550 5.7.1 blocked (in reply to end of DATA command))",
	  1, { { S_BNC, "1B2C3D4E6A", NULL, "kim@outlook.com", "outlook.com", "outlook-com.olc.protection.outlook.com", NULL,
	         "550 5.7.1 blocked", "5.7.1", NULL, ST_EOD, -1, -1, NULL } } },
	{ "pf-refused-to-talk", { NULL },
	  "Sep 19 19:08:48 d postfix/smtp[2635]: E1C154700D52: to=<a@yahoo.com>, relay=mta6.am0.yahoodns.net[98.136.217.202]:25, delay=29589, delays=29587/0.03/1.1/0, dsn=4.7.1, status=deferred (host mta6.am0.yahoodns.net[98.136.217.202] refused to talk to me: 421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred)",
	  1, { { S_DEF, "E1C154700D52", NULL, "a@yahoo.com", "yahoo.com", "mta6.am0.yahoodns.net", NULL,
	         "421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred", "4.7.1", NULL, ST_CONN, -1, -1, NULL } } },
	{ "pf-connect-timeout", { NULL },
	  "Mar  8 10:07:01 mail postfix/smtp[9393]: 2C1F0281F12: to=<sales@example.biz>, relay=none, delay=30, delays=0.02/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.biz[192.0.2.1]:25: Connection timed out)",
	  1, { { S_DEF, "2C1F0281F12", NULL, "sales@example.biz", "example.biz", "mx.example.biz", NULL,
	         "connect to mx.example.biz[192.0.2.1]:25: Connection timed out", "4.4.1", NULL, ST_CONN, -1, -1, NULL } } },
	{ "pf-connect-refused-suspended", { NULL },
	  "Mar  8 10:07:03 mail postfix/qmgr[1100]: 2C1F0281F14: to=<ops@example.biz>, relay=none, delay=1.5, delays=1.5/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.biz[192.0.2.1]:25: Connection refused)",
	  1, { { S_DEF, "2C1F0281F14", NULL, "ops@example.biz", "example.biz", "mx.example.biz", NULL,
	         "delivery temporarily suspended: connect to mx.example.biz[192.0.2.1]:25: Connection refused", "4.4.1", NULL,
	         ST_CONN, -1, -1, NULL } } },
	{ "pf-lost-connection-greeting", { NULL },
	  "Feb 12 11:25:28 mail postfix/smtp[4709]: 7C53F35BAC: to=<j@gmail.com>, relay=alt2.gmail-smtp-in.l.google.com[209.85.221.184]:25, delay=946, delays=0.12/0.01/946/0, dsn=4.4.2, status=deferred (lost connection with alt2.gmail-smtp-in.l.google.com[209.85.221.184] while receiving the initial server greeting)",
	  1, { { S_DEF, "7C53F35BAC", NULL, "j@gmail.com", "gmail.com", "alt2.gmail-smtp-in.l.google.com", NULL,
	         "lost connection with alt2.gmail-smtp-in.l.google.com[209.85.221.184] while receiving the initial server greeting",
	         "4.4.2", NULL, ST_CONN, -1, -1, NULL } } },
	{ "pf-timeout-end-of-data", { NULL },
	  "Mar  8 10:06:14 mail postfix/smtp[9392]: 24D43281F11: to=<me@example.co.uk>, relay=none, delay=30, delays=0.03/0.03/30/0, dsn=4.4.2, status=deferred (conversation with mail.example.co.uk[198.51.100.7] timed out while sending end of data -- message may be sent more than once)",
	  1, { { S_DEF, "24D43281F11", NULL, "me@example.co.uk", "example.co.uk", "mail.example.co.uk", NULL,
	         "conversation with mail.example.co.uk[198.51.100.7] timed out while sending end of data -- message may be sent more than once",
	         "4.4.2", NULL, ST_EOD, -1, -1, NULL } } },
	{ "pf-host-not-found", { NULL },
	  "Jun 30 16:08:54 score postfix/smtp[32126]: 00E985C0197: to=<admin@acme5.example.edu>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=acme5.example.edu type=AAAA: Host not found)",
	  1, { { S_BNC, "00E985C0197", NULL, "admin@acme5.example.edu", "acme5.example.edu", NULL, NULL,
	         "Host or domain name not found. Name service error for name=acme5.example.edu type=AAAA: Host not found", "5.4.4", NULL,
	         ST_NONE, -1, -1, NULL } } },
	{ "pf-local", { NULL },
	  "Sep 20 10:30:44 ubuntu postfix/local[7641]: 16A638F1F5: to=<david@ubuntu>, orig_to=<root>, relay=local, delay=0.03, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (delivered to mailbox)",
	  1, { { S_SENT, "16A638F1F5", NULL, "david@ubuntu", "ubuntu", "local", NULL, "delivered to mailbox", "2.0.0", NULL, ST_NONE, -1, -1,
	         NULL } } },
	{ "pf-virtual", { NULL },
	  "Oct  2 08:15:14 mail postfix/virtual[2214]: 1B2C3D4E62: to=<carol@example.org>, relay=virtual, delay=0.06, delays=0.03/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to maildir)",
	  1, { { S_SENT, "1B2C3D4E62", NULL, "carol@example.org", "example.org", "virtual", NULL, "delivered to maildir", "2.0.0", NULL,
	         ST_NONE, -1, -1, NULL } } },
	{ "pf-pipe", { NULL },
	  "Oct  2 08:15:15 mail postfix/pipe[2215]: 1B2C3D4E63: to=<dave@example.org>, relay=dovecot, delay=0.12, delays=0.05/0.01/0/0.06, dsn=2.0.0, status=sent (delivered via dovecot service)",
	  1, { { S_SENT, "1B2C3D4E63", NULL, "dave@example.org", "example.org", "dovecot", NULL, "delivered via dovecot service", "2.0.0",
	         NULL, ST_NONE, -1, -1, NULL } } },
	{ "pf-error", { NULL },
	  "Oct  2 08:15:17 mail postfix/error[2217]: 1B2C3D4E65: to=<frank@example.org>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.0.0, status=bounced (User unknown in virtual alias table)",
	  1, { { S_BNC, "1B2C3D4E65", NULL, "frank@example.org", "example.org", NULL, NULL, "User unknown in virtual alias table", "5.0.0",
	         NULL, ST_NONE, -1, -1, NULL } } },
	{ "pf-discard", { NULL },
	  "Oct  2 08:15:18 mail postfix/discard[2218]: 1B2C3D4E66: to=<trap@example.org>, relay=none, delay=0.02, delays=0.02/0/0/0, dsn=2.0.0, status=sent (discarded)",
	  1, { { S_SENT, "1B2C3D4E66", NULL, "trap@example.org", "example.org", NULL, NULL, "discarded", "2.0.0", NULL, ST_NONE, -1, -1,
	         NULL } } },
	{ "pf-lmtp", { NULL },
	  "Sep 21 10:00:23 mail postfix/lmtp[145]: 41B6AC0B80: to=<nobody@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=0.11, delays=0.05/0/0.02/0.04, dsn=5.1.1, status=bounced (host mail.example.com[private/dovecot-lmtp] said: 550 5.1.1 <nobody@example.com> User doesn't exist (in reply to RCPT TO command))",
	  1, { { S_BNC, "41B6AC0B80", NULL, "nobody@example.com", "example.com", "mail.example.com", NULL,
	         "550 5.1.1 <nobody@example.com> User doesn't exist", "5.1.1", NULL, ST_RCPT, -1, -1, NULL } } },
	{ "pf-multi-instance", { NULL },
	  "Oct  2 08:15:20 mail postfix-out/smtp[2220]: 1B2C3D4E68: to=<hank@example.de>, relay=mx00.example.de[212.227.15.9]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=2.0.0, status=sent (250 ok)",
	  1, { { S_SENT, "1B2C3D4E68", NULL, "hank@example.de", "example.de", "mx00.example.de", NULL, "250 ok", "2.0.0", NULL, ST_EOD, -1,
	         -1, NULL } } },
	{ "pf-rfc3339", { NULL },
	  "2024-10-02T08:15:32.123456+02:00 mail postfix/smtp[2232]: 1B2C3D4E71: to=<q@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.102.27]:25, delay=0.8, delays=0.1/0/0.3/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK - gsmtp)",
	  1, { { S_SENT, "1B2C3D4E71", NULL, "q@gmail.com", "gmail.com", "gmail-smtp-in.l.google.com", NULL, "250 2.0.0 OK - gsmtp",
	         "2.0.0", NULL, ST_EOD, -1, -1, "2024-10-02T06:15:32Z" } } },
	{ "pf-long-queue-id", { NULL },
	  "Jun 24 13:31:31 o postfix/smtp[9632]: 3wvx6q2jBgz8yNw: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[209.85.201.26]:25, delay=0.42, delays=0.06/0.02/0.29/0.06, dsn=5.2.2, status=bounced (host gmail-smtp-in.l.google.com[209.85.201.26] said: 552 5.2.2 over quota (in reply to RCPT TO command))",
	  1, { { S_BNC, "3wvx6q2jBgz8yNw", NULL, "a@gmail.com", "gmail.com", "gmail-smtp-in.l.google.com", NULL, "552 5.2.2 over quota",
	         "5.2.2", NULL, ST_RCPT, -1, -1, NULL } } },
	{ "pf-expired", { PF_CLEANUP, NULL },
	  "Sep 25 10:30:40 mail postfix/qmgr[7554]: 365EA8F1F4: from=<news@example.org>, status=expired, returned to sender",
	  1, { { S_EXP, "365EA8F1F4", "news@example.org", NULL, NULL, NULL, NULL, "returned to sender", NULL, PF_MSGID, ST_NONE, -1, -1,
	         NULL } } },
	{ "pf-noqueue-relay-denied", { NULL },
	  "Dec 24 06:04:48 ubuntu postfix/smtpd[7533]: NOQUEUE: reject: RCPT from mail-vw0-f190.google.com[209.85.212.190]: 554 5.7.1 <admin@example.tk>: Relay access denied; from=<d@gmail.com> to=<admin@example.tk> proto=ESMTP helo=<mail-vw0-f190.google.com>",
	  1, { { S_REJ, NULL, "d@gmail.com", "admin@example.tk", "example.tk", NULL, "mail-vw0-f190.google.com[209.85.212.190]",
	         "554 5.7.1 <admin@example.tk>: Relay access denied", NULL, NULL, ST_RCPT, -1, -1, NULL } } },
	{ "pf-submission-smtpd", { NULL },
	  "Oct  2 08:15:21 mail postfix/submission/smtpd[2221]: NOQUEUE: reject: RCPT from unknown[198.51.100.23]: 554 5.7.1 <ivy@example.net>: Relay access denied; from=<x@example.info> to=<ivy@example.net> proto=ESMTP helo=<pc>",
	  1, { { S_REJ, NULL, "x@example.info", "ivy@example.net", "example.net", NULL, "unknown[198.51.100.23]",
	         "554 5.7.1 <ivy@example.net>: Relay access denied", NULL, NULL, ST_RCPT, -1, -1, NULL } } },
	{ "pf-postscreen", { NULL },
	  "May  8 08:26:55 mail postfix/postscreen[22055]: NOQUEUE: reject: RCPT from [157.122.148.242]:47407: 550 5.7.1 Service unavailable; client [157.122.148.242] blocked using zen.spamhaus.org; from=<kos@example.network>, to=<z@vip.163.com>, proto=ESMTP, helo=<XL>",
	  1, { { S_REJ, NULL, "kos@example.network", "z@vip.163.com", "vip.163.com", NULL, "[157.122.148.242]",
	         "550 5.7.1 Service unavailable; client [157.122.148.242] blocked using zen.spamhaus.org", NULL, NULL, ST_RCPT, -1, -1,
	         NULL } } },
	{ "pf-queued-reject", { NULL },
	  "Oct  3 09:00:13 mx postfix/smtpd[3001]: 4F1E2A3B4C: reject: RCPT from mail.example.com[192.0.2.91]: 452 4.5.3 Error: too many recipients; from=<list@example.com> to=<u@example.org> proto=ESMTP helo=<mail.example.com>",
	  1, { { S_REJ, "4F1E2A3B4C", "list@example.com", "u@example.org", "example.org", NULL, "mail.example.com[192.0.2.91]",
	         "452 4.5.3 Error: too many recipients", NULL, NULL, ST_RCPT, -1, -1, NULL } } },
	{ "pf-connect-reject", { NULL },
	  "Oct  3 09:00:05 mx postfix/smtpd[3001]: NOQUEUE: reject: CONNECT from unknown[192.0.2.80]: 554 5.7.1 <unknown[192.0.2.80]>: Client host rejected: Access denied; proto=SMTP",
	  1, { { S_REJ, NULL, NULL, NULL, NULL, NULL, "unknown[192.0.2.80]",
	         "554 5.7.1 <unknown[192.0.2.80]>: Client host rejected: Access denied", NULL, NULL, ST_CONN, -1, -1, NULL } } },
	{ "pf-milter-reject", { NULL },
	  "Feb 20 03:26:16 precise postfix/cleanup[19158]: 0A618260345: milter-reject: END-OF-MESSAGE from unknown[192.168.5.100]: 5.7.1 Blocked by ClamAV; from=<n@example.tld> to=<m@example.tld> proto=ESMTP helo=<[192.168.5.100]>",
	  1, { { S_REJ, "0A618260345", "n@example.tld", "m@example.tld", "example.tld", NULL, "unknown[192.168.5.100]",
	         "5.7.1 Blocked by ClamAV", NULL, NULL, ST_EOD, -1, -1, NULL } } },
	{ "pf-header-check", { NULL },
	  "Jun 27 21:39:43 localhost postfix/cleanup[2712]: 906F418067A: reject: header Subject: Winner from mail.example.com[209.85.219.174]; from=<w@example.com> to=<u@example.com.tr> proto=ESMTP helo=<mail.example.com>: 5.7.1 message content rejected",
	  1, { { S_REJ, "906F418067A", "w@example.com", "u@example.com.tr", "example.com.tr", NULL, "mail.example.com[209.85.219.174]",
	         "5.7.1 message content rejected", NULL, NULL, ST_EOD, -1, -1, NULL } } },
	/* lines that give no event */
	{ "pf-reject-warning", { NULL },
	  "Oct  3 09:00:08 mx postfix/smtpd[3001]: NOQUEUE: reject_warning: RCPT from unknown[192.0.2.82]: 450 4.7.1 Client host rejected; from=<a@example.com> to=<u@example.org> proto=ESMTP helo=<x>",
	  0, { { 0 } } },
	{ "pf-connect-info", { NULL },
	  "Mar  8 10:07:02 mail postfix/smtp[9394]: connect to mx.example.biz[192.0.2.1]:25: Connection refused", 0, { { 0 } } },
	{ "pf-deliverable-probe", { NULL },
	  "Oct  2 08:15:28 mail postfix/smtp[2228]: 1B2C3D4E6F: to=<p@example.com>, relay=mx.example.com[192.0.2.47]:25, delay=0.4, delays=0.1/0/0.3/0, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)",
	  0, { { 0 } } },
	{ "pf-qmgr", { NULL }, PF_QMGR, 0, { { 0 } } },
	{ "pf-reject-malformed", { NULL },
	  "Oct  3 09:00:02 mx postfix/smtpd[3001]: NOQUEUE: reject: RCPT from unknown: 450 x; from=<a@b.example> to=<c@d.example>", 0,
	  { { 0 } } },
	{ "pf-other-program", { NULL }, "Sep 20 10:30:40 mail dovecot: imap-login: Login: user=<a@example.org>", 0, { { 0 } } },
};

/* --------------------------------------------------------------- Exim */

#define EX_ARRIVAL "2012-02-13 14:39:20 1RwtJa-0009RI-2d <= news@example.ru H=mail.example.com [84.154.134.45] P=esmtp S=1289 id=120213.205359@whois.example.ru T=\"Subject S=99 id=fake\""

static const struct tcase exim_cases[] = {
	{ "ex-delivered", { EX_ARRIVAL, NULL },
	  "2012-02-13 14:39:57 1RwtJa-0009RI-2d => e@rambler.ru R=dnslookup T=remote_smtp H=imx1.rambler.ru [81.19.66.235] C=\"250 2.0.0 Ok: queued as 8512E1767A67\"",
	  1, { { S_SENT, "1RwtJa-0009RI-2d", "news@example.ru", "e@rambler.ru", "rambler.ru", "imx1.rambler.ru", NULL,
	         "250 2.0.0 Ok: queued as 8512E1767A67", NULL, "120213.205359@whois.example.ru", ST_EOD, 1289, -1,
	         "2012-02-13T14:39:57Z" } } },
	{ "ex-additional", { EX_ARRIVAL, NULL },
	  "2012-02-13 14:39:57 1RwtJa-0009RI-2d -> l@mail.ru R=dnslookup T=remote_smtp H=mxs.mail.ru [94.100.176.20] C=\"250 OK id=1RwtK9-0004SS-Fm\"",
	  1, { { S_SENT, "1RwtJa-0009RI-2d", "news@example.ru", "l@mail.ru", "mail.ru", "mxs.mail.ru", NULL, "250 OK id=1RwtK9-0004SS-Fm",
	         NULL, "120213.205359@whois.example.ru", ST_EOD, 1289, -1, NULL } } },
	{ "ex-deferred-44", { EX_ARRIVAL, NULL },
	  "2012-02-13 14:39:22 1RwtJa-0009RI-2d == u@london.com R=dnslookup T=remote_smtp defer (-44): SMTP error from remote mail server after RCPT TO:<u@london.com>: host mx0.gmx.com [74.208.5.90]: 450 4.3.2 Too many mails (mail bomb)",
	  1, { { S_DEF, "1RwtJa-0009RI-2d", "news@example.ru", "u@london.com", "london.com", "mx0.gmx.com", NULL,
	         "450 4.3.2 Too many mails (mail bomb)", NULL, "120213.205359@whois.example.ru", ST_RCPT, 1289, -1, NULL } } },
	{ "ex-failed-multiline", { NULL },
	  "2012-02-13 15:11:41 1RwtmW-000MsX-CK ** b@gmail.com R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<b@gmail.com>: host gmail-smtp-in.l.google.com [209.85.137.26]: 550-5.1.1 The email account does not exist.\\n550 5.1.1 nx10si6357592lab.5",
	  1, { { S_BNC, "1RwtmW-000MsX-CK", NULL, "b@gmail.com", "gmail.com", "gmail-smtp-in.l.google.com", NULL,
	         "550-5.1.1 The email account does not exist.\\n550 5.1.1 nx10si6357592lab.5", NULL, NULL, ST_RCPT, -1, -1, NULL } } },
	{ "ex-failed-new-format", { NULL },
	  "1999-03-02 09:44:33 10HmaZ-000000005vi-0000 ** userz@domain.com R=all T=smtp H=127.0.0.1 [127.0.0.1]:1225 I=[127.0.0.1]:10001 : SMTP error from remote mail server after RCPT TO:<userz@domain.com>: 550 Recipient refused",
	  1, { { S_BNC, "10HmaZ-000000005vi-0000", NULL, "userz@domain.com", "domain.com", "127.0.0.1", NULL, "550 Recipient refused", NULL,
	         NULL, ST_RCPT, -1, -1, NULL } } },
	{ "ex-failed-end-of-data", { NULL },
	  "2024-06-01 12:00:01 1sDHqa-00000000Lxz-003F ** t@outlook.com R=dnslookup T=remote_smtp H=o.outlook.com [52.101.73.3]:25 I=[203.0.113.5]:51234: SMTP error from remote mail server after end of data: 550 5.7.1 Service unavailable",
	  1, { { S_BNC, "1sDHqa-00000000Lxz-003F", NULL, "t@outlook.com", "outlook.com", "o.outlook.com", NULL,
	         "550 5.7.1 Service unavailable", NULL, NULL, ST_EOD, -1, -1, NULL } } },
	{ "ex-deferred-mail-from", { NULL },
	  "2024-06-01 12:00:02 1sDHqa-00000000Lxz-003F == f@yahoo.com R=dnslookup T=remote_smtp defer (-46) H=mta5.am0.yahoodns.net [67.195.204.73]: SMTP error from remote mail server after MAIL FROM:<rcpt-like@example.org> SIZE=3100: 421 4.7.0 [TSS04] deferred",
	  1, { { S_DEF, "1sDHqa-00000000Lxz-003F", NULL, "f@yahoo.com", "yahoo.com", "mta5.am0.yahoodns.net", NULL,
	         "421 4.7.0 [TSS04] deferred", NULL, NULL, ST_MAIL, -1, -1, NULL } } },
	{ "ex-deferred-errno", { NULL },
	  "2002-12-19 16:20:23 16aiQz-0002Q5-00 == marvin@endrest.example R=dnslookup T=smtp defer (146): Connection refused",
	  1, { { S_DEF, "16aiQz-0002Q5-00", NULL, "marvin@endrest.example", "endrest.example", NULL, NULL, "Connection refused", NULL, NULL,
	         ST_NONE, -1, -1, NULL } } },
	{ "ex-old-failure", { NULL },
	  "1995-12-19 16:20:23 0tRiQz-0002Q5-00 ** jim@trek99.example <jim@trek99.example>: unknown mail domain",
	  1, { { S_BNC, "0tRiQz-0002Q5-00", NULL, "jim@trek99.example", "trek99.example", NULL, NULL, "unknown mail domain", NULL, NULL,
	         ST_NONE, -1, -1, NULL } } },
	{ "ex-retry-timeout", { NULL },
	  "2012-02-13 14:39:22 1RookS-000Pg8-VO ** f@london.com: retry timeout exceeded",
	  1, { { S_EXP, "1RookS-000Pg8-VO", NULL, "f@london.com", "london.com", NULL, NULL, "retry timeout exceeded", NULL, NULL, ST_NONE,
	         -1, -1, NULL } } },
	{ "ex-blackhole", { NULL },
	  "2012-02-13 14:39:22 1RwtJa-000AFB-07 => :blackhole: <t@somehost.ru> R=blackhole_router",
	  1, { { S_SENT, "1RwtJa-000AFB-07", NULL, "t@somehost.ru", "somehost.ru", NULL, NULL, NULL, NULL, NULL, ST_NONE, -1, -1, NULL } } },
	{ "ex-zone-pid", { NULL },
	  "2024-06-01 12:00:01.456 +0200 [4712] 1sDHqa-00000000Lxz-003F => s@outlook.com R=dnslookup T=remote_smtp H=o.outlook.com [52.101.73.3]:25 C=\"250 2.6.0 Queued\"",
	  1, { { S_SENT, "1sDHqa-00000000Lxz-003F", NULL, "s@outlook.com", "outlook.com", "o.outlook.com", NULL, "250 2.6.0 Queued", NULL,
	         NULL, ST_EOD, -1, -1, "2024-06-01T10:00:01Z" } } },
	{ "ex-rejected-rcpt", { NULL },
	  "2014-08-27 12:32:27 H=slow1-d.mail.example.net [217.70.178.86] F=<d@example.com> rejected RCPT <d@example.biz>: relay not permitted",
	  1, { { S_REJ, NULL, "d@example.com", "d@example.biz", "example.biz", NULL, "slow1-d.mail.example.net [217.70.178.86]",
	         "relay not permitted", NULL, NULL, ST_RCPT, -1, -1, NULL } } },
	{ "ex-rejected-after-data", { NULL },
	  "2022-06-01 13:48:42 1nwNm8-0006NL-F0 H=(mail.example.com) [23.171.176.140] F=<c@example.com> rejected after DATA: Your message scored high",
	  1, { { S_REJ, "1nwNm8-0006NL-F0", "c@example.com", NULL, NULL, NULL, "(mail.example.com) [23.171.176.140]",
	         "Your message scored high", NULL, NULL, ST_EOD, -1, -1, NULL } } },
	{ "ex-arrival", { NULL }, EX_ARRIVAL, 0, { { 0 } } },
	{ "ex-completed", { NULL }, "2012-02-13 14:39:22 1RwtJa-000AFB-07 Completed", 0, { { 0 } } },
};

/* ---------------------------------------------------------- OpenSMTPD */

static const struct tcase opensmtpd_cases[] = {
	{ "os-ok", { "Jul  6 06:01:46 ams-1 smtpd[75295]: 5df87c9c42abeddb smtp message msgid=f6e94209 size=802 nrcpt=1 proto=ESMTP", NULL },
	  "Jul  6 06:01:48 ams-1 smtpd[75295]: 5df87c9ffd0e785d mta delivery evpid=f6e94209918f7e7b from=<g@poolp.org> to=<g.c@gmail.com> rcpt=<-> source=\"212.83.129.132\" relay=\"173.194.76.27 (ws-in-f27.1e100.net)\" delay=2s result=\"Ok\" stat=\"250 2.0.0 OK  1562385708 z11si6726563wmb.62 - gsmtp\"",
	  1, { { S_SENT, "f6e94209", "g@poolp.org", "g.c@gmail.com", "gmail.com", "ws-in-f27.1e100.net", NULL,
	         "250 2.0.0 OK  1562385708 z11si6726563wmb.62 - gsmtp", NULL, NULL, ST_EOD, 802, 1, "2024-07-06T06:01:48Z" } } },
	{ "os-tempfail-bare", { NULL },
	  "4b3a6c195c1f6010 mta delivery evpid=8f26ea98359eccea from=<misc@opensmtpd.org> to=<x@tin.it> rcpt=<-> source=\"45.76.46.201\" relay=\"62.211.72.32 (smtp.tin.it)\" delay=0s result=\"TempFail\" stat=\"421 <x@tin.it> Service not available - too busy\"",
	  1, { { S_DEF, "8f26ea98", "misc@opensmtpd.org", "x@tin.it", "tin.it", "smtp.tin.it", NULL,
	         "421 <x@tin.it> Service not available - too busy", NULL, NULL, ST_NONE, -1, -1, "0" } } },
	{ "os-permfail-event", { NULL },
	  "Mar 22 17:56:37 mercury smtpd[45037]: 8f4864084ecc48f4 mta event=delivery evpid=7077717e797a776e from=<puffy@example.com> to=<bill@hotmail.com> rcpt=<-> source=\"203.0.113.1\" relay=\"104.47.38.33 (104.47.38.33)\" delay=1s result=\"PermFail\" stat=\"550 5.7.1 blocked\"",
	  1, { { S_BNC, "7077717e", "puffy@example.com", "bill@hotmail.com", "hotmail.com", "104.47.38.33", NULL, "550 5.7.1 blocked", NULL,
	         NULL, ST_NONE, -1, -1, NULL } } },
	{ "os-mda-unquoted", { NULL },
	  "Mar  9 10:01:09 mx smtpd[900]: 3e4f5a6b7c8d9eb0 mda delivery evpid=9f8e7d6c00000007 from=<n@example.org> to=<full@mx.example.org> rcpt=<-> user=full delay=0s result=TempFail stat=Error (\"mail.local: Disc quota exceeded\")",
	  1, { { S_DEF, "9f8e7d6c", "n@example.org", "full@mx.example.org", "mx.example.org", NULL, NULL,
	         "Error (\"mail.local: Disc quota exceeded\")", NULL, NULL, ST_NONE, -1, -1, NULL } } },
	{ "os-failed-rcpt", { "Mar  8 20:48:47 web smtpd[88171]: 2cd79d8bacbe2c12 smtp connected address=192.0.2.5 host=client.example.net", NULL },
	  "Mar  8 20:48:47 web smtpd[88171]: 2cd79d8bacbe2c12 smtp failed-command command=\"RCPT TO:<info@example.com> \" result=\"550 Invalid recipient: <info@example.com>\"",
	  1, { { S_REJ, NULL, NULL, "info@example.com", "example.com", NULL, "client.example.net",
	         "550 Invalid recipient: <info@example.com>", NULL, NULL, ST_RCPT, -1, -1, NULL } } },
	{ "os-failed-old", { NULL },
	  "Mar  9 10:00:04 mx smtpd[900]: smtp event=failed-command address=192.0.2.51 host=unknown command=\"MAIL FROM:<s@example.biz>\" result=\"530 5.5.1 Must issue an AUTH command first\"",
	  1, { { S_REJ, NULL, "s@example.biz", NULL, NULL, NULL, "unknown", "530 5.5.1 Must issue an AUTH command first", NULL, NULL, ST_MAIL,
	         -1, -1, NULL } } },
	{ "os-old-delivery", { NULL },
	  "Mar 22 17:56:40 mercury smtpd[45037]: relay: TempFail for 7077717e797a7771: from=<p@example.com>, to=<far@example.net>, relay=192.0.2.13, delay=10s, stat=421 Try again later",
	  1, { { S_DEF, "7077717e", "p@example.com", "far@example.net", "example.net", "192.0.2.13", NULL, "421 Try again later", NULL, NULL,
	         ST_NONE, -1, -1, NULL } } },
	{ "os-connecting", { NULL },
	  "Jul  6 06:01:46 ams-1 smtpd[75295]: 5df87c9ffd0e785d mta connecting address=smtp://173.194.76.27:25 host=ws-in-f27.1e100.net", 0,
	  { { 0 } } },
};

/* ----------------------------------------------------------- Sendmail */

#define SM_FROM "Apr 12 10:03:22 www sm-mta[2031]: l3C834YF002031: from=<t@thai.example>, size=2426, class=0, nrcpts=2, msgid=<c69d01c7$9471501e@thai.example>, proto=SMTP, daemon=MTA, relay=adsl.example.sk [87.197.150.36]"

static const struct tcase sendmail_cases[] = {
	{ "sm-user-unknown", { SM_FROM, NULL },
	  "Apr 12 10:03:22 www sm-mta[2034]: l3C834YF002031: to=<m@unirel.it>, delay=00:00:13, xdelay=00:00:00, mailer=esmtp, pri=122426, relay=mx.unirel.it. [192.0.2.3], dsn=5.1.1, stat=User unknown",
	  1, { { S_BNC, "l3C834YF002031", "t@thai.example", "m@unirel.it", "unirel.it", "mx.unirel.it", NULL, "User unknown", "5.1.1",
	         "c69d01c7$9471501e@thai.example", ST_NONE, 2426, 2, "2024-04-12T10:03:22Z" } } },
	{ "sm-two-recipients", { SM_FROM, NULL },
	  "Apr 12 10:03:25 www sm-mta[2035]: l3C834YF002031: to=<a@example.com>,<b@example.org>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=245938, relay=[93.184.216.34] [93.184.216.34], dsn=2.0.0, stat=Sent (ok:  Message 40279894 accepted)",
	  2, { { S_SENT, "l3C834YF002031", "t@thai.example", "a@example.com", "example.com", "[93.184.216.34]", NULL,
	         "ok:  Message 40279894 accepted", "2.0.0", "c69d01c7$9471501e@thai.example", ST_NONE, 2426, 2, NULL },
	       { S_SENT, "l3C834YF002031", "t@thai.example", "b@example.org", "example.org", "[93.184.216.34]", NULL,
	         "ok:  Message 40279894 accepted", "2.0.0", "c69d01c7$9471501e@thai.example", ST_NONE, 2426, 2, NULL } } },
	{ "sm-sent-250", { NULL },
	  "Sep 27 10:16:49 m sm-mta[4545]: o8REGmnL004543: to=<me@me.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120397, relay=mx.me.com. [192.0.2.4], dsn=2.0.0, stat=Sent (250 2.0.0 OK)",
	  1, { { S_SENT, "o8REGmnL004543", NULL, "me@me.com", "me.com", "mx.me.com", NULL, "250 2.0.0 OK", "2.0.0", NULL, ST_EOD, -1, -1,
	         NULL } } },
	{ "sm-deferred-reply", { NULL },
	  "Apr 10 08:47:25 andrejs sm-mta[593]: r39G922P001173: to=<v@inbox.lv>, ctladdr=<www-data@example.lt> (33/33), delay=20:38:23, xdelay=00:00:00, mailer=esmtp, pri=11550899, relay=b.mx.inbox.lv. [89.111.3.74], dsn=4.1.8, stat=Deferred: 450 4.1.8 <www-data@example.lt>: Sender address rejected: Domain not found",
	  1, { { S_DEF, "r39G922P001173", NULL, "v@inbox.lv", "inbox.lv", "b.mx.inbox.lv", NULL,
	         "450 4.1.8 <www-data@example.lt>: Sender address rejected: Domain not found", "4.1.8", NULL, ST_NONE, -1, -1, NULL } } },
	{ "sm-deferred-refused", { NULL },
	  "Dec  1 00:20:04 server sm-mta[7746]: rAUKe4VF019327: to=<office@example.eu>, delay=01:39:59, xdelay=00:00:00, mailer=esmtp, pri=930000, relay=example.eu. [109.160.111.11], dsn=4.0.0, stat=Deferred: Connection refused by example.eu.",
	  1, { { S_DEF, "rAUKe4VF019327", NULL, "office@example.eu", "example.eu", "example.eu", NULL, "Connection refused by example.eu.",
	         "4.0.0", NULL, ST_NONE, -1, -1, NULL } } },
	{ "sm-reject", { NULL },
	  "Feb 23 21:36:14 p sm-mta[22248]: s1NLaDQT022248: ruleset=check_rcpt, arg1=<d@hotmail.it>, relay=int0.example.net [80.253.155.119] (may be forged), reject=550 5.7.1 <d@hotmail.it>... Relaying denied. IP name possibly forged [80.253.155.119]",
	  1, { { S_REJ, "s1NLaDQT022248", NULL, "d@hotmail.it", "hotmail.it", NULL, "int0.example.net [80.253.155.119]",
	         "550 5.7.1 <d@hotmail.it>... Relaying denied. IP name possibly forged [80.253.155.119]", NULL, NULL, ST_RCPT, -1, -1,
	         NULL } } },
	{ "sm-rcpt-unknown", { NULL },
	  "Feb 18 16:29:31 mydomain sm-mta[1591]: u1IJTVKB001591: <dude1@example.com>... User unknown",
	  1, { { S_REJ, "u1IJTVKB001591", NULL, "dude1@example.com", "example.com", NULL, NULL, "User unknown", NULL, NULL, ST_RCPT, -1, -1,
	         NULL } } },
	{ "sm-dsn-line", { NULL }, "Sep 14 11:59:35 u sm-mta[7425]: l8E3xVpO007423: l8E3xZpO007425: DSN: User unknown", 0, { { 0 } } },
	{ "sm-queued", { NULL },
	  "Apr 26 12:11:53 rhel2 sm-mta[15899]: s3QIBk6H015897: to=<q@example.com>, delay=00:00:00, mailer=esmtp, pri=30000, stat=queued", 0,
	  { { 0 } } },
};

static void test_postfix(void **state)
{
	(void)state;
	assert_int_equal(run_table("postfix", postfix_cases, sizeof postfix_cases / sizeof postfix_cases[0]), 0);
}

static void test_exim(void **state)
{
	(void)state;
	assert_int_equal(run_table("exim", exim_cases, sizeof exim_cases / sizeof exim_cases[0]), 0);
}

static void test_opensmtpd(void **state)
{
	(void)state;
	assert_int_equal(run_table("opensmtpd", opensmtpd_cases, sizeof opensmtpd_cases / sizeof opensmtpd_cases[0]), 0);
}

static void test_sendmail(void **state)
{
	(void)state;
	assert_int_equal(run_table("sendmail", sendmail_cases, sizeof sendmail_cases / sizeof sendmail_cases[0]), 0);
}

/* Every table line also parses in auto mode, with the same events. */
static void test_auto_mode(void **state)
{
	(void)state;
	assert_int_equal(run_table(NULL, postfix_cases, sizeof postfix_cases / sizeof postfix_cases[0]), 0);
	assert_int_equal(run_table("auto", exim_cases, sizeof exim_cases / sizeof exim_cases[0]), 0);
	assert_int_equal(run_table(NULL, sendmail_cases, sizeof sendmail_cases / sizeof sendmail_cases[0]), 0);
}

static void test_detect(void **state)
{
	static const struct {
		const char *line, *want;
	} t[] = {
		{ "Sep 20 10:30:44 mail postfix/smtp[123]: ABC: to=<a@b>", "postfix" },
		{ "2024-09-20T10:30:44.123456+02:00 mail postfix/qmgr[1]: ABC: removed", "postfix" },
		{ "Sep 20 10:30:44 mail postfix-out/smtp[123]: x", "postfix" },
		{ "Sep 20 10:30:44 mail postfix/submission/smtpd[123]: connect from x", "postfix" },
		{ "2012-02-13 14:39:22 1RwtJa-000AFB-07 Completed", "exim" },
		{ "2017-07-30 18:51:05.712 10HmaX-000000005vi-0000 => a@b R=r", "exim" },
		{ "Jun  1 12:00:22 mail exim[4801]: 1sDHqb-00000000Lxz-003G ** a@b: x", "exim" },
		{ "Jul  6 06:01:46 ams-1 smtpd[75295]: 5df87c9c42abeddb smtp connected address=127.0.0.1", "opensmtpd" },
		{ "4b3a6c195c1f6010 mta delivery evpid=8f26ea98359eccea from=<a@b>", "opensmtpd" },
		{ "Sep 14 11:59:34 u sm-mta[7425]: l8E3xVpO007423: to=<a@b>, stat=Sent", "sendmail" },
		{ "Sep 14 11:59:34 u sendmail[7425]: l8E3xVpO007423: to=<a@b>, stat=Sent", "sendmail" },
		{ "Sep 14 11:59:34 u dovecot: imap-login: x", NULL },
		{ "2024-01-01 00:00:00 something else", NULL },
		{ "", NULL },
		{ "garbage", NULL },
	};
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = sc_ingest_detect(t[i].line, strlen(t[i].line));
		if ((got == NULL) != (t[i].want == NULL) || (got && strcmp(got, t[i].want) != 0)) {
			print_error("detect \"%s\": got %s, want %s\n", t[i].line, got ? got : "NULL",
			            t[i].want ? t[i].want : "NULL");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_null(sc_ingest_new("qmail"));
}

/* Auto mode detects per file: a Postfix file, then an Exim file. */
static void test_detect_per_file(void **state)
{
	struct sc_ingest *ing = sc_ingest_new(NULL);
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	size_t n;
	const char *pf = "Sep 20 10:30:44 mail postfix/smtp[1]: ABCDE1: to=<a@b.example>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect to x[192.0.2.1]:25: Connection refused)";
	const char *ex = "2012-02-13 14:39:22 1RookS-000Pg8-VO ** f@london.com: retry timeout exceeded";
	(void)state;
	sc_ingest_begin_file(ing, "a.log");
	assert_null(sc_ingest_format_name(ing));
	sc_ingest_line(ing, pf, strlen(pf), 1, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(n, 1);
	assert_string_equal(sc_ingest_format_name(ing), "postfix");
	sc_ingest_begin_file(ing, "b.log");
	sc_ingest_line(ing, ex, strlen(ex), 1, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].status, SC_STATUS_EXPIRED);
	assert_string_equal(sc_ingest_format_name(ing), "exim");
	sc_ingest_free(ing);
}

/* The table forgets removed messages and never holds more than its bound. */
static void test_table_bounded(void **state)
{
	struct sc_ingest *ing = sc_ingest_new("postfix");
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	char line[256];
	size_t n;
	int i;
	(void)state;
	sc_ingest_set_max_messages(ing, 100);
	for (i = 0; i < 1000; i++) {
		int len = snprintf(line, sizeof line,
		                   "Sep 20 10:30:40 mail postfix/qmgr[1]: %08X: from=<s%d@example.org>, size=%d, nrcpt=1 (queue active)",
		                   i + 0x100000, i, i);
		sc_ingest_line(ing, line, (size_t)len, (unsigned long long)i, ev, SC_INGEST_MAX_EVENTS, &n);
		assert_true(sc_ingest_stats(ing)->tracked <= 100);
	}
	assert_int_equal(sc_ingest_stats(ing)->tracked, 100);
	assert_int_equal(sc_ingest_stats(ing)->evicted, 900);
	/* the newest are still there, the oldest are gone */
	snprintf(line, sizeof line,
	         "Sep 20 10:30:41 mail postfix/smtp[2]: %08X: to=<r@example.net>, relay=none, delay=1, dsn=2.0.0, status=sent (250 ok)",
	         999 + 0x100000);
	sc_ingest_line(ing, line, strlen(line), 1, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].size, 999);
	snprintf(line, sizeof line,
	         "Sep 20 10:30:41 mail postfix/smtp[2]: %08X: to=<r@example.net>, relay=none, delay=1, dsn=2.0.0, status=sent (250 ok)",
	         0x100000);
	sc_ingest_line(ing, line, strlen(line), 1, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(ev[0].size, -1);
	/* "removed" forgets */
	for (i = 900; i < 1000; i++) {
		int len = snprintf(line, sizeof line, "Sep 20 10:30:42 mail postfix/qmgr[1]: %08X: removed", i + 0x100000);
		sc_ingest_line(ing, line, (size_t)len, 1, ev, SC_INGEST_MAX_EVENTS, &n);
	}
	assert_int_equal(sc_ingest_stats(ing)->tracked, 0);
	sc_ingest_free(ing);
}

/* Random inserts, updates, removals and look-ups against a model of the
 * table (first in, first evicted; an update keeps a message's age). */
static void test_table_model(void **state)
{
	enum { KEYS = 300, MAX = 40, OPS = 20000 };
	static struct {
		int present;
		long long size;
		unsigned long seq;
	} model[KEYS];
	struct sc_ingest *ing = sc_ingest_new("postfix");
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	char line[256];
	unsigned long seq = 0, rnd = 12345;
	size_t n, count = 0;
	int op, bad = 0;
	(void)state;
	memset(model, 0, sizeof model);
	sc_ingest_set_max_messages(ing, MAX);
	for (op = 0; op < OPS && bad < 5; op++) {
		int k, kind, len;
		rnd = rnd * 1103515245u + 12345u;
		k = (int)((rnd >> 8) % KEYS);
		kind = (int)((rnd >> 20) % 3);
		if (kind == 0) { /* qmgr from=: insert or update */
			len = snprintf(line, sizeof line,
			               "Sep 20 10:30:40 mail postfix/qmgr[1]: Q%05dX: from=<s@example.org>, size=%d, nrcpt=1 (queue active)",
			               k, op);
			if (!model[k].present) {
				if (count >= MAX) {
					int j, old = -1;
					for (j = 0; j < KEYS; j++)
						if (model[j].present && (old < 0 || model[j].seq < model[old].seq))
							old = j;
					model[old].present = 0;
					count--;
				}
				model[k].present = 1;
				model[k].seq = seq++;
				count++;
			}
			model[k].size = op;
		} else if (kind == 1) { /* removed */
			len = snprintf(line, sizeof line, "Sep 20 10:30:41 mail postfix/qmgr[1]: Q%05dX: removed", k);
			if (model[k].present)
				count--;
			model[k].present = 0;
		} else { /* a delivery joins the size */
			len = snprintf(line, sizeof line,
			               "Sep 20 10:30:42 mail postfix/smtp[2]: Q%05dX: to=<r@example.net>, relay=none, delay=1, dsn=2.0.0, status=sent (250 ok)",
			               k);
		}
		sc_ingest_line(ing, line, (size_t)len, (unsigned long long)op, ev, SC_INGEST_MAX_EVENTS, &n);
		if (kind == 2) {
			long long want = model[k].present ? model[k].size : -1;
			if (n != 1 || ev[0].size != want) {
				print_error("op %d key %d: size: got %lld, want %lld\n", op, k, n ? ev[0].size : -2, want);
				bad++;
			}
		}
		if (sc_ingest_stats(ing)->tracked != count) {
			print_error("op %d: tracked: got %llu, want %zu\n", op, sc_ingest_stats(ing)->tracked, count);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	sc_ingest_free(ing);
}

/* Cut lines and junk are counted, kept as examples (at most 10), never
 * crash, and the good lines around them still count. */
static void test_bad_lines(void **state)
{
	struct sc_ingest *ing = sc_ingest_new(NULL);
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	const struct sc_ingest_example *ex;
	const char *good = "Sep 20 10:30:44 mail postfix/smtp[1]: ABCDE1: to=<a@b.example>, relay=none, delay=1, dsn=2.0.0, status=sent (250 ok)\r";
	static const char junk[] = "\x00\x01\x02\xff binary";
	size_t n;
	int i;
	(void)state;
	sc_ingest_line(ing, good, strlen(good), 1, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].reply.len, 6); /* "250 ok" without the CR */
	sc_ingest_cut(ing, good, 40, 2);
	for (i = 0; i < 20; i++)
		assert_int_equal(sc_ingest_line(ing, junk, sizeof junk - 1, (unsigned long long)(3 + i), ev,
		                                 SC_INGEST_MAX_EVENTS, &n), 0);
	sc_ingest_line(ing, good, strlen(good), 30, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(sc_ingest_stats(ing)->not_understood, 21);
	assert_int_equal(sc_ingest_stats(ing)->event_lines, 2);
	ex = sc_ingest_example(ing, 0);
	assert_non_null(ex);
	assert_int_equal(ex->cut, 1);
	assert_int_equal(ex->line, 2);
	ex = sc_ingest_example(ing, 1);
	assert_non_null(ex);
	assert_int_equal(ex->cut, 0);
	assert_int_equal(ex->text[0], '?'); /* the NUL byte */
	assert_non_null(sc_ingest_example(ing, SC_INGEST_EXAMPLES - 1));
	assert_null(sc_ingest_example(ing, SC_INGEST_EXAMPLES));
	/* max_out 0: counted as dropped, never written */
	sc_ingest_line(ing, good, strlen(good), 31, NULL, 0, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sc_ingest_stats(ing)->events_dropped, 1);
	sc_ingest_free(ing);
	sc_ingest_free(NULL);
}

/* Every prefix of every table line parses without crashing. */
static void test_prefixes(void **state)
{
	const struct tcase *tabs[] = { postfix_cases, exim_cases, opensmtpd_cases, sendmail_cases };
	size_t ns[] = { sizeof postfix_cases / sizeof postfix_cases[0], sizeof exim_cases / sizeof exim_cases[0],
		        sizeof opensmtpd_cases / sizeof opensmtpd_cases[0], sizeof sendmail_cases / sizeof sendmail_cases[0] };
	const char *fmts[] = { "postfix", "exim", "opensmtpd", "sendmail" };
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	size_t t, i, k, n;
	(void)state;
	for (t = 0; t < 4; t++) {
		struct sc_ingest *ing = sc_ingest_new(fmts[t]);
		for (i = 0; i < ns[t]; i++) {
			size_t len = strlen(tabs[t][i].line);
			for (k = 0; k <= len; k++) {
				char *copy = malloc(k ? k : 1); /* exact size: ASan sees over-reads */
				memcpy(copy, tabs[t][i].line, k);
				sc_ingest_line(ing, copy, k, 1, ev, SC_INGEST_MAX_EVENTS, &n);
				free(copy);
			}
		}
		sc_ingest_free(ing);
	}
}

/* Without a forced year, a date after today belongs to last year. */
static void test_year_inference(void **state)
{
	struct sc_ingest *ing = sc_ingest_new("postfix");
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	char line[256];
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL), future = now + 40 * 86400;
	struct tm tm, tf;
	size_t n;
	(void)state;
	localtime_r(&now, &tm);
	localtime_r(&future, &tf);
	snprintf(line, sizeof line,
	         "%s %2d 12:00:00 mail postfix/smtp[1]: ABCDE1: to=<a@b.example>, relay=none, delay=1, dsn=2.0.0, status=sent (250 ok)",
	         mon[tf.tm_mon], tf.tm_mday);
	sc_ingest_line(ing, line, strlen(line), 1, ev, SC_INGEST_MAX_EVENTS, &n);
	assert_int_equal(n, 1);
	assert_true(ev[0].time <= now + 86400);
	assert_true(ev[0].time > now - 367 * 86400);
	sc_ingest_free(ing);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(sc_status_name(SC_STATUS_SENT), "sent");
	assert_string_equal(sc_status_name(SC_STATUS_DEFERRED), "deferred");
	assert_string_equal(sc_status_name(SC_STATUS_BOUNCED), "bounced");
	assert_string_equal(sc_status_name(SC_STATUS_EXPIRED), "expired");
	assert_string_equal(sc_status_name(SC_STATUS_REJECTED), "rejected");
	assert_string_equal(sc_status_name(SC_STATUS_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix),        cmocka_unit_test(test_exim),
		cmocka_unit_test(test_opensmtpd),      cmocka_unit_test(test_sendmail),
		cmocka_unit_test(test_auto_mode),      cmocka_unit_test(test_detect),
		cmocka_unit_test(test_detect_per_file), cmocka_unit_test(test_table_bounded),
		cmocka_unit_test(test_table_model),
		cmocka_unit_test(test_bad_lines),      cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_year_inference), cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
