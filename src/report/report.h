/*
 * report.h - the aggregation behind `smtpcodes report`: delivery events in,
 * counts by status, reply code, enhanced code, reason, provider, recipient
 * domain, sender or campaign, hour and masked reply text out, with the
 * problems that matter (blocklists, authentication, throttling) and the
 * hard-bounced recipients as suppression candidates.
 *
 * Memory grows with distinct keys, never with lines: every table holds at
 * most max_keys keys and counts the rest under "(other)"; messages and
 * recipients are counted exactly up to a limit and estimated beyond it.
 *
 * Ownership: struct sc_report owns copies of everything it keeps; the event,
 * reply and verdict handed to sc_report_event() are borrowed for the call
 * only, except the verdict's provider and blocklist strings, which belong to
 * the classifier and must outlive the report. Free with sc_report_free().
 */
#ifndef SC_REPORT_H
#define SC_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/out.h"
#include "ingest/event.h"
#include "smtpcodes/smtpcodes.h"

#define SC_REPORT_MAX_KEYS 100000u   /* distinct keys per table */
#define SC_REPORT_MAX_TEXTS 20000u   /* distinct masked texts (each keeps samples) */
#define SC_REPORT_MAX_SUPPRESS 100000u /* distinct suppression candidates */
#define SC_REPORT_NSTATUS 6          /* enum sc_status values, NONE included */
#define SC_REPORT_MASK_MAX 400       /* longest masked reply text kept, bytes */
#define SC_REPORT_SAMPLE_MAX 1000    /* longest raw reply sample kept, bytes */

struct sc_campaign;

/* Where a count came from: file index (into the report's file list) and line. */
struct sc_where {
	uint32_t file;
	unsigned long long line;
};

/* The counters every group keeps. n[] is indexed by enum sc_status. */
struct sc_group {
	unsigned long long n[SC_REPORT_NSTATUS];
	unsigned long long total; /* sum of n[] */
	unsigned long long hard;  /* bounces with a hard verdict */
	struct sc_where first, last;
	time_t first_time, last_time;
};

/* The entries one verdict-cache key always counts into (sc_report_feed()). */
struct sc_pre {
	struct sc_rentry *text, *code, *enh, *reason, *provider;
};

/* What the report knows about one masked reply text (and the problem groups). */
struct sc_text_info {
	int code;
	struct smtpcodes_enhanced enhanced;
	enum smtpcodes_class klass;
	enum smtpcodes_reason reason;
	enum smtpcodes_action action;
	int hard;
	const char *provider;  /* owned by the classifier */
	const char *blocklist; /* owned by the classifier */
	char *sample;          /* the first raw reply text, bounded; owned */
	char *masked;          /* its masked text (the by_text key); owned */
	struct sc_pre *pre;    /* verdict cache entries only; owned */
};

/* One key of a table with its counters and, for some tables, a payload. */
struct sc_rentry {
	uint64_t hash;
	struct sc_group g;
	struct sc_text_info *info; /* NULL in tables without payload */
	int other;                 /* this is the "(other)" entry */
	size_t keylen;
	char key[];                /* NUL-terminated */
};

/* A hash table of string keys with a cap on distinct keys. */
struct sc_rtable {
	struct sc_rentry **slots;
	size_t cap, count, max_keys;
	int with_info;
	unsigned long long overflowed; /* events counted under "(other)" */
	struct sc_rentry *other;
};

void sc_rtable_init(struct sc_rtable *t, size_t max_keys, int with_info);
void sc_rtable_free(struct sc_rtable *t);
/* The entry for key (created when new); the "(other)" entry when the table is
 * full. Never NULL. */
struct sc_rentry *sc_rtable_get(struct sc_rtable *t, const char *key, size_t len);
/* The entries (the "(other)" entry last, if used), sorted by total descending,
 * then by key. The caller frees the array, not the entries. */
struct sc_rentry **sc_rtable_sorted(const struct sc_rtable *t, size_t *n);
/* The same sorted by failed deliveries (deferred + bounced + expired), then
 * by SMTP-time rejects, then as above: the reply texts that need attention
 * first. */
struct sc_rentry **sc_rtable_sorted_by_problems(const struct sc_rtable *t, size_t *n);
/* The same sorted by key ascending (for hours). */
struct sc_rentry **sc_rtable_sorted_by_key(const struct sc_rtable *t, size_t *n);

/* Counts distinct 64-bit hashes: exact up to a limit, then a HyperLogLog
 * estimate. */
