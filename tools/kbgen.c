/*
 * kbgen - build-time generator for libsmtpcodes' compiled-in data.
 *
 * Two modes, both writing C to standard output:
 *   kbgen kb FILE.kb...        the knowledge base: one static, key-sorted table
 *                              per language, checked for completeness (every
 *                              language has exactly English's keys, every entry
 *                              the fields its kind requires);
 *   kbgen embed SYMBOL FILE    a file's bytes as `const char SYMBOL[]` and
 *                              `const size_t SYMBOL_len` (the built-in rules).
 * It runs on the build host only; errors name FILE:LINE and fail the build.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_NAME, F_MEANING, F_CAUSES, F_ACTION, F_COUNT };
static const char *const field_names[F_COUNT] = { "name", "meaning", "causes", "action" };

struct entry {
	char *key;
	char *field[F_COUNT];
	int line;
};

struct lang {
	char tag[16];
	char *name;
	const char *path;
	struct entry *e;
	size_t n, cap;
};

static int failed;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("kbgen: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

static char *trim(char *s)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void append(char **dst, const char *more)
{
	size_t a = strlen(*dst), b = strlen(more);
	*dst = xrealloc(*dst, a + b + 2);
	(*dst)[a] = ' ';
	memcpy(*dst + a + 1, more, b + 1);
}

/* Which fields a key's kind requires (bit mask over F_*). */
static unsigned required_fields(const char *key)
{
	if (!strncmp(key, "class:", 6) || !strncmp(key, "eclass:", 7) ||
	    !strncmp(key, "subject:", 8) || !strncmp(key, "action:", 7))
		return 1u << F_NAME | 1u << F_MEANING;
	if (!strncmp(key, "reason:", 7))
		return 1u << F_NAME | 1u << F_MEANING | 1u << F_ACTION;
	if (!strncmp(key, "ui:", 3))
		return 1u << F_NAME;
	return 1u << F_NAME | 1u << F_MEANING | 1u << F_CAUSES | 1u << F_ACTION;
}

static void load(struct lang *l, const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[65536];
	int lineno = 0, last_field = -1;
	struct entry *cur = NULL;

	if (!f) {
		fprintf(stderr, "kbgen: %s: cannot open\n", path);
		exit(1);
	}
	l->path = path;
	while (fgets(buf, sizeof buf, f)) {
		char *s, *eq;
		lineno++;
		if (!strchr(buf, '\n') && !feof(f)) {
			fprintf(stderr, "%s:%d: line too long\n", path, lineno);
			exit(1);
		}
		if (buf[0] == '#')
			continue;
		if ((buf[0] == ' ' || buf[0] == '\t') && *trim(buf)) {
			if (!cur || last_field < 0) {
				fprintf(stderr, "%s:%d: continuation without a field\n", path, lineno);
				exit(1);
			}
			append(&cur->field[last_field], trim(buf));
			continue;
		}
		s = trim(buf);
		last_field = -1;
		if (!*s)
			continue;
		if (!strncmp(s, "@lang ", 6)) {
			snprintf(l->tag, sizeof l->tag, "%s", trim(s + 6));
			continue;
		}
		if (!strncmp(s, "@name ", 6)) {
			l->name = xstrdup(trim(s + 6));
			continue;
		}
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (!close || close[1]) {
				fprintf(stderr, "%s:%d: bad key line\n", path, lineno);
				exit(1);
			}
			*close = '\0';
			if (l->n == l->cap) {
				l->cap = l->cap ? 2 * l->cap : 256;
				l->e = xrealloc(l->e, l->cap * sizeof *l->e);
			}
			cur = &l->e[l->n++];
			memset(cur, 0, sizeof *cur);
			cur->key = xstrdup(trim(s + 1));
			cur->line = lineno;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq || !cur) {
			fprintf(stderr, "%s:%d: expected 'field = value' inside an entry\n", path, lineno);
			exit(1);
		}
		*eq = '\0';
		{
			char *fname = trim(s), *val = trim(eq + 1);
			int i;
			for (i = 0; i < F_COUNT; i++)
				if (!strcmp(fname, field_names[i]))
					break;
			if (i == F_COUNT) {
				fprintf(stderr, "%s:%d: unknown field '%s'\n", path, lineno, fname);
				exit(1);
			}
			if (cur->field[i]) {
				fprintf(stderr, "%s:%d: field '%s' given twice in [%s]\n", path, lineno, fname, cur->key);
				exit(1);
			}
			cur->field[i] = xstrdup(val);
			last_field = i;
		}
	}
	fclose(f);
	if (!l->tag[0] || !l->name) {
		fprintf(stderr, "%s: missing @lang or @name\n", path);
		exit(1);
	}
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static struct entry *find(struct lang *l, const char *key)
{
	struct entry k = { 0 };
	k.key = (char *)key;
	return bsearch(&k, l->e, l->n, sizeof *l->e, cmp_entry);
}

