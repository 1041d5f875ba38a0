/*
 * bounce.h - bounce e-mails to one record per failed recipient.
 *
 * The pipeline, in the order the data flows:
 *   bounce_mimewalk.c one message into a struct bounce_msg: the top headers,
 *                    the human-readable text (decoded, capped), the
 *                    message/delivery-status and feedback-report fields and
 *                    the headers of the original message, in one pass over
 *                    the bytes, for the shapes bounces come in;
 *   bounce_mime.c    the same through GMime, the reference, for every message
 *                    the fast walk does not read in full (both give their
 *                    parts to the same code, bounce_mime.h, and the tests
 *                    hold the two to the same result);
 *   bounce_dsn.c     RFC 3464 per-recipient fields into records;
 *   bounce_arf.c     RFC 5965 complaints, bounce_autoreply.c RFC 3834;
 *   bounce_<mta>.c   one module per non-standard format (Postfix, Exim,
 *                    qmail, Gmail, ...): detect the format and read the
 *                    recipients and the diagnostic text from the prose;
 *   bounce_text.c    the helpers those modules share (line scanning,
 *                    addresses, stage and host words);
 *   bounce_needles.c the modules' marker phrases in the text and in the
 *                    top header fields, found in one Hyperscan pass each
 *                    per message (the tables are compiled at build time,
 *                    tools/needlesdb.c);
 *   bounce_verdict.c the library's classifier on the diagnostic text, with
 *                    the DSN's Status and Action as extra evidence.
 *
 * Ownership: a struct bounce_msg owns every string it points to and is freed
 * with bounce_msg_free(); records are copied into fixed-size fields (long
 * diagnostic texts are cut at BOUNCE_DIAG_MAX), so a record outlives nothing.
 * Text that came from a remote server is untrusted: bounded here, escaped by
 * the writers in cmd_bounces.c.
 *
 * Threads: bounce_mime_init() once per process; then any number of threads
 * may call bounce_read(), each with its own struct sc_engine scratch, and
 * call bounce_needles_thread_done() before they end. GMime and the phrase
 * table are set up on first use, from whichever thread comes first.
 */
#ifndef SC_BOUNCE_H
#define SC_BOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/engine.h"
#include "smtpcodes/smtpcodes.h"

#define BOUNCE_TEXT_MAX   (256u * 1024) /* prose we scan, per message */
#define BOUNCE_DSN_MAX    (1024u * 1024) /* delivery-status fields, per message */
#define BOUNCE_PART_MAX   (2u * 1024 * 1024) /* larger text parts are attachments */
#define BOUNCE_HEADER_FILE_MAX (64u * 1024) /* an attached text file read as the original's headers */
#define BOUNCE_DIAG_MAX   1024          /* diagnostic text kept per record */
#define BOUNCE_ADDR_MAX   256
#define BOUNCE_FIELD_MAX  256
#define BOUNCE_MAX_RCPTS  4096          /* records per message */
#define BOUNCE_WALK_DEPTH 20            /* multiparts in multiparts whose parts we read */
#define BOUNCE_NEEDLES_MAX 160          /* phrases found in one pass (bounce_needles.c) */
#define BOUNCE_HNEEDLES_MAX 128        /* (header field, phrase) pairs of one pass, a multiple of 64 */

/* One header of the original message (or the bounce), decoded. */
struct bounce_hdr {
	char *name;
	char *value;
	size_t nlen;                 /* strlen(name): lookups compare it first */
};

struct bounce_mem; /* bounce_text.c */

/* A header list owns its names and values in a few large blocks (mem),
 * freed together with the list: no allocation per name or value. */
struct bounce_hdrs {
	struct bounce_hdr *v;
	size_t n, cap;
	struct bounce_mem *mem;
};

