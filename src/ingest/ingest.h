/*
 * ingest.h - the one interface to every mail log parser in src/ingest/.
 *
 * A log format is a backend (a struct of function pointers, chosen by name:
 * "postfix", "exim", "opensmtpd", "sendmail"); one file per format,
 * ingest_postfix.c, ingest_exim.c, ... . The caller makes one struct
 * sc_ingest for a whole run, tells it when a new file begins, and hands it
 * every line of every file, one at a time. Each line gives zero or more
 * struct sc_event (event.h). In "auto" mode the format is detected per file,
 * from its first recognisable line.
 *
 * Per-message facts that a log spreads over several lines (Postfix queue id ->
 * sender, size, nrcpt from qmgr and message-id from cleanup; Exim's "<="
 * line; Sendmail's from= line; OpenSMTPD's "smtp message" line) are kept in a
 * bounded table inside the sc_ingest, joined into the delivery events by
 * queue id, and forgotten when the MTA logs the end of the message (Postfix
 * qmgr "removed", Exim "Completed") or, at the latest, when the table is full
 * (the oldest message goes first). Memory grows with messages in flight, never
 * with lines; the table keeps rotated files of one run joined.
 *
 * Ownership:
 *  - struct sc_ingest is owned by the caller: sc_ingest_new() makes it,
 *    sc_ingest_free() frees it (NULL is fine).
 *  - events written by sc_ingest_line() borrow from the line passed in and
 *    from the sc_ingest's message table; they are valid until the next call
 *    of sc_ingest_line(), sc_ingest_cut(), sc_ingest_begin_file() or
 *    sc_ingest_free(). Consumers copy what they keep.
 *  - the strings returned by sc_ingest_format_name(), sc_ingest_detect() and
 *    sc_status_name() are static; the examples of sc_ingest_example() are
 *    owned by the sc_ingest and live as long as it.
 *
 * Span conventions in an event: a span with ptr == NULL is "unknown"; a span
 * with ptr != NULL and len == 0 is a known empty value (the null sender <>).
 * Spans are raw log text: not NUL-terminated, not case-folded (fold domains
 * yourself), possibly with bytes a terminal must not see (escape on output).
 *
 * Not thread-safe: one sc_ingest per thread.
 */
#ifndef SC_INGEST_INGEST_H
#define SC_INGEST_INGEST_H

#include <stddef.h>
#include <time.h>

#include "ingest/event.h"

/* Events one line can give at most: a Sendmail to= line lists every
 * recipient of one delivery. A max_out of SC_INGEST_MAX_EVENTS never drops. */
#define SC_INGEST_MAX_EVENTS 64

/* How many lines not understood are kept as examples (for --verbose). */
#define SC_INGEST_EXAMPLES 10

/* Default bound of the per-message table (sc_ingest_set_max_messages()).
 * A message costs about 150 bytes with its sender and message-id, so the
 * full table takes some 16 MB; it fills only where the log never says that
 * a message is done (Sendmail, OpenSMTPD) or when many messages wait. */
#define SC_INGEST_DEFAULT_MAX_MESSAGES 100000

struct sc_ingest;

/* Counters since sc_ingest_new(); a line counts in exactly one of
 * event_lines, quiet, other and not_understood (blank lines count as other). */
struct sc_ingest_stats {
	unsigned long long lines;          /* lines seen (sc_ingest_line + sc_ingest_cut) */
	unsigned long long event_lines;    /* lines that gave at least one event */
	unsigned long long quiet;          /* the MTA's own lines without a result (connect, TLS, qmgr) */
	unsigned long long other;          /* syslog lines of other programs (dovecot, opendkim, kernel) */
	unsigned long long not_understood; /* junk, binary, cut (too long), malformed MTA lines */
	unsigned long long events;         /* events written */
	unsigned long long events_dropped; /* events beyond max_out (see sc_ingest_line) */
	unsigned long long evicted;        /* messages forgotten because the table was full */
	unsigned long long tracked;        /* messages in the table now */
};

/* One line not understood, kept for --verbose. text is a NUL-terminated copy
 * of the line's first bytes (at most 200); it may hold any byte but NUL. */
struct sc_ingest_example {
	unsigned long long line; /* line number in its file */
	const char *file;        /* the name given to sc_ingest_begin_file() (at most
	                          * 255 bytes kept), or "" */
	const char *text;
	int cut;                 /* the line was longer than the reader's limit */
};

/*
 * Makes a parser for format "postfix", "exim", "opensmtpd" or "sendmail", or
 * for detection per file when format is NULL or "auto". Returns NULL when
 * the name is unknown (sc_ingest_format_list() names the known ones); dies
 * only when memory runs out (xmalloc). Free with sc_ingest_free().
 */
struct sc_ingest *sc_ingest_new(const char *format);
void sc_ingest_free(struct sc_ingest *ing);

/* "auto, postfix, exim, opensmtpd, sendmail", for help texts. Static. */
const char *sc_ingest_format_list(void);

/*
 * Options; call them before the first line. set_year fixes the year of
 * time stamps that have none (syslog "Sep 20 10:30:44"); by default it is the
 * current year, or the year before when that would put the line more than a
 * day into the future. set_utc(1) reads time stamps without a zone as UTC
 * instead of local time (TZ). Both exist for reproducible tests. The
 * message table keeps at most max messages (0 = the default; minimum 16).
 */
void sc_ingest_set_year(struct sc_ingest *ing, int year);
void sc_ingest_set_utc(struct sc_ingest *ing, int utc);
void sc_ingest_set_max_messages(struct sc_ingest *ing, size_t max);

/*
 * Starts a new input file: name (copied; NULL is "") is used for the
 * examples. In auto mode the format is detected afresh from
 * this file's lines; the message table is kept, so a log split over rotated
 * files stays joined. Calling it is optional for a single input.
 */
void sc_ingest_begin_file(struct sc_ingest *ing, const char *name);

/*
 * Parses one line (without its newline; a trailing CR is ignored) and writes
 * its events to out[0 .. *n_out). max_out may be 0 (then nothing is written,
 * the events are counted as dropped); SC_INGEST_MAX_EVENTS slots never drop.
 * lineno is copied into every event. Returns 1 when the line was understood
 * (with or without events, including other programs' syslog lines) and 0 when
 * it was counted as not understood. Never fails otherwise; any bytes are fine.
 */
int sc_ingest_line(struct sc_ingest *ing, const char *line, size_t len, unsigned long long lineno,
                   struct sc_event *out, size_t max_out, size_t *n_out);

/*
 * Counts a line that the line reader cut (longer than its limit) as not
 * understood, without parsing it, and keeps it as an example.
 */
void sc_ingest_cut(struct sc_ingest *ing, const char *line, size_t len, unsigned long long lineno);

/*
 * The format of a line when it surely is one: "postfix", "exim",
 * "opensmtpd", "sendmail", else NULL. For detecting a file's format from its
 * first lines; sc_ingest_line() in auto mode does this by itself.
 */
const char *sc_ingest_detect(const char *line, size_t len);

/* The format in use for the current file ("postfix", ...), or NULL while
 * auto mode has not yet seen a recognisable line. */
const char *sc_ingest_format_name(const struct sc_ingest *ing);

/* The counters; the pointer stays valid as long as ing. */
const struct sc_ingest_stats *sc_ingest_stats(const struct sc_ingest *ing);

/* The i-th kept example of a line not understood (in input order), or NULL
 * when i >= the number kept (at most SC_INGEST_EXAMPLES). */
const struct sc_ingest_example *sc_ingest_example(const struct sc_ingest *ing, size_t i);

#endif
