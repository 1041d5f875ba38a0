/*
 * main.c - the smtpcodes program: one binary, one table of subcommands.
 * Everything a subcommand does lives in its own cmd_*.c; this file only
 * dispatches and prints the overview help.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/util.h"
#include "smtpcodes/smtpcodes.h"

static const struct sc_command commands[] = {
	{ "explain", cmd_explain, "explain a reply code, an enhanced code or a whole reply text" },
	{ "classify", cmd_classify, "classify reply lines: class, reason, hard/soft, action, provider" },
	{ "bounces", cmd_bounces, "read bounce e-mails into one record per failed recipient" },
	{ "report", cmd_report, "summarise mail logs by status, reply code, reason, provider and hour" },
	{ "probe", cmd_probe, "test an SMTP server or a domain's mail servers, every reply explained" },
	{ "dnsbl", cmd_dnsbl, "look an address or a host up in DNS blocklists, all zones at once" },
	{ "codes", cmd_codes, "list every code the knowledge base explains" },
	{ "ingest-dump", cmd_ingest_dump, NULL }, /* hidden: the log parsers' events, for tests */
};

static void usage(FILE *f)
{
	size_t i;
	fprintf(f, "usage: smtpcodes COMMAND [OPTIONS] [ARGS]\n\n"
	           "Explains and classifies SMTP reply codes, in English and German.\n\ncommands:\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].summary) /* NULL: a hidden command */
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'smtpcodes COMMAND --help' shows a command's options; the manual is smtpcodes(1).\n"
	           "Language: --lang de|en, else LANGUAGE, LC_ALL, LC_MESSAGES, LANG.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			static char help_flag[] = "--help";
			char *hargv[] = { argv[2], help_flag, NULL };
			for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
				if (!strcmp(commands[i].name, argv[2]))
					return commands[i].run(2, hargv);
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("smtpcodes %s\n", smtpcodes_version());
		return 0;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, argv[1]))
			return commands[i].run(argc - 1, argv + 1);
	sc_warn("unknown command '%s'", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
