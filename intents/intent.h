/*
 * intent.h - the intent engine: what is this citizen's message about?
 *
 * An engine is loaded from a directory of *.intent files (see docs/intents.md)
 * and, optionally, a street register the caller built in memory (streets.h).
 * It is read-only after loading, so any number of threads may classify with
 * it at once. To reload, load a new engine (with a new register), swap your
 * pointer, and free the old one once no thread uses it any more (the caller
 * owns the swap).
 */
#ifndef BORGERBOT_INTENT_H
#define BORGERBOT_INTENT_H

#include <stddef.h>

struct intent_engine;
struct streets;

struct intent_result {
	char intent[32];         /* e.g. "streetlight_outage"; "none" if nothing matched */
	int angry;               /* tone: capitals, "!!!", insults, sarcasm */
	int needs_clarification; /* two routine intents were close: ask, do not answer */
	char alt_intents[2][32]; /* the two candidates when needs_clarification */
	char street[128];        /* canonical name from the register (or as written) */
	char house_number[16];
	char pole_number[32];
	char area[64];      /* canonical area, e.g. "Blomsterkvarteret" */
	char kind[32];      /* a non-routine winner's sort, from its slot patterns' group names
	                       ("emergency", "violence" for crisis); "" when none matched */
	char lang[3];       /* "en" when the message reads as English, else "da" */
	int street_guessed; /* street is street-shaped words ("Lærkevænget") not in the register */
};

/*
 * Load every *.intent file (and the optional angry.tone file) in intents_dir
 * and compile all patterns. The engine takes streets, the street register
 * (NULL: none), and frees it with itself, or at once when loading fails.
 * Returns NULL with a one-line reason ("FILE:LINE: ...") in err on failure.
 */
struct intent_engine *intent_engine_load(const char *intents_dir, struct streets *streets,
                                         char *err, size_t errlen);
void intent_engine_free(struct intent_engine *e);

/* Use PCRE2's JIT (default on when available). For benchmarks; not thread-safe to toggle. */
void intent_engine_set_jit(struct intent_engine *e, int on);
int intent_engine_jit_available(const struct intent_engine *e);

/*
 * Classify len bytes of text (any bytes; only the first 3000 are looked at).
 * Fills out and returns 0, or -1 on an internal error (out is then "none").
 * Thread-safe.
 */
int intent_classify(const struct intent_engine *e, const char *text, size_t len,
                    struct intent_result *out);

/*
 * The intent's answer template number variant_seed % count (texts may hold
 * {street}, {house_number}, {pole_number}, {area}), or NULL if it has none.
 */
const char *intent_answer(const struct intent_engine *e, const char *intent, unsigned variant_seed);
/*
 * The answer for a result with its slots filled in, written to buf. Prefers a
 * variant whose placeholders are all known. Returns the length, or -1 when
 * the intent has no answer (the worker then hands over to a person).
 */
int intent_render_answer(const struct intent_engine *e, const struct intent_result *r,
                         unsigned variant_seed, char *buf, size_t buflen);
/*
 * Only the place in a message, whatever its intent: the street (canonical
 * name from the register), house number and area, e.g. from "Duevej 12" sent
 * as the answer to "where is it?". Fills those fields of out (the rest is
 * zeroed, intent "none"); returns 1 if a street or area was found. Thread-safe.
 */
int intent_find_place(const struct intent_engine *e, const char *text, size_t len,
                      struct intent_result *out);
/* The intent's action (e.g. "create_case streetlight", "handover"), or NULL. */
const char *intent_action(const struct intent_engine *e, const char *intent);
/* The intent's title for staff, in Danish ("Gadelys ude"), or NULL for an
 * unknown intent or one whose file gives none. */
const char *intent_title(const struct intent_engine *e, const char *intent);
/* 1 if the intent is answered automatically (a routine intent), else 0. */
int intent_is_routine(const struct intent_engine *e, const char *intent);

/* Number of intents loaded, and the name of intent i (for listings). */
size_t intent_count(const struct intent_engine *e);
const char *intent_name(const struct intent_engine *e, size_t i);

#endif