/* What one message gave us after the MIME walk. */
struct bounce_msg {
	const char *origin;          /* the input path, borrowed */
	struct bounce_hdrs top;      /* headers of the bounce itself */
	char *text;                  /* human-readable text, LF line ends, NUL-terminated */
	size_t textlen;
	char *dsn;                   /* raw message/delivery-status part, or NULL */
	size_t dsnlen;
	char *feedback;              /* raw message/feedback-report part, or NULL */
	size_t feedbacklen;
	struct bounce_hdrs orig;     /* headers of the original message */
	int has_orig;
	int dsn_cut;                 /* the report was larger than BOUNCE_DSN_MAX: its first part read */
	int too_deep;                /* parts below BOUNCE_WALK_DEPTH multiparts were not read */
	char *report_type;           /* multipart/report's report-type, or NULL */
	char *json;                  /* a JSON body (Amazon SES notification), or NULL */
	int is_multipart;
	/* where each known phrase first occurs in text, +1 (0 = absent) */
	uint32_t hits[BOUNCE_NEEDLES_MAX];
	int scanned;
	/* which (field, phrase) pairs of bounce_needles.c the top header
	 * fields hold, a bit each (pair i: bit i % 64 of hhits[i / 64]);
	 * valid when hscanned */
	uint64_t hhits[BOUNCE_HNEEDLES_MAX / 64];
	int hscanned;
};

/* One record: one recipient of one message. */
struct bounce_rec {
	char recipient[BOUNCE_ADDR_MAX];
	char status[16];             /* "5.1.1" as given by the DSN or the text */
	char action[16];             /* failed delayed delivered relayed expanded */
	char rhost[BOUNCE_FIELD_MAX];
	char lhost[BOUNCE_FIELD_MAX];
	char diagtype[16];           /* "SMTP", "X-Unix", ... */
	char command[8];             /* "RCPT", "DATA", ... or "" */
	char feedbacktype[32];
	char diag[BOUNCE_DIAG_MAX];
	char status_note[96];        /* the DSN Status field's comment: "(host name lookup failure)" */
	time_t time;
	int replycode;               /* from the module, 0 = take it from diag */
	int reason_hint;             /* an enum smtpcodes_reason a module knows for sure, or -1 */
	int appliance;               /* the bounce came from a filtering gateway */
	/* filled by bounce_verdict() */
	struct smtpcodes_verdict v;
	char finalstatus[16];
	int finalcode;
};

struct bounce_list {
	struct bounce_rec *v;
	size_t n, cap;
	const char *module;          /* the module that read the prose, or "rfc3464" */
	int truncated;               /* more than BOUNCE_MAX_RCPTS recipients */
	/* what a module knows better than the original's headers (SES JSON) */
	char addresser[BOUNCE_ADDR_MAX];
	char messageid[BOUNCE_FIELD_MAX];
	char subject[BOUNCE_FIELD_MAX];
};

/* ---- headers */
void bounce_hdrs_add(struct bounce_hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen);
void bounce_hdrs_free(struct bounce_hdrs *h);
/* n bytes that live as long as h (until bounce_hdrs_free). */
char *bounce_hdrs_mem(struct bounce_hdrs *h, size_t n);
/* A copy of s[0..n) (up to a NUL in it) that lives as long as h. */
char *bounce_hdrs_strndup(struct bounce_hdrs *h, const char *s, size_t n);
/* p (old bytes, taken from h) made n bytes long, in place when p was the
 * last taken and there is room, else copied; returns where it now is. */
char *bounce_hdrs_regrow(struct bounce_hdrs *h, char *p, size_t old, size_t n);
/* The first value of header name (case-insensitive), or NULL. */
const char *bounce_hdr(const struct bounce_hdrs *h, const char *name);
/* Parses an RFC 822 style header block text[0..len) (unfolding continuation
 * lines) into h; stops at the first empty line. Returns bytes consumed. */
size_t bounce_hdrs_parse(struct bounce_hdrs *h, const char *text, size_t len);

/* ---- messages (bounce_mime.c) */
/* Process-wide set-up and tear-down: once each per process (GMime, set up
 * on first use, cannot be set up again after its shutdown). The set-up
 * reads SMTPCODES_MIME: "gmime" sends every message to the GMime walk (to
 * compare the two walks on a corpus). */
void bounce_mime_init(void);
void bounce_mime_shutdown(void);
/* Parses one message from buf[0..len) (LF line ends; CR bytes make it
 * GMime's). Returns 0, or -1 when not even the headers could be read. */
