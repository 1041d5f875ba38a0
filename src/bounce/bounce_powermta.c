/*
 * bounce_powermta.c - PowerMTA (Port25's MTA for bulk senders, now sold by
 * SparkPost/Bird): a multipart/report whose first part says it is "the mail
 * server on HOST" and lists the recipients one to a line, the address in
 * angle brackets, then what became of it: "  <addr>  delivery failed; will
 * not continue trying". The report beside it carries PowerMTA's own fields
 * (X-PowerMTA-VirtualMTA, the sending pool; X-PowerMTA-BounceCategory, its
 * own guess from the reply text) and the remote's reply and host, so the
 * prose adds little but the name of the software: its "bad-mailbox" guess
 * is no better evidence than the reply it was made from, and is not used.
 * The bounce often reaches its reader through another MTA (an Exim
 * Received field on top), which is why this module comes before Exim's.
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return (m->dsn && bounce_memcasemem(m->dsn, m->dsnlen, "X-PowerMTA-")) ||
	       (bounce_has(m, "this is the mail server on") && bounce_has(m, "delivery failed; will not continue trying"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p;
	size_t before = l->n;
	bounce_text_span(m, NULL, &b, &e);
	for (p = b; p < e;) {
		const char *le, *q = bounce_next_line_trimmed(&p, e, &le);
		size_t as, al;
		const char *rest;
		struct bounce_rec *r;
		/* "<addr>  delivery failed; will not continue trying" */
		if (q >= le || *q != '<' || !bounce_find_addr(q, (size_t)(le - q), &as, &al) || as != 1 ||
		    q + 1 + al >= le || q[1 + al] != '>')
			continue;
		rest = q + 2 + al;
		while (rest < le && *rest == ' ')
			rest++;
		if (le - rest < 9 || strncmp(rest, "delivery ", 9) || !(r = bounce_list_add(l)))
			continue;
		bounce_rec_set(r->recipient, sizeof r->recipient, q + 1, al);
		bounce_rec_diag_append(r, rest, (size_t)(le - rest));
		if (bounce_memcasemem(rest, (size_t)(le - rest), "will not continue"))
			memcpy(r->action, "failed", 7);
	}
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_powermta = { "powermta", detect, parse, 0 };
