/*
 * fuzz_bounce.c - libFuzzer harness for the bounce reader: one input is one
 * message (any bytes), read through the MIME walk (the fast one, or GMime
 * for what it leaves), the RFC 3464/ARF/RFC 3834 readers, every format
 * module and the verdict. Seeds: tests/fuzz/corpus/bounce.
 *
 *   make fuzz && ./build-fuzz/fuzz_bounce -max_total_time=60 tests/fuzz/corpus/bounce
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce.h"
#include "common/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sc_engine eng;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_opts o = { 1, 1 };
	struct bounce_msg m;
	struct bounce_list l;
	char *buf;

	if (!ready) {
		if (sc_engine_open(&eng, NULL, 0))
			abort();
		bounce_mime_init();
		ready = 1;
	}
	if (size > (4u << 20))
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	bounce_read(&eng, &o, "fuzz", buf, size, &m, &l);
	bounce_msg_free(&m);
	bounce_list_free(&l);
	free(buf);
	return 0;
}
