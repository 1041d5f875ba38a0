/*
 * rulesdb - build-time tool: compiles the built-in rules (data/rules.txt)
 * with Hyperscan once and writes the serialized databases to standard
 * output, so that the library loads them in milliseconds instead of
 * compiling them at every start. Linked with the library's objects and
 * tools/rulesdb_empty.c in place of the blob it makes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int main(void)
{
	char err[1024], *blob;
	size_t len;
	int rc = sc_builtin_db_build(&blob, &len, err, sizeof err);
	if (rc) {
		fprintf(stderr, "rulesdb: %s\n", err[0] ? err : "cannot build the rules database");
		return 1;
	}
	if (fwrite(blob, 1, len, stdout) != len || fflush(stdout)) {
		fprintf(stderr, "rulesdb: write error\n");
		return 1;
	}
	free(blob);
	return 0;
}
