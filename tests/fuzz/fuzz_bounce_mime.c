/*
 * fuzz_bounce_mime.c - differential libFuzzer harness for the fast MIME walk
 * (bounce_mimewalk.c): every input (line ends made LF as the program does)
 * is read by the fast walk and by the GMime walk; when the fast walk takes
 * the message, the two struct bounce_msg must be the same field for field,
 * and when it leaves it to GMime it must leave nothing behind. Either
 * failure aborts with the difference. Seeds: tests/fuzz/corpus/bounce_mime.
 *
 *   make fuzz && ./build-fuzz/fuzz_bounce_mime -max_total_time=60 tests/fuzz/corpus/bounce_mime
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce.h"
#include "bounce/bounce_mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_msg a, b, zero;
	char why[256], *buf;
	size_t i, n = 0;
	int ra, rb;

	if (!ready) {
		bounce_mime_init();
		ready = 1;
	}
	if (size > (1u << 20))
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	for (i = 0; i < size; i++) {
		if (data[i] == '\r') {
			if (i + 1 < size && data[i + 1] == '\n')
				continue;
			buf[n++] = '\n';
		} else {
			buf[n++] = (char)data[i];
		}
	}
	buf[n] = '\0';
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&zero, 0, sizeof zero);
	ra = bounce_msg_parse_fast(&a, buf, n);
	if (ra == 0) {
		rb = bounce_msg_parse_gmime(&b, buf, n);
		if (rb != 0) {
			fprintf(stderr, "fast walk read a message GMime refuses (%d)\n", rb);
			abort();
		}
		if (bounce_msg_diff(&a, &b, why, sizeof why)) {
			fprintf(stderr, "fast walk and GMime differ: %s\n", why);
			abort();
		}
	} else if (ra != 1 || memcmp(&a, &zero, sizeof a)) {
		fprintf(stderr, "fast walk returned %d and left a half-filled message\n", ra);
		abort();
	}
	bounce_msg_free(&a);
	bounce_msg_free(&b);
	free(buf);
	return 0;
}
