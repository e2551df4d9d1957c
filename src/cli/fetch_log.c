#define _DEFAULT_SOURCE /* localtime_r, tm_gmtoff */
#include "fetch_log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timefmt.h"

#define ANSI_RESET "\x1b[0m"
#define ANSI_FAINT "\x1b[2m"

void fetch_log_init(fetch_log *l, FILE *out, bool json, bool debug)
{
	const char *no_color = getenv("NO_COLOR");
	l->out = out;
	l->json = json;
	l->debug = debug;
	l->color = !json && isatty(fileno(out)) && !(no_color && *no_color);
	pthread_mutex_init(&l->mu, NULL);
}

void fetch_log_close(fetch_log *l)
{
	fflush(l->out);
	pthread_mutex_destroy(&l->mu);
}

/* slog's text values: quoted when empty or holding space, '"', '=' or control bytes. */
static bool needs_quoting(const char *s)
{
	if (!*s)
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (isspace(*p) || *p == '"' || *p == '=' || *p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static void put_quoted(FILE *f, const char *s, bool json)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, json ? "\\u%04x" : "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void put_value(FILE *f, const log_attr *a, bool json)
{
	char buf[64];
	switch (a->kind) {
	case LA_STRING:
		if (json || needs_quoting(a->s ? a->s : ""))
			put_quoted(f, a->s ? a->s : "", json);
		else
			fputs(a->s, f);
		break;
	case LA_INT:
		fprintf(f, "%lld", (long long)a->i);
		break;
	case LA_FLOAT:
		fprintf(f, "%.15g", a->f);
		break;
	case LA_DURATION:
		if (json) {
			fprintf(f, "%lld", (long long)a->i);
		} else {
			go_duration_format(a->i, buf, sizeof buf);
			fputs(buf, f);
		}
		break;
	}
}

void fetch_log_write(fetch_log *l, log_level level, const char *msg, const log_attr *attrs, size_t n)
{
	if (level == LOG_DEBUG && !l->debug)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	int ms = (int)(ts.tv_nsec / 1000000);
	pthread_mutex_lock(&l->mu);
	FILE *f = l->out;
	if (l->json) {
		static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
		char when[40], zone[24];
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		long off = tm.tm_gmtoff / 60;
		if (off == 0)
			snprintf(zone, sizeof zone, "Z");
		else
			snprintf(zone, sizeof zone, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
		fprintf(f, "{\"time\":\"%s.%03d%s\",\"level\":\"%s\",\"msg\":", when, ms, zone, names[level]);
		put_quoted(f, msg, true);
		for (size_t i = 0; i < n; i++) {
			fputc(',', f);
			put_quoted(f, attrs[i].key, true);
			fputc(':', f);
			put_value(f, &attrs[i], true);
		}
		fputs("}\n", f);
	} else {
		static const char *const names[] = {"DBG", "INF", "WRN", "ERR"};
		static const char *const colors[] = {"", "\x1b[92m", "\x1b[93m", "\x1b[91m"};
		char when[32];
		strftime(when, sizeof when, "%b %e %H:%M:%S", &tm);
		if (l->color)
			fprintf(f, ANSI_FAINT "%s.%03d" ANSI_RESET " %s%s" ANSI_RESET " %s", when, ms, colors[level],
			        names[level], msg);
		else
			fprintf(f, "%s.%03d %s %s", when, ms, names[level], msg);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, l->color ? " " ANSI_FAINT "%s=" ANSI_RESET : " %s=", attrs[i].key);
			put_value(f, &attrs[i], false);
		}
		fputc('\n', f);
	}
	fflush(f);
	pthread_mutex_unlock(&l->mu);
}
