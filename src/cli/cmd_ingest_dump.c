/*
 * cmd_ingest_dump.c - `smtpcodes ingest-dump`, a hidden debugging command:
 * runs the log parsers of src/ingest/ over files and prints every event as
 * one TSV line, then the count of lines not understood. The golden tests of
 * the parsers (tests/golden/ingest-*) diff its output; `report` is the
 * command for users.
 *
 * Columns: line status time queue_id sender recipient domain relay client
 * stage dsn reply message_id size nrcpt. time is ISO 8601 UTC; "-" marks an
 * unknown value, "<>" the null sender.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/lines.h"
#include "common/out.h"
#include "common/util.h"
#include "ingest/ingest.h"

#define DUMP_MAX_LINE (64 * 1024)

static void help(FILE *f)
{
	fprintf(f,
	        "usage: smtpcodes ingest-dump [--log-format F] [--year Y] [--utc] [--verbose] FILE...\n\n"
	        "Debugging aid: prints every event the log parsers find, one TSV line each:\n"
	        "line status time queue_id sender recipient domain relay client stage dsn reply\n"
	        "message_id size nrcpt; then the count of lines not understood.\n\n"
	        "  --log-format F  %s (default auto, per file)\n"
	        "  --year Y        the year of time stamps without one (default: this year)\n"
	        "  --utc           read time stamps without a zone as UTC (default: local time)\n"
	        "  --verbose       also print the counters and the examples of lines not understood\n"
	        "  --max-line N    cut lines longer than N bytes (default 65536), to test cut lines\n",
	        sc_ingest_format_list());
}

static void field(struct sc_out *o, const struct smtpcodes_span *s)
{
	if (!s->ptr || !s->len)
		sc_out_char(o, '-');
	else
		sc_out_tsv(o, s->ptr, s->len);
	sc_out_char(o, '\t');
}

static void dump_event(struct sc_out *o, const struct sc_event *ev)
{
	char tb[32];
	sc_out_int(o, (long long)ev->line);
	sc_out_char(o, '\t');
	sc_out_str(o, sc_status_name(ev->status));
	sc_out_char(o, '\t');
	if (ev->time) {
		struct tm tm;
		gmtime_r(&ev->time, &tm);
		strftime(tb, sizeof tb, "%Y-%m-%dT%H:%M:%SZ", &tm);
		sc_out_str(o, tb);
	} else {
		sc_out_char(o, '-');
	}
	sc_out_char(o, '\t');
	field(o, &ev->queue_id);
	if (ev->sender.ptr && !ev->sender.len) {
		sc_out_str(o, "<>\t");
	} else {
		field(o, &ev->sender);
	}
	field(o, &ev->recipient);
	field(o, &ev->recipient_domain);
	field(o, &ev->relay);
	field(o, &ev->client);
	sc_out_str(o, ev->stage ? smtpcodes_stage_name(ev->stage) : "-");
	sc_out_char(o, '\t');
	field(o, &ev->dsn);
	field(o, &ev->reply);
	field(o, &ev->message_id);
	if (ev->size >= 0)
		sc_out_int(o, ev->size);
	else
		sc_out_char(o, '-');
	sc_out_char(o, '\t');
	if (ev->nrcpt >= 0)
		sc_out_int(o, ev->nrcpt);
	else
		sc_out_char(o, '-');
	sc_out_char(o, '\n');
}

int cmd_ingest_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "log-format", required_argument, NULL, 'f' }, { "year", required_argument, NULL, 'y' },
		{ "utc", no_argument, NULL, 'u' },               { "verbose", no_argument, NULL, 'v' },
		{ "max-line", required_argument, NULL, 'm' },   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = NULL;
	int year = 0, utc = 0, verbose = 0, c, i, rc = 0;
	size_t max_line = DUMP_MAX_LINE;
	struct sc_ingest *ing;
	struct sc_event ev[SC_INGEST_MAX_EVENTS];
	const struct sc_ingest_stats *st;
	const struct sc_ingest_example *ex;
	struct sc_out o;
	size_t k;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:y:uvm:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'y': year = atoi(optarg); break;
		case 'u': utc = 1; break;
		case 'v': verbose = 1; break;
		case 'm':
			max_line = (size_t)strtoul(optarg, NULL, 10);
			if (max_line < 16)
				max_line = 16;
			break;
		case 'h': help(stdout); return 0;
		default: help(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		help(stderr);
		return EX_USAGE;
	}
	ing = sc_ingest_new(format);
	if (!ing) {
		sc_warn("ingest-dump: unknown log format '%s' (known: %s)", format, sc_ingest_format_list());
		return EX_USAGE;
	}
	if (year)
		sc_ingest_set_year(ing, year);
	sc_ingest_set_utc(ing, utc);
	sc_out_init(&o, stdout);
	for (i = optind; i < argc; i++) {
		struct sc_lines *in;
		char err[1024];
		const char *line;
		size_t len, n;
		int cut, r;
		int orc = sc_lines_open(&in, argv[i], max_line, err, sizeof err);
		if (orc) {
			sc_out_flush(&o);
			sc_warn("ingest-dump: %s", err);
			rc = rc ? rc : orc;
			continue;
		}
		sc_ingest_begin_file(ing, argv[i]);
		while ((r = sc_lines_next(in, &line, &len, &cut, err, sizeof err)) == 1) {
			if (cut) {
				sc_ingest_cut(ing, line, len, sc_lines_number(in));
				continue;
			}
			sc_ingest_line(ing, line, len, sc_lines_number(in), ev, SC_INGEST_MAX_EVENTS, &n);
			for (k = 0; k < n; k++)
				dump_event(&o, &ev[k]);
		}
		if (r < 0) {
			sc_out_flush(&o);
			sc_warn("ingest-dump: %s", err);
			rc = rc ? rc : EX_DATAERR;
		}
		sc_lines_close(in);
	}
	st = sc_ingest_stats(ing);
	sc_out_printf(&o, "lines not understood: %llu\n", st->not_understood);
	if (verbose) {
		sc_out_printf(&o, "lines: %llu, with events: %llu, quiet: %llu, other programs: %llu, events: %llu\n",
		              st->lines, st->event_lines, st->quiet, st->other, st->events);
		for (k = 0; (ex = sc_ingest_example(ing, k)) != NULL; k++) {
			sc_out_printf(&o, "  %s:%llu%s: ", ex->file, ex->line, ex->cut ? " (cut)" : "");
			sc_out_term(&o, ex->text, strlen(ex->text));
			sc_out_char(&o, '\n');
		}
	}
	sc_ingest_free(ing);
	sc_out_free(&o);
	if (o.error) {
		sc_warn("ingest-dump: write error on standard output");
		rc = EX_IOERR;
	}
	return rc;
}
