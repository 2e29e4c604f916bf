/*
 * streets.h - the municipality's street register: names, official
 * abbreviations and neighbourhoods, and the lookup of a street or area named
 * in a (normalised) citizen message.
 *
 * The engine reads no files for it: the caller builds a register in memory,
 * one street at a time, and hands it to intent_engine_load() (the server
 * reads municipality/streets.csv once and gives each row to the register and
 * to the winter plan; docs/intents.md):
 *
 *     struct streets *st = streets_new();
 *     streets_add(st, "Gammel Kongevej", "Gl. Kongevej", "Midtbyen", err, sizeof(err));
 *     streets_add(st, "Egeskovvej", NULL, NULL, err, sizeof(err));
 *
 * A name may appear more than once (the first row's area wins a look-up).
 */
#ifndef BORGERBOT_STREETS_H
#define BORGERBOT_STREETS_H

#include <stddef.h>

#define STREETS_MAX_NAME 100    /* bytes per name, abbreviation or area */
#define STREETS_MAX_ROWS 100000 /* streets per register */

struct streets;

struct streets_match {
	const char *street; /* canonical street name, or NULL */
	const char *area;   /* the street's area, or an area named in the text, or NULL */
	char house_number[16];
	size_t street_end; /* byte offset in the normalised text after the street */
};

/* An empty register (NULL: out of memory). */
struct streets *streets_new(void);
/*
 * Adds one street. name is required; abbreviation and area may be NULL or ""
 * (none). Each is at most STREETS_MAX_NAME bytes of valid UTF-8 without
 * control characters, and the name must have a letter. Returns 0, or -1 with
 * the reason in err (no file or line: the caller knows where the row came
 * from). Not thread-safe; a register handed to the engine is not added to.
 */
int streets_add(struct streets *st, const char *name, const char *abbreviation, const char *area,
                char *err, size_t errlen);
void streets_free(struct streets *st);
size_t streets_count(const struct streets *st);

/*
 * Find the first street (exact, abbreviated, or within a small edit
 * distance) and any area in norm, the output of normalize_text(). Returns 1
 * if a street or area was found. Thread-safe (the register is read-only).
 */
int streets_find(const struct streets *st, const char *norm, size_t len, struct streets_match *out);

/*
 * A street-shaped name in norm that need not be in any register: a word
 * ending like a Danish street (-vej, -gade, -stræde, -allé, -vænget,
 * -bakken, -parken, -stien, -plads, -torv ...), or a name followed by "Vej",
 * "Gade", "Allé" ..., with a leading "Gammel", "Gl.", "Ny", "Sankt", "Store",
 * "Lille" or initials ("H.C."). Common nouns ("cykelstien", "motorvejen",
 * "legepladsen") are not names. Returns 1 with out filled (offsets in norm).
 */
struct street_shape {
	size_t start, end;     /* the name's bytes in norm */
	char house_number[16]; /* the number after it, if any ("12", "12b") */
};
int street_shape_find(const char *norm, size_t len, struct street_shape *out);

/* Damerau-Levenshtein distance of two short strings, capped at max + 1. */
int streets_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int max);

#endif
