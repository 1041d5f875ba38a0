/*
 * needlesdb - build-time tool: compiles the phrase tables of the bounce
 * format modules (src/bounce/bounce_needles.c) with Hyperscan once and
 * writes them serialized to standard output, so that `bounces` loads them in
 * microseconds instead of compiling it at every start. Built from
 * bounce_needles.c itself, with tools/needlesdb_empty.c in place of the
 * tables it makes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bounce/bounce.h"

int main(void)
{
	char *blob;
	size_t len;
	if (bounce_needles_build(&blob, &len)) {
		fprintf(stderr, "needlesdb: cannot compile the bounce phrase table\n");
		return 1;
	}
	if (fwrite(blob, 1, len, stdout) != len || fflush(stdout)) {
		fprintf(stderr, "needlesdb: write error\n");
		return 1;
	}
	free(blob);
	return 0;
}
