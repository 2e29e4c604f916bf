/*
 * intent_internal.h - what intent_load.c (the definition-file parser) hands
 * to intent.c (the engine). Not part of the module interface: include
 * intent.h instead.
 */
#ifndef BORGERBOT_INTENT_INTERNAL_H
#define BORGERBOT_INTENT_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#define INTENT_NAME_MAX 31

struct intent_line {
	char *text;
	int line;
};

struct intent_lines {
	struct intent_line *v;
	size_t n, cap;
};

struct intent_def {
	char name[INTENT_NAME_MAX + 1];
	char *file; /* where it was defined, for messages */
	char *description;
	char *action;
	int priority;
	int routine;    /* answered automatically; close routine matches need a question */
	int when_angry; /* chosen for an angry message that matched nothing more important */
	struct intent_lines patterns, excludes, slots, examples, counters, answers;
	pcre2_code *re, *re_anch; /* patterns as one alternation (lines with ^ apart), or NULL */
	pcre2_code *ex, *ex_anch; /* excludes, the same way */
	pcre2_code *sl;           /* slot-only patterns (named groups), or NULL */
};

/*
 * Parse every *.intent file in dir (sorted by file name) into *defs and the
 * optional angry.tone file into *tone (tone->name is "angry"; has_tone set).
 * Patterns are not compiled here. Returns 0, or -1 with "FILE:LINE: ..." in err.
 */
int intent_defs_load(const char *dir, struct intent_def **defs, size_t *ndefs,
                     struct intent_def *tone, int *has_tone, char *err, size_t errlen);
void intent_def_clear(struct intent_def *d);

#endif
