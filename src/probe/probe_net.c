/*
 * probe_net.c - the network layer of the probe: parsing targets and
 * addresses, connecting with a timeout, and the bounded reply reader that
 * turns bytes from an untrusted peer into complete SMTP replies.
 *
 * Every wait is a poll() with a deadline: a step ends at now + --timeout or
 * at the overall deadline, whichever comes first. The reader keeps at most
 * PROBE_IN_CAP unread bytes and PROBE_MAX_REPLY bytes of reply, so a peer
 * that sends garbage, a line without end or a 10 MB reply is stopped with a
 * clear error long before it costs memory or time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"

/* -------------------------------------------------------------- reader */

void sc_rd_init(struct sc_rd *rd)
{
	rd->inlen = 0;
	rd->len = 0;
	rd->nlines = 0;
	rd->code = 0;
	rd->done = 0;
	rd->error = SC_RD_OK;
	rd->bad[0] = '\0';
}

char *sc_rd_space(struct sc_rd *rd, size_t *n)
{
	*n = sizeof rd->in - rd->inlen;
	return rd->in + rd->inlen;
}

void sc_rd_commit(struct sc_rd *rd, size_t n)
{
	rd->inlen += n;
	if (rd->inlen > sizeof rd->in)
		rd->inlen = sizeof rd->in;
}

size_t sc_rd_pending(const struct sc_rd *rd)
{
	return rd->inlen;
}

int sc_rd_partial(const struct sc_rd *rd)
{
	return (!rd->done && rd->nlines > 0) || rd->inlen > 0;
}

const char *sc_rd_strerror(enum sc_rd_error e)
{
	switch (e) {
	case SC_RD_OK: return "no error";
	case SC_RD_TOOLONG: return "a reply line is longer than 4096 bytes";
	case SC_RD_TOOMANY: return "a reply has more than 100 lines";
	case SC_RD_TOOBIG: return "a reply is larger than 64 KiB";
	case SC_RD_GARBAGE: return "the server sent something that is not an SMTP reply";
	case SC_RD_BINARY: return "the server sent binary data (a NUL byte)";
	case SC_RD_MIXED: return "the lines of a reply carry different reply codes";
	}
	return "unknown reader error";
}

static enum sc_rd_status rd_fail(struct sc_rd *rd, enum sc_rd_error e, const char *line, size_t n)
{
	size_t i, k = 0;
	rd->error = e;
	for (i = 0; i < n && k + 1 < sizeof rd->bad; i++)
		rd->bad[k++] = line[i];
	rd->bad[k] = '\0';
	return SC_RD_ERROR;
}

enum sc_rd_status sc_rd_next(struct sc_rd *rd)
{
	size_t off = 0;
	enum sc_rd_status st = SC_RD_MORE;

