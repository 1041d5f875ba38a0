/*
 * fuzz_rules.c - libFuzzer harness for the rules-file parser: any text as a
 * user rules file must build a classifier or give SMTPCODES_ERR_RULES with
 * a message, never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpcodes_rules_source src = { "fuzz.rules", (const char *)data, size };
	struct smtpcodes_classifier *cl = NULL;
	struct smtpcodes_scratch *s = NULL;
	struct smtpcodes_verdict v;
	char err[512];
	int rc;

	if (size > 4096)
		return 0; /* pattern compilation time grows with size; keep runs fast */
	rc = smtpcodes_classifier_new(&cl, &src, 1, err, sizeof err);
	if (rc == SMTPCODES_OK) {
		if (smtpcodes_scratch_new(cl, &s))
			abort();
		smtpcodes_classify_text(cl, s, "550 5.1.1 user unknown", 22, NULL, NULL, &v);
		smtpcodes_scratch_free(s);
		smtpcodes_classifier_free(cl);
	} else if (rc == SMTPCODES_ERR_RULES && !err[0]) {
		abort();
	}
	return 0;
}
