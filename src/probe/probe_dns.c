/*
 * probe_dns.c - a small DNS client for the probe: MX, A, AAAA, PTR and TXT
 * questions to a chosen resolver (--dns-server IP[:PORT]) or to the
 * nameservers of /etc/resolv.conf.
 *
 * Why not getaddrinfo()/res_query(): the probe must ask many questions at
 * once (every blocklist zone, every MX host's addresses), with a timeout in
 * milliseconds, to a server on any port, and a resolver that does not answer
 * must cost the timeout once, not once per question. So a batch of questions
 * goes out over UDP at once (one connected socket per server, so an ICMP
 * "port unreachable" is seen at once), unanswered ones are sent again to
 * the next server, a truncated answer is asked again over TCP, and when a
 * whole batch goes unanswered the resolver is marked dead and later batches
 * are skipped. Answers are parsed with libresolv's ns_initparse()/ns_parserr().
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"

#define DNS_UDP_MAX 4096
#define DNS_BATCH_SOCKS SC_DNS_MAX_SERVERS

const char *sc_dns_status_name(enum sc_dns_status s)
{
	switch (s) {
	case SC_DNS_OK: return "ok";
	case SC_DNS_NODATA: return "nodata";
	case SC_DNS_NXDOMAIN: return "nxdomain";
	case SC_DNS_SERVFAIL: return "servfail";
	case SC_DNS_TIMEOUT: return "timeout";
	case SC_DNS_SKIPPED: return "skipped";
	case SC_DNS_ERROR: return "error";
	}
	return "unknown";
}

static void servers_text(struct sc_dns *d)
{
	size_t i, k = 0;
	d->servers_text[0] = '\0';
	for (i = 0; i < d->nservers && k + 70 < sizeof d->servers_text; i++) {
		char a[64];
		const struct sockaddr *sa = (const struct sockaddr *)&d->server[i];
		int port = ntohs(sa->sa_family == AF_INET6 ? ((const struct sockaddr_in6 *)sa)->sin6_port
		                                           : ((const struct sockaddr_in *)sa)->sin_port);
		sc_addr_text(sa, a, sizeof a);
		k += (size_t)snprintf(d->servers_text + k, sizeof d->servers_text - k,
		                      sa->sa_family == AF_INET6 ? "%s[%s]:%d" : "%s%s:%d", i ? ", " : "", a, port);
	}
}

int sc_dns_init(struct sc_dns *d, const char *server, int timeout_ms, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	/* query ids from the kernel's random source: an off-path attacker must
	 * not guess them (RFC 5452) */
	if (getentropy(&d->rng, sizeof d->rng) != 0 || !d->rng)
		d->rng = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL) ^ 1u;
	if (server) {
		if (sc_addr_parse(server, 53, &d->server[0], &d->serverlen[0])) {
			snprintf(err, errlen, "--dns-server '%s' is not an IP address with an optional port", server);
			return -1;
		}
		d->nservers = 1;
	} else {
		FILE *f = fopen("/etc/resolv.conf", "r");
		char line[512];
		while (f && fgets(line, sizeof line, f) && d->nservers < SC_DNS_MAX_SERVERS) {
			char word[32], addr[128];
			if (sscanf(line, "%31s %127s", word, addr) == 2 && !strcmp(word, "nameserver") &&
			    sc_addr_parse(addr, 53, &d->server[d->nservers], &d->serverlen[d->nservers]) == 0)
				d->nservers++;
		}
		if (f)
			fclose(f);
		if (!d->nservers) {
			sc_addr_parse("127.0.0.1", 53, &d->server[0], &d->serverlen[0]);
			d->nservers = 1;
		}
	}
	servers_text(d);
	return 0;
}

void sc_dns_query_set(struct sc_dns_query *q, const char *name, enum sc_dns_type type)
{
	memset(q, 0, sizeof *q);
	snprintf(q->name, sizeof q->name, "%s", name);
	q->type = type;
	q->status = SC_DNS_TIMEOUT;
}

