/*
 * bounce_verdict.c - a record's verdict: the library's classifier on the
 * diagnostic text, with what the bounce adds as evidence.
 *
 * The text handed to the classifier starts at the SMTP reply inside the
 * diagnostic (MTAs put their own words before it: "host mx said:"), those
 * words follow after it so that rules still see them. The DSN's Status is
 * the enhanced code when the reply gave none (a "550 unknown user" with
 * Status 5.1.1 is read as "550 5.1.1 unknown user"); Action: delayed makes
 * the record temporary; a reason a module knows for sure (an auto-reply, a
 * complaint, a queue that expired) overrides. The stage, when the MTA names
 * none, may follow from the reply itself (one that names the sender's
 * address answered MAIL FROM). A reply that says a domain does not exist
 * is read by whose domain it names: the recipient's makes the address bad,
 * the sender's (the addresser, the envelope sender) refuses the sender, any
 * other blames nobody's address. Hard and advice are then derived as the
 * library documents (docs/RULES.md) for any reason we set.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"

/* Where the reply starts in s: the first 4xx/5xx code followed by space,
 * '-' or the end (else the first 2xx), or a bare enhanced code ("#4.4.1"
 * in qmail's prose); -1 when there is none. A code given twice ("550 550
 * 5.7.1 ...", as Gmail quotes the remote server) starts at the second,
 * which the enhanced code follows. */
static long reply_start(const char *s, size_t n)
{
	size_t i;
	long first2xx = -1;
	for (i = 0; i + 3 <= n; i++) {
		int before_ok = i == 0 || s[i - 1] == ' ' || s[i - 1] == ':' || s[i - 1] == '(' || s[i - 1] == '[' ||
		                s[i - 1] == ';' || s[i - 1] == '<' || s[i - 1] == '"' || s[i - 1] == '=' ||
		                s[i - 1] == '#' || s[i - 1] == '\'';
		if (!before_ok || s[i] < '2' || s[i] > '5')
			continue;
		if (isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
		    (i + 3 == n || s[i + 3] == ' ' || s[i + 3] == '-' ||
		     (s[i + 3] == ',' && i > 0 && s[i - 1] == ':')) && s[i + 1] <= '5') {
			if (i + 8 <= n && s[i + 3] == ' ' && !memcmp(s + i, s + i + 4, 3) && s[i + 7] == ' ')
				i += 4; /* the same code again */
			if (s[i] >= '4')
				return (long)i;
			if (first2xx < 0)
				first2xx = (long)i;
			continue;
		}
		if (s[i + 1] == '.' && i + 5 <= n && isdigit((unsigned char)s[i + 2])) {
			struct smtpcodes_enhanced en;
			size_t j = i + 2;
			while (j < n && (isdigit((unsigned char)s[j]) || s[j] == '.'))
				j++;
			while (j > i && s[j - 1] == '.')
				j--;
			if (!smtpcodes_enhanced_parse(s + i, j - i, &en) && (j == n || s[j] == ' ' || s[j] == ')' ||
			                                                     s[j] == ']' || s[j] == ';')) {
				if (s[i] >= '4')
					return (long)i;
				if (first2xx < 0)
					first2xx = (long)i;
			}
		}
	}
	return first2xx;
}

static int valid_status(const char *s, struct smtpcodes_enhanced *en)
{
	return s[0] && !smtpcodes_enhanced_parse(s, strlen(s), en) && en->klass >= 2 && en->klass <= 5;
}

/* qmail and its relatives give the enhanced code apart from the reply, after
 * a '#': "550 sorry, no mailbox here by that name (#5.1.1 - chkusr)". Sets
 * en from the first such code in s[0..n); returns 1, or 0 when there is none. */
static int hash_status(const char *s, size_t n, struct smtpcodes_enhanced *en)
{
	const char *h = s, *e = s + n;
	while ((h = memchr(h, '#', (size_t)(e - h))) != NULL) {
		const char *t = ++h;
		while (t < e && (isdigit((unsigned char)*t) || *t == '.'))
			t++;
		while (t > h && t[-1] == '.')
			t--;
		if (t > h && !smtpcodes_enhanced_parse(h, (size_t)(t - h), en) && en->klass >= 4 && en->klass <= 5)
			return 1;
	}
	return 0;
}