int bounce_msg_parse(struct bounce_msg *m, const char *buf, size_t len);
void bounce_msg_free(struct bounce_msg *m);
/* Decodes RFC 2047 encoded words in every value of h, in place. */
void bounce_hdrs_decode(struct bounce_hdrs *h);
/* Seconds since the epoch of an RFC 5322 date, or 0 when it does not parse. */
time_t bounce_parse_date(const char *s);

/* ---- records */
/* A new zeroed record at the end, or NULL (and l->truncated set) when the
 * list already holds BOUNCE_MAX_RCPTS. */
struct bounce_rec *bounce_list_add(struct bounce_list *l);
void bounce_list_free(struct bounce_list *l);
/* The record for recipient addr, or NULL. */
struct bounce_rec *bounce_list_find(struct bounce_list *l, const char *addr);
/* The record for the recipient s[0..n): the one the list has, else a new
 * one at the end with that recipient (*added, when not NULL, says which);
 * NULL when it is new and the list is full. */
struct bounce_rec *bounce_list_get(struct bounce_list *l, const char *s, size_t n, int *added);
void bounce_rec_set(char *dst, size_t cap, const char *s, size_t n);
/* Appends text (white space squeezed) to the record's diagnostic text. */
void bounce_rec_diag_append(struct bounce_rec *r, const char *s, size_t n);

/* ---- RFC 3464, ARF, RFC 3834 */
int bounce_dsn_parse(const struct bounce_msg *m, struct bounce_list *l);
int bounce_arf_parse(const struct bounce_msg *m, struct bounce_list *l);
int bounce_autoreply_detect(const struct bounce_msg *m);
int bounce_autoreply_parse(const struct bounce_msg *m, struct bounce_list *l);

/* ---- non-standard formats: one module per format */
struct bounce_module {
	const char *name;
	/* 1 when the message is in this module's format */
	int (*detect)(const struct bounce_msg *m);
	/* adds records for the recipients the prose names; returns their count */
	int (*parse)(const struct bounce_msg *m, struct bounce_list *l);
	/* a filtering gateway: its "user unknown" is a filter's verdict, not
	 * the mailbox's (reason filtered) */
	int appliance;
};

extern const struct bounce_module bounce_mod_postfix, bounce_mod_exim, bounce_mod_sendmail,
	bounce_mod_qmail, bounce_mod_courier, bounce_mod_exchange, bounce_mod_gmail, bounce_mod_yahoo,
	bounce_mod_outlook, bounce_mod_domino, bounce_mod_groupwise, bounce_mod_mimecast,
	bounce_mod_amazonses, bounce_mod_dragonfly, bounce_mod_opensmtpd, bounce_mod_googlegroups,
	bounce_mod_mcafee, bounce_mod_mfilter, bounce_mod_mailfoundry, bounce_mod_activehunter,
	bounce_mod_surfcontrol, bounce_mod_mxlogic, bounce_mod_trendmicro, bounce_mod_messagingserver,
	bounce_mod_einsundeins, bounce_mod_zoho, bounce_mod_imailserver, bounce_mod_au, bounce_mod_biglobe,
	bounce_mod_fml, bounce_mod_x3, bounce_mod_generic;
