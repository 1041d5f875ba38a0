/*
 * bounce_needles.c - the fixed phrases the format modules look for (their
 * markers: "This is the qmail-send program", "------ This is a copy of the
 * message", ...), found in one Hyperscan pass over a message's text instead
 * of one search per phrase and module.
 *
 * bounce_needles_scan() runs once per message and records where each
 * phrase first occurs; bounce_has() and bounce_text_span() then answer from
 * that table. Compiling the table costs milliseconds, so it is compiled at
 * build time (tools/needlesdb.c, like the rules database) and only loaded
 * here, on the first message; a table that does not fit the phrases below
 * (or a CPU the build did not target) is compiled at run time instead. A
 * phrase missing from the table below still works (the callers fall back
 * to a plain search), it is only slower: keep the table in step with the
 * modules.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hs.h>

#include "bounce/bounce.h"
#include "common/util.h"
#include "le32.h"

static const char *const needles[] = {
	"address(es) failed:",
	"following address failed:",
	"------- Message text follows",
	"For the following reason:",
	"The following address failed:",
	"The following addresses failed:",
	"ERROR_CODE :",
	"[Status: Error, Address:",
	"THIS IS A WARNING MESSAGE ONLY",
	"Original message follows.",
	"Unknown user:",
	"Delivery failed",
	"exceeds allowed size:",
	"Invalid final delivery userid:",
	"failed:",
	"could not be delivered",
	"was not delivered",
	"unable to deliver",
	"delivery has failed",
	"undeliverable",
	"permanent error",
	"delivery to the following",
	"This report relates to a message you sent",
	"Recipient address:",
	"--- Below this line is a copy of the message",
	"--- Message non-delivered",
	"--- Original message follows",
	"--- Original message follows.",
	"--- The following addresses had delivery problems ---",
	"--- The header of the original message",
	"--- Undelivered message follows ---",
	"----- Begin Forwarded Message",
	"----- Message header follows -----",
	"----- Non-delivered information -----",
	"----- Original Message -----",
	"----- Original message -----",
	"----- Original message follows",
	"----- The following is a copy of",
	"----- Transcript of session follows -----",
	"----- Unsent message follows -----",
	"------ A copy of the message",
	"------ Failed message header",
	"------ Original message",
	"------ Returned message",
	"------ This is a copy of the message",
	"------- Failure Reasons",
	"------- Original Message --------",
	"-------- Original Message --------",
	"-------server message",
	"A transcript of the attempts to send the message follows",
	"A transcript of the attempts",
	"Below is a copy of the original message",
	"Content-Type: message/rfc822",
	"Content-Type: text/rfc822-headers",
	"Delivery failed for the following reason:",
	"Delivery has failed to these recipients",
	"Delivery to the following recipient failed permanently",
	"Delivery to the following recipient has been delayed",
	"Delivery to the following recipient",
	"Delivery to the following recipients failed",
	"Delivery to the following recipients has been delayed",
	"Delivery to the following recipients",
	"Diagnostic information for administrators",
	"DragonFly Mail Agent",
	"Google Groups",
	"GroupWise",
	"I'm afraid I wasn't able to deliver",
	"InterScan Messaging Security",
	"Message headers follow",
	"Message status - undeliverable",
	"Microsoft Exchange",
	"Original Message Headers",
	"Original mail as follows:",
	"Original message follows",
	"Original message headers:",
	"Sorry, we were unable to deliver your message",
	"Sorry, we were unable to deliver",
	"Technical details of permanent failure",
	"Technical details of temporary failure",
	"Technical details",
	"The attachment contains the original mail headers",
	"The problem appears to be",
	"There was an error delivering your mail to",
	"This condition occurred",
	"This is the MAILER-DAEMON, please DO NOT REPLY",
	"This is the Postfix program",
	"This is the mail system at",
	"This is the mail system",
	"This is the qmail-send program",
	"This message was created automatically by mail delivery software",
	"This message was created automatically",
	"Unable to deliver message to:",
	"\nOriginal Message:",
	"because:",
	"cannot be delivered",
	"check if address is correct",
	"couldn't be delivered",
	"did not reach the following recipient",
	"groups.google.com",
	"had delivery problems",
	"had permanent fatal errors",
	"has been delayed",
	"list of recipients",
	"not delivered",
	"qmail-send program at",
	"running the Courier mail server",
	"to the following recipients",
	"to the following recipients failed permanently:",
	"to the following recipients was aborted after",
	"recipients was aborted after",
	"was not delivered to:",
	"while talking to",
	"will be retried",
};

#define NNEEDLES (sizeof needles / sizeof needles[0])
#define HSLOTS 512
#define BLOB_MAGIC "SCN1"

/* the serialized table made at build time (tools/needlesdb.c) */
extern const char sc_needles_db[];
extern const size_t sc_needles_db_len;

