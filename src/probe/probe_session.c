/*
 * probe_session.c - one SMTP test session as a state machine (after
 * OpenSMTPD's smtp_client.c): connect, implicit TLS, banner, EHLO (HELO when
 * EHLO is refused), STARTTLS and EHLO again, AUTH, MAIL, RCPT, DATA, the
 * optional relay test, QUIT. Each state has a name for the transcript; each
 * exchange is recorded as a struct probe_step with its timing and, when it
 * failed, a typed failure (connection, timeout, TLS, protocol, rejected,
 * local). The first failing state decides the exit code.
 *
 * Also here: parsing the EHLO capabilities and the reverse-DNS check of the
 * server's address (PTR, forward confirmation, banner and EHLO names).
 */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "probe/probe.h"

static const char *const state_names[PROBE_ST_COUNT] = {
	[PROBE_ST_CONNECT] = "connect",       [PROBE_ST_TLS_IMPLICIT] = "tls",   [PROBE_ST_BANNER] = "banner",
	[PROBE_ST_EHLO] = "ehlo",             [PROBE_ST_HELO] = "helo",          [PROBE_ST_STARTTLS] = "starttls",
	[PROBE_ST_TLS] = "tls",               [PROBE_ST_EHLO_TLS] = "ehlo",      [PROBE_ST_AUTH] = "auth",
	[PROBE_ST_MAIL] = "mail",             [PROBE_ST_RCPT] = "rcpt",          [PROBE_ST_DATA] = "data",
	[PROBE_ST_BODY] = "message",          [PROBE_ST_RSET] = "rset",          [PROBE_ST_RELAY_MAIL] = "relay-mail",
	[PROBE_ST_RELAY_RCPT] = "relay-rcpt", [PROBE_ST_QUIT] = "quit",          [PROBE_ST_DONE] = "done",
};

const char *sc_probe_state_name(enum probe_state s)
{
	return s < PROBE_ST_COUNT && state_names[s] ? state_names[s] : "unknown";
}

enum smtpcodes_stage sc_probe_state_stage(enum probe_state s)
{
	switch (s) {
	case PROBE_ST_BANNER: return SMTPCODES_STAGE_CONNECT;
	case PROBE_ST_EHLO: case PROBE_ST_HELO: case PROBE_ST_EHLO_TLS: return SMTPCODES_STAGE_HELO;
	case PROBE_ST_STARTTLS: case PROBE_ST_TLS: case PROBE_ST_TLS_IMPLICIT: return SMTPCODES_STAGE_STARTTLS;
	case PROBE_ST_AUTH: return SMTPCODES_STAGE_AUTH;
	case PROBE_ST_MAIL: case PROBE_ST_RELAY_MAIL: return SMTPCODES_STAGE_MAIL;
	case PROBE_ST_RCPT: case PROBE_ST_RELAY_RCPT: return SMTPCODES_STAGE_RCPT;
	case PROBE_ST_DATA: return SMTPCODES_STAGE_DATA;
	case PROBE_ST_BODY: return SMTPCODES_STAGE_EOD;
	case PROBE_ST_QUIT: return SMTPCODES_STAGE_QUIT;
	default: return SMTPCODES_STAGE_UNKNOWN;
	}
}

int sc_probe_exit_for(enum probe_state s)
{
	switch (s) {
	case PROBE_ST_CONNECT: return PROBE_EXIT_CONNECT;
	case PROBE_ST_BANNER: return PROBE_EXIT_BANNER;
	case PROBE_ST_EHLO: case PROBE_ST_HELO: case PROBE_ST_EHLO_TLS: return PROBE_EXIT_EHLO;
	case PROBE_ST_TLS_IMPLICIT: case PROBE_ST_STARTTLS: case PROBE_ST_TLS: return PROBE_EXIT_TLS;
	case PROBE_ST_AUTH: return PROBE_EXIT_AUTH;
	case PROBE_ST_MAIL: return PROBE_EXIT_MAIL;
	case PROBE_ST_RCPT: return PROBE_EXIT_RCPT;
	case PROBE_ST_DATA: case PROBE_ST_BODY: return PROBE_EXIT_DATA;
	default: return PROBE_EXIT_OK;
	}
}

