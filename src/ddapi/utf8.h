/* UTF-8 as JSON, Go and the search syntax need it: one decoder for all. */
#ifndef PGO_UTF8_H
#define PGO_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The length of the well-formed UTF-8 sequence at s (at most n bytes), with
 * its code point in *cp; 0 when there is none there: a stray continuation
 * byte, a truncated sequence, an overlong form, a surrogate, or a code point
 * past U+10FFFF. n must be at least 1.
 */
size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp);

/* Whether all n bytes at s are well-formed UTF-8. */
bool utf8_valid(const unsigned char *s, size_t n);

/*
 * Outside bytes made safe to log and to put in JSON: control characters, a
 * backslash and bytes that are not UTF-8 become \xNN (a backslash \\), so
 * that a request can neither start a forged log line nor make a JSON
 * encoder drop one. out gets at most size - 1 bytes and a NUL.
 */
void utf8_escape(const char *in, char *out, size_t size);

#endif
