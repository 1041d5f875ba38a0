/*
 * cmd_report.c - `smtpcodes report`: a whole mail log summarised.
 *
 * Reads every FILE (plain, .gz or '-' for standard input) line by line
 * through the log parsers of src/ingest/, classifies the reply of every
 * delivery event and hands it to the aggregator of src/report/, then writes
 * the report as text, JSON, CSV or HTML. Lines the parsers do not understand
 * are counted (and shown with --verbose); a bad file or a truncated .gz is
 * reported by name and line and the run goes on with what was read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/engine.h"
#include "common/i18n.h"
#include "common/lines.h"
#include "common/out.h"
#include "common/progress.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include "report/report.h"

#define REPORT_MAX_LINE (64 * 1024)
#define REPORT_WARN_MAX 5 /* warnings of one kind per file, then a summary */

enum report_format { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_HTML };

static void help(FILE *f)
{
	fprintf(f,
	        "usage: smtpcodes report [--format text|json|csv|html] [--lang de|en] [--top N]\n"
	        "                        [--since T] [--until T] [--campaign REGEX]\n"
	        "                        [--suppressions FILE] [--log-format F] [--verbose]\n"
	        "                        [--rules FILE]... [--year YYYY] [--quiet] FILE...\n\n"
	        "Summarises mail logs (Postfix, Exim, OpenSMTPD, Sendmail; plain or .gz; '-' is\n"
	        "standard input) by status, reply code, enhanced code, reason, provider,\n"
	        "recipient domain, sender or campaign and hour, with the problems that need\n"
	        "action first (blocklists, authentication failures, throttling) and the top\n"
	        "reply texts, grouped after masking addresses, IPs, ids, dates and numbers.\n\n"
	        "  --format F         text (default), json (schema: docs/report-json.md), csv,\n"
	        "                     or html (one self-contained file with charts)\n"
	        "  --lang LANG        de or en (default: LANGUAGE, LC_ALL, LC_MESSAGES, LANG)\n"
	        "  --top N            rows per breakdown and reply texts shown (default 10;\n"
	        "                     0 = all)\n"
	        "  --since T          only events at or after T; --until T: before T. T is\n"
	        "                     YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or @EPOCH, in UTC\n"
	        "  --campaign REGEX   group by campaign instead of sender: the first capture\n"
	        "                     group of REGEX (PCRE2) on the envelope sender, else on\n"
	        "                     the message-id\n"
	        "  --suppressions FILE  write hard-bounced recipients as CSV: address,reason,\n"
	        "                     code,last_seen\n"
	        "  --log-format F     %s (default auto, per file)\n"
	        "  --verbose          list examples of lines not understood\n"
	        "  --rules FILE       extra classification rules (docs/RULES.md)\n"
	        "  --year YYYY        year of time stamps that carry none (syslog); default:\n"
	        "                     the current year\n"
	        "  --quiet            no progress line and no warnings about bad lines\n\n"
	        "Times are shown in UTC. A progress line appears on standard error when it is\n"
	        "a terminal and the input is large.\n\n"
	        "Exit: 0 done (lines not understood are counted, not errors), 64 usage,\n"
	        "65 bad data (a truncated .gz, a read error inside a file, bad rules),\n"
	        "66 an input could not be opened, 73 the suppressions file cannot be created,\n"
	        "74 write error.\n",
	        sc_ingest_format_list());
}

