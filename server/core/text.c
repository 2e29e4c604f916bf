/*
 * text.c - trimming and error messages (see text.h). ASCII only on purpose:
 * the bytes trimmed are never part of a UTF-8 sequence, so a trimmed string
 * is as valid UTF-8 as it was before.
 */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int text_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

char *text_trim(char *s)
{
	while (text_is_space(*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && text_is_space(end[-1]))
		*--end = '\0';
	return s;
}

void text_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int text_utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (n == 0 || (size_t)n > avail || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if (n == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
		return 0;
	if (n == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
		return 0;
	return n;
}

int text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		int n = text_utf8_seq(u + i, len - i);
		if (!n)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

char *text_utf8_repair(const char *s, size_t len)
{
	char *out = malloc(len * 3 + 1); /* one byte becomes at most three */
	if (!out)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		int n = u[i] ? text_utf8_seq(u + i, len - i) : 0;
		if (n > 0) {
			memcpy(out + o, s + i, (size_t)n);
			o += (size_t)n;
			i += (size_t)n;
		} else {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

int text_like_pattern(const char *s, char *out, size_t size)
{
	size_t o = 0;
	if (size < 3)
		return -1;
	out[o++] = '%';
	for (; *s; s++) {
		if (o + 4 > size)
			return -1;
		if (*s == '%' || *s == '_' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}
