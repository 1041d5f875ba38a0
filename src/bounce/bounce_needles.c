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
 *
 * The modules' questions about the top header fields ("does a Received
 * field name Exim?", bounce_hdr_has()) are answered the same way: a second
 * table holds each (field, phrase) pair they ask about, and one pass over
 * the values of those fields, NUL between them, answers all pairs at once
 * (m->hhits) instead of a walk over all fields and a search per question.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	"Unable to deliver message to the following recipients",
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
	/* bounce_x1.c */
	"---The following addresses had delivery errors---",
	/* bounce_x2.c */
	"Unable to deliver message to the following address(es).",
	/* bounce_x6.c */
	"We had trouble delivering your message",
	"We had trouble delivering your message. Full details follow",
	/* bounce_powermta.c */
	"this is the mail server on",
	"delivery failed; will not continue trying",
	/* bounce_sendgrid.c */
	"automatically generated message from SendGrid",
	/* bounce_amavis.c */
	"generated by the program amavisd-new",
	"WAS NOT relayed to:",
	/* bounce_barracuda.c */
	"Your message to:",
	"was blocked by our Spam",
	/* bounce_mailmarshal.c */
	"Could not be delivered because of",
	"The following recipients were affected:",
	/* bounce_apachejames.c (and Verizon's vtext.com) */
	"Message details:",
	"Error message below:",
	"  RCPT TO: ",
	"  MAIL FROM: ",
	/* bounce_verizon.c (vzwpix.com) */
	"could not be delivered to mobile",
	/* bounce_postfix.c (its notice to the postmaster) */
	"Transcript of session follows.",
	/* bounce_imailserver.c (a refusal by the remote) */
	"undeliverable to ",
	"generated response:",
	/* bounce_mailru.c: "... created automatically by the server of Mail.Ru" */
	"\xd1\x81\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb5\xd1\x80\xd0\xbe\xd0\xbc Mail.Ru",
	/* bounce_mtanotice.c */
	"This Delivery Status Notification is sent from MTA",
	"Remote host said[Response Message]:",
	/* bounce_aol.c (its HTML page) */
	"We were unable to deliver your message to the following address",
	/* bounce_facebook.c */
	"This message was created automatically by Facebook",
	/* bounce_messagelabs.c */
	"This is the mail delivery agent at messagelabs.com",
	"This is the mail delivery agent at Symantec Email Security.cloud",
	"I was unable to deliver your message to the following addresses",
};

/* The (top header field, phrase) pairs of bounce_hdr_has(): at most
 * BOUNCE_HNEEDLES_MAX (a bit each in m->hhits). Field names match in any
 * case. */
