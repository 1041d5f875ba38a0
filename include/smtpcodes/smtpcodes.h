/*
 * smtpcodes.h - the public interface of libsmtpcodes.
 *
 * libsmtpcodes turns an SMTP reply ("550 5.1.1 <a@b>: user unknown") into
 * structured facts (reply code, enhanced status code, text lines), explains
 * every code from a built-in bilingual knowledge base, and classifies a reply
 * into a verdict: class, reason, hard/soft, the action the sender should take,
 * the provider that answered and the blocklist the text names.
 *
 * The library is pure: it does no I/O, never prints, never exits and keeps no
 * global mutable state. A classifier is immutable once built and may be shared
 * by any number of threads; each thread needs its own scratch space
 * (smtpcodes_scratch_new()). Every function that can fail returns an
 * enum smtpcodes_error; details go into an optional caller-owned err buffer.
 *
 * Ownership, in one sentence per kind of object:
 *  - struct smtpcodes_reply borrows from the input text it was parsed from; it
 *    is valid only while that text is, and owns nothing (nothing to free).
 *  - struct smtpcodes_verdict points only at strings owned by the classifier
 *    (provider, blocklist, rule names); they live as long as the classifier.
 *  - strings returned by smtpcodes_kb_*() and *_name() are static.
 *  - objects returned through a `**out` argument are owned by the caller and
 *    freed with the matching *_free() function, which accepts NULL.
 */
#ifndef SMTPCODES_SMTPCODES_H
#define SMTPCODES_SMTPCODES_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(SMTPCODES_BUILDING)
#define SMTPCODES_API __attribute__((visibility("default")))
#else
#define SMTPCODES_API
#endif

#define SMTPCODES_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

enum smtpcodes_error {
	SMTPCODES_OK = 0,
	SMTPCODES_ERR_NOMEM,     /* an allocation failed */
	SMTPCODES_ERR_ARG,       /* a NULL or out-of-range argument */
	SMTPCODES_ERR_EMPTY,     /* the reply text is empty or only white space */
	SMTPCODES_ERR_NOCODE,    /* no reply code and no enhanced status code found */
	SMTPCODES_ERR_BADCODE,   /* a reply code outside 200-599 or malformed */
	SMTPCODES_ERR_TOOLONG,   /* a line is longer than the limit */
	SMTPCODES_ERR_TOOMANY,   /* more lines than the limit */
	SMTPCODES_ERR_BINARY,    /* NUL bytes or other control characters */
	SMTPCODES_ERR_RULES,     /* a rules file has an error (see err buffer) */
	SMTPCODES_ERR_ENGINE,    /* the pattern engine failed */
	SMTPCODES_ERR_NOTFOUND   /* no such entry (knowledge base, language) */
};

/* Returns a static English sentence for an error code; never NULL. */
SMTPCODES_API const char *smtpcodes_strerror(int err);

/* Returns the library version string, e.g. "0.1.0". */
SMTPCODES_API const char *smtpcodes_version(void);

/* ---------------------------------------------------------- reply parser */

/* A piece of the input: not NUL-terminated, borrowed from the caller. */
struct smtpcodes_span {
	const char *ptr;
	size_t len;
};

/*
 * An enhanced status code of RFC 3463 as three integers. klass is 2, 4 or 5;
 * 0 means "absent". subject and detail are 0..999.
 */
struct smtpcodes_enhanced {
	int klass;
	int subject;
	int detail;
};

#define SMTPCODES_MAX_LINES 128         /* hard upper bound of the line array */
#define SMTPCODES_DEFAULT_MAX_LINES 100
#define SMTPCODES_DEFAULT_MAX_LINE 4096 /* bytes per reply line */

/* Limits applied by smtpcodes_reply_parse(); a zero field means the default. */
struct smtpcodes_limits {
	size_t max_line;  /* longest accepted line, in bytes */
	size_t max_lines; /* most lines in one reply, at most SMTPCODES_MAX_LINES */
};

