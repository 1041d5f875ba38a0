/*
 * kb.c - look-ups in the compiled-in knowledge base.
 *
 * The tables come from data/kb/LANG.kb through tools/kbgen (build/gen/
 * kb_data.c): one key-sorted array per language. Codes are keyed "550"
 * and, for enhanced codes, class-free "X.1.1"; a missing key falls back to
 * English. Everything here is read-only and thread-safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpcodes/smtpcodes.h"
#include "internal.h"
#include "kb_data.h"

size_t smtpcodes_kb_language_count(void)
{
	return sc_kb_nlangs;
}

const char *smtpcodes_kb_language(size_t i)
{
	return i < sc_kb_nlangs ? sc_kb_langs[i].tag : NULL;
}

static const struct sc_kb_lang *find_lang(const char *tag)
{
	size_t i;
	if (!tag)
		tag = "en";
	for (i = 0; i < sc_kb_nlangs; i++)
		if (!strcmp(sc_kb_langs[i].tag, tag))
			return &sc_kb_langs[i];
	return NULL;
}

const char *smtpcodes_kb_pick_language(const char *tag)
{
	size_t i;
	if (!tag || strlen(tag) < 2)
		return "en";
	for (i = 0; i < sc_kb_nlangs; i++)
		if (sc_eq_nocase(tag, 2, sc_kb_langs[i].tag) && (tag[2] == '\0' || tag[2] == '_' ||
		                                                  tag[2] == '-' || tag[2] == '.' || tag[2] == '@' ||
		                                                  tag[2] == ':'))
			return sc_kb_langs[i].tag;
	return "en";
}

static int cmp_key(const void *k, const void *e)
{
	return strcmp(k, ((const struct smtpcodes_kb_entry *)e)->key);
}

static const struct smtpcodes_kb_entry *get_in(const struct sc_kb_lang *l, const char *key)
{
	if (!l)
		return NULL;
	return bsearch(key, l->entries, l->n, sizeof *l->entries, cmp_key);
}

const struct smtpcodes_kb_entry *smtpcodes_kb_get(const char *lang, const char *key)
{
	const struct smtpcodes_kb_entry *e;
	if (!key)
		return NULL;
	e = get_in(find_lang(lang), key);
	return e ? e : get_in(find_lang("en"), key);
}

const struct smtpcodes_kb_entry *smtpcodes_kb_code(const char *lang, int code)
{
	char key[8];
	if (code < 100 || code > 999)
		return NULL;
	key[0] = (char)('0' + code / 100);
	key[1] = (char)('0' + code / 10 % 10);
	key[2] = (char)('0' + code % 10);
	key[3] = '\0';
	return smtpcodes_kb_get(lang, key);
}

const struct smtpcodes_kb_entry *smtpcodes_kb_enhanced(const char *lang, const struct smtpcodes_enhanced *e)
{
	char key[24];
	if (!e || !e->klass)
		return NULL;
	snprintf(key, sizeof key, "X.%d.%d", e->subject, e->detail);
	return smtpcodes_kb_get(lang, key);
}

const struct smtpcodes_kb_entry *smtpcodes_kb_entry_at(const char *lang, size_t i)
{
	const struct sc_kb_lang *l = find_lang(lang);
	if (!l || i >= l->n)
		return NULL;
	return &l->entries[i];
}