static const struct {
	const char *name, *needle;
} hneedles[] = {
	{ "From", "amazonses.com" },
	{ "From", "@ezweb." },
	{ "From", ".dion.ne.jp" },
	{ "From", "auone-net.jp" },
	{ "From", "@biglobe.ne.jp" },
	{ "From", "@inacatv.ne.jp" },
	{ "From", "@tmtv.ne.jp" },
	{ "From", "@ttv.ne.jp" },
	{ "From", "mailer-daemon@googlemail.com" },
	{ "From", "mxlogic.net" },
	{ "From", "@hotmail.com" },
	{ "From", "@outlook.com" },
	{ "From", "InterScan" },
	{ "From", "mail.zoho" },
	{ "Received", "auone-net.jp" },
	{ "Received", "(EZweb Mail)" },
	{ "Received", "(Exim " },
	{ "Received", "SMTPD32" },
	{ "Received", "mimecast" },
	{ "Received", "mxlogic.net" },
	{ "Received", "(OpenSMTPD)" },
	{ "Received", ".hotmail.com" },
	{ "Received", "invoked for bounce" },
	{ "Received", "invoked from network" },
	{ "Received", "yahoo" },
	{ "Received", "zohomail" },
	{ "Subject", "DELIVERY FAILURE:" },
	{ "Subject", "DELIVERY_FAILURE:" },
	{ "Subject", "Mail delivery failed" },
	{ "Subject", "Warning: message" },
	{ "Subject", "Message status - undeliverable" },
	{ "Subject", "[Postmaster] Email Delivery Failure" },
	{ "Subject", "Delivery status notification:" },
	{ "Subject", "Undelivered Mail Returned to Sender" },
	{ "Subject", "Delayed Mail (still being retried)" },
	{ "Subject", "Returned mail:" },
	{ "Subject", "Cannot send message for" },
	{ "Subject", "Failure Notice" },
	{ "Message-ID", "courier" },
	{ "Message-Id", ".FML" },
	{ "X-Mailer", "Exchange" },
	{ "X-Mailer", "GroupWise" },
	{ "X-Mailer", "IMail" },
	{ "X-Mailer", "m-FILTER" },
	{ "X-Mailer", "SurfControl" },
	{ "X-MLServer", "fml" },
	/* bounce_x5.c */
	{ "To", "NotificationRecipients" },
	/* bounce_amavis.c */
	{ "From", "Content-filter at" },
	/* bounce_barracuda.c */
	{ "Subject", "Message you sent blocked by our bulk email filter" },
	/* bounce_mailmarshal.c */
	{ "Received", "MailMarshal" },
	/* bounce_bigfoot.c */
	{ "Received", "(LiteMail v" },
	{ "From", "MAILER-DAEMON@bigfoot.com" },
	/* bounce_apachejames.c, bounce_verizon.c */
	{ "Received", "JAMES SMTP Server" },
	{ "From", "@vtext.com" },
	{ "From", "vzwpix.com" },
	/* bounce_gmx.c, bounce_mailru.c, bounce_yandex.c */
	{ "From", "gmx." },
	{ "Received", "mout-bounce.gmx." },
	{ "From", "@corp.mail.ru" },
	{ "From", "mailer-daemon@yandex." },
	/* bounce_apachejames.c, bounce_einsundeins.c, bounce_imailserver.c,
	 * bounce_mxlogic.c, bounce_postfix.c (its notices to the postmaster) */
	{ "Subject", "[BOUNCE]" },
	{ "From", "@kundenserver.de" },
	{ "X-Mailer", "<SMTP32 " },
	{ "Message-Id", "<mxl~" },
	{ "Subject", "Postfix SMTP client: errors from" },
	{ "Subject", "Postfix SMTP server: errors from" },
};

#define NNEEDLES (sizeof needles / sizeof needles[0])
#define NHNEEDLES (sizeof hneedles / sizeof hneedles[0])
#define HSLOTS 512
#define BLOB_MAGIC "SCN2"

/* the serialized tables made at build time (tools/needlesdb.c) */
extern const char sc_needles_db[];
extern const size_t sc_needles_db_len;

static hs_database_t *db;  /* the phrases of the text */
static hs_database_t *hdb; /* the phrases of the header fields */
static size_t db_maplen, hdb_maplen; /* set when a table lives in its own mapping (load_one) */
static hs_scratch_t *proto;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int ready;
static _Thread_local hs_scratch_t *scratch;
static short slot_id[HSLOTS];
static size_t needle_len[NNEEDLES];
static size_t hneedle_len[NHNEEDLES];
/* hclass[i]: the first pair whose field is pair i's field (any case);
 * hfields[0..nhfields) those first pairs, one per field */
static unsigned char hclass[NHNEEDLES];
static unsigned char hfields[NHNEEDLES];
static size_t hfield_len[NHNEEDLES];
static size_t nhfields;
static uint64_t hfield_lens; /* bit n set when a field of the pairs is n bytes long */
/* where a caller's string was last found: callers pass the same literals
 * again and again, so most look-ups are a pointer and a string compare */
static _Thread_local struct { const char *s; int id; } seen[HSLOTS];
/* the same for the (field, phrase) pairs, by the phrase's address */
static _Thread_local struct { const char *name, *needle; int id; } hseen[HSLOTS];
/* the values of the fields a message is asked about, NUL after each, and
 * where each ends and which field it is: kept from message to message */
