/*
 * outbox.c - queueing replies and the sender threads (see outbox.h).
 *
 * Enqueue: conversation's last inbound time -> policy_decide() -> refused:
 * one 'refused' row with the reason; allowed: optional mark_seen and
 * typing_on rows, then one row per text part (quick replies on the last).
 * Bodies are stored as the Send API request without messaging_type/tag,
 * which the sender decides again at send time.
 *
 * Sender thread loop: claim() the oldest due head row of a recipient no
 * other thread holds -> policy again (refuse if the window closed while it
 * waited) -> take a token from the rate bucket -> graph_send() -> record the
 * outcome in one short write (sent / retry later / failed) -> release the
 * recipient. A sender action Meta accepted is not written at once: the
 * thread goes on with the recipient's next row (claim_next) and writes both
 * marks in that row's commit, so a bot answer costs one commit, not three.
 * With nothing due, wait for outbox_sender_notify() or the next retry time
 * (at most a second, so rows queued by other processes, e.g.
 * `borgerbot outbox send-staff`, go out within a second).
 */
#include "outbox.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/db.h"
#include "core/clock.h"
#include "core/log.h"

#define PAYLOAD_MAX_CP 1000
#define CHAIN_MAX 8 /* sender actions whose marks may wait for the next write */

/* ---- enqueue ------------------------------------------------------------ */

/* The citizen's newest conversation, and their last message in any of them
 * (Meta's window belongs to the person, not to one conversation). */
static const char conv_sql[] =
    "SELECT id, (SELECT MAX(last_inbound_at) FROM conversations"
    "   WHERE page_id = ?1 AND psid = ?2)"
    " FROM conversations WHERE page_id = ?1 AND psid = ?2 ORDER BY id DESC LIMIT 1";
static const char insert_sql[] =
    "INSERT INTO outbox (page_id, psid, conversation_id, kind, body, messaging_type, tag,"
    " origin, status, created_at, cause_event_id, error_message, author)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

struct enqueue {
	sqlite3 *db;
	sqlite3_stmt *insert;
	const struct outbox_reply *r;
	long long conversation_id;
	long long now;
	struct outbox_result *res;
	char *err;
	size_t errlen;
};

static json_t *truncated_string(const char *s, size_t max_cp)
{
	size_t len = strlen(s);
	return json_stringn(s, policy_utf8_prefix(s, len, max_cp));
}

