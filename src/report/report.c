/*
 * report.c - the report's aggregation: each delivery event (with its parsed
 * reply and verdict) is counted into the totals and into every breakdown
 * table, its reply text masked and grouped, the problems (blocklists,
 * authentication failures, throttling) collected, and hard-bounced
 * recipients kept as suppression candidates. The writers (report_text.c,
 * report_json.c, report_csv.c, report_html.c) only read what this file
 * built. See report.h for the memory bounds.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/i18n.h"
#include "common/util.h"
#include "report/report.h"

#define EXAMPLE_MAX 300 /* bytes of a line not understood kept as example */

struct sc_report *sc_report_new(const struct sc_report_config *cfg)
{
	struct sc_report *r = xcalloc(1, sizeof *r);
	size_t mk;

	r->cfg = *cfg;
	mk = cfg->max_keys ? cfg->max_keys : SC_REPORT_MAX_KEYS;
	sc_rtable_init(&r->by_code, mk, 0);
	sc_rtable_init(&r->by_enhanced, mk, 0);
	sc_rtable_init(&r->by_reason, mk, 0);
	sc_rtable_init(&r->by_provider, mk, 0);
	sc_rtable_init(&r->by_domain, mk, 0);
	sc_rtable_init(&r->by_sender, mk, 0);
	sc_rtable_init(&r->by_hour, mk, 0);
	sc_rtable_init(&r->by_text, mk < SC_REPORT_MAX_TEXTS ? mk : SC_REPORT_MAX_TEXTS, 1);
	sc_rtable_init(&r->blocklists, mk, 1);
	sc_rtable_init(&r->auth, mk, 1);
	sc_rtable_init(&r->throttling, mk, 1);
	sc_rtable_init(&r->suppress, cfg->max_suppress ? cfg->max_suppress : SC_REPORT_MAX_SUPPRESS, 1);
	sc_rtable_init(&r->verdicts, mk < SC_REPORT_MAX_TEXTS ? mk : SC_REPORT_MAX_TEXTS, 1);
	sc_distinct_init(&r->messages, cfg->distinct_limit);
	sc_distinct_init(&r->recipients, cfg->distinct_limit);
	r->grouped_by_campaign = cfg->campaign != NULL;
	r->sender_raw_len = (size_t)-1;
	r->mask = xmalloc(SC_REPORT_MASK_MAX + 64);
	r->scratch_cap = 4096;
	r->scratch = xmalloc(r->scratch_cap);
	return r;
}

void sc_report_free(struct sc_report *r)
{
	size_t i;
	if (!r)
		return;
	sc_rtable_free(&r->by_code);
	sc_rtable_free(&r->by_enhanced);
	sc_rtable_free(&r->by_reason);
	sc_rtable_free(&r->by_provider);
	sc_rtable_free(&r->by_domain);
	sc_rtable_free(&r->by_sender);
	sc_rtable_free(&r->by_hour);
	sc_rtable_free(&r->by_text);
	sc_rtable_free(&r->blocklists);
	sc_rtable_free(&r->auth);
	sc_rtable_free(&r->throttling);
	sc_rtable_free(&r->suppress);
	sc_rtable_free(&r->verdicts);
	sc_distinct_free(&r->messages);
	sc_distinct_free(&r->recipients);
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->files);
	for (i = 0; i < r->nexamples; i++) {
		free(r->examples[i].where);
		free(r->examples[i].text);
	}
	free(r->examples);
	free(r->mask);
	free(r->scratch);
	free(r);
}

uint32_t sc_report_add_file(struct sc_report *r, const char *name)
{
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	r->files[r->nfiles] = xstrdup(name);
	return (uint32_t)r->nfiles++;
}

void sc_report_example(struct sc_report *r, const char *file, unsigned long long line, const char *text, int cut)
{
	char where[1024];
	struct sc_report_example *ex;
	size_t n = strlen(text);

	if (r->nexamples >= r->cfg.max_examples)
		return;
	snprintf(where, sizeof where, "%s:%llu", strcmp(file, "-") ? file : "(stdin)", line);
	r->examples = xrealloc(r->examples, (r->nexamples + 1) * sizeof *r->examples);
	ex = &r->examples[r->nexamples++];
	ex->where = xstrdup(where);
	ex->text = xstrndup(text, n < EXAMPLE_MAX ? n : EXAMPLE_MAX);
	ex->cut = cut;
}

