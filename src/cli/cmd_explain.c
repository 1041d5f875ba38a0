/*
 * cmd_explain.c - `smtpcodes explain`: what a reply code, an enhanced status
 * code or a whole reply text means, why it happens and what to do, in the
 * user's language. The verdict (class, reason, hard, action, provider,
 * blocklist) comes first, then the knowledge-base entries of every code the
 * reply carries. `--json` gives the same as one JSON object.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/engine.h"
#include "common/i18n.h"
#include "common/out.h"
#include "common/util.h"

#define LABEL_WIDTH 19
#define EXPLAIN_MAX_INPUT (256 * 1024)

static void help(FILE *f)
{
	fputs("usage: smtpcodes explain [--json] [--lang de|en] [--rules FILE]... [--stage STAGE]\n"
	      "                         [--host NAME] CODE | ENHANCED | \"REPLY TEXT\"\n\n"
	      "Explains a reply code (550), an enhanced status code (5.7.26) or a whole reply\n"
	      "(\"550 5.7.1 ... blocked using zen.spamhaus.org\"): class, reason, whether the\n"
	      "recipient address is at fault, what to do, and the meaning and likely causes of\n"
	      "every code in it. Several words are joined with spaces, so quotes are optional.\n"
	      "'-' reads the reply from standard input.\n\n"
	      "  --json          one JSON object instead of text\n"
	      "  --lang LANG     de or en (default: LANGUAGE, LC_ALL, LC_MESSAGES, LANG)\n"
	      "  --rules FILE    extra classification rules (docs/RULES.md)\n"
	      "  --stage STAGE   the SMTP stage the reply answered (mail, rcpt, eod, ...)\n"
	      "  --host NAME     the remote host that answered\n\n"
	      "Exit: 0 explained, 64 usage, 65 the text holds no reply code (the words were\n"
	      "still classified), 69 a code the knowledge base does not know.\n",
	      f);
}

static size_t term_width(void)
{
	const char *c = getenv("COLUMNS");
	long w = c ? strtol(c, NULL, 10) : 0;
	return w >= 40 && w <= 400 ? (size_t)w : 80;
}

static void label(struct sc_out *o, const char *text)
{
	size_t n = 0;
	const char *p;
	sc_out_str(o, text);
	for (p = text; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			n++;
	if (n + 1 > LABEL_WIDTH) {
		sc_out_char(o, '\n');
		n = 0;
	}
	while (n++ < LABEL_WIDTH)
		sc_out_char(o, ' ');
}

static void indent(struct sc_out *o, size_t n)
{
	while (n--)
		sc_out_char(o, ' ');
}

static void field(struct sc_out *o, const char *lab, const char *text, size_t width)
{
	label(o, lab);
	sc_out_wrap(o, text, LABEL_WIDTH, width);
	sc_out_char(o, '\n');
}

static void kb_block(struct sc_out *o, const char *lang, const char *title, const struct smtpcodes_kb_entry *k,
                     size_t width)
{
	sc_out_str(o, title);
	sc_out_str(o, "  ");
	sc_out_wrap(o, k->name, strlen(title) + 2, width);
	sc_out_char(o, '\n');
	field(o, sc_ui(lang, "meaning"), k->meaning, width);
	if (k->causes)
		field(o, sc_ui(lang, "causes"), k->causes, width);
	if (k->action)
		field(o, sc_ui(lang, "todo"), k->action, width);
}

static void kb_json(struct sc_out *o, const char *code, const struct smtpcodes_kb_entry *k)
{
	sc_out_str(o, "{\"code\":");
	sc_out_json_cstr(o, code);
	sc_out_str(o, ",\"key\":");
	sc_out_json_cstr(o, k->key);
	sc_out_str(o, ",\"name\":");
	sc_out_json_cstr(o, k->name);
	sc_out_str(o, ",\"meaning\":");
	sc_out_json_cstr(o, k->meaning);
	sc_out_str(o, ",\"causes\":");
	sc_out_json_cstr(o, k->causes);
	sc_out_str(o, ",\"action\":");
	sc_out_json_cstr(o, k->action);
	sc_out_char(o, '}');
}

static int recipient_side(enum smtpcodes_reason r)
{
	switch (r) {
	case SMTPCODES_REASON_USERUNKNOWN: case SMTPCODES_REASON_HOSTUNKNOWN: case SMTPCODES_REASON_HASMOVED:
	case SMTPCODES_REASON_NOTACCEPT: case SMTPCODES_REASON_SUSPEND: case SMTPCODES_REASON_MAILBOXFULL:
	case SMTPCODES_REASON_EXCEEDLIMIT:
		return 1;
	default:
		return 0;
	}
}

/* The sentence about the recipient address, or NULL when it says nothing. */
static const char *recipient_note(const char *lang, const struct smtpcodes_verdict *v)
{
	if (v->klass == SMTPCODES_CLASS_SUCCESS || v->klass == SMTPCODES_CLASS_INTERMEDIATE)
		return NULL;
	if (v->hard)
		return sc_ui(lang, "recipient_bad");
	if ((v->flags & SMTPCODES_VERDICT_WHOSE_DOMAIN) && v->reason != SMTPCODES_REASON_HOSTUNKNOWN)
		return sc_ui(lang, "whose_domain");
	if (recipient_side(v->reason))
		return sc_ui(lang, "recipient_maybe");
	if (v->reason == SMTPCODES_REASON_UNDEFINED)
		return NULL;
	return sc_ui(lang, "recipient_ok");
}

