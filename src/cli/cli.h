/*
 * cli.h - the subcommand table of the smtpcodes program. Each subcommand is
 * one src/cli/cmd_NAME.c that defines cmd_NAME(); main.c lists them in one
 * declarative table. Subcommands return sysexits.h codes.
 */
#ifndef SC_CLI_H
#define SC_CLI_H

struct sc_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
	const char *summary;
};

int cmd_explain(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bounces(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_dnsbl(int argc, char **argv);
int cmd_codes(int argc, char **argv);
int cmd_ingest_dump(int argc, char **argv); /* hidden, for the parsers' golden tests */

#endif