static hs_database_t *db;
static size_t db_maplen; /* set when db lives in its own mapping (load_blob) */
static hs_scratch_t *proto;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ready;
static _Thread_local hs_scratch_t *scratch;
static short slot_id[HSLOTS];
static size_t needle_len[NNEEDLES];
/* where a caller's string was last found: callers pass the same literals
 * again and again, so most look-ups are a pointer and a string compare */
static _Thread_local struct { const char *s; int id; } seen[HSLOTS];

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Fingerprint of the phrase list, so a table built from another list is
 * never taken for this one. */
static uint32_t list_hash(void)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < NNEEDLES; i++) {
		const char *p;
		for (p = needles[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		h = (h ^ 0xffu) * 16777619u;
	}
	return h;
}

int bounce_needle_id(const char *s)
{
	unsigned h;
	size_t i, k;
	if (!ready)
		return -1;
	k = ((uintptr_t)s >> 3) % HSLOTS;
	/* (the linker merges equal string literals: the caller's is most
	 * often the table's own, and then no compare is needed) */
	if (seen[k].s == s && (needles[seen[k].id] == s || !strcmp(needles[seen[k].id], s)))
		return seen[k].id;
	h = hash(s) % HSLOTS;
	for (i = 0; i < HSLOTS; i++, h = (h + 1) % HSLOTS) {
		int id = slot_id[h] - 1;
		if (id < 0)
			return -1;
		if (!strcmp(needles[id], s)) {
			seen[k].s = s;
			seen[k].id = id;
			return id;
		}
	}
	return -1;
}

size_t bounce_needles_count(void)
{
	return NNEEDLES;
}

const char *bounce_needle_text(size_t i)
{
	return i < NNEEDLES ? needles[i] : NULL;
}

static int compile(hs_database_t **out)
{
	const char **exprs;
	unsigned *ids, *flags;
	hs_compile_error_t *cerr = NULL;
	size_t i;
	int rc = 0;

	exprs = xcalloc(NNEEDLES, sizeof *exprs);
	ids = xcalloc(NNEEDLES, sizeof *ids);
	flags = xcalloc(NNEEDLES, sizeof *flags);
	for (i = 0; i < NNEEDLES; i++) {
		exprs[i] = needles[i];
		ids[i] = (unsigned)i;
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, needle_len, (unsigned)NNEEDLES, HS_MODE_BLOCK, NULL, out, &cerr) !=
	    HS_SUCCESS) {
		hs_free_compile_error(cerr);
		*out = NULL;
		rc = -1;
	}
	free(exprs);
	free(ids);
	free(flags);
	return rc;
}

