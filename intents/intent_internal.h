/*
 * intent_internal.h - what intent_load.c (the definition-file parser) hands
 * to intent.c (the engine), and the regex prefilter (intent_prefilter.c)
 * that the engine consults before running a regex. Not part of the module
 * interface: include intent.h instead.
 */
#ifndef BORGERBOT_INTENT_INTERNAL_H
#define BORGERBOT_INTENT_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#define INTENT_NAME_MAX 31
#define INTENT_TITLE_MAX 80

struct intent_line {
	char *text;
	int line;
};

struct intent_lines {
	struct intent_line *v;
	size_t n, cap;
};

/* A compiled regex and its prefilter id (-1: no literals, always run it).
 * Split (nlines > 0): the lines are also compiled one by one, each with its
 * own prefilter id, and matching runs only the lines whose literals occur;
 * code is then kept for the named slots only (see intent.c, "split"). */
struct intent_regex {
	pcre2_code *code; /* NULL: the intent has no line of this kind */
	int pf;
	size_t nlines;
	pcre2_code **line_code;
	int *line_pf;
	int line_pf0; /* >= 0: line i's prefilter id is line_pf0 + i (scan the bits) */
};

struct intent_def {
	char name[INTENT_NAME_MAX + 1];
	char *file; /* where it was defined, for messages */
	char *description;
	char *title; /* for staff, in Danish: "Gadelys ude"; NULL when not given */
	char *action;
	int priority;
	int routine;    /* answered automatically; close routine matches need a question */
	int when_angry; /* chosen for an angry message that matched nothing more important */
	struct intent_lines patterns, excludes, slots, examples, counters, answers;
	struct intent_regex re, re_anch; /* patterns as one alternation (lines with ^ apart) */
	struct intent_regex ex, ex_anch; /* excludes, the same way */
	struct intent_regex sl;          /* slot-only patterns (named groups) */
};

/*
 * Parse every *.intent file in dir (sorted by file name) into *defs and the
 * optional angry.tone file into *tone (tone->name is "angry"; has_tone set).
 * Patterns are not compiled here. Returns 0, or -1 with "FILE:LINE: ..." in err.
 */
int intent_defs_load(const char *dir, struct intent_def **defs, size_t *ndefs,
                     struct intent_def *tone, int *has_tone, char *err, size_t errlen);
void intent_def_clear(struct intent_def *d);

/*
 * The prefilter (intent_prefilter.c): literals that every match of a regex
 * must contain, found in one pass over the folded text. prefilter_add()
 * analyses a folded regex source and gives its id (-1 when no literal is
 * required or PREFILTER_WORDS * 64 ids are taken; such a regex always runs);
 * after prefilter_build(), prefilter_scan() sets the bit of every id one of
 * whose literals occurs in the text. A clear bit means the regex cannot match.
 */
#define PREFILTER_WORDS ((size_t)8) /* bit set size in 64-bit words: 512 ids */

struct prefilter;
struct prefilter *prefilter_new(void);
int prefilter_add(struct prefilter *pf, const char *folded, int *id); /* 0, or -1: no memory */
int prefilter_build(struct prefilter *pf);                            /* 0, or -1: no memory */
void prefilter_scan(const struct prefilter *pf, const char *text, size_t len, uint64_t *bits);
void prefilter_free(struct prefilter *pf);
/* For tests: the literals of a folded source, '|'-separated, into out; returns their count
 * (0: none is required). */
int prefilter_literals(const char *folded, char *out, size_t outlen);

static inline int prefilter_may_match(const uint64_t *bits, int id)
{
	return id < 0 || (bits[id / 64] >> (id % 64) & 1);
}

/* "en" when the folded text (normalize.h) reads as English, else "da" (intent_lang.c). */
const char *intent_language(const char *norm, size_t nlen);
/* 0 when intent_lang.c's word table is sorted and its words fit, else -1 (a test). */
int intent_language_check(void);

#endif