/* Writes a query for name/type; returns its length or 0 when name is bad. */
static size_t encode(unsigned char *buf, size_t cap, uint16_t id, const char *name, int type)
{
	size_t k = 12;
	const char *p = name;
	if (cap < 12 + 256 + 4)
		return 0;
	memset(buf, 0, 12);
	buf[0] = (unsigned char)(id >> 8);
	buf[1] = (unsigned char)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || k + l + 2 > 12 + 255)
			return 0;
		buf[k++] = (unsigned char)l;
		memcpy(buf + k, p, l);
		k += l;
		p += l;
		if (*p == '.')
			p++;
	}
	buf[k++] = 0;
	buf[k++] = (unsigned char)(type >> 8);
	buf[k++] = (unsigned char)type;
	buf[k++] = 0;
	buf[k++] = 1; /* IN */
	return k;
}

static int same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Does msg answer q (the question section echoes its name and type)? */
static int answers(const struct sc_dns_query *q, const unsigned char *msg, size_t len)
{
	ns_msg h;
	ns_rr rr;
	if (ns_initparse(msg, (int)len, &h) < 0 || ns_msg_count(h, ns_s_qd) != 1 || ns_parserr(&h, ns_s_qd, 0, &rr) < 0)
		return 0;
	return (int)ns_rr_type(rr) == (int)q->type && same_name(ns_rr_name(rr), q->name);
}

static void txt_join(const unsigned char *p, size_t n, char *dst, size_t cap)
{
	size_t i = 0, k = 0;
	while (i < n) {
		size_t l = p[i++], j;
		for (j = 0; j < l && i + j < n; j++)
			if (k + 1 < cap)
				dst[k++] = p[i + j] >= 0x20 && p[i + j] < 0x7f ? (char)p[i + j] : '?';
		i += l;
	}
	dst[k] = '\0';
}

static void parse_answer(struct sc_dns_query *q, const unsigned char *msg, size_t len)
{
	ns_msg h;
	int i, count;
	q->n = 0;
	if (ns_initparse(msg, (int)len, &h) < 0) {
		q->status = SC_DNS_ERROR;
		return;
	}
	q->rcode = ns_msg_getflag(h, ns_f_rcode);
	if (q->rcode == ns_r_nxdomain) {
		q->status = SC_DNS_NXDOMAIN;
		return;
	}
	if (q->rcode != ns_r_noerror) {
		q->status = SC_DNS_SERVFAIL;
		return;
	}
	count = ns_msg_count(h, ns_s_an);
	for (i = 0; i < count && q->n < SC_DNS_MAX_RR; i++) {
		ns_rr rr;
		struct sc_dns_rr *out = &q->rr[q->n];
		const unsigned char *rd;
		size_t rdlen;
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0) {
			q->status = SC_DNS_ERROR;
			return;
		}
		if ((int)ns_rr_type(rr) != (int)q->type || ns_rr_class(rr) != ns_c_in)
			continue;
		rd = ns_rr_rdata(rr);
		rdlen = ns_rr_rdlen(rr);
		memset(out, 0, sizeof *out);
		switch (q->type) {
		case SC_DNS_A:
		case SC_DNS_AAAA:
			if (rdlen != (q->type == SC_DNS_A ? 4u : 16u))
				continue;
			memcpy(out->addr, rd, rdlen);
			inet_ntop(q->type == SC_DNS_A ? AF_INET : AF_INET6, rd, out->text, sizeof out->text);
			break;
		case SC_DNS_MX:
			if (rdlen < 3)
				continue;
			out->pref = ns_get16(rd);
			if (ns_name_uncompress(ns_msg_base(h), ns_msg_end(h), rd + 2, out->text, sizeof out->text) < 0)
				continue;
			break;
		case SC_DNS_PTR:
			if (ns_name_uncompress(ns_msg_base(h), ns_msg_end(h), rd, out->text, sizeof out->text) < 0)
				continue;
			break;
		case SC_DNS_TXT:
			txt_join(rd, rdlen, out->text, sizeof out->text);
			break;
		}
		q->n++;
	}
	q->status = q->n ? SC_DNS_OK : SC_DNS_NODATA;
}

