#include "flags.h"
#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

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

/* Go's strconv.ParseInt(s, 0, 64): an optional sign, 0x/0o/0b/0 prefixes, '_' between digits. */
static int parse_int(const char *text, int64_t *out)
{
	char digits[80];
	size_t n = 0;
	const char *p = text;
	if (*p == '+' || *p == '-')
		digits[n++] = *p++;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	bool underscores = base != 10 || text[0] == '0' || ((text[0] == '+' || text[0] == '-') && text[1] == '0');
	for (; *p; p++) {
		if (*p == '_' && underscores && n && isalnum((unsigned char)p[1]))
			continue;
		if (!isalnum((unsigned char)*p) || n + 1 >= sizeof digits)
			return -1;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (!n || (n == 1 && (digits[0] == '+' || digits[0] == '-')))
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(digits, &end, base);
	if (*end || errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

/* "64M", "1GiB", "512k", "4096": bytes, binary multiples; fails on overflow. */
static int parse_size(const char *text, uint64_t *out)
{
	if (!isdigit((unsigned char)text[0]))
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno == ERANGE)
		return -1;
	int shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	case '\0': break;
	default: return -1;
	}
	if (shift && end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* A Go duration, or whole days ("7d"), which Go lacks and retention wants. */
static int parse_duration(const char *text, int64_t *out)
{
	size_t len = strlen(text);
	if (len >= 2 && text[len - 1] == 'd') {
		char *end;
		errno = 0;
		long long days = strtoll(text, &end, 10);
		if (end != text + len - 1 || errno == ERANGE || days < 0 || days > INT64_MAX / 86400000000000LL)
			return -1;
		*out = days * 86400000000000LL;
		return 0;
	}
	return go_duration_parse(text, out);
}

static void describe_bound(const flag_def *d, int64_t v, char *out, size_t size)
{
	if (d->kind == FLAG_DURATION) {
		go_duration_format(v, out, size);
		/* "24h0m0s" reads better as "24h", "5m0s" as "5m". */
		size_t len = strlen(out);
		if (len > 5 && !strcmp(out + len - 5, "h0m0s"))
			out[len - 4] = '\0';
		else if (len > 3 && !strcmp(out + len - 3, "m0s"))
			out[len - 2] = '\0';
	} else if (d->kind == FLAG_SIZE && v > 0 && (v & ((1 << 30) - 1)) == 0)
		snprintf(out, size, "%lldG", (long long)(v >> 30));
	else if (d->kind == FLAG_SIZE && v > 0 && (v & ((1 << 20) - 1)) == 0)
		snprintf(out, size, "%lldM", (long long)(v >> 20));
	else if (d->kind == FLAG_SIZE && v > 0 && (v & ((1 << 10) - 1)) == 0)
		snprintf(out, size, "%lldK", (long long)(v >> 10));
	else
		snprintf(out, size, "%lld", (long long)v);
}

/* A finite decimal number within the flag's bounds; 0, or -1 with the message. */
static int float_value(const flag_def *d, const char *value, char *message, size_t message_size)
{
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	/* strtod also reads "nan", "inf" and hex floats; a flag wants a plain number. */
	bool plain = *value && strspn(value, "0123456789.eE+-") == strlen(value);
	if (!plain || *end || errno == ERANGE || !isfinite(v)) {
		snprintf(message, message_size, "invalid value \"%s\" for flag -%s: want a number", value, d->name);
		return -1;
	}
	double lo = (double)d->min / 1e6, hi = (double)d->max / 1e6;
	if ((d->min || d->max) && !(v >= lo && v <= hi)) {
		snprintf(message, message_size, "invalid value \"%s\" for flag -%s: want a number from %g to %g", value,
		         d->name, lo, hi);
		return -1;
	}
	*(double *)d->target = v;
	return 0;
}

/* Parses and checks a typed value; 0, or -1 with the message. */
static int typed_value(const flag_def *d, const char *value, char *message, size_t message_size)
{
	static const char *const wants[] = {
		[FLAG_INT] = "a whole number", [FLAG_SIZE] = "a size like 64M or 4096",
		[FLAG_DURATION] = "a duration like 90s, 72h or 7d",
	};
	int64_t v = 0;
	int bad = 0;
	if (d->kind == FLAG_FLOAT)
		return float_value(d, value, message, message_size);
	if (d->kind == FLAG_ENUM) {
		for (const char *const *c = d->choices; *c; c++)
			if (!strcmp(*c, value)) {
				*(const char **)d->target = *c;
				return 0;
			}
		size_t o = (size_t)snprintf(message, message_size, "invalid value \"%s\" for flag -%s: want", value, d->name);
		for (const char *const *c = d->choices; *c && o < message_size; c++)
			o += (size_t)snprintf(message + o, message_size - o, "%s %s", c == d->choices ? "" : (c[1] ? "," : " or"),
			                      *c);
		return -1;
	}
	if (d->kind == FLAG_INT)
		bad = parse_int(value, &v);
	else if (d->kind == FLAG_DURATION)
		bad = parse_duration(value, &v);
	else {
		uint64_t u;
		bad = parse_size(value, &u) || u > INT64_MAX;
		v = bad ? 0 : (int64_t)u;
	}
	if (bad) {
		snprintf(message, message_size, "invalid value \"%s\" for flag -%s: want %s", value, d->name, wants[d->kind]);
		return -1;
	}
	if ((d->min || d->max) && (v < d->min || v > d->max)) {
		char lo[32], hi[32];
		describe_bound(d, d->min, lo, sizeof lo);
		describe_bound(d, d->max, hi, sizeof hi);
		snprintf(message, message_size, "invalid value \"%s\" for flag -%s: want %s from %s to %s", value, d->name,
		         wants[d->kind], lo, hi);
		return -1;
	}
	if (d->kind == FLAG_SIZE)
		*(size_t *)d->target = (size_t)v;
	else
		*(int64_t *)d->target = v;
	return 0;
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
		/* -h, -help and --help, where they are not an option's value, ask for help. */
		if (!d && ((len == 1 && name[0] == 'h') || (len == 4 && !strncmp(name, "help", 4))))
			return 1;
		if (!d) {
			const char *names[128];
			size_t n = 0;
			for (const flag_def *x = defs; x->name && n < sizeof names / sizeof names[0]; x++)
				names[n++] = x->name;
			const char *s = suggest(name, len, names, n);
			if (s) /* with the dashes the user typed */
				snprintf(message, message_size, "unknown flag: -%.*s; did you mean %.*s%s?", (int)len, name,
				         (int)(name - arg), arg, s);
			else
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
		const char *value = eq ? eq + 1 : d->kind != FLAG_ENUM && d->choices ? d->choices[0] : NULL;
		if (!value) {
			if (i + 1 >= argc) {
				snprintf(message, message_size, "flag needs an argument: -%s", d->name);
				return -1;
			}
			value = argv[++i];
		}
		if (d->kind == FLAG_STRING)
			*(const char **)d->target = value;
		else if (d->kind == FLAG_LIST) {
			if (list_push(d->target, value))
				return snprintf(message, message_size, "out of memory"), -1;
		} else if (typed_value(d, value, message, message_size)) {
			return -1;
		}
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
		char left[64], value[32] = "";
		if (d->arg)
			snprintf(value, sizeof value, d->kind != FLAG_ENUM && d->choices ? "[=%s]" : " %s", d->arg);
		if (d->short_name)
			snprintf(left, sizeof left, "-%c, --%s%s", d->short_name, d->name, value);
		else
			snprintf(left, sizeof left, "    --%s%s", d->name, value);
		fprintf(f, "  %-26s %s\n", left, d->help);
	}
}
