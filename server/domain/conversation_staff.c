/*
 * conversation_staff.c - staff actions on a conversation and what the
 * citizen is told (see conversation_staff.h).
 *
 * Every action: read the conversation, check the input, move the state
 * machine (conversation_transition), queue the message(s) through the
 * outbox. The texts the citizen sees are in `say` below: the disclosure
 * that a named person is now writing, and that the automated assistant is
 * back, as Meta's policy asks and politeness does.
 */
#include "conversation_staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/live_settings.h"
#include "core/text.h"
#include "municipality.h"
#include "outbox/outbox.h"
#include "staffing.h"

#define SWEEP_MAX 1000 /* conversations looked at per sweep */

enum say { SAY_TAKEN, SAY_BOT_BACK, SAY_BOT_BACK_IDLE, SAY_TRANSFER, SAY_COUNT };

static const char *const say[SAY_COUNT] = {
    [SAY_TAKEN] = "Du skriver nu med %s fra %s.",
    [SAY_BOT_BACK] = "Du skriver igen med Borgerbot, kommunens automatiske assistent. Skriv "
                     "bare, hvis der er mere, jeg kan hjælpe med.",
    [SAY_BOT_BACK_IDLE] = "Du skriver igen med Borgerbot, kommunens automatiske assistent, fordi "
                          "der har været stille i samtalen et stykke tid. Har du stadig brug "
                          "for en medarbejder, så skriv det, så giver jeg besked igen.",
    [SAY_TRANSFER] = "Jeg har sendt din besked videre til %s, som svarer dig her i chatten.",
};

static int load(sqlite3 *db, long long id, struct conversation_row *row, char *err, size_t errlen)
{
	int found = conversation_get(db, id, row);
	if (found < 0) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return CONVERSATION_ERROR;
	}
	if (!found) {
		snprintf(err, errlen, "no conversation %lld", id);
		return CONVERSATION_NOT_FOUND;
	}
	return CONVERSATION_OK;
}

/* Another app owns the Messenger thread: take control before sending. */
static int must_take_thread(const struct conversation_env *env, const struct conversation_row *row)
{
	const char *mine = env->app_id ? env->app_id : "";
	return row->thread_owner_app_id[0] && strcmp(row->thread_owner_app_id, mine) != 0;
}

/* Queues text to the citizen; CONVERSATION_REFUSED with res->refused when
 * Meta's rules allow nothing now. */
static int send_text(sqlite3 *db, const struct conversation_env *env,
                     const struct conversation_row *row, enum policy_origin origin,
                     const char *author, const char *text, long long now_ms,
                     struct staff_result *res, char *err, size_t errlen)
{
	int take = must_take_thread(env, row);
	struct outbox_reply r = {
	    .page_id = row->page_id,
	    .psid = row->psid,
	    .origin = origin,
	    .text = text,
	    .author = author,
	    .now_ms = now_ms,
	    .take_thread_first = take,
	};
	struct outbox_result out;
	enum outbox_status st = outbox_enqueue(db, &r, &out, err, errlen);
	if (st == OUTBOX_ERROR)
		return CONVERSATION_ERROR;
	if (st == OUTBOX_REFUSED) {
		res->refused = out.reason;
		snprintf(err, errlen, "Meta's rules allow no message now: %s", out.reason);
		return CONVERSATION_REFUSED;
	}
	res->queued += out.rows;
	res->messaging_type = out.messaging_type;
	res->tag = out.tag;
	if (!res->first_outbox_id)
		res->first_outbox_id = out.first_id;
	if (take && conversation_set_thread_owner(
	                db, row->id, env->app_id && *env->app_id ? env->app_id : NULL) < 0)
		return CONVERSATION_ERROR;
	return CONVERSATION_OK;
}

/* A message the action does not depend on: refused is fine (recorded). */
static int tell(sqlite3 *db, const struct conversation_env *env, const struct conversation_row *row,
                enum policy_origin origin, const char *text, long long now_ms,
                struct staff_result *res, char *err, size_t errlen)
{
	int rc = send_text(db, env, row, origin, NULL, text, now_ms, res, err, errlen);
	return rc == CONVERSATION_REFUSED ? CONVERSATION_OK : rc;
}

static int move(sqlite3 *db, long long id, const struct conversation_change *ch,
                struct staff_result *res, char *err, size_t errlen)
{
	int rc = conversation_transition(db, id, ch, &res->from, err, errlen);
	if (rc == CONVERSATION_OK)
		res->to = ch->to;
	return rc;
}

