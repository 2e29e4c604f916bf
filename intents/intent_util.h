/*
 * intent_util.h - the engine's own small string helpers, private to
 * intents/ (intent_load.c and streets.c use them).
 *
 * The server has the same two string helpers in server/core/text.h, and this is on
 * purpose the one other copy: the engine is a library that knows nothing of
 * the server (like Redis's ae.c) and links only libc and PCRE2, so it cannot
 * use core/. One copy inside the engine, one inside the server.
 */
#ifndef BORGERBOT_INTENT_UTIL_H
#define BORGERBOT_INTENT_UTIL_H

#include <stddef.h>

/* Formats a message into err (cut to errlen, NUL-terminated); NULL or 0 is allowed. */
void intent_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Cuts ASCII white space off both ends of s in place; returns the first non-space byte. */
char *intent_trim(char *s);

/*
 * Room for one more element in the array v that holds n of *cap elements of
 * size elem: v itself, or v grown (doubled; first 8) with *cap updated. NULL
 * when out of memory (v is then unchanged and still the caller's).
 *
 *     struct key *k = intent_grow(st->keys, st->nkeys, &st->kcap, sizeof(*k));
 */
void *intent_grow(void *v, size_t n, size_t *cap, size_t elem);

#endif