/* the anonymous formats of the corpus, one module each */
extern const struct bounce_module bounce_mod_x1;
extern const struct bounce_module bounce_mod_x2;
extern const struct bounce_module bounce_mod_x5;
extern const struct bounce_module bounce_mod_x6;
extern const struct bounce_module bounce_mod_powermta;    /* PowerMTA */
extern const struct bounce_module bounce_mod_sendgrid;    /* SendGrid */
extern const struct bounce_module bounce_mod_amavis;      /* amavisd-new */
extern const struct bounce_module bounce_mod_barracuda;   /* Barracuda Spam Firewall */
extern const struct bounce_module bounce_mod_mailmarshal; /* MailMarshal SMTP */
extern const struct bounce_module bounce_mod_bigfoot;     /* Bigfoot (LiteMail) */
extern const struct bounce_module bounce_mod_apachejames; /* Apache James's notice */
extern const struct bounce_module bounce_mod_verizon;     /* vtext.com, vzwpix.com */
extern const struct bounce_module bounce_mod_gmx;         /* GMX, mail.com (Exim's text) */
extern const struct bounce_module bounce_mod_mailru;      /* Mail.Ru (Exim) */
extern const struct bounce_module bounce_mod_yandex;      /* Yandex (Postfix) */
extern const struct bounce_module bounce_mod_mtanotice; /* "NOTICE: Delivery Failure." (a sisimai X2 variant) */
extern const struct bounce_module bounce_mod_aol;         /* AOL Mail (Postfix, and its HTML page) */
extern const struct bounce_module bounce_mod_facebook;    /* Facebook (@facebook.com addresses) */
extern const struct bounce_module bounce_mod_messagelabs; /* Symantec MessageLabs */

/* ---- the phrases of the modules, found in one pass (bounce_needles.c) */
/* Loads the phrase table now, from any thread (else the first scan does):
 * 0, or -1 when the pattern engine failed. */
int bounce_needles_init(void);
void bounce_needles_free(void);
void bounce_needles_thread_done(void); /* frees the calling thread's scratch */
/* Records where each phrase first occurs in m->text (m->hits) and which
 * (field, phrase) pairs the top header fields hold (m->hhits); the tables
 * are loaded on the first call (built at build time, tools/needlesdb.c). */
void bounce_needles_scan(struct bounce_msg *m);
/* The table serialized for tools/needlesdb: 0, or -1 when it does not
 * compile; the caller frees *blob. */
int bounce_needles_build(char **blob, size_t *len);
/* The phrases of the table, for the tests. */
size_t bounce_needles_count(void);
const char *bounce_needle_text(size_t i);
/* Offset of needle's first occurrence in m->text, -1 when absent, -2 when
 * the needle is not in the table (the caller searches itself). */
long bounce_needle_at(const struct bounce_msg *m, const char *needle);
/* For a caller that asks after the same phrases for every message: the
 * phrase's index in the table (-1 when it is not there; any thread, no
 * set-up needed), found once, then bounce_needle_at_index() per message,
 * which answers as bounce_needle_at() without the look-up. */
int bounce_needle_index(const char *s);
long bounce_needle_at_index(const struct bounce_msg *m, int id);
int bounce_needle_id(const char *s);
/* Does a top header field called name (any case) contain needle (any
 * case)? 1 or 0 from the pass of bounce_needles_scan(), or -1 when the
 * pair is not in its table or m was not scanned (the caller searches). */
int bounce_hdr_needle_has(const struct bounce_msg *m, const char *name, const char *needle);
/* The (field, phrase) pairs of that table, for the tests: the phrase of
 * pair i, *name set to its field; NULL past the end. */
size_t bounce_hdr_needles_count(void);
const char *bounce_hdr_needle_text(size_t i, const char **name);

/* ---- shared text helpers (bounce_text.c) */
/* Case-insensitive substring search in s[0..n); NULL when absent. */
const char *bounce_memcasemem(const char *s, size_t n, const char *needle);
/* 1 when s[0..n) contains any of words (NULL-terminated), any case. */
int bounce_memcasemem_any(const char *s, size_t n, const char *const *words);
/* The original message's headers into m->orig (has_orig set) from the
 * first header block that names a message (its Message-ID, or its From
 * with its Subject, Date or To; not a mailer daemon's) starting at a line
 * among the max lines from p up to stop; indented blocks and folds that
 * lost their blank are read. 1 when one was found. */
int bounce_orig_block(struct bounce_msg *m, const char *p, const char *stop, const char *end, int max);
/* 1 when s (a NUL-terminated header value or NULL) contains needle, any case. */
int bounce_contains(const char *s, const char *needle);
/* A set of up to BOUNCE_PHRASES_MAX phrases (3 bytes or longer) that one
 * pass over a text finds, any case: bounce_phrases_first() gives the index
 * of the first phrase in the set's order (among the bits of want) that
 * occurs anywhere, as a word of its own when words is set (not part of an
 * identifier: no letter, digit or '_' either side); -1 when none does. The
 * set borrows the phrases; make it once (it is read-only after) and share
 * it between threads. */
