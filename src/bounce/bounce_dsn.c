/*
 * bounce_dsn.c - RFC 3464 delivery status notifications: the fields of a
 * message/delivery-status part into one record per recipient.
 *
 * The part is a per-message group (Reporting-MTA, Arrival-Date,
 * X-Postfix-Queue-ID, ...) and one group per recipient (Original-Recipient,
 * Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code,
 * Last-Attempt-Date). Real MTAs forget the blank lines between groups, so a
 * new group starts at every Final-Recipient as well. Continuation lines are
 * unfolded; "rfc822;" and "dns;" type prefixes are dropped.
 *
 * Remote-MTA is a host name only when its mta-name-type (RFC 3464 2.3.5)
 * is "dns" (or missing, as some MTAs write it). Under another type the
 * name is whatever that transport calls the peer ("X-Unix; mirapoint" names
 * a local program, not a host), so it becomes the record's remote host only
 * when it has the shape of one (Domino writes "smtp; mx.example.org").
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce.h"
#include "common/util.h"


/* The value after "type;" (rfc822; dns; smtp;), trimmed. */
static const char *after_type(const char *v, const char **type, size_t *tlen)
{
	const char *semi = strchr(v, ';');
	*type = v;
	*tlen = 0;
	if (semi && (size_t)(semi - v) < 32 && !memchr(v, ' ', (size_t)(semi - v))) {
		*tlen = (size_t)(semi - v);
		v = semi + 1;
	}
	while (*v == ' ' || *v == '\t')
		v++;
	return v;
}

static void set_addr(char *dst, size_t cap, const char *v)
{
	size_t s, n;
	if (bounce_find_addr(v, strlen(v), &s, &n))
		bounce_rec_set(dst, cap, v + s, n);
	else {
		size_t l = strlen(v);
		while (l && (v[l - 1] == '>' || v[l - 1] == ' '))
			l--;
		if (*v == '<')
			v++, l = l ? l - 1 : 0;
		bounce_rec_set(dst, cap, v, l);
	}
}

/* A DNS name with at least one dot, or an address literal ("[192.0.2.1]",
 * "192.0.2.1", "2001:db8::1"): the shape of a host. */
static int host_shaped(const char *v, size_t n)
{
	size_t i, dots = 0, colons = 0;
	if (n >= 2 && v[0] == '[' && v[n - 1] == ']')
		v++, n -= 2;
	if (n < 3 || v[0] == '.' || v[0] == '-' || v[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '.')
			dots++;
		else if (c == ':')
			colons++;
		else if (!isalnum(c) && c != '-')
			return 0;
	}
	return dots || colons >= 2;
}

/*
 * The moment a DSN date field names, or 0. A value without a time of day
 * is no moment: SendGrid writes "2012-10-31 04-46-42", with dashes and no
 * zone, which a date parser reads as that day's midnight, hours off; the
 * record then takes the bounce's own Date instead (bounce.c).
 */
static time_t moment(const char *v)
{
	return strchr(v, ':') ? bounce_parse_date(v) : 0;
}

/* One per-recipient field into r. */
static void field(struct bounce_rec *cur, const char *name, const char *val, char *orig, size_t origcap)
{
	const char *type, *v;
	size_t tlen;
	v = after_type(val, &type, &tlen);
	if (!strcasecmp(name, "Original-Recipient")) {
		set_addr(orig, origcap, v);
	} else if (!strcasecmp(name, "Final-Recipient")) {
		set_addr(cur->recipient, sizeof cur->recipient, v);
	} else if (!strcasecmp(name, "Action")) {
		size_t n = strcspn(v, " (;");
		bounce_rec_set(cur->action, sizeof cur->action, v, n);
		for (n = 0; cur->action[n]; n++)
			cur->action[n] = (char)tolower((unsigned char)cur->action[n]);
	} else if (!strcasecmp(name, "Status")) {
		size_t n = strspn(v, "0123456789.");
		bounce_rec_set(cur->status, sizeof cur->status, v, n);
		/* "4.0.0 (cat.example.net: host name lookup failure)": the
		 * comment, for when no Diagnostic-Code comes (bounce.c) */
		v += n;
		v += strspn(v, " \t");
		if (*v == '(') {
			const char *end = strrchr(++v, ')');
			bounce_rec_set(cur->status_note, sizeof cur->status_note, v, end ? (size_t)(end - v) : strlen(v));
		}
	} else if (!strcasecmp(name, "Remote-MTA")) {
		size_t n = strcspn(v, " (");
		if (!tlen || (tlen == 3 && !strncasecmp(type, "dns", 3)) || host_shaped(v, n))
			bounce_rec_set(cur->rhost, sizeof cur->rhost, v, n);
	} else if (!strcasecmp(name, "Diagnostic-Code")) {
		if (tlen)
			bounce_rec_set(cur->diagtype, sizeof cur->diagtype, type, tlen);
		cur->diag[0] = '\0';
		bounce_rec_diag_append(cur, v, strlen(v));
	} else if (!strcasecmp(name, "Last-Attempt-Date")) {
		time_t t = moment(v);
		if (t)
			cur->time = t;
	}
}

