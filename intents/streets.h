/*
 * streets.h - the municipality's street register: names, official
 * abbreviations and neighbourhoods, and the lookup of a street or area named
 * in a (normalised) citizen message.
 *
 * CSV format (UTF-8, one street per line, header required):
 *   name,abbreviation,area
 *   Gammel Kongevej,Gl. Kongevej,Centrum
 *   Rosenvej,,Blomsterkvarteret
 * A field may be double-quoted ("a, b"); abbreviation and area may be empty.
 */
#ifndef BORGERBOT_STREETS_H
#define BORGERBOT_STREETS_H

#include <stddef.h>

#define STREETS_MAX_LINE 512    /* bytes per CSV line */
#define STREETS_MAX_NAME 100    /* bytes per field */
#define STREETS_MAX_ROWS 100000 /* streets per register */

struct streets;

struct streets_match {
	const char *street; /* canonical street name, or NULL */
	const char *area;   /* the street's area, or an area named in the text, or NULL */
	char house_number[16];
	size_t street_end; /* byte offset in the normalised text after the street */
};

/* Parse and validate a register. On error returns NULL with "FILE:LINE: reason" in err. */
struct streets *streets_load(const char *path, char *err, size_t errlen);
/* The same from memory (name is used in error messages). */
struct streets *streets_parse(const char *name, const char *data, size_t len, char *err,
                              size_t errlen);
void streets_free(struct streets *st);
size_t streets_count(const struct streets *st);

/*
 * Find the first street (exact, abbreviated, or within a small edit
 * distance) and any area in norm, the output of normalize_text(). Returns 1
 * if a street or area was found. Thread-safe (the register is read-only).
 */
int streets_find(const struct streets *st, const char *norm, size_t len, struct streets_match *out);

/* Damerau-Levenshtein distance of two short strings, capped at max + 1. */
int streets_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int max);

#endif
