/*
 * conversation_json.h - conversations as the staff see them, in JSON: the
 * queue, and one conversation with its transcript, the citizen's cases, the
 * record of transitions, the internal notes, what Meta's rules allow now,
 * and its SLA deadlines (docs/staff-api.md lists the fields).
 *
 * The transcript merges what the citizen sent (messages, direction 'in'),
 * what Borgerbot queued (outbox: bot and staff replies, with their status)
 * and what someone else sent from the page (echoes from another app, e.g.
 * Meta's Page Inbox); the echoes of Borgerbot's own sends are left out, as
 * their outbox row already stands for them. Citizen text is data: the JSON
 * carries it as a string and the console renders it as text.
 */
#ifndef BORGERBOT_CONVERSATION_JSON_H
#define BORGERBOT_CONVERSATION_JSON_H

#include <jansson.h>
#include <sqlite3.h>

#include "conversation_staff.h"

struct conversation_filter {
	const char *modes;      /* ",waiting_for_staff,staff," (commas around each) */
	const char *department; /* or NULL */
	const char *assignee;   /* or NULL */
	int urgent;             /* -1 any, 0 or 1 */
	int limit, offset;
	/* who may see (a console user who is not an admin): only conversations
	 * of this department or assigned to this user; NULL = all */
	const char *visible_department, *visible_user;
	/* search: a case reference (exact: the conversations of its filer and
	 * followers), else a LIKE pattern over the citizen's messages (already
	 * escaped with '\\', wrapped in %); NULL = no search */
	const char *case_reference, *text_like;
};

/* 1 if a conversation of department assigned to assignee is visible to a
 * filter's visible_department/visible_user (both NULL: everything). */
int conversation_visible(const char *department, const char *assignee, const char *visible_dept,
                         const char *visible_user);

/* The queue: urgent first, then longest waiting. NULL on a database error. */
json_t *conversation_list_json(sqlite3 *db, const struct conversation_env *env,
                               const struct conversation_filter *f, long long now_ms);

/* One conversation in full; *found 0 when there is none. NULL on error or
 * when not found. */
json_t *conversation_detail_json(sqlite3 *db, const struct conversation_env *env, long long id,
                                 long long now_ms, int *found);

/* The API's answer to an action: the conversation's modes before and after
 * and what was queued. */
json_t *conversation_action_json(long long id, const struct staff_result *r);

#endif
