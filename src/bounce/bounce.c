/*
 * bounce.c - one message from bytes to classified records.
 *
 * Order of evidence: a complaint (ARF) or an auto-reply is recognised first;
 * otherwise the RFC 3464 report gives the recipients in the order the
 * message lists them, and the first format module that recognises the prose
 * adds what the report lacks (the diagnostic text, the SMTP stage, the
 * remote host). A message without a report takes its records from the prose
 * alone. Each record then gets its verdict (bounce_verdict.c) and the
 * message-wide fields (addresser, message-id, subject, ...) are the
 * caller's to take from the struct bounce_msg.
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"
#include "common/util.h"

static const struct bounce_module *const modules[] = {
	&bounce_mod_powermta,    /* before exim: its bounces often arrive through Exim */
	&bounce_mod_sendgrid,    /* before postfix: Postfix's subject */
	&bounce_mod_amavis,      /* before postfix: a Postfix Received on top */
	&bounce_mod_barracuda,   /* before exim: its bounces often arrive through Exim */
	&bounce_mod_mailmarshal, /* before generic */
	&bounce_mod_bigfoot,     /* before sendmail: Sendmail's layout */
	&bounce_mod_fml, &bounce_mod_biglobe, &bounce_mod_x3, &bounce_mod_mcafee, &bounce_mod_mfilter, &bounce_mod_mailfoundry, &bounce_mod_activehunter,
	&bounce_mod_surfcontrol, &bounce_mod_mxlogic, &bounce_mod_trendmicro,
	&bounce_mod_amazonses, &bounce_mod_googlegroups, &bounce_mod_exchange, &bounce_mod_outlook,
	&bounce_mod_gmail, &bounce_mod_yahoo, &bounce_mod_mimecast, &bounce_mod_domino,
	&bounce_mod_groupwise, &bounce_mod_courier, &bounce_mod_dragonfly, &bounce_mod_opensmtpd,
	&bounce_mod_messagingserver, &bounce_mod_einsundeins, &bounce_mod_zoho, &bounce_mod_imailserver,
	&bounce_mod_verizon,     /* before apachejames: vtext.com sends James's notice */
	&bounce_mod_apachejames, /* before qmail: relayed through qmail hosts */
	&bounce_mod_gmx,         /* before exim: GMX writes Exim's text */
	&bounce_mod_mailru,      /* before exim: Mail.Ru's Exim with its preface */
	&bounce_mod_yandex,      /* before postfix: Yandex's Postfix */
	&bounce_mod_aol,         /* before postfix: AOL's Postfix */
	&bounce_mod_facebook,    /* before generic */
	&bounce_mod_messagelabs, /* before qmail: its servers' Received fields are qmail's */
	&bounce_mod_au,
	&bounce_mod_x1, /* "---The following addresses had delivery errors---": before sendmail */
	&bounce_mod_x2, /* qmail-derived, "Unable to deliver message to the following address(es).": before qmail */
	&bounce_mod_x5, /* a Trend Micro gateway's wrapper around a bounce: before qmail, sendmail */
	&bounce_mod_x6, /* "We had trouble delivering your message": before exim */
	&bounce_mod_mtanotice, /* "NOTICE: Delivery Failure.", qmail-remote's words: before qmail, generic */
	&bounce_mod_qmail, &bounce_mod_exim, &bounce_mod_postfix, &bounce_mod_sendmail,
	&bounce_mod_generic,
};

/* Does the message look like a bounce at all? A report, a failed-recipients
 * header or a mailer-daemon sender say so; else the subject and the prose
 * must both sound like one ("Delivery failure" and "could not be delivered"):
 * an ordinary mail about a parcel delivery is not a bounce. */
static int looks_bounce(const struct bounce_msg *m)
{
	static const char *const subj[] = {
		"undeliver", "delivery", "failure", "returned", "failed", "bounce", "rejected", "not delivered",
		"non remis", "unzustellbar", "nicht zugestellt", "error", "warning", "undelivered", "nondeliverable",
		"problem", "delayed", "message not", "could not", "notification", "mail system",
		"エラー", "不達", "未達", "配送",
	};
	static const char *const prose[] = {
		"could not be delivered", "was not delivered", "unable to deliver", "delivery has failed",
		"undeliverable", "permanent error", "delivery to the following",
	};
	const char *s = bounce_hdr(&m->top, "Subject");
	const char *f = bounce_hdr(&m->top, "From");
	size_t i;
	if (m->dsn || bounce_hdr(&m->top, "X-Failed-Recipients"))
		return 1;
	if (bounce_contains(f, "mailer-daemon") || bounce_contains(f, "postmaster") ||
	    bounce_contains(f, "mail delivery") || bounce_contains(f, "mailer_daemon") || bounce_contains(f, "<>"))
		return 1;
	if (bounce_contains(bounce_hdr(&m->top, "Return-Path"), "<>"))
		return 1;
	/* no sender that says so: both the subject and the prose must */
	for (i = 0; i < sizeof subj / sizeof subj[0]; i++)
		if (bounce_contains(s, subj[i]))
			break;
	if (i == sizeof subj / sizeof subj[0])
		return 0;
	for (i = 0; i < sizeof prose / sizeof prose[0]; i++)
		if (bounce_has(m, prose[i]))
			return 1;
	return 0;
}

