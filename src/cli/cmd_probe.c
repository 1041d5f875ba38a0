/*
 * cmd_probe.c - `smtpcodes probe`: test an SMTP server, or a domain's mail
 * servers, with every reply explained. This file reads the options, turns
 * the target into hosts to try (MX records by preference, the address
 * records when there is no MX, RFC 5321 section 5.1; a null MX, RFC 7505,
 * ends it), runs the session of src/probe/ against them, runs the checks
 * and hands the results to the report. The exit code names the first stage
 * that failed (docs/probe.md).
 */
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/i18n.h"
#include "common/out.h"
#include "common/util.h"
#include "probe/probe.h"

#define MAX_HOSTS 64
#define MAX_ZONES 32

static void help(FILE *f)
{
	fputs("usage: smtpcodes probe [OPTIONS] DOMAIN | HOST:PORT | IP | [IP]:PORT\n\n"
	      "Runs an SMTP test session and explains every reply: connect, banner, EHLO (HELO\n"
	      "when EHLO is refused) with every capability explained, STARTTLS or implicit TLS\n"
	      "with the certificate checked, AUTH, MAIL FROM, RCPT TO, an optional test message,\n"
	      "QUIT; then reverse DNS and blocklist checks of the server's address. A DOMAIN is\n"
	      "looked up in DNS: its MX hosts by preference (its address when it has no MX); a\n"
	      "null MX (RFC 7505) says the domain takes no mail. HOST:PORT connects directly.\n\n"
	      "target and DNS:\n"
	      "  --port N               port for a DOMAIN or HOST without one (25; 465 with --tls-implicit)\n"
	      "  --all-mx               test every MX host, not only the first that answers\n"
	      "  --no-mx                take a bare name as a host, not as a mail domain\n"
	      "  -4, -6                 IPv4 or IPv6 addresses only\n"
	      "  --dns-server IP[:PORT] the resolver to ask (default: /etc/resolv.conf)\n"
	      "  --dns-timeout SEC      DNS timeout (5); a resolver that does not answer costs it once\n"
	      "session:\n"
	      "  --helo NAME            the EHLO name (default: this host's name, else [address])\n"
	      "  --tls auto|required|no STARTTLS when offered (auto), insist on it, or never\n"
	      "  --tls-implicit         TLS from the first byte (SMTPS, port 465)\n"
	      "  --cafile FILE          trust these CAs instead of the system's\n"
	      "  --insecure             go on when the certificate is not trusted or names another host\n"
	      "  --auth-user NAME       log in (PLAIN or LOGIN); the password comes from\n"
	      "  --auth-password-file F the first line of F, or the environment variable\n"
	      "                         SMTPCODES_PASSWORD; never from the command line\n"
	      "  --auth-mech PLAIN|LOGIN  the mechanism (default: PLAIN when offered)\n"
	      "  --auth-plaintext       allow AUTH without TLS (the password travels unencrypted)\n"
	      "  --from ADDRESS         MAIL FROM (default: the null sender <> when MAIL is needed)\n"
	      "  --rcpt ADDRESS         RCPT TO; repeat for more recipients (address verification)\n"
	      "  --data                 send a small test message (needs an accepted recipient)\n"
	      "  --data-file FILE       send FILE as the message (implies --data)\n"
	      "  --quit-after STAGE     connect|banner|ehlo|tls|auth|mail|rcpt|data: stop there (QUIT)\n"
	      "  --timeout SEC          the longest wait for any one step (10)\n"
	      "  --deadline SEC         the longest the whole run may take (120)\n"
	      "checks:\n"
	      "  --no-rdns              skip the reverse-DNS check (PTR, forward-confirmed, names)\n"
	      "  --no-dnsbl             skip the blocklist check\n"
	      "  --no-checks            skip both\n"
	      "  --dnsbl-zone ZONE      a blocklist zone to ask; repeat; replaces the default set\n"
	      "  --relay-test           try to relay from example.org to example.net (never DATA)\n"
	      "output:\n"
	      "  --json                 one JSON document instead of the transcript\n"
	      "  --lang LANG            de or en (default: LANGUAGE, LC_ALL, LC_MESSAGES, LANG)\n"
	      "  --rules FILE           extra classification rules (docs/RULES.md)\n\n"
	      "Loopback and private addresses are never looked up in public blocklists.\n\n"
	      "Exit: 0 every step asked for succeeded; 10 connect, 11 banner, 12 EHLO/HELO,\n"
	      "13 TLS (also: STARTTLS required but not offered, certificate not trusted),\n"
	      "14 AUTH, 15 MAIL, 16 RCPT (any recipient refused), 17 DATA or the message\n"
	      "refused; 18 the domain has no mail server (null MX, no such domain, no address);\n"
	      "64 usage, 66 a file cannot be read, 74 output error.\n",
	      f);
}

