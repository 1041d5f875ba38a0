/*
 * bounce_biglobe.c - BIGLOBE (NEC's ISP in Japan) and the cable ISPs on its
 * mail system: from postmaster@<isp>.ne.jp, the failed addresses under
 * "----- The following addresses had delivery problems -----", one per line,
 * and the one reason for all of them under "----- Non-delivered information
 * -----" (for example "The number of messages in recipient's mailbox
 * exceeded the local limit.").
 */
#include <string.h>

#include "bounce/bounce.h"

static int detect(const struct bounce_msg *m)
{
	return bounce_has(m, "----- Non-delivered information -----") &&
	       (bounce_hdr_has(m, "From", "@biglobe.ne.jp") || bounce_hdr_has(m, "From", "@inacatv.ne.jp") ||
	        bounce_hdr_has(m, "From", "@tmtv.ne.jp") || bounce_hdr_has(m, "From", "@ttv.ne.jp"));
}

static int parse(const struct bounce_msg *m, struct bounce_list *l)
{
	const char *b, *e, *p, *info, *end = m->text + m->textlen;
	size_t before = l->n, i;
	/* (the span the shared helper gives ends at the reason's heading,
	 * which other formats put before the original message) */
	bounce_text_span(m, "had delivery problems", &b, &e);
	info = bounce_memcasemem(b, (size_t)(end - b), "----- Non-delivered information -----");
	if (!info)
		return bounce_prose(m, l, NULL);
	/* the addresses: one alone on each line, up to the reason's heading */
	for (p = b; p < info;) {
		const char *le, *q = bounce_next_line(&p, info, &le);
		size_t as, al;
		while (q < le && (*q == ' ' || *q == '<'))
			q++;
		if (bounce_find_addr(q, (size_t)(le - q), &as, &al) && as == 0) {
			struct bounce_rec *r = bounce_list_add(l);
			if (!r)
				break;
			bounce_rec_set(r->recipient, sizeof r->recipient, q, al);
		}
	}
	/* the reason: the lines under the heading (blank ones before it
	 * skipped) up to a blank one, for every address */
	info = memchr(info, '\n', (size_t)(end - info));
	if (info) {
		const char *from = info + 1, *stop;
		while (from < end && *from == '\n')
			from++;
		stop = bounce_memcasemem(from, (size_t)(end - from), "\n\n");
		for (i = before; i < l->n; i++)
			bounce_rec_diag_append(&l->v[i], from, (size_t)((stop ? stop : end) - from));
	}
	if (l->n == before)
		return bounce_prose(m, l, NULL);
	return (int)(l->n - before);
}

const struct bounce_module bounce_mod_biglobe = { "biglobe", detect, parse, 0 };