static void group_add(struct sc_group *g, enum sc_status st, int hard, const struct sc_where *w, time_t t)
{
	if (!g->total) {
		g->first = *w;
		g->first_time = t;
	}
	g->n[st]++;
	g->total++;
	if (hard)
		g->hard++;
	g->last = *w;
	g->last_time = t;
}

static void info_set(struct sc_text_info *in, const struct sc_event *ev, const struct smtpcodes_reply *rp,
                     const struct smtpcodes_verdict *v, const struct smtpcodes_enhanced *enh, const char *masked)
{
	size_t n;
	if (in->sample)
		return;
	in->code = rp->code;
	in->enhanced = *enh;
	in->klass = v->klass;
	in->reason = v->reason;
	in->action = v->action;
	in->hard = v->hard;
	in->provider = v->provider;
	in->blocklist = v->blocklist;
	n = ev->reply.len < SC_REPORT_SAMPLE_MAX ? ev->reply.len : SC_REPORT_SAMPLE_MAX;
	in->sample = xstrndup(ev->reply.ptr ? ev->reply.ptr : "", n);
	in->masked = xstrdup(masked);
}

static struct sc_rentry *count(struct sc_rtable *t, const char *key, size_t len, enum sc_status st, int hard,
                               const struct sc_where *w, time_t tm)
{
	struct sc_rentry *e = sc_rtable_get(t, key, len);
	group_add(&e->g, st, hard, w, tm);
	return e;
}

static size_t lower_copy(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;
	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = (char)(c < 0x20 || c == 0x7f ? '?' : tolower(c));
	}
	dst[n] = '\0';
	return n;
}

const char *sc_auth_kind_name(enum sc_auth_kind k)
{
	switch (k) {
	case SC_AUTH_SPF: return "spf";
	case SC_AUTH_DKIM: return "dkim";
	case SC_AUTH_SPF_DKIM: return "spf+dkim";
	case SC_AUTH_DMARC: return "dmarc";
	case SC_AUTH_PTR: return "ptr";
	default: return "other";
	}
}

static int has_word(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w), i;
	for (i = 0; i + wl <= n; i++)
		if (strncasecmp(s + i, w, wl) == 0)
			return 1;
	return 0;
}

enum sc_auth_kind sc_auth_kind_of(const char *text, size_t n, enum smtpcodes_reason reason)
{
	int spf, dkim;
	if (has_word(text, n, "dmarc"))
		return SC_AUTH_DMARC;
	spf = has_word(text, n, "spf") || has_word(text, n, "sender policy framework");
	dkim = has_word(text, n, "dkim") || has_word(text, n, "domainkeys");
	if (spf && dkim)
		return SC_AUTH_SPF_DKIM;
	if (spf)
		return SC_AUTH_SPF;
	if (dkim)
		return SC_AUTH_DKIM;
	if (reason == SMTPCODES_REASON_REQUIREPTR || has_word(text, n, "reverse dns") || has_word(text, n, "ptr record") ||
	    has_word(text, n, "hostname"))
		return SC_AUTH_PTR;
	return SC_AUTH_OTHER;
}

static int in_window(struct sc_report *r, const struct sc_event *ev)
{
	if (!r->cfg.has_since && !r->cfg.has_until)
		return 1;
	if (!ev->time) {
		r->no_time++;
		return 0;
	}
	if ((r->cfg.has_since && ev->time < r->cfg.since) || (r->cfg.has_until && ev->time >= r->cfg.until)) {
		r->outside_window++;
		return 0;
	}
	return 1;
}

static int is_problem_class(enum smtpcodes_class k)
{
	return k == SMTPCODES_CLASS_TEMPORARY || k == SMTPCODES_CLASS_PERMANENT || k == SMTPCODES_CLASS_UNKNOWN;
}

