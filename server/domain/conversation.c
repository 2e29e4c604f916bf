/*
 * conversation.c - the conversation state machine (see conversation.h).
 *
 * A transition is a read of the current mode, a check against the table of
 * allowed moves, one UPDATE that sets the mode and the columns that go with
 * it, and one INSERT into conversation_transitions, all on the caller's
 * transaction. Mode and reason names are the values the schema stores
 * (store/db.c, migrations 1 and "issue 9").
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

static const char *const reason_names[REASON_COUNT] = {
    [REASON_CITIZEN_ASKED] = "citizen_asked",
    [REASON_COMPLAINT] = "complaint",
    [REASON_ANGER] = "anger",
    [REASON_CRISIS] = "crisis",
    [REASON_NOT_UNDERSTOOD] = "not_understood",
    [REASON_UNKNOWN_PLACE] = "unknown_place",
    [REASON_NO_ANSWER] = "no_answer",
    [REASON_OTHER_TOPIC] = "other_topic",
    [REASON_STAFF_TOOK] = "staff_took",
    [REASON_PAGE_INBOX] = "page_inbox",
    [REASON_HANDED_BACK] = "handed_back",
    [REASON_CONTROL_RETURNED] = "control_returned",
    [REASON_CLOSED] = "closed_by_staff",
    [REASON_TRANSFER] = "transfer",
    [REASON_IDLE_TIMEOUT] = "idle_timeout",
    [REASON_HAZARD] = "hazard",
};

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

const char *conversation_reason_name(enum conversation_reason reason)
{
	return (size_t)reason < REASON_COUNT ? reason_names[reason] : "other_topic";
}

int conversation_reason_parse(const char *name, enum conversation_reason *out)
{
	for (size_t i = 0; name && i < REASON_COUNT; i++) {
		if (!strcmp(name, reason_names[i])) {
			*out = (enum conversation_reason)i;
			return 0;
		}
	}
	return -1;
}

static int db_fail(sqlite3 *db, char *err, size_t errlen)
{
	snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
	return CONVERSATION_ERROR;
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

/* ---- transitions --------------------------------------------------------- */

static int allowed(enum conversation_mode from, enum conversation_mode to)
{
	if (from == CONVERSATION_CLOSED)
		return 0;
	if (to == CONVERSATION_BOT)
		return from != CONVERSATION_BOT;
	return 1; /* to waiting, staff or closed from any open mode */
}

/* The UPDATE for each target mode: ?1 id, ?2 now, ?3 reason, ?4 department,
 * ?5 urgent, ?6 assignee, ?7 assignee's name, ?8 intent, ?9 restart timers. */
static const char *const update_sql[] = {
    [CONVERSATION_BOT] =
        "UPDATE conversations SET mode = 'bot', updated_at = ?2, urgent = 0, reason = NULL,"
        " assignee = NULL, assignee_name = NULL, handed_over_at = NULL,"
        " first_response_at = NULL, staff_last_at = NULL, not_understood = 0,"
        " sla_breached = 0 WHERE id = ?1",
    [CONVERSATION_WAITING_FOR_STAFF] =
        "UPDATE conversations SET mode = 'waiting_for_staff', updated_at = ?2, reason = ?3,"
        " department = COALESCE(?4, department), urgent = MAX(urgent, ?5),"
        " intent = COALESCE(?8, intent), assignee = NULL, assignee_name = NULL,"
        " handed_over_at = CASE WHEN ?9 THEN ?2 ELSE handed_over_at END,"
        " first_response_at = CASE WHEN ?9 THEN NULL ELSE first_response_at END,"
        " sla_breached = CASE WHEN ?9 THEN 0 ELSE sla_breached END WHERE id = ?1",
    [CONVERSATION_STAFF] =
        "UPDATE conversations SET mode = 'staff', updated_at = ?2, urgent = MAX(urgent, ?5),"
        " department = COALESCE(?4, department), assignee = ?6, assignee_name = ?7,"
        " handed_over_at = COALESCE(handed_over_at, ?2), staff_last_at = ?2,"
        " reason = COALESCE(reason, ?3) WHERE id = ?1",
    [CONVERSATION_CLOSED] =
        ("UPDATE conversations SET mode = 'closed', updated_at = ?2, closed_at = ?2 WHERE id = ?1"),
};

static const char record_sql[] =
    "INSERT INTO conversation_transitions (conversation_id, at, from_mode, to_mode, actor,"
    " reason, department, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