int sc_probe_stop_parse(const char *s)
{
	static const char *const names[] = { "connect", "banner", "ehlo", "tls", "auth", "mail", "rcpt", "data" };
	size_t i;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(s, names[i]))
			return (int)i;
	if (!strcasecmp(s, "helo"))
		return PROBE_STOP_EHLO;
	if (!strcasecmp(s, "starttls"))
		return PROBE_STOP_TLS;
	return -1;
}

/* ------------------------------------------------------- capabilities */

static void first_word(const char *p, const char *end, char *dst, size_t n)
{
	size_t k = 0;
	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != ' ' && *p != '\n' && k + 1 < n)
		dst[k++] = *p++;
	dst[k] = '\0';
}

static int has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;
	while (*p) {
		const char *e;
		while (*p == ' ')
			p++;
		e = p;
		while (*e && *e != ' ')
			e++;
		if ((size_t)(e - p) == wl && !strncasecmp(p, word, wl))
			return 1;
		p = e;
	}
	return 0;
}

size_t sc_caps_parse(struct sc_caps *c, const char *reply, size_t len)
{
	const char *p = reply, *end = reply + len;
	int line = 0;
	memset(c, 0, sizeof *c);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *t = p + 4, *k;
		size_t kl, i;
		struct sc_cap *cap;

		if (le - p < 4) { /* "250" alone */
			p = le + (nl != NULL);
			line++;
			continue;
		}
		if (line++ == 0) {
			first_word(t, le, c->greeting_name, sizeof c->greeting_name);
			p = le + (nl != NULL);
			continue;
		}
		while (t < le && *t == ' ')
			t++;
		k = t;
		while (t < le && *t != ' ' && *t != '=')
			t++;
		kl = (size_t)(t - k);
		p = le + (nl != NULL);
		if (!kl || kl >= sizeof c->cap[0].keyword)
			continue;
		if (kl == 4 && !strncasecmp(k, "AUTH", 4) && *t == '=' && sc_caps_find(c, "AUTH"))
			continue; /* the old "AUTH=LOGIN" form beside the real one */
		if (c->n >= PROBE_MAX_CAPS)
			continue;
		cap = &c->cap[c->n++];
		for (i = 0; i < kl; i++)
			cap->keyword[i] = (char)toupper((unsigned char)k[i]);
		cap->keyword[kl] = '\0';
		if (t < le)
			t++;
		kl = (size_t)(le - t);
		if (kl >= sizeof cap->params)
			kl = sizeof cap->params - 1;
		for (i = 0; i < kl; i++)
			cap->params[i] = (unsigned char)t[i] < 0x20 ? '?' : t[i];
		cap->params[kl] = '\0';
		if (!strcmp(cap->keyword, "STARTTLS"))
			c->starttls = 1;
		else if (!strcmp(cap->keyword, "PIPELINING"))
			c->pipelining = 1;
		else if (!strcmp(cap->keyword, "SMTPUTF8"))
			c->smtputf8 = 1;
		else if (!strcmp(cap->keyword, "CHUNKING"))
			c->chunking = 1;
		else if (!strcmp(cap->keyword, "8BITMIME"))
			c->eightbit = 1;
		else if (!strcmp(cap->keyword, "ENHANCEDSTATUSCODES"))
			c->enhanced = 1;
		else if (!strcmp(cap->keyword, "DSN"))
			c->dsn = 1;
		else if (!strcmp(cap->keyword, "REQUIRETLS"))
			c->requiretls = 1;
		else if (!strcmp(cap->keyword, "SIZE")) {
			c->has_size = 1;
			c->size = strtoull(cap->params, NULL, 10);
		} else if (!strcmp(cap->keyword, "AUTH")) {
			snprintf(c->auth_mechs, sizeof c->auth_mechs, "%s", cap->params);
			c->auth_plain = has_word(cap->params, "PLAIN");
			c->auth_login = has_word(cap->params, "LOGIN");
		}
	}
	return c->n;
}

const struct sc_cap *sc_caps_find(const struct sc_caps *c, const char *keyword)
{
	size_t i;
	for (i = 0; i < c->n; i++)
		if (!strcasecmp(c->cap[i].keyword, keyword))
			return &c->cap[i];
	return NULL;
}

/* ------------------------------------------------------------ session */

struct session {
	struct probe_host *h;
	const struct probe_opts *o;
	struct sc_conn c;
	probe_step_fn fn;
	void *arg;
	char err[512];
	int broken; /* the connection can carry no more commands */
};

