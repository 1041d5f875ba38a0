/*
 * fuzz_reply.c - libFuzzer harness for the reply parser, the mask and the
 * classifier: any bytes must give a result or an error, never a crash, and
 * the parsed spans must lie inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtpcodes_classifier *cl;
	static struct smtpcodes_scratch *s;
	const char *in = (const char *)data;
	struct smtpcodes_reply r;
	struct smtpcodes_verdict v;
	struct smtpcodes_context ctx = { (enum smtpcodes_stage)(size % SMTPCODES_STAGE_COUNT), "mx.example.com", 14 };
	char text[512], *masked;
	size_t i, n;

	if (!cl) {
		char err[256];
		if (smtpcodes_classifier_new(&cl, NULL, 0, err, sizeof err) || smtpcodes_scratch_new(cl, &s))
			abort();
	}
	if (smtpcodes_reply_parse(in, size, NULL, &r) == SMTPCODES_OK) {
		for (i = 0; i < r.nlines; i++)
			if (r.lines[i].ptr < in || r.lines[i].ptr + r.lines[i].len > in + size)
				abort();
		if (r.code && (r.code < 200 || r.code > 599))
			abort();
		n = smtpcodes_reply_text(&r, text, sizeof text);
		if (strlen(text) != (n < sizeof text ? n : sizeof text - 1))
			abort();
	}
	masked = malloc(size + 1);
	if (!masked)
		return 0;
	n = smtpcodes_mask_text(in, size, masked, size + 1);
	if (n > size || masked[n] != '\0')
		abort();
	free(masked);
	smtpcodes_classify_text(cl, s, in, size, &ctx, &r, &v);
	if (v.hard && v.klass != SMTPCODES_CLASS_PERMANENT)
		abort();
	return 0;
}