static const char *evidence_key(enum smtpcodes_evidence ev)
{
	switch (ev) {
	case SMTPCODES_EVIDENCE_TEXT: return "evidence_text";
	case SMTPCODES_EVIDENCE_ENHANCED: return "evidence_enhanced";
	case SMTPCODES_EVIDENCE_CODE: return "evidence_code";
	default: return "evidence_none";
	}
}

static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	int i;
	char *s;
	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = xmalloc(n);
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

struct explain_input {
	const char *lang;
	const char *text;
	size_t len;
	const struct smtpcodes_reply *r;
	const struct smtpcodes_verdict *v;
	int prc;
	int code_only; /* the input was just a code */
};

static void explain_text(struct sc_out *o, const struct explain_input *in)
{
	const char *lang = in->lang;
	const struct smtpcodes_reply *r = in->r;
	const struct smtpcodes_verdict *v = in->v;
	const struct smtpcodes_kb_entry *k;
	size_t width = term_width();
	char buf[64];
	const char *note;

	sc_out_term(o, in->text, in->len);
	sc_out_str(o, "\n\n");
	if (in->prc) {
		field(o, sc_ui(lang, "error"), sc_ui(lang, "parse_error"), width);
		indent(o, LABEL_WIDTH);
		sc_out_str(o, "(");
		sc_out_str(o, smtpcodes_strerror(in->prc));
		sc_out_str(o, ")\n");
	}
	if (r->code)
		snprintf(buf, sizeof buf, "class:%d", r->code / 100);
	else
		snprintf(buf, sizeof buf, "eclass:%d", r->enhanced.klass);
	k = smtpcodes_kb_get(lang, buf);
	label(o, sc_ui(lang, "class"));
	if (k) {
		sc_out_str(o, k->name);
		sc_out_str(o, r->code ? " (" : "");
		if (r->code) {
			sc_out_printf(o, "%dxx)", r->code / 100);
		}
	} else {
		sc_out_str(o, smtpcodes_class_name(v->klass));
	}
	sc_out_char(o, '\n');
	if (v->flags & SMTPCODES_VERDICT_CLASS_MISMATCH) {
		char mismatch[1024];
		snprintf(mismatch, sizeof mismatch, "%d.%d.%d / %d: %s", r->enhanced_klass_given, r->enhanced.subject,
		         r->enhanced.detail, r->code, sc_ui(lang, "mismatch"));
		indent(o, LABEL_WIDTH);
		sc_out_wrap(o, mismatch, LABEL_WIDTH, width);
		sc_out_char(o, '\n');
	}
	if (!(in->code_only && v->reason == SMTPCODES_REASON_UNDEFINED) && v->klass != SMTPCODES_CLASS_SUCCESS &&
	    v->klass != SMTPCODES_CLASS_INTERMEDIATE) {
		snprintf(buf, sizeof buf, "reason:%s", smtpcodes_reason_name(v->reason));
		k = smtpcodes_kb_get(lang, buf);
		label(o, sc_ui(lang, "reason"));
		sc_out_str(o, k ? k->name : smtpcodes_reason_name(v->reason));
		sc_out_printf(o, " (%s)\n", smtpcodes_reason_name(v->reason));
		if (k) {
			indent(o, LABEL_WIDTH);
			sc_out_wrap(o, k->meaning, LABEL_WIDTH, width);
			sc_out_char(o, '\n');
		}
		indent(o, LABEL_WIDTH);
		sc_out_str(o, "[");
		sc_out_str(o, sc_ui(lang, evidence_key(v->source)));
		sc_out_str(o, "]\n");
		note = recipient_note(lang, v);
		if (note)
			field(o, sc_ui(lang, "recipient"), note, width);
		if (v->provider) {
			label(o, sc_ui(lang, "provider"));
			sc_out_str(o, v->provider);
			sc_out_char(o, '\n');
		}
		if (v->blocklist) {
			label(o, sc_ui(lang, "blocklist"));
			sc_out_str(o, v->blocklist);
			sc_out_char(o, '\n');
		}
		snprintf(buf, sizeof buf, "action:%s", smtpcodes_action_name(v->action));
		k = smtpcodes_kb_get(lang, buf);
		label(o, sc_ui(lang, "todo"));
		sc_out_str(o, k ? k->name : smtpcodes_action_name(v->action));
		sc_out_printf(o, " (%s)\n", smtpcodes_action_name(v->action));
		snprintf(buf, sizeof buf, "reason:%s", smtpcodes_reason_name(v->reason));
		k = smtpcodes_kb_get(lang, buf);
		if (k && k->action) {
			indent(o, LABEL_WIDTH);
			sc_out_wrap(o, k->action, LABEL_WIDTH, width);
			sc_out_char(o, '\n');
		}
	}
	if (r->code) {
		snprintf(buf, sizeof buf, "%d", r->code);
		k = smtpcodes_kb_code(lang, r->code);
		sc_out_char(o, '\n');
		if (k) {
			kb_block(o, lang, buf, k, width);
		} else {
			sc_out_str(o, buf);
			sc_out_str(o, "  ");
			sc_out_str(o, sc_ui(lang, "no_entry"));
			sc_out_char(o, '\n');
		}
	}
	if (r->enhanced.klass) {
		smtpcodes_enhanced_format(r->enhanced_klass_given ? &(struct smtpcodes_enhanced){ r->enhanced_klass_given,
		                                                                                r->enhanced.subject,
		                                                                                r->enhanced.detail }
		                                                  : &r->enhanced,
		                          buf, sizeof buf);
		k = smtpcodes_kb_enhanced(lang, &r->enhanced);
		sc_out_char(o, '\n');
		if (k) {
			kb_block(o, lang, buf, k, width);
		} else {
			char sub[32];
			snprintf(sub, sizeof sub, "subject:%d", r->enhanced.subject);
			k = smtpcodes_kb_get(lang, sub);
			sc_out_str(o, buf);
			sc_out_str(o, "  ");
			sc_out_str(o, sc_ui(lang, "no_entry"));
			sc_out_char(o, '\n');
			if (k)
				field(o, k->name, k->meaning, width);
		}
	}
}