	if (rd->error)
		return SC_RD_ERROR;
	if (rd->done) { /* start the next reply */
		rd->done = 0;
		rd->len = 0;
		rd->nlines = 0;
		rd->code = 0;
	}
	while (st == SC_RD_MORE) {
		const char *line = rd->in + off;
		const char *nl = memchr(line, '\n', rd->inlen - off);
		size_t n, i;
		int code;
		char sep;

		if (!nl) {
			size_t have = rd->inlen - off;
			if (have > PROBE_MAX_LINE) {
				st = rd_fail(rd, SC_RD_TOOLONG, line, have);
				break;
			}
			/* garbage shows in its first bytes: no need to wait for a line end */
			if ((have >= 1 && (line[0] < '2' || line[0] > '5')) ||
			    (have >= 2 && (line[1] < '0' || line[1] > '9')) ||
			    (have >= 3 && (line[2] < '0' || line[2] > '9')) ||
			    (have >= 4 && line[3] != ' ' && line[3] != '-' && line[3] != '\r'))
				st = rd_fail(rd, SC_RD_GARBAGE, line, have);
			break;
		}
		n = (size_t)(nl - line);
		off += n + 1;
		if (n + 1 > PROBE_MAX_LINE) {
			st = rd_fail(rd, SC_RD_TOOLONG, line, n);
			break;
		}
		if (n && line[n - 1] == '\r')
			n--;
		if (n < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (n > 3 && line[3] != ' ' && line[3] != '-')) {
			st = rd_fail(rd, SC_RD_GARBAGE, line, n);
			break;
		}
		if (memchr(line, '\0', n)) {
			st = rd_fail(rd, SC_RD_BINARY, line, n);
			break;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		sep = n > 3 ? line[3] : ' ';
		if (rd->nlines == 0) {
			rd->code = code;
		} else if (code != rd->code) {
			st = rd_fail(rd, SC_RD_MIXED, line, n);
			break;
		}
		if (rd->nlines + 1 > PROBE_MAX_LINES) {
			st = rd_fail(rd, SC_RD_TOOMANY, line, n);
			break;
		}
		if (rd->len + n + 1 > sizeof rd->reply) {
			st = rd_fail(rd, SC_RD_TOOBIG, line, n);
			break;
		}
		if (rd->nlines)
			rd->reply[rd->len++] = '\n';
		for (i = 0; i < n; i++) /* a bare CR would split the line for later parsers */
			rd->reply[rd->len + i] = line[i] == '\r' ? ' ' : line[i];
		rd->len += n;
		rd->reply[rd->len] = '\0';
		rd->nlines++;
		if (sep == ' ') {
			rd->done = 1;
			st = SC_RD_DONE;
		}
	}
	if (off) {
		memmove(rd->in, rd->in + off, rd->inlen - off);
		rd->inlen -= off;
	}
	return st;
}

/* ----------------------------------------------------------- addresses */

static int parse_port(const char *s, int *port)
{
	char *end;
	long v;
	if (!*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int pton_any(const char *s, struct sockaddr_storage *sa, socklen_t *len, int port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
	memset(sa, 0, sizeof *sa);
	if (inet_pton(AF_INET, s, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof *a4;
		return 0;
	}
	if (!strncasecmp(s, "IPv6:", 5))
		s += 5;
	if (inet_pton(AF_INET6, s, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return 0;
	}
	return -1;
}

int sc_addr_parse(const char *s, int default_port, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[128];
	const char *colon;
	int port = default_port;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (size_t)(close - s - 1) >= sizeof host)
			return -1;
		n = (size_t)(close - s - 1);
		memcpy(host, s + 1, n);
		host[n] = '\0';
		if (close[1] == ':') {
			if (parse_port(close + 2, &port))
				return -1;
		} else if (close[1]) {
			return -1;
		}
		return pton_any(host, sa, len, port);
	}
	colon = strchr(s, ':');
	if (colon && !strchr(colon + 1, ':')) { /* IPv4:PORT */
		n = (size_t)(colon - s);
		if (n >= sizeof host || parse_port(colon + 1, &port))
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
		if (!strchr(host, '.'))
			return -1;
		return pton_any(host, sa, len, port);
	}
	if (strlen(s) >= sizeof host)
		return -1;
	return pton_any(s, sa, len, port);
}

static int valid_hostname(const char *s)
{
	size_t n = strlen(s), label = 0, i;
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0 && i + 1 != n)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

int sc_target_parse(const char *s, struct sc_target *t, char *err, size_t errlen)
{
	const char *colon;
	memset(t, 0, sizeof *t);
	if (!s || !*s) {
		snprintf(err, errlen, "empty target");
		return -1;
	}
	if (strlen(s) >= sizeof t->name) {
		snprintf(err, errlen, "target too long");
		return -1;
	}
	if (s[0] == '[' || strchr(s, ':') != strrchr(s, ':') ||
	    (strchr(s, ':') == NULL && pton_any(s, &t->addr, &t->addrlen, 0) == 0)) {
		/* [addr][:port], a bare IPv6 address, a bare IPv4 address */
		const char *close = s[0] == '[' ? strchr(s, ']') : NULL;
		if (sc_addr_parse(s, 0, &t->addr, &t->addrlen)) {
			snprintf(err, errlen, "'%s' is not an IP address (forms: 192.0.2.1, [2001:db8::1]:25)", s);
			return -1;
		}
		t->kind = SC_TARGET_ADDR;
		if (close && close[1] == ':')
			parse_port(close + 2, &t->port);
		sc_addr_text((struct sockaddr *)&t->addr, t->name, sizeof t->name);
		return 0;
	}
	colon = strchr(s, ':');
	if (colon) {
		size_t n = (size_t)(colon - s);
		memcpy(t->name, s, n);
		t->name[n] = '\0';
		if (parse_port(colon + 1, &t->port)) {
			snprintf(err, errlen, "bad port in '%s' (1-65535)", s);
			return -1;
		}
		if (pton_any(t->name, &t->addr, &t->addrlen, t->port) == 0) {
			t->kind = SC_TARGET_ADDR;
			return 0;
		}
		t->kind = SC_TARGET_HOST;
	} else {
		strcpy(t->name, s);
		t->kind = SC_TARGET_DOMAIN;
	}
	if (!valid_hostname(t->name)) {
		snprintf(err, errlen, "'%s' is not a valid host or domain name", t->name);
		return -1;
	}
	{ /* drop a trailing dot */
		size_t n = strlen(t->name);
		if (n > 1 && t->name[n - 1] == '.')
			t->name[n - 1] = '\0';
	}
	return 0;
}

void sc_addr_text(const struct sockaddr *sa, char *dst, size_t n)
{
	const void *p = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
	                                          : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (!inet_ntop(sa->sa_family, p, dst, (socklen_t)n))
		snprintf(dst, n, "?");
}

static int v4_private(uint32_t a)
{
	return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 24) == 0 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 ||
	       (a >> 16) == 0xa9fe || (a >> 22) == (100u << 2 | 1u) || a == 0xffffffffu;
}

int sc_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
		return IN6_IS_ADDR_LOOPBACK(a);
	}
	return 0;
}

