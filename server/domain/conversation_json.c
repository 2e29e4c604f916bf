/*
 * conversation_json.c - the staff's view of conversations (see
 * conversation_json.h). Reads only, each with one prepared statement.
 */
#include "conversation_json.h"

#include <string.h>

#include "content_data.h"
#include "outbox/policy.h"
#include "staffing.h"

#define TRANSCRIPT_MAX 500

static json_t *time_or_null(long long ms)
{
	if (ms <= 0)
		return json_null();
	char buf[40];
	content_iso8601(ms, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? json_string((const char *)s) : json_null();
}

/* What may be sent now: by the bot and by staff (the one policy function). */
static json_t *window_json(long long last_inbound, long long now)
{
	struct policy_decision bot, staff;
	policy_decide(POLICY_BOT, last_inbound, now, &bot);
	policy_decide(POLICY_STAFF, last_inbound, now, &staff);
	return json_pack(
	    "{s:o, s:o, s:o, s:b, s:o, s:o}", "last_citizen_message_at", time_or_null(last_inbound),
	    "window_closes_at",
	    time_or_null(last_inbound > 0 ? last_inbound + POLICY_WINDOW_MS - POLICY_MARGIN_MS : 0),
	    "human_agent_until",
	    time_or_null(last_inbound > 0 ? last_inbound + POLICY_HUMAN_AGENT_MS - POLICY_MARGIN_MS
	                                  : 0),
	    "bot_can_send", bot.allowed, "staff_can_send",
	    staff.allowed ? json_pack("{s:s, s:o}", "messaging_type", staff.messaging_type, "tag",
	                              str_or_null(staff.tag))
	                  : json_false(),
	    "staff_refusal", staff.allowed ? json_null() : json_string(staff.reason));
}

static json_t *sla_json(const struct conversation_env *env, const struct conversation_row *r)
{
	const char *dept = r->department[0] ? r->department : NULL;
	long long first, resolve;
	staffing_targets(env->staffing, dept, &first, &resolve);
	long long first_due = conversation_first_response_due(env, dept, r->handed_over_at);
	json_t *breached = json_array();
	if (r->sla_breached & CONVERSATION_BREACH_FIRST)
		json_array_append_new(breached, json_string("first_response"));
	if (r->sla_breached & CONVERSATION_BREACH_RESOLVE)
		json_array_append_new(breached, json_string("resolution"));
	return json_pack(
	    "{s:o, s:o, s:o}", "first_response_due", time_or_null(first_due), "resolution_due",
	    time_or_null(resolve && r->handed_over_at ? r->handed_over_at + resolve : 0),
	    "breached", breached);
}

static json_t *row_json(const struct conversation_env *env, const struct conversation_row *r,
                        long long now)
{
	json_t *o = json_pack(
	    "{s:I, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	    (json_int_t)r->id, "page_id", r->page_id, "psid", r->psid, "mode",
	    conversation_mode_name(r->mode), "department", str_or_null(r->department), "urgent",
	    r->urgent, "reason", str_or_null(r->reason), "intent", str_or_null(r->intent),
	    "assignee", str_or_null(r->assignee), "assignee_name", str_or_null(r->assignee_name),
	    "created_at", time_or_null(r->created_at), "updated_at", time_or_null(r->updated_at),
	    "handed_over_at", time_or_null(r->handed_over_at), "first_response_at",
	    time_or_null(r->first_response_at), "closed_at", time_or_null(r->closed_at));
	if (!o)
		return NULL;
	json_object_set_new(o, "waiting_seconds",
	                    r->handed_over_at > 0 && (r->mode == CONVERSATION_WAITING_FOR_STAFF)
	                        ? json_integer((now - r->handed_over_at) / 1000)
	                        : json_null());
	json_object_set_new(o, "thread_owner_app_id", str_or_null(r->thread_owner_app_id));
	json_object_set_new(o, "sla", sla_json(env, r));
	json_object_set_new(o, "window", window_json(r->last_inbound_at, now));
	return o;
}

/* ---- the queue ------------------------------------------------------------ */

static json_t *last_citizen_text(sqlite3 *db, long long id)
{
	sqlite3_stmt *st;
	json_t *v = json_null();
	if (sqlite3_prepare_v2(db,
	                       "SELECT text FROM messages WHERE conversation_id = ?1"
	                       " AND direction = 'in' AND text IS NOT NULL"
	                       " ORDER BY ts_ms DESC, id DESC LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return v;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_decref(v);
		v = col_text(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

int conversation_visible(const char *department, const char *assignee, const char *visible_dept,
                         const char *visible_user)
{
	if (!visible_dept && !visible_user)
		return 1;
	return (visible_dept && department && !strcmp(department, visible_dept)) ||
	       (visible_user && assignee && *assignee && !strcmp(assignee, visible_user));
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

json_t *conversation_list_json(sqlite3 *db, const struct conversation_env *env,
                               const struct conversation_filter *f, long long now_ms)
{
	static const char sql[] =
	    "SELECT id FROM conversations v"
	    " WHERE instr(?1, ',' || mode || ',') > 0"
	    " AND (?2 IS NULL OR department = ?2) AND (?3 IS NULL OR assignee = ?3)"
	    " AND (?4 < 0 OR urgent = ?4)"
	    " AND ((?7 IS NULL AND ?8 IS NULL) OR department = ?7 OR assignee = ?8)"
	    " AND (?9 IS NULL OR EXISTS (SELECT 1 FROM cases c WHERE c.reference = ?9"
	    "  AND ((c.page_id = v.page_id AND c.psid = v.psid) OR EXISTS (SELECT 1"
	    "  FROM case_followers cf WHERE cf.case_id = c.id AND cf.page_id = v.page_id"
	    "  AND cf.psid = v.psid))))"
	    " AND (?10 IS NULL OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = v.id"
	    "  AND m.direction = 'in' AND m.text LIKE ?10 ESCAPE '\\'))"
	    " ORDER BY urgent DESC, COALESCE(handed_over_at, updated_at), id LIMIT ?5 OFFSET ?6";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, f->modes, -1, SQLITE_STATIC);
	bind_opt(st, 2, f->department);
	bind_opt(st, 3, f->assignee);
	sqlite3_bind_int(st, 4, f->urgent);
	sqlite3_bind_int(st, 5, f->limit);
	sqlite3_bind_int(st, 6, f->offset);
	bind_opt(st, 7, f->visible_department);
	bind_opt(st, 8, f->visible_user);
	bind_opt(st, 9, f->case_reference);
	bind_opt(st, 10, f->text_like);
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct conversation_row row;
		if (conversation_get(db, sqlite3_column_int64(st, 0), &row) != 1) {
			rc = SQLITE_ERROR;
			break;
		}
		json_t *o = row_json(env, &row, now_ms);
		if (o)
			json_object_set_new(o, "last_message", last_citizen_text(db, row.id));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return json_pack("{s:i, s:o}", "count", (int)json_array_size(arr), "conversations", arr);
}

/* ---- one conversation ---------------------------------------------------- */

/* who: citizen, bot, staff, page_inbox (another app), page (unknown app) */
static json_t *transcript(sqlite3 *db, const struct conversation_env *env, long long id)
{
	static const char sql[] =
	    "SELECT 'citizen', kind, text, payload, attachments, ts_ms, NULL, NULL, id"
	    "  FROM messages WHERE conversation_id = ?1 AND direction = 'in'"
	    " UNION ALL"
	    " SELECT CASE WHEN ?2 <> '' AND app_id = ?2 THEN 'bot'"
	    "  WHEN app_id = '" PAGE_INBOX_APP_ID "' THEN 'page_inbox' ELSE 'page' END,"
	    "  'text', text, NULL, attachments, ts_ms, app_id, NULL, id"
	    "  FROM messages m WHERE conversation_id = ?1 AND direction = 'out'"
	    "  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.conversation_id = ?1"
	    "   AND o.meta_message_id = m.mid)"
	    " UNION ALL"
	    " SELECT origin, 'text', json_extract(body, '$.message.text'), NULL, NULL, created_at,"
	    "  author, status, id FROM outbox WHERE conversation_id = ?1 AND kind = 'message'"
	    " ORDER BY 6, 9 LIMIT " /* at, then row id */
	    "500";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, env->app_id ? env->app_id : "", -1, SQLITE_STATIC);
	json_t *arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(st, 0);
		json_t *m =
		    json_pack("{s:s, s:o, s:o, s:o, s:o}", "from", who ? who : "page", "kind",
		              col_text(st, 1), "text", col_text(st, 2), "payload", col_text(st, 3),
		              "at", time_or_null(sqlite3_column_int64(st, 5)));
		if (!m)
			continue;
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) /* JSON array of attachments */
			json_object_set_new(
			    m, "attachments",
			    json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL));
		if (who && (!strcmp(who, "staff") || !strcmp(who, "bot")) &&
		    sqlite3_column_type(st, 7) != SQLITE_NULL) {
			json_object_set_new(m, "author", col_text(st, 6));
			json_object_set_new(m, "status", col_text(st, 7));
		}
		json_array_append_new(arr, m);
	}
	sqlite3_finalize(st);
	return arr;
}

static json_t *rows_json(sqlite3 *db, const char *sql, long long id, const char *const *names,
                         int ncols, int time_col)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	json_t *arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; i < ncols; i++)
			json_object_set_new(o, names[i],
			                    i == time_col
			                        ? time_or_null(sqlite3_column_int64(st, i))
			                    : sqlite3_column_type(st, i) == SQLITE_INTEGER
			                        ? json_integer(sqlite3_column_int64(st, i))
			                        : col_text(st, i));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(st);
	return arr;
}