/* Masks the reply of ev into r->mask: the codes first, then the text
 * without them. Returns the length. */
static size_t mask_reply(struct sc_report *r, const struct sc_event *ev, const struct smtpcodes_reply *rp)
{
	const char *rtext;
	size_t rlen, kl = 0;

	if (rp->code || rp->enhanced.klass) {
		size_t need = smtpcodes_reply_text(rp, r->scratch, r->scratch_cap);
		if (need >= r->scratch_cap) {
			r->scratch_cap = need + 1;
			r->scratch = xrealloc(r->scratch, r->scratch_cap);
			smtpcodes_reply_text(rp, r->scratch, r->scratch_cap);
		}
		rtext = r->scratch;
		rlen = need;
		if (rp->code >= 100 && rp->code <= 999) {
			r->mask[0] = (char)('0' + rp->code / 100);
			r->mask[1] = (char)('0' + rp->code / 10 % 10);
			r->mask[2] = (char)('0' + rp->code % 10);
			r->mask[3] = ' ';
			kl = 4;
		}
		if (rp->enhanced.klass) {
			char e2[24];
			size_t el;
			smtpcodes_enhanced_format(&rp->enhanced, e2, sizeof e2);
			el = strlen(e2);
			memcpy(r->mask + kl, e2, el);
			r->mask[kl + el] = ' ';
			kl += el + 1;
		}
	} else {
		rtext = ev->reply.ptr ? ev->reply.ptr : "";
		rlen = ev->reply.len;
	}
	kl += sc_mask_text(rtext, rlen, ev->recipient_domain.ptr, ev->recipient_domain.len, r->mask + kl,
	                   SC_REPORT_MASK_MAX + 1);
	while (kl && r->mask[kl - 1] == ' ')
		kl--;
	if (!kl)
		kl = (size_t)snprintf(r->mask, 16, "(empty)");
	r->mask[kl] = '\0';
	return kl;
}

void sc_report_adjust_verdict(enum sc_status st, struct smtpcodes_verdict *v)
{
	if (st == SC_STATUS_SENT && v->klass != SMTPCODES_CLASS_SUCCESS) {
		/* "delivered to mailbox", "delivered via dovecot service": the MTA's
		 * own words for a delivery, without a reply code */
		v->klass = SMTPCODES_CLASS_SUCCESS;
		v->reason = SMTPCODES_REASON_DELIVERED;
		v->action = SMTPCODES_ACTION_NONE;
		v->hard = false;
		v->flags &= ~SMTPCODES_VERDICT_PARSE_ERROR;
	} else if (st == SC_STATUS_EXPIRED && v->reason == SMTPCODES_REASON_UNDEFINED) {
		/* "status=expired, returned to sender": the queue lifetime ran out */
		v->reason = SMTPCODES_REASON_EXPIRED;
		if (v->klass == SMTPCODES_CLASS_UNKNOWN)
			v->klass = SMTPCODES_CLASS_PERMANENT;
	}
}

static void count_event(struct sc_report *r, uint32_t file, const struct sc_event *ev,
                        const struct smtpcodes_reply *rp, const struct smtpcodes_verdict *v, size_t masklen,
                        struct sc_pre *pre);

/* Hashes of the message (queue id) and the recipient for the distinct
 * counters, with their slots prefetched. */
static void distinct_hashes(struct sc_report *r, const struct sc_event *ev)
{
	if (!ev->queue_id.len || ev->status == SC_STATUS_REJECTED)
		return;
	r->h_msg = sc_hash(ev->queue_id.ptr, ev->queue_id.len, 1);
	r->h_rcpt = r->h_msg ^ sc_hash(ev->recipient.ptr ? ev->recipient.ptr : "", ev->recipient.len, 2);
	sc_distinct_prefetch(&r->messages, r->h_msg);
	sc_distinct_prefetch(&r->recipients, r->h_rcpt);
}