/* The build-time table when it was made from this very list. */
static hs_database_t *load_blob(void)
{
	const unsigned char *p = (const unsigned char *)sc_needles_db;
	hs_database_t *d;
	void *mem;
	size_t n;
	if (sc_needles_db_len < 12 || memcmp(p, BLOB_MAGIC, 4) || le32_get(p + 4) != NNEEDLES ||
	    le32_get(p + 8) != list_hash())
		return NULL;
	/* into memory mapped and filled in one system call: taking the pages
	 * one fault at a time, as malloc's fresh memory would, costs more than
	 * the copy itself (the table lives until the program ends) */
	if (hs_serialized_database_size(sc_needles_db + 12, sc_needles_db_len - 12, &n) != HS_SUCCESS)
		return NULL;
	mem = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	d = mem;
	if (hs_deserialize_database_at(sc_needles_db + 12, sc_needles_db_len - 12, d) != HS_SUCCESS) {
		munmap(mem, n);
		return NULL;
	}
	db_maplen = n;
	return d;
}

static void free_db(void)
{
	if (db_maplen)
		munmap(db, db_maplen);
	else
		hs_free_database(db);
	db = NULL;
	db_maplen = 0;
}

static void setup(void)
{
	size_t i;
	if (NNEEDLES > BOUNCE_NEEDLES_MAX)
		return;
	for (i = 0; i < NNEEDLES; i++) {
		unsigned h = hash(needles[i]) % HSLOTS;
		needle_len[i] = strlen(needles[i]);
		while (slot_id[h])
			h = (h + 1) % HSLOTS;
		slot_id[h] = (short)(i + 1);
	}
	if (!(db = load_blob()) && compile(&db))
		return;
	if (hs_alloc_scratch(db, &proto) != HS_SUCCESS) {
		free_db();
		return;
	}
	ready = 1;
}

int bounce_needles_build(char **blob, size_t *len)
{
	hs_database_t *d = NULL;
	char *bytes = NULL;
	size_t n = 0, i;
	for (i = 0; i < NNEEDLES; i++)
		needle_len[i] = strlen(needles[i]);
	if (compile(&d) || hs_serialize_database(d, &bytes, &n) != HS_SUCCESS) {
		hs_free_database(d);
		return -1;
	}
	*blob = xmalloc(n + 12);
	memcpy(*blob, BLOB_MAGIC, 4);
	le32_put((unsigned char *)*blob + 4, (uint32_t)NNEEDLES);
	le32_put((unsigned char *)*blob + 8, list_hash());
	memcpy(*blob + 12, bytes, n);
	*len = n + 12;
	free(bytes);
	hs_free_database(d);
	return 0;
}

int bounce_needles_init(void)
{
	pthread_once(&once, setup);
	return ready ? 0 : -1;
}

void bounce_needles_free(void)
{
	ready = 0;
	hs_free_scratch(proto);
	free_db();
	proto = NULL;
}

void bounce_needles_thread_done(void)
{
	hs_free_scratch(scratch);
	scratch = NULL;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct bounce_msg *m = ctx;
	(void)from;
	(void)flags;
	if (id < NNEEDLES && !m->hits[id])
		m->hits[id] = (uint32_t)(to - needle_len[id] + 1);
	return 0;
}

void bounce_needles_scan(struct bounce_msg *m)
{
	m->scanned = 0;
	pthread_once(&once, setup);
	if (!ready)
		return;
	if (!scratch && hs_clone_scratch(proto, &scratch) != HS_SUCCESS)
		return;
	memset(m->hits, 0, sizeof m->hits);
	if (hs_scan(db, m->text, (unsigned)m->textlen, 0, scratch, on_match, m) == HS_SUCCESS)
		m->scanned = 1;
}

long bounce_needle_at(const struct bounce_msg *m, const char *needle)
{
	int id;
	if (!m->scanned || (id = bounce_needle_id(needle)) < 0)
		return -2; /* not known: search yourself */
	return m->hits[id] ? (long)m->hits[id] - 1 : -1;
}

int bounce_needle_index(const char *s)
{
	size_t i;
	for (i = 0; i < NNEEDLES; i++)
		if (!strcmp(needles[i], s))
			return (int)i;
	return -1;
}

long bounce_needle_at_index(const struct bounce_msg *m, int id)
{
	if (!m->scanned || id < 0 || (size_t)id >= NNEEDLES)
		return -2;
	return m->hits[id] ? (long)m->hits[id] - 1 : -1;
}