/* Flags in struct smtpcodes_reply.flags. */
#define SMTPCODES_REPLY_MULTILINE     0x01u /* more than one line */
#define SMTPCODES_REPLY_MIXED_CODES   0x02u /* lines carried different reply codes */
#define SMTPCODES_REPLY_CLASS_MISMATCH 0x04u /* enhanced class != reply code class; fixed */
#define SMTPCODES_REPLY_ENHANCED_ONLY 0x08u /* an enhanced code but no reply code */
#define SMTPCODES_REPLY_LOGGED_FORM   0x10u /* lines were joined on one line by an MTA log */
#define SMTPCODES_REPLY_EMBEDDED      0x20u /* the codes stood inside the text, not at its start */

/*
 * A parsed reply. code is the three-digit reply code (0 when the text has only
 * an enhanced code); when lines disagree, the code of the last line wins and
 * SMTPCODES_REPLY_MIXED_CODES is set. enhanced is the first enhanced code
 * found; when its class disagreed with the reply code, enhanced.klass is
 * replaced by the reply code's class (Postfix's rule), the original class is
 * kept in enhanced_klass_given and SMTPCODES_REPLY_CLASS_MISMATCH is set.
 * lines[i] is the text of line i after the codes; text spans from the first
 * line's text to the end of the reply (raw, separators included); raw is the
 * whole reply as given, trimmed of surrounding white space.
 */
struct smtpcodes_reply {
	struct smtpcodes_span raw;
	int code;
	struct smtpcodes_enhanced enhanced;
	int enhanced_klass_given;
	unsigned flags;
	struct smtpcodes_span text;
	size_t nlines;
	struct smtpcodes_span lines[SMTPCODES_MAX_LINES];
};

/*
 * Parses one SMTP reply from buf[0..len). Accepted forms: single and
 * multi-line replies with CRLF or LF (RFC 5321 section 4.2), "550-text" and
 * "550 text", an optional leading "smtp;" (DSN Diagnostic-Code), the one-line
 * form MTAs log ("550-5.1.1 a 550-5.1.1 b 550 5.1.1 c"), Exim's literal "\n"
 * between lines, and a bare enhanced code ("5.1.1 text"). Text that does
 * not start with a code but holds a free-standing enhanced code ("Deferred:
 * 450 4.2.0 busy", "(#4.4.1)") yields that code (and a reply code of the
 * same class right before it) with SMTPCODES_REPLY_EMBEDDED set.
 * limits may be NULL for the defaults. Returns SMTPCODES_OK, or an error
 * (EMPTY, NOCODE, BADCODE, TOOLONG, TOOMANY, BINARY, ARG); on error *out is
 * still zeroed with text set to the whole input, so callers can classify the
 * text by its words. out borrows from buf.
 */
SMTPCODES_API int smtpcodes_reply_parse(const char *buf, size_t len,
                                        const struct smtpcodes_limits *limits,
                                        struct smtpcodes_reply *out);

/*
 * Writes the reply's lines, joined by single spaces and stripped of their
 * codes, into dst (at most dstlen bytes including the NUL). Returns the length
 * the whole text needs (not counting the NUL), like snprintf.
 */
SMTPCODES_API size_t smtpcodes_reply_text(const struct smtpcodes_reply *r,
                                          char *dst, size_t dstlen);

/*
 * Parses "5.1.1" (also "5.0.910") at s[0..len) into *out. Returns SMTPCODES_OK
 * or SMTPCODES_ERR_BADCODE. The whole span must be the code.
 */
SMTPCODES_API int smtpcodes_enhanced_parse(const char *s, size_t len,
                                           struct smtpcodes_enhanced *out);

/* Formats an enhanced code as "5.1.1" into dst (16 bytes suffice). */
SMTPCODES_API void smtpcodes_enhanced_format(const struct smtpcodes_enhanced *e,
                                             char *dst, size_t dstlen);

/*
 * Masks the variable parts of a reply text (e-mail addresses, IPv4 and IPv6
 * addresses, runs of six or more digits, words of eight or more letters and
 * digits with at least two digits) with '#' and writes the result, NUL-
 * terminated, into out (at most outlen bytes; the masked text is never
 * longer than the input). Returns the length written. The classifier matches
 * rules against this masked text; reports group replies by it.
 */
SMTPCODES_API size_t smtpcodes_mask_text(const char *in, size_t len, char *out, size_t outlen);

/* ------------------------------------------------------------ vocabulary */

