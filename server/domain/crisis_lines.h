/*
 * crisis_lines.h - the crisis and emergency facts the bot gives a citizen
 * in danger (112, Livslinien, police 114, the out-of-hours doctor), read
 * from the municipality's crisis_lines.csv so staff can correct a number or
 * a sentence without a release (docs/intents.md, "Crisis facts").
 *
 * Read at start-up and on each reload (municipality.h); read-only once
 * loaded, so any thread may use it.
 */
#ifndef BORGERBOT_CRISIS_LINES_H
#define BORGERBOT_CRISIS_LINES_H

#include <stddef.h>

struct crisis_lines;

/* Reads dir/crisis_lines.csv. The rows any/da and self_harm/da are required. NULL with
 * "FILE:LINE: why" in err. */
struct crisis_lines *crisis_lines_load(const char *dir, char *err, size_t errlen);
void crisis_lines_free(struct crisis_lines *cl);

/*
 * The advice for kind ("self_harm", "violence", "emergency"; NULL or unknown:
 * self_harm) in lang ("da" or "en"; a missing English row falls back to
 * Danish): the "any" line, a space, and the kind's line, into buf.
 */
void crisis_lines_text(const struct crisis_lines *cl, const char *kind, const char *lang, char *buf,
                       size_t size);

#endif