void sc_report_event(struct sc_report *r, uint32_t file, const struct sc_event *ev,
                     const struct smtpcodes_reply *rp, const struct smtpcodes_verdict *v)
{
	if (ev->status <= SC_STATUS_NONE || ev->status >= SC_REPORT_NSTATUS)
		return;
	if (!in_window(r, ev))
		return;
	distinct_hashes(r, ev);
	count_event(r, file, ev, rp, v, mask_reply(r, ev, rp), NULL);
}

/* The remote host of a relay "host[ip]:port" (up to the bracket). */
static void relay_host(const struct smtpcodes_span *relay, struct smtpcodes_context *ctx)
{
	size_t n = 0;
	ctx->remote_host = NULL;
	ctx->remote_host_len = 0;
	if (!relay->ptr || !relay->len)
		return;
	while (n < relay->len && relay->ptr[n] != '[')
		n++;
	if (n == 0 || (n == 4 && !memcmp(relay->ptr, "none", 4)))
		return;
	ctx->remote_host = relay->ptr;
	ctx->remote_host_len = n;
}

void sc_report_feed(struct sc_report *r, uint32_t file, const struct sc_event *ev,
                    const struct smtpcodes_classifier *cl, struct smtpcodes_scratch *scratch)
{
	struct smtpcodes_context ctx;
	struct smtpcodes_reply rp;
	struct smtpcodes_verdict v;
	struct sc_rentry *c;
	size_t kl, ck, dl;
	const char *text = ev->reply.ptr ? ev->reply.ptr : "";

	if (ev->status <= SC_STATUS_NONE || ev->status >= SC_REPORT_NSTATUS)
		return;
	if (!in_window(r, ev))
		return;
	/* the distinct counters miss the cache: ask for their slots now and
	 * parse and mask meanwhile */
	distinct_hashes(r, ev);
	memset(&ctx, 0, sizeof ctx);
	ctx.stage = ev->stage;
	relay_host(&ev->relay, &ctx);
	(void)smtpcodes_reply_parse(text, ev->reply.len, NULL, &rp);
	kl = mask_reply(r, ev, &rp);

	/* the verdict cache: masked text, status, stage and remote host */
	ck = kl;
	dl = rp.enhanced.klass ? 0 : ev->dsn.len; /* then the dsn= decides the enhanced code */
	if (ck + ctx.remote_host_len + dl + 8 < SC_REPORT_MASK_MAX + 64) {
		r->mask[ck++] = '\x1f';
		r->mask[ck++] = (char)('0' + ev->status);
		r->mask[ck++] = (char)('a' + ev->stage);
		memcpy(r->mask + ck, ev->dsn.ptr ? ev->dsn.ptr : "", dl);
		ck += dl;
		r->mask[ck++] = '\x1f';
		memcpy(r->mask + ck, ctx.remote_host ? ctx.remote_host : "", ctx.remote_host_len);
		ck += ctx.remote_host_len;
		c = sc_rtable_get(&r->verdicts, r->mask, ck);
		r->mask[kl] = '\0';
	} else {
		c = NULL;
	}
	if (c && !c->other && c->g.total) {
		memset(&v, 0, sizeof v);
		v.klass = c->info->klass;
		v.reason = c->info->reason;
		v.action = c->info->action;
		v.hard = c->info->hard;
		v.provider = c->info->provider;
		v.blocklist = c->info->blocklist;
	} else {
		smtpcodes_classify(cl, scratch, &rp, &ctx, &v);
		sc_report_adjust_verdict(ev->status, &v);
		if (c && !c->other) {
			c->g.total = 1;
			c->info->pre = xcalloc(1, sizeof *c->info->pre);
			c->info->klass = v.klass;
			c->info->reason = v.reason;
			c->info->action = v.action;
			c->info->hard = v.hard;
			c->info->provider = v.provider;
			c->info->blocklist = v.blocklist;
		}
	}
	count_event(r, file, ev, &rp, &v, kl, c && !c->other ? c->info->pre : NULL);
}

/* Counts into the entry *slot remembers, else into key's entry of t and
 * remembers it (slot may be NULL). */
