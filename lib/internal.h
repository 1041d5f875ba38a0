/*
 * internal.h - helpers shared between the files of libsmtpcodes (prefix sc_).
 * Nothing here is part of the public interface.
 */
#ifndef SC_INTERNAL_H
#define SC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct smtpcodes_classifier;

/* Writes "a.b.c" into dst (bounded, NUL-terminated). */
void sc_fmt_int3(char *dst, size_t dstlen, int a, int b, int c);

/* The built-in rules text (data/rules.txt), embedded at build time. */
extern const char sc_builtin_rules[];
extern const size_t sc_builtin_rules_len;

/* The kinds of rule (docs/RULES.md). */
enum sc_rule_kind { SC_RULE_REASON, SC_RULE_PROVIDER, SC_RULE_BLOCKLIST, SC_RULE_HOST, SC_RULE_SOFTWARE };

#define SC_RULE_MAX_CODES 8

/* One parsed rule. It holds no pointers: tag and origin are offsets into the
 * string pool of its group of rules (0: none), so that the built-in table,
 * which tools/rulesdb writes as C at build time, needs no relocation when a
 * program starts. */
struct sc_rule {
	enum sc_rule_kind kind;
	int reason;          /* SC_RULE_REASON */
	uint32_t tag;        /* provider or blocklist tag */
	uint32_t origin;     /* "data/rules.txt:42" */
	unsigned class_mask; /* bit n: class digit n; 0 = any */
	unsigned stage_mask; /* bit n: stage n; 0 = any */
	int codes[SC_RULE_MAX_CODES];
	int ncodes;
	unsigned flags;      /* SMTPCODES_VERDICT_* a reason rule gives its verdict */
};

/*
 * The built-in rules as tools/rulesdb made them at build time from
 * sc_builtin_rules (none while that tool itself is built: then the library
 * parses and compiles the text): the parsed table and its string pool, and
 * the two Hyperscan databases (text, host) as they are in memory after
 * hs_deserialize_database_at() at a 64-byte aligned address, one after the
 * other, the second at sc_builtin_db_at[1]. sc_builtin_db_size[i] is 0 for a
 * database the rules do not need. sc_builtin_hs_version is the hs_version()
 * that made them: a database image is used only with that very library.
 */
extern const struct sc_rule sc_builtin_rule_table[];
extern const size_t sc_builtin_rule_count;
extern const char sc_builtin_rule_strings[];
extern const char sc_builtin_hs_version[];
extern const unsigned char sc_builtin_db_image[];
extern const size_t sc_builtin_db_at[2], sc_builtin_db_size[2];

/* The parsed built-in rules and their compiled databases (hs_database_t *,
 * owned by the classifier), for tools/rulesdb. */
struct sc_builtin_export {
	const struct sc_rule *rules;
	size_t nrules;
	const char *strings;
	size_t strings_len;
	void *db[2]; /* text, host; NULL when there are no such rules */
};

/* Builds a classifier from the built-in rules text alone, compiling it with
 * Hyperscan (never from the build-time tables), and points *ex into it.
 * Returns SMTPCODES_OK or an error (message in err); free with
 * smtpcodes_classifier_free(). Used by tools/rulesdb and the tests. */
int sc_builtin_compile(struct smtpcodes_classifier **out, struct sc_builtin_export *ex, char *err, size_t errlen);

/* Case-insensitive comparison of s[0..len) with the NUL-terminated word. */
int sc_eq_nocase(const char *s, size_t len, const char *word);

#endif