static int parse_seconds(const char *s, int *ms)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || !(v > 0) || v > 86400)
		return -1;
	*ms = (int)ceil(v * 1000.0);
	return 0;
}

static char *read_password(const char *file, char *err, size_t errlen)
{
	char *data, *p;
	size_t len;
	const char *env;
	if (file) {
		if (sc_read_file(file, 4096, &data, &len, err, errlen))
			return NULL;
		p = strpbrk(data, "\r\n");
		if (p)
			*p = '\0';
		return data;
	}
	env = getenv("SMTPCODES_PASSWORD");
	if (env)
		return xstrdup(env);
	snprintf(err, errlen, "--auth-user needs a password: --auth-password-file FILE or SMTPCODES_PASSWORD");
	return NULL;
}

struct run_ctx {
	struct probe_report rp;
	struct probe_run run;
	struct sc_dns dns;
	int have_dns_server;
	int family; /* 0, AF_INET, AF_INET6 */
	int port;
	int json;
	int rdns, dnsbl;
	const char *const *zones;
	size_t nzones;
	int64_t deadline;
};

static void on_step(void *arg, const struct probe_host *h, const struct probe_step *s)
{
	struct run_ctx *c = arg;
	sc_report_step(&c->rp, h, s);
}

static struct probe_host *new_host(struct run_ctx *c, const char *name, int pref, const struct sockaddr_storage *sa,
                                   socklen_t salen, int port)
{
	struct probe_host *h;
	c->run.hosts = xrealloc(c->run.hosts, (c->run.nhosts + 1) * sizeof *c->run.hosts);
	h = &c->run.hosts[c->run.nhosts++];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", name ? name : "");
	h->mx_pref = pref;
	h->sa = *sa;
	h->salen = salen;
	h->port = port;
	if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)&h->sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&h->sa)->sin_port = htons((uint16_t)port);
	sc_addr_text((const struct sockaddr *)sa, h->addr, sizeof h->addr);
	h->failed_state = PROBE_ST_DONE;
	return h;
}

/* A candidate address of a host, before it is tried. */
struct cand {
	char name[256];
	int pref;
	struct sockaddr_storage sa;
	socklen_t salen;
	int group; /* index of the MX host */
};

static int add_cand(struct cand *cs, size_t *n, const char *name, int pref, int group, int family,
                    const struct sockaddr_storage *sa)
{
	if (*n >= MAX_HOSTS)
		return 0;
	if (family && sa->ss_family != family)
		return 0;
	snprintf(cs[*n].name, sizeof cs[*n].name, "%.255s", name);
	cs[*n].pref = pref;
	cs[*n].sa = *sa;
	cs[*n].salen = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	cs[*n].group = group;
	(*n)++;
	return 1;
}

/* Resolves names[0..n) to candidates (AAAA first, then A, per name). */
static void resolve_hosts(struct run_ctx *c, char names[][256], const int *prefs, size_t n, struct cand *cs,
                          size_t *ncand)
{
	struct sc_dns_query *q = xcalloc(n ? n * 2 : 1, sizeof *q);
	size_t i, j;
	for (i = 0; i < n; i++) {
		sc_dns_query_set(&q[2 * i], names[i], SC_DNS_AAAA);
		sc_dns_query_set(&q[2 * i + 1], names[i], SC_DNS_A);
	}
	if (!c->have_dns_server) { /* /etc/hosts first, as the system would */
		for (i = 0; i < n; i++) {
			struct sockaddr_storage hs[8];
			size_t k = sc_hosts_lookup(names[i], hs, 8);
			for (j = 0; j < k; j++)
				add_cand(cs, ncand, names[i], prefs[i], (int)i, c->family, &hs[j]);
			if (k) { /* answered locally: do not ask DNS */
				q[2 * i].status = q[2 * i + 1].status = SC_DNS_SKIPPED;
				q[2 * i].name[0] = q[2 * i + 1].name[0] = '\0';
			}
		}
	}
	{
		/* ask only what /etc/hosts did not answer, all at once */
		struct sc_dns_query *ask = xcalloc(n ? n * 2 : 1, sizeof *ask);
		size_t na = 0, k;
		for (i = 0; i < n * 2; i++)
			if (q[i].name[0])
				ask[na++] = q[i];
		if (na)
			sc_dns_resolve(&c->dns, ask, na);
		for (i = 0, k = 0; i < n * 2; i++)
			if (q[i].name[0])
				q[i] = ask[k++];
		free(ask);
	}
	for (i = 0; i < n; i++) {
		int found = 0;
		for (j = 0; j < 2; j++) {
			const struct sc_dns_query *qq = &q[2 * i + j];
			size_t r;
			for (r = 0; r < qq->n; r++) {
				struct sockaddr_storage sa;
				sc_dns_rr_sockaddr(&qq->rr[r], qq->type, &sa);
				found += add_cand(cs, ncand, names[i], prefs[i], (int)i, c->family, &sa);
			}
		}
		if (!found && q[2 * i].name[0]) {
			size_t l = strlen(c->run.dns_error);
			snprintf(c->run.dns_error + l, sizeof c->run.dns_error - l, "%s%s: %s/%s", l ? "; " : "", names[i],
			         sc_dns_status_name(q[2 * i + 1].status), sc_dns_status_name(q[2 * i].status));
		}
	}
	free(q);
}