/* The first line of the paragraph in text whose line ls is: back to the
 * line after a blank one, at most max lines up. */
static const char *block_top(const char *text, const char *ls, int max)
{
	const char *from = ls;
	while (from > text && max-- > 0) {
		const char *st = from - 1; /* the newline ending the line above */
		while (st > text && st[-1] != '\n')
			st--;
		if (st == from - 1)
			break; /* that line is blank */
		from = st;
	}
	return from;
}

/*
 * Takes the original message's headers from the prose when no MIME part
 * carried them (Exim, qmail and friends append the message as text): the
 * first header block naming the message in the 40 lines after the marker
 * that starts the copy; else, without a marker or a block after it, the
 * block around a "Message-ID:" or else a "Subject:" line (Zoho, Yahoo and
 * others give the headers after the notice with no marker line, Sun's
 * messaging server indented).
 */
static void orig_from_text(struct bounce_msg *m)
{
	static const char *const keys[] = { "Message-ID:", "Subject:" };
	const char *b, *e, *end = m->text + m->textlen;
	size_t k;
	if (m->has_orig)
		return;
	bounce_text_span(m, NULL, &b, &e);
	if (e < end) {
		const char *nl = memchr(e, '\n', (size_t)(end - e));
		if (nl && bounce_orig_block(m, nl + 1, end, end, 40))
			return;
	}
	for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		const char *s = m->text;
		int tries;
		for (tries = 0; tries < 4 && s < end; tries++) {
			const char *id = bounce_memcasemem(s, (size_t)(end - s), keys[k]), *ls;
			if (!id)
				break;
			s = id + strlen(keys[k]);
			for (ls = id; ls > m->text && ls[-1] == ' '; ls--)
				;
			if (ls > m->text && ls[-1] != '\n')
				continue; /* not at the start of a line */
			if (bounce_orig_block(m, block_top(m->text, ls, 60), ls, end, 120))
				return;
		}
	}
}

/* The date in the newest Received field of h (its first), or 0. */
static time_t received_time(const struct bounce_hdrs *h)
{
	const char *v = bounce_hdr(h, "Received"), *semi;
	if (!v || !(semi = strrchr(v, ';')))
		return 0;
	while (*++semi == ' ')
		;
	return bounce_parse_date(semi);
}

/* When the bounce was written, for records whose report gives no time:
 * its Date; else when it was received; else when the original reached
 * the last host it names (1&1 sends bounces without a Date field). */
static time_t bounce_time(const struct bounce_msg *m)
{
	time_t t = bounce_parse_date(bounce_hdr(&m->top, "Date"));
	if (!t)
		t = received_time(&m->top);
	if (!t && m->has_orig && !(t = received_time(&m->orig)))
		t = bounce_parse_date(bounce_hdr(&m->orig, "Date"));
	return t;
}

/* Does the reply text say the MTA gave up (a final failure of a temporary
 * trouble), where no report gives the Action? qmail and Exim never send
 * the warning of a delay; their notices are failures. */
static int gave_up(const struct bounce_rec *r)
{
	static const char *const words[] = { "not going to try again", "Giving up on ", "retry timeout exceeded",
	                                     "failing for a long time", "will be deleted from queue", NULL };
	return bounce_memcasemem_any(r->diag, strlen(r->diag), words);
}

/* Is the DSN's diagnostic too thin to classify on? */
static int thin_diag(const struct bounce_rec *r)
{
	size_t n = strlen(r->diag);
	return n < 8;
}

/* The DSN Status comment as the diagnostic of a report's record that has
 * no Diagnostic-Code, when it says more than the code's own name ("host
 * name lookup failure", not "other or undefined network or routing
 * status"); before the prose's reply is merged in, so that a reply found
 * there still wins (merge()), but a banner around it does not. */
static void note_as_diag(struct bounce_rec *r)
{
	struct smtpcodes_enhanced en;
	const struct smtpcodes_kb_entry *kb;
	size_t n = strlen(r->status_note);
	if (r->diag[0] || !n)
		return;
	while (n && (r->status_note[n - 1] == '.' || r->status_note[n - 1] == ' '))
		n--;
	if (!smtpcodes_enhanced_parse(r->status, strlen(r->status), &en) && (kb = smtpcodes_kb_enhanced("en", &en)) &&
	    kb->name && strlen(kb->name) == n && !strncasecmp(kb->name, r->status_note, n))
		return;
	bounce_rec_diag_append(r, r->status_note, n);
}

