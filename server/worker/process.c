/*
 * process.c - turns stored events into pages, citizens, conversations,
 * messages and feed comments (see process.h).
 *
 * Flow per event: parse the stored JSON item -> upsert the page, the citizen
 * and the conversation (keeping the citizen's last inbound time, which opens
 * Meta's 24-hour window) -> record what the kind means: an inbound message,
 * an echo of the page's own message, a delivery or read watermark, an edit,
 * a thread-control change or a feed comment. Kinds with no record of their
 * own (optins, policy notices, unknown kinds) only touch page and citizen.
 * Then, for a new inbound message or postback on the "messaging" channel:
 * case notices waiting for this citizen go out (their window is open), and
 * in a conversation in mode 'bot' the bot's answer goes into the outbox
 * (answer() -> dialog_answer() -> outbox_enqueue()), inside the same savepoint.
 * An echo or receipt of a citizen whose data was deleted in the last 48
 * hours is dropped instead (drop_if_erased, domain/privacy.h), so Meta's
 * trailing events re-create nothing.
 * All SQL is prepared once per processor. Every timestamp written is the
 * caller's now_ms.
 */
#include "process.h"
#include "dialog_sensitive.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/case_notify.h"
#include "domain/conversation.h"
#include "domain/outcome.h"
#include "domain/staffing.h"
#include "domain/conversation_staff.h"
#include "domain/municipality.h"
#include "domain/privacy.h"

enum stmt_id {
	S_PAGE,
	S_CITIZEN,
	S_MESSAGE,
	S_DELIVERED_MID,
	S_DELIVERED_WM,
	S_READ_WM,
	S_EDIT,
	S_COMMENT,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
    [S_PAGE] = "INSERT INTO pages (id, first_seen_at, last_event_at) VALUES (?1, ?2, ?2)"
               " ON CONFLICT (id) DO UPDATE SET last_event_at = excluded.last_event_at",
    [S_CITIZEN] = "INSERT INTO citizens (page_id, psid, first_seen_at, last_seen_at,"
                  " last_inbound_at) VALUES (?1, ?2, ?3, ?3, ?4)"
                  " ON CONFLICT (page_id, psid) DO UPDATE SET"
                  " last_seen_at = MAX(last_seen_at, excluded.last_seen_at),"
                  " last_inbound_at = COALESCE(MAX(last_inbound_at, excluded.last_inbound_at),"
                  " last_inbound_at, excluded.last_inbound_at)",
    [S_MESSAGE] = "INSERT INTO messages (conversation_id, event_id, mid, direction, kind, text,"
                  " payload, attachments, reply_to_mid, app_id, ts_ms)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                  " ON CONFLICT (mid) DO NOTHING",
    [S_DELIVERED_MID] = "UPDATE messages SET delivered_at = COALESCE(delivered_at, ?2)"
                        " WHERE mid = ?1",
    [S_DELIVERED_WM] = "UPDATE messages SET delivered_at = COALESCE(delivered_at, ?3)"
                       " WHERE conversation_id = ?1 AND direction = 'out' AND ts_ms <= ?2"
                       " AND delivered_at IS NULL",
    [S_READ_WM] = "UPDATE messages SET read_at = COALESCE(read_at, ?3),"
                  " delivered_at = COALESCE(delivered_at, ?3)"
                  " WHERE conversation_id = ?1 AND direction = 'out' AND ts_ms <= ?2"
                  " AND read_at IS NULL",
    [S_EDIT] = "UPDATE messages SET text = ?2, edit_count = edit_count + 1 WHERE mid = ?1",
    [S_COMMENT] = "INSERT INTO feed_comments (page_id, comment_id, post_id, from_id, verb,"
                  " message, created_ms, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

struct processor {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	sqlite3_stmt *open_st[CONVERSATION_OPEN_STMTS]; /* conversation_open()'s, kept */
	struct processor_options opt;
	int queued; /* outbox rows since processor_take_queued() */
};

/* The state of one event while it is applied. */
struct job {
	struct processor *p;
	const struct dialog_knowledge *k;   /* what the bot knows for this event */
	const struct conversation_env *env; /* the staff side's settings, or NULL */
	const struct stored_event *ev;
	long long now_ms;
	json_t *item;
	long long conversation_id;
	enum conversation_mode mode; /* the conversation's mode before this event */
	int recorded;                /* a new messages row was written (not a redelivered mid) */
	int returned;                /* thread control came back: tell the citizen */
	char *err;
	size_t errlen;
};

struct processor *processor_new(sqlite3 *db, const struct processor_options *opt, char *err,
                                size_t errlen)
{
	struct processor *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->db = db;
	if (opt)
		p->opt = *opt;
	if (p->opt.answer && (!p->opt.knowledge || (!p->opt.knowledge->intents && !p->opt.data))) {
		snprintf(err, errlen, "processor: the bot cannot answer without an intent engine");
		free(p);
		return NULL;
	}
	for (int i = 0; i < S_COUNT; i++) {
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &p->st[i],
		                       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "processor: %s", sqlite3_errmsg(db));
			processor_free(p);
			return NULL;
		}
	}
	return p;
}

