/*
 * bot.h - the bot's answer to a citizen's message, and every citizen-facing
 * text the bot sends (bot.c holds them in one table).
 *
 * The worker calls bot_answer() inside the event's savepoint for an inbound
 * message, quick reply or postback received on the "messaging" channel of a
 * conversation in mode 'bot' (never for standby events or echoes). For now:
 * greetings and thanks get a friendly Danish answer; anything else gets a
 * polite "I will pass this on to a colleague" and the conversation moves to
 * 'waiting_for_staff'. bot_classify() is the one function the intent engine
 * (intent.h) will replace.
 */
#ifndef BORGERBOT_BOT_H
#define BORGERBOT_BOT_H

#include <sqlite3.h>
#include <stddef.h>

enum bot_intent { BOT_GREETING, BOT_THANKS, BOT_OTHER };

/* text: the citizen's words (may be NULL), payload: a postback or quick
 * reply payload (may be NULL). */
enum bot_intent bot_classify(const char *text, const char *payload);

/* The Danish answer for an intent. */
const char *bot_text(enum bot_intent intent);

struct bot_turn {
	const char *page_id;
	const char *psid;
	long long conversation_id;
	long long event_id;
	const char *text;
	const char *payload;
};

struct bot_outcome {
	enum bot_intent intent;
	int queued;      /* rows put in the outbox */
	int refused;     /* the messaging rules refused the answer */
	int handed_over; /* the conversation moved to waiting_for_staff */
};

/* Queues the answer and updates the conversation's mode. Returns 0, or -1
 * with err set (the caller rolls its savepoint back). */
int bot_answer(sqlite3 *db, const struct bot_turn *turn, struct bot_outcome *out, char *err,
               size_t errlen);

#endif