json_t *conversation_detail_json(sqlite3 *db, const struct conversation_env *env, long long id,
                                 long long now_ms, int *found)
{
	static const char *const tr_names[] = {"at",     "from",       "to",  "actor",
	                                       "reason", "department", "note"};
	static const char *const note_names[] = {"at", "id", "author", "text"};
	static const char *const case_names[] = {"created_at", "reference",  "category",
	                                         "status",     "department", "street"};
	struct conversation_row row;
	*found = conversation_get(db, id, &row);
	if (*found != 1)
		return NULL;
	json_t *o = row_json(env, &row, now_ms);
	if (!o)
		return NULL;
	json_object_set_new(o, "messages", transcript(db, env, id));
	json_object_set_new(
	    o, "transitions",
	    rows_json(db,
	              "SELECT at, from_mode, to_mode, actor, reason, department, note"
	              " FROM conversation_transitions WHERE conversation_id = ?1 ORDER BY id",
	              id, tr_names, 7, 0));
	json_object_set_new(o, "notes",
	                    rows_json(db,
	                              "SELECT at, id, author, text FROM conversation_notes"
	                              " WHERE conversation_id = ?1 ORDER BY id",
	                              id, note_names, 4, 0));
	json_object_set_new(
	    o, "cases",
	    rows_json(
	        db,
	        "SELECT c.created_at, c.reference, c.category, c.status, c.department, c.street"
	        " FROM cases c, conversations v WHERE v.id = ?1 AND c.page_id = v.page_id"
	        " AND c.psid = v.psid"
	        " UNION SELECT c.created_at, c.reference, c.category, c.status, c.department,"
	        " c.street FROM cases c, case_followers f, conversations v"
	        " WHERE v.id = ?1 AND f.case_id = c.id AND f.page_id = v.page_id"
	        " AND f.psid = v.psid ORDER BY 1 DESC LIMIT 50",
	        id, case_names, 6, 0));
	return o;
}

json_t *conversation_action_json(long long id, const struct staff_result *r)
{
	return json_pack("{s:I, s:s, s:s, s:i, s:o, s:o}", "id", (json_int_t)id, "from",
	                 conversation_mode_name(r->from), "mode", conversation_mode_name(r->to),
	                 "queued", r->queued, "messaging_type", str_or_null(r->messaging_type),
	                 "tag", str_or_null(r->tag));
}