static int cmp_mx(const void *a, const void *b)
{
	const struct sc_dns_rr *x = a, *y = b;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* Fills cs with the candidates for the target; returns 0 or an exit code. */
static int candidates(struct run_ctx *c, const struct sc_target *t, int no_mx, struct cand *cs, size_t *ncand)
{
	static char names[SC_DNS_MAX_RR][256];
	int prefs[SC_DNS_MAX_RR];
	size_t i;

	*ncand = 0;
	if (t->kind == SC_TARGET_ADDR) {
		add_cand(cs, ncand, "", -1, 0, 0, &t->addr);
		return 0;
	}
	if (t->kind == SC_TARGET_HOST || no_mx) {
		snprintf(names[0], sizeof names[0], "%s", t->name);
		prefs[0] = -1;
		resolve_hosts(c, names, prefs, 1, cs, ncand);
		if (!*ncand) {
			if (!c->run.dns_error[0] || c->dns.dead)
				snprintf(c->run.dns_error, sizeof c->run.dns_error, "%.200s: %.160s", t->name,
				         c->dns.dead ? c->dns.dead_why : "no address");
			return PROBE_EXIT_NOMX;
		}
		return 0;
	}
	{
		struct sc_dns_query q;
		sc_dns_query_set(&q, t->name, SC_DNS_MX);
		sc_dns_resolve(&c->dns, &q, 1);
		c->run.mx_done = 1;
		c->run.mx_status = q.status;
		if (q.status == SC_DNS_NXDOMAIN) {
			snprintf(c->run.dns_error, sizeof c->run.dns_error, "%.200s: %.200s", t->name,
			         sc_ui(c->rp.lang, "probe_nxdomain"));
			return PROBE_EXIT_NOMX;
		}
		if (q.status == SC_DNS_TIMEOUT || q.status == SC_DNS_SKIPPED || q.status == SC_DNS_SERVFAIL ||
		    q.status == SC_DNS_ERROR) {
			snprintf(c->run.dns_error, sizeof c->run.dns_error, "MX %.200s: %s%s%.160s", t->name,
			         sc_dns_status_name(q.status), c->dns.dead ? ": " : "", c->dns.dead ? c->dns.dead_why : "");
			return PROBE_EXIT_NOMX;
		}
		qsort(q.rr, q.n, sizeof q.rr[0], cmp_mx);
		memcpy(c->run.mx, q.rr, q.n * sizeof q.rr[0]);
		c->run.nmx = q.n;
		if (q.n == 1 && (q.rr[0].text[0] == '\0' || !strcmp(q.rr[0].text, "."))) {
			c->run.null_mx = 1;
			return PROBE_EXIT_NOMX;
		}
		if (q.n == 0) { /* no MX: the domain itself, RFC 5321 5.1 */
			c->run.implicit_mx = 1;
			snprintf(names[0], sizeof names[0], "%s", t->name);
			prefs[0] = 0;
			resolve_hosts(c, names, prefs, 1, cs, ncand);
		} else {
			size_t n = 0;
			for (i = 0; i < q.n; i++) {
				if (!q.rr[i].text[0] || !strcmp(q.rr[i].text, "."))
					continue; /* a null MX among others is an error; skip it */
				snprintf(names[n], sizeof names[n], "%s", q.rr[i].text);
				prefs[n++] = q.rr[i].pref;
			}
			resolve_hosts(c, names, prefs, n, cs, ncand);
		}
		if (!*ncand) {
			if (!c->run.dns_error[0])
				snprintf(c->run.dns_error, sizeof c->run.dns_error, "%.200s: no address", t->name);
			return PROBE_EXIT_NOMX;
		}
	}
	return 0;
}

static void checks(struct run_ctx *c, struct probe_host *h)
{
	if (c->rdns)
		sc_probe_rdns(&c->dns, h, c->have_dns_server);
	if (c->dnsbl) {
		if (sc_addr_is_private((struct sockaddr *)&h->sa)) {
			h->dnsbl_skipped = 1;
		} else {
			h->dnsbl = xcalloc(c->nzones, sizeof *h->dnsbl);
			h->ndnsbl = c->nzones;
			sc_dnsbl_check(&c->dns, (struct sockaddr *)&h->sa, c->zones, c->nzones, h->dnsbl);
		}
	}
}

int cmd_probe(int argc, char **argv)
{
	enum {
		O_PORT = 256, O_ALLMX, O_NOMX, O_DNS, O_DNST, O_HELO, O_TLS, O_TLSI, O_CAFILE, O_INSECURE, O_AUSER,
		O_APFILE, O_AMECH, O_APLAIN, O_FROM, O_RCPT, O_DATA, O_DATAFILE, O_QUIT, O_TIMEOUT, O_DEADLINE,
		O_NORDNS, O_NODNSBL, O_NOCHECKS, O_ZONE, O_RELAY, O_JSON, O_LANG, O_RULES
	};
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, O_PORT },         { "all-mx", no_argument, NULL, O_ALLMX },
		{ "no-mx", no_argument, NULL, O_NOMX },              { "dns-server", required_argument, NULL, O_DNS },
		{ "dns-timeout", required_argument, NULL, O_DNST },  { "helo", required_argument, NULL, O_HELO },
		{ "tls", required_argument, NULL, O_TLS },           { "tls-implicit", no_argument, NULL, O_TLSI },
		{ "cafile", required_argument, NULL, O_CAFILE },     { "insecure", no_argument, NULL, O_INSECURE },
		{ "auth-user", required_argument, NULL, O_AUSER },   { "auth-password-file", required_argument, NULL, O_APFILE },
		{ "auth-mech", required_argument, NULL, O_AMECH },   { "auth-plaintext", no_argument, NULL, O_APLAIN },
		{ "from", required_argument, NULL, O_FROM },         { "rcpt", required_argument, NULL, O_RCPT },
		{ "data", no_argument, NULL, O_DATA },               { "data-file", required_argument, NULL, O_DATAFILE },
		{ "quit-after", required_argument, NULL, O_QUIT },   { "timeout", required_argument, NULL, O_TIMEOUT },
		{ "deadline", required_argument, NULL, O_DEADLINE }, { "no-rdns", no_argument, NULL, O_NORDNS },
		{ "no-dnsbl", no_argument, NULL, O_NODNSBL },        { "no-checks", no_argument, NULL, O_NOCHECKS },
		{ "dnsbl-zone", required_argument, NULL, O_ZONE },   { "relay-test", no_argument, NULL, O_RELAY },
		{ "json", no_argument, NULL, O_JSON },               { "lang", required_argument, NULL, O_LANG },
		{ "rules", required_argument, NULL, O_RULES },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts po;
	struct run_ctx *c = xcalloc(1, sizeof *c);
	struct sc_target t;
	struct sc_out out;
	struct cand *cs = xcalloc(MAX_HOSTS, sizeof *cs);
	char **rules = xcalloc((size_t)argc + 1, sizeof *rules);
	const char **rcpt = xcalloc((size_t)argc + 1, sizeof *rcpt);
	const char **zones = xcalloc((size_t)argc + 1, sizeof *zones);
	const char *langflag = NULL, *dns_server = NULL, *pwfile = NULL, *datafile = NULL;
	char *password = NULL, *data = NULL, err[512];
	size_t nrules = 0, nzones = 0, ncand = 0, i;
	int opt, rc = 0, no_mx = 0, all_mx = 0, dns_timeout = 5000, deadline_ms = 120000, v;
	int64_t t0 = sc_now_ms();

	memset(&po, 0, sizeof po);
	po.quit_after = PROBE_STOP_NONE;
	po.timeout_ms = 10000;
	c->rdns = c->dnsbl = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "46h", longopts, NULL)) != -1) {
		switch (opt) {
		case '4': c->family = AF_INET; break;
		case '6': c->family = AF_INET6; break;
		case O_PORT:
			v = atoi(optarg);
			if (v < 1 || v > 65535)
				goto usage;
			c->port = v;
			break;
		case O_ALLMX: all_mx = 1; break;
		case O_NOMX: no_mx = 1; break;
		case O_DNS: dns_server = optarg; break;
		case O_DNST:
			if (parse_seconds(optarg, &dns_timeout))
				goto usage;
			break;
		case O_HELO: po.helo = optarg; break;
		case O_TLS:
			if (!strcmp(optarg, "auto"))
				po.tls = PROBE_TLS_AUTO;
			else if (!strcmp(optarg, "required"))
				po.tls = PROBE_TLS_REQUIRED;
			else if (!strcmp(optarg, "no"))
				po.tls = PROBE_TLS_NO;
			else
				goto usage;
			break;
		case O_TLSI: po.tls_implicit = 1; break;
		case O_CAFILE: po.cafile = optarg; break;
		case O_INSECURE: po.insecure = 1; break;
		case O_AUSER: po.auth_user = optarg; break;
		case O_APFILE: pwfile = optarg; break;
		case O_AMECH: po.auth_mech = optarg; break;
		case O_APLAIN: po.auth_plaintext = 1; break;
		case O_FROM: po.from = optarg; break;
		case O_RCPT: rcpt[po.nrcpt++] = optarg; break;
		case O_DATA: po.data = 1; break;
		case O_DATAFILE: datafile = optarg; po.data = 1; break;
		case O_QUIT:
			v = sc_probe_stop_parse(optarg);
			if (v < 0)
				goto usage;
			po.quit_after = (enum probe_stop)v;
			break;
		case O_TIMEOUT:
			if (parse_seconds(optarg, &po.timeout_ms))
				goto usage;
			break;
		case O_DEADLINE:
			if (parse_seconds(optarg, &deadline_ms))
				goto usage;
			break;
		case O_NORDNS: c->rdns = 0; break;
		case O_NODNSBL: c->dnsbl = 0; break;
		case O_NOCHECKS: c->rdns = c->dnsbl = 0; break;
		case O_ZONE: zones[nzones++] = optarg; break;
		case O_RELAY: po.relay_test = 1; break;
		case O_JSON: c->json = 1; break;
		case O_LANG: langflag = optarg; break;
		case O_RULES: rules[nrules++] = optarg; break;
		case 'h': help(stdout); goto out;
		default: goto usage;
		}
	}
	if (optind + 1 != argc)
		goto usage;
	for (i = 0; i < po.nrcpt; i++)
		if (strpbrk(rcpt[i], "<>\r\n") || strlen(rcpt[i]) > 512) {
			sc_warn("probe: bad --rcpt address '%s'", rcpt[i]);
			goto usage;
		}
	if (po.from && (strpbrk(po.from, "<>\r\n") || strlen(po.from) > 512)) {
		sc_warn("probe: bad --from address");
		goto usage;
	}
	if (po.helo && (strpbrk(po.helo, " \r\n") || strlen(po.helo) > 255))
		goto usage;
	if (po.data && !po.nrcpt) {
		sc_warn("probe: --data needs at least one --rcpt");
		goto usage;
	}
	if (po.quit_after != PROBE_STOP_NONE && po.quit_after >= PROBE_STOP_RCPT && !po.nrcpt) {
		sc_warn("probe: --quit-after %s needs --rcpt", po.quit_after == PROBE_STOP_RCPT ? "rcpt" : "data");
		goto usage;
	}
	if (po.auth_user) {
		password = read_password(pwfile, err, sizeof err);
		if (!password) {
			sc_warn("probe: %s", err);
			rc = pwfile ? EX_NOINPUT : EX_USAGE;
			goto out;
		}
		po.auth_password = password;
	}
	if (datafile) {
		size_t len;
		if ((rc = sc_read_file(datafile, PROBE_MAX_DATA_FILE, &data, &len, err, sizeof err)) != 0) {
			sc_warn("probe: %s", err);
			goto out;
		}
		po.data_text = data;
		po.data_len = len;
	}
	po.rcpt = rcpt;
	if (sc_target_parse(argv[optind], &t, err, sizeof err)) {
		sc_warn("probe: %s", err);
		rc = EX_USAGE;
		goto out;
	}
	if (sc_dns_init(&c->dns, dns_server, dns_timeout, err, sizeof err)) {
		sc_warn("probe: %s", err);
		rc = EX_USAGE;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	c->have_dns_server = dns_server != NULL;
	c->zones = nzones ? zones : (const char *const *)sc_dnsbl_default_zones;
	if (!nzones)
		while (sc_dnsbl_default_zones[nzones])
			nzones++;
	c->nzones = nzones;
	c->deadline = t0 + deadline_ms;
	c->port = t.port ? t.port : c->port ? c->port : po.tls_implicit ? 465 : 25;

	if (po.tls != PROBE_TLS_NO || po.tls_implicit)
		po.tls_ctx = sc_tls_prepare(po.cafile);
	sc_out_init(&out, stdout);
	c->rp.o = &out;
	c->rp.lang = sc_lang_choose(langflag);
	c->rp.pv = sc_probe_verdicts_new(rules, nrules);
	c->rp.json = c->json;
	{
		const char *cols = getenv("COLUMNS");
		long w = cols ? strtol(cols, NULL, 10) : 0;
		c->rp.width = w >= 40 && w <= 400 ? (size_t)w : 80;
	}
	snprintf(c->run.target, sizeof c->run.target, "%s", argv[optind]);
	c->run.kind = no_mx && t.kind == SC_TARGET_DOMAIN ? SC_TARGET_HOST : t.kind;

	if (!c->json) {
		sc_out_str(&out, "smtpcodes probe ");
		sc_out_term(&out, c->run.target, strlen(c->run.target));
		sc_out_char(&out, '\n');
	}
	rc = candidates(c, &t, no_mx, cs, &ncand);
	sc_report_dns(&c->rp, &c->run);
	if (rc) {
		c->run.exit_code = rc;
	} else {
		int last_group = -1, group_done = 0, gcode[MAX_HOSTS];
		for (i = 0; i < MAX_HOSTS; i++)
			gcode[i] = -1;
		for (i = 0; i < ncand; i++) {
			struct probe_host *h;
			int code;
			if (cs[i].group == last_group && group_done)
				continue;
			if (cs[i].group != last_group) {
				if (last_group >= 0 && !all_mx && group_done)
					break;
				last_group = cs[i].group;
				group_done = 0;
			}
			if (sc_now_ms() >= c->deadline)
				break;
			h = new_host(c, cs[i].name, cs[i].pref, &cs[i].sa, cs[i].salen, c->port);
			sc_report_host_header(&c->rp, h);
			code = sc_probe_session(h, &po, c->deadline, c->json ? NULL : on_step, c);
			gcode[cs[i].group] = code;
			if (code == PROBE_EXIT_CONNECT && i + 1 < ncand && (cs[i + 1].group == cs[i].group || !all_mx)) {
				sc_report_host_end(&c->rp, h);
				continue; /* the next address or MX host, as an MTA would */
			}
			group_done = 1;
			if (code != PROBE_EXIT_CONNECT)
				checks(c, h);
			sc_report_host_end(&c->rp, h);
			if (!all_mx)
				break;
		}
		/* the exit code: the first MX host (group) that failed beyond
		 * connecting; else a connect failure when no host answered, or,
		 * with --all-mx, when any MX host never answered */
		{
			int any_conn = 0, any_noconn = 0, g;
			c->run.exit_code = 0;
			for (g = 0; g < MAX_HOSTS; g++) {
				if (gcode[g] < 0)
					continue;
				if (gcode[g] == PROBE_EXIT_CONNECT) {
					any_noconn = 1;
					continue;
				}
				any_conn = 1;
				if (!c->run.exit_code && gcode[g])
					c->run.exit_code = gcode[g];
			}
			if (!c->run.exit_code && any_noconn && (all_mx || !any_conn))
				c->run.exit_code = PROBE_EXIT_CONNECT;
		}
	}
	c->run.ms = (int)(sc_now_ms() - t0);
	if (c->json)
		sc_report_json(&c->rp, &c->run);
	else
		sc_report_summary(&c->rp, &c->run);
	sc_out_free(&out);
	rc = out.error ? EX_IOERR : c->run.exit_code;
	sc_probe_verdicts_free(c->rp.pv);
	sc_probe_run_free(&c->run);
	sc_tls_ctx_free(po.tls_ctx);
	goto out;
usage:
	help(stderr);
	rc = EX_USAGE;
out:
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	free(data);
	free(rules);
	free(rcpt);
	free(zones);
	free(cs);
	free(c);
	return rc;
}