static enum smtpcodes_action action_for(enum smtpcodes_reason r, enum smtpcodes_class c)
{
	switch (r) {
	case SMTPCODES_REASON_DELIVERED:
	case SMTPCODES_REASON_FEEDBACK:
	case SMTPCODES_REASON_VACATION:
	case SMTPCODES_REASON_SUPPRESSED: return SMTPCODES_ACTION_NONE;
	case SMTPCODES_REASON_USERUNKNOWN:
	case SMTPCODES_REASON_HOSTUNKNOWN:
	case SMTPCODES_REASON_HASMOVED:
	case SMTPCODES_REASON_NOTACCEPT:
	case SMTPCODES_REASON_SUSPEND:
		return c == SMTPCODES_CLASS_PERMANENT ? SMTPCODES_ACTION_SUPPRESS : SMTPCODES_ACTION_RETRY;
	case SMTPCODES_REASON_MAILBOXFULL:
	case SMTPCODES_REASON_EXCEEDLIMIT:
	case SMTPCODES_REASON_NETWORKERROR:
	case SMTPCODES_REASON_SYSTEMERROR:
	case SMTPCODES_REASON_SYSTEMFULL:
	case SMTPCODES_REASON_EXPIRED:
	case SMTPCODES_REASON_ONHOLD: return SMTPCODES_ACTION_RETRY;
	case SMTPCODES_REASON_BLOCKED:
	case SMTPCODES_REASON_BADREPUTATION: return SMTPCODES_ACTION_CHECK_REPUTATION;
	case SMTPCODES_REASON_AUTHFAILURE:
	case SMTPCODES_REASON_REQUIREPTR:
	case SMTPCODES_REASON_SECURITYERROR:
	case SMTPCODES_REASON_FAILEDSTARTTLS: return SMTPCODES_ACTION_FIX_AUTHENTICATION;
	case SMTPCODES_REASON_SPEEDING:
	case SMTPCODES_REASON_TOOMANYCONN: return SMTPCODES_ACTION_SLOW_DOWN;
	case SMTPCODES_REASON_SPAMDETECTED:
	case SMTPCODES_REASON_VIRUSDETECTED:
	case SMTPCODES_REASON_CONTENTERROR:
	case SMTPCODES_REASON_NOTCOMPLIANTRFC:
	case SMTPCODES_REASON_MESGTOOBIG: return SMTPCODES_ACTION_FIX_CONTENT;
	case SMTPCODES_REASON_NORELAYING:
	case SMTPCODES_REASON_SYNTAXERROR:
	case SMTPCODES_REASON_MAILERERROR: return SMTPCODES_ACTION_FIX_CONFIGURATION;
	case SMTPCODES_REASON_REJECTED:
	case SMTPCODES_REASON_POLICYVIOLATION:
	case SMTPCODES_REASON_FILTERED: return SMTPCODES_ACTION_CONTACT_POSTMASTER;
	default:
		return c == SMTPCODES_CLASS_TEMPORARY ? SMTPCODES_ACTION_RETRY : SMTPCODES_ACTION_INVESTIGATE;
	}
}

static void settle(struct smtpcodes_verdict *v)
{
	v->hard = v->klass == SMTPCODES_CLASS_PERMANENT &&
	          (v->reason == SMTPCODES_REASON_USERUNKNOWN || v->reason == SMTPCODES_REASON_HOSTUNKNOWN ||
	           v->reason == SMTPCODES_REASON_HASMOVED || v->reason == SMTPCODES_REASON_NOTACCEPT);
	v->action = action_for(v->reason, v->klass);
	/* as the library refines it: the sender's domain does not resolve or
	 * its mailbox does not exist, or nobody can tell whose domain it is */
	if (v->reason == SMTPCODES_REASON_REJECTED && v->klass != SMTPCODES_CLASS_SUCCESS) {
		if (v->flags & (SMTPCODES_VERDICT_SENDER_DOMAIN | SMTPCODES_VERDICT_SENDER_ADDRESS))
			v->action = SMTPCODES_ACTION_FIX_CONFIGURATION;
		else if (v->flags & SMTPCODES_VERDICT_WHOSE_DOMAIN)
			v->action = SMTPCODES_ACTION_INVESTIGATE;
	}
}

/*
 * Whose domain a reply names. A reply that says a domain does not exist may
 * mean the recipient's (the address is bad), or the sender's (the server
 * checked our MAIL FROM or From: and found no such domain; the recipient is
 * fine). The reply's words rarely say which; the addresses do.
 */
enum whose { WHOSE_NONE, WHOSE_NEITHER, WHOSE_RECIPIENT, WHOSE_SENDER, WHOSE_BOTH };

#define WHOSE_MAX_SENDERS 5 /* four header fields and Postfix's X-Postfix-Sender */

/* Shortens *n so that s[0..*n) holds no trailing dot. */
static void domain_trim(const char *s, size_t *n)
{
	while (*n && s[*n - 1] == '.')
		(*n)--;
}

/* How close a domain a reply names (a) is to an address's domain (b), any
 * case, trailing dots ignored: 2 the same; 1 a parent of it ("example.com"
 * for "mail.example.com": if the parent does not exist, neither does b) or,
 * when sub is set, a subdomain of it (a host of the same owner); 0 not
 * related. The shorter name must have two labels at least, so that
 * "example.com" and "other.com" are not related through "com". */
static int domain_rel(const char *a, size_t al, const char *b, size_t bl, int sub)
{
	domain_trim(a, &al);
	domain_trim(b, &bl);
	if (!al || !bl)
		return 0;
	if (al == bl)
		return !strncasecmp(a, b, al) ? 2 : 0;
	if (al < bl)
		return memchr(a, '.', al) && b[bl - al - 1] == '.' && !strncasecmp(b + bl - al, a, al);
	return sub && memchr(b, '.', bl) && a[al - bl - 1] == '.' && !strncasecmp(a + al - bl, b, bl);
}

