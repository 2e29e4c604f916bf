/*
 * textbuf.h - builds a reply text in a caller's fixed buffer, piece by
 * piece, cutting (never overflowing) when it is full. Used by the answer
 * writers (content.c, winter.c) and `borgerbot classify`'s JSON lines.
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

/* Appends s as it is (no format string: for hot paths, where vsnprintf()
 * was most of the cost of writing a line); cut like textbuf_put(). */
void textbuf_put_str(struct textbuf *t, const char *s);

/* Appends s as HTML text: & < > " ' become entities, so citizen and staff
 * text is always text in a page (safe in element content and in quoted
 * attribute values). */
void textbuf_put_html(struct textbuf *t, const char *s);

/* Appends s[0..n) as a JSON string: in quotes, with '"', '\\' and control
 * characters escaped as jansson writes them (\n, \u001B ...); other bytes as
 * they are, so pass valid UTF-8. For hot paths that write JSON by hand
 * (`borgerbot classify`). */
void textbuf_put_json(struct textbuf *t, const char *s, size_t n);

#endif