int bounce_dsn_parse(const struct bounce_msg *m, struct bounce_list *l)
{
	struct bounce_hdrs h;
	const char *p, *e;
	char lhost[BOUNCE_FIELD_MAX] = "";
	char pending_orig[BOUNCE_ADDR_MAX] = "";
	struct bounce_rec *cur = NULL;
	int added = 0;
	size_t tlen;
	size_t i;
	time_t arrival = 0;

	if (!m->dsn)
		return 0;
	/* unfold everything, groups and all: blank lines only matter for the
	 * order, which the Final-Recipient fields already give */
	memset(&h, 0, sizeof h);
	p = m->dsn;
	e = m->dsn + m->dsnlen;
	while (p < e && h.n < 8 * BOUNCE_MAX_RCPTS) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (le == p || (le == p + 1 && *p == '\r')) {
			bounce_hdrs_add(&h, "", 0, "", 0); /* group separator */
		} else if ((*p == ' ' || *p == '\t') && h.n && h.v[h.n - 1].name[0]) {
			struct bounce_hdr *last = &h.v[h.n - 1];
			size_t ol = strlen(last->value), al = (size_t)(le - p);
			if (ol + al < BOUNCE_DIAG_MAX * 4) {
				last->value = bounce_hdrs_regrow(&h, last->value, ol + 1, ol + al + 2);
				last->value[ol] = ' ';
				memcpy(last->value + ol + 1, p, al);
				last->value[ol + 1 + al] = '\0';
			}
		} else if (colon && colon > p && !memchr(p, ' ', (size_t)(colon - p))) {
			const char *v = colon + 1;
			size_t vl;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			vl = (size_t)(le - v);
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			bounce_hdrs_add(&h, p, (size_t)(colon - p), v, vl);
		}
		p = nl ? nl + 1 : e;
	}
	/* per group (between separators): the per-message fields, or one
	 * record per Final-Recipient with the fields around it */
	for (i = 0; i < h.n;) {
		size_t g = i, ge, k;
		size_t nfinal = 0;
		while (i < h.n && h.v[i].name[0])
			i++;
		ge = i;
		while (i < h.n && !h.v[i].name[0])
			i++;
		for (k = g; k < ge; k++)
			if (!strcasecmp(h.v[k].name, "Final-Recipient"))
				nfinal++;
		if (!nfinal) {
			for (k = g; k < ge; k++)
				if (!strcasecmp(h.v[k].name, "Original-Recipient"))
					nfinal = 1;
		}
		if (!nfinal) {
			for (k = g; k < ge; k++) {
				const char *type, *v = after_type(h.v[k].value, &type, &tlen);
				if (!strcasecmp(h.v[k].name, "Reporting-MTA"))
					bounce_rec_set(lhost, sizeof lhost, v, strcspn(v, " ("));
				else if (!strcasecmp(h.v[k].name, "Arrival-Date"))
					arrival = moment(v);
			}
			continue;
		}
		/* split the group at each Final-Recipient (an Original-Recipient
		 * right before it belongs to it) */
		{
			size_t start = g;
			while (start < ge) {
				size_t end = start, seen = 0;
				for (end = start; end < ge; end++) {
					int fin = !strcasecmp(h.v[end].name, "Final-Recipient");
					if (fin && seen) {
						if (end > start && !strcasecmp(h.v[end - 1].name, "Original-Recipient"))
							end--;
						break;
					}
					if (fin)
						seen = 1;
				}
				if (end == start)
					end = start + 1;
				cur = bounce_list_add(l);
				if (!cur)
					break;
				added++;
				bounce_rec_set(cur->lhost, sizeof cur->lhost, lhost, strlen(lhost));
				cur->time = arrival;
				pending_orig[0] = '\0';
				for (k = start; k < end; k++)
					field(cur, h.v[k].name, h.v[k].value, pending_orig, sizeof pending_orig);
				if (!cur->recipient[0] && pending_orig[0])
					memcpy(cur->recipient, pending_orig, sizeof cur->recipient);
				start = end;
			}
		}
	}
	bounce_hdrs_free(&h);
	/* records with no address at all are noise */
	for (i = 0; i < l->n;) {
		if (!l->v[i].recipient[0]) {
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof l->v[0]);
			l->n--;
			added--;
		} else {
			i++;
		}
	}
	return added;
}
