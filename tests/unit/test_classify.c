/*
 * test_classify.c - the classifier's judgement rules (lib/classify.c):
 * class from the reply code, evidence order text > enhanced > basic code,
 * hard only for a bad recipient with 5xx, actions, user rules taking
 * precedence, rule-file errors naming file and line, several threads
 * sharing one classifier, and the built-in rule table and databases that
 * tools/rulesdb made at build time giving what the rules text gives.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "smtpcodes/smtpcodes.h"

struct verdict_case {
	const char *in;
	enum smtpcodes_stage stage;
	const char *klass, *reason;
	int hard;
	const char *action;
};

static const struct verdict_case cases[] = {
	/* fallbacks that do not depend on the wording of rules */
	{ "250 2.0.0 Ok: queued as ABC", 0, "success", "delivered", 0, "none" },
	{ "354 go ahead", 0, "intermediate", "undefined", 0, "none" },
	{ "550 5.1.1 xyzzy", SMTPCODES_STAGE_RCPT, "permanent", "userunknown", 1, "suppress" },
	{ "450 4.1.1 xyzzy", SMTPCODES_STAGE_RCPT, "temporary", "userunknown", 0, "retry" },
	{ "552 5.2.2 xyzzy", 0, "permanent", "mailboxfull", 0, "retry" },
	{ "550 5.7.26 xyzzy", 0, "permanent", "authfailure", 0, "fix_authentication" },
	{ "550 5.7.25 xyzzy", 0, "permanent", "requireptr", 0, "fix_authentication" },
	{ "421 4.7.28 xyzzy", 0, "temporary", "speeding", 0, "slow_down" },
	{ "550 5.1.10 xyzzy", 0, "permanent", "notaccept", 1, "suppress" },
	{ "556 5.1.10 xyzzy", 0, "permanent", "notaccept", 1, "suppress" },
	{ "521 xyzzy", 0, "permanent", "notaccept", 1, "suppress" },
	{ "551 xyzzy", 0, "permanent", "hasmoved", 1, "suppress" },
	{ "550 xyzzy", SMTPCODES_STAGE_MAIL, "permanent", "rejected", 0, "contact_postmaster" },
	{ "550 xyzzy", SMTPCODES_STAGE_RCPT, "permanent", "undefined", 0, "investigate" },
	{ "451 4.3.0 xyzzy", 0, "temporary", "systemerror", 0, "retry" },
	{ "554 5.3.4 xyzzy", 0, "permanent", "mesgtoobig", 0, "fix_content" },
	{ "500 5.5.1 xyzzy", 0, "permanent", "syntaxerror", 0, "fix_configuration" },
	{ "554 xyzzy", SMTPCODES_STAGE_CONNECT, "permanent", "blocked", 0, "check_reputation" },
	/* the reply code decides the class when the enhanced code disagrees */
	{ "550 4.1.1 xyzzy", 0, "permanent", "userunknown", 1, "suppress" },
	{ "450 5.1.1 xyzzy", 0, "temporary", "userunknown", 0, "retry" },
	/* no code at all */
	{ "xyzzy plugh", 0, "unknown", "undefined", 0, "investigate" },
	{ "5.2.2 xyzzy", 0, "permanent", "mailboxfull", 0, "retry" },
	/* the text beats the enhanced code: a blocklist is never a bad recipient */
	{ "550 5.1.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org", SMTPCODES_STAGE_RCPT,
	  "permanent", "blocked", 0, "check_reputation" },
	{ "550 5.7.1 <a@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
	  SMTPCODES_STAGE_RCPT, "permanent", "userunknown", 1, "suppress" },
};

static struct smtpcodes_classifier *cl;
static struct smtpcodes_scratch *scratch;

static int setup(void **state)
{
	char err[256];
	(void)state;
	if (smtpcodes_classifier_new(&cl, NULL, 0, err, sizeof err)) {
		printf("classifier: %s\n", err);
		return -1;
	}
	return smtpcodes_scratch_new(cl, &scratch);
}

static int teardown(void **state)
{
	(void)state;
	smtpcodes_scratch_free(scratch);
	smtpcodes_classifier_free(cl);
	return 0;
}

static int check(const struct smtpcodes_classifier *c, struct smtpcodes_scratch *s, const struct verdict_case *vc)
{
	struct smtpcodes_context ctx = { vc->stage, NULL, 0 };
	struct smtpcodes_verdict v;
	smtpcodes_classify_text(c, s, vc->in, strlen(vc->in), &ctx, NULL, &v);
	if (strcmp(smtpcodes_class_name(v.klass), vc->klass) || strcmp(smtpcodes_reason_name(v.reason), vc->reason) ||
	    v.hard != (vc->hard != 0) || strcmp(smtpcodes_action_name(v.action), vc->action)) {
		printf("%s: got %s/%s/%d/%s, want %s/%s/%d/%s\n", vc->in, smtpcodes_class_name(v.klass),
		       smtpcodes_reason_name(v.reason), v.hard, smtpcodes_action_name(v.action), vc->klass, vc->reason,
		       vc->hard, vc->action);
		return 1;
	}
	return 0;
}