struct sc_distinct {
	uint64_t *set;
	size_t cap, count, limit;
	uint8_t *hll; /* non-NULL once estimating */
};
void sc_distinct_init(struct sc_distinct *d, size_t limit);
void sc_distinct_add(struct sc_distinct *d, uint64_t h);
/* Hints that h will be added soon (loads its slot into the cache). */
void sc_distinct_prefetch(const struct sc_distinct *d, uint64_t h);
unsigned long long sc_distinct_count(const struct sc_distinct *d);
int sc_distinct_exact(const struct sc_distinct *d);
void sc_distinct_free(struct sc_distinct *d);

uint64_t sc_hash(const void *p, size_t n, uint64_t seed);

/*
 * Masks the variable parts of a reply text so that replies that differ only
 * in them group together: e-mail addresses become <address>, IPv4 and IPv6
 * addresses <ip>, dates <date>, times <time>, tokens that mix letters and
 * digits (queue ids, session ids, host names with numbers) <id>, long hex
 * strings <id>, numbers of 4 digits or more <n>, numbers inside URLs #;
 * domain (may be NULL) is replaced by <domain> wherever it occurs; runs of
 * white space become one space. Writes at most dstlen-1 bytes and a NUL into
 * dst (a longer result is cut and ends in "..."). Returns the length written.
 */
/* A field of the knowledge base's "PREFIX:NAME" entry (which: 0 name,
 * 1 meaning, 2 action) in lang; NULL when there is none. */
const char *sc_report_kb_field(const char *lang, const char *prefix, const char *name, int which);

size_t sc_mask_text(const char *s, size_t n, const char *domain, size_t domlen, char *dst, size_t dstlen);

/* Groups a sender: the tag after '+' in the local part (VERP) becomes '*',
 * "" becomes "<>", upper case is folded. Returns the length written into dst. */
size_t sc_mask_sender(const char *s, size_t n, char *dst, size_t dstlen);

/* --campaign: a PCRE2 pattern (JIT-compiled when possible). */
int sc_campaign_new(struct sc_campaign **out, const char *pattern, char *err, size_t errlen);
/* Matches s[0..n); on a match sets *cap and *caplen to the first capture group
 * that took part (or the whole match when the pattern has none) and returns 1;
 * else 0. */
int sc_campaign_match(struct sc_campaign *c, const char *s, size_t n, const char **cap, size_t *caplen);
void sc_campaign_free(struct sc_campaign *c);

/* Kinds of authentication failure the report tells apart. */
enum sc_auth_kind { SC_AUTH_SPF, SC_AUTH_DKIM, SC_AUTH_SPF_DKIM, SC_AUTH_DMARC, SC_AUTH_PTR, SC_AUTH_OTHER };
const char *sc_auth_kind_name(enum sc_auth_kind k);
/* The kind a reply's text shows (reason authfailure or requireptr). */
enum sc_auth_kind sc_auth_kind_of(const char *text, size_t n, enum smtpcodes_reason reason);

struct sc_report_config {
	size_t max_keys;        /* 0: SC_REPORT_MAX_KEYS */
	size_t max_suppress;    /* 0: SC_REPORT_MAX_SUPPRESS */
	time_t since, until;    /* used when has_since / has_until */
	int has_since, has_until;
	struct sc_campaign *campaign; /* NULL: group by sender; borrowed */
	size_t max_examples;    /* examples of lines not understood kept (--verbose) */
	size_t distinct_limit;  /* 0: default exact limit for messages/recipients */
};

/* A hard-bounced recipient. */
struct sc_suppress_info {
	enum smtpcodes_reason reason;
	int code;
	struct smtpcodes_enhanced enhanced;
	time_t last_seen;
};

/* A line not understood, kept as an example. */
struct sc_report_example {
	char *where; /* "file:line" */
	char *text;  /* the line's first bytes, raw */
	int cut;     /* the line was too long */
};

struct sc_report {
	struct sc_report_config cfg;
	char **files;
	size_t nfiles;
	unsigned long long lines;          /* lines read */
	unsigned long long not_understood; /* lines no parser understood */
	unsigned long long too_long;       /* of those: cut because too long */
	unsigned long long outside_window; /* events outside --since/--until */
	unsigned long long no_time;        /* events without a time when filtering */
	struct sc_report_example *examples; /* lines not understood (--verbose) */
	size_t nexamples;
	struct sc_group totals;
	struct sc_distinct messages, recipients;
	time_t tmin, tmax;
	struct sc_rtable by_code, by_enhanced, by_reason, by_provider, by_domain, by_sender, by_hour, by_text;
	struct sc_rtable blocklists, auth, throttling, suppress;
	struct sc_rtable verdicts; /* verdict cache of sc_report_feed() */
	time_t hour_at;            /* the hour of hour_key, in hours since 1970 */
	char hour_key[32];
	size_t hour_len;
	uint64_t h_msg, h_rcpt; /* the current event's distinct hashes */
	char sender_raw[256], sender_key[256]; /* the last sender and its group */
	size_t sender_raw_len, sender_len;
	int grouped_by_campaign;
	char *mask; /* scratch for masked texts */
	char *scratch;
	size_t scratch_cap;
};