static _Thread_local char *hbuf;
static _Thread_local size_t hbufcap;
static _Thread_local size_t *hend;
static _Thread_local unsigned char *hcls;
static _Thread_local size_t hsegcap;

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static uint32_t hash_more(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ 0xffu) * 16777619u;
}

/* Fingerprint of the two phrase lists, so tables built from other lists
 * are never taken for these. */
static uint32_t list_hash(void)
{
	uint32_t h = 2166136261u;
	size_t i;
	for (i = 0; i < NNEEDLES; i++)
		h = hash_more(h, needles[i]);
	for (i = 0; i < NHNEEDLES; i++)
		h = hash_more(hash_more(h, hneedles[i].name), hneedles[i].needle);
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

size_t bounce_hdr_needles_count(void)
{
	return NHNEEDLES;
}

const char *bounce_hdr_needle_text(size_t i, const char **name)
{
	if (i >= NHNEEDLES)
		return NULL;
	*name = hneedles[i].name;
	return hneedles[i].needle;
}

/* Compiles n literals (caseless, with the flags more), ids 0..n-1, into
 * *out: 0 or -1. */
static int compile(const char *const *exprs, const size_t *lens, size_t n, unsigned more, hs_database_t **out)
{
	unsigned *ids, *flags;
	hs_compile_error_t *cerr = NULL;
	size_t i;
	int rc = 0;

	ids = xcalloc(n, sizeof *ids);
	flags = xcalloc(n, sizeof *flags);
	for (i = 0; i < n; i++) {
		ids[i] = (unsigned)i;
		flags[i] = HS_FLAG_CASELESS | more;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, out, &cerr) !=
	    HS_SUCCESS) {
		hs_free_compile_error(cerr);
		*out = NULL;
		rc = -1;
	}
	free(ids);
	free(flags);
	return rc;
}

/* Both tables: the text's phrases (each reported once: the first place is
 * all a caller asks), the fields' phrases (every place: the first may be
 * in a field not asked about). 0, or -1 with neither made. */
static int compile_both(hs_database_t **text, hs_database_t **fields)
{
	const char *h[NHNEEDLES];
	size_t i;
	int rc;
	for (i = 0; i < NHNEEDLES; i++)
		h[i] = hneedles[i].needle;
	if (compile(needles, needle_len, NNEEDLES, HS_FLAG_SINGLEMATCH, text))
		return -1;
	rc = compile(h, hneedle_len, NHNEEDLES, 0, fields);
	if (rc) {
		hs_free_database(*text);
		*text = NULL;
	}
	return rc;
}

/* One serialized table p[0..len) into memory mapped and filled in one
 * system call: taking the pages one fault at a time, as malloc's fresh
 * memory would, costs more than the copy itself (the table lives until
 * the program ends). *maplen is set to the mapping's size. */
static hs_database_t *load_one(const char *p, size_t len, size_t *maplen)
{
	void *mem;
	size_t n;
	if (hs_serialized_database_size(p, len, &n) != HS_SUCCESS)
		return NULL;
	mem = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	if (hs_deserialize_database_at(p, len, mem) != HS_SUCCESS) {
		munmap(mem, n);
		return NULL;
	}
	*maplen = n;
	return mem;
}

/* The build-time tables when they were made from these very lists: the
 * blob is the magic, the count of text phrases, the lists' fingerprint,
 * the length of the first table, then the two tables. 0 or -1. */
static int load_blob(void)
{
	const unsigned char *p = (const unsigned char *)sc_needles_db;
	size_t n1;
	if (sc_needles_db_len < 16 || memcmp(p, BLOB_MAGIC, 4) || le32_get(p + 4) != NNEEDLES ||
	    le32_get(p + 8) != list_hash())
		return -1;
	n1 = le32_get(p + 12);
	if (n1 > sc_needles_db_len - 16)
		return -1;
	if (!(db = load_one(sc_needles_db + 16, n1, &db_maplen)))
		return -1;
	if (!(hdb = load_one(sc_needles_db + 16 + n1, sc_needles_db_len - 16 - n1, &hdb_maplen))) {
		munmap(db, db_maplen);
		db = NULL;
		db_maplen = 0;
		return -1;
	}
	return 0;
}

