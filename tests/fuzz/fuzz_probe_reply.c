/*
 * fuzz_probe_reply.c - libFuzzer harness for the probe's reply reader: the
 * input arrives in pieces whose sizes the first byte chooses, as a hostile
 * peer would send it. Every complete reply must keep the limits, start with
 * its code and be explained by that code (whatever log renderings its text
 * imitates); the capability parser and the target parser
 * take the same bytes. Never a crash, never a read outside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc_rd *rd;
	static struct probe_verdicts *pv;
	struct sc_caps caps;
	struct smtpcodes_reply r;
	struct smtpcodes_verdict v;
	size_t off = 1, step;
	enum sc_rd_status st = SC_RD_MORE;

	if (!rd && !(rd = malloc(sizeof *rd)))
		abort();
	if (!pv)
		pv = sc_probe_verdicts_new(NULL, 0);
	if (size < 1)
		return 0;
	step = (size_t)(data[0] % 64) + 1;
	sc_rd_init(rd);
	while (off < size && st != SC_RD_ERROR) {
		size_t room, n;
		char *sp = sc_rd_space(rd, &room);
		n = size - off < step ? size - off : step;
		if (n > room)
			n = room;
		if (n == 0)
			abort(); /* the reader must fail before its buffer fills */
		memcpy(sp, data + off, n);
		sc_rd_commit(rd, n);
		off += n;
		while ((st = sc_rd_next(rd)) == SC_RD_DONE) {
			if (rd->code < 200 || rd->code > 599 || rd->len > PROBE_MAX_REPLY || rd->nlines > PROBE_MAX_LINES ||
			    rd->nlines == 0 || strlen(rd->reply) != rd->len)
				abort();
			if (rd->reply[0] != (char)('0' + rd->code / 100))
				abort();
			/* the explanation is of the code on the wire, whatever the text says */
			if (sc_probe_verdict(pv, rd->reply, rd->len, SMTPCODES_STAGE_RCPT, "mx.example.com", &r, &v) ==
			        SMTPCODES_OK &&
			    (r.code != rd->code || (v.hard && v.klass != SMTPCODES_CLASS_PERMANENT)))
				abort();
			if (sc_caps_parse(&caps, rd->reply, rd->len) > PROBE_MAX_CAPS)
				abort();
		}
		if (st == SC_RD_ERROR && rd->error == SC_RD_OK)
			abort();
	}
	{
		char text[300];
		struct sc_target t;
		char err[128];
		size_t n = size - 1 < sizeof text - 1 ? size - 1 : sizeof text - 1;
		memcpy(text, data + 1, n);
		text[n] = '\0';
		if (sc_target_parse(text, &t, err, sizeof err) == 0 && strlen(t.name) >= sizeof t.name)
			abort();
	}
	return 0;
}