static void put_string(const char *s)
{
	if (!s) {
		fputs("NULL", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\%03o", c);
		else if (c >= 0x80)
			printf("\\%03o", c); /* octal keeps the C source ASCII */
		else
			putchar(c);
	}
	putchar('"');
}

static int gen_kb(int argc, char **argv)
{
	struct lang *langs = xrealloc(NULL, (size_t)argc * sizeof *langs);
	struct lang *en = NULL;
	int n = argc, i;
	size_t j;

	memset(langs, 0, (size_t)argc * sizeof *langs);
	for (i = 0; i < n; i++) {
		load(&langs[i], argv[i]);
		qsort(langs[i].e, langs[i].n, sizeof *langs[i].e, cmp_entry);
		for (j = 1; j < langs[i].n; j++)
			if (!strcmp(langs[i].e[j].key, langs[i].e[j - 1].key)) {
				fprintf(stderr, "%s:%d: key [%s] given twice\n", argv[i], langs[i].e[j].line, langs[i].e[j].key);
				failed = 1;
			}
		for (j = 0; j < langs[i].n; j++) {
			struct entry *e = &langs[i].e[j];
			unsigned req = required_fields(e->key);
			int f;
			for (f = 0; f < F_COUNT; f++)
				if ((req >> f & 1u) && (!e->field[f] || !*e->field[f])) {
					fprintf(stderr, "%s:%d: [%s] lacks field '%s'\n", argv[i], e->line, e->key, field_names[f]);
					failed = 1;
				}
		}
		if (!strcmp(langs[i].tag, "en"))
			en = &langs[i];
	}
	if (!en) {
		fputs("kbgen: no English (@lang en) file given\n", stderr);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (&langs[i] == en)
			continue;
		for (j = 0; j < en->n; j++)
			if (!find(&langs[i], en->e[j].key)) {
				fprintf(stderr, "%s: lacks [%s] (English has it)\n", langs[i].path, en->e[j].key);
				failed = 1;
			}
		for (j = 0; j < langs[i].n; j++)
			if (!find(en, langs[i].e[j].key)) {
				fprintf(stderr, "%s:%d: [%s] is not in English\n", langs[i].path, langs[i].e[j].line, langs[i].e[j].key);
				failed = 1;
			}
	}
	if (failed)
		return 1;

	/* languages sorted by tag so that look-ups can stay simple */
	for (i = 1; i < n; i++)
		for (int k = i; k > 0 && strcmp(langs[k - 1].tag, langs[k].tag) > 0; k--) {
			struct lang t = langs[k];
			langs[k] = langs[k - 1];
			langs[k - 1] = t;
		}

	puts("/* Generated by tools/kbgen from data/kb/LANG.kb: do not edit. */");
	puts("#include \"kb_data.h\"\n");
	for (i = 0; i < n; i++) {
		printf("static const struct smtpcodes_kb_entry kb_%s[] = {\n", langs[i].tag);
		for (j = 0; j < langs[i].n; j++) {
			struct entry *e = &langs[i].e[j];
			fputs("\t{ ", stdout);
			put_string(e->key);
			for (int f = 0; f < F_COUNT; f++) {
				fputs(", ", stdout);
				put_string(e->field[f]);
			}
			puts(" },");
		}
		puts("};\n");
	}
	puts("const struct sc_kb_lang sc_kb_langs[] = {");
	for (i = 0; i < n; i++) {
		printf("\t{ \"%s\", ", langs[i].tag);
		put_string(langs[i].name);
		printf(", kb_%s, %zu },\n", langs[i].tag, langs[i].n);
	}
	puts("};");
	printf("const size_t sc_kb_nlangs = %d;\n", n);
	return 0;
}

static int gen_embed(const char *sym, const char *path)
{
	FILE *f = fopen(path, "rb");
	int c;
	size_t n = 0;
	if (!f) {
		fprintf(stderr, "kbgen: %s: cannot open\n", path);
		return 1;
	}
	printf("/* Generated by tools/kbgen from %s: do not edit. */\n#include <stddef.h>\n", path);
	printf("extern const char %s[];\nextern const size_t %s_len;\n", sym, sym);
	printf("const char %s[] = {\n", sym);
	while ((c = getc(f)) != EOF) {
		printf("%d,", c > 127 ? c - 256 : c);
		if (++n % 24 == 0)
			putchar('\n');
	}
	printf("0 };\nconst size_t %s_len = %zu;\n", sym, n);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "kb"))
		return gen_kb(argc - 2, argv + 2);
	if (argc == 4 && !strcmp(argv[1], "embed"))
		return gen_embed(argv[2], argv[3]);
	fputs("usage: kbgen kb FILE.kb... | kbgen embed SYMBOL FILE\n", stderr);
	return 2;
}
