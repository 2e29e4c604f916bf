/*
 * misunderstood.h - the queue of citizen messages the bot did not
 * understand, for staff to label with the intent they should have had, and
 * the export of labelled examples as lines the communications officer pastes
 * into an .intent file (`example: ...`) or a held-out test file
 * (text<TAB>intent) for `borgerbot intents test`.
 *
 * Personal data never reaches the export: a label carries an example that
 * staff reviewed (the console pre-fills it with misunderstood_anonymise()'s
 * version of the message), and the export runs the anonymiser over it again:
 * CPR numbers, e-mail addresses, links, phone numbers and every other run of
 * digits are replaced. Names cannot be found by a rule; that is why a person
 * reviews each example before it is labelled (docs/insight.md).
 */
#ifndef BORGERBOT_MISUNDERSTOOD_H
#define BORGERBOT_MISUNDERSTOOD_H

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#define MISUNDERSTOOD_TEXT_MAX 2000 /* bytes of an example */

struct misunderstood_item {
	long long event_id, conversation_id, at_ms;
	const char *text;   /* the citizen's words (NULL once retention removed them) */
	const char *intent; /* what the bot acted on ("none", "" or a wrong one) */
	const char *label, *example, *labelled_by; /* NULL until labelled */
};

/* Calls fn for each message not understood (intent none or nothing, bot
 * mode) and, with labelled = 1, for every labelled one (also the corrected
 * answers), newest first, at most limit. Returns rows seen or -1. */
int misunderstood_list(sqlite3 *db, int labelled, int limit,
                       void (*fn)(const struct misunderstood_item *, void *), void *arg);

/* Labels the message of event_id: intent (a name of the engine's, checked
 * by the caller), example (the reviewed words, valid UTF-8, 1 to
 * MISUNDERSTOOD_TEXT_MAX bytes; anonymised again here). Returns 1 done,
 * 0 no such message, -1 database error. */
int misunderstood_label(sqlite3 *db, long long event_id, const char *intent, const char *example,
                        const char *by, long long now_ms);

/* Writes the anonymised text of in (at most size-1 bytes, cut on a UTF-8
 * boundary) to out. */
void misunderstood_anonymise(const char *in, char *out, size_t size);

/* Writes every labelled example: format "intent" groups them as
 * "# intent" + "example: ..." lines, "tsv" as text<TAB>intent. Returns the
 * number written or -1. */
int misunderstood_export(sqlite3 *db, const char *format, FILE *f);

#endif
