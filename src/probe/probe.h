/*
 * probe.h - the insides of `smtpcodes probe` and `smtpcodes dnsbl`, shared by
 * the files of src/probe/ and the two commands in src/cli/.
 *
 *   probe_net.c      targets, connecting with a timeout, the bounded reply
 *                    reader and reading/writing with deadlines
 *   probe_tls.c      TLS with OpenSSL (the only file that includes it)
 *   probe_dns.c      a small DNS client (UDP, TCP on truncation) that asks a
 *                    chosen resolver many questions at once
 *   probe_dnsbl.c    blocklist look-ups, all zones in parallel
 *   probe_session.c  the SMTP session as a state machine, capability parsing,
 *                    the reverse-DNS and relay checks
 *   probe_report.c   the transcript, the summary and the JSON document
 *
 * Ownership: a struct probe_run owns every string and array under it and is
 * freed with sc_probe_run_free(). Reply texts are copies of what the peer
 * sent, untrusted: they are bounded by the reader's limits and must be
 * escaped (sc_out_term, sc_out_json_str) wherever they are printed.
 */
#ifndef SC_PROBE_H
#define SC_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/out.h"
#include "smtpcodes/smtpcodes.h"

/* ------------------------------------------------------------ limits */

#define PROBE_MAX_LINE 4096          /* bytes in one reply line, CRLF included */
#define PROBE_MAX_LINES 100          /* lines in one reply */
#define PROBE_MAX_REPLY (64 * 1024)  /* bytes in one reply */
#define PROBE_IN_CAP (2 * PROBE_MAX_LINE)
#define PROBE_MAX_CAPS 64
#define PROBE_MAX_DATA_FILE (10u * 1024 * 1024)

/* Exit codes of `smtpcodes probe`: one per failing stage (docs/probe.md). */
enum probe_exit {
	PROBE_EXIT_OK = 0,
	PROBE_EXIT_CONNECT = 10,
	PROBE_EXIT_BANNER = 11,
	PROBE_EXIT_EHLO = 12,
	PROBE_EXIT_TLS = 13,
	PROBE_EXIT_AUTH = 14,
	PROBE_EXIT_MAIL = 15,
	PROBE_EXIT_RCPT = 16,
	PROBE_EXIT_DATA = 17,
	PROBE_EXIT_NOMX = 18 /* the domain has no mail server (null MX, no address, no such domain) */
};

/* ------------------------------------------------------- reply reader */

enum sc_rd_status { SC_RD_MORE = 0, SC_RD_DONE, SC_RD_ERROR };

enum sc_rd_error {
	SC_RD_OK = 0,
	SC_RD_TOOLONG, /* a line longer than PROBE_MAX_LINE */
	SC_RD_TOOMANY, /* more than PROBE_MAX_LINES lines */
	SC_RD_TOOBIG,  /* more than PROBE_MAX_REPLY bytes */
	SC_RD_GARBAGE, /* a line that is not "DDD", "DDD text" or "DDD-text" */
	SC_RD_BINARY,  /* a NUL byte */
	SC_RD_MIXED    /* continuation lines with different codes */
};

/*
 * The bounded reply reader: bytes from the peer go in (sc_rd_space() and
 * sc_rd_commit()), complete replies come out of sc_rd_next(). It allocates
 * nothing; everything is inside the struct (about 72 KiB: allocate it).
 */
struct sc_rd {
	char in[PROBE_IN_CAP];      /* raw bytes not yet consumed */
	size_t inlen;
	char reply[PROBE_MAX_REPLY]; /* the reply: its lines joined by "\n" */
	size_t len;
	size_t nlines;
	int code;                   /* the reply code of the first line */
	int done;                   /* the last reply is complete */
	enum sc_rd_error error;
	char bad[48];               /* the start of an offending line, for messages */
};