static struct sc_rentry *count_pre(struct sc_rtable *t, struct sc_rentry **slot, const char *key, size_t len,
                                   enum sc_status st, int hard, const struct sc_where *w, time_t tm)
{
	struct sc_rentry *e = slot && *slot ? *slot : sc_rtable_get(t, key, len);
	if (slot)
		*slot = e;
	group_add(&e->g, st, hard, w, tm);
	return e;
}

static void count_event(struct sc_report *r, uint32_t file, const struct sc_event *ev,
                        const struct smtpcodes_reply *rp, const struct smtpcodes_verdict *v, size_t masklen,
                        struct sc_pre *pre)
{
	struct sc_where w;
	enum sc_status st = ev->status;
	struct smtpcodes_enhanced enh;
	char key[512], enhs[24];
	size_t kl;
	int hard, delivery;
	struct sc_rentry *e;
	time_t t = ev->time;

	w.file = file;
	w.line = ev->line;
	hard = st == SC_STATUS_BOUNCED && v->hard;
	delivery = st != SC_STATUS_REJECTED;
	group_add(&r->totals, st, hard, &w, t);
	if (t) {
		if (!r->tmin || t < r->tmin)
			r->tmin = t;
		if (t > r->tmax)
			r->tmax = t;
	}
	if (delivery && ev->queue_id.len) {
		sc_distinct_add(&r->messages, r->h_msg);
		if (st != SC_STATUS_EXPIRED || ev->recipient.len)
			sc_distinct_add(&r->recipients, r->h_rcpt);
	}

	/* reply code and enhanced code: the reply's, else the dsn= the MTA logged */
	enh = rp->enhanced;
	if (!enh.klass && ev->dsn.len)
		(void)smtpcodes_enhanced_parse(ev->dsn.ptr, ev->dsn.len, &enh);
	if (pre && pre->code) {
		count_pre(&r->by_code, &pre->code, NULL, 0, st, hard, &w, t);
	} else if (rp->code >= 100 && rp->code <= 999) {
		key[0] = (char)('0' + rp->code / 100);
		key[1] = (char)('0' + rp->code / 10 % 10);
		key[2] = (char)('0' + rp->code % 10);
		key[3] = '\0';
		count_pre(&r->by_code, pre ? &pre->code : NULL, key, 3, st, hard, &w, t);
	} else {
		count_pre(&r->by_code, pre ? &pre->code : NULL, "(none)", 6, st, hard, &w, t);
	}
	if (pre && pre->enh) {
		count_pre(&r->by_enhanced, &pre->enh, NULL, 0, st, hard, &w, t);
	} else if (enh.klass) {
		smtpcodes_enhanced_format(&enh, enhs, sizeof enhs);
		count_pre(&r->by_enhanced, pre ? &pre->enh : NULL, enhs, strlen(enhs), st, hard, &w, t);
	} else {
		count_pre(&r->by_enhanced, pre ? &pre->enh : NULL, "(none)", 6, st, hard, &w, t);
	}
	{
		const char *rn = smtpcodes_reason_name(v->reason);
		count_pre(&r->by_reason, pre ? &pre->reason : NULL, rn, strlen(rn), st, hard, &w, t);
	}
	if (v->provider)
		count_pre(&r->by_provider, pre ? &pre->provider : NULL, v->provider, strlen(v->provider), st, hard, &w, t);
	else
		count_pre(&r->by_provider, pre ? &pre->provider : NULL, "(unknown)", 9, st, hard, &w, t);
	if (ev->recipient_domain.len) {
		kl = lower_copy(key, sizeof key, ev->recipient_domain.ptr, ev->recipient_domain.len);
		count(&r->by_domain, key, kl, st, hard, &w, t);
	} else {
		count(&r->by_domain, "(none)", 6, st, hard, &w, t);
	}
	if (r->cfg.campaign) {
		const char *cap;
		size_t cl;
		if ((ev->sender.len && sc_campaign_match(r->cfg.campaign, ev->sender.ptr, ev->sender.len, &cap, &cl)) ||
		    (ev->message_id.len &&
		     sc_campaign_match(r->cfg.campaign, ev->message_id.ptr, ev->message_id.len, &cap, &cl))) {
			kl = lower_copy(key, sizeof key, cap, cl);
			count(&r->by_sender, key, kl, st, hard, &w, t);
		} else {
			count(&r->by_sender, "(none)", 6, st, hard, &w, t);
		}
	} else if (st == SC_STATUS_REJECTED || ev->sender.ptr) {
		/* consecutive events of one message share their sender */
		const char *sp = ev->sender.ptr ? ev->sender.ptr : "";
		if (ev->sender.len >= sizeof r->sender_raw || ev->sender.len != r->sender_raw_len ||
		    memcmp(sp, r->sender_raw, ev->sender.len) != 0) {
			r->sender_len = sc_mask_sender(sp, ev->sender.len, r->sender_key, sizeof r->sender_key);
			if (ev->sender.len < sizeof r->sender_raw) {
				memcpy(r->sender_raw, sp, ev->sender.len);
				r->sender_raw_len = ev->sender.len;
			} else {
				r->sender_raw_len = (size_t)-1;
			}
		}
		count(&r->by_sender, r->sender_key, r->sender_len, st, hard, &w, t);
	} else {
		count(&r->by_sender, "(unknown)", 9, st, hard, &w, t);
	}
	/* the hour, or "(no time)" when there is none gmtime() can convert */
	if (t && (t / 3600 != r->hour_at || !r->hour_len)) {
		struct tm tm;
		r->hour_at = t / 3600;
		r->hour_len = gmtime_r(&t, &tm) ? strftime(r->hour_key, sizeof r->hour_key, "%Y-%m-%d %H:00", &tm) : 0;
	}
	if (t && r->hour_len)
		count(&r->by_hour, r->hour_key, r->hour_len, st, hard, &w, t);
	else
		count(&r->by_hour, "(no time)", 9, st, hard, &w, t);

