/*
 * fuzz_ingest.c - libFuzzer harness for the log parsers of src/ingest/.
 *
 * The input is split into lines; every line goes to sc_ingest_detect() and to
 * five parsers (auto detection and each format forced), each line copied into
 * a buffer of its exact size so that AddressSanitizer sees any read past it.
 * A small message table (16) makes eviction happen; every event's spans are
 * touched so that a span pointing outside the line or the table shows up.
 * Seed corpus: tests/fuzz/corpus/ingest/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void touch(const struct smtpcodes_span *s)
{
	size_t i;
	if (!s->ptr)
		return;
	for (i = 0; i < s->len; i++)
		sink += (unsigned char)s->ptr[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *formats[] = { NULL, "postfix", "exim", "opensmtpd", "sendmail" };
	struct sc_ingest *ing[5];
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	const char *p = (const char *)data, *end = p + size;
	size_t f, n, k, i;
	unsigned long long lineno = 0;

	for (f = 0; f < 5; f++) {
		ing[f] = sc_ingest_new(formats[f]);
		sc_ingest_set_max_messages(ing[f], 16);
		sc_ingest_set_year(ing[f], 2024);
		sc_ingest_set_utc(ing[f], f & 1);
		sc_ingest_begin_file(ing[f], "fuzz");
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(len ? len : 1);
		memcpy(line, p, len);
		lineno++;
		(void)sc_ingest_detect(line, len);
		for (f = 0; f < 5; f++) {
			if (len > 2000 && f == 0) {
				sc_ingest_cut(ing[f], line, len, lineno);
				continue;
			}
			/* a small max_out on one parser exercises dropping */
			sc_ingest_line(ing[f], line, len, lineno, ev, f == 4 ? 1 : SC_INGEST_MAX_EVENTS, &n);
			for (k = 0; k < n; k++) {
				touch(&ev[k].queue_id);
				touch(&ev[k].sender);
				touch(&ev[k].recipient);
				touch(&ev[k].recipient_domain);
				touch(&ev[k].message_id);
				touch(&ev[k].relay);
				touch(&ev[k].reply);
				touch(&ev[k].dsn);
				touch(&ev[k].client);
			}
		}
		free(line);
		p = nl ? nl + 1 : end;
	}
	for (f = 0; f < 5; f++) {
		const struct sc_ingest_example *ex;
		for (i = 0; (ex = sc_ingest_example(ing[f], i)) != NULL; i++)
			sink += (unsigned)strlen(ex->text);
		sc_ingest_free(ing[f]);
	}
	return 0;
}