void sc_rd_init(struct sc_rd *rd);
/* Where up to *n bytes from the peer may be written. */
char *sc_rd_space(struct sc_rd *rd, size_t *n);
void sc_rd_commit(struct sc_rd *rd, size_t n);
/*
 * Consumes complete lines. SC_RD_DONE: a whole reply is in reply/len/code;
 * the next call starts a new reply. SC_RD_MORE: more bytes are needed.
 * SC_RD_ERROR: rd->error says why; the reader stays in error.
 */
enum sc_rd_status sc_rd_next(struct sc_rd *rd);
/* Bytes received but not yet consumed, and whether a reply is half read. */
size_t sc_rd_pending(const struct sc_rd *rd);
int sc_rd_partial(const struct sc_rd *rd);
const char *sc_rd_strerror(enum sc_rd_error e);

/* ------------------------------------------------------------ targets */

enum sc_target_kind { SC_TARGET_DOMAIN, SC_TARGET_HOST, SC_TARGET_ADDR };

struct sc_target {
	enum sc_target_kind kind;
	char name[256];               /* domain or host name, or the address as text */
	int port;                     /* 0 when not given */
	struct sockaddr_storage addr; /* SC_TARGET_ADDR only */
	socklen_t addrlen;
};

/* Parses DOMAIN, HOST:PORT, IPv4[:PORT], [IPv4 or IPv6][:PORT], a bare IPv6
 * address, "[IPv6:...]" literals. Returns 0, or -1 with a message in err. */
int sc_target_parse(const char *s, struct sc_target *t, char *err, size_t errlen);

/* Parses an address with an optional port (1.2.3.4, 1.2.3.4:53, ::1,
 * [::1]:53) into sa with default_port when none is given. Returns 0 or -1. */
int sc_addr_parse(const char *s, int default_port, struct sockaddr_storage *sa, socklen_t *len);

/* The address as text ("192.0.2.1", "2001:db8::1"), no port. */
void sc_addr_text(const struct sockaddr *sa, char *dst, size_t n);
/* 1 for loopback, private, link-local, shared (100.64/10), unique-local and
 * unspecified addresses: never looked up in public blocklists. */
int sc_addr_is_private(const struct sockaddr *sa);
int sc_addr_is_loopback(const struct sockaddr *sa);
int sc_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* --------------------------------------------------------- connection */

/* Typed failures of the session (STYLE.md: connection, TLS, protocol,
 * rejected), plus a timeout and a local refusal. */
enum probe_fail {
	PROBE_FAIL_NONE = 0,
	PROBE_FAIL_CONNECTION, /* refused, unreachable, closed by the peer */
	PROBE_FAIL_TIMEOUT,    /* the step or the overall deadline passed */
	PROBE_FAIL_TLS,        /* handshake or certificate */
	PROBE_FAIL_PROTOCOL,   /* the peer broke SMTP: garbage, too long, ... */
	PROBE_FAIL_REJECTED,   /* a 4xx or 5xx reply */
	PROBE_FAIL_LOCAL       /* we declined (no STARTTLS with --tls required, ...) */
};
const char *sc_probe_fail_name(enum probe_fail f);

struct sc_tls;

struct sc_conn {
	int fd;
	struct sc_tls *tls; /* set once TLS is up */
	struct sc_rd *rd;
	int64_t deadline;   /* overall, monotonic ms */
	int timeout_ms;     /* per step */
	uint64_t bytes_in, bytes_out;
};

int64_t sc_now_ms(void);
/* The end of a step that starts now: now + timeout, at most the deadline. */
int64_t sc_conn_step_deadline(const struct sc_conn *c);

/* Connects (non-blocking, poll until the step deadline). Returns a
 * PROBE_FAIL_* with a message in err. */
enum probe_fail sc_conn_open(struct sc_conn *c, const struct sockaddr *sa, socklen_t len, char *err, size_t errlen);
/* Writes all of buf before the step deadline. */
enum probe_fail sc_conn_write(struct sc_conn *c, const char *buf, size_t len, char *err, size_t errlen);
/* Reads one complete reply into c->rd (reply, len, code). */
enum probe_fail sc_conn_read_reply(struct sc_conn *c, char *err, size_t errlen);
void sc_conn_close(struct sc_conn *c);