int sc_addr_is_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			uint32_t v = (uint32_t)a->s6_addr[12] << 24 | (uint32_t)a->s6_addr[13] << 16 |
			             (uint32_t)a->s6_addr[14] << 8 | a->s6_addr[15];
			return v4_private(v);
		}
		return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
		       (a->s6_addr[0] & 0xfe) == 0xfc;
	}
	return 1;
}

int sc_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
		               16);
	return 0;
}

/* ---------------------------------------------------------- connection */

int64_t sc_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sc_conn_step_deadline(const struct sc_conn *c)
{
	int64_t d = sc_now_ms() + c->timeout_ms;
	return c->deadline && c->deadline < d ? c->deadline : d;
}

void sc_net_quickack(int fd)
{
#ifdef TCP_QUICKACK
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#else
	(void)fd;
#endif
}

int sc_wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p;
		int64_t left = deadline - sc_now_ms();
		int rc;
		if (left <= 0)
			return 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		rc = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			continue;
		if (errno != EINTR)
			return -1;
	}
}

const char *sc_probe_fail_name(enum probe_fail f)
{
	switch (f) {
	case PROBE_FAIL_NONE: return "none";
	case PROBE_FAIL_CONNECTION: return "connection";
	case PROBE_FAIL_TIMEOUT: return "timeout";
	case PROBE_FAIL_TLS: return "tls";
	case PROBE_FAIL_PROTOCOL: return "protocol";
	case PROBE_FAIL_REJECTED: return "rejected";
	case PROBE_FAIL_LOCAL: return "local";
	}
	return "unknown";
}

enum probe_fail sc_conn_open(struct sc_conn *c, const struct sockaddr *sa, socklen_t len, char *err, size_t errlen)
{
	int64_t deadline = sc_conn_step_deadline(c);
	int fd, rc, one = 1, soerr = 0;
	socklen_t sl = sizeof soerr;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return PROBE_FAIL_CONNECTION;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "connect: %s", strerror(errno));
			close(fd);
			return PROBE_FAIL_CONNECTION;
		}
		rc = sc_wait_fd(fd, POLLOUT, deadline);
		if (rc == 0) {
			snprintf(err, errlen, "no connection within %d ms", (int)(c->timeout_ms));
			close(fd);
			return PROBE_FAIL_TIMEOUT;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
			snprintf(err, errlen, "connect: %s", strerror(soerr ? soerr : errno));
			close(fd);
			return PROBE_FAIL_CONNECTION;
		}
	}
	c->fd = fd;
	sc_rd_init(c->rd);
	return PROBE_FAIL_NONE;
}

