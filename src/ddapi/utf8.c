#include "utf8.h"

#include <string.h>

size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80)
		return *cp = s[0], 1;
	size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = s[0] & (0xFF >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

bool utf8_valid(const unsigned char *s, size_t n)
{
	uint32_t cp;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_char(s + i, n - i, &cp);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

void utf8_escape(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;
	size_t left = strlen(in);
	while (*p && o + 5 < size) {
		uint32_t cp;
		size_t len = utf8_char(p, left, &cp);
		if (len == 1 && *p >= 0x20 && *p != 0x7f && *p != '\\') {
			out[o++] = (char)*p;
		} else if (len > 1) {
			if (o + len + 1 > size)
				break;
			memcpy(out + o, p, len);
			o += len;
		} else if (*p == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			len = 1;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
		p += len;
		left -= len;
	}
	out[o] = '\0';
}
