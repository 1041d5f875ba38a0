/*
 * internal.h - helpers shared between the files of libsmtpcodes (prefix sc_).
 * Nothing here is part of the public interface.
 */
#ifndef SC_INTERNAL_H
#define SC_INTERNAL_H

#include <stddef.h>

/* Writes "a.b.c" into dst (bounded, NUL-terminated). */
void sc_fmt_int3(char *dst, size_t dstlen, int a, int b, int c);

/* The built-in rules text (data/rules.txt), embedded at build time. */
extern const char sc_builtin_rules[];
extern const size_t sc_builtin_rules_len;

/* The built-in rules' Hyperscan databases, serialized at build time by
 * tools/rulesdb (empty while that tool itself is built). */
extern const char sc_builtin_db[];
extern const size_t sc_builtin_db_len;

/* Compiles the built-in rules and serializes their databases into a
 * malloc'd blob for sc_builtin_db (used by tools/rulesdb only). */
int sc_builtin_db_build(char **blob, size_t *len, char *err, size_t errlen);

/* Case-insensitive comparison of s[0..len) with the NUL-terminated word. */
int sc_eq_nocase(const char *s, size_t len, const char *word);

#endif
