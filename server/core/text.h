/*
 * text.h - the server's small string helpers, one copy each: trimming a
 * string in place and writing an error message into a caller's buffer.
 * (Building a longer text piece by piece is textbuf.h's job.)
 *
 *     char *value = text_trim(line);
 *     text_set_err(err, errlen, "%s:%d: %s", path, lineno, why);
 */
#ifndef BORGERBOT_TEXT_H
#define BORGERBOT_TEXT_H

#include <stddef.h>

/*
 * Removes ASCII white space (space, \t, \n, \v, \f, \r) from both ends of s:
 * the end is cut with a NUL in place, and the return value points at the
 * first character that is not white space (inside s).
 */
char *text_trim(char *s);

/*
 * Formats an error message into err (errlen bytes, always NUL-terminated,
 * cut when too long). Does nothing when err is NULL or errlen is 0, so a
 * caller that does not want the reason may pass NULL.
 */
void text_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Length (1-4) of the UTF-8 sequence at s, of which avail bytes may be read;
 * 0 when it is not valid UTF-8 (overlong, surrogate, above U+10FFFF, cut
 * short). The one UTF-8 check: every input from outside passes it. */
int text_utf8_seq(const unsigned char *s, size_t avail);

/* 1 if s[0..len) is valid UTF-8 (NUL bytes count as valid), else 0. */
int text_utf8_valid(const char *s, size_t len);

/* A malloc'd, NUL-terminated copy of s[0..len) with each byte that is not
 * part of a valid sequence (and each NUL) replaced by U+FFFD; NULL when out
 * of memory. For repairing stored text, never for accepting input. */
char *text_utf8_repair(const char *s, size_t len);

/* "%s%" for SQL's LIKE ... ESCAPE '\\' into out: %, _ and \\ in s are
 * escaped, so s matches only itself anywhere in a text. Returns 0, or -1
 * when it does not fit in size bytes. */
int text_like_pattern(const char *s, char *out, size_t size);

#endif