	/* the masked reply text (computed by the caller into r->mask) */
	e = count_pre(&r->by_text, pre ? &pre->text : NULL, r->mask, masklen, st, hard, &w, t);
	info_set(e->info, ev, rp, v, &enh, r->mask);

	/* problems first: blocklists, authentication, throttling */
	if (st != SC_STATUS_SENT && st != SC_STATUS_REJECTED && is_problem_class(v->klass)) {
		/* our own deliveries only: an SMTP-time reject is this server
		 * refusing somebody else's mail */
		if (v->blocklist) {
			e = count(&r->blocklists, v->blocklist, strlen(v->blocklist), st, hard, &w, t);
			info_set(e->info, ev, rp, v, &enh, r->mask);
		}
		if (v->reason == SMTPCODES_REASON_AUTHFAILURE || v->reason == SMTPCODES_REASON_REQUIREPTR) {
			enum sc_auth_kind k = sc_auth_kind_of(ev->reply.ptr ? ev->reply.ptr : "", ev->reply.len, v->reason);
			kl = (size_t)snprintf(key, sizeof key, "%s|%s", sc_auth_kind_name(k),
			                      v->provider ? v->provider : "(unknown)");
			e = count(&r->auth, key, kl, st, hard, &w, t);
			info_set(e->info, ev, rp, v, &enh, r->mask);
		}
		if (v->reason == SMTPCODES_REASON_SPEEDING || v->reason == SMTPCODES_REASON_TOOMANYCONN ||
		    v->reason == SMTPCODES_REASON_BADREPUTATION) {
			const char *who = v->provider;
			size_t wl = who ? strlen(who) : 0;
			char dom[256];
			if (!who) {
				wl = lower_copy(dom, sizeof dom, ev->recipient_domain.ptr ? ev->recipient_domain.ptr : "",
				                ev->recipient_domain.len);
				who = wl ? dom : "(unknown)";
				wl = strlen(who);
			}
			kl = (size_t)snprintf(key, sizeof key, "%.*s|%s", (int)wl, who, smtpcodes_reason_name(v->reason));
			e = count(&r->throttling, key, kl, st, hard, &w, t);
			info_set(e->info, ev, rp, v, &enh, r->mask);
		}
	}