/* Parses T of --since/--until as UTC. Returns 0 and *out, or -1. */
static int parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	char *end;

	if (s[0] == '@') {
		long long v;
		errno = 0;
		v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -1;
	if (*p == 'T' || *p == ' ') {
		const char *q = strptime(p + 1, "%H:%M:%S", &tm);
		if (!q)
			q = strptime(p + 1, "%H:%M", &tm);
		if (!q)
			return -1;
		p = q;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		return -1;
	*out = timegm(&tm);
	return 0;
}

struct report_run {
	struct sc_ingest *ing;
	struct sc_engine eng;
	struct sc_report *rep;
	struct sc_feeder *feeder;
	unsigned long long too_long;
	int quiet;
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
};

static void feed_events(struct report_run *run, uint32_t fidx, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (run->ev[i].status != SC_STATUS_NONE)
			sc_feeder_push(run->feeder, fidx, &run->ev[i]);
}

/* Reads one input. Returns 0, or an EX_* code after a message. */
static int read_input(struct report_run *run, const char *path)
{
	struct sc_lines *in;
	struct sc_progress prog;
	char err[1024];
	const char *line;
	size_t len, n;
	int cut, r, orc;
	unsigned long long cuts = 0, binary = 0;
	uint32_t fidx;

	orc = sc_lines_open(&in, path, REPORT_MAX_LINE, err, sizeof err);
	if (orc) {
		sc_warn("report: %s", err);
		return orc;
	}
	fidx = sc_report_add_file(run->rep, path);
	sc_ingest_begin_file(run->ing, path); /* argv: outlives the ingest examples */
	sc_progress_begin(&prog, stderr, sc_lines_name(in), sc_lines_size(in), run->quiet);
	while ((r = sc_lines_next(in, &line, &len, &cut, err, sizeof err)) == 1) {
		unsigned long long ln = sc_lines_number(in);
		if (cut) {
			if (!run->quiet && cuts < REPORT_WARN_MAX) {
				sc_progress_end(&prog);
				sc_warn("report: %s:%llu: line longer than %d bytes, skipped (counted as not understood)",
				        path, ln, REPORT_MAX_LINE);
			}
			cuts++;
			sc_ingest_cut(run->ing, line, len, ln);
			continue;
		}
		n = 0;
		if (!sc_ingest_line(run->ing, line, len, ln, run->ev, SC_INGEST_MAX_EVENTS, &n) &&
		    memchr(line, '\0', len)) {
			/* not understood, and why: say so for the first few */
			if (!run->quiet && binary < REPORT_WARN_MAX) {
				sc_progress_end(&prog);
				sc_warn("report: %s:%llu: binary data (NUL bytes), counted as not understood", path, ln);
			}
			binary++;
		}
		if (n)
			feed_events(run, fidx, n);
		if (sc_progress_due(&prog))
			sc_progress_update(&prog, sc_lines_offset(in), ln);
	}
	sc_progress_end(&prog);
	if (!run->quiet && cuts > REPORT_WARN_MAX)
		sc_warn("report: %s: %llu lines longer than %d bytes in all", path, cuts, REPORT_MAX_LINE);
	if (!run->quiet && binary > REPORT_WARN_MAX)
		sc_warn("report: %s: %llu lines with binary data in all", path, binary);
	run->too_long += cuts; /* the report is the feeder's until it finishes */
	orc = 0;
	if (r < 0) {
		sc_warn("report: %s (the report covers the lines before)", err);
		orc = EX_DATAERR;
	}
	sc_lines_close(in);
	return orc;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },     { "lang", required_argument, NULL, 'l' },
		{ "top", required_argument, NULL, 'n' },        { "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },      { "campaign", required_argument, NULL, 'c' },
		{ "suppressions", required_argument, NULL, 's' }, { "log-format", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },          { "rules", required_argument, NULL, 'r' },
		{ "year", required_argument, NULL, 'y' },       { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },             { NULL, 0, NULL, 0 },
	};
	struct report_run run;
	struct sc_report_config cfg;
	struct sc_report_view view;
	struct sc_campaign *camp = NULL;
	char **rules = xcalloc((size_t)argc, sizeof *rules);
	size_t nrules = 0, i;
	enum report_format fmt = FMT_TEXT;
	const char *langflag = NULL, *campaign = NULL, *supfile = NULL, *logfmt = NULL;
	FILE *supf = NULL; /* --suppressions, open from the start */
	int c, rc = 0, year = 0, opened = 0;
	long top = 10;
	struct sc_out o;
	char err[512];
	static char dash[] = "-";
	char *stdin_only[] = { dash };
	char **files;
	int nfiles;

	memset(&run, 0, sizeof run);
	memset(&cfg, 0, sizeof cfg);
	memset(&view, 0, sizeof view);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:l:n:c:s:F:vr:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "text"))
				fmt = FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else if (!strcmp(optarg, "csv"))
				fmt = FMT_CSV;
			else if (!strcmp(optarg, "html"))
				fmt = FMT_HTML;
			else {
				sc_warn("report: unknown format '%s' (text, json, csv, html)", optarg);
				rc = EX_USAGE;
			}
			break;
		case 'l': langflag = optarg; break;
		case 'n': {
			char *end;
			errno = 0;
			top = strtol(optarg, &end, 10);
			if (errno || *end || top < 0 || top > 1000000) {
				sc_warn("report: --top wants a number from 0 to 1000000, not '%s'", optarg);
				rc = EX_USAGE;
			}
			break;
		}
		case 'S':
			if (parse_time(optarg, &cfg.since)) {
				sc_warn("report: --since: cannot read the time '%s' (YYYY-MM-DD[THH:MM[:SS]] or @EPOCH)", optarg);
				rc = EX_USAGE;
			}
			cfg.has_since = 1;
			break;
		case 'U':
			if (parse_time(optarg, &cfg.until)) {
				sc_warn("report: --until: cannot read the time '%s' (YYYY-MM-DD[THH:MM[:SS]] or @EPOCH)", optarg);
				rc = EX_USAGE;
			}
			cfg.has_until = 1;
			break;
		case 'c': campaign = optarg; break;
		case 's': supfile = optarg; break;
		case 'F': logfmt = optarg; break;
		case 'v': view.verbose = 1; break;
		case 'r': rules[nrules++] = optarg; break;
		case 'q': run.quiet = 1; break;
		case 'y': {
			char *end;
			long y = strtol(optarg, &end, 10);
			if (*end || y < 1970 || y > 9999) {
				sc_warn("report: --year wants a year such as 2025, not '%s'", optarg);
				rc = EX_USAGE;
			}
			year = (int)y;
			break;
		}
		case 'h': help(stdout); free(rules); return 0;
		default: help(stderr); free(rules); return EX_USAGE;
		}
	}
	if (rc) {
		free(rules);
		return rc;
	}
	if (campaign && (rc = sc_campaign_new(&camp, campaign, err, sizeof err)) != 0) {
		sc_warn("report: %s", err);
		free(rules);
		return rc;
	}
	run.ing = sc_ingest_new(logfmt);
	if (!run.ing) {
		sc_warn("report: unknown log format '%s' (%s)", logfmt, sc_ingest_format_list());
		sc_campaign_free(camp);
		free(rules);
		return EX_USAGE;
	}
	if (year)
		sc_ingest_set_year(run.ing, year);
	rc = sc_engine_open(&run.eng, rules, nrules);
	free(rules);
	if (rc) {
		sc_ingest_free(run.ing);
		sc_campaign_free(camp);
		return rc;
	}
	/* before the run, so that a path that cannot be written fails at once */
	if (supfile && !(supf = sc_late_open(supfile))) {
		sc_warn("report: %s: cannot create: %s", supfile, strerror(errno));
		sc_engine_close(&run.eng);
		sc_ingest_free(run.ing);
		sc_campaign_free(camp);
		return EX_CANTCREAT;
	}
	cfg.campaign = camp;
	cfg.max_examples = view.verbose ? SC_INGEST_EXAMPLES : 0;
	run.rep = sc_report_new(&cfg);

	/* parsing here, classifying and counting on a second core */
	run.feeder = sc_feeder_new(run.rep, run.eng.cl, run.eng.scratch, sysconf(_SC_NPROCESSORS_ONLN) > 1);
	files = optind < argc ? argv + optind : stdin_only;
	nfiles = optind < argc ? argc - optind : 1;
	for (i = 0; i < (size_t)nfiles; i++) {
		int frc = read_input(&run, files[i]);
		if (frc != EX_NOINPUT && frc != EX_IOERR)
			opened++;
		if (frc && !rc)
			rc = frc;
	}
	sc_feeder_finish(run.feeder);
	{
		const struct sc_ingest_stats *st = sc_ingest_stats(run.ing);
		const struct sc_ingest_example *ex;
		run.rep->lines = st->lines;
		run.rep->too_long = run.too_long;
		run.rep->not_understood = st->not_understood;
		for (i = 0; (ex = sc_ingest_example(run.ing, i)) != NULL; i++)
			sc_report_example(run.rep, ex->file && *ex->file ? ex->file : "-", ex->line, ex->text, ex->cut);
	}

	view.lang = sc_lang_choose(langflag);
	view.top = (size_t)top;
	if (opened) {
		sc_out_init(&o, stdout);
		switch (fmt) {
		case FMT_JSON: sc_report_write_json(run.rep, &view, &o); break;
		case FMT_CSV: sc_report_write_csv(run.rep, &view, &o); break;
		case FMT_HTML: sc_report_write_html(run.rep, &view, &o); break;
		default: sc_report_write_text(run.rep, &view, &o); break;
		}
		sc_out_free(&o);
		if (o.error) {
			sc_warn("report: write error on standard output");
			rc = EX_IOERR;
		}
	}
	if (supf && opened) {
		FILE *f = supf;
		supf = NULL;
		if (sc_late_start(f)) {
			sc_warn("report: %s: cannot create: %s", supfile, strerror(errno));
			fclose(f);
			if (!rc)
				rc = EX_CANTCREAT;
		} else {
			if (run.rep->suppress.overflowed)
				sc_warn("report: %s: only the first %zu hard-bounced addresses are written (%llu more bounces "
				        "of other addresses were counted only)",
				        supfile, run.rep->suppress.count, run.rep->suppress.overflowed);
			sc_out_init(&o, f);
			sc_report_write_suppressions(run.rep, &o);
			sc_out_free(&o);
			if (fclose(f) || o.error) {
				sc_warn("report: %s: write error: %s", supfile, strerror(errno));
				if (!rc)
					rc = EX_IOERR;
			}
		}
	}
	if (supf)
		fclose(supf);
	sc_report_free(run.rep);
	sc_engine_close(&run.eng);
	sc_ingest_free(run.ing);
	sc_campaign_free(camp);
	return rc;
}