static void test_verdicts(void **state)
{
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		bad += check(cl, scratch, &cases[i]);
	assert_int_equal(bad, 0);
}

static void test_mismatch_flag(void **state)
{
	struct smtpcodes_verdict v;
	(void)state;
	smtpcodes_classify_text(cl, scratch, "550 4.1.1 x", 11, NULL, NULL, &v);
	assert_true(v.flags & SMTPCODES_VERDICT_CLASS_MISMATCH);
	assert_int_equal(smtpcodes_classify_text(cl, scratch, "garbage", 7, NULL, NULL, &v), SMTPCODES_ERR_NOCODE);
	assert_true(v.flags & SMTPCODES_VERDICT_PARSE_ERROR);
	assert_int_equal(v.klass, SMTPCODES_CLASS_UNKNOWN);
}

static void test_user_rules_first(void **state)
{
	static const char rules[] = "# ours\n"
	                            "reason exceedlimit /customer quota exhausted/ class=4,5\n"
	                            "provider acme /mx\\.acme-mail\\.example/\n"
	                            "host acme /(^|\\.)acme-mail\\.example$/\n"
	                            "reason blocked /user unknown/ stage=mail\n";
	struct smtpcodes_rules_source src = { "ours.rules", rules, sizeof rules - 1 };
	struct smtpcodes_classifier *c;
	struct smtpcodes_scratch *s;
	struct smtpcodes_verdict v;
	struct smtpcodes_context ctx = { SMTPCODES_STAGE_RCPT, "in1.acme-mail.example", 21 };
	char err[256];
	(void)state;
	assert_int_equal(smtpcodes_classifier_new(&c, &src, 1, err, sizeof err), SMTPCODES_OK);
	assert_int_equal(smtpcodes_scratch_new(c, &s), SMTPCODES_OK);
	assert_true(smtpcodes_classifier_rule_count(c) > 4);
	smtpcodes_classify_text(c, s, "552 5.2.2 customer quota exhausted", 34, &ctx, NULL, &v);
	assert_string_equal(smtpcodes_reason_name(v.reason), "exceedlimit");
	assert_string_equal(v.rule, "ours.rules:2");
	assert_string_equal(v.provider, "acme");
	/* a stage condition that does not hold: the rule does not count */
	smtpcodes_classify_text(c, s, "550 5.1.1 user unknown", 22, &ctx, NULL, &v);
	assert_string_not_equal(smtpcodes_reason_name(v.reason), "blocked");
	ctx.stage = SMTPCODES_STAGE_MAIL;
	smtpcodes_classify_text(c, s, "550 5.1.1 user unknown", 22, &ctx, NULL, &v);
	assert_string_equal(smtpcodes_reason_name(v.reason), "blocked");
	smtpcodes_scratch_free(s);
	smtpcodes_classifier_free(c);
}

/* flag= on a reason rule: the verdict carries the flag, and the action
 * follows it (the sender's domain: fix it; whose domain is unknown: look) */
