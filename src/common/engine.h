/*
 * engine.h - the classifier as the program uses it: built once from the
 * built-in rules plus the --rules files, with one scratch for the main
 * thread, and the verdict written as JSON fields or TSV columns the same way
 * by every command (classify, explain, report, bounces, probe).
 */
#ifndef SC_ENGINE_H
#define SC_ENGINE_H

#include <stddef.h>

#include "common/out.h"
#include "smtpcodes/smtpcodes.h"

struct sc_engine {
	struct smtpcodes_classifier *cl;
	struct smtpcodes_scratch *scratch;
};

/* Reads the rules files (may be none) and builds the classifier. Returns 0,
 * or an EX_* code after printing a message that names the file and line. */
int sc_engine_open(struct sc_engine *e, char **rule_files, size_t nfiles);
void sc_engine_close(struct sc_engine *e);

/* Parses a --stage value (rcpt, "RCPT TO", end-of-data, ...) into *stage.
 * Returns 0, or -1 after a message "CMD: unknown stage 'X'". */
int sc_parse_stage(const char *cmd, const char *text, enum smtpcodes_stage *stage);

/* Classifies text (parse + verdict). Returns the parse result. */
int sc_engine_classify(struct sc_engine *e, const char *text, size_t len, const struct smtpcodes_context *ctx,
                       struct smtpcodes_reply *reply, struct smtpcodes_verdict *v);

/*
 * Writes the verdict as JSON members (no braces), starting with a comma:
 * ,"code":550,"enhanced":"5.1.1","class":...,"reason":...,"hard":...,
 * "action":...,"provider":...,"blocklist":...,"evidence":...,"rule":...
 * plus "class_mismatch" when the codes disagreed.
 */
void sc_verdict_json(struct sc_out *o, const struct smtpcodes_reply *r, const struct smtpcodes_verdict *v);

/* The same as TSV columns, each followed by a tab:
 * code enhanced class reason hard action provider blocklist */
void sc_verdict_tsv(struct sc_out *o, const struct smtpcodes_reply *r, const struct smtpcodes_verdict *v);

#endif
