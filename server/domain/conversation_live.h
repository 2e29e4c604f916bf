/*
 * conversation_live.h - what changed in the conversations since a cursor:
 * the change source of the console's live updates (console/live.c).
 *
 * A cheap poll of the database, not an in-process notifier: the worker, the
 * sender, the staff API and the CLI change conversations from different
 * threads and even processes, and every change already leaves a trace that
 * an index finds: conversations.updated_at (mode, assignee, urgency, a new
 * citizen message), and the rowids of messages, outbox rows (bot and staff
 * replies) and conversation_notes. One poll is four indexed max() lookups;
 * only when one moved does it read the rows behind it.
 *
 * Events carry ids, modes and flags, never citizen text: the browser asks
 * the API for the rest, which checks who may see it again.
 */
#ifndef BORGERBOT_CONVERSATION_LIVE_H
#define BORGERBOT_CONVERSATION_LIVE_H

#include <sqlite3.h>
#include <stddef.h>

struct live_cursor {
	long long updated_at, message_id, outbox_id, note_id;
};

/* One event: type "conversation" (id, mode, urgent, department, assignee,
 * reason), "message" or "note" (conversation id only). */
struct live_event {
	const char *type;
	long long conversation_id;
	const char *mode, *department, *assignee, *reason;
	int urgent;
};

/* 0 to go on, non-zero to stop (the stream has gone). */
typedef int (*live_event_fn)(const struct live_event *e, void *arg);

/* Sets c to now's maxima: changes after this are news. 0 or -1. */
int conversation_live_start(sqlite3 *db, struct live_cursor *c);

/* Calls fn for each change after c that visible_dept/visible_user may see
 * (both NULL: everything; see conversation_visible()), at most max rows per
 * kind, and moves c past them. Returns the number of events, or -1 on a
 * database error or when fn asked to stop. */
int conversation_live_poll(sqlite3 *db, struct live_cursor *c, const char *visible_dept,
                           const char *visible_user, int max, live_event_fn fn, void *arg);

#endif
