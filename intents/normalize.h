/*
 * normalize.h - folds citizen text (and intent patterns) to one spelling.
 *
 * Citizens write "Møllevej", "moellevej", "mollevej" and "MØØØLLEVEJ!!!"; all
 * become " molevej ". Patterns are folded the same way, so whoever writes a
 * pattern may use æ/ø/å freely.
 */
#ifndef BORGERBOT_NORMALIZE_H
#define BORGERBOT_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/* Longest input (bytes) that normalize_text() looks at; the rest is ignored. */
#define NORMALIZE_MAX_INPUT 3000
/* Output buffer that always suffices for NORMALIZE_MAX_INPUT bytes. */
#define NORMALIZE_OUT_SIZE (2 * NORMALIZE_MAX_INPUT + 4)

/*
 * Fold text: lower case; æ ø å ä ö é ... to ASCII (æ→a, ø→o, å→a); the
 * digraphs ae/oe to a/o; runs of one letter to one; a digit after a letter
 * starts a new word; everything else (punctuation, emoji, invalid UTF-8) to a
 * single space. The result starts and ends with a space and is valid UTF-8.
 * srcmap (may be NULL) receives, per output byte, the offset of the input byte
 * it came from (size >= out_size). Returns the output length (< out_size).
 */
size_t normalize_text(const char *in, size_t len, char *out, size_t out_size, uint16_t *srcmap);

/*
 * Fold a PCRE2 pattern's literal letters as normalize_text() folds text,
 * leaving escapes, group names, (*VERBS), quantifier braces intact.
 * Returns 0, or -1 when out is too small.
 */
int normalize_pattern(const char *pat, char *out, size_t out_size);

/*
 * Copy bytes to out as valid UTF-8, each invalid byte replaced by U+FFFD.
 * Returns the output length; out_size must be >= 3 * len + 1.
 */
size_t utf8_sanitize(const char *in, size_t len, char *out, size_t out_size);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
int utf8_seq_len(const unsigned char *s, size_t avail);

#endif
