/*
 * i18n.c - language choice from --lang and the locale variables, and UI
 * texts from the knowledge base (see i18n.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "smtpcodes/smtpcodes.h"

const char *sc_lang_choose(const char *flag)
{
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };
	size_t i;
	if (flag && *flag)
		return smtpcodes_kb_pick_language(flag);
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return smtpcodes_kb_pick_language(v); /* LANGUAGE "de:en": first wins */
	}
	return "en";
}

const char *sc_ui(const char *lang, const char *key)
{
	char k[128];
	const struct smtpcodes_kb_entry *e;
	size_t n = strlen(key);
	if (n + 4 > sizeof k)
		return key;
	memcpy(k, "ui:", 3);
	memcpy(k + 3, key, n + 1);
	e = smtpcodes_kb_get(lang, k);
	return e && e->name ? e->name : key;
}
