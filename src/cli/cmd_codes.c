/*
 * cmd_codes.c - `smtpcodes codes`: lists every reply code and enhanced
 * status code the knowledge base explains, with its short name, in the
 * chosen language (TSV, or JSON lines with --json).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/i18n.h"
#include "common/out.h"
#include "common/util.h"
#include "smtpcodes/smtpcodes.h"

int cmd_codes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *lang = NULL;
	const struct smtpcodes_kb_entry *k;
	struct sc_out o;
	int json = 0, c;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jl:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'l': lang = optarg; break;
		case 'h':
			puts("usage: smtpcodes codes [--json] [--lang de|en]\n\n"
			     "Lists every reply code (550) and enhanced status code (X.7.26) the knowledge\n"
			     "base explains, with its name. 'smtpcodes explain CODE' shows the whole entry.");
			return 0;
		default: return EX_USAGE;
		}
	}
	lang = sc_lang_choose(lang);
	sc_out_init(&o, stdout);
	for (i = 0; (k = smtpcodes_kb_entry_at(lang, i)) != NULL; i++) {
		if (strchr(k->key, ':'))
			continue; /* reasons, actions, UI texts */
		if (json) {
			sc_out_str(&o, "{\"code\":");
			sc_out_json_cstr(&o, k->key);
			sc_out_str(&o, ",\"name\":");
			sc_out_json_cstr(&o, k->name);
			sc_out_str(&o, "}\n");
		} else {
			sc_out_str(&o, k->key);
			sc_out_char(&o, '\t');
			sc_out_str(&o, k->name);
			sc_out_char(&o, '\n');
		}
	}
	sc_out_free(&o);
	return o.error ? EX_IOERR : 0;
}
