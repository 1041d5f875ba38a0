/*
 * test_kb.c - the knowledge base is complete and has no unreachable rows:
 * every basic reply code the issue names and every IANA enhanced code
 * X.0.0-X.7.30 has name, meaning, causes and action in every compiled-in
 * language; every reason and action has its text; every key of every
 * language is reachable through the public look-ups.
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

static const int basic_codes[] = {
	211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 458, 500,
	501, 502, 503, 504, 521, 523, 530, 534, 535, 538, 541, 550, 551, 552, 553, 554, 555, 556,
};

/* The IANA registry: subject -> highest detail registered. */
static const int iana_max_detail[8] = { 0, 10, 4, 6, 7, 6, 10, 30 };

static const char *const ui_keys[] = {
	"class", "reason", "recipient", "recipient_bad", "recipient_maybe", "recipient_ok", "whose_domain", "provider",
	"blocklist", "todo", "meaning", "causes", "error", "parse_error", "mismatch", "no_entry",
	"evidence_text", "evidence_enhanced", "evidence_code", "evidence_none",
};

static int complete(const struct smtpcodes_kb_entry *e)
{
	return e && e->name && *e->name && e->meaning && *e->meaning && e->causes && *e->causes && e->action &&
	       *e->action;
}

static void test_languages(void **state)
{
	(void)state;
	assert_true(smtpcodes_kb_language_count() >= 2);
	assert_string_equal(smtpcodes_kb_pick_language("de_DE.UTF-8"), "de");
	assert_string_equal(smtpcodes_kb_pick_language("de"), "de");
	assert_string_equal(smtpcodes_kb_pick_language("de:en"), "de"); /* LANGUAGE lists */
	assert_string_equal(smtpcodes_kb_pick_language("en_US"), "en");
	assert_string_equal(smtpcodes_kb_pick_language("C"), "en");
	assert_string_equal(smtpcodes_kb_pick_language("fr_FR"), "en");
	assert_string_equal(smtpcodes_kb_pick_language("dex"), "en");
	assert_string_equal(smtpcodes_kb_pick_language(NULL), "en");
}

static void test_every_code_every_language(void **state)
{
	size_t l, i;
	int s, d, bad = 0;
	(void)state;
	for (l = 0; l < smtpcodes_kb_language_count(); l++) {
		const char *lang = smtpcodes_kb_language(l);
		for (i = 0; i < sizeof basic_codes / sizeof basic_codes[0]; i++) {
			const struct smtpcodes_kb_entry *e = smtpcodes_kb_code(lang, basic_codes[i]);
			if (!complete(e)) {
				printf("%s: code %d incomplete or missing\n", lang, basic_codes[i]);
				bad++;
			}
		}
		for (s = 0; s < 8; s++)
			for (d = 0; d <= iana_max_detail[s]; d++) {
				struct smtpcodes_enhanced en = { 5, s, d };
				if (!complete(smtpcodes_kb_enhanced(lang, &en))) {
					printf("%s: X.%d.%d incomplete or missing\n", lang, s, d);
					bad++;
				}
			}
	}
	assert_int_equal(bad, 0);
}

static size_t count_entries(const char *lang)
{
	size_t n = 0;
	while (smtpcodes_kb_entry_at(lang, n))
		n++;
	return n;
}

/* No language falls back to English: every language has the same keys. */
static void test_same_keys(void **state)
{
	size_t l, i, n_en = count_entries("en");
	(void)state;
	for (l = 0; l < smtpcodes_kb_language_count(); l++) {
		const char *lang = smtpcodes_kb_language(l);
		assert_int_equal(count_entries(lang), n_en);
		for (i = 0; i < n_en; i++)
			assert_string_equal(smtpcodes_kb_entry_at(lang, i)->key, smtpcodes_kb_entry_at("en", i)->key);
	}
	/* German text really is German, not a copy of the English */
	assert_string_not_equal(smtpcodes_kb_code("de", 550)->meaning, smtpcodes_kb_code("en", 550)->meaning);
}

static void test_vocabulary_texts(void **state)
{
	size_t l;
	int i, bad = 0;
	char key[64];
	(void)state;
	for (l = 0; l < smtpcodes_kb_language_count(); l++) {
		const char *lang = smtpcodes_kb_language(l);
		for (i = 0; i < SMTPCODES_REASON_COUNT; i++) {
			const struct smtpcodes_kb_entry *e;
			snprintf(key, sizeof key, "reason:%s", smtpcodes_reason_name((enum smtpcodes_reason)i));
			e = smtpcodes_kb_get(lang, key);
			if (!e || !e->name || !e->meaning || !e->action) {
				printf("%s: %s missing\n", lang, key);
				bad++;
			}
		}
		for (i = 0; i < SMTPCODES_ACTION_COUNT; i++) {
			const struct smtpcodes_kb_entry *e;
			snprintf(key, sizeof key, "action:%s", smtpcodes_action_name((enum smtpcodes_action)i));
			e = smtpcodes_kb_get(lang, key);
			if (!e || !e->name || !e->meaning) {
				printf("%s: %s missing\n", lang, key);
				bad++;
			}
		}
		for (i = 0; i < (int)(sizeof ui_keys / sizeof ui_keys[0]); i++) {
			snprintf(key, sizeof key, "ui:%s", ui_keys[i]);
			if (!smtpcodes_kb_get(lang, key)) {
				printf("%s: %s missing\n", lang, key);
				bad++;
			}
		}
		for (i = 2; i <= 5; i++) {
			snprintf(key, sizeof key, "class:%d", i);
			if (!smtpcodes_kb_get(lang, key)) {
				printf("%s: %s missing\n", lang, key);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* Every row is reachable: a code key through kb_code/kb_enhanced, a
 * reason/action key names a real reason/action. */
static void test_no_unreachable_rows(void **state)
{
	const struct smtpcodes_kb_entry *e;
	size_t i;
	int bad = 0;
	(void)state;
	for (i = 0; (e = smtpcodes_kb_entry_at("en", i)) != NULL; i++) {
		const char *k = e->key;
		const struct smtpcodes_kb_entry *via = NULL;
		if (k[0] >= '1' && k[0] <= '9' && strlen(k) == 3) {
			via = smtpcodes_kb_code("en", atoi(k));
		} else if (k[0] == 'X' && k[1] == '.') {
			struct smtpcodes_enhanced en;
			char full[32];
			snprintf(full, sizeof full, "5%s", k + 1);
			if (smtpcodes_enhanced_parse(full, strlen(full), &en) == SMTPCODES_OK)
				via = smtpcodes_kb_enhanced("en", &en);
		} else if (!strncmp(k, "reason:", 7)) {
			if (smtpcodes_reason_from_name(k + 7, strlen(k + 7)) >= 0)
				via = e;
		} else if (!strncmp(k, "action:", 7)) {
			if (smtpcodes_action_from_name(k + 7, strlen(k + 7)) >= 0)
				via = e;
		} else if (!strncmp(k, "ui:", 3) || !strncmp(k, "class:", 6) || !strncmp(k, "eclass:", 7) ||
		           !strncmp(k, "subject:", 8)) {
			via = e;
		}
		if (via != e) {
			printf("unreachable row [%s]\n", k);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_every_code_every_language),
		cmocka_unit_test(test_same_keys),
		cmocka_unit_test(test_vocabulary_texts),
		cmocka_unit_test(test_no_unreachable_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