static int check_text(const char *text, const char *what, char *err, size_t errlen)
{
	size_t n = text ? strlen(text) : 0;
	size_t blank = 0;
	while (blank < n && (text[blank] == ' ' || text[blank] == '\n' || text[blank] == '\t' ||
	                     text[blank] == '\r'))
		blank++;
	if (blank == n) {
		snprintf(err, errlen, "%s is empty", what);
		return CONVERSATION_INVALID;
	}
	if (n > CONVERSATION_TEXT_MAX || !text_utf8_valid(text, n)) {
		snprintf(err, errlen, "%s must be UTF-8 text of at most %d bytes", what,
		         CONVERSATION_TEXT_MAX);
		return CONVERSATION_INVALID;
	}
	return CONVERSATION_OK;
}

/* ---- actions ------------------------------------------------------------------ */

static int take_row(sqlite3 *db, const struct conversation_env *env, struct conversation_row *row,
                    const struct staff_action *a, struct staff_result *res, char *err,
                    size_t errlen)
{
	res->from = res->to = row->mode;
	if (row->mode == CONVERSATION_STAFF && !strcmp(row->assignee, a->actor))
		return CONVERSATION_OK; /* already this person's: no second disclosure */
	struct conversation_change ch = {.to = CONVERSATION_STAFF,
	                                 .reason = REASON_STAFF_TOOK,
	                                 .actor = a->actor,
	                                 .actor_name = a->actor_name,
	                                 .note = a->note,
	                                 .now_ms = a->now_ms};
	int rc = move(db, row->id, &ch, res, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	const char *dept = a->actor_department && *a->actor_department ? a->actor_department
	                   : row->department[0]                        ? row->department
	                                                               : "kommunen";
	char text[300];
	snprintf(text, sizeof(text), say[SAY_TAKEN],
	         a->actor_name && *a->actor_name ? a->actor_name : "en medarbejder", dept);
	return tell(db, env, row, POLICY_STAFF, text, a->now_ms, res, err, errlen);
}

int conversation_staff_take(sqlite3 *db, const struct conversation_env *env, long long id,
                            const struct staff_action *a, struct staff_result *res, char *err,
                            size_t errlen)
{
	*res = (struct staff_result){0};
	struct conversation_row row;
	int rc = load(db, id, &row, err, errlen);
	return rc == CONVERSATION_OK ? take_row(db, env, &row, a, res, err, errlen) : rc;
}

int conversation_staff_reply(sqlite3 *db, const struct conversation_env *env, long long id,
                             const struct staff_action *a, struct staff_result *res, char *err,
                             size_t errlen)
{
	*res = (struct staff_result){0};
	int rc = check_text(a->text, "the reply", err, errlen);
	struct conversation_row row;
	if (rc == CONVERSATION_OK)
		rc = load(db, id, &row, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	if (row.mode == CONVERSATION_CLOSED) {
		snprintf(err, errlen, "the conversation is closed");
		return CONVERSATION_WRONG_MODE;
	}
	/* a new writer (from the queue, the Page Inbox or a colleague) takes it
	 * first, so the citizen is told who writes now */
	if (row.mode != CONVERSATION_STAFF || strcmp(row.assignee, a->actor) != 0) {
		rc = take_row(db, env, &row, a, res, err, errlen);
		if (rc != CONVERSATION_OK)
			return rc;
		if (must_take_thread(env, &row)) /* the disclosure took it already */
			snprintf(row.thread_owner_app_id, sizeof(row.thread_owner_app_id), "%s",
			         env->app_id ? env->app_id : "");
	} else {
		res->from = res->to = row.mode;
	}
	rc = send_text(db, env, &row, POLICY_STAFF, a->actor, a->text, a->now_ms, res, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	return conversation_staff_activity(db, id, 1, a->now_ms) < 0 ? CONVERSATION_ERROR
	                                                             : CONVERSATION_OK;
}

int conversation_staff_hand_back(sqlite3 *db, const struct conversation_env *env, long long id,
                                 const struct staff_action *a, struct staff_result *res, char *err,
                                 size_t errlen)
{
	*res = (struct staff_result){0};
	struct conversation_row row;
	int rc = load(db, id, &row, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	struct conversation_change ch = {.to = CONVERSATION_BOT,
	                                 .reason = REASON_HANDED_BACK,
	                                 .actor = a->actor,
	                                 .note = a->note,
	                                 .now_ms = a->now_ms};
	rc = move(db, id, &ch, res, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	return tell(db, env, &row, POLICY_BOT, say[SAY_BOT_BACK], a->now_ms, res, err, errlen);
}

int conversation_staff_close(sqlite3 *db, const struct conversation_env *env, long long id,
                             const struct staff_action *a, struct staff_result *res, char *err,
                             size_t errlen)
{
	(void)env;
	*res = (struct staff_result){0};
	struct conversation_change ch = {.to = CONVERSATION_CLOSED,
	                                 .reason = REASON_CLOSED,
	                                 .actor = a->actor,
	                                 .note = a->note,
	                                 .now_ms = a->now_ms};
	return move(db, id, &ch, res, err, errlen);
}

const struct municipality_data *conversation_env_hold(const struct conversation_env *shared,
                                                      struct conversation_env *mine)
{
	*mine = *shared;
	if (!shared->data)
		return NULL;
	const struct municipality_data *d = municipality_hold(shared->data);
	mine->staffing = d->staffing;
	return d;
}

void conversation_env_release(const struct conversation_env *shared,
                              const struct municipality_data *held)
{
	if (held)
		municipality_release(shared->data, held);
}

int conversation_staff_transfer(sqlite3 *db, const struct conversation_env *env, long long id,
                                const struct staff_action *a, struct staff_result *res, char *err,
                                size_t errlen)
{
	*res = (struct staff_result){0};
	const char *dept = a->department;
	if (!dept || !*dept || strlen(dept) > 63 || !text_utf8_valid(dept, strlen(dept)) ||
	    (env->staffing && !staffing_has_department(env->staffing, dept))) {
		snprintf(err, errlen, "unknown department");
		return CONVERSATION_INVALID;
	}
	struct conversation_row row;
	int rc = load(db, id, &row, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	if (!strcmp(row.department, dept) && row.mode == CONVERSATION_WAITING_FOR_STAFF) {
		res->from = res->to = row.mode;
		return CONVERSATION_OK; /* already in that queue */
	}
	struct conversation_change ch = {.to = CONVERSATION_WAITING_FOR_STAFF,
	                                 .reason = REASON_TRANSFER,
	                                 .actor = a->actor,
	                                 .department = dept,
	                                 .note = a->note,
	                                 .now_ms = a->now_ms};
	rc = move(db, id, &ch, res, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	char text[300];
	snprintf(text, sizeof(text), say[SAY_TRANSFER], dept);
	return tell(db, env, &row, POLICY_STAFF, text, a->now_ms, res, err, errlen);
}

int conversation_staff_note(sqlite3 *db, const struct conversation_env *env, long long id,
                            const struct staff_action *a, struct staff_result *res, char *err,
                            size_t errlen)
{
	(void)env;
	*res = (struct staff_result){0};
	int rc = check_text(a->text, "the note", err, errlen);
	struct conversation_row row;
	if (rc == CONVERSATION_OK)
		rc = load(db, id, &row, err, errlen);
	if (rc != CONVERSATION_OK)
		return rc;
	res->from = res->to = row.mode;
	res->note_id = conversation_note_add(db, id, a->actor, a->text, a->now_ms);
	if (res->note_id < 0) {
		snprintf(err, errlen, "conversation: %s", sqlite3_errmsg(db));
		return CONVERSATION_ERROR;
	}
	return CONVERSATION_OK;
}

int conversation_staff_tell_bot_back(sqlite3 *db, const struct conversation_env *env, long long id,
                                     long long cause_event_id, int idle, long long now_ms,
                                     char *err, size_t errlen)
{
	(void)cause_event_id;
	struct conversation_row row;
	struct staff_result res = {0};
	int rc = load(db, id, &row, err, errlen);
	if (rc == CONVERSATION_OK)
		rc = tell(db, env, &row, POLICY_BOT, say[idle ? SAY_BOT_BACK_IDLE : SAY_BOT_BACK],
		          now_ms, &res, err, errlen);
	return rc == CONVERSATION_OK ? res.queued : -1;
}

/* ---- the sweep ------------------------------------------------------------------ */

long long conversation_first_response_due(const struct conversation_env *env,
                                          const char *department, long long handed_over_at)
{
	long long first, resolve;
	staffing_targets(env->staffing, department, &first, &resolve);
	if (!first || handed_over_at <= 0)
		return 0;
	long long open = staffing_next_open(env->staffing, department, handed_over_at);
	return open < 0 ? 0 : open + first;
}

struct sweep_row {
	long long id;
	enum conversation_mode mode;
	char department[64];
	long long handed_over_at, first_response_at, staff_last_at;
	int breached;
};

static int sweep_load(sqlite3 *db, struct sweep_row *rows, int max)
{
	static const char sql[] =
	    "SELECT id, mode, department, handed_over_at, first_response_at, staff_last_at,"
	    " sla_breached FROM conversations INDEXED BY conversations_queue"
	    " WHERE mode IN ('waiting_for_staff', 'staff') LIMIT ?1";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, max);
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		struct sweep_row *r = &rows[n++];
		r->id = sqlite3_column_int64(st, 0);
		if (conversation_mode_parse((const char *)sqlite3_column_text(st, 1), &r->mode) < 0)
			r->mode = CONVERSATION_CLOSED;
		const unsigned char *d = sqlite3_column_text(st, 2);
		snprintf(r->department, sizeof(r->department), "%s", d ? (const char *)d : "");
		r->handed_over_at = sqlite3_column_int64(st, 3);
		r->first_response_at = sqlite3_column_int64(st, 4);
		r->staff_last_at = sqlite3_column_int64(st, 5);
		r->breached = sqlite3_column_int(st, 6);
	}
	sqlite3_finalize(st);
	return n;
}

/* staff_idle_return_minutes as in force now (admins change it in the
 * console), in milliseconds. */
static long long idle_return_ms(const struct conversation_env *env)
{
	if (!env->live)
		return env->idle_return_ms;
	return live_settings_or(env->live, LIVE_STAFF_IDLE_RETURN_MINUTES, 0) * 60 * 1000;
}

static int sweep_one(sqlite3 *db, const struct conversation_env *env, const struct sweep_row *r,
                     long long now, struct sweep_result *out, char *err, size_t errlen)
{
	const char *dept = r->department[0] ? r->department : NULL;
	long long first_due = conversation_first_response_due(env, dept, r->handed_over_at);
	long long first, resolve;
	staffing_targets(env->staffing, dept, &first, &resolve);
	long long answered = r->first_response_at ? r->first_response_at : now;
	if (first_due && answered > first_due && !(r->breached & CONVERSATION_BREACH_FIRST)) {
		int n = conversation_mark_breach(db, r->id, CONVERSATION_BREACH_FIRST);
		if (n < 0)
			return -1;
		out->first_response_breaches += n > 0;
	}
	if (resolve && r->handed_over_at && now > r->handed_over_at + resolve &&
	    !(r->breached & CONVERSATION_BREACH_RESOLVE)) {
		int n = conversation_mark_breach(db, r->id, CONVERSATION_BREACH_RESOLVE);
		if (n < 0)
			return -1;
		out->resolution_breaches += n > 0;
	}
	long long idle_ms = idle_return_ms(env);
	if (r->mode != CONVERSATION_STAFF || idle_ms <= 0 || !r->staff_last_at ||
	    now - r->staff_last_at < idle_ms)
		return 0;
	struct conversation_change ch = {.to = CONVERSATION_BOT,
	                                 .reason = REASON_IDLE_TIMEOUT,
	                                 .actor = "system",
	                                 .now_ms = now};
	int rc = conversation_transition(db, r->id, &ch, NULL, err, errlen);
	if (rc == CONVERSATION_ERROR)
		return -1;
	if (rc != CONVERSATION_OK)
		return 0;
	out->idle_returned++;
	int q = conversation_staff_tell_bot_back(db, env, r->id, 0, 1, now, err, errlen);
	if (q < 0)
		return -1;
	out->queued += q;
	return 0;
}

int conversation_staff_sweep(sqlite3 *db, const struct conversation_env *env, long long now_ms,
                             struct sweep_result *out, char *err, size_t errlen)
{
	*out = (struct sweep_result){0};
	struct sweep_row *rows = calloc(SWEEP_MAX, sizeof(*rows));
	if (!rows) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int n = sweep_load(db, rows, SWEEP_MAX);
	if (n < 0)
		snprintf(err, errlen, "conversation sweep: %s", sqlite3_errmsg(db));
	int rc = n < 0 ? -1 : 0;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = sweep_one(db, env, &rows[i], now_ms, out, err, errlen);
	free(rows);
	return rc;
}
