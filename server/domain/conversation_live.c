/*
 * conversation_live.c - changes since a cursor, for the console's live
 * updates (see conversation_live.h).
 */
#include "conversation_live.h"

#include <string.h>

#include "conversation_json.h"

static int read_maxima(sqlite3 *db, struct live_cursor *c)
{
	static const char sql[] = "SELECT (SELECT max(updated_at) FROM conversations),"
	                          " (SELECT max(id) FROM messages), (SELECT max(id) FROM outbox),"
	                          " (SELECT max(id) FROM conversation_notes)";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->updated_at = sqlite3_column_int64(st, 0);
		c->message_id = sqlite3_column_int64(st, 1);
		c->outbox_id = sqlite3_column_int64(st, 2);
		c->note_id = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int conversation_live_start(sqlite3 *db, struct live_cursor *c)
{
	*c = (struct live_cursor){0};
	return read_maxima(db, c);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : NULL;
}

/* Rows of sql (?1 the cursor's value, ?2 the limit; columns: cursor value,
 * conversation id, department, assignee, mode, urgent, reason) as events of
 * type; moves *at. */
static int poll_kind(sqlite3 *db, const char *sql, const char *type, long long *at, const char *vd,
                     const char *vu, int max, live_event_fn fn, void *arg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, *at);
	sqlite3_bind_int(st, 2, max);
	int n = 0, rc, stop = 0;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long v = sqlite3_column_int64(st, 0);
		if (v > *at)
			*at = v;
		struct live_event e = {.type = type,
		                       .conversation_id = sqlite3_column_int64(st, 1),
		                       .department = col(st, 2),
		                       .assignee = col(st, 3),
		                       .mode = col(st, 4),
		                       .urgent = sqlite3_column_int(st, 5),
		                       .reason = col(st, 6)};
		if (!e.conversation_id || !conversation_visible(e.department, e.assignee, vd, vu))
			continue;
		n++;
		stop = fn(&e, arg);
	}
	sqlite3_finalize(st);
	if (stop)
		return -1;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
}

#define CONV_COLS "v.id, v.department, v.assignee, v.mode, v.urgent, v.reason"

int conversation_live_poll(sqlite3 *db, struct live_cursor *c, const char *visible_dept,
                           const char *visible_user, int max, live_event_fn fn, void *arg)
{
	struct live_cursor now;
	if (read_maxima(db, &now) < 0)
		return -1;
	const struct {
		const char *sql, *type;
		long long *at, latest;
	} kinds[] = {
	    {"SELECT v.updated_at, " CONV_COLS " FROM conversations v"
	     " WHERE v.updated_at > ?1 ORDER BY v.updated_at LIMIT ?2",
	     "conversation", &c->updated_at, now.updated_at},
	    {"SELECT m.id, " CONV_COLS " FROM messages m JOIN conversations v"
	     " ON v.id = m.conversation_id WHERE m.id > ?1 ORDER BY m.id LIMIT ?2",
	     "message", &c->message_id, now.message_id},
	    {"SELECT o.id, " CONV_COLS " FROM outbox o JOIN conversations v"
	     " ON v.id = o.conversation_id WHERE o.id > ?1 ORDER BY o.id LIMIT ?2",
	     "message", &c->outbox_id, now.outbox_id},
	    {"SELECT t.id, " CONV_COLS " FROM conversation_notes t JOIN conversations v"
	     " ON v.id = t.conversation_id WHERE t.id > ?1 ORDER BY t.id LIMIT ?2",
	     "note", &c->note_id, now.note_id},
	};
	int total = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].latest <= *kinds[i].at)
			continue;
		int n = poll_kind(db, kinds[i].sql, kinds[i].type, kinds[i].at, visible_dept,
		                  visible_user, max, fn, arg);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
