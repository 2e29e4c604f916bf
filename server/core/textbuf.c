/*
 * textbuf.c - bounded text building (see textbuf.h).
 */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* Appends n bytes of p (cut at the end of the buffer). */
static void put_bytes(struct textbuf *t, const char *p, size_t n)
{
	if (t->len + 1 >= t->size)
		return;
	size_t room = t->size - 1 - t->len;
	if (n > room)
		n = room;
	memcpy(t->buf + t->len, p, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void textbuf_put_str(struct textbuf *t, const char *s)
{
	put_bytes(t, s, strlen(s));
}

void textbuf_put_json(struct textbuf *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;
	put_bytes(t, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put_bytes(t, s + run, i - run);
		run = i + 1;
		char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
		size_t k = 2;
		switch (c) {
		case '"':
		case '\\':
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			k = 6;
		}
		put_bytes(t, esc, k);
	}
	put_bytes(t, s + run, n - run);
	put_bytes(t, "\"", 1);
}