/* One question over TCP (after a truncated UDP answer), until deadline. */
static void ask_tcp(struct sc_dns *d, size_t srv, struct sc_dns_query *q, int64_t deadline)
{
	unsigned char out[2 + 512], *in = NULL;
	size_t qlen = encode(out + 2, sizeof out - 2, q->id, q->name, q->type), got = 0, need = 2;
	const struct sockaddr *sa = (const struct sockaddr *)&d->server[srv];
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	size_t off = 0;
	unsigned char lenbuf[2] = { 0, 0 };

	q->status = SC_DNS_ERROR;
	if (fd < 0 || !qlen)
		goto out;
	out[0] = (unsigned char)(qlen >> 8);
	out[1] = (unsigned char)qlen;
	if (connect(fd, sa, d->serverlen[srv]) < 0 && errno != EINPROGRESS)
		goto out;
	while (off < qlen + 2) {
		ssize_t n;
		if (sc_wait_fd(fd, POLLOUT, deadline) <= 0) {
			q->status = SC_DNS_TIMEOUT;
			goto out;
		}
		n = send(fd, out + off, qlen + 2 - off, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			goto out;
		if (n > 0)
			off += (size_t)n;
	}
	while (got < need) {
		ssize_t n;
		unsigned char *dst = in ? in + got : lenbuf + got;
		if (sc_wait_fd(fd, POLLIN, deadline) <= 0) {
			q->status = SC_DNS_TIMEOUT;
			goto out;
		}
		n = recv(fd, dst, need - got, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			goto out;
		if (n > 0)
			got += (size_t)n;
		if (!in && got == 2) {
			need = (size_t)lenbuf[0] << 8 | lenbuf[1];
			if (need < 12)
				goto out;
			in = malloc(need);
			if (!in)
				goto out;
			got = 0;
		}
	}
	if (answers(q, in, need))
		parse_answer(q, in, need);
out:
	free(in);
	if (fd >= 0)
		close(fd);
}

static void send_one(struct sc_dns *d, int fd, struct sc_dns_query *q)
{
	unsigned char buf[512];
	size_t n = encode(buf, sizeof buf, q->id, q->name, q->type);
	if (!n) {
		q->status = SC_DNS_ERROR;
		q->answered = 1;
		return;
	}
	q->tries++;
	d->queries++;
	if (send(fd, buf, n, MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		(void)0; /* an ICMP error shows up on recv() */
}

/* A random id not used by the earlier questions of the batch. */
static uint16_t next_id(struct sc_dns *d, const struct sc_dns_query *q, size_t upto)
{
	for (;;) {
		uint32_t x = d->rng;
		size_t i;
		uint16_t id;
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		d->rng = x;
		id = (uint16_t)(x >> 8);
		for (i = 0; i < upto && q[i].id != id; i++)
			;
		if (i == upto)
			return id;
	}
}

void sc_dns_resolve(struct sc_dns *d, struct sc_dns_query *q, size_t n)
{
	int fds[DNS_BATCH_SOCKS];
	int refused[DNS_BATCH_SOCKS];
	size_t i, s, open_left = 0, left = 0, round = 0;
	int64_t start = sc_now_ms(), deadline = start + d->timeout_ms, interval, next_send;
	int got_any = 0;
	unsigned char buf[DNS_UDP_MAX];

	for (i = 0; i < n; i++) {
		q[i].status = SC_DNS_TIMEOUT;
		q[i].answered = 0;
		q[i].n = 0;
		q[i].tries = 0;
	}
	if (d->dead) {
		for (i = 0; i < n; i++)
			q[i].status = SC_DNS_SKIPPED;
		return;
	}
	for (s = 0; s < d->nservers; s++) {
		const struct sockaddr *sa = (const struct sockaddr *)&d->server[s];
		refused[s] = 0;
		fds[s] = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[s] >= 0 && connect(fds[s], sa, d->serverlen[s]) < 0) {
			close(fds[s]);
			fds[s] = -1;
		}
		if (fds[s] < 0)
			refused[s] = 1;
		else
			open_left++;
	}
	/* resend unanswered questions a few times within the timeout, each time
	 * to the next server */
	interval = d->timeout_ms / 3 > 100 ? d->timeout_ms / 3 : d->timeout_ms;
	next_send = start;
	for (i = 0; i < n; i++) {
		q[i].id = next_id(d, q, i);
		if (!q[i].answered)
			left++;
	}
	while (left && open_left) {
		struct pollfd pf[DNS_BATCH_SOCKS];
		int64_t now = sc_now_ms(), until;
		int rc;
		if (now >= deadline)
			break;
		if (now >= next_send) {
			/* the next server that is not refused */
			for (s = round % d->nservers; refused[s]; s = (s + 1) % d->nservers)
				;
			for (i = 0; i < n; i++)
				if (!q[i].answered)
					send_one(d, fds[s], &q[i]);
			round++;
			next_send = now + interval;
			left = 0;
			for (i = 0; i < n; i++)
				left += !q[i].answered;
			if (!left)
				break;
		}
		until = next_send < deadline ? next_send : deadline;
		for (s = 0; s < d->nservers; s++) {
			pf[s].fd = refused[s] ? -1 : fds[s];
			pf[s].events = POLLIN;
			pf[s].revents = 0;
		}
		rc = poll(pf, (nfds_t)d->nservers, (int)(until - now > 0 ? until - now : 0));
		if (rc <= 0)
			continue;
		for (s = 0; s < d->nservers; s++) {
			if (!pf[s].revents)
				continue;
			for (;;) {
				ssize_t got = recv(fds[s], buf, sizeof buf, 0);
				uint16_t id;
				if (got < 0) {
					if (errno == ECONNREFUSED && !refused[s]) {
						refused[s] = 1;
						open_left--;
						next_send = sc_now_ms(); /* try the next server now */
					}
					break;
				}
				if (got < 12)
					continue;
				id = (uint16_t)(buf[0] << 8 | buf[1]);
				for (i = 0; i < n; i++) {
					if (q[i].answered || q[i].id != id || !answers(&q[i], buf, (size_t)got))
						continue;
					q[i].answered = 1;
					q[i].ms = (int)(sc_now_ms() - start);
					got_any = 1;
					d->answers++;
					if (buf[2] & 0x02) /* TC */
						ask_tcp(d, s, &q[i], deadline);
					else
						parse_answer(&q[i], buf, (size_t)got);
					left--;
					break;
				}
			}
		}
	}
	for (s = 0; s < d->nservers; s++)
		if (fds[s] >= 0)
			close(fds[s]);
	if (!got_any && n) {
		d->dead = 1;
		if (!open_left)
			snprintf(d->dead_why, sizeof d->dead_why, "the DNS server %.100s refused the connection",
			         d->servers_text);
		else
			snprintf(d->dead_why, sizeof d->dead_why, "the DNS server %.100s did not answer within %d ms",
			         d->servers_text, d->timeout_ms);
		for (i = 0; i < n; i++)
			if (!q[i].answered && !open_left)
				q[i].status = SC_DNS_ERROR;
	}
}

void sc_dns_reverse_name(const struct sockaddr *sa, const char *zone, char *dst, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	int i;
	if (sa->sa_family == AF_INET) {
		const unsigned char *b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
		snprintf(dst, n, "%u.%u.%u.%u.%s", b[3], b[2], b[1], b[0], zone ? zone : "in-addr.arpa");
		return;
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		char tmp[80];
		for (i = 15; i >= 0; i--) {
			tmp[k++] = hex[b[i] & 15];
			tmp[k++] = '.';
			tmp[k++] = hex[b[i] >> 4];
			tmp[k++] = '.';
		}
		tmp[k] = '\0';
		snprintf(dst, n, "%s%s", tmp, zone ? zone : "ip6.arpa");
		return;
	}
	snprintf(dst, n, "invalid");
}

size_t sc_hosts_lookup(const char *name, struct sockaddr_storage *out, size_t max)
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[1024];
	size_t got = 0;
	if (!f)
		return 0;
	while (got < max && fgets(line, sizeof line, f)) {
		char *save = NULL, *addr, *w;
		char *hash = strchr(line, '#');
		struct sockaddr_storage sa;
		socklen_t sl;
		if (hash)
			*hash = '\0';
		addr = strtok_r(line, " \t\r\n", &save);
		if (!addr || sc_addr_parse(addr, 0, &sa, &sl))
			continue;
		while ((w = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
			if (same_name(w, name)) {
				out[got++] = sa;
				break;
			}
		}
	}
	fclose(f);
	return got;
}

void sc_dns_rr_sockaddr(const struct sc_dns_rr *rr, enum sc_dns_type t, struct sockaddr_storage *sa)
{
	memset(sa, 0, sizeof *sa);
	if (t == SC_DNS_AAAA) {
		sa->ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)sa)->sin6_addr, rr->addr, 16);
	} else {
		sa->ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)sa)->sin_addr, rr->addr, 4);
	}
}