struct sc_report *sc_report_new(const struct sc_report_config *cfg);
void sc_report_free(struct sc_report *r);

/* Registers an input file; returns its index for struct sc_where. */
uint32_t sc_report_add_file(struct sc_report *r, const char *name);

/*
 * Counts one event. reply and v are the parse and verdict of ev->reply (for
 * events with a status). Events with SC_STATUS_NONE are ignored. Events
 * outside the --since/--until window are counted only as outside_window.
 */
void sc_report_event(struct sc_report *r, uint32_t file, const struct sc_event *ev,
                     const struct smtpcodes_reply *reply, const struct smtpcodes_verdict *v);

/*
 * Parses and classifies the reply of ev with cl (through a cache keyed by
 * masked reply text, status, stage and remote host, so that the classifier
 * runs once per distinct text rather than once per line), adjusts the
 * verdict to the logged status (sc_report_adjust_verdict) and counts it as
 * sc_report_event() does. scratch belongs to the calling thread.
 */
void sc_report_feed(struct sc_report *r, uint32_t file, const struct sc_event *ev,
                    const struct smtpcodes_classifier *cl, struct smtpcodes_scratch *scratch);

/*
 * A feeder calls sc_report_feed() for the events pushed into it, on a second
 * thread when threads is set and one can be started (else at once), in the
 * order pushed. sc_feeder_push() copies the event and the text its spans
 * point at (except the client, and the message-id without --campaign, which
 * the report does not read), so the caller may reuse them at once. After sc_feeder_finish()
 * (which frees the feeder) every pushed event is counted. Until then the
 * report, cl and scratch belong to the feeder.
 */
struct sc_feeder;
struct sc_feeder *sc_feeder_new(struct sc_report *rep, const struct smtpcodes_classifier *cl,
                                struct smtpcodes_scratch *scratch, int threads);
void sc_feeder_push(struct sc_feeder *f, uint32_t file, const struct sc_event *ev);
void sc_feeder_finish(struct sc_feeder *f);

/* Makes a verdict agree with what the MTA logged: a sent line is a delivery
 * even when its text has no code ("delivered to mailbox"); an expired line
 * without other evidence has reason expired. */
void sc_report_adjust_verdict(enum sc_status st, struct smtpcodes_verdict *v);

/* Keeps a line not understood as an example (the counting is the caller's:
 * not_understood, too_long). file is a name, copied. */
void sc_report_example(struct sc_report *r, const char *file, unsigned long long line, const char *text, int cut);

/* Derived figures. */
unsigned long long sc_report_final(const struct sc_report *r); /* sent + bounced + expired */
double sc_report_delivery_rate(const struct sc_report *r);      /* sent / final, 0 when none */
double sc_report_hard_bounce_rate(const struct sc_report *r);   /* hard bounces / final */

/* How the outputs are asked for. */
struct sc_report_view {
	const char *lang;
	size_t top;  /* rows per breakdown; 0 = all */
	int verbose; /* list examples of lines not understood */
};

void sc_report_write_text(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o);
void sc_report_write_json(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o);
void sc_report_write_csv(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o);
void sc_report_write_html(const struct sc_report *r, const struct sc_report_view *view, struct sc_out *o);
/* The suppression candidates as CSV: address,reason,code,last_seen. */
void sc_report_write_suppressions(const struct sc_report *r, struct sc_out *o);

/* Shared by the writers (report_common.c). */
void sc_report_where(const struct sc_report *r, const struct sc_where *w, char *dst, size_t dstlen);
void sc_report_time(time_t t, char *dst, size_t dstlen); /* ISO 8601 UTC, "" for 0 */
const char *sc_report_ui(const char *lang, const char *key); /* [ui:report_KEY] */
/* The CSV field: quoted when needed, a leading = + - @ defused with '. */
void sc_out_csv(struct sc_out *o, const char *s, size_t n);

/* The breakdown tables in output order, for the writers. */
struct sc_report_section {
	const char *id;     /* JSON/CSV name: "codes", "enhanced", ... */
	const char *ui;     /* ui key suffix of its title */
	const struct sc_rtable *t;
	int by_key;         /* sorted by key (hours) instead of count */
};
size_t sc_report_sections(const struct sc_report *r, struct sc_report_section *out, size_t max);

#endif