#define BOUNCE_PHRASES_MAX 64
#define BOUNCE_PHRASES_ALL (~(uint64_t)0)
struct bounce_phrases {
	uint64_t at[3][256];
	const char *w[BOUNCE_PHRASES_MAX];
	size_t len[BOUNCE_PHRASES_MAX];
	size_t n, min;
};
void bounce_phrases_init(struct bounce_phrases *ps, const char *const *w, size_t n);
int bounce_phrases_first(const struct bounce_phrases *ps, const char *s, size_t n, uint64_t want, int words);
/* Finds the first e-mail address in s[0..n): sets start and len; returns 1, or 0. */
int bounce_find_addr(const char *s, size_t n, size_t *start, size_t *len);
/* The stage an MTA's wording names ("after RCPT TO", "in reply to end of
 * DATA command", ">>> DATA"), or SMTPCODES_STAGE_UNKNOWN. */
enum smtpcodes_stage bounce_stage_in(const char *s, size_t n);
void bounce_set_command(struct bounce_rec *r, enum smtpcodes_stage st);
/* The human part of the text: where it starts (after start_marker if found)
 * and where the original message begins (a known marker, or the end). */
void bounce_text_span(const struct bounce_msg *m, const char *start_marker, const char **b, const char **e);

/* The next line of [*p, e): returns its start, sets *end to its end (its LF,
 * or e) and moves *p past the LF. For `for (p = b; p < e;)` loops. */
const char *bounce_next_line(const char **p, const char *e, const char **end);
/* The same, with the line's leading white space skipped. */
const char *bounce_next_line_trimmed(const char **p, const char *e, const char **end);
/* When the line [q, le) starts with label (any case): the text after it,
 * leading blanks skipped; else NULL. */
const char *bounce_line_label(const char *q, const char *le, const char *label);

/*
 * The generic prose reader most modules share: scans lines in [b, e) for
 * recipient lines (an address alone on its line, "<addr>:", "addr: text",
 * "addr (reason)") and gathers the lines after each as its diagnostic text,
 * up to the next recipient line or a blank line. Returns records added.
 */
int bounce_scan_blocks(const char *b, const char *e, struct bounce_list *l);
/* A record per address in X-Failed-Recipients (else the original To) with the
 * whole span [b, e) as diagnostic text when the prose named no recipient. */
int bounce_fallback(const struct bounce_msg *m, const char *b, const char *e, struct bounce_list *l);

/* bounce_text_span + bounce_scan_blocks + bounce_fallback in one call. */
int bounce_prose(const struct bounce_msg *m, struct bounce_list *l, const char *start);
/* 1 when the first 8 KB of the text contain needle (any case). */
int bounce_has(const struct bounce_msg *m, const char *needle);
/* 1 when a top header name contains needle (any case). */
int bounce_hdr_has(const struct bounce_msg *m, const char *name, const char *needle);
/* Sets the diagnostic text of records first.. to the text between from and
 * to (or the end of the prose). */
void bounce_diag_between(const struct bounce_msg *m, const char *from, const char *to, struct bounce_list *l,
                         size_t first);

/* ---- verdicts (bounce_verdict.c) */
/* Classifies r (its diagnostic text, status, action and stage) into r->v,
 * r->finalstatus and r->finalcode. addresser is the sender a module knew
 * better than the original's headers ("" or NULL when none). */
void bounce_verdict(struct sc_engine *e, const struct bounce_msg *m, const char *addresser, struct bounce_rec *r);

/* ---- one message from start to end (bounce.c) */
struct bounce_opts {
	int delivered;   /* keep delivered records */
	int vacation;    /* keep auto-replies */
};
/* Reads buf[0..len) as one message into l (records already classified).
 * Returns 0, or -1 when the data is not a message at all. */
int bounce_read(struct sc_engine *e, const struct bounce_opts *o, const char *origin, const char *buf, size_t len,
                struct bounce_msg *m, struct bounce_list *l);

#endif
