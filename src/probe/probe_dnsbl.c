/*
 * probe_dnsbl.c - is an address on a DNS blocklist? Every zone is asked at
 * once (an A and a TXT question per zone, one batch through probe_dns.c), so
 * ten zones cost one round trip, and a resolver that does not answer costs
 * the DNS timeout once. Loopback and private addresses are never sent to
 * public lists: the answer would be meaningless and it leaks the network's
 * layout. Answers in 127.255.255.0/24 are the lists' way of refusing a
 * query (Spamhaus answers so to public resolvers), not a listing.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

const char *const sc_dnsbl_default_zones[] = {
	"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org", "psbl.surriel.com",
	"dnsbl.dronebl.org", "bl.mailspike.net", NULL,
};

const char *sc_dnsbl_status_name(enum sc_dnsbl_status s)
{
	switch (s) {
	case SC_DNSBL_CLEAN: return "not_listed";
	case SC_DNSBL_LISTED: return "listed";
	case SC_DNSBL_REFUSED: return "refused";
	case SC_DNSBL_ODD: return "unexpected_answer";
	case SC_DNSBL_ERROR: return "error";
	case SC_DNSBL_SKIPPED: return "skipped";
	}
	return "unknown";
}

void sc_dnsbl_check(struct sc_dns *d, const struct sockaddr *sa, const char *const *zones, size_t nzones,
                    struct sc_dnsbl_result *res)
{
	struct sc_dns_query *q;
	size_t i, j;

	memset(res, 0, nzones * sizeof *res);
	for (i = 0; i < nzones; i++) {
		snprintf(res[i].zone, sizeof res[i].zone, "%s", zones[i]);
		sc_dns_reverse_name(sa, zones[i], res[i].qname, sizeof res[i].qname);
	}
	if (sc_addr_is_private(sa)) {
		for (i = 0; i < nzones; i++)
			res[i].status = SC_DNSBL_SKIPPED;
		return;
	}
	q = calloc(nzones ? nzones * 2 : 1, sizeof *q);
	if (!q) {
		for (i = 0; i < nzones; i++) {
			res[i].status = SC_DNSBL_ERROR;
			snprintf(res[i].error, sizeof res[i].error, "out of memory");
		}
		return;
	}
	for (i = 0; i < nzones; i++) {
		sc_dns_query_set(&q[2 * i], res[i].qname, SC_DNS_A);
		sc_dns_query_set(&q[2 * i + 1], res[i].qname, SC_DNS_TXT);
	}
	sc_dns_resolve(d, q, nzones * 2);
	for (i = 0; i < nzones; i++) {
		const struct sc_dns_query *a = &q[2 * i], *t = &q[2 * i + 1];
		struct sc_dnsbl_result *r = &res[i];
		size_t k = 0;
		r->ms = a->ms;
		switch (a->status) {
		case SC_DNS_NXDOMAIN:
		case SC_DNS_NODATA:
			r->status = SC_DNSBL_CLEAN;
			continue;
		case SC_DNS_OK:
			break;
		case SC_DNS_SKIPPED:
			r->status = SC_DNSBL_SKIPPED;
			snprintf(r->error, sizeof r->error, "DNS did not answer");
			continue;
		default:
			r->status = SC_DNSBL_ERROR;
			snprintf(r->error, sizeof r->error, "%s", sc_dns_status_name(a->status));
			continue;
		}
		r->status = SC_DNSBL_LISTED;
		for (j = 0; j < a->n; j++) {
			const unsigned char *b = a->rr[j].addr;
			if (b[0] != 127)
				r->status = SC_DNSBL_ODD;
			else if (b[1] == 255 && b[2] == 255 && r->status == SC_DNSBL_LISTED)
				r->status = SC_DNSBL_REFUSED;
			if (k + 20 < sizeof r->codes)
				k += (size_t)snprintf(r->codes + k, sizeof r->codes - k, "%s%s", j ? ", " : "", a->rr[j].text);
		}
		if (t->status == SC_DNS_OK && t->n)
			snprintf(r->reason, sizeof r->reason, "%s", t->rr[0].text);
	}
	free(q);
}