enum probe_fail sc_conn_write(struct sc_conn *c, const char *buf, size_t len, char *err, size_t errlen)
{
	int64_t deadline = sc_conn_step_deadline(c);
	size_t off = 0;
	while (off < len) {
		ssize_t n;
		if (c->tls) {
			long r = sc_tls_write(c, buf + off, len - off, deadline, err, errlen);
			if (r == -2)
				return PROBE_FAIL_TIMEOUT;
			if (r <= 0)
				return r == 0 ? PROBE_FAIL_CONNECTION : PROBE_FAIL_TLS;
			off += (size_t)r;
			c->bytes_out += (uint64_t)r;
			continue;
		}
		n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			c->bytes_out += (uint64_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			int rc = sc_wait_fd(c->fd, POLLOUT, deadline);
			if (rc == 0) {
				snprintf(err, errlen, "could not send within %d ms", c->timeout_ms);
				return PROBE_FAIL_TIMEOUT;
			}
			if (rc > 0)
				continue;
		}
		snprintf(err, errlen, "send: %s", n < 0 ? strerror(errno) : "connection closed");
		return PROBE_FAIL_CONNECTION;
	}
	return PROBE_FAIL_NONE;
}

enum probe_fail sc_conn_read_reply(struct sc_conn *c, char *err, size_t errlen)
{
	int64_t deadline = sc_conn_step_deadline(c);
	struct sc_rd *rd = c->rd;
	for (;;) {
		enum sc_rd_status st = sc_rd_next(rd);
		size_t room;
		char *space;
		long n;

		if (st == SC_RD_DONE)
			return PROBE_FAIL_NONE;
		if (st == SC_RD_ERROR) {
			char shown[sizeof rd->bad * 4 + 1];
			size_t i, k = 0;
			for (i = 0; rd->bad[i] && k + 5 < sizeof shown; i++) {
				unsigned char ch = (unsigned char)rd->bad[i];
				if (ch < 0x20 || ch >= 0x7f)
					k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", ch);
				else
					shown[k++] = (char)ch;
			}
			shown[k] = '\0';
			snprintf(err, errlen, "%s (it began \"%s\")", sc_rd_strerror(rd->error), shown);
			return PROBE_FAIL_PROTOCOL;
		}
		space = sc_rd_space(rd, &room);
		if (room == 0) { /* cannot happen: the reader fails first */
			snprintf(err, errlen, "%s", sc_rd_strerror(SC_RD_TOOLONG));
			return PROBE_FAIL_PROTOCOL;
		}
		sc_net_quickack(c->fd);
		if (c->tls) {
			n = sc_tls_read(c, space, room, deadline, err, errlen);
			if (n == -2)
				goto timeout;
			if (n < 0)
				return PROBE_FAIL_TLS;
		} else {
			n = recv(c->fd, space, room, 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
					int rc = sc_wait_fd(c->fd, POLLIN, deadline);
					if (rc == 0)
						goto timeout;
					if (rc > 0)
						continue;
				}
				snprintf(err, errlen, "receive: %s", strerror(errno));
				return PROBE_FAIL_CONNECTION;
			}
		}
		if (n == 0) {
			snprintf(err, errlen, "%s", sc_rd_partial(rd)
			                                ? "the server closed the connection in the middle of a reply"
			                                : "the server closed the connection without a reply");
			return PROBE_FAIL_CONNECTION;
		}
		sc_rd_commit(rd, (size_t)n);
		c->bytes_in += (uint64_t)n;
	}
timeout:
	if (sc_rd_partial(rd))
		snprintf(err, errlen, "the reply stopped in the middle (no complete reply within %d ms)", c->timeout_ms);
	else
		snprintf(err, errlen, "no reply within %d ms", c->timeout_ms);
	if (c->deadline && sc_now_ms() >= c->deadline)
		snprintf(err + strlen(err), errlen - strlen(err), " (overall deadline reached)");
	return PROBE_FAIL_TIMEOUT;
}

void sc_conn_close(struct sc_conn *c)
{
	if (c->tls)
		sc_tls_close(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
