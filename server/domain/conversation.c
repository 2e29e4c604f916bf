/*
 * conversation.c - conversation modes (see conversation.h).
 *
 * Each change is one prepared UPDATE with the conversation id bound; the
 * hand-over only moves a conversation that is still in mode 'bot', so a
 * person who has already taken it keeps it. The names are the values the
 * schema's CHECK constraint allows (store/db.c, migration 1).
 */
#include "conversation.h"

#include <stdio.h>
#include <string.h>

static const char *const mode_names[] = {
    [CONVERSATION_BOT] = "bot",
    [CONVERSATION_WAITING_FOR_STAFF] = "waiting_for_staff",
    [CONVERSATION_STAFF] = "staff",
    [CONVERSATION_CLOSED] = "closed",
};

#define MODE_COUNT (sizeof(mode_names) / sizeof(mode_names[0]))

const char *conversation_mode_name(enum conversation_mode mode)
{
	return (size_t)mode < MODE_COUNT ? mode_names[mode] : "bot";
}

int conversation_mode_parse(const char *name, enum conversation_mode *out)
{
	for (size_t i = 0; name && i < MODE_COUNT; i++) {
		if (!strcmp(name, mode_names[i])) {
			*out = (enum conversation_mode)i;
			return 0;
		}
	}
	return -1;
}

/* Runs an UPDATE of one conversation: ?1 the id, ?2 a mode name (if the
 * statement has it). Returns the rows changed (0 or 1), or -1. */
static int update_mode(sqlite3 *db, const char *sql, long long id, const char *mode, char *err,
                       size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	if (mode)
		sqlite3_bind_text(st, 2, mode, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

int conversation_hand_over(sqlite3 *db, long long conversation_id, char *err, size_t errlen)
{
	return update_mode(db,
	                   "UPDATE conversations SET mode = 'waiting_for_staff'"
	                   " WHERE id = ?1 AND mode = 'bot'",
	                   conversation_id, NULL, err, errlen);
}

int conversation_set_mode(sqlite3 *db, long long conversation_id, enum conversation_mode mode,
                          char *err, size_t errlen)
{
	if ((size_t)mode >= MODE_COUNT) {
		snprintf(err, errlen, "conversation: unknown mode %d", (int)mode);
		return -1;
	}
	return update_mode(db, "UPDATE conversations SET mode = ?2 WHERE id = ?1", conversation_id,
	                   mode_names[mode], err, errlen);
}

int conversation_get_mode(sqlite3 *db, long long conversation_id, enum conversation_mode *out,
                          char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT mode FROM conversations WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, conversation_id);
	int rc = sqlite3_step(st);
	int found = rc == SQLITE_ROW;
	if (found && conversation_mode_parse((const char *)sqlite3_column_text(st, 0), out) < 0) {
		snprintf(err, errlen, "conversation: unknown mode in the database");
		found = -1;
	} else if (!found && rc != SQLITE_DONE) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		found = -1;
	}
	sqlite3_finalize(st);
	return found;
}
