/*
 * rulesdb_empty.c - stands in for the serialized rules database while
 * tools/rulesdb, which makes it, is being built: an empty blob makes the
 * library compile the built-in rules itself.
 */
#include <stddef.h>

#include "internal.h"

const char sc_builtin_db[] = { 0 };
const size_t sc_builtin_db_len = 0;
