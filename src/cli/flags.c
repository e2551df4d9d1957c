#include "flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list_push(flag_list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		const char **items = realloc(l->items, ncap * sizeof *items);
		if (!items)
			return -1;
		l->items = items;
		l->cap = ncap;
	}
	l->items[l->n++] = s;
	return 0;
}

void flag_list_free(flag_list *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

static const flag_def *find(const flag_def *defs, const char *name, size_t len)
{
	for (const flag_def *d = defs; d->name; d++) {
		if (strlen(d->name) == len && strncmp(d->name, name, len) == 0)
			return d;
		if (len == 1 && d->short_name == name[0])
			return d;
	}
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (strcmp(v, yes[i]) == 0)
			return *out = true, 0;
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (strcmp(v, no[i]) == 0)
			return *out = false, 0;
	return -1;
}

static int parse(const flag_def *defs, int argc, char **argv, flag_list *positional, bool go_style,
                 char *message, size_t message_size)
{
	bool only_positional = false;
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		if (only_positional || arg[0] != '-' || arg[1] == '\0') {
			if (list_push(positional, arg))
				return snprintf(message, message_size, "out of memory"), -1;
			only_positional = only_positional || go_style;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_positional = true;
			continue;
		}
		const char *name = arg + (arg[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const flag_def *d = find(defs, name, len);
		if (!d) {
			snprintf(message, message_size, "unknown flag: -%.*s", (int)len, name);
			return -1;
		}
		if (d->kind == FLAG_BOOL) {
			bool v = true;
			if (eq && parse_bool(eq + 1, &v)) {
				snprintf(message, message_size, "invalid boolean value \"%s\" for -%s", eq + 1, d->name);
				return -1;
			}
			*(bool *)d->target = v;
			continue;
		}
		const char *value = eq ? eq + 1 : NULL;
		if (!value) {
			if (i + 1 >= argc) {
				snprintf(message, message_size, "flag needs an argument: -%s", d->name);
				return -1;
			}
			value = argv[++i];
		}
		if (d->kind == FLAG_STRING)
			*(const char **)d->target = value;
		else if (list_push(d->target, value))
			return snprintf(message, message_size, "out of memory"), -1;
	}
	return 0;
}

int flags_parse(const flag_def *defs, int argc, char **argv, flag_list *positional,
                char *message, size_t message_size)
{
	return parse(defs, argc, argv, positional, false, message, message_size);
}

int flags_parse_go(const flag_def *defs, int argc, char **argv, flag_list *positional,
                   char *message, size_t message_size)
{
	return parse(defs, argc, argv, positional, true, message, message_size);
}

void flags_print_help(const flag_def *defs, void *stream)
{
	FILE *f = stream;
	for (const flag_def *d = defs; d->name; d++) {
		char left[64];
		if (d->short_name)
			snprintf(left, sizeof left, "-%c, --%s%s%s", d->short_name, d->name, d->arg ? " " : "",
			         d->arg ? d->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
		fprintf(f, "  %-26s %s\n", left, d->help);
	}
}
