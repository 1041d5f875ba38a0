/*
 * test_replies.c - every real reply line in tests/data/replies.tsv (at
 * least 300, gathered from providers' documentation and MTA sources) gets
 * exactly the verdict written beside it: class, reason, hard, action,
 * provider and blocklist. Prints "got X, want Y" for each difference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtpcodes/smtpcodes.h"

#define FIXTURES "tests/data/replies.tsv"
#define NCOLS 10

static int split(char *line, char **col)
{
	int n = 0;
	char *p = line;
	col[n++] = p;
	while ((p = strchr(p, '\t')) != NULL && n < NCOLS) {
		*p++ = '\0';
		col[n++] = p;
	}
	return n;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void test_fixtures(void **state)
{
	struct smtpcodes_classifier *cl;
	struct smtpcodes_scratch *s;
	FILE *f = fopen(FIXTURES, "r");
	char line[8192], err[256];
	int lineno = 0, n = 0, bad = 0;
	(void)state;
	assert_non_null(f);
	assert_int_equal(smtpcodes_classifier_new(&cl, NULL, 0, err, sizeof err), SMTPCODES_OK);
	assert_int_equal(smtpcodes_scratch_new(cl, &s), SMTPCODES_OK);
	while (fgets(line, sizeof line, f)) {
		char *col[NCOLS];
		struct smtpcodes_context ctx = { SMTPCODES_STAGE_UNKNOWN, NULL, 0 };
		struct smtpcodes_verdict v;
		char got[512], want[512];
		size_t len = strcspn(line, "\r\n");
		lineno++;
		line[len] = '\0';
		if (lineno == 1 || !len || line[0] == '#')
			continue;
		if (split(line, col) < 9) {
			printf("%s:%d: fewer than 9 columns\n", FIXTURES, lineno);
			bad++;
			continue;
		}
		if (strcmp(col[1], "-")) {
			int st = smtpcodes_stage_from_text(col[1], strlen(col[1]));
			ctx.stage = st > 0 ? (enum smtpcodes_stage)st : SMTPCODES_STAGE_UNKNOWN;
		}
		if (strcmp(col[2], "-")) {
			ctx.remote_host = col[2];
			ctx.remote_host_len = strlen(col[2]);
		}
		smtpcodes_classify_text(cl, s, col[0], strlen(col[0]), &ctx, NULL, &v);
		snprintf(got, sizeof got, "%s %s %s %s %s %s", smtpcodes_class_name(v.klass),
		         smtpcodes_reason_name(v.reason), v.hard ? "true" : "false", smtpcodes_action_name(v.action),
		         or_dash(v.provider), or_dash(v.blocklist));
		snprintf(want, sizeof want, "%s %s %s %s %s %s", col[3], col[4], col[5], col[6], col[7], col[8]);
		n++;
		if (strcmp(got, want)) {
			printf("%s:%d: %.100s\n    got  %s (rule %s)\n    want %s\n", FIXTURES, lineno, col[0], got,
			       or_dash(v.rule), want);
			bad++;
		}
	}
	fclose(f);
	smtpcodes_scratch_free(s);
	smtpcodes_classifier_free(cl);
	printf("%d fixture lines, %d differ\n", n, bad);
	assert_true(n >= 300);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
