/*
 * ingest.c - the common part of the log parsers (see ingest.h): backend
 * choice by name and per-file detection, the syslog header, time stamps,
 * the bounded per-message table, event slots, counters and the examples of
 * lines not understood. The formats themselves live in ingest_FORMAT.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "ingest/ingest_int.h"

#define EXAMPLE_TEXT 200
#define EXAMPLE_FILE 255
#define KEY_MAX 64
#define SENDER_MAX 512
#define MSGID_MAX 998
#define MIN_SLOTS 1024

/* One message in flight; data holds key, sender and message-id. */
struct sc_msg {
	struct sc_msg *older, *newer;
	long long size;
	int nrcpt;
	uint32_t hash;
	unsigned short klen, slen, mlen, cap; /* cap: bytes of data */
	unsigned char has_sender, has_msgid;
	char data[];
};

/* A slot of the hash table: the hash beside the pointer, so that probing
 * past other keys touches no entry (the entries are cold in the cache). */
struct slot {
	uint32_t hash;
	struct sc_msg *m;
};

struct sc_ingest {
	const struct sc_ingest_backend *forced; /* NULL: auto */
	const struct sc_ingest_backend *cur;    /* in use for the current file */
	char *file;                             /* a copy of the current file's name */

	/* the current call */
	struct sc_event *out;
	size_t max_out, n_out;
	struct sc_event scratch;
	unsigned long long lineno;
	int last_dropped; /* the last emit went to scratch */

	/* time */
	time_t now;
	int year_now, year_forced, utc;
	int c_year, c_mon, c_day, c_hour; /* cache of the local hour */
	time_t c_base;

	/* message table: open addressing, linear probing; age list */
	struct slot *slots;
	size_t nslots, count, max_msgs;
	struct sc_msg *oldest, *newest;

	struct sc_ingest_stats st;
	struct sc_ingest_example ex[SC_INGEST_EXAMPLES];
	char ex_text[SC_INGEST_EXAMPLES][EXAMPLE_TEXT + 1];
	char ex_file[SC_INGEST_EXAMPLES][EXAMPLE_FILE + 1];
	size_t nex;
};

static const struct sc_ingest_backend *const backends[] = {
	&sc_ingest_postfix,
	&sc_ingest_exim,
	&sc_ingest_opensmtpd,
	&sc_ingest_sendmail,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

/* ------------------------------------------------------------- set-up */

const char *sc_ingest_format_list(void)
{
	return "auto, postfix, exim, opensmtpd, sendmail";
}

struct sc_ingest *sc_ingest_new(const char *format)
{
	struct sc_ingest *ing;
	const struct sc_ingest_backend *b = NULL;
	struct tm tm;
	size_t i;

	if (format && strcmp(format, "auto") != 0) {
		for (i = 0; i < NBACKENDS; i++)
			if (strcmp(backends[i]->name, format) == 0)
				b = backends[i];
		if (!b)
			return NULL;
	}
	ing = xcalloc(1, sizeof *ing);
	ing->forced = ing->cur = b;
	ing->file = xstrdup("");
	ing->now = time(NULL);
	localtime_r(&ing->now, &tm);
	ing->year_now = tm.tm_year + 1900;
	ing->c_year = -1;
	ing->max_msgs = SC_INGEST_DEFAULT_MAX_MESSAGES;
	return ing;
}

void sc_ingest_free(struct sc_ingest *ing)
{
	struct sc_msg *m, *next;
	if (!ing)
		return;
	for (m = ing->oldest; m; m = next) {
		next = m->newer;
		free(m);
	}
	free(ing->slots);
	free(ing->file);
	free(ing);
}

void sc_ingest_set_year(struct sc_ingest *ing, int year)
{
	ing->year_forced = year;
	ing->c_year = -1;
}

void sc_ingest_set_utc(struct sc_ingest *ing, int utc)
{
	ing->utc = utc;
	ing->c_year = -1;
}

void sc_ingest_set_max_messages(struct sc_ingest *ing, size_t max)
{
	ing->max_msgs = max == 0 ? SC_INGEST_DEFAULT_MAX_MESSAGES : max < 16 ? 16 : max;
}

void sc_ingest_begin_file(struct sc_ingest *ing, const char *name)
{
	free(ing->file);
	ing->file = xstrdup(name ? name : "");
	ing->cur = ing->forced;
}

const char *sc_ingest_format_name(const struct sc_ingest *ing)
{
	return ing->cur ? ing->cur->name : NULL;
}

const struct sc_ingest_stats *sc_ingest_stats(const struct sc_ingest *ing)
{
	return &ing->st;
}

const struct sc_ingest_example *sc_ingest_example(const struct sc_ingest *ing, size_t i)
{
	return i < ing->nex ? &ing->ex[i] : NULL;
}

const char *sc_ingest_detect(const char *line, size_t len)
{
	size_t i;
	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < NBACKENDS; i++)
		if (backends[i]->detect(line, len))
			return backends[i]->name;
	return NULL;
}

