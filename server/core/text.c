/*
 * text.c - trimming and error messages (see text.h). ASCII only on purpose:
 * the bytes trimmed are never part of a UTF-8 sequence, so a trimmed string
 * is as valid UTF-8 as it was before.
 */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
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
