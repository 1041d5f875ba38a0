/*
 * needlesdb_empty.c - stands in for the serialized phrase table while
 * tools/needlesdb, which makes it, is being built: an empty blob makes
 * bounce_needles.c compile the table itself.
 */
#include <stddef.h>

extern const char sc_needles_db[];
extern const size_t sc_needles_db_len;

const char sc_needles_db[] = { 0 };
const size_t sc_needles_db_len = 0;