/* --------------------------------------------------------- the lines */

static void keep_example(struct sc_ingest *ing, const char *line, size_t len, int cut)
{
	struct sc_ingest_example *e;
	size_t i, n = len < EXAMPLE_TEXT ? len : EXAMPLE_TEXT;
	if (ing->nex >= SC_INGEST_EXAMPLES)
		return;
	for (i = 0; i < n; i++) /* NUL would end the copy early: show it as '?' */
		ing->ex_text[ing->nex][i] = line[i] ? line[i] : '?';
	ing->ex_text[ing->nex][n] = '\0';
	e = &ing->ex[ing->nex];
	e->line = ing->lineno;
	snprintf(ing->ex_file[ing->nex], sizeof ing->ex_file[ing->nex], "%s", ing->file);
	e->file = ing->ex_file[ing->nex];
	e->text = ing->ex_text[ing->nex];
	e->cut = cut;
	ing->nex++;
}

void sc_ingest_cut(struct sc_ingest *ing, const char *line, size_t len, unsigned long long lineno)
{
	ing->lineno = lineno;
	ing->st.lines++;
	ing->st.not_understood++;
	keep_example(ing, line, len, 1);
}

int sc_ingest_line(struct sc_ingest *ing, const char *line, size_t len, unsigned long long lineno,
                   struct sc_event *out, size_t max_out, size_t *n_out)
{
	enum ingest_result r = INGEST_BAD;
	size_t i;

	ing->out = out;
	ing->max_out = out ? max_out : 0;
	ing->n_out = 0;
	ing->lineno = lineno;
	ing->st.lines++;
	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len) { /* a blank line: nobody's, harmless */
		*n_out = 0;
		ing->st.other++;
		return 1;
	}
	if (!ing->cur) {
		for (i = 0; i < NBACKENDS; i++)
			if (backends[i]->detect(line, len)) {
				ing->cur = backends[i];
				break;
			}
	}
	if (ing->cur) {
		r = ing->cur->line(ing, line, len);
	} else {
		struct ingest_hdr h;
		if (len && !sc_ingest_binary(line, line + len) && sc_ingest_syslog(line, len, &h))
			r = INGEST_OTHER;
	}
	*n_out = ing->n_out;
	switch (r) {
	case INGEST_EVENTS:
		ing->st.event_lines++;
		break;
	case INGEST_QUIET: ing->st.quiet++; break;
	case INGEST_OTHER: ing->st.other++; break;
	case INGEST_BAD:
	default:
		ing->st.not_understood++;
		keep_example(ing, line, len, 0);
		return 0;
	}
	return 1;
}

struct sc_event *sc_ingest_emit(struct sc_ingest *ing)
{
	struct sc_event *ev;
	if (ing->n_out < ing->max_out) {
		ev = &ing->out[ing->n_out++];
		ing->st.events++;
		ing->last_dropped = 0;
	} else {
		ev = &ing->scratch;
		ing->st.events_dropped++;
		ing->last_dropped = 1;
	}
	memset(ev, 0, sizeof *ev);
	ev->line = ing->lineno;
	ev->size = -1;
	ev->nrcpt = -1;
	return ev;
}

enum ingest_result sc_ingest_unemit(struct sc_ingest *ing)
{
	if (ing->last_dropped) {
		ing->st.events_dropped--;
	} else if (ing->n_out) {
		ing->n_out--;
		ing->st.events--;
	}
	ing->last_dropped = 0;
	return INGEST_BAD;
}

/* ------------------------------------------------------------ helpers */