static struct probe_step *add_step(struct session *s, enum probe_state st)
{
	struct probe_host *h = s->h;
	struct probe_step *p;
	if (h->nsteps == h->capsteps) {
		h->capsteps = h->capsteps ? h->capsteps * 2 : 16;
		h->steps = xrealloc(h->steps, h->capsteps * sizeof *h->steps);
	}
	p = &h->steps[h->nsteps++];
	memset(p, 0, sizeof *p);
	p->state = st;
	return p;
}

static void step_done(struct session *s, struct probe_step *p)
{
	if (s->fn)
		s->fn(s->arg, s->h, p);
}

static void fail(struct session *s, struct probe_step *p, enum probe_fail f, const char *msg)
{
	p->fail = f;
	if (msg)
		p->error = xstrdup(msg);
	if (s->h->failed_state == PROBE_ST_DONE && sc_probe_exit_for(p->state)) {
		s->h->failed_state = p->state;
		s->h->fail = f;
		s->h->exit_code = sc_probe_exit_for(p->state);
	}
	if (f != PROBE_FAIL_REJECTED && f != PROBE_FAIL_LOCAL)
		s->broken = 1;
}

/*
 * Sends wire (when not NULL), shows shown in the transcript, and reads the
 * reply. Returns the reply code, or 0 when no reply came (the step failed).
 * A 4xx/5xx reply is not yet a failure: the caller decides.
 */
static int exchange(struct session *s, enum probe_state st, const char *shown, const char *wire, size_t wlen,
                    const char *arg, struct probe_step **out)
{
	struct probe_step *p = add_step(s, st);
	int64_t t0 = sc_now_ms();
	enum probe_fail f = PROBE_FAIL_NONE;

	*out = p;
	if (shown)
		p->cmd = xstrdup(shown);
	if (arg)
		p->arg = xstrdup(arg);
	s->err[0] = '\0';
	if (wire && sc_rd_pending(s->c.rd)) {
		/* the probe never pipelines: bytes before a command are a reply
		 * nobody asked for, and would be taken as the answer to it */
		snprintf(s->err, sizeof s->err, "the server sent more than one reply to the previous command");
		f = PROBE_FAIL_PROTOCOL;
	} else if (wire) {
		f = sc_conn_write(&s->c, wire, wlen, s->err, sizeof s->err);
	}
	if (!f)
		f = sc_conn_read_reply(&s->c, s->err, sizeof s->err);
	p->ms = (int)(sc_now_ms() - t0);
	if (f) {
		fail(s, p, f, s->err);
		step_done(s, p);
		return 0;
	}
	p->reply = xstrndup(s->c.rd->reply, s->c.rd->len);
	p->reply_len = s->c.rd->len;
	p->code = s->c.rd->code;
	if (p->code == 421) /* the server closes the connection */
		s->broken = 1;
	return p->code;
}

/* A simple command: "CMD\r\n", shown as is. */
static int command(struct session *s, enum probe_state st, const char *cmd, const char *arg,
                   struct probe_step **out)
{
	char wire[1100];
	size_t n = (size_t)snprintf(wire, sizeof wire, "%s\r\n", cmd);
	if (n >= sizeof wire)
		n = sizeof wire - 1;
	return exchange(s, st, cmd, wire, n, arg, out);
}