/* Asks the kernel to acknowledge received data at once (TCP_QUICKACK). A
 * delayed ACK meets the server's Nagle algorithm after the TLS handshake
 * (the server's session tickets wait for their ACK, its next reply waits
 * behind them): 40 ms lost per exchange. Linux resets the mode, so it is set
 * before every read. */
void sc_net_quickack(int fd);

/* Waits for fd to become readable (events POLLIN) or writable (POLLOUT) until
 * deadline. Returns 1 when ready, 0 on timeout, -1 on error. */
int sc_wait_fd(int fd, short events, int64_t deadline);

/* ---------------------------------------------------------------- TLS */

#define PROBE_TLS_MAX_CHAIN 8
#define PROBE_TLS_MAX_SANS 32

struct sc_tls_cert {
	char subject[256];
	char issuer[256];
};

struct sc_tls_info {
	int done;              /* a handshake completed */
	char version[16];      /* "TLSv1.3" */
	char cipher[64];
	int bits;
	char peer_key[32];     /* "RSA 2048", "EC 256" */
	char subject[256];     /* of the server's certificate */
	char issuer[256];
	char not_before[32], not_after[32]; /* "2026-01-01 00:00:00 UTC" */
	long days_left;        /* negative when expired */
	char sans[PROBE_TLS_MAX_SANS][128];
	size_t nsans;
	struct sc_tls_cert chain[PROBE_TLS_MAX_CHAIN];
	size_t nchain;
	int has_cert;
	int chain_ok;          /* verified against the CAs */
	int name_ok;           /* the certificate names the host */
	long verify_code;      /* X509_V_OK = 0 */
	char verify_error[160];
	char checked_name[256];/* the name or address checked */
};

struct sc_tls_ctx;

/* Starts building the TLS client context in a thread (cafile NULL: the
 * system CAs). Returns NULL when out of memory; sc_tls_start() then builds
 * its own. Free with sc_tls_ctx_free() (waits for the thread; NULL is fine). */
struct sc_tls_ctx *sc_tls_prepare(const char *cafile);
void sc_tls_ctx_free(struct sc_tls_ctx *p);

struct sc_tls_opts {
	struct sc_tls_ctx *ctx; /* a prepared context, or NULL */
	const char *cafile;    /* NULL: the system CAs */
	int insecure;          /* do not fail on a bad certificate */
	const char *name;      /* host name or address to check; SNI when a name */
};

/* Runs a TLS handshake on c->fd before the step deadline and fills info
 * (even when verification fails). On success c->tls is set. Returns
 * PROBE_FAIL_NONE, PROBE_FAIL_TLS (handshake or, unless insecure, the
 * certificate), PROBE_FAIL_TIMEOUT or PROBE_FAIL_CONNECTION. */
enum probe_fail sc_tls_start(struct sc_conn *c, const struct sc_tls_opts *o, struct sc_tls_info *info, char *err,
                             size_t errlen);
/* Like read()/write() on the TLS layer, waiting until deadline: returns the
 * bytes moved, 0 when the peer closed, -1 on error (message in err), -2 on timeout. */
long sc_tls_read(struct sc_conn *c, char *buf, size_t n, int64_t deadline, char *err, size_t errlen);
long sc_tls_write(struct sc_conn *c, const char *buf, size_t n, int64_t deadline, char *err, size_t errlen);
void sc_tls_close(struct sc_conn *c);

/* ---------------------------------------------------------------- DNS */

enum sc_dns_type { SC_DNS_A = 1, SC_DNS_PTR = 12, SC_DNS_MX = 15, SC_DNS_TXT = 16, SC_DNS_AAAA = 28 };

