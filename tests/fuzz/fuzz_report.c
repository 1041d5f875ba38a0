/*
 * fuzz_report.c - libFuzzer harness for the report: one input is a piece of
 * mail log (any bytes), read line by line through the log parsers into the
 * aggregator (masking, verdict cache, every table), then written in all four
 * formats; and every line masked into buffers of awkward sizes.
 * Seeds: tests/fuzz/corpus/report.
 *
 *   make fuzz && ./build-fuzz/fuzz_report -max_total_time=60 tests/fuzz/corpus/report
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/engine.h"
#include "common/out.h"
#include "ingest/ingest.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sc_engine eng;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_report_config cfg;
	struct sc_report_view view;
	struct sc_report *r;
	struct sc_ingest *ing;
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	const char *p = (const char *)data, *end = p + size;
	unsigned long long ln = 0;
	FILE *devnull;
	struct sc_out o;
	char small[7], mid[64];

	if (!ready) {
		if (sc_engine_open(&eng, NULL, 0))
			abort();
		ready = 1;
	}
	if (size > (1u << 20))
		return 0;
	memset(&cfg, 0, sizeof cfg);
	cfg.max_keys = 8; /* reach the "(other)" entries */
	cfg.distinct_limit = 4;
	cfg.max_examples = 3;
	r = sc_report_new(&cfg);
	sc_report_add_file(r, "fuzz.log");
	ing = sc_ingest_new(NULL);
	sc_ingest_set_year(ing, 2025);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p), n = 0, i;
		ln++;
		sc_mask_text(p, len, p, len > 6 ? 6 : len, small, sizeof small);
		sc_mask_text(p, len, NULL, 0, mid, sizeof mid);
		sc_mask_sender(p, len, mid, sizeof mid);
		sc_ingest_line(ing, p, len, ln, ev, SC_INGEST_MAX_EVENTS, &n);
		for (i = 0; i < n; i++)
			sc_report_feed(r, 0, &ev[i], eng.cl, eng.scratch);
		p += len + (nl ? 1 : 0);
	}
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		memset(&view, 0, sizeof view);
		view.lang = "de";
		view.top = 3;
		view.verbose = 1;
		sc_out_init(&o, devnull);
		sc_report_write_text(r, &view, &o);
		sc_report_write_json(r, &view, &o);
		sc_report_write_csv(r, &view, &o);
		sc_report_write_html(r, &view, &o);
		sc_report_write_suppressions(r, &o);
		sc_out_free(&o);
		fclose(devnull);
	}
	sc_ingest_free(ing);
	sc_report_free(r);
	return 0;
}
