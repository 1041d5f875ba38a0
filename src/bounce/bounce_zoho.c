/*
 * bounce_zoho.c - Zoho Mail's notices: Exim-like opening sentences, then one
 * line per address, either "addr Invalid Address, ERROR_CODE :550,
 * ERROR_CODE :5.1.1 <addr>... User Unknown" or, in delay warnings,
 * "[Status: Error, Address: <addr>, ResponseCode 421, , Host not reachable.]".
 * The "ERROR_CODE :" glue is taken out, so that the reply reads as one:
 * "Invalid Address: 550 5.1.1 <addr>... User Unknown". Zoho reports a 4xx
 * reply only when it is still retrying or has given up retrying: the
 * message's state is then "expired", whatever the last reply said.
 */
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "From", "mail.zoho") || bounce_hdr_has(m, "Received", "zohomail") ||
	       bounce_has(m, "ERROR_CODE :") || bounce_has(m, "[Status: Error, Address:");
}

/* "Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 <a>... User Unknown"
 * becomes "Invalid Address: 550 5.2.1 <a>... User Unknown"; "Error,
 * ERROR_CODE :421, ERROR_CODE :, Host not reachable." becomes "Error: 421
 * Host not reachable.". Returns the reply code, or 0. */
static int unglue(struct bounce_rec *r)
{
	static const char glue[] = "ERROR_CODE :";
	char out[sizeof r->diag];
	const char *d = r->diag, *g = bounce_memcasemem(d, strlen(d), glue);
	size_t o, n;
	int code;
	if (!g)
		return 0;
	o = (size_t)(g - d);
	while (o && (d[o - 1] == ' ' || d[o - 1] == ','))
		o--;
	memcpy(out, d, o);
	if (o)
		out[o++] = ':';
	d = g + sizeof glue - 1;
	code = atoi(d);
	while ((g = bounce_memcasemem(d, strlen(d), glue)) != NULL) {
		n = (size_t)(g - d);
		while (n && (d[n - 1] == ' ' || d[n - 1] == ','))
			n--;
		if (n && o + n + 2 < sizeof out) {
			out[o++] = ' ';
			memcpy(out + o, d, n);
			o += n;
		}
		d = g + sizeof glue - 1;
	}
	d += strspn(d, ", ");
	n = strlen(d);
	if (n && o + n + 2 < sizeof out) {
		out[o++] = ' ';
		memcpy(out + o, d, n);
		o += n;
	}
	out[o] = '\0';
	memcpy(r->diag, out, o + 1);
	return code;
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n, i;
	int warning = bounce_has(m, "THIS IS A WARNING MESSAGE ONLY");

	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *line = bounce_next_line(&p, e, &le);
		const char *st = bounce_memcasemem(line, (size_t)(le - line), "[Status: ");
		size_t as, al;
		if (st && bounce_find_addr(st, (size_t)(le - st), &as, &al)) {
			struct bounce_rec *r = bounce_list_add(l);
			const char *rc = bounce_memcasemem(st, (size_t)(le - st), "ResponseCode ");
			if (!r)
				break;
			bounce_rec_set(r->recipient, sizeof r->recipient, st + as, al);
			/* "ResponseCode 421, , Host not reachable.]" reads "421 Host not reachable." */
			if (rc) {
				const char *t = rc + 13;
				bounce_rec_diag_append(r, t, strspn(t, "0123456789"));
				t += strspn(t, "0123456789");
				t += strspn(t, ", ");
				bounce_rec_diag_append(r, t, (size_t)(le - t) - (le > t && le[-1] == ']'));
			}
			if (warning)
				memcpy(r->action, "delayed", 8);
		}
	}
	if (l->n == before)
		bounce_prose(m, l, NULL);
	for (i = before; i < l->n; i++) {
		int code = unglue(&l->v[i]);
		if (!code)
			code = atoi(l->v[i].diag);
		if (code >= 400 && code < 500)
			l->v[i].reason_hint = SMTPCODES_REASON_EXPIRED;
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_zoho = { "zoho", detect, parse, 0 };