static void vocab_json(struct sc_out *o, const char *member, const struct smtpcodes_kb_entry *k);

static void explain_json(struct sc_out *o, const struct explain_input *in)
{
	const struct smtpcodes_reply *r = in->r;
	const struct smtpcodes_verdict *v = in->v;
	const struct smtpcodes_kb_entry *k;
	char buf[64];
	int first = 1;

	sc_out_str(o, "{\"input\":");
	sc_out_json_str(o, in->text, in->len);
	sc_out_str(o, ",\"lang\":");
	sc_out_json_cstr(o, in->lang);
	sc_verdict_json(o, r, v);
	if (in->prc) {
		sc_out_str(o, ",\"error\":");
		sc_out_json_cstr(o, smtpcodes_strerror(in->prc));
	}
	snprintf(buf, sizeof buf, "reason:%s", smtpcodes_reason_name(v->reason));
	vocab_json(o, "reason_text", smtpcodes_kb_get(in->lang, buf));
	snprintf(buf, sizeof buf, "action:%s", smtpcodes_action_name(v->action));
	vocab_json(o, "action_text", smtpcodes_kb_get(in->lang, buf));
	if ((v->flags & SMTPCODES_VERDICT_WHOSE_DOMAIN) && v->reason != SMTPCODES_REASON_HOSTUNKNOWN &&
	    v->klass != SMTPCODES_CLASS_SUCCESS && v->klass != SMTPCODES_CLASS_INTERMEDIATE) {
		sc_out_str(o, ",\"note\":");
		sc_out_json_cstr(o, sc_ui(in->lang, "whose_domain"));
	}
	sc_out_str(o, ",\"explanations\":[");
	if (r->code && (k = smtpcodes_kb_code(in->lang, r->code)) != NULL) {
		snprintf(buf, sizeof buf, "%d", r->code);
		kb_json(o, buf, k);
		first = 0;
	}
	if (r->enhanced.klass && (k = smtpcodes_kb_enhanced(in->lang, &r->enhanced)) != NULL) {
		smtpcodes_enhanced_format(&r->enhanced, buf, sizeof buf);
		if (!first)
			sc_out_char(o, ',');
		kb_json(o, buf, k);
	}
	sc_out_str(o, "]}\n");
}