enum sc_dns_status {
	SC_DNS_OK = 0,       /* answers of the type asked */
	SC_DNS_NODATA,       /* the name exists, no record of that type */
	SC_DNS_NXDOMAIN,     /* no such name */
	SC_DNS_SERVFAIL,     /* the resolver failed (also REFUSED and others) */
	SC_DNS_TIMEOUT,      /* no answer in time */
	SC_DNS_SKIPPED,      /* not asked: the resolver did not answer before */
	SC_DNS_ERROR         /* a malformed answer or a local error */
};

#define SC_DNS_MAX_RR 16

struct sc_dns_rr {
	int pref;              /* MX preference */
	char text[256];        /* the name (MX, PTR), the address as text (A, AAAA), TXT joined */
	unsigned char addr[16];/* A: 4 bytes, AAAA: 16 */
};

struct sc_dns_query {
	char name[256];
	enum sc_dns_type type;
	enum sc_dns_status status;
	int rcode;
	int ms;                /* time to the answer */
	size_t n;
	struct sc_dns_rr rr[SC_DNS_MAX_RR];
	/* private */
	uint16_t id;
	int answered, tries;
};

#define SC_DNS_MAX_SERVERS 3

struct sc_dns {
	struct sockaddr_storage server[SC_DNS_MAX_SERVERS];
	socklen_t serverlen[SC_DNS_MAX_SERVERS];
	size_t nservers;
	int timeout_ms;
	int dead;              /* a whole batch went unanswered: skip later ones */
	char dead_why[160];
	char servers_text[160];/* for messages: "127.0.0.1:53" */
	uint32_t rng;          /* xorshift state for query ids, seeded randomly */
	unsigned queries, answers;
};

/* Uses server ("IP" or "IP:PORT", "[IPv6]:PORT"), or the nameservers of
 * /etc/resolv.conf when server is NULL. Returns 0 or -1 with err. */
int sc_dns_init(struct sc_dns *d, const char *server, int timeout_ms, char *err, size_t errlen);
/* Asks all n questions at once and waits at most the DNS timeout for all. */
void sc_dns_resolve(struct sc_dns *d, struct sc_dns_query *q, size_t n);
void sc_dns_query_set(struct sc_dns_query *q, const char *name, enum sc_dns_type type);
const char *sc_dns_status_name(enum sc_dns_status s);
/* The reverse name of an address ("1.2.0.192.in-addr.arpa") or, with zone,
 * the DNSBL name ("1.2.0.192.zen.spamhaus.org"). */
/* The address of an A or AAAA answer as a socket address (port 0). */
void sc_dns_rr_sockaddr(const struct sc_dns_rr *rr, enum sc_dns_type t, struct sockaddr_storage *sa);
void sc_dns_reverse_name(const struct sockaddr *sa, const char *zone, char *dst, size_t n);
/* Looks name up in /etc/hosts; returns the number of addresses written. */
size_t sc_hosts_lookup(const char *name, struct sockaddr_storage *out, size_t max);

/* -------------------------------------------------------------- DNSBL */

enum sc_dnsbl_status {
	SC_DNSBL_CLEAN = 0,    /* not listed */
	SC_DNSBL_LISTED,
	SC_DNSBL_REFUSED,      /* the list refused to answer (127.255.255.x) */
	SC_DNSBL_ODD,          /* an answer outside 127.0.0.0/8 */
	SC_DNSBL_ERROR,        /* the look-up failed: timeout, SERVFAIL */
	SC_DNSBL_SKIPPED       /* private address, or the resolver is dead */
};

struct sc_dnsbl_result {
	char zone[128];
	char qname[256];
	enum sc_dnsbl_status status;
	char codes[128];       /* "127.0.0.2, 127.0.0.4" */
	char reason[256];      /* TXT */
	char error[64];
	int ms;
};

extern const char *const sc_dnsbl_default_zones[];

/* Checks address sa in zones[0..nzones) in parallel (A and TXT at once);
 * res must hold nzones entries. */
void sc_dnsbl_check(struct sc_dns *d, const struct sockaddr *sa, const char *const *zones, size_t nzones,
                    struct sc_dnsbl_result *res);