static void free_one(hs_database_t **d, size_t *maplen)
{
	if (*maplen)
		munmap(*d, *maplen);
	else
		hs_free_database(*d);
	*d = NULL;
	*maplen = 0;
}

static void free_db(void)
{
	free_one(&db, &db_maplen);
	free_one(&hdb, &hdb_maplen);
}

/* The lengths of the phrases and the fields of the pairs. */
static void lengths(void)
{
	size_t i, j;
	for (i = 0; i < NNEEDLES; i++)
		needle_len[i] = strlen(needles[i]);
	nhfields = 0;
	for (i = 0; i < NHNEEDLES; i++) {
		hneedle_len[i] = strlen(hneedles[i].needle);
		for (j = 0; j < i && strcasecmp(hneedles[j].name, hneedles[i].name); j++)
			;
		hclass[i] = (unsigned char)j;
		if (j == i) {
			hfield_len[nhfields] = strlen(hneedles[i].name);
			if (hfield_len[nhfields] < 64)
				hfield_lens |= (uint64_t)1 << hfield_len[nhfields];
			hfields[nhfields++] = (unsigned char)i;
		}
	}
}

static void setup(void)
{
	size_t i;
	_Static_assert(NHNEEDLES <= BOUNCE_HNEEDLES_MAX, "the header pairs fit m->hhits");
	if (NNEEDLES > BOUNCE_NEEDLES_MAX)
		return;
	lengths();
	for (i = 0; i < NNEEDLES; i++) {
		unsigned h = hash(needles[i]) % HSLOTS;
		while (slot_id[h])
			h = (h + 1) % HSLOTS;
		slot_id[h] = (short)(i + 1);
	}
	if (load_blob() && compile_both(&db, &hdb))
		return;
	/* one scratch serves both tables */
	if (hs_alloc_scratch(db, &proto) != HS_SUCCESS || hs_alloc_scratch(hdb, &proto) != HS_SUCCESS) {
		hs_free_scratch(proto);
		proto = NULL;
		free_db();
		return;
	}
	ready = 1;
}

