#include "timefmt.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (no timegm, no TZ). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* February 31st would otherwise become March 3rd without a word. */
static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

int rfc3339_parse(const char *text, int64_t *ns)
{
	const char *p = text;
	int Y, M, D, h, m, s;
	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' || digits(&p, 2, &D) ||
	    (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m) || *p++ != ':' || digits(&p, 2, &s))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || m > 59 || s > 60)
		return -1;
	int64_t frac = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n < 9) {
				frac = frac * 10 + (*p - '0');
				n++;
			}
			p++;
		}
		if (n == 0)
			return -1;
		while (n++ < 9)
			frac *= 10;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	int64_t secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + s - offset;
	/* Nanoseconds in an int64 reach from 1677 to 2262. */
	if (secs <= INT64_MIN / 1000000000 + 1 || secs >= INT64_MAX / 1000000000 - 1)
		return -1;
	*ns = secs * 1000000000 + frac;
	return 0;
}

int query_time_parse(const char *text, int64_t now_ns, int64_t *ns)
{
	if (strncmp(text, "now", 3) != 0)
		return rfc3339_parse(text, ns);
	const char *p = text + 3;
	if (!*p) {
		*ns = now_ns;
		return 0;
	}
	if (*p++ != '-' || !isdigit((unsigned char)*p))
		return -1;
	/* Past the bound the digits are only read, so that no product overflows. */
	const uint64_t cap = (uint64_t)QUERY_TIME_MAX_AGO_NS;
	uint64_t n = 0;
	bool far = false;
	while (isdigit((unsigned char)*p)) {
		uint64_t d = (uint64_t)(*p++ - '0');
		if (!far && n <= (cap - d) / 10)
			n = n * 10 + d;
		else
			far = true;
	}
	uint64_t unit;
	switch (*p++) {
	case 's': unit = 1000000000ULL; break;
	case 'm': unit = 60 * 1000000000ULL; break;
	case 'h': unit = 3600 * 1000000000ULL; break;
	case 'd': unit = 86400 * 1000000000ULL; break;
	case 'w': unit = 7 * 86400 * 1000000000ULL; break;
	default: return -1;
	}
	if (*p)
		return -1;
	if (far || n > cap / unit || now_ns < INT64_MIN + (int64_t)(n * unit))
		return -2;
	*ns = now_ns - (int64_t)(n * unit);
	return 0;
}

void rfc3339_format(int64_t ns, char *out, size_t size)
{
	int64_t secs = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32];
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		snprintf(out, size, "%s.%09lldZ", base, (long long)frac);
	else
		snprintf(out, size, "%sZ", base);
}

/* ---- Go durations ---------------------------------------------------------- */

static const struct {
	const char *name;
	int64_t ns;
} duration_units[] = {
	{"ns", 1},           {"us", 1000},          {"\xc2\xb5s", 1000}, /* U+00B5 */
	{"\xce\xbcs", 1000}, /* U+03BC */           {"ms", 1000000},
	{"s", 1000000000LL}, {"m", 60000000000LL},  {"h", 3600000000000LL},
};

int go_duration_parse(const char *text, int64_t *ns)
{
	const char *p = text;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcmp(p, "0")) {
		*ns = 0;
		return 0;
	}
	if (!*p)
		return -1;
	uint64_t total = 0;
	while (*p) {
		uint64_t whole = 0;
		bool digits_seen = false, overflow = false;
		while (isdigit((unsigned char)*p)) {
			if (whole > (UINT64_MAX - 9) / 10)
				overflow = true;
			whole = whole * 10 + (uint64_t)(*p++ - '0');
			digits_seen = true;
		}
		/* The fraction as Go takes it: digits as an integer over a power of ten. */
		uint64_t frac = 0;
		double scale = 1;
		if (*p == '.') {
			p++;
			bool frac_full = false;
			while (isdigit((unsigned char)*p)) {
				if (frac > ((uint64_t)1 << 63) / 10)
					frac_full = true;
				if (!frac_full) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					scale *= 10;
				}
				p++;
				digits_seen = true;
			}
		}
		if (!digits_seen || overflow)
			return -1;
		size_t best = 0;
		int64_t unit = 0;
		for (size_t i = 0; i < sizeof duration_units / sizeof *duration_units; i++) {
			size_t len = strlen(duration_units[i].name);
			if (len > best && !strncmp(p, duration_units[i].name, len) && !isalpha((unsigned char)p[len]) &&
			    (unsigned char)p[len] < 0x80) {
				best = len;
				unit = duration_units[i].ns;
			}
		}
		if (!best)
			return -1;
		p += best;
		if (whole > (uint64_t)INT64_MAX / (uint64_t)unit)
			return -1;
		uint64_t v = whole * (uint64_t)unit;
		if (frac)
			v += (uint64_t)((double)frac * ((double)unit / scale));
		total += v;
		if (total > (uint64_t)INT64_MAX)
			return -1;
	}
	*ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* Digits of v / 10^prec with the fraction's trailing zeros dropped. */
static int format_fraction(char *out, size_t size, uint64_t v, int prec)
{
	uint64_t div = 1;
	for (int i = 0; i < prec; i++)
		div *= 10;
	uint64_t whole = v / div, frac = v % div;
	if (!frac)
		return snprintf(out, size, "%llu", (unsigned long long)whole);
	int digits = prec;
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	return snprintf(out, size, "%llu.%0*llu", (unsigned long long)whole, digits, (unsigned long long)frac);
}

void go_duration_format(int64_t ns, char *out, size_t size)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	char num[48];
	if (u == 0) {
		snprintf(out, size, "0s");
	} else if (u < 1000) {
		snprintf(out, size, "%s%lluns", sign, (unsigned long long)u);
	} else if (u < 1000000) {
		format_fraction(num, sizeof num, u, 3);
		snprintf(out, size, "%s%s\xc2\xb5s", sign, num);
	} else if (u < 1000000000) {
		format_fraction(num, sizeof num, u, 6);
		snprintf(out, size, "%s%sms", sign, num);
	} else {
		uint64_t secs_ns = u % 60000000000ULL, mins = u / 60000000000ULL;
		format_fraction(num, sizeof num, secs_ns, 9);
		if (mins == 0)
			snprintf(out, size, "%s%ss", sign, num);
		else if (mins < 60)
			snprintf(out, size, "%s%llum%ss", sign, (unsigned long long)mins, num);
		else
			snprintf(out, size, "%s%lluh%llum%ss", sign, (unsigned long long)(mins / 60),
			         (unsigned long long)(mins % 60), num);
	}
}
