/*
 * intent_util.c - the engine's error-message, trim and array-growth helpers
 * (see intent_util.h for why the engine has its own).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent_util.h"

static int intent_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void intent_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

char *intent_trim(char *s)
{
	size_t n;

	while (intent_is_space(*s))
		s++;
	n = strlen(s);
	while (n && intent_is_space(s[n - 1]))
		s[--n] = 0;
	return s;
}

void *intent_grow(void *v, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *nv = realloc(v, ncap * elem);
	if (nv)
		*cap = ncap;
	return nv;
}