static json_t *quick_replies_json(const struct outbox_reply *r)
{
	json_t *arr = json_array();
	size_t n = r->n_quick_replies;
	if (n > POLICY_MAX_QUICK_REPLIES)
		n = POLICY_MAX_QUICK_REPLIES;
	for (size_t i = 0; arr && i < n; i++) {
		const struct outbox_quick_reply *q = &r->quick_replies[i];
		json_t *title = truncated_string(q->title ? q->title : "", POLICY_QR_TITLE_MAX);
		json_t *payload = truncated_string(q->payload ? q->payload : "", PAYLOAD_MAX_CP);
		json_t *o = title && payload ? json_pack("{s:s, s:o, s:o}", "content_type", "text",
		                                         "title", title, "payload", payload)
		                             : NULL;
		if (!o) {
			json_decref(title);
			json_decref(payload);
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The stored request: recipient plus message or sender_action; with
 * pass_to, the message also passes thread control to that app
 * (Conversation Routing's piggyback). */
static char *body_json(const char *psid, json_t *message, const char *action, const char *pass_to)
{
	json_t *o = json_pack("{s:{s:s}}", "recipient", "id", psid);
	if (!o) {
		json_decref(message);
		return NULL;
	}
	if (message)
		json_object_set_new(o, "message", message);
	else
		json_object_set_new(o, "sender_action", json_string(action));
	if (message && pass_to)
		json_object_set_new(
		    o, "thread_control",
		    json_pack("{s:s, s:s}", "control_type", "pass", "app_id", pass_to));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static int insert_row(struct enqueue *q, const char *kind, char *body, const char *status,
                      const struct policy_decision *d)
{
	sqlite3_stmt *st = q->insert;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, q->r->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->r->psid, -1, SQLITE_STATIC);
	if (q->conversation_id > 0)
		sqlite3_bind_int64(st, 3, q->conversation_id);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, free);
	if (d->allowed) {
		sqlite3_bind_text(st, 6, d->messaging_type, -1, SQLITE_STATIC);
		if (d->tag)
			sqlite3_bind_text(st, 7, d->tag, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 12, d->reason, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 8, policy_origin_name(q->r->origin), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, q->now);
	if (q->r->cause_event_id > 0)
		sqlite3_bind_int64(st, 11, q->r->cause_event_id);
	if (q->r->author && strcmp(kind, "message") == 0)
		sqlite3_bind_text(st, 13, q->r->author, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		snprintf(q->err, q->errlen, "outbox: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	long long id = sqlite3_last_insert_rowid(q->db);
	if (!q->res->first_id)
		q->res->first_id = id;
	q->res->last_id = id;
	q->res->rows++;
	return 0;
}

/* Builds the text parts' bodies; returns the number of parts or -1. */
static int text_bodies(struct enqueue *q, char **bodies)
{
	const struct outbox_reply *r = q->r;
	const char *text = r->text ? r->text : "";
	struct policy_span spans[OUTBOX_MAX_PARTS];
	size_t n = policy_split_text(text, POLICY_TEXT_MAX, spans, OUTBOX_MAX_PARTS);
	if (n > OUTBOX_MAX_PARTS) {
		snprintf(q->err, q->errlen, "text too long (more than %d messages)",
		         OUTBOX_MAX_PARTS);
		return -1;
	}
	if (n == 0) {
		snprintf(q->err, q->errlen, "empty text");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_stringn(text + spans[i].start, spans[i].len);
		json_t *msg = t ? json_pack("{s:o}", "text", t) : NULL;
		if (msg && i == n - 1 && r->n_quick_replies > 0) {
			json_t *qr = quick_replies_json(r);
			if (!qr) {
				json_decref(msg);
				msg = NULL;
			} else {
				json_object_set_new(msg, "quick_replies", qr);
			}
		}
		bodies[i] =
		    msg ? body_json(r->psid, msg, NULL, i == n - 1 ? r->pass_thread_to : NULL)
		        : NULL;
		if (!bodies[i]) {
			snprintf(q->err, q->errlen,
			         t ? "out of memory" : "text is not valid UTF-8");
			for (size_t k = 0; k < i; k++)
				free(bodies[k]);
			return -1;
		}
	}
	return (int)n;
}

static int last_inbound(struct enqueue *q, long long *last)
{
	sqlite3_stmt *st;
	*last = 0;
	if (sqlite3_prepare_v2(q->db, conv_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(q->err, q->errlen, "outbox: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, q->r->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->r->psid, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		q->conversation_id = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(q->err, q->errlen, "outbox: %s", sqlite3_errmsg(q->db));
		return -1;
	}
	return 0;
}

static enum outbox_status enqueue_rows(struct enqueue *q, char **bodies, int nparts,
                                       const struct policy_decision *d)
{
	int i = 0;
	if (!d->allowed) {
		/* One row keeps the refused answer and the reason for the console. */
		int rc = insert_row(q, "message", bodies[0], "refused", d);
		for (i = 1; i < nparts; i++)
			free(bodies[i]);
		return rc < 0 ? OUTBOX_ERROR : OUTBOX_REFUSED;
	}
	if (q->r->take_thread_first) {
		/* take_thread_control: this app must own the thread to send */
		json_t *o = json_pack("{s:{s:s}, s:s}", "recipient", "id", q->r->psid, "metadata",
		                      "borgerbot");
		char *b = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(o);
		if (!b || insert_row(q, "thread_control", b, "pending", d) < 0) {
			if (!b)
				snprintf(q->err, q->errlen, "out of memory");
			goto fail;
		}
	}
	static const char *const actions[] = {"mark_seen", "typing_on"};
	for (int a = 0; q->r->sender_actions && a < 2; a++) {
		char *b = body_json(q->r->psid, NULL, actions[a], NULL);
		if (!b || insert_row(q, "sender_action", b, "pending", d) < 0) {
			if (!b)
				snprintf(q->err, q->errlen, "out of memory");
			goto fail;
		}
	}
	for (; i < nparts; i++) {
		if (insert_row(q, "message", bodies[i], "pending", d) < 0) {
			i++;
			goto fail;
		}
	}
	return OUTBOX_QUEUED;
fail:
	for (; i < nparts; i++)
		free(bodies[i]);
	return OUTBOX_ERROR;
}

enum outbox_status outbox_enqueue(sqlite3 *db, const struct outbox_reply *r,
                                  struct outbox_result *res, char *err, size_t errlen)
{
	*res = (struct outbox_result){0};
	struct enqueue q = {.db = db,
	                    .r = r,
	                    .now = r->now_ms ? r->now_ms : clock_now_ms(),
	                    .res = res,
	                    .err = err,
	                    .errlen = errlen};
	char *bodies[OUTBOX_MAX_PARTS];
	long long last = 0;
	if (last_inbound(&q, &last) < 0)
		return OUTBOX_ERROR;
	int nparts = text_bodies(&q, bodies);
	if (nparts < 0)
		return OUTBOX_ERROR;
	struct policy_decision d;
	policy_decide(r->origin, last, q.now, &d);
	res->reason = d.reason;
	res->messaging_type = d.messaging_type;
	res->tag = d.tag;
	if (sqlite3_prepare_v2(db, insert_sql, -1, &q.insert, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "outbox: %s", sqlite3_errmsg(db));
		for (int i = 0; i < nparts; i++)
			free(bodies[i]);
		return OUTBOX_ERROR;
	}
	enum outbox_status st = enqueue_rows(&q, bodies, nparts, &d);
	sqlite3_finalize(q.insert);
	return st;
}

/* ---- sender ------------------------------------------------------------- */

/* Due rows that head their recipient's queue, oldest first: walks the
 * outbox_queue index and probes outbox_pending for an earlier row. */
static const char claim_sql[] =
    "SELECT o.id, o.page_id, o.psid, o.kind, o.body, o.origin, o.attempts, o.next_attempt_at,"
    " (SELECT MAX(c.last_inbound_at) FROM conversations c"
    "   WHERE c.page_id = o.page_id AND c.psid = o.psid)"
    " FROM outbox o INDEXED BY outbox_queue"
    " WHERE o.status = 'pending' AND o.next_attempt_at <= ?1"
    " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending'"
    "   AND p.page_id = o.page_id AND p.psid = o.psid AND p.id < o.id)"
    " ORDER BY o.id LIMIT 64";
static const char next_due_sql[] =
    "SELECT MIN(next_attempt_at) FROM outbox INDEXED BY outbox_queue WHERE status = 'pending'";
static const char next_sql[] =
    "SELECT o.id, o.page_id, o.psid, o.kind, o.body, o.origin, o.attempts, o.next_attempt_at,"
    " (SELECT MAX(c.last_inbound_at) FROM conversations c"
    "   WHERE c.page_id = o.page_id AND c.psid = o.psid)"
    " FROM outbox o WHERE o.page_id = ?1 AND o.psid = ?2 AND o.status = 'pending'"
    " AND o.id > ?3 ORDER BY o.id LIMIT 1";
static const char sent_sql[] =
    "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1,"
    " meta_message_id = ?3, messaging_type = ?4, tag = ?5, error_code = NULL,"
    " error_subcode = NULL, error_message = NULL WHERE id = ?1";
static const char action_sent_sql[] =
    "UPDATE outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1,"
    " error_code = NULL, error_subcode = NULL, error_message = NULL WHERE id = ?1";
static const char outcome_sql[] =
    "UPDATE outbox SET status = ?2, attempts = attempts + ?3, next_attempt_at = ?4,"
    " error_code = ?5, error_subcode = ?6, error_message = ?7 WHERE id = ?1";

struct job {
	long long id;
	char page_id[72];
	char psid[72];
	char kind[16];
	char *body;
	enum policy_origin origin;
	int attempts;
	long long last_inbound;
};

struct sender_thread {
	struct outbox_sender *s;
	pthread_t thread;
	sqlite3 *db;
	sqlite3_stmt *claim, *next_due, *next, *sent, *action_sent, *outcome;
	struct graph_client *graph;
	unsigned seed;
	int started;
};

struct outbox_sender {
	struct outbox_sender_options opt;
	pthread_mutex_t mu; /* claims, the in-flight set, wake-ups, the rate bucket */
	pthread_cond_t cv;
	unsigned long long generation; /* bumped by notify */
	int stopping;
	char (*inflight)[144]; /* "page_id/psid" per thread, "" when idle */
	double tokens;
	struct timespec refilled;
	struct sender_thread *threads;
};

static void recipient_key(const struct job *j, char *key, size_t n)
{
	snprintf(key, n, "%s/%s", j->page_id, j->psid);
}

static int is_inflight(struct outbox_sender *s, const char *key)
{
	for (int i = 0; i < s->opt.threads; i++)
		if (!strcmp(s->inflight[i], key))
			return 1;
	return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

/* Fills j from a claim_sql/next_sql row. */
static int job_from_row(sqlite3_stmt *st, struct job *j)
{
	const unsigned char *body = sqlite3_column_text(st, 4);
	j->body = strdup(body ? (const char *)body : "{}");
	if (!j->body)
		return -1;
	j->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, j->page_id, sizeof(j->page_id));
	copy_col(st, 2, j->psid, sizeof(j->psid));
	copy_col(st, 3, j->kind, sizeof(j->kind));
	const unsigned char *origin = sqlite3_column_text(st, 5);
	if (!origin || policy_origin_parse((const char *)origin, &j->origin) < 0)
		j->origin = POLICY_BOT;
	j->attempts = sqlite3_column_int(st, 6);
	j->last_inbound = sqlite3_column_int64(st, 8);
	return 0;
}

/* Picks the oldest due head row of a free recipient. Returns 1 with job
 * filled, 0 when nothing is due (*wait_ms says for how long), -1 on error.
 * Called with s->mu held. */
static int claim(struct sender_thread *t, int self, struct job *j, long long *wait_ms)
{
	struct outbox_sender *s = t->s;
	sqlite3_stmt *st = t->claim;
	long long now = clock_now_ms();
	int found = 0, rc;
	*wait_ms = 1000;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		copy_col(st, 1, j->page_id, sizeof(j->page_id));
		copy_col(st, 2, j->psid, sizeof(j->psid));
		char key[144];
		recipient_key(j, key, sizeof(key));
		if (is_inflight(s, key))
			continue;
		if (job_from_row(st, j) < 0)
			break;
		snprintf(s->inflight[self], sizeof(s->inflight[self]), "%s", key);
		found = 1;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		found = -1;
	sqlite3_reset(st);
	if (found == 0 && sqlite3_step(t->next_due) == SQLITE_ROW &&
	    sqlite3_column_type(t->next_due, 0) != SQLITE_NULL) {
		long long d = sqlite3_column_int64(t->next_due, 0) - now;
		if (d > 0 && d < *wait_ms)
			*wait_ms = d; /* due rows of busy recipients: their thread goes on */
	}
	sqlite3_reset(t->next_due);
	return found;
}

/* The recipient's next pending row after j, if due: 1 (j replaced), 0, -1. */
static int claim_next(struct sender_thread *t, struct job *j)
{
	sqlite3_stmt *st = t->next;
	sqlite3_bind_text(st, 1, j->page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, j->psid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, j->id);
	int found = 0;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 7) <= clock_now_ms()) {
		free(j->body);
		j->body = NULL;
		found = job_from_row(st, j) < 0 ? -1 : 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

/* The request as it leaves: stored body + messaging_type/tag + metadata. */
static char *request_body(const struct job *j, const struct policy_decision *d)
{
	json_t *o = json_loads(j->body, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	json_t *msg = json_object_get(o, "message");
	if (json_is_object(msg)) {
		json_object_set_new(o, "messaging_type", json_string(d->messaging_type));
		if (d->tag)
			json_object_set_new(o, "tag", json_string(d->tag));
		char meta[40];
		snprintf(meta, sizeof(meta), "outbox:%lld", j->id);
		json_object_set_new(msg, "metadata", json_string(meta));
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Token bucket: capacity rate/10 (at least 1). Reserves a token and sleeps
 * until it is due; returns -1 if the sender stops meanwhile. */
static int rate_take(struct outbox_sender *s)
{
	double rate = s->opt.rate_per_sec;
	double cap = rate / 10 < 1 ? 1 : rate / 10;
	struct timespec now;
	pthread_mutex_lock(&s->mu);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->tokens += elapsed_s(&s->refilled, &now) * rate;
	if (s->tokens > cap)
		s->tokens = cap;
	s->refilled = now;
	s->tokens -= 1;
	long long wait_ms = s->tokens >= 0 ? 0 : (long long)ceil(-s->tokens / rate * 1000);
	if (wait_ms > 0) {
		struct timespec until;
		clock_deadline_after(&until, wait_ms);
		while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT)
			;
	}
	int stop = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return stop ? -1 : 0;
}

/* After a rate-limit answer, everyone pauses for about pause_ms. */
static void rate_pause(struct outbox_sender *s, long long pause_ms)
{
	pthread_mutex_lock(&s->mu);
	double debt = -(double)pause_ms / 1000 * s->opt.rate_per_sec;
	if (s->tokens > debt)
		s->tokens = debt;
	pthread_mutex_unlock(&s->mu);
}

static long long backoff_ms(struct sender_thread *t, int attempts)
{
	const struct outbox_sender_options *o = &t->s->opt;
	long long d = o->retry_base_ms;
	for (int i = 1; i < attempts && d < o->retry_max_ms; i++)
		d *= 2;
	if (d > o->retry_max_ms)
		d = o->retry_max_ms;
	/* "equal jitter": half fixed, half random, so retries spread out */
	return d / 2 + (long long)(rand_r(&t->seed) % (unsigned)(d / 2 + 1));
}

/* Sender actions sent whose 'sent' marks wait for the recipient's next
 * write (see sender_main). */
struct deferred {
	int n;
	long long id[CHAIN_MAX];
	long long at[CHAIN_MAX];
};

struct marks_txn {
	struct sender_thread *t;
	const struct deferred *df;
	sqlite3_stmt *st;
};

static int step_mark(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int mark_all(sqlite3 *db, void *arg)
{
	(void)db;
	struct marks_txn *m = arg;
	for (int i = 0; i < m->df->n; i++) {
		sqlite3_stmt *a = m->t->action_sent;
		sqlite3_bind_int64(a, 1, m->df->id[i]);
		sqlite3_bind_int64(a, 2, m->df->at[i]);
		if (step_mark(a) < 0)
			return -1;
	}
	return m->st ? step_mark(m->st) : 0;
}

/* Writes the deferred marks and then st (bound, may be NULL) in one
 * transaction. Retries for up to a second when another process holds the
 * database, since a lost mark means a duplicate send. */
static int write_marks(struct sender_thread *t, struct deferred *df, sqlite3_stmt *st)
{
	struct marks_txn m = {t, df, st};
	char err[256] = "";
	int rc =
	    store_write_persist(t->s->opt.store, t->db, mark_all, &m, 20, 50, err, sizeof(err));
	df->n = 0;
	if (rc == 0)
		return 0;
	log_event(LOG_ERROR, "outbox_write_failed", "error", err, NULL);
	return -1;
}

static int record_sent(struct sender_thread *t, const struct job *j, struct deferred *df,
                       const struct policy_decision *d, const struct graph_result *g)
{
	sqlite3_stmt *st = t->sent;
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, j->id);
	sqlite3_bind_int64(st, 2, clock_now_ms());
	if (g->message_id[0])
		sqlite3_bind_text(st, 3, g->message_id, -1, SQLITE_TRANSIENT);
	if (!strcmp(j->kind, "message")) {
		sqlite3_bind_text(st, 4, d->messaging_type, -1, SQLITE_STATIC);
		if (d->tag)
			sqlite3_bind_text(st, 5, d->tag, -1, SQLITE_STATIC);
	}
	return write_marks(t, df, st);
}

static int record_outcome(struct sender_thread *t, const struct job *j, struct deferred *df,
                          const char *status, int tried, long long next_at, int code, int subcode,
                          const char *message)
{
	sqlite3_stmt *st = t->outcome;
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, j->id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, tried);
	sqlite3_bind_int64(st, 4, next_at);
	if (code)
		sqlite3_bind_int(st, 5, code);
	if (subcode)
		sqlite3_bind_int(st, 6, subcode);
	sqlite3_bind_text(st, 7, message, -1, SQLITE_TRANSIENT);
	return write_marks(t, df, st);
}

static void log_outcome(const char *event, int level, const struct job *j,
                        const struct graph_result *g)
{
	char id[24], code[16], sub[16];
	snprintf(id, sizeof(id), "%lld", j->id);
	snprintf(code, sizeof(code), "%d", g->code);
	snprintf(sub, sizeof(sub), "%d", g->subcode);
	log_event(level, event, "outbox_id", id, "kind", j->kind, "reason", g->reason, "code", code,
	          "subcode", sub, "error", g->message, NULL);
}

static void handle_failure(struct sender_thread *t, const struct job *j, struct deferred *df,
                           const struct graph_result *g)
{
	const struct outbox_sender_options *o = &t->s->opt;
	struct metrics *m = o->metrics;
	int attempts = j->attempts + 1;
	if (g->outcome == GRAPH_TRANSIENT && attempts < o->max_attempts) {
		metrics_count(&m->outbox_retried, 1);
		log_outcome("outbox_retry", LOG_INFO, j, g);
		if (!strcmp(g->reason, "rate_limit"))
			rate_pause(t->s, o->retry_base_ms);
		record_outcome(t, j, df, "pending", 1, clock_now_ms() + backoff_ms(t, attempts),
		               g->code, g->subcode, g->message);
		return;
	}
	const char *reason = g->outcome == GRAPH_TRANSIENT ? "gave_up" : g->reason;
	metrics_count_outbox_failed(m, reason);
	log_outcome("outbox_failed", LOG_WARN, j, g);
	char msg[400];
	if (g->outcome == GRAPH_TRANSIENT)
		snprintf(msg, sizeof(msg), "gave up after %d attempts: %s", attempts, g->message);
	else
		snprintf(msg, sizeof(msg), "%s", g->message);
	record_outcome(t, j, df, "failed", 1, 0, g->code, g->subcode, msg);
}

/* Sends one row and records the outcome together with the deferred marks.
 * Returns 1 when the row was a sender action Meta accepted and its mark was
 * deferred instead (df), 0 when everything is written, -1 when stopping
 * (the row stays pending). */
static int deliver(struct sender_thread *t, const struct job *j, struct deferred *df)
{
	struct metrics *m = t->s->opt.metrics;
	struct policy_decision d;
	int control = !strcmp(j->kind, "thread_control");
	policy_decide(j->origin, j->last_inbound, clock_now_ms(), &d);
	if (control) /* not a message: Meta's window does not apply */
		d = (struct policy_decision){.allowed = 1, .reason = "thread control"};
	if (!d.allowed) {
		metrics_count(&m->outbox_refused, 1);
		char id[24];
		snprintf(id, sizeof(id), "%lld", j->id);
		log_event(LOG_WARN, "outbox_refused", "outbox_id", id, "reason", d.reason, NULL);
		record_outcome(t, j, df, "refused", 0, 0, 0, 0, d.reason);
		return 0;
	}
	char *body = request_body(j, &d);
	if (!body) {
		struct graph_result bad = {.outcome = GRAPH_PERMANENT, .reason = "bad_request"};
		snprintf(bad.message, sizeof(bad.message), "stored body is not a JSON object");
		handle_failure(t, j, df, &bad);
		return 0;
	}
	if (rate_take(t->s) < 0) {
		free(body);
		return -1;
	}
	struct graph_result g;
	graph_post(t->graph, j->page_id,
	           !control                     ? "messages"
	           : strstr(body, "target_app") ? "pass_thread_control"
	                                        : "take_thread_control",
	           body, &g);
	free(body);
	if (g.outcome != GRAPH_TRANSIENT || g.http_status)
		metrics_observe_latency(&m->outbox_send_latency, g.seconds);
	if (g.outcome != GRAPH_SENT) {
		handle_failure(t, j, df, &g);
		return 0;
	}
	metrics_count(&m->outbox_sent, 1);
	if (!strcmp(j->kind, "sender_action") && df->n < CHAIN_MAX) {
		df->id[df->n] = j->id;
		df->at[df->n++] = clock_now_ms();
		return 1;
	}
	record_sent(t, j, df, &d, &g);
	return 0;
}

static int self_index(struct sender_thread *t)
{
	return (int)(t - t->s->threads);
}

static int is_stopping(struct outbox_sender *s)
{
	pthread_mutex_lock(&s->mu);
	int stop = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

/* Delivers the claimed row and, while they are sender actions Meta
 * accepted, the recipient's following rows at once: their marks are
 * written with the next row's outcome (a message's mark is never
 * deferred, so at most one message per recipient is ever unconfirmed). */
static void deliver_chain(struct sender_thread *t, struct job *j)
{
	struct deferred df = {0};
	while (deliver(t, j, &df) == 1 && !is_stopping(t->s) && claim_next(t, j) > 0)
		;
	if (df.n)
		write_marks(t, &df, NULL);
}

static void *sender_main(void *arg)
{
	struct sender_thread *t = arg;
	struct outbox_sender *s = t->s;
	int self = self_index(t);
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		unsigned long long gen = s->generation;
		struct job j = {0};
		long long wait_ms = 1000;
		int got = claim(t, self, &j, &wait_ms);
		if (got > 0) {
			pthread_mutex_unlock(&s->mu);
			deliver_chain(t, &j);
			free(j.body);
			pthread_mutex_lock(&s->mu);
			s->inflight[self][0] = '\0';
			continue;
		}
		if (got < 0) {
			log_event(LOG_ERROR, "outbox_claim_failed", "error", sqlite3_errmsg(t->db),
			          NULL);
			wait_ms = 1000;
		}
		struct timespec until;
		clock_deadline_after(&until, wait_ms);
		while (!s->stopping && s->generation == gen &&
		       pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static int thread_open(struct sender_thread *t, char *err, size_t errlen)
{
	const struct outbox_sender_options *o = &t->s->opt;
	t->db = store_connect(o->store, err, errlen);
	if (!t->db)
		return -1;
	const char *sql[6] = {claim_sql,   sent_sql, action_sent_sql,
	                      outcome_sql, next_sql, next_due_sql};
	sqlite3_stmt **st[6] = {&t->claim,   &t->sent, &t->action_sent,
	                        &t->outcome, &t->next, &t->next_due};
	for (int i = 0; i < 6; i++) {
		if (sqlite3_prepare_v3(t->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, st[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "outbox: %s", sqlite3_errmsg(t->db));
			return -1;
		}
	}
	t->graph = graph_client_new(&o->graph, err, errlen);
	return t->graph ? 0 : -1;
}

static void thread_close(struct sender_thread *t)
{
	sqlite3_finalize(t->claim);
	sqlite3_finalize(t->next_due);
	sqlite3_finalize(t->next);
	sqlite3_finalize(t->sent);
	sqlite3_finalize(t->action_sent);
	sqlite3_finalize(t->outcome);
	store_disconnect(t->db);
	graph_client_free(t->graph);
}

static void sender_free(struct outbox_sender *s)
{
	for (int i = 0; s->threads && i < s->opt.threads; i++)
		thread_close(&s->threads[i]);
	free(s->threads);
	free(s->inflight);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct outbox_sender *outbox_sender_start(const struct outbox_sender_options *opt, char *err,
                                          size_t errlen)
{
	struct outbox_sender *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->opt = *opt;
	if (s->opt.threads < 1)
		s->opt.threads = 1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &s->refilled);
	s->tokens = 1;
	s->threads = calloc((size_t)s->opt.threads, sizeof(*s->threads));
	s->inflight = calloc((size_t)s->opt.threads, sizeof(*s->inflight));
	if (!s->threads || !s->inflight) {
		snprintf(err, errlen, "out of memory");
		sender_free(s);
		return NULL;
	}
	for (int i = 0; i < s->opt.threads; i++) {
		struct sender_thread *t = &s->threads[i];
		t->s = s;
		t->seed = (unsigned)clock_now_ms() ^ (unsigned)(i * 2654435761u);
		if (thread_open(t, err, errlen) < 0) {
			sender_free(s);
			return NULL;
		}
	}
	for (int i = 0; i < s->opt.threads; i++) {
		if (pthread_create(&s->threads[i].thread, NULL, sender_main, &s->threads[i]) != 0) {
			snprintf(err, errlen, "outbox: cannot start sender thread");
			outbox_sender_stop(s);
			return NULL;
		}
		s->threads[i].started = 1;
	}
	return s;
}

void outbox_sender_notify(void *arg)
{
	struct outbox_sender *s = arg;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->generation++;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void outbox_sender_stop(struct outbox_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->opt.threads; i++)
		if (s->threads[i].started)
			pthread_join(s->threads[i].thread, NULL);
	sender_free(s);
}
