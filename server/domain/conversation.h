/*
 * conversation.h - who is handling a citizen's conversation: the one place
 * that changes conversations.mode.
 *
 * Modes: 'bot' (the bot answers), 'waiting_for_staff' (the bot handed it
 * over and stays quiet), 'staff' (a person has taken it), 'closed'. The
 * worker's dialog hands conversations over; the staff side (console, CLI)
 * will take, give back and close them, which is why this lives in domain/
 * rather than worker/: api/ and cli/ may call it without reaching into the
 * worker. Every function runs inside the caller's write transaction (or on
 * any connection, for reads) and never begins or commits.
 */
#ifndef BORGERBOT_CONVERSATION_H
#define BORGERBOT_CONVERSATION_H

#include <sqlite3.h>
#include <stddef.h>

enum conversation_mode {
	CONVERSATION_BOT,
	CONVERSATION_WAITING_FOR_STAFF,
	CONVERSATION_STAFF,
	CONVERSATION_CLOSED,
};

/* "bot", "waiting_for_staff", "staff", "closed" <-> enum; parse returns -1
 * for an unknown name. */
const char *conversation_mode_name(enum conversation_mode mode);
int conversation_mode_parse(const char *name, enum conversation_mode *out);

/* The bot hands the conversation to a person: 'bot' -> 'waiting_for_staff'.
 * Returns 1 when the mode changed, 0 when the conversation was not in mode
 * 'bot' (or does not exist), -1 with err set on a database error. */
int conversation_hand_over(sqlite3 *db, long long conversation_id, char *err, size_t errlen);

/* Sets any mode (staff taking over, giving back, closing). Returns 1 when a
 * conversation was updated, 0 when there is no such conversation, -1 with
 * err set on a database error. */
int conversation_set_mode(sqlite3 *db, long long conversation_id, enum conversation_mode mode,
                          char *err, size_t errlen);

/* Reads the mode. Returns 1 and sets *out, 0 when there is no such
 * conversation, -1 with err set on a database error. */
int conversation_get_mode(sqlite3 *db, long long conversation_id, enum conversation_mode *out,
                          char *err, size_t errlen);

#endif