int bounce_needles_build(char **blob, size_t *len)
{
	hs_database_t *d = NULL, *h = NULL;
	char *b1 = NULL, *b2 = NULL;
	size_t n1 = 0, n2 = 0;
	int rc = -1;
	lengths();
	if (compile_both(&d, &h) || hs_serialize_database(d, &b1, &n1) != HS_SUCCESS ||
	    hs_serialize_database(h, &b2, &n2) != HS_SUCCESS)
		goto out;
	*blob = xmalloc(n1 + n2 + 16);
	memcpy(*blob, BLOB_MAGIC, 4);
	le32_put((unsigned char *)*blob + 4, (uint32_t)NNEEDLES);
	le32_put((unsigned char *)*blob + 8, list_hash());
	le32_put((unsigned char *)*blob + 12, (uint32_t)n1);
	memcpy(*blob + 16, b1, n1);
	memcpy(*blob + 16 + n1, b2, n2);
	*len = n1 + n2 + 16;
	rc = 0;
out:
	free(b1);
	free(b2);
	hs_free_database(d);
	hs_free_database(h);
	return rc;
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
	free(hbuf);
	free(hend);
	free(hcls);
	hbuf = NULL;
	hend = NULL;
	hcls = NULL;
	hbufcap = hsegcap = 0;
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

/* What on_hmatch() needs: the message and its fields' values in hbuf. */
struct hscan {
	struct bounce_msg *m;
	size_t nseg;
};

/* A field phrase ends at to: the pair holds when the value it lies in
 * (the first whose end is at or after to: no phrase holds a NUL) is a
 * field of the pair's name. */
static int on_hmatch(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	struct hscan *c = ctx;
	size_t i;
	(void)from;
	(void)flags;
	if (id >= NHNEEDLES)
		return 0;
	for (i = 0; i < c->nseg && hend[i] < to; i++)
		;
	if (i < c->nseg && hcls[i] == hclass[id])
		c->m->hhits[id / 64] |= (uint64_t)1 << (id % 64);
	return 0;
}

/* Which field of the pairs h is, as its first pair, or -1. */
static int field_of(const struct bounce_hdr *h)
{
	size_t i;
	if (h->nlen >= 64 || !(hfield_lens >> h->nlen & 1))
		return -1; /* most fields: no name of that length */
	for (i = 0; i < nhfields; i++)
		if (h->nlen == hfield_len[i] && !strncasecmp(h->name, hneedles[hfields[i]].name, h->nlen))
			return hfields[i];
	return -1;
}

/* One pass over the values of the top fields the pairs name: m->hhits. */
static void hscan(struct bounce_msg *m)
{
	struct hscan c = { m, 0 };
	size_t i, used = 0;
	for (i = 0; i < m->top.n; i++) {
		const struct bounce_hdr *h = &m->top.v[i];
		int f = field_of(h);
		size_t vl;
		if (f < 0)
			continue;
		vl = strlen(h->value);
		if (used + vl + 1 > hbufcap) {
			hbufcap = (used + vl + 1) * 2;
			hbuf = xrealloc(hbuf, hbufcap);
		}
		if (c.nseg == hsegcap) {
			hsegcap = hsegcap ? hsegcap * 2 : 32;
			hend = xrealloc(hend, hsegcap * sizeof *hend);
			hcls = xrealloc(hcls, hsegcap * sizeof *hcls);
		}
		memcpy(hbuf + used, h->value, vl);
		used += vl;
		hbuf[used++] = '\0';
		hend[c.nseg] = used - 1;
		hcls[c.nseg++] = (unsigned char)f;
	}
	memset(m->hhits, 0, sizeof m->hhits);
	if (used > UINT32_MAX)
		return;
	if (!used || hs_scan(hdb, hbuf, (unsigned)used, 0, scratch, on_hmatch, &c) == HS_SUCCESS)
		m->hscanned = 1;
}

void bounce_needles_scan(struct bounce_msg *m)
{
	m->scanned = 0;
	m->hscanned = 0;
	pthread_once(&once, setup);
	if (!ready)
		return;
	if (!scratch && hs_clone_scratch(proto, &scratch) != HS_SUCCESS)
		return;
	memset(m->hits, 0, sizeof m->hits);
	if (hs_scan(db, m->text, (unsigned)m->textlen, 0, scratch, on_match, m) == HS_SUCCESS)
		m->scanned = 1;
	hscan(m);
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

/* The pair (field name, any case; phrase, exactly) in the table, or -1.
 * Callers pass the same few literals again and again: the answer is kept
 * by their addresses in an open-addressed table that never evicts (it
 * holds one entry per call site; when full, the answer is looked up). */
static int hdr_needle_id(const char *name, const char *needle)
{
	size_t i, n, k = (size_t)((((uintptr_t)needle ^ ((uintptr_t)name << 7)) * UINT64_C(0x9e3779b97f4a7c15)) >> 40);
	for (n = 0; n < HSLOTS; n++, k++) {
		k %= HSLOTS;
		if (hseen[k].needle == needle && hseen[k].name == name)
			return hseen[k].id;
		if (!hseen[k].needle)
			break;
	}
	for (i = 0; i < NHNEEDLES; i++)
		if (!strcmp(hneedles[i].needle, needle) && !strcasecmp(hneedles[i].name, name))
			break;
	if (n < HSLOTS) {
		hseen[k].name = name;
		hseen[k].needle = needle;
		hseen[k].id = i < NHNEEDLES ? (int)i : -1;
	}
	return i < NHNEEDLES ? (int)i : -1;
}

int bounce_hdr_needle_has(const struct bounce_msg *m, const char *name, const char *needle)
{
	int id;
	if (!m->hscanned || (id = hdr_needle_id(name, needle)) < 0)
		return -1;
	return (int)(m->hhits[id / 64] >> (id % 64) & 1);
}