enum smtpcodes_class {
	SMTPCODES_CLASS_UNKNOWN = 0,
	SMTPCODES_CLASS_SUCCESS,      /* 2xx */
	SMTPCODES_CLASS_INTERMEDIATE, /* 3xx */
	SMTPCODES_CLASS_TEMPORARY,    /* 4xx */
	SMTPCODES_CLASS_PERMANENT     /* 5xx */
};

/* The sisimai v5 reason vocabulary; keep in step with smtpcodes_reason_name(). */
enum smtpcodes_reason {
	SMTPCODES_REASON_UNDEFINED = 0,
	SMTPCODES_REASON_USERUNKNOWN,
	SMTPCODES_REASON_HOSTUNKNOWN,
	SMTPCODES_REASON_HASMOVED,
	SMTPCODES_REASON_SUSPEND,
	SMTPCODES_REASON_MAILBOXFULL,
	SMTPCODES_REASON_EXCEEDLIMIT,
	SMTPCODES_REASON_NOTACCEPT,
	SMTPCODES_REASON_BLOCKED,
	SMTPCODES_REASON_BADREPUTATION,
	SMTPCODES_REASON_REQUIREPTR,
	SMTPCODES_REASON_AUTHFAILURE,
	SMTPCODES_REASON_REJECTED,
	SMTPCODES_REASON_NORELAYING,
	SMTPCODES_REASON_SECURITYERROR,
	SMTPCODES_REASON_FAILEDSTARTTLS,
	SMTPCODES_REASON_SPEEDING,
	SMTPCODES_REASON_TOOMANYCONN,
	SMTPCODES_REASON_POLICYVIOLATION,
	SMTPCODES_REASON_SPAMDETECTED,
	SMTPCODES_REASON_VIRUSDETECTED,
	SMTPCODES_REASON_CONTENTERROR,
	SMTPCODES_REASON_NOTCOMPLIANTRFC,
	SMTPCODES_REASON_MESGTOOBIG,
	SMTPCODES_REASON_FILTERED,
	SMTPCODES_REASON_NETWORKERROR,
	SMTPCODES_REASON_EXPIRED,
	SMTPCODES_REASON_SYSTEMERROR,
	SMTPCODES_REASON_SYSTEMFULL,
	SMTPCODES_REASON_MAILERERROR,
	SMTPCODES_REASON_SYNTAXERROR,
	SMTPCODES_REASON_SUPPRESSED,
	SMTPCODES_REASON_DELIVERED,
	SMTPCODES_REASON_FEEDBACK,
	SMTPCODES_REASON_VACATION,
	SMTPCODES_REASON_ONHOLD,
	SMTPCODES_REASON_COUNT
};

enum smtpcodes_action {
	SMTPCODES_ACTION_NONE = 0,
	SMTPCODES_ACTION_RETRY,
	SMTPCODES_ACTION_SLOW_DOWN,
	SMTPCODES_ACTION_SUPPRESS,
	SMTPCODES_ACTION_FIX_AUTHENTICATION,
	SMTPCODES_ACTION_CHECK_REPUTATION,
	SMTPCODES_ACTION_FIX_CONTENT,
	SMTPCODES_ACTION_FIX_CONFIGURATION,
	SMTPCODES_ACTION_CONTACT_POSTMASTER,
	SMTPCODES_ACTION_INVESTIGATE,
	SMTPCODES_ACTION_COUNT
};

/* The SMTP command a reply answered, when the caller knows it. */
enum smtpcodes_stage {
	SMTPCODES_STAGE_UNKNOWN = 0,
	SMTPCODES_STAGE_CONNECT,  /* the banner */
	SMTPCODES_STAGE_HELO,     /* HELO or EHLO */
	SMTPCODES_STAGE_STARTTLS,
	SMTPCODES_STAGE_AUTH,
	SMTPCODES_STAGE_MAIL,
	SMTPCODES_STAGE_RCPT,
	SMTPCODES_STAGE_DATA,     /* the DATA command itself */
	SMTPCODES_STAGE_EOD,      /* after the final "." (or BDAT LAST) */
	SMTPCODES_STAGE_QUIT,
	SMTPCODES_STAGE_COUNT
};

/* Names as used in JSON and rules files ("permanent", "userunknown",
 * "check_reputation", "rcpt"); static strings, never NULL. */
