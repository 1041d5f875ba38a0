/*
 * cmd_dnsbl.c - `smtpcodes dnsbl IP|NAME...`: the blocklist check of the
 * probe on its own. Every zone is asked at once (src/probe/probe_dnsbl.c);
 * a NAME is first resolved to its addresses (or, with --mx, to the addresses
 * of its MX hosts), all of them checked. Loopback and private addresses are
 * never sent to public lists.
 */
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/i18n.h"
#include "common/out.h"
#include "common/util.h"
#include "probe/probe.h"

#define MAX_ADDRS 32

static void help(FILE *f)
{
	fputs("usage: smtpcodes dnsbl [OPTIONS] IP|NAME...\n\n"
	      "Looks addresses up in DNS blocklists, every zone at once. A NAME is resolved to\n"
	      "its addresses first (with --mx: the addresses of its MX hosts). Loopback and\n"
	      "private addresses are never sent to public blocklists.\n\n"
	      "  --dnsbl-zone ZONE      a zone to ask; repeat; replaces the default set:\n"
	      "                         zen.spamhaus.org bl.spamcop.net b.barracudacentral.org\n"
	      "                         psbl.surriel.com dnsbl.dronebl.org bl.mailspike.net\n"
	      "  --mx                   check the MX hosts of a domain NAME\n"
	      "  --dns-server IP[:PORT] the resolver to ask (default: /etc/resolv.conf)\n"
	      "  --dns-timeout SEC      DNS timeout (5); a resolver that does not answer costs it once\n"
	      "  --json                 JSON instead of text\n"
	      "  --lang LANG            de or en\n\n"
	      "Exit: 0 not listed anywhere, 1 listed in at least one zone, 68 a name has no\n"
	      "address, 69 no zone could be asked (DNS failed), 64 usage.\n",
	      f);
}

/* Resolves names[0..n) to addresses (A and AAAA at once). */
static size_t resolve(struct sc_dns *d, char names[][256], size_t n, struct sockaddr_storage *out, size_t max)
{
	struct sc_dns_query *q = xcalloc(n ? n * 2 : 1, sizeof *q);
	size_t i, j, got = 0;
	for (i = 0; i < n; i++) {
		sc_dns_query_set(&q[2 * i], names[i], SC_DNS_A);
		sc_dns_query_set(&q[2 * i + 1], names[i], SC_DNS_AAAA);
	}
	sc_dns_resolve(d, q, n * 2);
	for (i = 0; i < n * 2; i++)
		for (j = 0; j < q[i].n && got < max; j++)
			sc_dns_rr_sockaddr(&q[i].rr[j], q[i].type, &out[got++]);
	free(q);
	return got;
}

