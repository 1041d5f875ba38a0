/*
 * bounce_needles.c - the fixed phrases the format modules look for (their
 * markers: "This is the qmail-send program", "------ This is a copy of the
 * message", ...), found in one Hyperscan pass over a message's text instead
 * of one search per phrase and module.
 *
 * bounce_needles_scan() runs once per message and records where each
 * phrase first occurs; bounce_has() and bounce_text_span() then answer from
 * that table. Compiling the table costs some milliseconds, more than a few
 * messages take to search the plain way: it is compiled once the run has
 * read BOUNCE_NEEDLES_AFTER messages, so one message costs no start-up. A phrase missing from the table below still works (the
 * callers fall back to a plain search), it is only slower: keep the table in
 * step with the modules.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "bounce/bounce.h"
#include "common/util.h"

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

#define BOUNCE_NEEDLES_AFTER 8

static hs_database_t *db;
static hs_scratch_t *proto;
static atomic_uint seen;
static atomic_int ready;
static atomic_int failed;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local hs_scratch_t *scratch;
static short slot_id[HSLOTS];
static size_t needle_len[NNEEDLES];

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int bounce_needle_id(const char *s)
{
	unsigned h;
	size_t i;
	if (!atomic_load(&ready))
		return -1;
	h = hash(s) % HSLOTS;
	for (i = 0; i < HSLOTS; i++, h = (h + 1) % HSLOTS) {
		int id = slot_id[h] - 1;
		if (id < 0)
			return -1;
		if (!strcmp(needles[id], s))
			return id;
	}
	return -1;
}

static int compile(void)
{
	const char **exprs;
	unsigned *ids, *flags;
	size_t *lens;
	hs_compile_error_t *cerr = NULL;
	size_t i;
	int rc = -1;

	if (db)
		return 0;
	if (NNEEDLES > BOUNCE_NEEDLES_MAX)
		return -1;
	exprs = xcalloc(NNEEDLES, sizeof *exprs);
	ids = xcalloc(NNEEDLES, sizeof *ids);
	flags = xcalloc(NNEEDLES, sizeof *flags);
	lens = xcalloc(NNEEDLES, sizeof *lens);
	for (i = 0; i < NNEEDLES; i++) {
		unsigned h = hash(needles[i]) % HSLOTS;
		exprs[i] = needles[i];
		ids[i] = (unsigned)i;
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		lens[i] = needle_len[i] = strlen(needles[i]);
		while (slot_id[h])
			h = (h + 1) % HSLOTS;
		slot_id[h] = (short)(i + 1);
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)NNEEDLES, HS_MODE_BLOCK, NULL, &db, &cerr) !=
	    HS_SUCCESS) {
		hs_free_compile_error(cerr);
		db = NULL;
		goto out;
	}
	if (hs_alloc_scratch(db, &proto) != HS_SUCCESS) {
		hs_free_database(db);
		db = NULL;
		goto out;
	}
	rc = 0;
out:
	free(exprs);
	free(ids);
	free(flags);
	free(lens);
	return rc;
}

int bounce_needles_init(void)
{
	atomic_store(&seen, 0);
	atomic_store(&failed, 0);
	return 0;
}

void bounce_needles_free(void)
{
	atomic_store(&ready, 0);
	hs_free_scratch(proto);
	hs_free_database(db);
	proto = NULL;
	db = NULL;
	memset(slot_id, 0, sizeof slot_id);
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
	if (!atomic_load(&ready)) {
		if (atomic_fetch_add(&seen, 1) < BOUNCE_NEEDLES_AFTER || atomic_load(&failed))
			return;
		pthread_mutex_lock(&mu);
		if (!atomic_load(&ready) && !atomic_load(&failed)) {
			if (compile() == 0)
				atomic_store(&ready, 1);
			else
				atomic_store(&failed, 1);
		}
		pthread_mutex_unlock(&mu);
		if (!atomic_load(&ready))
			return;
	}
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