	/* hard-bounced recipients: suppression candidates */
	if (hard && ev->recipient.len) {
		kl = lower_copy(key, sizeof key, ev->recipient.ptr, ev->recipient.len);
		e = count(&r->suppress, key, kl, st, hard, &w, t);
		if (!e->other) {
			/* only what the CSV needs, no texts: there may be many; the last
			 * bounce's facts win */
			e->info->reason = v->reason;
			e->info->code = rp->code;
			e->info->enhanced = enh;
		}
	}
}

unsigned long long sc_report_final(const struct sc_report *r)
{
	return r->totals.n[SC_STATUS_SENT] + r->totals.n[SC_STATUS_BOUNCED] + r->totals.n[SC_STATUS_EXPIRED];
}

double sc_report_delivery_rate(const struct sc_report *r)
{
	unsigned long long f = sc_report_final(r);
	return f ? (double)r->totals.n[SC_STATUS_SENT] / (double)f : 0.0;
}

double sc_report_hard_bounce_rate(const struct sc_report *r)
{
	unsigned long long f = sc_report_final(r);
	return f ? (double)r->totals.hard / (double)f : 0.0;
}

/* ------------------------------------------------------ shared by writers */

void sc_report_where(const struct sc_report *r, const struct sc_where *w, char *dst, size_t dstlen)
{
	const char *name = w->file < r->nfiles ? r->files[w->file] : "?";
	if (!strcmp(name, "-"))
		name = "(stdin)";
	snprintf(dst, dstlen, "%s:%llu", name, w->line);
}

void sc_report_time(time_t t, char *dst, size_t dstlen)
{
	struct tm tm;
	if (!t) {
		if (dstlen)
			dst[0] = '\0';
		return;
	}
	gmtime_r(&t, &tm);
	strftime(dst, dstlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *sc_report_ui(const char *lang, const char *key)
{
	char k[96];
	snprintf(k, sizeof k, "report_%s", key);
	{
		const char *s = sc_ui(lang, k);
		/* sc_ui returns its (stack) key when missing: fall back to the plain key */
		return s == k ? key : s;
	}
}

void sc_out_csv(struct sc_out *o, const char *s, size_t n)
{
	size_t i;
	int quote = 0;
	if (!s) {
		return;
	}
	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t'))
		quote = 2; /* a spreadsheet would run it as a formula */
	if (!quote) {
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			sc_out_char(o, (char)(c < 0x20 || c == 0x7f ? '?' : c));
		}
		return;
	}
	sc_out_char(o, '"');
	if (quote == 2)
		sc_out_char(o, '\'');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			sc_out_str(o, "\"\"");
		else if (c == '\n' || c == '\r' || c == '\t')
			sc_out_char(o, ' ');
		else if (c < 0x20 || c == 0x7f)
			sc_out_char(o, '?');
		else
			sc_out_char(o, (char)c);
	}
	sc_out_char(o, '"');
}

size_t sc_report_sections(const struct sc_report *r, struct sc_report_section *out, size_t max)
{
	const struct sc_report_section all[] = {
		{ "codes", "by_code", &r->by_code, 0 },
		{ "enhanced", "by_enhanced", &r->by_enhanced, 0 },
		{ "reasons", "by_reason", &r->by_reason, 0 },
		{ "providers", "by_provider", &r->by_provider, 0 },
		{ "domains", "by_domain", &r->by_domain, 0 },
		{ r->grouped_by_campaign ? "campaigns" : "senders", r->grouped_by_campaign ? "by_campaign" : "by_sender",
		  &r->by_sender, 0 },
		{ "hours", "by_hour", &r->by_hour, 1 },
	};
	size_t n = sizeof all / sizeof all[0], i;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = all[i];
	return n;
}

const char *sc_report_kb_field(const char *lang, const char *prefix, const char *name, int which)
{
	char k[96];
	const struct smtpcodes_kb_entry *e;
	snprintf(k, sizeof k, "%s:%s", prefix, name);
	e = smtpcodes_kb_get(lang, k);
	if (!e)
		return NULL;
	return which == 0 ? e->name : which == 1 ? e->meaning : e->action;
}