int cmd_dnsbl(int argc, char **argv)
{
	enum { O_ZONE = 256, O_MX, O_DNS, O_DNST, O_JSON, O_LANG };
	static const struct option longopts[] = {
		{ "dnsbl-zone", required_argument, NULL, O_ZONE }, { "mx", no_argument, NULL, O_MX },
		{ "dns-server", required_argument, NULL, O_DNS },  { "dns-timeout", required_argument, NULL, O_DNST },
		{ "json", no_argument, NULL, O_JSON },             { "lang", required_argument, NULL, O_LANG },
		{ "help", no_argument, NULL, 'h' },                { NULL, 0, NULL, 0 },
	};
	const char **zones = xcalloc((size_t)argc + 1, sizeof *zones);
	const char *dns_server = NULL, *langflag = NULL;
	struct sockaddr_storage *addrs = xcalloc(MAX_ADDRS, sizeof *addrs);
	struct sc_dnsbl_result *res = NULL;
	struct probe_report rp;
	struct sc_dns dns;
	struct sc_out out;
	char err[256];
	size_t nzones = 0, i;
	int opt, json = 0, mx = 0, timeout = 5000, rc = 0, listed = 0, asked = 0, first = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_ZONE: zones[nzones++] = optarg; break;
		case O_MX: mx = 1; break;
		case O_DNS: dns_server = optarg; break;
		case O_DNST: {
			char *end;
			double v = strtod(optarg, &end);
			if (*end || !(v > 0) || v > 3600)
				goto usage;
			timeout = (int)ceil(v * 1000.0);
			break;
		}
		case O_JSON: json = 1; break;
		case O_LANG: langflag = optarg; break;
		case 'h': help(stdout); goto out;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	if (sc_dns_init(&dns, dns_server, timeout, err, sizeof err)) {
		sc_warn("dnsbl: %s", err);
		goto usage;
	}
	if (!nzones) {
		for (i = 0; sc_dnsbl_default_zones[i]; i++)
			zones[nzones++] = sc_dnsbl_default_zones[i];
	}
	res = xcalloc(nzones, sizeof *res);
	memset(&rp, 0, sizeof rp);
	sc_out_init(&out, stdout);
	rp.o = &out;
	rp.lang = sc_lang_choose(langflag);
	rp.json = json;
	rp.width = 80;
	if (json)
		sc_out_str(&out, "{\"results\":[");
	for (; optind < argc; optind++) {
		const char *arg = argv[optind];
		struct sc_target t;
		size_t naddr = 0, a;
		if (sc_target_parse(arg, &t, err, sizeof err) || t.port) {
			sc_warn("dnsbl: '%s' is not an address or a name", arg);
			rc = EX_USAGE;
			continue;
		}
		if (t.kind == SC_TARGET_ADDR) {
			addrs[naddr++] = t.addr;
		} else if (mx) {
			struct sc_dns_query q;
			static char names[SC_DNS_MAX_RR][256];
			size_t n = 0;
			sc_dns_query_set(&q, t.name, SC_DNS_MX);
			sc_dns_resolve(&dns, &q, 1);
			for (i = 0; i < q.n; i++)
				if (q.rr[i].text[0] && strcmp(q.rr[i].text, "."))
					snprintf(names[n++], sizeof names[0], "%s", q.rr[i].text);
			naddr = resolve(&dns, names, n, addrs, MAX_ADDRS);
		} else {
			static char names[1][256];
			snprintf(names[0], sizeof names[0], "%s", t.name);
			naddr = resolve(&dns, names, 1, addrs, MAX_ADDRS);
		}
		if (!naddr) {
			sc_warn("dnsbl: %s: no address%s%s", arg, dns.dead ? ": " : "", dns.dead ? dns.dead_why : "");
			if (!rc)
				rc = EX_NOHOST;
			continue;
		}
		for (a = 0; a < naddr; a++) {
			char text[64];
			int skipped = sc_addr_is_private((struct sockaddr *)&addrs[a]);
			sc_addr_text((struct sockaddr *)&addrs[a], text, sizeof text);
			sc_dnsbl_check(&dns, (struct sockaddr *)&addrs[a], zones, nzones, res);
			for (i = 0; !skipped && i < nzones; i++) {
				listed += res[i].status == SC_DNSBL_LISTED;
				asked += res[i].status == SC_DNSBL_LISTED || res[i].status == SC_DNSBL_CLEAN;
			}
			if (skipped)
				asked++;
			if (json)
				sc_report_dnsbl_json(&rp, text, res, nzones, skipped, first);
			else
				sc_report_dnsbl(&rp, text, res, nzones, skipped);
			first = 0;
		}
	}
	if (json) {
		sc_out_str(&out, "],\"dns\":");
		sc_out_json_cstr(&out, dns.dead ? dns.dead_why : NULL);
		sc_out_str(&out, "}\n");
	} else if (dns.dead) {
		sc_out_printf(&out, "%s\n", dns.dead_why);
	}
	sc_out_free(&out);
	if (listed)
		rc = 1;
	else if (!rc && !asked)
		rc = EX_UNAVAILABLE;
	if (out.error)
		rc = EX_IOERR;
	goto out;
usage:
	help(stderr);
	rc = EX_USAGE;
out:
	free(res);
	free(addrs);
	free(zones);
	return rc;
}