/* The domain of the first address in s[0..len): sets *d and *n and
 * returns 1, or 0 when there is none. */
static int addr_domain(const char *s, size_t len, const char **d, size_t *n)
{
	size_t as, al;
	const char *at;
	if (!bounce_find_addr(s, len, &as, &al))
		return 0;
	at = memchr(s + as, '@', al);
	if (!at)
		return 0;
	*d = at + 1;
	*n = al - (size_t)(at + 1 - (s + as));
	return *n > 0;
}

static int host_char(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* The next domain name a text names from *pos on, in an address or alone
 * ("553 mail.example.com does not exist"): a dotted name whose last label is
 * letters (or an IDN's xn--), not an IP address, a status code, a web
 * address's host or the remote host's own name (skip, may be ""). Sets *d
 * and *n and moves *pos past it; 0 at the end. */
static int next_domain(const char *s, size_t len, size_t *pos, const char *skip, const char **d, size_t *n)
{
	size_t i = *pos, sl = strlen(skip);
	while (i < len) {
		size_t b, e, last, k;
		int alpha = 1;
		if (!host_char((unsigned char)s[i]) || s[i] == '.' || (i > 0 && host_char((unsigned char)s[i - 1]))) {
			i++;
			continue;
		}
		b = i;
		e = b;
		while (e < len && host_char((unsigned char)s[e]))
			e++;
		i = e;
		if (e < len && s[e] == '@')
			continue; /* a local part: its domain comes next */
		if (b >= 2 && s[b - 1] == '/' && s[b - 2] == '/')
			continue; /* a web address */
		if (e < len && s[e] == '/')
			continue;
		while (e > b && (s[e - 1] == '.' || s[e - 1] == '-'))
			e--;
		last = e;
		while (last > b && s[last - 1] != '.')
			last--;
		if (last == b || e - last < 2)
			continue;
		for (k = last; k < e; k++)
			if (!isalpha((unsigned char)s[k]))
				alpha = 0;
		if (!alpha && !(e - last > 4 && !strncasecmp(s + last, "xn--", 4)))
			continue;
		if (sl && e - b == sl && !strncasecmp(s + b, skip, sl))
			continue;
		*d = s + b;
		*n = e - b;
		*pos = i;
		return 1;
	}
	*pos = len;
	return 0;
}

/* Whose domain the reply text s[0..n) names: compared with the recipient's
 * domain and with every domain the sender is known by (the addresser, the
 * original's Return-Path and From, the bounce's own addressee, which is the
 * envelope sender, and Postfix's X-Postfix-Sender). A host under the
 * recipient's domain says nothing of the domain itself; one under the
 * sender's is the sender's own. The closest relation wins; a tie names
 * both. */
static enum whose whose_domain(const struct bounce_msg *m, const char *addresser, const struct bounce_rec *r,
                               const char *s, size_t n)
{
	const char *sd[WHOSE_MAX_SENDERS], *rd = NULL, *d, *cand[4];
	size_t sdl[WHOSE_MAX_SENDERS], rdl = 0, ns = 0, pos = 0, dl, i;
	int best_r = 0, best_s = 0, named = 0;

	addr_domain(r->recipient, strlen(r->recipient), &rd, &rdl);
	cand[0] = addresser;
	cand[1] = m->has_orig ? bounce_hdr(&m->orig, "Return-Path") : NULL;
	cand[2] = m->has_orig ? bounce_hdr(&m->orig, "From") : NULL;
	cand[3] = bounce_hdr(&m->top, "To");
	for (i = 0; i < 4; i++)
		if (cand[i] && addr_domain(cand[i], strlen(cand[i]), &sd[ns], &sdl[ns]))
			ns++;
	if (m->dsn && (d = bounce_memcasemem(m->dsn, m->dsnlen, "X-Postfix-Sender:")) != NULL) {
		size_t rest = m->dsnlen - (size_t)(d - m->dsn);
		const char *eol = memchr(d, '\n', rest);
		if (addr_domain(d, eol ? (size_t)(eol - d) : rest, &sd[ns], &sdl[ns]))
			ns++;
	}

	while (next_domain(s, n, &pos, r->rhost, &d, &dl)) {
		named = 1;
		if (rd) {
			int k = domain_rel(d, dl, rd, rdl, 0);
			if (k > best_r)
				best_r = k;
		}
		for (i = 0; i < ns; i++) {
			int k = domain_rel(d, dl, sd[i], sdl[i], 1);
			if (k > best_s)
				best_s = k;
		}
	}
	if (!named)
		return WHOSE_NONE;
	if (best_r > best_s)
		return WHOSE_RECIPIENT;
	if (best_s > best_r)
		return WHOSE_SENDER;
	return best_r ? WHOSE_BOTH : WHOSE_NEITHER;
}

/* A verdict that a domain does not exist, settled by whose domain it is
 * (text: the reply, n bytes). "Host unknown" and its kin, which the sending
 * MTA mostly says of the recipient's domain, change only when the reply
 * names the sender's domain and not the recipient's. A reply the library
 * could not attribute (WHOSE_DOMAIN) blames the recipient only when it names
 * the recipient's domain; naming both, the sender's comes first (the
 * recipient's domain led us to the server that answered, so it exists);
 * naming neither, nobody's address is blamed (rejected, investigate). */
static void domain_verdict(const struct bounce_msg *m, const char *addresser, const struct bounce_rec *r,
                           const char *text, size_t n, struct smtpcodes_verdict *v)
{
	int unsure = (v->flags & SMTPCODES_VERDICT_WHOSE_DOMAIN) != 0;
	enum whose w;
	if (v->reason != SMTPCODES_REASON_HOSTUNKNOWN && !(unsure && v->reason == SMTPCODES_REASON_REJECTED))
		return;
	w = whose_domain(m, addresser, r, text, n);
	if (w == WHOSE_SENDER || (unsure && w == WHOSE_BOTH)) {
		v->reason = SMTPCODES_REASON_REJECTED;
		v->flags = (v->flags & ~SMTPCODES_VERDICT_WHOSE_DOMAIN) | SMTPCODES_VERDICT_SENDER_DOMAIN;
	} else if (unsure && w == WHOSE_RECIPIENT) {
		v->reason = SMTPCODES_REASON_HOSTUNKNOWN;
		v->flags &= ~SMTPCODES_VERDICT_WHOSE_DOMAIN;
	} else if (unsure) {
		v->reason = SMTPCODES_REASON_REJECTED;
	}
}

/* The reason the enhanced code alone gives (classifying "5.1.1" by itself). */
static enum smtpcodes_reason reason_of_status(struct sc_engine *e, const char *status, int code)
{
	char buf[48];
	struct smtpcodes_reply rr;
	struct smtpcodes_verdict vv;
	if (code)
		snprintf(buf, sizeof buf, "%d %s", code, status);
	else
		snprintf(buf, sizeof buf, "%s", status);
	sc_engine_classify(e, buf, strlen(buf), NULL, &rr, &vv);
	return vv.reason;
}

static int generic_enhanced(const struct smtpcodes_enhanced *en)
{
	return en->subject == 0 || (en->subject == 7 && en->detail <= 1) || (en->subject == 1 && en->detail == 0) ||
	       (en->subject == 5 && en->detail == 0) || (en->subject == 3 && en->detail == 0) ||
	       en->detail >= 900;
}

/* Enhanced codes that name their reason beyond doubt, whatever the words
 * around them say (the words are often an MTA's generic "Recipient address
 * rejected:" prefix). X.6.0 is any trouble with the content: words that
 * name spam or a virus say which (given as text_reason). */
static int decisive(const struct smtpcodes_enhanced *en, enum smtpcodes_reason text_reason)
{
	static const int codes[][2] = {
		{ 1, 2 }, { 1, 6 }, { 1, 7 }, { 2, 2 }, { 2, 3 }, { 3, 4 }, { 6, 0 }, { 7, 13 }, { 7, 25 }, { 7, 26 },
	};
	size_t i;
	if (en->subject == 6 && en->detail == 0 &&
	    (text_reason == SMTPCODES_REASON_SPAMDETECTED || text_reason == SMTPCODES_REASON_VIRUSDETECTED))
		return 0;
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (en->subject == codes[i][0] && en->detail == codes[i][1])
			return 1;
	return 0;
}

/*
 * What the bouncing MTA says in its own words about why it gave up. These
 * are not SMTP replies (data/rules.txt classifies those) but the prose of
 * the bounce itself: qmail's "in the queue too long", dma's "Could not
 * deliver for the last N seconds", OpenSMTPD's "Envelope expired".
 */
static const struct {
	const char *words;
	enum smtpcodes_reason reason;
	int strong; /* beats a reason read from the reply text */
} mta_words[] = {
	{ "retry timeout exceeded", SMTPCODES_REASON_EXPIRED, 0 },
	{ "retry time not reached for any host after a long failure period", SMTPCODES_REASON_EXPIRED, 1 },
	{ "Could not deliver for the last", SMTPCODES_REASON_EXPIRED, 1 },
	{ "Envelope expired", SMTPCODES_REASON_EXPIRED, 1 },
	{ "did not accept our requests to connect", SMTPCODES_REASON_EXPIRED, 1 },
	{ "Gmail will retry for", SMTPCODES_REASON_EXPIRED, 1 },
	{ "recipients was aborted after", SMTPCODES_REASON_EXPIRED, 1 },
	{ "Your message was not delivered within", SMTPCODES_REASON_EXPIRED, 1 },
	{ "rfc7505", SMTPCODES_REASON_NOTACCEPT, 1 }, /* Gmail on a null MX */
	{ "DNS Error: ", SMTPCODES_REASON_NETWORKERROR, 1 },
	{ "Network error on destination MXs", SMTPCODES_REASON_NETWORKERROR, 1 },
	{ "No MX found for domain", SMTPCODES_REASON_NOTACCEPT, 1 },
	{ "indicated no SMTP service", SMTPCODES_REASON_NOTACCEPT, 1 },
	{ "couldn't find a mail exchanger or IP address", SMTPCODES_REASON_NOTACCEPT, 1 },
	{ "No mx record found for domain", SMTPCODES_REASON_NOTACCEPT, 1 },
	{ "in the queue too long", SMTPCODES_REASON_EXPIRED, 0 },
	{ "Message could not be delivered for", SMTPCODES_REASON_EXPIRED, 0 },
	{ "message still undeliverable", SMTPCODES_REASON_EXPIRED, 0 },
	{ "message still undelivered after", SMTPCODES_REASON_EXPIRED, 1 },
	{ "Delivery failed 20 attempts", SMTPCODES_REASON_EXPIRED, 0 },
	{ "Cannot send message for", SMTPCODES_REASON_EXPIRED, 0 },
	/* Yahoo: the receiving system kept failing until Yahoo gave up */
	{ "Unable to deliver message after multiple retries", SMTPCODES_REASON_SYSTEMERROR, 0 },
};

#define MTA_WORDS (sizeof mta_words / sizeof mta_words[0])

/* The words above as one set, found in one pass; mta_strong has the bits
 * of the strong ones. */
static struct bounce_phrases mta_set;
static uint64_t mta_strong;
static pthread_once_t mta_once = PTHREAD_ONCE_INIT;

static void mta_setup(void)
{
	const char *w[MTA_WORDS];
	size_t i;
	_Static_assert(MTA_WORDS <= BOUNCE_PHRASES_MAX, "the MTA's words fit one phrase set");
	for (i = 0; i < MTA_WORDS; i++) {
		w[i] = mta_words[i].words;
		if (mta_words[i].strong)
			mta_strong |= (uint64_t)1 << i;
	}
	bounce_phrases_init(&mta_set, w, MTA_WORDS);
}

/* The remote host an MTA names in its prose: "host mx.example.org[192.0.2.1]
 * said:", "host mx.example.org [192.0.2.1]:", "while talking to mx.:". */
static void rhost_from_text(struct bounce_rec *r)
{
	const char *d = r->diag, *h;
	size_t dl = strlen(d), n;
	h = bounce_memcasemem(d, dl, "host ");
	while (h) {
		const char *q = h + 5;
		n = strcspn(q, "[ :;,()'\"");
		if (n > 3 && memchr(q, '.', n) && (q[n] == '[' || (q[n] == ' ' && q[n + 1] == '['))) {
			bounce_rec_set(r->rhost, sizeof r->rhost, q, n);
			return;
		}
		h = bounce_memcasemem(q, dl - (size_t)(q - d), "host ");
	}
}

/* Postfix's recipient access map refusing the address at RCPT TO: "554
 * 5.7.1 <a@example.org>: Recipient address rejected: Access denied". The
 * 5.7.1 is Postfix's status for every access map refusal; the refused
 * thing is the recipient address itself, for any sender. */
static int recipient_access_map(const struct bounce_rec *r, enum smtpcodes_stage st, size_t dl)
{
	return st == SMTPCODES_STAGE_RCPT &&
	       bounce_memcasemem(r->diag, dl, "Recipient address rejected: Access denied") != NULL;
}

/* Does s hold letters beyond ASCII, or ISO-2022 escape sequences? */
static int foreign_script(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == 0x1b)
			return 1;
	return 0;
}

/* Does the reply in s[0..n) name the sender's address rather than the
 * recipient's ("550 5.7.1 <sender@example.org>... Access denied")? The
 * sender is the bounce's addressee, or the original message's Return-Path
 * or From. Such a reply answered MAIL FROM. */
static int names_sender(const struct bounce_msg *m, const struct bounce_rec *r, const char *s, size_t n)
{
	static const char *const fields[] = { "Return-Path", "From" };
	const char *cand[3];
	size_t as, al, i;
	if (!bounce_find_addr(s, n, &as, &al) || (strlen(r->recipient) == al && !strncasecmp(s + as, r->recipient, al)))
		return 0;
	cand[0] = bounce_hdr(&m->top, "To");
	for (i = 0; i < 2; i++)
		cand[i + 1] = m->has_orig ? bounce_hdr(&m->orig, fields[i]) : NULL;
	for (i = 0; i < 3; i++) {
		size_t cs, cl;
		if (cand[i] && bounce_find_addr(cand[i], strlen(cand[i]), &cs, &cl) && cl == al &&
		    !strncasecmp(cand[i] + cs, s + as, al))
			return 1;
	}
	return 0;
}

/* Does the text say a DNS look-up failed? */
static int dns_trouble(const char *d, size_t dl)
{
	static const char *const words[] = { "lookup fail", "look-up fail", "Name server", "Name service", "NXDOMAIN",
	                                     "no such domain", "DNS", NULL };
	return bounce_memcasemem_any(d, dl, words);
}

/* Are "user unknown" words a filter's decision rather than the address's?
 * Yes in answer to the message itself, from a filtering gateway, or with a
 * status (en, NULL when none) about the mailbox (X.2.0) or policy (X.7.x)
 * rather than the address: an X.7 the reply itself gave, or only the DSN's
 * (status_added) when the words did not answer the RCPT command, the
 * reporting MTA's guess. A status about a disabled mailbox (X.2.1) or the
 * mail system (X.3.x) leaves the words standing only in answer to RCPT TO. */
static int unknown_is_filter(const struct bounce_rec *r, enum smtpcodes_stage st, const struct smtpcodes_enhanced *en,
                             int status_added)
{
	int rcpt = st == SMTPCODES_STAGE_RCPT;
	if (st == SMTPCODES_STAGE_DATA || st == SMTPCODES_STAGE_EOD)
		return 1;
	if (r->appliance && !(en && en->subject == 1 && en->detail == 1))
		return 1;
	if (!en)
		return 0;
	return (en->subject == 2 && en->detail == 0) || (en->subject == 7 && (!rcpt || !status_added)) ||
	       (!rcpt && ((en->subject == 2 && en->detail == 1) || en->subject == 3));
}

void bounce_verdict(struct sc_engine *e, const struct bounce_msg *m, const char *addresser, struct bounce_rec *r)
{
	char in[BOUNCE_DIAG_MAX + 64];
	size_t dl = strlen(r->diag), o = 0;
	long rs = reply_start(r->diag, dl);
	struct smtpcodes_context ctx;
	struct smtpcodes_reply reply;
	struct smtpcodes_verdict v;
	struct smtpcodes_enhanced dsn_en;
	int have_dsn = valid_status(r->status, &dsn_en);
	int status_added = 0; /* the DSN's Status put in front of a reply without one */
	int own_klass = 0; /* class of the enhanced code the reply itself wrote */
	int unreachable;   /* a network error that is no failed DNS look-up */
	enum smtpcodes_stage st;

	memset(&ctx, 0, sizeof ctx);
	if (!r->rhost[0])
		rhost_from_text(r);
	for (o = 0; r->diagtype[o]; o++)
		r->diagtype[o] = (char)toupper((unsigned char)r->diagtype[o]);
	o = 0;
	st = bounce_stage_in(r->diag, dl);
	if (st == SMTPCODES_STAGE_UNKNOWN && r->command[0])
		st = (enum smtpcodes_stage)smtpcodes_stage_from_text(r->command, strlen(r->command));
	if ((int)st < 0)
		st = SMTPCODES_STAGE_UNKNOWN;
	if (st == SMTPCODES_STAGE_UNKNOWN && rs >= 0 && names_sender(m, r, r->diag + rs, dl - (size_t)rs))
		st = SMTPCODES_STAGE_MAIL;
	ctx.stage = st;
	bounce_set_command(r, st);
	if (r->rhost[0]) {
		ctx.remote_host = r->rhost;
		ctx.remote_host_len = strlen(r->rhost);
	}

	/* the classifier's input: the reply first, the MTA's words after it */
	if (rs >= 0) {
		const char *s = r->diag + rs;
		size_t sl = dl - (size_t)rs;
		size_t codelen = (isdigit((unsigned char)s[0]) && s[1] != '.') ? 3 : 0;
		struct smtpcodes_enhanced tmp;
		size_t k = codelen + 1;
		int has_enh = 0;
		if (codelen) {
			size_t j = k;
			while (j < sl && (isdigit((unsigned char)s[j]) || s[j] == '.'))
				j++;
			if (j > k && !smtpcodes_enhanced_parse(s + k, j - k, &tmp)) {
				has_enh = 1;
				own_klass = tmp.klass;
			}
		}
		if (codelen && !has_enh && have_dsn) {
			o = (size_t)snprintf(in, sizeof in, "%.3s %s", s, r->status);
			status_added = 1;
			s += 3;
			sl -= 3;
		}
		if (o + sl >= sizeof in)
			sl = sizeof in - o - 1;
		memcpy(in + o, s, sl);
		if (codelen && o == 0 && sl > 3 && in[3] == ',')
			in[3] = ' '; /* Zoho's "ERROR_CODE :421, ..." */
		else if (o && in[o] == ',')
			in[o] = ' ';
		o += sl;
		/* " | " keeps the two apart: "550 User unknown" and "host mx said:"
		 * must not read as "unknown host" */
		if (rs > 0 && o + 4 + (size_t)rs < sizeof in) {
			memcpy(in + o, " | ", 3);
			o += 3;
			memcpy(in + o, r->diag, (size_t)rs);
			o += (size_t)rs;
		}
		in[o] = '\0';
	} else {
		if (have_dsn)
			o = (size_t)snprintf(in, sizeof in, "%s ", r->status);
		snprintf(in + o, sizeof in - o, "%s", r->diag);
		o = strlen(in);
	}
	sc_engine_classify(e, in, o, &ctx, &reply, &v);

	r->finalcode = reply.code;
	if (!r->finalcode && r->replycode)
		r->finalcode = r->replycode;

	/* a DSN's generic X.0.0 says less than the reply's own enhanced code;
	 * a DSN whose class contradicts the reply (Postfix's 4.5.0 for "550
	 * 5.5.0" at the greeting) yields to the reply's own code */
	if (have_dsn && reply.enhanced.klass &&
	    ((dsn_en.subject == 0 && dsn_en.detail == 0 && reply.enhanced.klass == dsn_en.klass &&
	      (reply.enhanced.subject || reply.enhanced.detail)) ||
	     (own_klass == reply.code / 100 && own_klass != dsn_en.klass))) {
		smtpcodes_enhanced_format(&reply.enhanced, r->status, sizeof r->status);
		dsn_en = reply.enhanced;
	}
	/* the status: the DSN's as given (the verdict's class follows the
	 * reply code), else the reply's enhanced code, else the class */
	if (have_dsn) {
		snprintf(r->finalstatus, sizeof r->finalstatus, "%s", r->status);
	} else if (reply.enhanced.klass) {
		smtpcodes_enhanced_format(&reply.enhanced, r->finalstatus, sizeof r->finalstatus);
		have_dsn = valid_status(r->finalstatus, &dsn_en);
	} else if (hash_status(r->diag, dl, &dsn_en) &&
	           (!reply.code || reply.code / 100 == dsn_en.klass)) {
		smtpcodes_enhanced_format(&dsn_en, r->finalstatus, sizeof r->finalstatus);
		have_dsn = 1;
	}

	/* the class: the reply code, else the status, else a bounce is permanent */
	if (v.klass == SMTPCODES_CLASS_UNKNOWN) {
		if (have_dsn)
			v.klass = dsn_en.klass == 4 ? SMTPCODES_CLASS_TEMPORARY :
			          dsn_en.klass == 2 ? SMTPCODES_CLASS_SUCCESS : SMTPCODES_CLASS_PERMANENT;
		else
			v.klass = SMTPCODES_CLASS_PERMANENT;
	}
	if (!strcmp(r->action, "delayed"))
		v.klass = SMTPCODES_CLASS_TEMPORARY;
	else if (!strcmp(r->action, "delivered") || !strcmp(r->action, "relayed") || !strcmp(r->action, "expanded"))
		v.klass = SMTPCODES_CLASS_SUCCESS;
	else if (!strcmp(r->action, "failed") && v.klass == SMTPCODES_CLASS_TEMPORARY && have_dsn &&
	         dsn_en.klass == 5)
		v.klass = SMTPCODES_CLASS_PERMANENT;
	else if (!strcmp(r->action, "failed") && v.klass == SMTPCODES_CLASS_SUCCESS) /* a 2xx quoted in a failure */
		v.klass = have_dsn && dsn_en.klass == 4 ? SMTPCODES_CLASS_TEMPORARY : SMTPCODES_CLASS_PERMANENT;

	/* a specific status beats a guess from the basic code, and the
	 * generic words of the text ("Recipient address rejected: ...") */
	if (have_dsn && !generic_enhanced(&dsn_en) && (v.source != SMTPCODES_EVIDENCE_TEXT || decisive(&dsn_en, v.reason))) {
		enum smtpcodes_reason sr = reason_of_status(e, r->status[0] ? r->status : r->finalstatus, 0);
		if (sr != SMTPCODES_REASON_UNDEFINED)
			v.reason = sr;
	}
	if (v.reason == SMTPCODES_REASON_USERUNKNOWN && !recipient_access_map(r, st, dl) &&
	    unknown_is_filter(r, st, have_dsn ? &dsn_en : NULL, status_added))
		v.reason = SMTPCODES_REASON_FILTERED;
	/* ... and in answer to MAIL FROM they are about the sender */
	if (v.reason == SMTPCODES_REASON_USERUNKNOWN && st == SMTPCODES_STAGE_MAIL)
		v.reason = SMTPCODES_REASON_REJECTED;
	/* a domain that does not exist: whose? */
	{
		size_t from = rs >= 0 ? (size_t)rs : 0; /* the reply, when it was found */
		domain_verdict(m, addresser, r, r->diag + from, dl - from, &v);
	}
	/* refused before any command of ours: the sending host is blocked */
	if ((st == SMTPCODES_STAGE_CONNECT || st == SMTPCODES_STAGE_HELO) && v.klass != SMTPCODES_CLASS_SUCCESS &&
	    (v.reason == SMTPCODES_REASON_UNDEFINED || v.reason == SMTPCODES_REASON_REJECTED ||
	     v.reason == SMTPCODES_REASON_SYSTEMERROR || v.reason == SMTPCODES_REASON_SYNTAXERROR ||
	     v.reason == SMTPCODES_REASON_NOTACCEPT || v.reason == SMTPCODES_REASON_ONHOLD))
		v.reason = SMTPCODES_REASON_BLOCKED;
	if (v.klass == SMTPCODES_CLASS_SUCCESS)
		v.reason = SMTPCODES_REASON_DELIVERED;
	/* a host that could not be reached (a failed DNS look-up is not that:
	 * the domain may be mistyped) */
	unreachable = v.reason == SMTPCODES_REASON_NETWORKERROR && !dns_trouble(r->diag, dl);
	if (r->reason_hint < 0) {
		int weak = v.source == SMTPCODES_EVIDENCE_NONE || v.source == SMTPCODES_EVIDENCE_CODE ||
		           v.reason == SMTPCODES_REASON_UNDEFINED;
		/* RFC 3464's X-Unix diagnostic is a local delivery program's exit
		 * status: that program failed, unless the words say how ("maildir
		 * over quota"); "temporary failure" or "Operating system error"
		 * says no more than that it failed */
		if (!strcmp(r->diagtype, "X-UNIX") && (weak || v.reason == SMTPCODES_REASON_SYSTEMERROR))
			r->reason_hint = SMTPCODES_REASON_MAILERERROR;
		if (r->reason_hint < 0) {
			int i;
			pthread_once(&mta_once, mta_setup);
			/* a host that could not be reached until the MTA gave up
			 * ("wasn't able to establish an SMTP connection ... in the
			 * queue too long"): the message expired */
			uint64_t want = weak ? BOUNCE_PHRASES_ALL : mta_strong;
			i = bounce_phrases_first(&mta_set, r->diag, dl, unreachable ? BOUNCE_PHRASES_ALL : want, 0);
			if (i >= 0 && !((want >> i) & 1) && mta_words[i].reason != SMTPCODES_REASON_EXPIRED)
				i = bounce_phrases_first(&mta_set, r->diag, dl, want, 0);
			if (i >= 0)
				r->reason_hint = (int)mta_words[i].reason;
		}
	}
	/* a delay notice, or a temporary failure the MTA gave up on, with no
	 * more specific reason than a timeout or X.4.0 ("other or undefined
	 * network or routing status") alone, or a trouble to connect under
	 * X.4.7 ("delivery time expired"): the message expired. A failed DNS
	 * look-up stays a network error: the domain may be mistyped. */
	if (r->reason_hint < 0 &&
	    (v.reason == SMTPCODES_REASON_UNDEFINED ||
	     (v.reason == SMTPCODES_REASON_NETWORKERROR &&
	      (bounce_memcasemem(r->diag, dl, "timed out") ||
	       (have_dsn && dsn_en.subject == 4 && dsn_en.detail == 7 && unreachable) ||
	       (v.source == SMTPCODES_EVIDENCE_ENHANCED && have_dsn && dsn_en.subject == 4 && dsn_en.detail == 0)))) &&
	    (!strcmp(r->action, "delayed") || !strcmp(r->action, "expired") ||
	     (!strcmp(r->action, "failed") && have_dsn && dsn_en.klass == 4)))
		r->reason_hint = SMTPCODES_REASON_EXPIRED;
	if (r->reason_hint >= 0)
		v.reason = (enum smtpcodes_reason)r->reason_hint;
	/* a reason written in a script the rules do not read (Notes and Domino
	 * in Japanese, raw ISO-2022-JP): the bounce does give a reason, we
	 * cannot tell which - a person has to read it (onhold), unlike a bounce
	 * that gives none (undefined) */
	if (v.reason == SMTPCODES_REASON_UNDEFINED && v.klass != SMTPCODES_CLASS_SUCCESS && foreign_script(r->diag))
		v.reason = SMTPCODES_REASON_ONHOLD;

	/* Exim gave up retrying a temporary trouble (a host that does not
	 * answer, a full mailbox) and names no code: the trouble was temporary */
	if (!r->finalstatus[0] && !reply.code &&
	    (bounce_memcasemem(r->diag, dl, "retry timeout exceeded") ||
	     bounce_memcasemem(r->diag, dl, "failing for a long time")))
		v.klass = SMTPCODES_CLASS_TEMPORARY;
	if (!r->finalstatus[0]) {
		int k = v.klass == SMTPCODES_CLASS_TEMPORARY ? 4 : v.klass == SMTPCODES_CLASS_SUCCESS ? 2 : 5;
		if (v.reason == SMTPCODES_REASON_FEEDBACK || v.reason == SMTPCODES_REASON_VACATION)
			k = 0;
		if (k)
			snprintf(r->finalstatus, sizeof r->finalstatus, "%d.0.0", k);
	}
	if (v.reason == SMTPCODES_REASON_FEEDBACK || v.reason == SMTPCODES_REASON_VACATION)
		v.klass = SMTPCODES_CLASS_UNKNOWN;
	settle(&v);
	r->v = v;
}
