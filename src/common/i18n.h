/*
 * i18n.h - the program's choice of language and its user-interface texts.
 * Texts come from the knowledge base ([ui:KEY] entries of data/kb/LANG.kb),
 * so a new language needs no code change.
 */
#ifndef SC_I18N_H
#define SC_I18N_H

/*
 * The language to use: the --lang value when given, else the first of
 * LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set and not empty ("de*" gives
 * German), else English. Returns a compiled-in tag ("de", "en").
 */
const char *sc_lang_choose(const char *flag);

/* The [ui:KEY] text in lang; the key itself when missing (never NULL). */
const char *sc_ui(const char *lang, const char *key);

#endif