SMTPCODES_API const char *smtpcodes_class_name(enum smtpcodes_class c);
SMTPCODES_API const char *smtpcodes_reason_name(enum smtpcodes_reason r);
SMTPCODES_API const char *smtpcodes_action_name(enum smtpcodes_action a);
SMTPCODES_API const char *smtpcodes_stage_name(enum smtpcodes_stage s);

/* Reverse look-ups of the names above (exact, lower case). Return -1 when the
 * name is unknown. smtpcodes_stage_from_text() also understands MTA wording
 * such as "RCPT TO", "end of data", "MAIL FROM" (case-insensitive). */
SMTPCODES_API int smtpcodes_reason_from_name(const char *name, size_t len);
SMTPCODES_API int smtpcodes_action_from_name(const char *name, size_t len);
SMTPCODES_API int smtpcodes_stage_from_text(const char *s, size_t len);

/* The class of a reply code (550 -> PERMANENT); UNKNOWN outside 200-599. */
SMTPCODES_API enum smtpcodes_class smtpcodes_class_of_code(int code);

/* ----------------------------------------------------------- classifier */

struct smtpcodes_classifier; /* opaque, immutable, shareable between threads */
struct smtpcodes_scratch;    /* opaque, one per thread */

/* A rules text handed to smtpcodes_classifier_new(): name is used in error
 * messages (a file name); text need not be NUL-terminated. */
struct smtpcodes_rules_source {
	const char *name;
	const char *text;
	size_t len;
};

/*
 * Builds a classifier from the built-in rules plus the given user rules
 * (which take precedence, in the order given). nsrc may be 0 and srcs NULL.
 * Rules syntax: see docs/RULES.md. On a syntax or pattern error returns
 * SMTPCODES_ERR_RULES and writes "NAME:LINE: what is wrong" into err.
 * The caller frees *out with smtpcodes_classifier_free().
 */
SMTPCODES_API int smtpcodes_classifier_new(struct smtpcodes_classifier **out,
                                           const struct smtpcodes_rules_source *srcs,
                                           size_t nsrc, char *err, size_t errlen);
SMTPCODES_API void smtpcodes_classifier_free(struct smtpcodes_classifier *cl);

/* Number of rules the classifier holds (built-in and user). */
SMTPCODES_API size_t smtpcodes_classifier_rule_count(const struct smtpcodes_classifier *cl);

/* Allocates scratch space for one thread using cl. Free with
 * smtpcodes_scratch_free(); it must not outlive cl. */
SMTPCODES_API int smtpcodes_scratch_new(const struct smtpcodes_classifier *cl,
                                        struct smtpcodes_scratch **out);
SMTPCODES_API void smtpcodes_scratch_free(struct smtpcodes_scratch *s);

/* What the caller knows about the reply besides its text; every field may be
 * left zero. remote_host is the host name of the server that answered. */
struct smtpcodes_context {
	enum smtpcodes_stage stage;
	const char *remote_host;
	size_t remote_host_len;
};

/* Where the verdict's reason came from (struct smtpcodes_verdict.source). */
enum smtpcodes_evidence {
	SMTPCODES_EVIDENCE_NONE = 0, /* nothing: reason undefined */
	SMTPCODES_EVIDENCE_TEXT,     /* a rule matched the reply text */
	SMTPCODES_EVIDENCE_ENHANCED, /* the enhanced status code */
	SMTPCODES_EVIDENCE_CODE      /* the basic reply code (and stage) */
};

#define SMTPCODES_VERDICT_CLASS_MISMATCH 0x01u /* reply code and enhanced code disagree */
#define SMTPCODES_VERDICT_PARSE_ERROR    0x02u /* the reply did not parse */
/*
 * Set by the reason rule that decided (`flag=` in docs/RULES.md):
 * WHOSE_DOMAIN: the reply says that a domain it names does not exist (or
 * has no mail server), and its words do not say whose domain that is. At
 * stage MAIL the classifier makes it the sender's (SENDER_DOMAIN instead),
 * at RCPT the recipient's (reason hostunknown, the flag kept); otherwise
 * the verdict blames nobody's address (reason rejected, action
 * investigate). A caller that knows the sender's and the recipient's
 * addresses decides by them (smtpcodes bounces does).
 * SENDER_DOMAIN: the sender's own domain does not exist or does not resolve;
 * the action is then fix_configuration.
 * SENDER_ADDRESS: the sender's own address does not exist (a rule said so,
 * or a reply to MAIL FROM said "user unknown", which can only mean the
 * sender: no recipient has been named yet); reason rejected, action
 * fix_configuration.
 */
