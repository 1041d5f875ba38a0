/*
 * rulesdb_empty.c - stands in for the built-in rule table and databases
 * while tools/rulesdb, which makes them, is being built: with no rules here
 * the library parses and compiles the built-in rules text itself.
 */
#include "internal.h"

const char sc_builtin_hs_version[] = "";
const size_t sc_builtin_rule_count = 0;
const struct sc_rule sc_builtin_rule_table[1];
const char sc_builtin_rule_strings[] = "";
const size_t sc_builtin_db_at[2] = { 0, 0 };
const size_t sc_builtin_db_size[2] = { 0, 0 };
const unsigned char sc_builtin_db_image[64];