const char *sc_dnsbl_status_name(enum sc_dnsbl_status s);

/* ------------------------------------------------------- capabilities */

struct sc_cap {
	char keyword[32];      /* upper case: "SIZE", "AUTH", "X-FOO" */
	char params[224];
};

struct sc_caps {
	size_t n;
	struct sc_cap cap[PROBE_MAX_CAPS];
	char greeting_name[256];    /* the first word of the EHLO reply */
	int starttls, pipelining, smtputf8, chunking, eightbit, enhanced, dsn, requiretls;
	int has_size;
	unsigned long long size;
	int auth_plain, auth_login;
	char auth_mechs[224];
};

/* Parses an EHLO reply (lines joined by "\n", each with its "250-"/"250 ").
 * Returns the number of capabilities. */
size_t sc_caps_parse(struct sc_caps *c, const char *reply, size_t len);
const struct sc_cap *sc_caps_find(const struct sc_caps *c, const char *keyword);

/* ------------------------------------------------------------ session */

enum probe_state {
	PROBE_ST_CONNECT = 0,
	PROBE_ST_TLS_IMPLICIT,
	PROBE_ST_BANNER,
	PROBE_ST_EHLO,
	PROBE_ST_HELO,
	PROBE_ST_STARTTLS,
	PROBE_ST_TLS,
	PROBE_ST_EHLO_TLS,
	PROBE_ST_AUTH,
	PROBE_ST_MAIL,
	PROBE_ST_RCPT,
	PROBE_ST_DATA,
	PROBE_ST_BODY,
	PROBE_ST_RSET,
	PROBE_ST_RELAY_MAIL,
	PROBE_ST_RELAY_RCPT,
	PROBE_ST_QUIT,
	PROBE_ST_DONE,
	PROBE_ST_COUNT
};
const char *sc_probe_state_name(enum probe_state s);
enum smtpcodes_stage sc_probe_state_stage(enum probe_state s);

/* What --quit-after names, in session order. */
enum probe_stop {
	PROBE_STOP_CONNECT = 0, PROBE_STOP_BANNER, PROBE_STOP_EHLO, PROBE_STOP_TLS, PROBE_STOP_AUTH,
	PROBE_STOP_MAIL, PROBE_STOP_RCPT, PROBE_STOP_DATA, PROBE_STOP_NONE
};
int sc_probe_stop_parse(const char *s);

enum probe_tls_mode { PROBE_TLS_AUTO = 0, PROBE_TLS_REQUIRED, PROBE_TLS_NO };

struct probe_opts {
	const char *helo;              /* NULL: the host name or an address literal */
	enum probe_tls_mode tls;
	int tls_implicit;
	const char *cafile;
	struct sc_tls_ctx *tls_ctx;    /* from sc_tls_prepare(), or NULL */
	int insecure;
	const char *auth_user;
	const char *auth_password;     /* from a file or the environment, never argv */
	const char *auth_mech;         /* NULL: PLAIN when offered, else LOGIN */
	int auth_plaintext;            /* allow AUTH without TLS */
	const char *from;              /* NULL: "" (the null sender) when MAIL is needed */
	const char *const *rcpt;
	size_t nrcpt;
	int data;
	const char *data_text;         /* --data-file contents, or NULL for the test message */
	size_t data_len;
	enum probe_stop quit_after;
	int relay_test;
	int timeout_ms;
};

struct probe_step {
	enum probe_state state;
	char *cmd;             /* what we sent, secrets masked; NULL for connect/banner */
	char *reply;           /* the reply, lines joined by "\n"; NULL when none */
	size_t reply_len;
	int code;
	int ms;
	enum probe_fail fail;
	char *error;           /* why the step failed, when not just a reply */
	char *arg;             /* the recipient of an RCPT step, ... */
};

struct probe_rdns {
	int done;
	enum sc_dns_status status;
	char names[4][256];
	size_t nnames;
	int confirmed;         /* a PTR name resolves back to the address */
	char confirmed_name[256];
	int banner_match, ehlo_match;
	int skipped;           /* loopback address and no --dns-server */
};

