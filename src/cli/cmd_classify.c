/*
 * cmd_classify.c - `smtpcodes classify`: one verdict per reply line.
 *
 * Reads reply lines from files or standard input and writes, in input order,
 * one result per line: TSV by default (code, enhanced, class, reason, hard,
 * action, provider, blocklist, input), JSON lines with --json. A line that
 * does not parse still gets a result (class unknown, an error field) and the
 * run goes on; an unreadable file is reported and skipped.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/engine.h"
#include "common/lines.h"
#include "common/out.h"
#include "common/util.h"

#define CLASSIFY_MAX_LINE (64 * 1024)

static void help(FILE *f)
{
	fputs("usage: smtpcodes classify [--json] [--header] [--rules FILE]... [--stage STAGE]\n"
	      "                          [--host NAME] [FILE...]\n\n"
	      "Reads SMTP reply lines (from FILEs, .gz too, or standard input when none or '-')\n"
	      "and writes one verdict per line, in input order.\n\n"
	      "  --json          JSON lines: input, line, code, enhanced, class, reason, hard,\n"
	      "                  action, provider, blocklist, evidence, rule (and error)\n"
	      "  --header        TSV: print a header line first\n"
	      "  --rules FILE    extra rules, tried before the built-in ones (docs/RULES.md)\n"
	      "  --stage STAGE   the SMTP stage all lines answered: connect helo starttls auth\n"
	      "                  mail rcpt data eod quit\n"
	      "  --host NAME     the remote host name all lines came from (provider by host)\n\n"
	      "TSV columns: code enhanced class reason hard action provider blocklist input\n"
	      "Exit: 0 done (unparseable lines included), 64 usage, 65 bad rules or data,\n"
	      "66 an input could not be opened, 74 read error.\n",
	      f);
}

struct classify_opts {
	int json;
	struct smtpcodes_context ctx;
};

static void emit(struct sc_out *o, const struct classify_opts *op, struct sc_engine *e, const char *line,
                 size_t len, int cut, unsigned long long lineno)
{
	struct smtpcodes_reply r;
	struct smtpcodes_verdict v;
	int rc = sc_engine_classify(e, line, len, &op->ctx, &r, &v);
	const char *err = cut ? "line too long" : rc ? smtpcodes_strerror(rc) : NULL;

	if (cut) {
		v.klass = SMTPCODES_CLASS_UNKNOWN;
		v.hard = false;
		v.flags |= SMTPCODES_VERDICT_PARSE_ERROR;
		if (v.action == SMTPCODES_ACTION_SUPPRESS || v.action == SMTPCODES_ACTION_NONE)
			v.action = SMTPCODES_ACTION_INVESTIGATE;
	}
	if (op->json) {
		sc_out_str(o, "{\"input\":");
		sc_out_json_str(o, line, len);
		sc_out_str(o, ",\"line\":");
		sc_out_int(o, (long long)lineno);
		sc_verdict_json(o, &r, &v);
		if (err) {
			sc_out_str(o, ",\"error\":");
			sc_out_json_cstr(o, err);
		}
		sc_out_str(o, "}\n");
	} else {
		sc_verdict_tsv(o, &r, &v);
		sc_out_tsv(o, line, len);
		sc_out_char(o, '\n');
	}
}

int cmd_classify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },   { "header", no_argument, NULL, 'H' },
		{ "rules", required_argument, NULL, 'r' }, { "stage", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'o' },  { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct classify_opts op;
	char **rules = xcalloc((size_t)argc, sizeof *rules);
	size_t nrules = 0;
	int header = 0, c, rc = 0, i;
	struct sc_engine e;
	struct sc_out o;
	static char dash[] = "-";
	char *stdin_only[] = { dash };

	memset(&op, 0, sizeof op);
	optind = 1;
	while ((c = getopt_long(argc, argv, "jHr:s:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': op.json = 1; break;
		case 'H': header = 1; break;
		case 'r': rules[nrules++] = optarg; break;
		case 's':
			if (sc_parse_stage("classify", optarg, &op.ctx.stage)) {
				free(rules);
				return EX_USAGE;
			}
			break;
		case 'o':
			op.ctx.remote_host = optarg;
			op.ctx.remote_host_len = strlen(optarg);
			break;
		case 'h': help(stdout); free(rules); return 0;
		default: help(stderr); free(rules); return EX_USAGE;
		}
	}
	rc = sc_engine_open(&e, rules, nrules);
	free(rules);
	if (rc)
		return rc;
	sc_out_init(&o, stdout);
	if (header && !op.json)
		sc_out_str(&o, "code\tenhanced\tclass\treason\thard\taction\tprovider\tblocklist\tinput\n");
	{
		char **files = optind < argc ? argv + optind : stdin_only;
		int nfiles = optind < argc ? argc - optind : 1;
		for (i = 0; i < nfiles; i++) {
			struct sc_lines *in;
			char err[1024];
			const char *line;
			size_t len;
			int cut, r;
			int orc = sc_lines_open(&in, files[i], CLASSIFY_MAX_LINE, err, sizeof err);
			if (orc) {
				sc_out_flush(&o);
				sc_warn("classify: %s", err);
				rc = rc ? rc : orc;
				continue;
			}
			while ((r = sc_lines_next(in, &line, &len, &cut, err, sizeof err)) == 1)
				emit(&o, &op, &e, line, len, cut, sc_lines_number(in));
			if (r < 0) {
				sc_out_flush(&o);
				sc_warn("classify: %s", err);
				rc = rc ? rc : EX_DATAERR;
			}
			sc_lines_close(in);
		}
	}
	sc_out_free(&o);
	if (o.error) {
		sc_warn("classify: write error on standard output");
		rc = EX_IOERR;
	}
	sc_engine_close(&e);
	return rc;
}