static void test_rule_flags(void **state)
{
	static const char rules[] = "reason rejected /lookup of our domain failed/ flag=sender-domain\n"
	                            "reason rejected /a domain is missing/ flag=whose-domain\n"
	                            "reason hostunknown /some domain is missing/ flag=whose-domain\n";
	static const struct {
		const char *text;
		unsigned flags;
		const char *action;
	} flagged[] = {
		{ "550 lookup of our domain failed", SMTPCODES_VERDICT_SENDER_DOMAIN, "fix_configuration" },
		{ "550 a domain is missing", SMTPCODES_VERDICT_WHOSE_DOMAIN, "investigate" },
		{ "550 some domain is missing", SMTPCODES_VERDICT_WHOSE_DOMAIN, "suppress" },
		{ "250 lookup of our domain failed", SMTPCODES_VERDICT_SENDER_DOMAIN, "none" },
	};
	struct smtpcodes_rules_source src = { "flags.rules", rules, sizeof rules - 1 };
	struct smtpcodes_classifier *c;
	struct smtpcodes_scratch *s;
	struct smtpcodes_verdict v;
	char err[256];
	size_t i;
	int bad = 0;
	(void)state;
	assert_int_equal(smtpcodes_classifier_new(&c, &src, 1, err, sizeof err), SMTPCODES_OK);
	assert_int_equal(smtpcodes_scratch_new(c, &s), SMTPCODES_OK);
	for (i = 0; i < sizeof flagged / sizeof flagged[0]; i++) {
		unsigned got;
		smtpcodes_classify_text(c, s, flagged[i].text, strlen(flagged[i].text), NULL, NULL, &v);
		got = v.flags & (SMTPCODES_VERDICT_SENDER_DOMAIN | SMTPCODES_VERDICT_WHOSE_DOMAIN);
		if (flagged[i].text[0] != '2' && got != flagged[i].flags) {
			printf("%s: got flags %#x, want %#x\n", flagged[i].text, got, flagged[i].flags);
			bad++;
		}
		if (strcmp(smtpcodes_action_name(v.action), flagged[i].action)) {
			printf("%s: got action %s, want %s\n", flagged[i].text, smtpcodes_action_name(v.action),
			       flagged[i].action);
			bad++;
		}
	}
	/* the stage says whose domain it is */
	{
		struct smtpcodes_context ctx = { SMTPCODES_STAGE_MAIL, NULL, 0 };
		smtpcodes_classify_text(c, s, "550 a domain is missing", 23, &ctx, NULL, &v);
		if (v.reason != SMTPCODES_REASON_REJECTED || v.action != SMTPCODES_ACTION_FIX_CONFIGURATION ||
		    (v.flags & SMTPCODES_VERDICT_WHOSE_DOMAIN) || !(v.flags & SMTPCODES_VERDICT_SENDER_DOMAIN)) {
			printf("at MAIL: got %s %s flags %#x, want rejected fix_configuration sender-domain\n",
			       smtpcodes_reason_name(v.reason), smtpcodes_action_name(v.action), v.flags);
			bad++;
		}
		ctx.stage = SMTPCODES_STAGE_RCPT;
		smtpcodes_classify_text(c, s, "550 a domain is missing", 23, &ctx, NULL, &v);
		if (v.reason != SMTPCODES_REASON_HOSTUNKNOWN || !v.hard || !(v.flags & SMTPCODES_VERDICT_WHOSE_DOMAIN)) {
			printf("at RCPT: got %s hard=%d flags %#x, want hostunknown hard whose-domain\n",
			       smtpcodes_reason_name(v.reason), v.hard, v.flags);
			bad++;
		}
	}
	smtpcodes_scratch_free(s);
	smtpcodes_classifier_free(c);
	assert_int_equal(bad, 0);
}

static void test_rule_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "reason nosuchreason /x/\n", "r.txt:1: unknown reason name" },
		{ "\n\nfrobnicate x /y/\n", "r.txt:3: unknown rule kind" },
		{ "reason blocked x\n", "r.txt:1: expected /PATTERN/" },
		{ "reason blocked /unclosed\n", "r.txt:1: pattern lacks its closing /" },
		{ "reason blocked /x/ class=9\n", "r.txt:1: bad condition" },
		{ "provider x /a/ class=5\n", "r.txt:1: bad condition" },
		{ "reason rejected /x/ flag=nosuchflag\n", "r.txt:1: bad condition" },
		{ "provider x /a/ flag=whose-domain\n", "r.txt:1: bad condition" },
		{ "reason blocked /(unbalanced/\n", "r.txt:1: bad pattern" },
		{ "reason blocked //\n", "r.txt:1: empty pattern" },
	};
	size_t i;
	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct smtpcodes_rules_source src = { "r.txt", bad[i].text, strlen(bad[i].text) };
		struct smtpcodes_classifier *c = NULL;
		char err[512];
		int rc = smtpcodes_classifier_new(&c, &src, 1, err, sizeof err);
		if (rc != SMTPCODES_ERR_RULES || strncmp(err, bad[i].want, strlen(bad[i].want))) {
			printf("rules '%s': got rc %d err '%s', want '%s'\n", bad[i].text, rc, err, bad[i].want);
			fail();
		}
		assert_null(c);
	}
}

static void *worker(void *arg)
{
	struct smtpcodes_scratch *s;
	size_t i, n;
	int bad = 0;
	(void)arg;
	if (smtpcodes_scratch_new(cl, &s))
		return (void *)1;
	for (n = 0; n < 200; n++)
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
			bad += check(cl, s, &cases[i]);
	smtpcodes_scratch_free(s);
	return bad ? (void *)1 : NULL;
}

static void test_threads_share_classifier(void **state)
{
	pthread_t t[4];
	void *res;
	int i;
	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
}