struct probe_host {
	char name[256];        /* host name ("" for an address target) */
	char addr[64];
	int port;
	int mx_pref;           /* -1 when not from an MX record */
	struct sockaddr_storage sa;
	socklen_t salen;
	struct probe_step *steps;
	size_t nsteps, capsteps;
	struct sc_caps caps;
	struct sc_caps caps_plain; /* before STARTTLS, when it was used */
	int have_caps;
	int used_helo;
	struct sc_tls_info tls;
	int tls_active;
	int auth_ok;
	size_t rcpt_ok, rcpt_failed;
	char banner_name[256];
	struct probe_rdns rdns;
	struct sc_dnsbl_result *dnsbl;
	size_t ndnsbl;
	int dnsbl_skipped;     /* private address */
	int relay_done, relay_open;
	enum probe_state failed_state; /* PROBE_ST_DONE when nothing failed */
	enum probe_fail fail;
	int exit_code;
	int ms;
	int stopped_early;     /* --quit-after */
};

struct probe_run {
	char target[300];
	enum sc_target_kind kind;
	/* DNS facts of a domain target */
	int mx_done;
	enum sc_dns_status mx_status;
	struct sc_dns_rr mx[SC_DNS_MAX_RR];
	size_t nmx;
	int null_mx, implicit_mx;
	char dns_error[600];
	struct probe_host *hosts; /* the hosts tested, or whose connection failed */
	size_t nhosts;
	int exit_code;
	int ms;
};

void sc_probe_run_free(struct probe_run *r);

/* Called after every step, for the live transcript; may be NULL. */
typedef void (*probe_step_fn)(void *arg, const struct probe_host *h, const struct probe_step *s);

/* Runs one session against h (address and port set) and records it. Returns
 * the exit code of the host (PROBE_EXIT_*). */
int sc_probe_session(struct probe_host *h, const struct probe_opts *o, int64_t deadline, probe_step_fn fn,
                     void *arg);
/* The reverse-DNS check of h->sa against its banner and EHLO names. */
void sc_probe_rdns(struct sc_dns *d, struct probe_host *h, int have_dns_server);
/* The exit code a failure in state s gives. */
int sc_probe_exit_for(enum probe_state s);

/* ------------------------------------------------------------- report */

/* Verdicts for replies: built lazily (the pattern engine costs time to
 * build, and positive replies need none of it). */
struct probe_verdicts;
struct probe_verdicts *sc_probe_verdicts_new(char **rules, size_t nrules);
void sc_probe_verdicts_free(struct probe_verdicts *pv);
/* Parses and classifies a reply; returns the parse result. -1 when the rules
 * could not be loaded (a message was printed). */
int sc_probe_verdict(struct probe_verdicts *pv, const char *text, size_t len, enum smtpcodes_stage stage,
                     const char *host, struct smtpcodes_reply *r, struct smtpcodes_verdict *v);

struct probe_report {
	struct sc_out *o;
	const char *lang;
	struct probe_verdicts *pv;
	int json;
	size_t width;
};

/* Transcript lines of one step (text output only). */
void sc_report_step(struct probe_report *rp, const struct probe_host *h, const struct probe_step *s);
void sc_report_host_header(struct probe_report *rp, const struct probe_host *h);
void sc_report_dns(struct probe_report *rp, const struct probe_run *run);
void sc_report_host_end(struct probe_report *rp, const struct probe_host *h);
void sc_report_summary(struct probe_report *rp, const struct probe_run *run);
void sc_report_json(struct probe_report *rp, const struct probe_run *run);
/* The dnsbl command's output. */
void sc_report_dnsbl(struct probe_report *rp, const char *addr, const struct sc_dnsbl_result *res, size_t n,
                     int skipped);
void sc_report_dnsbl_json(struct probe_report *rp, const char *addr, const struct sc_dnsbl_result *res, size_t n,
                          int skipped, int first);

#endif
