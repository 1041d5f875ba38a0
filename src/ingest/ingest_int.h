/*
 * ingest_int.h - what the log format backends of src/ingest/ share and
 * nobody else may use: the backend struct, the syslog header, time stamps,
 * the per-message table, event emission and small scanning helpers built on
 * memchr/memcmp (no regex, no allocation per line).
 */
#ifndef SC_INGEST_INT_H
#define SC_INGEST_INT_H

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"

/* What a backend made of one line. */
enum ingest_result {
	INGEST_BAD = 0, /* not understood */
	INGEST_QUIET,   /* the MTA's own line, no delivery result */
	INGEST_OTHER,   /* a syslog line of another program */
	INGEST_EVENTS   /* events were emitted (sc_ingest_emit) */
};

/* A log format: OpenSMTPD table_backend style. */
struct sc_ingest_backend {
	const char *name;
	/* 1 when the line surely is of this format. */
	int (*detect)(const char *line, size_t len);
	/* Parses one line (trailing CR already removed); emits events. */
	enum ingest_result (*line)(struct sc_ingest *ing, const char *line, size_t len);
};

extern const struct sc_ingest_backend sc_ingest_postfix;
extern const struct sc_ingest_backend sc_ingest_exim;
extern const struct sc_ingest_backend sc_ingest_opensmtpd;
extern const struct sc_ingest_backend sc_ingest_sendmail;

/* Kinds of time stamps, parsed only when an event needs the time. */
enum ingest_ts {
	TS_NONE = 0,
	TS_BSD,     /* "Sep 20 10:30:44" (local time, no year) */
	TS_RFC3339, /* "2024-09-20T10:30:44.123456+02:00" (also +0200, Z, none) */
	TS_EXIM     /* "2012-02-13 14:39:22[.123][ +0100]" */
};

struct ingest_ts_ref {
	enum ingest_ts kind;
	const char *p;
	size_t len;
};

/* A parsed syslog line "TIME HOST TAG[PID]: MSG". prog is the tag without
 * "[pid]" (NULL when the line has no tag, e.g. "last message repeated"). */
struct ingest_hdr {
	struct ingest_ts_ref ts;
	const char *prog;
	size_t proglen;
	const char *msg;
	size_t msglen;
};

/* Parses the syslog header of line. Returns 1 when the line starts with a
 * BSD or RFC 3339 time stamp and a host; h->prog may still be NULL. */
int sc_ingest_syslog(const char *line, size_t len, struct ingest_hdr *h);

/* The time of a time stamp, or 0 when it does not parse. */
time_t sc_ingest_time(struct sc_ingest *ing, const struct ingest_ts_ref *ts);

/*
 * A new event for the current line, zeroed, with line number, size -1 and
 * nrcpt -1 set. Never NULL: past max_out it is a scratch slot, counted as
 * dropped. Valid until the next sc_ingest_emit() of the same line.
 */
struct sc_event *sc_ingest_emit(struct sc_ingest *ing);

/* Takes back the event of the last sc_ingest_emit() of this line, when the
 * line turned out malformed. Returns INGEST_BAD, for "return unemit()". */
enum ingest_result sc_ingest_unemit(struct sc_ingest *ing);

/*
 * The message table. sc_msg_update() creates the entry for key when missing
 * and sets the fields given (sender/msgid NULL or with ptr NULL, size < 0,
 * nrcpt < 0 leave a field as it is). Keys longer than 64 bytes are not kept.
 * sc_msg_join() fills ev's unknown sender, message_id, size and nrcpt from the
 * entry of key (spans then borrow from the table). sc_msg_forget() drops it.
 */
void sc_msg_update(struct sc_ingest *ing, const char *key, size_t klen, const struct smtpcodes_span *sender,
                   const struct smtpcodes_span *msgid, long long size, int nrcpt);
void sc_msg_join(struct sc_ingest *ing, const char *key, size_t klen, struct sc_event *ev);
void sc_msg_forget(struct sc_ingest *ing, const char *key, size_t klen);

/* ---------------------------------------------------- scanning helpers */

static inline struct smtpcodes_span span(const char *p, size_t n)
{
	struct smtpcodes_span s;
	s.ptr = p;
	s.len = n;
	return s;
}

static inline struct smtpcodes_span span2(const char *p, const char *end)
{
	return span(p, (size_t)(end - p));
}

/* Does [p, end) start with the literal lit (length n)? */
static inline int has(const char *p, const char *end, const char *lit, size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}
#define HAS(p, end, lit) has((p), (end), (lit), sizeof(lit) - 1)

/* The first occurrence of lit in [p, end), or NULL. */
static inline const char *find(const char *p, const char *end, const char *lit, size_t n)
{
	if (p >= end)
		return NULL;
	return memmem(p, (size_t)(end - p), lit, n);
}
#define FIND(p, end, lit) find((p), (end), (lit), sizeof(lit) - 1)

/* The last occurrence of lit in [p, end), or NULL. */
const char *sc_ingest_rfind(const char *p, const char *end, const char *lit, size_t n);
#define RFIND(p, end, lit) sc_ingest_rfind((p), (end), (lit), sizeof(lit) - 1)

static inline const char *chr(const char *p, const char *end, char c)
{
	if (p >= end)
		return NULL;
	return memchr(p, c, (size_t)(end - p));
}

/* The next ", " in [p, end), or NULL; memchr is much faster than memmem. */
static inline const char *comma_sp(const char *p, const char *end)
{
	while ((p = chr(p, end, ',')) != NULL) {
		if (p + 1 < end && p[1] == ' ')
			return p;
		p++;
	}
	return NULL;
}

static inline int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Character classes by table: one load, no branches (the hot loops). */
extern const unsigned char sc_ingest_ctype[256];
#define CT_ALNUM 0x01
#define CT_HEX 0x02

static inline int is_alnum(char c)
{
	return sc_ingest_ctype[(unsigned char)c] & CT_ALNUM;
}

static inline int is_hex(char c)
{
	return sc_ingest_ctype[(unsigned char)c] & CT_HEX;
}

/* Parses the decimal digits at [*pp, end) (at most 18); -1 when none. */
long long sc_ingest_num(const char **pp, const char *end);
/* The number a field's value starts with ("size=1234"), -1 when the field
 * is absent (s.ptr NULL) or does not start with a digit. */
long long sc_ingest_span_num(struct smtpcodes_span s);

/* Sets ev->recipient_domain from ev->recipient (after its last '@'). */
void sc_ingest_domain(struct sc_event *ev);

/* "host.example[192.0.2.1]:25" -> the host name, or "[ip]" when the name is
 * empty or "unknown". */
struct smtpcodes_span sc_ingest_hostpart(const char *p, const char *end);

/* The value of "<...>" starting at p (p at '<'); *after is set past '>'.
 * Returns a span with ptr NULL when there is no closing '>'. */
struct smtpcodes_span sc_ingest_angle(const char *p, const char *end, const char **after);

/* Whether [p, end) has a byte < 0x20 other than tab (binary junk). */
int sc_ingest_binary(const char *p, const char *end);

#endif
