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

void textbuf_put_html(struct textbuf *t, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = *s == '&'    ? "&amp;"
		                  : *s == '<'  ? "&lt;"
		                  : *s == '>'  ? "&gt;"
		                  : *s == '"'  ? "&quot;"
		                  : *s == '\'' ? "&#39;"
		                               : NULL;
		if (!rep)
			continue;
		textbuf_put(t, "%.*s%s", (int)(s - run), run, rep);
		run = s + 1;
	}
	textbuf_put(t, "%s", run);
}