static void bind_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int run_update(sqlite3 *db, enum conversation_mode from, enum conversation_mode to,
                      long long id, const struct conversation_change *ch, char *err, size_t errlen)
{
	/* crisis while a person has it: the person keeps it, it becomes urgent */
	if (to == CONVERSATION_WAITING_FOR_STAFF && from == CONVERSATION_STAFF &&
	    ch->reason == REASON_CRISIS)
		to = CONVERSATION_STAFF;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, update_sql[to], -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, errlen);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ch->now_ms);
	sqlite3_bind_text(st, 3, conversation_reason_name(ch->reason), -1, SQLITE_STATIC);
	bind_or_null(st, 4, ch->department);
	sqlite3_bind_int(st, 5, ch->urgent ? 1 : 0);
	bind_or_null(st, 6, ch->actor);
	bind_or_null(st, 7, ch->actor_name);
	bind_or_null(st, 8, ch->intent);
	sqlite3_bind_int(st, 9, from != CONVERSATION_WAITING_FOR_STAFF);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CONVERSATION_OK : db_fail(db, err, errlen);
}

static int record(sqlite3 *db, long long id, enum conversation_mode from,
                  const struct conversation_change *ch, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, record_sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, errlen);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ch->now_ms);
	sqlite3_bind_text(st, 3, mode_names[from], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, mode_names[ch->to], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ch->actor && *ch->actor ? ch->actor : "system", -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, conversation_reason_name(ch->reason), -1, SQLITE_STATIC);
	bind_or_null(st, 7, ch->department);
	bind_or_null(st, 8, ch->note);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? CONVERSATION_OK : db_fail(db, err, errlen);
}

int conversation_transition(sqlite3 *db, long long id, const struct conversation_change *ch,
                            enum conversation_mode *from_out, char *err, size_t errlen)
{
	enum conversation_mode from;
	if ((size_t)ch->to >= MODE_COUNT || (size_t)ch->reason >= REASON_COUNT) {
		snprintf(err, errlen, "conversation: unknown mode or reason");
		return CONVERSATION_ERROR;
	}
	int found = conversation_get_mode(db, id, &from, err, errlen);
	if (found <= 0)
		return found < 0 ? CONVERSATION_ERROR : CONVERSATION_NOT_FOUND;
	if (from_out)
		*from_out = from;
	if (!allowed(from, ch->to)) {
		snprintf(err, errlen, "the conversation is %s", mode_names[from]);
		return CONVERSATION_WRONG_MODE;
	}
	int rc = run_update(db, from, ch->to, id, ch, err, errlen);
	return rc == CONVERSATION_OK ? record(db, id, from, ch, err, errlen) : rc;
}

/* ---- reads ---------------------------------------------------------------- */

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", s ? (const char *)s : "");
}

int conversation_get(sqlite3 *db, long long id, struct conversation_row *row)
{
	static const char sql[] =
	    "SELECT id, page_id, psid, mode, department, urgent, reason, intent, assignee,"
	    " assignee_name, thread_owner_app_id, created_at, updated_at, last_inbound_at,"
	    " handed_over_at, first_response_at, staff_last_at, closed_at, not_understood,"
	    " sla_breached FROM conversations WHERE id = ?1";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	*row = (struct conversation_row){.id = sqlite3_column_int64(st, 0)};
	copy_col(st, 1, row->page_id, sizeof(row->page_id));
	copy_col(st, 2, row->psid, sizeof(row->psid));
	if (conversation_mode_parse((const char *)sqlite3_column_text(st, 3), &row->mode) < 0)
		row->mode = CONVERSATION_CLOSED;
	copy_col(st, 4, row->department, sizeof(row->department));
	row->urgent = sqlite3_column_int(st, 5);
	copy_col(st, 6, row->reason, sizeof(row->reason));
	copy_col(st, 7, row->intent, sizeof(row->intent));
	copy_col(st, 8, row->assignee, sizeof(row->assignee));
	copy_col(st, 9, row->assignee_name, sizeof(row->assignee_name));
	copy_col(st, 10, row->thread_owner_app_id, sizeof(row->thread_owner_app_id));
	long long *times[] = {&row->created_at,     &row->updated_at,        &row->last_inbound_at,
	                      &row->handed_over_at, &row->first_response_at, &row->staff_last_at,
	                      &row->closed_at};
	for (int i = 0; i < 7; i++)
		*times[i] = sqlite3_column_int64(st, 11 + i);
	row->not_understood = sqlite3_column_int(st, 18);
	row->sla_breached = sqlite3_column_int(st, 19);
	sqlite3_finalize(st);
	return 1;
}

/* ---- the citizen's current conversation ---------------------------------- */

static void bind_ms(sqlite3_stmt *st, int i, long long ms)
{
	if (ms > 0)
		sqlite3_bind_int64(st, i, ms);
	else
		sqlite3_bind_null(st, i);
}

/* Runs one of conversation_open's statements (prepared into *st if NULL;
 * finalized again when keep is 0). Returns the id (0 if no row) or -1. */
