/*
 * engine.c - building the classifier from --rules files, and writing a
 * verdict in the program's JSON and TSV shapes (see engine.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/engine.h"
#include "common/util.h"

#define RULES_MAX (16u * 1024 * 1024)

int sc_engine_open(struct sc_engine *e, char **rule_files, size_t nfiles)
{
	struct smtpcodes_rules_source *src = xcalloc(nfiles ? nfiles : 1, sizeof *src);
	char **texts = xcalloc(nfiles ? nfiles : 1, sizeof *texts);
	char err[1024];
	size_t i;
	int rc = 0;

	memset(e, 0, sizeof *e);
	for (i = 0; i < nfiles; i++) {
		char *data;
		size_t len;
		rc = sc_read_file(rule_files[i], RULES_MAX, &data, &len, err, sizeof err);
		if (rc) {
			sc_warn("rules: %s", err);
			goto out;
		}
		src[i].name = rule_files[i];
		src[i].text = data;
		texts[i] = data;
		src[i].len = len;
	}
	rc = smtpcodes_classifier_new(&e->cl, src, nfiles, err, sizeof err);
	if (rc) {
		sc_warn("rules: %s", err[0] ? err : smtpcodes_strerror(rc));
		rc = rc == SMTPCODES_ERR_RULES ? EX_DATAERR : EX_SOFTWARE;
		goto out;
	}
	if (smtpcodes_scratch_new(e->cl, &e->scratch)) {
		sc_warn("cannot allocate classifier scratch space");
		rc = EX_OSERR;
	}
out:
	for (i = 0; i < nfiles; i++)
		free(texts[i]);
	free(texts);
	free(src);
	return rc;
}

void sc_engine_close(struct sc_engine *e)
{
	smtpcodes_scratch_free(e->scratch);
	smtpcodes_classifier_free(e->cl);
	e->scratch = NULL;
	e->cl = NULL;
}

int sc_parse_stage(const char *cmd, const char *text, enum smtpcodes_stage *stage)
{
	int st = smtpcodes_stage_from_text(text, strlen(text));
	if (st < 0) {
		sc_warn("%s: unknown stage '%s' (want connect, helo, starttls, auth, mail, rcpt, data, eod, quit)", cmd,
		        text);
		return -1;
	}
	*stage = (enum smtpcodes_stage)st;
	return 0;
}

int sc_engine_classify(struct sc_engine *e, const char *text, size_t len, const struct smtpcodes_context *ctx,
                       struct smtpcodes_reply *reply, struct smtpcodes_verdict *v)
{
	return smtpcodes_classify_text(e->cl, e->scratch, text, len, ctx, reply, v);
}

static const char *evidence_name(enum smtpcodes_evidence ev)
{
	switch (ev) {
	case SMTPCODES_EVIDENCE_TEXT: return "text";
	case SMTPCODES_EVIDENCE_ENHANCED: return "enhanced";
	case SMTPCODES_EVIDENCE_CODE: return "code";
	default: return "none";
	}
}

void sc_verdict_json(struct sc_out *o, const struct smtpcodes_reply *r, const struct smtpcodes_verdict *v)
{
	char enh[24];
	sc_out_str(o, ",\"code\":");
	if (r->code)
		sc_out_int(o, r->code);
	else
		sc_out_str(o, "null");
	sc_out_str(o, ",\"enhanced\":");
	if (r->enhanced.klass) {
		smtpcodes_enhanced_format(&r->enhanced, enh, sizeof enh);
		sc_out_json_cstr(o, enh);
	} else {
		sc_out_str(o, "null");
	}
	sc_out_str(o, ",\"class\":\"");
	sc_out_str(o, smtpcodes_class_name(v->klass));
	sc_out_str(o, "\",\"reason\":\"");
	sc_out_str(o, smtpcodes_reason_name(v->reason));
	sc_out_str(o, v->hard ? "\",\"hard\":true,\"action\":\"" : "\",\"hard\":false,\"action\":\"");
	sc_out_str(o, smtpcodes_action_name(v->action));
	sc_out_str(o, "\",\"provider\":");
	sc_out_json_cstr(o, v->provider);
	sc_out_str(o, ",\"blocklist\":");
	sc_out_json_cstr(o, v->blocklist);
	sc_out_str(o, ",\"evidence\":\"");
	sc_out_str(o, evidence_name(v->source));
	sc_out_str(o, "\",\"rule\":");
	sc_out_json_cstr(o, v->rule);
	if (v->flags & SMTPCODES_VERDICT_CLASS_MISMATCH) {
		sc_out_str(o, ",\"class_mismatch\":{\"enhanced_class_given\":");
		sc_out_int(o, r->enhanced_klass_given);
		sc_out_char(o, '}');
	}
}

/* Writes 0..999 in decimal at p; returns the end. */
static char *put_small(char *p, int v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* "550\t5.1.1\t" or "-\t-\t": the codes, formatted without printf (this is
 * on the hot path of classify). */
static void codes_tsv(struct sc_out *o, const struct smtpcodes_reply *r)
{
	char buf[32], *p = buf;
	if (r->code >= 100 && r->code <= 999)
		p = put_small(p, r->code);
	else
		*p++ = '-';
	*p++ = '\t';
	if (r->enhanced.klass) {
		p = put_small(p, r->enhanced.klass);
		*p++ = '.';
		p = put_small(p, r->enhanced.subject);
		*p++ = '.';
		p = put_small(p, r->enhanced.detail);
	} else {
		*p++ = '-';
	}
	*p++ = '\t';
	sc_out_put(o, buf, (size_t)(p - buf));
}

void sc_verdict_tsv(struct sc_out *o, const struct smtpcodes_reply *r, const struct smtpcodes_verdict *v)
{
	codes_tsv(o, r);
	sc_out_str(o, smtpcodes_class_name(v->klass));
	sc_out_char(o, '\t');
	sc_out_str(o, smtpcodes_reason_name(v->reason));
	sc_out_str(o, v->hard ? "\ttrue\t" : "\tfalse\t");
	sc_out_str(o, smtpcodes_action_name(v->action));
	sc_out_char(o, '\t');
	sc_out_str(o, v->provider ? v->provider : "-");
	sc_out_char(o, '\t');
	sc_out_str(o, v->blocklist ? v->blocklist : "-");
	sc_out_char(o, '\t');
}
