/*
 * bounce_zoho.c - Zoho Mail's notices: Exim-like opening sentences, then one
 * line per address, either "addr Invalid Address, ERROR_CODE :550,
 * ERROR_CODE :5.1.1 <addr>... User Unknown" or, in delay warnings,
 * "[Status: Error, Address: <addr>, ResponseCode 421, , Host not reachable.]".
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_hdr_has(m, "From", "mail.zoho") || bounce_hdr_has(m, "Received", "zohomail") ||
	       bounce_has(m, "ERROR_CODE :") || bounce_has(m, "[Status: Error, Address:");
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n;
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
		return bounce_prose(m, l, NULL);
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_zoho = { "zoho", detect, parse, 0 };
