/*
 * textbuf.h - builds a reply text in a caller's fixed buffer, piece by
 * piece, cutting (never overflowing) when it is full. Used by the answer
 * writers (content.c, winter.c).
 *
 *     struct textbuf t = {buf, sizeof(buf), 0};
 *     textbuf_put(&t, "%s har åbent %s.", name, hours);
 */
#ifndef BORGERBOT_TEXTBUF_H
#define BORGERBOT_TEXTBUF_H

#include <stddef.h>

struct textbuf {
	char *buf;
	size_t size; /* bytes in buf, including the terminating NUL */
	size_t len;  /* bytes written so far */
};

/* Appends formatted text; stops at size - 1 bytes (buf stays NUL-terminated). */
void textbuf_put(struct textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as HTML text: & < > " ' become entities, so citizen and staff
 * text is always text in a page (safe in element content and in quoted
 * attribute values). */
void textbuf_put_html(struct textbuf *t, const char *s);

#endif
