/*
 * dialog.h - what the bot does with a citizen's message: the conversation
 * logic between the intent engine and the outbox.
 *
 * The worker calls dialog_answer() inside the event's savepoint for an
 * inbound message, quick reply or postback on the "messaging" channel of a
 * conversation in mode 'bot'. It classifies the text (intent.h), and then
 * files a case (case.h) or asks where the fault is first, answers from the
 * winter plan (winter.h) or the municipality's content (content.h), asks one
 * clarifying question with quick replies when two routine intents are close,
 * thanks and greets (bot.h), and hands everything else to a person (mode
 * 'waiting_for_staff') with an honest Danish message. Every reply goes
 * through outbox_enqueue(), so the messaging rules apply.
 */
#ifndef BORGERBOT_DIALOG_H
#define BORGERBOT_DIALOG_H

#include <sqlite3.h>
#include <stddef.h>

#include "bot.h"

struct intent_engine;
struct case_rules;
struct winter_plan;
struct content;

/* Read-only knowledge, shared by all threads; any part may be NULL (the
 * bot then hands over what needs it). */
struct dialog_knowledge {
	const struct intent_engine *intents;
	const struct case_rules *cases;
	const struct winter_plan *winter;
	const struct content *content;
};

/* A shared location attachment (Meta's legacy coordinates payload). */
struct dialog_location {
	int has;
	double lat, lon;
};

/* Answers one turn; fills out like bot_answer(). photos_json: JSON array of
 * image URLs the message carried, or NULL. Returns 0, or -1 with err set
 * (the caller rolls its savepoint back and the event is retried). */
int dialog_answer(sqlite3 *db, const struct dialog_knowledge *k, const struct bot_turn *turn,
                  const struct dialog_location *loc, const char *photos_json,
                  struct bot_outcome *out, char *err, size_t errlen);

#endif
