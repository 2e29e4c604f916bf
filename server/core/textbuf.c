/*
 * textbuf.c - bounded text building (see textbuf.h).
 */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>

void textbuf_put(struct textbuf *t, const char *fmt, ...)
{
	va_list ap;
	if (t->len + 1 >= t->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = t->len + (size_t)n >= t->size ? t->size - 1 : t->len + (size_t)n;
}