#define A CT_ALNUM
#define H (CT_ALNUM | CT_HEX)
const unsigned char sc_ingest_ctype[256] = {
	['0'] = H, ['1'] = H, ['2'] = H, ['3'] = H, ['4'] = H, ['5'] = H, ['6'] = H, ['7'] = H, ['8'] = H, ['9'] = H,
	['a'] = H, ['b'] = H, ['c'] = H, ['d'] = H, ['e'] = H, ['f'] = H, ['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A,
	['k'] = A, ['l'] = A, ['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A, ['s'] = A, ['t'] = A,
	['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A, ['y'] = A, ['z'] = A,
	['A'] = H, ['B'] = H, ['C'] = H, ['D'] = H, ['E'] = H, ['F'] = H, ['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A,
	['K'] = A, ['L'] = A, ['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A, ['S'] = A, ['T'] = A,
	['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A, ['Y'] = A, ['Z'] = A,
};
#undef A
#undef H

const char *sc_ingest_rfind(const char *p, const char *end, const char *lit, size_t n)
{
	const char *q;
	if ((size_t)(end - p) < n)
		return NULL;
	for (q = end - n; q >= p; q--)
		if (*q == *lit && memcmp(q, lit, n) == 0)
			return q;
	return NULL;
}

long long sc_ingest_num(const char **pp, const char *end)
{
	const char *p = *pp;
	long long v = 0;
	int n = 0;
	while (p < end && is_digit(*p) && n < 18) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (!n)
		return -1;
	*pp = p;
	return v;
}

long long sc_ingest_span_num(struct smtpcodes_span s)
{
	const char *x = s.ptr;
	return x ? sc_ingest_num(&x, s.ptr + s.len) : -1;
}

void sc_ingest_domain(struct sc_event *ev)
{
	const char *p = ev->recipient.ptr, *at;
	size_t n = ev->recipient.len;
	if (!p)
		return;
	at = NULL;
	while (n) { /* the last '@' */
		if (p[n - 1] == '@') {
			at = p + n - 1;
			break;
		}
		n--;
	}
	if (at && at + 1 < ev->recipient.ptr + ev->recipient.len)
		ev->recipient_domain = span2(at + 1, ev->recipient.ptr + ev->recipient.len);
}

struct smtpcodes_span sc_ingest_hostpart(const char *p, const char *end)
{
	const char *b = chr(p, end, '[');
	const char *e;
	if (!b)
		return span2(p, end);
	if (b > p && !(b - p == 7 && memcmp(p, "unknown", 7) == 0))
		return span2(p, b);
	e = chr(b, end, ']');
	return span2(b, e ? e + 1 : end);
}

struct smtpcodes_span sc_ingest_angle(const char *p, const char *end, const char **after)
{
	const char *e;
	if (p >= end || *p != '<')
		return span(NULL, 0);
	e = chr(p + 1, end, '>');
	if (!e)
		return span(NULL, 0);
	*after = e + 1;
	return span2(p + 1, e);
}

int sc_ingest_binary(const char *p, const char *end)
{
	for (; p < end; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return 1;
	return 0;
}

/* ------------------------------------------------------ syslog header */

static int month_of(const char *m)
{
	switch (m[0]) {
	case 'J':
		if (m[1] == 'a' && m[2] == 'n') return 1;
		if (m[1] == 'u' && m[2] == 'n') return 6;
		if (m[1] == 'u' && m[2] == 'l') return 7;
		return 0;
	case 'F': return m[1] == 'e' && m[2] == 'b' ? 2 : 0;
	case 'M':
		if (m[1] == 'a' && m[2] == 'r') return 3;
		if (m[1] == 'a' && m[2] == 'y') return 5;
		return 0;
	case 'A':
		if (m[1] == 'p' && m[2] == 'r') return 4;
		if (m[1] == 'u' && m[2] == 'g') return 8;
		return 0;
	case 'S': return m[1] == 'e' && m[2] == 'p' ? 9 : 0;
	case 'O': return m[1] == 'c' && m[2] == 't' ? 10 : 0;
	case 'N': return m[1] == 'o' && m[2] == 'v' ? 11 : 0;
	case 'D': return m[1] == 'e' && m[2] == 'c' ? 12 : 0;
	default: return 0;
	}
}

int sc_ingest_syslog(const char *line, size_t len, struct ingest_hdr *h)
{
	const char *p = line, *end = line + len, *sp, *tag, *tagend;

	h->prog = NULL;
	h->proglen = 0;
	if (len >= 16 && line[3] == ' ' && line[6] == ' ' && line[9] == ':' && line[12] == ':' &&
	    line[15] == ' ' && month_of(line)) {
		h->ts.kind = TS_BSD;
		h->ts.p = line;
		h->ts.len = 15;
		p = line + 16;
	} else if (len >= 20 && line[4] == '-' && line[7] == '-' && line[10] == 'T' && line[13] == ':' &&
	           is_digit(line[0])) {
		sp = chr(line, end, ' ');
		if (!sp)
			return 0;
		h->ts.kind = TS_RFC3339;
		h->ts.p = line;
		h->ts.len = (size_t)(sp - line);
		p = sp + 1;
	} else {
		return 0;
	}
	/* host */
	sp = chr(p, end, ' ');
	if (!sp || sp == p)
		return 0;
	tag = sp + 1;
	h->msg = tag;
	h->msglen = (size_t)(end - tag);
	/* tag: "prog[pid]:" or "prog:", no spaces */
	sp = chr(tag, end, ' ');
	tagend = sp ? sp : end;
	if (tagend - tag < 2 || tagend[-1] != ':')
		return 1;
	tagend--;
	if (tagend[-1] == ']') {
		const char *b = chr(tag, tagend, '[');
		if (b)
			tagend = b;
	}
	h->prog = tag;
	h->proglen = (size_t)(tagend - tag);
	p = sp ? sp + 1 : end;
	h->msg = p;
	h->msglen = (size_t)(end - p);
	return 1;
}

/* ------------------------------------------------------------- times */

static int two(const char *p)
{
	if (!is_digit(p[0]) || !is_digit(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* The time of a local (or, with utc, UTC) civil time; one mktime per hour. */
static time_t civil(struct sc_ingest *ing, int y, int mo, int d, int h, int mi, int s)
{
	if (ing->utc)
		return (time_t)(sc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
	if (y != ing->c_year || mo != ing->c_mon || d != ing->c_day || h != ing->c_hour) {
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_isdst = -1;
		ing->c_base = mktime(&tm);
		if (ing->c_base == (time_t)-1)
			return 0;
		ing->c_year = y;
		ing->c_mon = mo;
		ing->c_day = d;
		ing->c_hour = h;
	}
	return ing->c_base + mi * 60 + s;
}

static int valid(int mo, int d, int h, int mi, int s)
{
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 &&
	       s <= 60;
}

/* "+02:00", "+0200", "Z" at [p, end): offset in seconds; 1 when parsed. */
static int zone(const char *p, const char *end, long *off)
{
	int hh, mm;
	if (p < end && (*p == 'Z' || *p == 'z')) {
		*off = 0;
		return 1;
	}
	if (end - p < 5 || (*p != '+' && *p != '-'))
		return 0;
	hh = two(p + 1);
	if (p[3] == ':' && end - p >= 6)
		mm = two(p + 4);
	else
		mm = two(p + 3);
	if (hh < 0 || mm < 0)
		return 0;
	*off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
	return 1;
}

time_t sc_ingest_time(struct sc_ingest *ing, const struct ingest_ts_ref *ts)
{
	const char *p = ts->p, *end = ts->p + ts->len;
	int y, mo, d, h, mi, s;
	long off;
	time_t t;

	switch (ts->kind) {
	case TS_BSD:
		if (ts->len < 15)
			return 0;
		mo = month_of(p);
		d = p[4] == ' ' ? (is_digit(p[5]) ? p[5] - '0' : -1) : two(p + 4);
		h = two(p + 7);
		mi = two(p + 10);
		s = two(p + 13);
		if (!valid(mo, d, h, mi, s))
			return 0;
		y = ing->year_forced ? ing->year_forced : ing->year_now;
		t = civil(ing, y, mo, d, h, mi, s);
		if (!ing->year_forced && t > ing->now + 86400)
			t = civil(ing, y - 1, mo, d, h, mi, s);
		return t;
	case TS_RFC3339:
	case TS_EXIM:
		if (ts->len < 19)
			return 0;
		y = two(p) * 100 + two(p + 2);
		mo = two(p + 5);
		d = two(p + 8);
		h = two(p + 11);
		mi = two(p + 14);
		s = two(p + 17);
		if (y < 0 || !valid(mo, d, h, mi, s))
			return 0;
		p += 19;
		if (p < end && (*p == '.' || *p == ',')) {
			p++;
			while (p < end && is_digit(*p))
				p++;
		}
		if (p < end && *p == ' ')
			p++;
		if (zone(p, end, &off))
			return (time_t)(sc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off);
		return civil(ing, y, mo, d, h, mi, s);
	case TS_NONE:
	default:
		return 0;
	}
}

/* ------------------------------------------------------ message table */

/* A hash of a key of at most KEY_MAX bytes, eight bytes at a time (a byte
 * loop such as FNV costs a multiply per byte; queue ids are 8-23 bytes). The
 * last word is read overlapping the one before, not copied byte by byte
 * (a byte copy followed by a word load stalls store forwarding). */
static uint32_t hash_key(const char *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n, w;
	size_t i;
	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&w, k + i, 8);
			h = (h ^ w) * 0xff51afd7ed558ccdu;
			h ^= h >> 32;
		}
		memcpy(&w, k + n - 8, 8);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	} else {
		for (w = 0, i = 0; i < n; i++)
			w = (w << 8) | (unsigned char)k[i];
		h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	}
	h ^= h >> 29;
	return (uint32_t)h;
}

/* The slot of key, or of the empty slot where it would go. */
static size_t slot_of(const struct sc_ingest *ing, const char *key, size_t klen, uint32_t h)
{
	size_t mask = ing->nslots - 1, i = h & mask;
	for (;;) {
		const struct slot *sl = &ing->slots[i];
		if (!sl->m || (sl->hash == h && sl->m->klen == klen && memcmp(sl->m->data, key, klen) == 0))
			return i;
		i = (i + 1) & mask;
	}
}

static void grow(struct sc_ingest *ing)
{
	size_t n = ing->nslots ? ing->nslots * 2 : MIN_SLOTS, i;
	struct slot *old = ing->slots;
	size_t oldn = ing->nslots;
	ing->slots = xcalloc(n, sizeof *ing->slots);
	ing->nslots = n;
	for (i = 0; i < oldn; i++)
		if (old[i].m) {
			size_t mask = n - 1, j = old[i].hash & mask;
			while (ing->slots[j].m) /* keys are distinct: no compare needed */
				j = (j + 1) & mask;
			ing->slots[j] = old[i];
		}
	free(old);
}

static void unlink_age(struct sc_ingest *ing, struct sc_msg *m)
{
	if (m->older)
		m->older->newer = m->newer;
	else
		ing->oldest = m->newer;
	if (m->newer)
		m->newer->older = m->older;
	else
		ing->newest = m->older;
}

/* Empties slot i and moves later entries of its cluster back (no tombstones). */
static void slot_delete(struct sc_ingest *ing, size_t i)
{
	size_t mask = ing->nslots - 1, j = i;
	ing->slots[i].m = NULL;
	for (;;) {
		size_t home;
		j = (j + 1) & mask;
		if (!ing->slots[j].m)
			return;
		home = ing->slots[j].hash & mask;
		/* move j to i when its home is not in (i, j] cyclically */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			ing->slots[i] = ing->slots[j];
			ing->slots[j].m = NULL;
			i = j;
		}
	}
}

/* Forgets the message in slot i. */
static void drop_at(struct sc_ingest *ing, size_t i)
{
	struct sc_msg *m = ing->slots[i].m;
	slot_delete(ing, i);
	unlink_age(ing, m);
	free(m);
	ing->count--;
	ing->st.tracked = ing->count;
}

static void drop(struct sc_ingest *ing, struct sc_msg *m)
{
	drop_at(ing, slot_of(ing, m->data, m->klen, m->hash));
}

static struct sc_msg *lookup(const struct sc_ingest *ing, const char *key, size_t klen)
{
	uint32_t h;
	if (!ing->nslots || klen == 0 || klen > KEY_MAX)
		return NULL;
	h = hash_key(key, klen);
	return ing->slots[slot_of(ing, key, klen, h)].m;
}

void sc_msg_update(struct sc_ingest *ing, const char *key, size_t klen, const struct smtpcodes_span *sender,
                   const struct smtpcodes_span *msgid, long long size, int nrcpt)
{
	struct sc_msg *m, *nm;
	size_t i, slen, mlen, need;
	uint32_t h;
	const char *sp, *mp;

	if (klen == 0 || klen > KEY_MAX)
		return;
	if (sender && !sender->ptr)
		sender = NULL;
	if (msgid && !msgid->ptr)
		msgid = NULL;
	if (!ing->nslots)
		grow(ing);
	h = hash_key(key, klen);
	i = slot_of(ing, key, klen, h);
	m = ing->slots[i].m;
	if (!m && (ing->count >= ing->max_msgs || (ing->count + 1) * 2 > ing->nslots)) {
		while (ing->count >= ing->max_msgs && ing->oldest) {
			drop(ing, ing->oldest);
			ing->st.evicted++;
		}
		if ((ing->count + 1) * 2 > ing->nslots)
			grow(ing);
		i = slot_of(ing, key, klen, h); /* the table changed */
	}
	if (m && size >= 0)
		m->size = size;
	if (m && nrcpt >= 0)
		m->nrcpt = nrcpt;
	if (m && !sender && !msgid)
		return;
	if (m && sender && !msgid && !m->has_sender && m->slen == 0) {
		/* the usual Postfix order: message-id first, then the sender; fill
		 * the slack in place when it fits */
		slen = sender->len > SENDER_MAX ? SENDER_MAX : sender->len;
		if ((size_t)m->klen + slen + m->mlen <= m->cap) {
			memmove(m->data + m->klen + slen, m->data + m->klen, m->mlen);
			memcpy(m->data + m->klen, sender->ptr, slen);
			m->slen = (unsigned short)slen;
			m->has_sender = 1;
			return;
		}
	}
	/* (re)build the entry with the new texts */
	slen = sender ? (sender->len > SENDER_MAX ? SENDER_MAX : sender->len) : m && m->has_sender ? m->slen : 0;
	mlen = msgid ? (msgid->len > MSGID_MAX ? MSGID_MAX : msgid->len) : m && m->has_msgid ? m->mlen : 0;
	sp = sender ? sender->ptr : m ? m->data + m->klen : NULL;
	mp = msgid ? msgid->ptr : m ? m->data + m->klen + m->slen : NULL;
	need = klen + slen + mlen;
	if (msgid && !sender && !(m && m->has_sender))
		need += 48; /* Postfix: room for qmgr's sender after cleanup's message-id */
	nm = xmalloc(sizeof *nm + need);
	nm->cap = (unsigned short)need;
	nm->hash = h;
	nm->klen = (unsigned short)klen;
	nm->slen = (unsigned short)slen;
	nm->mlen = (unsigned short)mlen;
	nm->has_sender = (unsigned char)(sender || (m && m->has_sender));
	nm->has_msgid = (unsigned char)(msgid || (m && m->has_msgid));
	nm->size = m ? m->size : -1;
	nm->nrcpt = m ? m->nrcpt : -1;
	if (size >= 0)
		nm->size = size;
	if (nrcpt >= 0)
		nm->nrcpt = nrcpt;
	memcpy(nm->data, key, klen);
	if (slen)
		memcpy(nm->data + klen, sp, slen);
	if (mlen)
		memcpy(nm->data + klen + slen, mp, mlen);
	if (m) {
		/* take m's place in the age list */
		nm->older = m->older;
		nm->newer = m->newer;
		if (m->older)
			m->older->newer = nm;
		else
			ing->oldest = nm;
		if (m->newer)
			m->newer->older = nm;
		else
			ing->newest = nm;
		free(m);
	} else {
		nm->older = ing->newest;
		nm->newer = NULL;
		if (ing->newest)
			ing->newest->newer = nm;
		else
			ing->oldest = nm;
		ing->newest = nm;
		ing->count++;
		ing->st.tracked = ing->count;
	}
	ing->slots[i].hash = h;
	ing->slots[i].m = nm;
}

void sc_msg_join(struct sc_ingest *ing, const char *key, size_t klen, struct sc_event *ev)
{
	const struct sc_msg *m = lookup(ing, key, klen);
	if (!m)
		return;
	if (!ev->sender.ptr && m->has_sender)
		ev->sender = span(m->data + m->klen, m->slen);
	if (!ev->message_id.ptr && m->has_msgid)
		ev->message_id = span(m->data + m->klen + m->slen, m->mlen);
	if (ev->size < 0)
		ev->size = m->size;
	if (ev->nrcpt < 0)
		ev->nrcpt = m->nrcpt;
}

void sc_msg_forget(struct sc_ingest *ing, const char *key, size_t klen)
{
	size_t i;
	if (!ing->nslots || klen == 0 || klen > KEY_MAX)
		return;
	i = slot_of(ing, key, klen, hash_key(key, klen));
	if (ing->slots[i].m)
		drop_at(ing, i);
}