/* ,"member":{"name":...,"meaning":...[,"action":...]} for a reason or action
 * text of the knowledge base; nothing when k is NULL. */
static void vocab_json(struct sc_out *o, const char *member, const struct smtpcodes_kb_entry *k)
{
	if (!k)
		return;
	sc_out_str(o, ",\"");
	sc_out_str(o, member);
	sc_out_str(o, "\":{\"name\":");
	sc_out_json_cstr(o, k->name);
	sc_out_str(o, ",\"meaning\":");
	sc_out_json_cstr(o, k->meaning);
	if (k->action) {
		sc_out_str(o, ",\"action\":");
		sc_out_json_cstr(o, k->action);
	}
	sc_out_char(o, '}');
}

static int is_code_only(const char *s)
{
	size_t n = strlen(s);
	struct smtpcodes_enhanced e;
	if (n == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9')
		return 1;
	return smtpcodes_enhanced_parse(s, n, &e) == SMTPCODES_OK;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },        { "lang", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'r' }, { "stage", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'o' },  { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **rules = xcalloc((size_t)argc, sizeof *rules);
	size_t nrules = 0;
	const char *langflag = NULL;
	struct smtpcodes_context ctx;
	struct smtpcodes_reply r;
	struct smtpcodes_verdict v;
	struct explain_input in;
	struct sc_engine e;
	struct sc_out o;
	char *text;
	int json = 0, c, rc;

	memset(&ctx, 0, sizeof ctx);
	optind = 1;
	while ((c = getopt_long(argc, argv, "jl:r:s:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'l': langflag = optarg; break;
		case 'r': rules[nrules++] = optarg; break;
		case 's':
			if (sc_parse_stage("explain", optarg, &ctx.stage)) {
				free(rules);
				return EX_USAGE;
			}
			break;
		case 'o': ctx.remote_host = optarg; ctx.remote_host_len = strlen(optarg); break;
		case 'h': help(stdout); free(rules); return 0;
		default: help(stderr); free(rules); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		help(stderr);
		free(rules);
		return EX_USAGE;
	}
	if (argc - optind == 1 && !strcmp(argv[optind], "-")) {
		char err[512];
		size_t len;
		rc = sc_read_file("-", EXPLAIN_MAX_INPUT, &text, &len, err, sizeof err);
		if (rc) {
			sc_warn("explain: %s", err);
			free(rules);
			return rc;
		}
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
	} else {
		text = join_args(argc - optind, argv + optind);
	}
	rc = sc_engine_open(&e, rules, nrules);
	free(rules);
	if (rc) {
		free(text);
		return rc;
	}
	memset(&in, 0, sizeof in);
	in.lang = sc_lang_choose(langflag);
	in.text = text;
	in.len = strlen(text);
	in.prc = sc_engine_classify(&e, text, in.len, &ctx, &r, &v);
	in.r = &r;
	in.v = &v;
	in.code_only = is_code_only(text);
	sc_out_init(&o, stdout);
	if (json)
		explain_json(&o, &in);
	else
		explain_text(&o, &in);
	sc_out_free(&o);
	rc = 0;
	if (in.prc)
		rc = EX_DATAERR;
	else if ((r.code && !smtpcodes_kb_code(in.lang, r.code)) ||
	         (in.code_only && r.enhanced.klass && !smtpcodes_kb_enhanced(in.lang, &r.enhanced)))
		rc = EX_UNAVAILABLE;
	if (o.error)
		rc = EX_IOERR;
	sc_engine_close(&e);
	free(text);
	return rc;
}