static long long open_step(sqlite3 *db, const char *sql, sqlite3_stmt **st, int keep,
                           const char *page_id, const char *psid, int opens_new, long long now_ms,
                           long long in_ms, long long out_ms, enum conversation_mode *mode)
{
	long long id = 0;
	if (!*st && sqlite3_prepare_v3(db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, st,
	                               NULL) != SQLITE_OK)
		return -1;
	sqlite3_reset(*st);
	sqlite3_clear_bindings(*st);
	sqlite3_bind_text(*st, 1, page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 2, psid, -1, SQLITE_STATIC);
	sqlite3_bind_int(*st, 3, opens_new);
	sqlite3_bind_int64(*st, 4, now_ms);
	bind_ms(*st, 5, in_ms);
	bind_ms(*st, 6, out_ms);
	int rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(*st, 0);
		if (conversation_mode_parse((const char *)sqlite3_column_text(*st, 1), mode) < 0)
			*mode = CONVERSATION_CLOSED; /* unknown: the bot stays quiet */
		rc = sqlite3_step(*st);
	}
	sqlite3_reset(*st);
	if (!keep) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return rc == SQLITE_DONE ? id : -1;
}

long long conversation_open(sqlite3 *db, const char *page_id, const char *psid, int opens_new,
                            long long now_ms, long long inbound_ms, long long outbound_ms,
                            enum conversation_mode *mode, sqlite3_stmt **cache, char *err,
                            size_t errlen)
{
	static const char touch_sql[] =
	    "UPDATE conversations SET updated_at = ?4,"
	    " last_inbound_at = COALESCE(MAX(last_inbound_at, ?5), last_inbound_at, ?5),"
	    " last_outbound_at = COALESCE(MAX(last_outbound_at, ?6), last_outbound_at, ?6)"
	    " WHERE id = (SELECT id FROM conversations WHERE page_id = ?1 AND psid = ?2"
	    "   ORDER BY id DESC LIMIT 1)"
	    " AND NOT (?3 AND mode = 'closed') RETURNING id, mode";
	static const char insert_sql[] =
	    "INSERT INTO conversations (page_id, psid, created_at, updated_at, last_inbound_at,"
	    " last_outbound_at) VALUES (?1, ?2, ?4, ?4, ?5, ?6) RETURNING id, mode";
	sqlite3_stmt *local[CONVERSATION_OPEN_STMTS] = {NULL, NULL};
	sqlite3_stmt **st = cache ? cache : local;
	int keep = cache != NULL;
	long long id = open_step(db, touch_sql, &st[0], keep, page_id, psid, opens_new, now_ms,
	                         inbound_ms, outbound_ms, mode);
	if (id == 0)
		id = open_step(db, insert_sql, &st[1], keep, page_id, psid, opens_new, now_ms,
		               inbound_ms, outbound_ms, mode);
	if (id <= 0) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return -1;
	}
	return id;
}

/* ---- small updates ------------------------------------------------------- */

/* Runs sql with ?1 = id and ?2 = n; returns the first column of a RETURNING
 * row (0 if no row), or -1. */
static int exec_one(sqlite3 *db, const char *sql, long long id, long long n)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, n);
	int rc = sqlite3_step(st);
	int value = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? value : -1;
}

int conversation_not_understood(sqlite3 *db, long long id, int delta)
{
	return exec_one(db,
	                delta ? "UPDATE conversations SET not_understood = not_understood + 1"
	                        " WHERE id = ?1 RETURNING not_understood"
	                      : "UPDATE conversations SET not_understood = 0"
	                        " WHERE id = ?1 AND not_understood <> 0 RETURNING 0",
	                id, 0);
}

int conversation_set_thread_owner(sqlite3 *db, long long id, const char *app_id)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "UPDATE conversations SET thread_owner_app_id = ?2 WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	bind_or_null(st, 2, app_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int conversation_staff_activity(sqlite3 *db, long long id, int replied, long long now_ms)
{
	return exec_one(db,
	                replied ? "UPDATE conversations SET staff_last_at = ?2, updated_at = ?2,"
	                          " first_response_at = COALESCE(first_response_at, ?2)"
	                          " WHERE id = ?1"
	                        : "UPDATE conversations SET staff_last_at = ?2, updated_at = ?2"
	                          " WHERE id = ?1",
	                id, now_ms) < 0
	           ? -1
	           : 0;
}

long long conversation_note_add(sqlite3 *db, long long id, const char *author, const char *text,
                                long long now_ms)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO conversation_notes (conversation_id, at, author, text)"
	                       " VALUES (?1, ?2, ?3, ?4)",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_text(st, 3, author, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(db) : -1;
}

int conversation_mark_breach(sqlite3 *db, long long id, int bit)
{
	return exec_one(db,
	                "UPDATE conversations SET sla_breached = sla_breached | ?2"
	                " WHERE id = ?1 AND (sla_breached & ?2) = 0 RETURNING ?2",
	                id, bit);
}
