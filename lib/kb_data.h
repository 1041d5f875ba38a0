/*
 * kb_data.h - the shape of the knowledge-base tables that tools/kbgen
 * generates from data/kb/LANG.kb at build time (build/gen/kb_data.c).
 * Internal to libsmtpcodes.
 */
#ifndef SC_KB_DATA_H
#define SC_KB_DATA_H

#include <stddef.h>
#include "smtpcodes/smtpcodes.h"

struct sc_kb_lang {
	const char *tag;  /* "de" */
	const char *name; /* "Deutsch" */
	const struct smtpcodes_kb_entry *entries; /* sorted by key (strcmp) */
	size_t n;
};

extern const struct sc_kb_lang sc_kb_langs[]; /* sorted by tag */
extern const size_t sc_kb_nlangs;

#endif