/* Records the outcome of a command whose success is a 2xx (or 3xx) reply. */
static int expect(struct session *s, struct probe_step *p, int code, int want_class)
{
	if (!code)
		return 0;
	if (code / 100 != want_class) {
		fail(s, p, PROBE_FAIL_REJECTED, NULL);
		step_done(s, p);
		return 0;
	}
	step_done(s, p);
	return 1;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64(const unsigned char *in, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64chars[in[i] >> 2];
		*o++ = b64chars[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*o++ = b64chars[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*o++ = b64chars[in[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64chars[in[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64chars[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*o++ = b64chars[(in[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Overwrites a secret before it is freed. */
static void wipe_free(char *p)
{
	if (!p)
		return;
	explicit_bzero(p, strlen(p));
	free(p);
}

static void helo_name(struct session *s, char *dst, size_t n)
{
	char host[256];
	struct sockaddr_storage sa;
	socklen_t sl = sizeof sa;
	if (s->o->helo) {
		snprintf(dst, n, "%s", s->o->helo);
		return;
	}
	if (gethostname(host, sizeof host) == 0 && (host[sizeof host - 1] = '\0', strchr(host, '.'))) {
		snprintf(dst, n, "%s", host);
		return;
	}
	if (getsockname(s->c.fd, (struct sockaddr *)&sa, &sl) == 0) {
		char a[64];
		sc_addr_text((struct sockaddr *)&sa, a, sizeof a);
		snprintf(dst, n, sa.ss_family == AF_INET6 ? "[IPv6:%s]" : "[%s]", a);
		return;
	}
	snprintf(dst, n, "localhost");
}

static int do_ehlo(struct session *s, enum probe_state st, const char *name)
{
	char cmd[300];
	struct probe_step *p;
	int code;
	snprintf(cmd, sizeof cmd, "EHLO %s", name);
	code = command(s, st, cmd, NULL, &p);
	if (!code)
		return 0;
	if (code == 250) {
		s->h->have_caps = 1;
		sc_caps_parse(&s->h->caps, p->reply, p->reply_len);
		step_done(s, p);
		return 1;
	}
	if (code / 100 == 5 && st == PROBE_ST_EHLO && code != 554) {
		/* EHLO not understood: an old server; HELO is the fallback */
		step_done(s, p);
		snprintf(cmd, sizeof cmd, "HELO %s", name);
		code = command(s, PROBE_ST_HELO, cmd, NULL, &p);
		s->h->used_helo = 1;
		return expect(s, p, code, 2);
	}
	return expect(s, p, code, 2);
}

static int do_tls(struct session *s, enum probe_state st)
{
	struct probe_step *p = add_step(s, st);
	struct sc_tls_opts to;
	int64_t t0 = sc_now_ms();
	enum probe_fail f;
	memset(&to, 0, sizeof to);
	to.cafile = s->o->cafile;
	to.ctx = s->o->tls_ctx;
	to.insecure = s->o->insecure;
	to.name = s->h->name[0] ? s->h->name : s->h->addr;
	s->err[0] = '\0';
	if (sc_rd_pending(s->c.rd)) {
		/* bytes that came in plain text after the STARTTLS reply must not
		 * be taken as replies inside TLS (CVE-2011-0411, command injection) */
		p->ms = (int)(sc_now_ms() - t0);
		fail(s, p, PROBE_FAIL_PROTOCOL, "the server sent more data after its STARTTLS reply, before TLS began");
		step_done(s, p);
		return 0;
	}
	f = sc_tls_start(&s->c, &to, &s->h->tls, s->err, sizeof s->err);
	p->ms = (int)(sc_now_ms() - t0);
	if (f) {
		fail(s, p, f, s->err);
		/* a certificate we refuse: the connection works but we stop here */
		if (s->c.tls)
			s->broken = 1;
		step_done(s, p);
		return 0;
	}
	s->h->tls_active = 1;
	step_done(s, p);
	return 1;
}

static int do_auth(struct session *s)
{
	const struct probe_opts *o = s->o;
	const struct sc_caps *c = &s->h->caps;
	struct probe_step *p;
	const char *mech = o->auth_mech;
	char *enc, *wire;
	size_t ul = strlen(o->auth_user), pl = o->auth_password ? strlen(o->auth_password) : 0;
	int code;

	if (!mech)
		mech = c->auth_plain || !c->auth_login ? "PLAIN" : "LOGIN";
	if (!s->h->tls_active && !o->auth_plaintext) {
		p = add_step(s, PROBE_ST_AUTH);
		fail(s, p, PROBE_FAIL_LOCAL,
		     "AUTH not tried: the password would travel unencrypted (no TLS); use TLS or --auth-plaintext");
		step_done(s, p);
		return 0;
	}
	if (!sc_caps_find(c, "AUTH")) {
		p = add_step(s, PROBE_ST_AUTH);
		fail(s, p, PROBE_FAIL_LOCAL, "the server does not offer AUTH here");
		step_done(s, p);
		return 0;
	}
	if (!strcasecmp(mech, "PLAIN")) {
		unsigned char *raw = xmalloc(ul + pl + 2);
		raw[0] = '\0';
		memcpy(raw + 1, o->auth_user, ul);
		raw[1 + ul] = '\0';
		memcpy(raw + 2 + ul, o->auth_password, pl);
		enc = b64(raw, ul + pl + 2);
		explicit_bzero(raw, ul + pl + 2);
		free(raw);
		wire = xmalloc(strlen(enc) + 16);
		sprintf(wire, "AUTH PLAIN %s\r\n", enc);
		code = exchange(s, PROBE_ST_AUTH, "AUTH PLAIN ********", wire, strlen(wire), NULL, &p);
		wipe_free(wire);
		if (code == 334) { /* the server wants the response on its own line */
			step_done(s, p);
			wire = xmalloc(strlen(enc) + 3);
			sprintf(wire, "%s\r\n", enc);
			code = exchange(s, PROBE_ST_AUTH, "********", wire, strlen(wire), NULL, &p);
			wipe_free(wire);
		}
		wipe_free(enc);
	} else if (!strcasecmp(mech, "LOGIN")) {
		char shown[300];
		code = command(s, PROBE_ST_AUTH, "AUTH LOGIN", NULL, &p);
		if (code == 334) {
			step_done(s, p);
			enc = b64((const unsigned char *)o->auth_user, ul);
			wire = xmalloc(strlen(enc) + 3);
			sprintf(wire, "%s\r\n", enc);
			snprintf(shown, sizeof shown, "%s", enc);
			code = exchange(s, PROBE_ST_AUTH, shown, wire, strlen(wire), o->auth_user, &p);
			free(wire);
			free(enc);
		}
		if (code == 334) {
			step_done(s, p);
			enc = b64((const unsigned char *)(o->auth_password ? o->auth_password : ""), pl);
			wire = xmalloc(strlen(enc) + 3);
			sprintf(wire, "%s\r\n", enc);
			code = exchange(s, PROBE_ST_AUTH, "********", wire, strlen(wire), NULL, &p);
			wipe_free(wire);
			wipe_free(enc);
		}
	} else {
		p = add_step(s, PROBE_ST_AUTH);
		fail(s, p, PROBE_FAIL_LOCAL, "only the PLAIN and LOGIN mechanisms are supported");
		step_done(s, p);
		return 0;
	}
	if (expect(s, p, code, 2)) {
		s->h->auth_ok = 1;
		return 1;
	}
	return 0;
}

static void add_line(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 3 > *cap) {
		*cap = (*len + n + 3) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	if (n && s[0] == '.') /* dot-stuffing, RFC 5321 4.5.2 */
		(*buf)[(*len)++] = '.';
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[(*len)++] = '\r';
	(*buf)[(*len)++] = '\n';
}

/* The message as sent after DATA: CRLF lines, dot-stuffed, ending ".\r\n". */
static char *message(struct session *s, const char *helo, size_t *outlen)
{
	const struct probe_opts *o = s->o;
	char *buf = NULL, hdr[1024], date[64];
	size_t len = 0, cap = 0, i;
	time_t now = time(NULL);
	struct tm tm;
	const char *text = o->data_text, *p, *end;

	if (!text) {
		gmtime_r(&now, &tm);
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
		snprintf(hdr, sizeof hdr,
		         "From: <%s>\nTo: <%s>\nSubject: smtpcodes probe test message\nDate: %s\n"
		         "Message-ID: <%lld.%ld.smtpcodes@%s>\nMIME-Version: 1.0\n"
		         "Content-Type: text/plain; charset=us-ascii\n\n"
		         "This is a test message sent by \"smtpcodes probe\" to check that this server\n"
		         "accepts mail. It can be deleted.\n",
		         o->from ? o->from : "", o->nrcpt ? o->rcpt[0] : "", date, (long long)now, (long)getpid(),
		         helo[0] == '[' ? "localhost" : helo);
		text = hdr;
		end = hdr + strlen(hdr);
	} else {
		end = text + o->data_len;
	}
	for (p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		if (n && p[n - 1] == '\r')
			n--;
		add_line(&buf, &len, &cap, p, n);
		p = nl ? nl + 1 : end;
	}
	if (len + 4 > cap) {
		cap = len + 4;
		buf = xrealloc(buf, cap);
	}
	buf[len++] = '.';
	buf[len++] = '\r';
	buf[len++] = '\n';
	for (i = 0; i < len; i++) /* a bare CR or NUL would break the framing */
		if (buf[i] == '\0')
			buf[i] = ' ';
	*outlen = len;
	return buf;
}

static int non_ascii(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static int needs_utf8(const struct probe_opts *o)
{
	size_t i;
	if (non_ascii(o->from))
		return 1;
	for (i = 0; i < o->nrcpt; i++)
		if (non_ascii(o->rcpt[i]))
			return 1;
	return 0;
}

static int wants(const struct probe_opts *o, enum probe_stop stage)
{
	return o->quit_after == PROBE_STOP_NONE || o->quit_after >= stage;
}

int sc_probe_session(struct probe_host *h, const struct probe_opts *o, int64_t deadline, probe_step_fn fn, void *arg)
{
	struct session s;
	struct probe_step *p;
	char helo[300], cmd[1100];
	enum probe_state st = PROBE_ST_CONNECT;
	int64_t t0 = sc_now_ms();
	int code, need_mail;
	size_t i;

	memset(&s, 0, sizeof s);
	s.h = h;
	s.o = o;
	s.fn = fn;
	s.arg = arg;
	s.c.fd = -1;
	s.c.rd = xmalloc(sizeof *s.c.rd);
	s.c.deadline = deadline;
	s.c.timeout_ms = o->timeout_ms;
	h->failed_state = PROBE_ST_DONE;
	h->exit_code = 0;
	need_mail = o->from || o->nrcpt || o->data || (o->quit_after != PROBE_STOP_NONE && o->quit_after >= PROBE_STOP_MAIL);

	while (st != PROBE_ST_DONE) {
		switch (st) {
		case PROBE_ST_CONNECT: {
			int64_t c0 = sc_now_ms();
			enum probe_fail f;
			p = add_step(&s, PROBE_ST_CONNECT);
			f = sc_conn_open(&s.c, (struct sockaddr *)&h->sa, h->salen, s.err, sizeof s.err);
			p->ms = (int)(sc_now_ms() - c0);
			if (f) {
				fail(&s, p, f, s.err);
				step_done(&s, p);
				st = PROBE_ST_DONE;
				break;
			}
			step_done(&s, p);
			if (o->quit_after == PROBE_STOP_CONNECT) {
				h->stopped_early = 1;
				st = PROBE_ST_DONE;
				break;
			}
			st = o->tls_implicit ? PROBE_ST_TLS_IMPLICIT : PROBE_ST_BANNER;
			break;
		}
		case PROBE_ST_TLS_IMPLICIT:
			st = do_tls(&s, PROBE_ST_TLS_IMPLICIT) ? PROBE_ST_BANNER : PROBE_ST_QUIT;
			break;
		case PROBE_ST_BANNER:
			p = add_step(&s, PROBE_ST_BANNER);
			{
				int64_t b0 = sc_now_ms();
				enum probe_fail f = sc_conn_read_reply(&s.c, s.err, sizeof s.err);
				p->ms = (int)(sc_now_ms() - b0);
				if (f) {
					fail(&s, p, f, s.err);
					step_done(&s, p);
					st = PROBE_ST_DONE;
					break;
				}
			}
			p->reply = xstrndup(s.c.rd->reply, s.c.rd->len);
			p->reply_len = s.c.rd->len;
			p->code = s.c.rd->code;
			first_word(p->reply + 4 > p->reply + p->reply_len ? p->reply + p->reply_len : p->reply + 4,
			           p->reply + p->reply_len, h->banner_name, sizeof h->banner_name);
			if (p->code == 421)
				s.broken = 1;
			if (!expect(&s, p, p->code, 2)) {
				st = PROBE_ST_QUIT;
				break;
			}
			st = wants(o, PROBE_STOP_EHLO) ? PROBE_ST_EHLO : PROBE_ST_QUIT;
			if (st == PROBE_ST_QUIT)
				h->stopped_early = 1;
			break;
		case PROBE_ST_EHLO:
			helo_name(&s, helo, sizeof helo);
			if (!do_ehlo(&s, PROBE_ST_EHLO, helo)) {
				st = PROBE_ST_QUIT;
				break;
			}
			st = PROBE_ST_STARTTLS;
			if (o->quit_after == PROBE_STOP_EHLO) {
				h->stopped_early = 1;
				st = PROBE_ST_QUIT;
			}
			break;
		case PROBE_ST_STARTTLS:
			st = PROBE_ST_AUTH;
			if (o->tls_implicit || o->tls == PROBE_TLS_NO)
				break;
			if (!h->caps.starttls) {
				if (o->tls == PROBE_TLS_REQUIRED) {
					p = add_step(&s, PROBE_ST_STARTTLS);
					fail(&s, p, PROBE_FAIL_LOCAL, h->used_helo
					                                  ? "TLS is required (--tls required), but the server "
					                                    "did not accept EHLO, so it cannot offer STARTTLS"
					                                  : "TLS is required (--tls required), but the server "
					                                    "does not offer STARTTLS");
					step_done(&s, p);
					st = PROBE_ST_QUIT;
				}
				break;
			}
			code = command(&s, PROBE_ST_STARTTLS, "STARTTLS", NULL, &p);
			if (!expect(&s, p, code, 2)) {
				st = PROBE_ST_QUIT;
				break;
			}
			h->caps_plain = h->caps;
			if (!do_tls(&s, PROBE_ST_TLS)) {
				st = PROBE_ST_QUIT;
				break;
			}
			if (!do_ehlo(&s, PROBE_ST_EHLO_TLS, helo)) {
				st = PROBE_ST_QUIT;
				break;
			}
			break;
		case PROBE_ST_AUTH:
			if (!wants(o, PROBE_STOP_AUTH) || o->quit_after == PROBE_STOP_TLS) {
				h->stopped_early = 1;
				st = PROBE_ST_QUIT;
				break;
			}
			st = PROBE_ST_MAIL;
			if (o->auth_user && !do_auth(&s))
				st = PROBE_ST_QUIT;
			else if (o->quit_after == PROBE_STOP_AUTH) {
				h->stopped_early = 1;
				st = PROBE_ST_QUIT;
			}
			break;
		case PROBE_ST_MAIL:
			if (!need_mail) {
				st = o->relay_test ? PROBE_ST_RSET : PROBE_ST_QUIT;
				break;
			}
			{
				/* SIZE= lets the server refuse a message too large before
				 * it is sent (RFC 1870); SMTPUTF8 is needed for addresses
				 * beyond ASCII (RFC 6531) */
				size_t k = (size_t)snprintf(cmd, sizeof cmd, "MAIL FROM:<%s>", o->from ? o->from : "");
				if (o->data && h->caps.has_size && k < sizeof cmd) {
					size_t mlen = o->data_text ? o->data_len : 400;
					k += (size_t)snprintf(cmd + k, sizeof cmd - k, " SIZE=%zu", mlen);
				}
				if (h->caps.smtputf8 && needs_utf8(o) && k < sizeof cmd)
					snprintf(cmd + k, sizeof cmd - k, " SMTPUTF8");
			}
			code = command(&s, PROBE_ST_MAIL, cmd, o->from ? o->from : "", &p);
			if (!expect(&s, p, code, 2)) {
				st = PROBE_ST_QUIT;
				break;
			}
			st = PROBE_ST_RCPT;
			if (o->quit_after == PROBE_STOP_MAIL) {
				h->stopped_early = 1;
				st = PROBE_ST_QUIT;
			}
			break;
		case PROBE_ST_RCPT:
			for (i = 0; i < o->nrcpt && !s.broken; i++) {
				snprintf(cmd, sizeof cmd, "RCPT TO:<%s>", o->rcpt[i]);
				code = command(&s, PROBE_ST_RCPT, cmd, o->rcpt[i], &p);
				if (expect(&s, p, code, 2))
					h->rcpt_ok++;
				else
					h->rcpt_failed++;
			}
			st = PROBE_ST_DATA;
			if (o->quit_after == PROBE_STOP_RCPT) {
				h->stopped_early = 1;
				st = PROBE_ST_QUIT;
			}
			break;
		case PROBE_ST_DATA:
			st = o->relay_test ? PROBE_ST_RSET : PROBE_ST_QUIT;
			if (!o->data || !h->rcpt_ok)
				break;
			code = command(&s, PROBE_ST_DATA, "DATA", NULL, &p);
			if (!expect(&s, p, code, 3)) {
				st = PROBE_ST_QUIT;
				break;
			}
			{
				size_t mlen;
				char *msg = message(&s, helo, &mlen);
				char shown[64];
				snprintf(shown, sizeof shown, "(message, %zu bytes) .", mlen);
				code = exchange(&s, PROBE_ST_BODY, shown, msg, mlen, NULL, &p);
				free(msg);
				if (!expect(&s, p, code, 2))
					st = PROBE_ST_QUIT;
			}
			break;
		case PROBE_ST_RSET:
			st = PROBE_ST_QUIT;
			if (s.broken)
				break;
			if (need_mail) {
				code = command(&s, PROBE_ST_RSET, "RSET", NULL, &p);
				step_done(&s, p);
				if (code / 100 != 2)
					break;
			}
			st = PROBE_ST_RELAY_MAIL;
			break;
		case PROBE_ST_RELAY_MAIL:
			st = PROBE_ST_QUIT;
			code = command(&s, PROBE_ST_RELAY_MAIL, "MAIL FROM:<smtpcodes-relay-test@example.org>", NULL, &p);
			step_done(&s, p);
			if (code / 100 != 2)
				break;
			code = command(&s, PROBE_ST_RELAY_RCPT, "RCPT TO:<smtpcodes-relay-test@example.net>", NULL, &p);
			step_done(&s, p);
			if (code) {
				h->relay_done = 1;
				h->relay_open = code / 100 == 2;
				if (!s.broken) {
					code = command(&s, PROBE_ST_RSET, "RSET", NULL, &p);
					step_done(&s, p);
				}
			}
			break;
		case PROBE_ST_QUIT:
			st = PROBE_ST_DONE;
			if (s.broken || s.c.fd < 0)
				break;
			code = command(&s, PROBE_ST_QUIT, "QUIT", NULL, &p);
			if (code)
				step_done(&s, p);
			/* a missing QUIT reply fails nothing asked for */
			break;
		default:
			st = PROBE_ST_DONE;
			break;
		}
	}
	sc_conn_close(&s.c);
	free(s.c.rd);
	h->ms = (int)(sc_now_ms() - t0);
	return h->exit_code;
}

/* ------------------------------------------------------- reverse DNS */

static int name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la && la == lb && !strncasecmp(a, b, la);
}

void sc_probe_rdns(struct sc_dns *d, struct probe_host *h, int have_dns_server)
{
	struct probe_rdns *r = &h->rdns;
	struct sc_dns_query q[8];
	char name[128];
	size_t i, j, nq = 0;

	memset(r, 0, sizeof *r);
	r->done = 1;
	if (sc_addr_is_loopback((struct sockaddr *)&h->sa) && !have_dns_server) {
		r->skipped = 1;
		return;
	}
	sc_dns_reverse_name((struct sockaddr *)&h->sa, NULL, name, sizeof name);
	sc_dns_query_set(&q[0], name, SC_DNS_PTR);
	sc_dns_resolve(d, q, 1);
	r->status = q[0].status;
	for (i = 0; i < q[0].n && r->nnames < 4; i++)
		snprintf(r->names[r->nnames++], sizeof r->names[0], "%s", q[0].rr[i].text);
	if (!r->nnames)
		return;
	for (i = 0; i < r->nnames; i++) {
		sc_dns_query_set(&q[nq++], r->names[i], h->sa.ss_family == AF_INET6 ? SC_DNS_AAAA : SC_DNS_A);
		if (name_eq(r->names[i], h->banner_name))
			r->banner_match = 1;
		if (name_eq(r->names[i], h->caps.greeting_name))
			r->ehlo_match = 1;
	}
	sc_dns_resolve(d, q, nq);
	for (i = 0; i < nq && !r->confirmed; i++) {
		for (j = 0; j < q[i].n; j++) {
			struct sockaddr_storage sa;
			memset(&sa, 0, sizeof sa);
			sa.ss_family = h->sa.ss_family;
			if (sa.ss_family == AF_INET6)
				memcpy(&((struct sockaddr_in6 *)&sa)->sin6_addr, q[i].rr[j].addr, 16);
			else
				memcpy(&((struct sockaddr_in *)&sa)->sin_addr, q[i].rr[j].addr, 4);
			if (sc_addr_equal((struct sockaddr *)&sa, (struct sockaddr *)&h->sa)) {
				r->confirmed = 1;
				snprintf(r->confirmed_name, sizeof r->confirmed_name, "%s", r->names[i]);
				break;
			}
		}
	}
}

void sc_probe_run_free(struct probe_run *r)
{
	size_t i, j;
	if (!r)
		return;
	for (i = 0; i < r->nhosts; i++) {
		struct probe_host *h = &r->hosts[i];
		for (j = 0; j < h->nsteps; j++) {
			free(h->steps[j].cmd);
			free(h->steps[j].reply);
			free(h->steps[j].error);
			free(h->steps[j].arg);
		}
		free(h->steps);
		free(h->dnsbl);
	}
	free(r->hosts);
	r->hosts = NULL;
	r->nhosts = 0;
}