void processor_free(struct processor *p)
{
	if (!p)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(p->st[i]);
	for (int i = 0; i < CONVERSATION_OPEN_STMTS; i++)
		sqlite3_finalize(p->open_st[i]);
	free(p);
}

static sqlite3_stmt *stmt(struct job *j, enum stmt_id id)
{
	sqlite3_stmt *st = j->p->st[id];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int run(struct job *j, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	snprintf(j->err, j->errlen, "database: %s", sqlite3_errmsg(j->p->db));
	return -1;
}

static void bind_text_or_null(sqlite3_stmt *st, int idx, json_t *v)
{
	if (json_is_string(v))
		sqlite3_bind_text(st, idx, json_string_value(v), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, idx);
}

static void bind_json_or_null(sqlite3_stmt *st, int idx, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (s)
		sqlite3_bind_text(st, idx, s, -1, free);
	else
		sqlite3_bind_null(st, idx);
}

static long long json_ms(json_t *v)
{
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* Kinds by which the citizen acts, opening Meta's 24-hour window. */
static int is_inbound_action(const char *kind)
{
	return !strcmp(kind, "message") || !strcmp(kind, "postback") || !strcmp(kind, "reaction") ||
	       !strcmp(kind, "referral");
}

static int upsert_parties(struct job *j)
{
	const struct stored_event *ev = j->ev;
	long long now = j->now_ms;
	int inbound = is_inbound_action(ev->kind);
	int outbound = !strcmp(ev->kind, "echo");

	sqlite3_stmt *st = stmt(j, S_PAGE);
	sqlite3_bind_text(st, 1, ev->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	if (run(j, st) < 0)
		return -1;

	st = stmt(j, S_CITIZEN);
	sqlite3_bind_text(st, 1, ev->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->citizen_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (inbound)
		sqlite3_bind_int64(st, 4, ev->ts_ms);
	if (run(j, st) < 0)
		return -1;

	/* the citizen writing after 'closed' opens a new conversation */
	j->conversation_id = conversation_open(j->p->db, ev->page_id, ev->citizen_id, inbound, now,
	                                       inbound ? ev->ts_ms : 0, outbound ? ev->ts_ms : 0,
	                                       &j->mode, j->p->open_st, j->err, j->errlen);
	return j->conversation_id > 0 ? 0 : -1;
}

static const char *message_kind(json_t *msg)
{
	if (json_object_get(msg, "quick_reply"))
		return "quick_reply";
	if (json_array_size(json_object_get(msg, "attachments")) > 0)
		return "attachment";
	return "text";
}

/* An app id member as text (Meta sends numbers, some fakes strings). */
static const char *app_id_text(json_t *v, char *buf, size_t size)
{
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_string(v) && json_string_length(v) < size) {
		snprintf(buf, size, "%s", json_string_value(v));
		return buf;
	}
	return NULL;
}

/* message, echo, postback, reaction, referral, optin: one messages row each. */
static int record_message(struct job *j, const char *key, int outbound)
{
	json_t *obj = json_object_get(j->item, key);
	if (!json_is_object(obj)) {
		snprintf(j->err, j->errlen, "%s event without a %s object", j->ev->kind, key);
		return -1;
	}
	const char *kind = j->ev->kind;
	json_t *text = json_object_get(obj, "text");
	json_t *payload = NULL;
	json_t *mid = json_object_get(obj, "mid");
	json_t *reply_to = json_object_get(json_object_get(obj, "reply_to"), "mid");
	if (!strcmp(key, "message")) {
		kind = outbound ? "echo" : message_kind(obj);
		payload = json_object_get(json_object_get(obj, "quick_reply"), "payload");
	} else if (!strcmp(key, "postback")) {
		text = json_object_get(obj, "title");
		payload = json_object_get(obj, "payload");
	} else if (!strcmp(key, "reaction")) {
		text = json_object_get(obj, "emoji");
		payload = json_object_get(obj, "action");
		reply_to = mid; /* the message reacted to */
		mid = NULL;
	} else {
		payload = obj; /* referral and optin: keep the whole object */
		mid = NULL;
		text = NULL;
	}
	sqlite3_stmt *st = stmt(j, S_MESSAGE);
	sqlite3_bind_int64(st, 1, j->conversation_id);
	sqlite3_bind_int64(st, 2, j->ev->id);
	bind_text_or_null(st, 3, mid);
	sqlite3_bind_text(st, 4, outbound ? "out" : "in", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, kind, -1, SQLITE_TRANSIENT);
	char *masked = NULL; /* a citizen's CPR number is never kept (dialog_sensitive.h) */
	if (!outbound && json_is_string(text)) {
		size_t n = strlen(json_string_value(text)) * 2 + 64;
		if ((masked = malloc(n)) && dialog_mask_cpr(json_string_value(text), masked, n) > 0)
			sqlite3_bind_text(st, 6, masked, -1, SQLITE_TRANSIENT);
		else
			bind_text_or_null(st, 6, text);
		free(masked);
	} else {
		bind_text_or_null(st, 6, text);
	}
	if (json_is_string(payload) || payload == NULL)
		bind_text_or_null(st, 7, payload);
	else
		bind_json_or_null(st, 7, payload);
	bind_json_or_null(st, 8, json_object_get(obj, "attachments"));
	bind_text_or_null(st, 9, reply_to);
	char app[32];
	const char *app_id = app_id_text(json_object_get(obj, "app_id"), app, sizeof(app));
	if (app_id)
		sqlite3_bind_text(st, 10, app_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 11, j->ev->ts_ms);
	if (run(j, st) < 0)
		return -1;
	j->recorded = sqlite3_changes(j->p->db) > 0;
	return 0;
}

static int record_delivery(struct job *j)
{
	json_t *d = json_object_get(j->item, "delivery");
	long long now = j->now_ms;
	size_t i;
	json_t *mid;
	json_array_foreach(json_object_get(d, "mids"), i, mid)
	{
		if (!json_is_string(mid))
			continue;
		sqlite3_stmt *st = stmt(j, S_DELIVERED_MID);
		sqlite3_bind_text(st, 1, json_string_value(mid), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, now);
		if (run(j, st) < 0)
			return -1;
	}
	long long wm = json_ms(json_object_get(d, "watermark"));
	if (wm <= 0)
		return 0;
	sqlite3_stmt *st = stmt(j, S_DELIVERED_WM);
	sqlite3_bind_int64(st, 1, j->conversation_id);
	sqlite3_bind_int64(st, 2, wm);
	sqlite3_bind_int64(st, 3, now);
	return run(j, st);
}

static int record_read(struct job *j)
{
	long long wm = json_ms(json_object_get(json_object_get(j->item, "read"), "watermark"));
	if (wm <= 0)
		return 0;
	sqlite3_stmt *st = stmt(j, S_READ_WM);
	sqlite3_bind_int64(st, 1, j->conversation_id);
	sqlite3_bind_int64(st, 2, wm);
	sqlite3_bind_int64(st, 3, j->now_ms);
	return run(j, st);
}

static int record_edit(struct job *j)
{
	json_t *e = json_object_get(j->item, "message_edit");
	json_t *mid = json_object_get(e, "mid");
	if (!json_is_string(mid))
		return 0; /* nothing we can match it to */
	sqlite3_stmt *st = stmt(j, S_EDIT);
	sqlite3_bind_text(st, 1, json_string_value(mid), -1, SQLITE_TRANSIENT);
	bind_text_or_null(st, 2, json_object_get(e, "text"));
	return run(j, st);
}

/* "Page Inbox" for Meta's inbox app, else "app ID". */
static void other_app_name(const char *app_id, char *buf, size_t size)
{
	if (!strcmp(app_id, PAGE_INBOX_APP_ID))
		snprintf(buf, size, "Page Inbox");
	else
		snprintf(buf, size, "app %s", app_id);
}

/* Moves the conversation to to (staff: someone else answers; bot: control
 * came back), recording why; a move the state machine refuses (closed,
 * already there) is simply not made. */
static int follow_thread(struct job *j, enum conversation_mode to, enum conversation_reason why,
                         const char *app_id)
{
	if (j->mode == to || j->mode == CONVERSATION_CLOSED)
		return 0;
	char actor[48];
	other_app_name(app_id, actor, sizeof(actor));
	struct conversation_change ch = {.to = to,
	                                 .reason = why,
	                                 .actor = to == CONVERSATION_STAFF ? actor : "Meta",
	                                 .actor_name = to == CONVERSATION_STAFF ? actor : NULL,
	                                 .now_ms = j->now_ms};
	int rc =
	    conversation_transition(j->p->db, j->conversation_id, &ch, NULL, j->err, j->errlen);
	if (rc == CONVERSATION_ERROR)
		return -1;
	if (rc == CONVERSATION_OK) {
		if (to == CONVERSATION_BOT)
			j->returned = 1;
		j->mode = to;
	}
	return 0;
}

static int own_app(const struct job *j, const char *app_id)
{
	const char *mine = j->p->opt.app_id;
	return mine && *mine && app_id && !strcmp(app_id, mine);
}

static int record_owner(struct job *j, const char *key)
{
	json_t *tc = json_object_get(j->item, key);
	char buf[32];
	const char *owner = app_id_text(json_object_get(tc, "new_owner_app_id"), buf, sizeof(buf));
	if (conversation_set_thread_owner(j->p->db, j->conversation_id, owner) < 0) {
		snprintf(j->err, j->errlen, "database: %s", sqlite3_errmsg(j->p->db));
		return -1;
	}
	const char *mine = j->p->opt.app_id;
	if (!owner || !mine || !*mine)
		return 0;
	if (own_app(j, owner)) /* control came back to us: the bot answers again */
		return j->mode == CONVERSATION_STAFF
		           ? follow_thread(j, CONVERSATION_BOT, REASON_CONTROL_RETURNED, owner)
		           : 0;
	return follow_thread(j, CONVERSATION_STAFF, REASON_PAGE_INBOX, owner);
}

/* The page's own message: from another app (a person in the Page Inbox),
 * a person is now talking, so the bot stays quiet. */
static int follow_echo(struct job *j)
{
	json_t *msg = json_object_get(j->item, "message");
	char buf[32];
	const char *app = app_id_text(json_object_get(msg, "app_id"), buf, sizeof(buf));
	const char *mine = j->p->opt.app_id;
	if (!j->recorded || !mine || !*mine || own_app(j, app))
		return 0;
	if (follow_thread(j, CONVERSATION_STAFF, REASON_PAGE_INBOX, app ? app : "unknown") < 0)
		return -1;
	return conversation_staff_activity(j->p->db, j->conversation_id, 1, j->now_ms);
}

static int record_change(struct job *j)
{
	json_t *value = json_object_get(j->item, "value");
	json_t *field = json_object_get(j->item, "field");
	if (!json_is_string(field) || strcmp(json_string_value(field), "feed") != 0 ||
	    !json_is_object(value))
		return 0; /* other Page fields are stored and ignored */
	json_t *item = json_object_get(value, "item");
	if (!json_is_string(item) || strcmp(json_string_value(item), "comment") != 0)
		return 0;
	sqlite3_stmt *st = stmt(j, S_COMMENT);
	sqlite3_bind_text(st, 1, j->ev->page_id, -1, SQLITE_STATIC);
	bind_text_or_null(st, 2, json_object_get(value, "comment_id"));
	bind_text_or_null(st, 3, json_object_get(value, "post_id"));
	sqlite3_bind_text(st, 4, j->ev->citizen_id, -1, SQLITE_STATIC);
	bind_text_or_null(st, 5, json_object_get(value, "verb"));
	bind_text_or_null(st, 6, json_object_get(value, "message"));
	sqlite3_bind_int64(st, 7, j->ev->ts_ms);
	sqlite3_bind_int64(st, 8, j->ev->id);
	return run(j, st);
}

static int dispatch(struct job *j)
{
	const char *k = j->ev->kind;
	if (!strcmp(k, "message"))
		return record_message(j, "message", 0);
	if (!strcmp(k, "echo"))
		return record_message(j, "message", 1) < 0 ? -1 : follow_echo(j);
	if (!strcmp(k, "postback") || !strcmp(k, "reaction") || !strcmp(k, "referral") ||
	    !strcmp(k, "optin"))
		return record_message(j, k, 0);
	if (!strcmp(k, "delivery"))
		return record_delivery(j);
	if (!strcmp(k, "read"))
		return record_read(j);
	if (!strcmp(k, "edit"))
		return record_edit(j);
	if (!strcmp(k, "pass_thread_control") || !strcmp(k, "take_thread_control"))
		return record_owner(j, k);
	return 0; /* request_thread_control, app_roles, policy notices, unknown */
}

/* Image URLs of a message as a JSON array (malloc'd, NULL if none), and a
 * shared location's coordinates (Meta's legacy attachment shape). */
static char *attachments_of(json_t *msg, struct dialog_location *loc)
{
	json_t *urls = json_array();
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(msg, "attachments"), i, a)
	{
		const char *type = json_string_value(json_object_get(a, "type"));
		json_t *payload = json_object_get(a, "payload");
		json_t *url = json_object_get(payload, "url");
		if (type && !strcmp(type, "image") && json_is_string(url))
			json_array_append(urls, url);
		json_t *co = json_object_get(payload, "coordinates");
		json_t *lat = json_object_get(co, "lat"), *lon = json_object_get(co, "long");
		if (type && !strcmp(type, "location") && json_is_number(lat) &&
		    json_is_number(lon)) {
			loc->has = 1;
			loc->lat = json_number_value(lat);
			loc->lon = json_number_value(lon);
		}
	}
	char *s = json_array_size(urls) ? json_dumps(urls, JSON_COMPACT) : NULL;
	json_decref(urls);
	return s;
}

static void count_outcome(struct job *j, const struct dialog_outcome *out)
{
	struct metrics *m = j->p->opt.metrics;
	j->p->queued += out->queued;
	if (!m)
		return;
	if (out->refused)
		metrics_count(&m->outbox_refused, 1);
	if (out->crisis)
		metrics_count(&m->crisis_messages, 1);
	if (out->handed_over)
		metrics_count_handover(m, conversation_reason_name(out->reason));
}

/* What became of the turn, by the report's rules (outcome.h): a crisis or a
 * hand-over counts before the case or answer that came with it. */
static enum message_outcome outcome_of(const struct dialog_outcome *out, int bot)
{
	if (out->crisis)
		return OUTCOME_CRISIS;
	if (!bot)
		return OUTCOME_WITH_STAFF;
	if (out->handed_over)
		return OUTCOME_HANDED_OVER;
	if (out->case_filed)
		return OUTCOME_CASE_FILED;
	if (out->asked)
		return OUTCOME_CLARIFIED;
	if (out->queued > 0)
		return OUTCOME_ANSWERED;
	return out->refused ? OUTCOME_REFUSED : OUTCOME_NO_REPLY;
}

/* 1 when nobody staffs the chat queue at the message's time. */
static int after_hours(const struct job *j, long long at_ms)
{
	const struct staffing *s = j->k ? j->k->staffing : NULL;
	if (!s)
		return 0;
	const char *dept = staffing_default_department(s);
	return staffing_next_open(s, dept, at_ms) != at_ms;
}

static int record_outcome(struct job *j, const struct dialog_outcome *out, int bot)
{
	enum message_outcome o = outcome_of(out, bot);
	struct outcome_record r = {
	    .event_id = j->ev->id,
	    .conversation_id = j->conversation_id,
	    .at_ms = j->ev->ts_ms,
	    .mode = conversation_mode_name(j->mode),
	    .intent = out->intent,
	    .outcome = o,
	    .reason = o == OUTCOME_HANDED_OVER || o == OUTCOME_CRISIS
	                  ? conversation_reason_name((enum conversation_reason)out->reason)
	                  : NULL,
	    .case_joined = out->case_joined,
	    .after_hours = after_hours(j, j->ev->ts_ms),
	};
	if (outcome_record(j->p->db, &r) < 0) {
		snprintf(j->err, j->errlen, "database: %s", sqlite3_errmsg(j->p->db));
		return -1;
	}
	if (j->p->opt.metrics)
		metrics_count_outcome(j->p->opt.metrics, outcome_name(o));
	return 0;
}

/* The bot answers new citizen messages and postbacks in mode 'bot' that
 * came on the "messaging" channel (standby means another app owns the
 * thread; echoes are the page's own messages). In every other mode, and on
 * standby, it only watches for a crisis. */
static int answer(struct job *j)
{
	const struct stored_event *ev = j->ev;
	int message = !strcmp(ev->kind, "message");
	int standby = !strcmp(ev->source, "standby");
	if (!j->p->opt.answer || !j->recorded ||
	    (!standby && strcmp(ev->source, "messaging") != 0) ||
	    (!message && strcmp(ev->kind, "postback") != 0))
		return 0;
	/* The citizen wrote: their window is open, so waiting case notices go
	 * out now, whoever is handling the conversation. */
	int notices = standby ? 0
	                      : case_notices_send_for(j->p->db, ev->page_id, ev->citizen_id, ev->id,
	                                              j->now_ms, j->err, j->errlen);
	if (notices < 0)
		return -1;
	j->p->queued += notices;
	json_t *obj = json_object_get(j->item, message ? "message" : "postback");
	json_t *text = json_object_get(obj, message ? "text" : "title");
	json_t *payload = message ? json_object_get(json_object_get(obj, "quick_reply"), "payload")
	                          : json_object_get(obj, "payload");
	struct dialog_turn turn = {
	    .page_id = ev->page_id,
	    .psid = ev->citizen_id,
	    .conversation_id = j->conversation_id,
	    .event_id = ev->id,
	    .text = json_is_string(text) ? json_string_value(text) : NULL,
	    .payload = json_is_string(payload) ? json_string_value(payload) : NULL,
	    .now_ms = j->now_ms,
	};
	struct dialog_outcome out;
	int rc;
	int bot = j->mode == CONVERSATION_BOT && !standby;
	if (bot) {
		char *photos = attachments_of(obj, &turn.location);
		turn.photos_json = photos;
		rc = dialog_answer(j->p->db, j->k, &turn, &out, j->err, j->errlen);
		free(photos);
	} else {
		struct conversation_row row;
		if (conversation_get(j->p->db, j->conversation_id, &row) < 0) {
			snprintf(j->err, j->errlen, "database: %s", sqlite3_errmsg(j->p->db));
			return -1;
		}
		const char *owner = standby ? (row.thread_owner_app_id[0] ? row.thread_owner_app_id
		                                                          : PAGE_INBOX_APP_ID)
		                            : NULL;
		rc = dialog_watch(j->p->db, j->k, &turn, owner, &out, j->err, j->errlen);
	}
	if (rc < 0)
		return -1;
	count_outcome(j, &out);
	return record_outcome(j, &out, bot);
}

/* Meta passed control back: the citizen hears that the bot is back. */
static int announce_return(struct job *j)
{
	if (!j->returned || !j->p->opt.answer || !j->env)
		return 0;
	int q = conversation_staff_tell_bot_back(j->p->db, j->env, j->conversation_id, j->ev->id, 0,
	                                         j->now_ms, j->err, j->errlen);
	if (q < 0)
		return -1;
	j->p->queued += q;
	return 0;
}

int processor_take_queued(struct processor *p)
{
	int n = p->queued;
	p->queued = 0;
	return n;
}

/* Meta's echoes and receipts of a citizen whose data was just deleted
 * (privacy.h, tombstones): the event is deleted instead of applied, so it
 * re-creates nothing. New messages and postbacks are a new contact and go
 * the normal way. Returns 1 dropped, 0 not, -1 error. */
static int drop_if_erased(struct processor *p, const struct stored_event *ev, char *err,
                          size_t errlen, long long now_ms)
{
	const struct privacy_settings *ps = p->opt.knowledge ? p->opt.knowledge->privacy : NULL;
	if (!ps || !ev->citizen_id[0] || !strcmp(ev->source, "changes") ||
	    !strcmp(ev->kind, "message") || !strcmp(ev->kind, "postback"))
		return 0;
	int t = privacy_tombstoned(p->db, ev->page_id, ev->citizen_id, now_ms);
	if (t <= 0) {
		if (t < 0)
			snprintf(err, errlen, "database: %s", sqlite3_errmsg(p->db));
		return t;
	}
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(p->db, "DELETE FROM events WHERE id = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, ev->id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(p->db));
		return -1;
	}
	if (ps->dropped)
		ps->dropped(ps->hook_arg);
	return 1;
}

/* This event's knowledge and env: the options', with the data files of the
 * current snapshot when there is one (returned; release it after). */
static const struct municipality_data *hold_data(struct processor *p, struct dialog_knowledge *k,
                                                 struct conversation_env *env)
{
	if (p->opt.knowledge)
		*k = *p->opt.knowledge;
	if (p->opt.env)
		*env = *p->opt.env;
	if (!p->opt.data)
		return NULL;
	const struct municipality_data *d = municipality_hold(p->opt.data);
	if (p->opt.knowledge) {
		k->intents = d->intents;
		k->cases = d->cases;
		k->winter = d->winter;
		k->content = d->content;
		k->crisis = d->crisis;
		k->staffing = d->staffing;
	}
	env->staffing = d->staffing;
	return d;
}

int processor_apply(struct processor *p, const struct stored_event *ev, long long now_ms, char *err,
                    size_t errlen)
{
	int dropped = drop_if_erased(p, ev, err, errlen, now_ms);
	if (dropped != 0)
		return dropped < 0 ? -1 : 0;
	struct job j = {.p = p, .ev = ev, .now_ms = now_ms, .err = err, .errlen = errlen};
	json_error_t jerr;
	j.item = json_loads(ev->payload, 0, &jerr);
	if (!json_is_object(j.item)) {
		snprintf(err, errlen, "stored event is not a JSON object");
		json_decref(j.item);
		return -1;
	}
	struct dialog_knowledge k;
	struct conversation_env env;
	const struct municipality_data *held = hold_data(p, &k, &env);
	j.k = p->opt.knowledge ? &k : NULL;
	j.env = p->opt.env ? &env : NULL;
	int rc = 0;
	if (!ev->citizen_id[0]) {
		snprintf(err, errlen, "%s event has no sender or recipient id", ev->kind);
		rc = -1;
	} else if (!strcmp(ev->source, "changes")) {
		rc = record_change(&j);
	} else {
		rc = upsert_parties(&j);
		if (rc == 0)
			rc = dispatch(&j);
		if (rc == 0)
			rc = answer(&j);
		if (rc == 0)
			rc = announce_return(&j);
	}
	json_decref(j.item);
	if (held)
		municipality_release(p->opt.data, held);
	return rc;
}