static void merge(struct bounce_list *dsn, struct bounce_list *txt)
{
	size_t i;
	memcpy(dsn->addresser, txt->addresser, sizeof dsn->addresser);
	memcpy(dsn->messageid, txt->messageid, sizeof dsn->messageid);
	memcpy(dsn->subject, txt->subject, sizeof dsn->subject);
	for (i = 0; i < dsn->n; i++) {
		struct bounce_rec *d = &dsn->v[i];
		struct bounce_rec *t = bounce_list_find(txt, d->recipient);
		if (!t && txt->n == 1 && dsn->n == 1)
			t = &txt->v[0];
		if (!t)
			continue;
		/* the prose's version when the report's is empty, or when it is
		 * the same reply with the MTA's words around it ("(in reply to
		 * RCPT TO command)") - not a whole page of prose around it */
		if (thin_diag(d) || (t->diag[0] && strlen(t->diag) > strlen(d->diag) + 20 &&
		                     strlen(t->diag) <= 2 * strlen(d->diag) + 120 &&
		                     bounce_memcasemem(t->diag, strlen(t->diag), d->diag)))
			memcpy(d->diag, t->diag, sizeof d->diag);
		if (!d->rhost[0])
			memcpy(d->rhost, t->rhost, sizeof d->rhost);
		if (!d->command[0])
			memcpy(d->command, t->command, sizeof d->command);
		if (!d->command[0]) /* the prose's stage words hold even where its text differs */
			bounce_set_command(d, bounce_stage_in(t->diag, strlen(t->diag)));
		if (!d->status[0])
			memcpy(d->status, t->status, sizeof d->status);
		/* the prose says the MTA gave up where the report says it still
		 * tries (OpenSMTPD on an expired envelope, bounce_opensmtpd.c) */
		if (!strcmp(d->action, "delayed") && !strcmp(t->action, "failed") && t->status[0]) {
			memcpy(d->action, t->action, sizeof d->action);
			memcpy(d->status, t->status, sizeof d->status);
		}
		if (d->reason_hint < 0)
			d->reason_hint = t->reason_hint;
		if (!d->replycode)
			d->replycode = t->replycode;
	}
}

int bounce_read(struct sc_engine *e, const struct bounce_opts *o, const char *origin, const char *buf, size_t len,
                struct bounce_msg *m, struct bounce_list *l)
{
	struct bounce_list txt;
	size_t i;
	int n, appliance = 0;

	memset(m, 0, sizeof *m);
	memset(l, 0, sizeof *l);
	if (bounce_msg_parse(m, buf, len))
		return -1;
	m->origin = origin;
	bounce_needles_scan(m);
	memset(&txt, 0, sizeof txt);

	if (m->feedback || bounce_contains(m->report_type, "feedback") ||
	    bounce_hdr(&m->top, "X-Apple-Unsubscribe") ||
	    (m->has_orig && bounce_hdr(&m->orig, "X-HmXmrOriginalRecipient"))) {
		n = bounce_arf_parse(m, l);
		if (n > 0) {
			l->module = "arf";
			goto classify;
		}
	}
	if (!m->dsn && bounce_autoreply_detect(m) && !bounce_mod_amazonses.detect(m)) {
		if (o->vacation)
			bounce_autoreply_parse(m, l);
		l->module = "rfc3834";
		goto classify;
	}

	orig_from_text(m);
	n = m->dsn ? bounce_dsn_parse(m, l) : 0;
	for (i = 0; i < sizeof modules / sizeof modules[0]; i++) {
		const struct bounce_module *mod = modules[i];
		if (mod == &bounce_mod_generic && !looks_bounce(m) && !n)
			break;
		if (!mod->detect(m))
			continue;
		if (mod->parse(m, &txt) > 0 || (n > 0 && mod != &bounce_mod_generic)) {
			l->module = mod->name;
			appliance = mod->appliance;
			break;
		}
	}
	if (n > 0) {
		for (i = 0; i < l->n; i++)
			note_as_diag(&l->v[i]);
		merge(l, &txt);
		if (!l->module || !strcmp(l->module, "generic"))
			l->module = "rfc3464";
	} else {
		struct bounce_list tmp = *l;
		*l = txt;
		l->module = tmp.module;
		l->truncated |= tmp.truncated;
		txt = tmp;
	}
	bounce_list_free(&txt);
	for (i = 0; i < l->n; i++)
		l->v[i].appliance = appliance;

classify:
	orig_from_text(m);
	{
		time_t date = bounce_time(m);
		size_t k = 0;
		for (i = 0; i < l->n; i++) {
			struct bounce_rec *r = &l->v[i];
			if (!r->time)
				r->time = date;
			if (!r->action[0] && gave_up(r))
				memcpy(r->action, "failed", sizeof "failed");
			bounce_verdict(e, m, l->addresser, r);
			if (r->v.reason == SMTPCODES_REASON_DELIVERED && !o->delivered)
				continue;
			if (k != i)
				l->v[k] = *r;
			k++;
		}
		l->n = k;
	}
	return 0;
}