#define SMTPCODES_VERDICT_WHOSE_DOMAIN   0x04u
#define SMTPCODES_VERDICT_SENDER_DOMAIN  0x08u
#define SMTPCODES_VERDICT_SENDER_ADDRESS 0x10u

struct smtpcodes_verdict {
	enum smtpcodes_class klass;
	enum smtpcodes_reason reason;
	bool hard;                /* the recipient address is bad for good */
	enum smtpcodes_action action;
	const char *provider;     /* "google", ... or NULL; owned by the classifier */
	const char *blocklist;    /* "spamhaus", ... or NULL; owned by the classifier */
	enum smtpcodes_evidence source;
	const char *rule;         /* "data/rules.txt:120" of the reason rule, or NULL */
	unsigned flags;
};

/*
 * Classifies a parsed reply. ctx may be NULL. reply may come from a failed
 * parse (its text is still used, class is then UNKNOWN). Never fails for valid
 * arguments except with SMTPCODES_ERR_ENGINE if the pattern engine reports an
 * error. out is overwritten.
 */
SMTPCODES_API int smtpcodes_classify(const struct smtpcodes_classifier *cl,
                                     struct smtpcodes_scratch *s,
                                     const struct smtpcodes_reply *reply,
                                     const struct smtpcodes_context *ctx,
                                     struct smtpcodes_verdict *out);

/*
 * Parses text[0..len) with default limits and classifies it in one call.
 * Returns the parse result (SMTPCODES_OK or a parse error); in either case
 * *verdict is filled (with SMTPCODES_VERDICT_PARSE_ERROR on a parse error) and,
 * when reply is not NULL, *reply receives the parsed reply.
 */
SMTPCODES_API int smtpcodes_classify_text(const struct smtpcodes_classifier *cl,
                                          struct smtpcodes_scratch *s,
                                          const char *text, size_t len,
                                          const struct smtpcodes_context *ctx,
                                          struct smtpcodes_reply *reply,
                                          struct smtpcodes_verdict *verdict);

/* ------------------------------------------------------- knowledge base */

/* One entry of the knowledge base in one language; all strings static. */
struct smtpcodes_kb_entry {
	const char *key;     /* "550", "X.1.1", "reason:blocked", "action:retry", "ui:..." */
	const char *name;    /* short title */
	const char *meaning; /* what it means */
	const char *causes;  /* likely causes (codes only; else NULL) */
	const char *action;  /* what the sender should do (codes, reasons; else NULL) */
};

/* Number of languages compiled in, and their tags ("de", "en"), sorted. */
SMTPCODES_API size_t smtpcodes_kb_language_count(void);
SMTPCODES_API const char *smtpcodes_kb_language(size_t i);

/*
 * Chooses a compiled-in language from a locale-like tag ("de_DE.UTF-8",
 * "de", "en_US", "C"): the first two letters decide. Returns the language tag
 * or "en" when nothing fits. Never NULL.
 */
SMTPCODES_API const char *smtpcodes_kb_pick_language(const char *tag);

/*
 * Looks up key in language lang (a tag from above; NULL means "en"); falls back
 * to English when the language lacks the key. Returns NULL when the key is
 * unknown in every language.
 */
SMTPCODES_API const struct smtpcodes_kb_entry *smtpcodes_kb_get(const char *lang,
                                                                const char *key);

/* Looks up a basic reply code (550) or an enhanced code (class ignored:
 * 5.1.1 and 4.1.1 share "X.1.1"). NULL when unknown. */
SMTPCODES_API const struct smtpcodes_kb_entry *smtpcodes_kb_code(const char *lang, int code);
SMTPCODES_API const struct smtpcodes_kb_entry *smtpcodes_kb_enhanced(const char *lang,
                                                                     const struct smtpcodes_enhanced *e);

/* The i-th entry of a language, in key order, for listing; NULL past the end. */
SMTPCODES_API const struct smtpcodes_kb_entry *smtpcodes_kb_entry_at(const char *lang, size_t i);

#ifdef __cplusplus
}
#endif
#endif