/* Same verdict, same rule, same provider and blocklist (as text)? */
static int same_verdict(const char *in, const struct smtpcodes_verdict *a, const struct smtpcodes_verdict *b)
{
	const char *const sa[3] = { a->rule, a->provider, a->blocklist };
	const char *const sb[3] = { b->rule, b->provider, b->blocklist };
	int i;
	if (a->klass != b->klass || a->reason != b->reason || a->hard != b->hard || a->action != b->action ||
	    a->source != b->source || a->flags != b->flags) {
		printf("%s: built-in tables say %s, the rules text %s\n", in, smtpcodes_reason_name(a->reason),
		       smtpcodes_reason_name(b->reason));
		return 0;
	}
	for (i = 0; i < 3; i++)
		if ((sa[i] == NULL) != (sb[i] == NULL) || (sa[i] && strcmp(sa[i], sb[i]))) {
			printf("%s: got %s, want %s\n", in, sa[i] ? sa[i] : "(null)", sb[i] ? sb[i] : "(null)");
			return 0;
		}
	return 1;
}

static void test_builtin_tables_match_text(void **state)
{
	static const char *const hosts[] = { NULL, "mx1.hotmail.com", "gmail-smtp-in.l.google.com", "mx.example.org" };
	struct smtpcodes_classifier *text;
	struct smtpcodes_scratch *s;
	struct sc_builtin_export ex;
	char err[512], line[4096];
	size_t i, n = 0;
	int bad = 0;
	FILE *f;
	(void)state;
	assert_int_equal(sc_builtin_compile(&text, &ex, err, sizeof err), SMTPCODES_OK);
	assert_int_equal(smtpcodes_scratch_new(text, &s), SMTPCODES_OK);
	/* the table, rule by rule, when the build made one (not while rulesdb itself is built) */
	assert_int_equal(sc_builtin_rule_count, ex.nrules);
	for (i = 0; i < ex.nrules; i++) {
		const struct sc_rule *a = &sc_builtin_rule_table[i], *b = &ex.rules[i];
		if (a->kind != b->kind || a->reason != b->reason || a->class_mask != b->class_mask ||
		    a->stage_mask != b->stage_mask || a->ncodes != b->ncodes ||
		    memcmp(a->codes, b->codes, sizeof a->codes) ||
		    strcmp(sc_builtin_rule_strings + a->tag, ex.strings + b->tag) ||
		    strcmp(sc_builtin_rule_strings + a->origin, ex.strings + b->origin)) {
			printf("rule %zu (%s) differs from the rules text\n", i, ex.strings + b->origin);
			bad++;
		}
	}
	/* every reply of tests/data/replies.tsv, at every stage, from some hosts */
	f = fopen("tests/data/replies.tsv", "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		size_t len = strcspn(line, "\t\n");
		int st;
		for (st = 0; st < SMTPCODES_STAGE_COUNT; st++)
			for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
				struct smtpcodes_context ctx = { (enum smtpcodes_stage)st, hosts[i],
					                         hosts[i] ? strlen(hosts[i]) : 0 };
				struct smtpcodes_verdict a, b;
				smtpcodes_classify_text(cl, scratch, line, len, &ctx, NULL, &a);
				smtpcodes_classify_text(text, s, line, len, &ctx, NULL, &b);
				bad += !same_verdict(line, &a, &b);
				n++;
			}
	}
	fclose(f);
	assert_true(n > 1000);
	assert_int_equal(bad, 0);
	smtpcodes_scratch_free(s);
	smtpcodes_classifier_free(text);
}

static void test_vocabulary_round_trip(void **state)
{
	int i;
	(void)state;
	for (i = 0; i < SMTPCODES_REASON_COUNT; i++) {
		const char *n = smtpcodes_reason_name((enum smtpcodes_reason)i);
		assert_int_equal(smtpcodes_reason_from_name(n, strlen(n)), i);
	}
	for (i = 0; i < SMTPCODES_ACTION_COUNT; i++) {
		const char *n = smtpcodes_action_name((enum smtpcodes_action)i);
		assert_int_equal(smtpcodes_action_from_name(n, strlen(n)), i);
	}
	assert_int_equal(smtpcodes_stage_from_text("RCPT TO", 7), SMTPCODES_STAGE_RCPT);
	assert_int_equal(smtpcodes_stage_from_text("MAIL FROM", 9), SMTPCODES_STAGE_MAIL);
	assert_int_equal(smtpcodes_stage_from_text("end of DATA", 11), SMTPCODES_STAGE_EOD);
	assert_int_equal(smtpcodes_stage_from_text("DATA", 4), SMTPCODES_STAGE_DATA);
	assert_int_equal(smtpcodes_stage_from_text("EHLO", 4), SMTPCODES_STAGE_HELO);
	assert_int_equal(smtpcodes_stage_from_text("frob", 4), -1);
	assert_string_equal(smtpcodes_strerror(SMTPCODES_ERR_NOCODE), "no reply code found");
	assert_string_equal(smtpcodes_strerror(999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_mismatch_flag),
		cmocka_unit_test(test_user_rules_first),
		cmocka_unit_test(test_rule_flags),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_threads_share_classifier),
		cmocka_unit_test(test_vocabulary_round_trip),
		cmocka_unit_test(test_builtin_tables_match_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
