/*
 * worker.c - the event worker thread (see worker.h).
 *
 * Loop: wait until notified or the next retry is due -> select due pending
 * events (oldest Meta timestamp first, skipping citizens who have an earlier
 * event still waiting for a retry) -> in one transaction, apply each event
 * inside its own savepoint (store_savepoint) and mark it done, or roll the savepoint back and
 * record the failure (attempts, next_attempt_at, or parked) -> commit ->
 * if the round queued replies in the outbox, wake the sender (notify hook).
 * A citizen whose event failed in this round gets no more events this round.
 * The thread reads the wall clock once per round and hands that time down
 * (worker_run_round -> processor_apply -> dialog_answer), so a test can run
 * rounds at any time it likes; only the pacing below (yield, checkpoints,
 * the wait for work) uses the clocks directly.
 *
 * Webhook requests come first: while the ingest writer has requests waiting
 * for a commit, the worker waits (at most yield_wait_ms) before taking the
 * write lock and ends its round after yield_slice_ms, so a burst is stored
 * and acknowledged at full speed and processed as soon as it eases. WAL
 * checkpoints run here between rounds, outside the write lock.
 */
#include "worker.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "core/clock.h"
#include "core/log.h"
#include "process.h"
#include "domain/conversation_staff.h"

struct worker {
	struct worker_options opt;
	sqlite3 *db;
	struct processor *proc;
	sqlite3_stmt *select_due;
	sqlite3_stmt *mark_done;
	sqlite3_stmt *mark_failed;
	sqlite3_stmt *next_due;
	struct due *due;         /* room for one round's events (opt.batch) */
	struct blocked *blocked; /* citizens held back in the current round */
	int running;             /* the thread was started */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int notified;
	int stopping;
	long long last_checkpoint_ms;
	long long last_sweep_ms;
};

static const char select_due_sql[] =
    "SELECT e.id, e.page_id, e.source, e.kind, e.sender_id, e.recipient_id, e.citizen_id,"
    " e.payload, e.ts_ms, e.attempts FROM events e"
    " WHERE e.status = 0 AND e.next_attempt_at <= ?1"
    " AND NOT EXISTS (SELECT 1 FROM events b WHERE b.status = 0 AND b.attempts > 0"
    "   AND b.citizen_id = e.citizen_id AND b.next_attempt_at > ?1"
    "   AND (b.ts_ms < e.ts_ms OR (b.ts_ms = e.ts_ms AND b.id < e.id)))"
    " ORDER BY e.ts_ms, e.id LIMIT ?2";
static const char mark_done_sql[] =
    "UPDATE events SET status = 1, processed_at = ?2, last_error = NULL WHERE id = ?1";
static const char mark_failed_sql[] =
    "UPDATE events SET attempts = ?2, next_attempt_at = ?3, last_error = ?4,"
    " status = ?5 WHERE id = ?1";
static const char next_due_sql[] = "SELECT MIN(next_attempt_at) FROM events WHERE status = 0";

/* Citizens that must not get more events in this round. */
struct blocked {
	char **ids;
	size_t count, cap;
};

static int blocked_has(const struct blocked *b, const char *id)
{
	for (size_t i = 0; i < b->count; i++)
		if (strcmp(b->ids[i], id) == 0)
			return 1;
	return 0;
}

static void blocked_add(struct blocked *b, const char *id)
{
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		char **ids = realloc(b->ids, cap * sizeof(*ids));
		if (!ids)
			return;
		b->ids = ids;
		b->cap = cap;
	}
	char *copy = strdup(id);
	if (copy)
		b->ids[b->count++] = copy;
}

static void blocked_clear(struct blocked *b)
{
	for (size_t i = 0; i < b->count; i++)
		free(b->ids[i]);
	b->count = 0;
}

static long long backoff_ms(const struct worker_options *o, int attempts)
{
	long long d = o->retry_base_ms;
	for (int i = 1; i < attempts && d < o->retry_max_ms; i++)
		d *= 2;
	return d < o->retry_max_ms ? d : o->retry_max_ms;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int mark_done(struct worker *w, long long id, long long now_ms)
{
	sqlite3_bind_int64(w->mark_done, 1, id);
	sqlite3_bind_int64(w->mark_done, 2, now_ms);
	return step_done(w->mark_done);
}

static int mark_failed(struct worker *w, long long id, int attempts, const char *error,
                       long long now_ms, int *parked)
{
	*parked = attempts >= w->opt.max_attempts;
	sqlite3_stmt *st = w->mark_failed;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, attempts);
	sqlite3_bind_int64(st, 3, now_ms + backoff_ms(&w->opt, attempts));
	sqlite3_bind_text(st, 4, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, *parked ? 2 : 0);
	return step_done(st);
}

/* A due event copied out of the SELECT, so rows can be updated freely. */
struct due {
	struct stored_event ev;
	int attempts;
	char *strings; /* one allocation holding every text field */
};

static void due_free(struct due *d, int n)
{
	for (int i = 0; i < n; i++)
		free(d[i].strings);
}

static int due_copy(sqlite3_stmt *row, struct due *d)
{
	size_t total = 0;
	for (int c = 1; c <= 7; c++)
		total += (size_t)sqlite3_column_bytes(row, c) + 1;
	char *p = d->strings = malloc(total);
	if (!p)
		return -1;
	const char **fields[7] = {&d->ev.page_id,   &d->ev.source,       &d->ev.kind,
	                          &d->ev.sender_id, &d->ev.recipient_id, &d->ev.citizen_id,
	                          &d->ev.payload};
	for (int c = 1; c <= 7; c++) {
		const unsigned char *t = sqlite3_column_text(row, c);
		size_t n = (size_t)sqlite3_column_bytes(row, c);
		memcpy(p, t ? (const char *)t : "", n);
		p[n] = '\0';
		*fields[c - 1] = p;
		p += n + 1;
	}
	d->ev.id = sqlite3_column_int64(row, 0);
	d->ev.ts_ms = sqlite3_column_int64(row, 8);
	d->attempts = sqlite3_column_int(row, 9);
	return 0;
}

struct apply_txn {
	struct worker *w;
	const struct stored_event *ev;
	long long now_ms;
	char err[512];
};

/* Inside the event's savepoint: its effects and its "done" mark. */
static int apply_event(sqlite3 *db, void *arg)
{
	(void)db;
	struct apply_txn *t = arg;
	if (processor_apply(t->w->proc, t->ev, t->now_ms, t->err, sizeof(t->err)) == 0 &&
	    mark_done(t->w, t->ev->id, t->now_ms) == 0)
		return 0;
	if (!t->err[0])
		snprintf(t->err, sizeof(t->err), "database: %s", sqlite3_errmsg(t->w->db));
	return 1;
}

/* Applies one event in a savepoint; returns -1 only on a database failure
 * that should abort the whole round. */
static int handle_one(struct worker *w, const struct due *d, struct blocked *blocked,
                      long long now_ms)
{
	const struct stored_event *ev = &d->ev;
	if (blocked_has(blocked, ev->citizen_id))
		return 0;
	struct apply_txn t = {.w = w, .ev = ev, .now_ms = now_ms};
	int rc = store_savepoint(w->db, apply_event, &t);
	if (rc == 0)
		metrics_count(&w->opt.metrics->events_processed, 1);
	if (rc <= 0)
		return rc;
	int parked = 0;
	if (mark_failed(w, ev->id, d->attempts + 1, t.err, now_ms, &parked) < 0)
		return -1;
	char idbuf[24];
	snprintf(idbuf, sizeof(idbuf), "%lld", ev->id);
	metrics_count(&w->opt.metrics->events_failed, 1);
	if (parked)
		metrics_count(&w->opt.metrics->events_parked, 1);
	log_event(parked ? LOG_ERROR : LOG_WARN, parked ? "event_parked" : "event_failed",
	          "event_id", idbuf, "kind", ev->kind, "error", t.err, NULL);
	if (!parked)
		blocked_add(blocked, ev->citizen_id);
	return 0;
}

/* Reads up to opt.batch due events into due[]; returns how many, or -1. */
static int load_due(struct worker *w, struct due *due, long long now_ms)
{
	int n = 0;
	sqlite3_stmt *st = w->select_due;
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int(st, 2, w->opt.batch);
	while (n < w->opt.batch && sqlite3_step(st) == SQLITE_ROW) {
		if (due_copy(st, &due[n]) < 0)
			break;
		n++;
	}
	sqlite3_reset(st);
	return n;
}

static int ingest_busy(const struct worker *w)
{
	return w->opt.ingest_waiting && atomic_load(w->opt.ingest_waiting) > 0;
}

/* Lets waiting webhook requests commit first, for at most yield_wait_ms. */
static void yield_to_ingest(struct worker *w)
{
	long long until = clock_mono_ms() + w->opt.yield_wait_ms;
	while (ingest_busy(w) && clock_mono_ms() < until) {
		struct timespec nap = {0, 200000}; /* 0.2 ms */
		nanosleep(&nap, NULL);
	}
}

struct round_txn {
	struct worker *w;
	struct due *due;
	struct blocked *blocked;
	long long now_ms;
	int n, done;
};

/* Inside the round's transaction: the due events, each in its savepoint. */
static int run_events(sqlite3 *db, void *arg)
{
	(void)db;
	struct round_txn *t = arg;
	struct worker *w = t->w;
	int rc = 0;
	t->n = load_due(w, t->due, t->now_ms);
	long long started = clock_mono_ms();
	while (t->done < t->n && rc == 0) {
		rc = handle_one(w, &t->due[t->done++], t->blocked, t->now_ms);
		/* Requests are waiting: commit what is done and give way. */
		if (ingest_busy(w) && clock_mono_ms() - started >= w->opt.yield_slice_ms)
			break;
	}
	return rc;
}

/* One round: returns the number of events looked at, or -1 on error. */
static int run_round(struct worker *w, struct due *due, struct blocked *blocked, long long now_ms)
{
	yield_to_ingest(w);
	struct round_txn t = {.w = w, .due = due, .blocked = blocked, .now_ms = now_ms};
	char err[256] = "";
	int rc = store_write(w->opt.store, w->db, run_events, &t, err, sizeof(err));
	if (rc != 0)
		log_event(LOG_ERROR, "worker_round_failed", "error", err, NULL);
	if (processor_take_queued(w->proc) > 0 && rc == 0 && w->opt.notify)
		w->opt.notify(w->opt.notify_arg);
	due_free(due, t.n);
	blocked_clear(blocked);
	return rc != 0 ? -1 : (t.done < t.n ? w->opt.batch : t.n); /* cut short: more to do */
}

int worker_run_round(struct worker *w, long long now_ms)
{
	return run_round(w, w->due, w->blocked, now_ms);
}

/*
 * Checkpoints at most every 200 ms, in two steps: PASSIVE checkpoints
 * without any lock copy the bulk of the WAL into the database while commits
 * go on (each pass the frames committed during the one before); when only a
 * few frames are left, one more under the write lock copies them. With every frame copied, the next
 * commit starts the WAL from its beginning again, so it stays small however busy the webhook.
 */
static void maybe_checkpoint(struct worker *w)
{
	long long now = clock_mono_ms();
	if (now - w->last_checkpoint_ms < 200)
		return;
	w->last_checkpoint_ms = now;
	/* each pass copies what was committed during the previous one */
	int left = store_checkpoint(w->opt.store, w->db, 0);
	for (int pass = 0; pass < 4 && left > 64; pass++)
		left = store_checkpoint(w->opt.store, w->db, 0);
	if (left < 0 || left > 256)
		return; /* very busy: try again next time rather than hold up commits */
	store_checkpoint(w->opt.store, w->db, 1);
}

/* Milliseconds until the earliest pending retry, capped at one second. */
static long long wait_budget_ms(struct worker *w, long long now_ms)
{
	long long wait = 1000;
	if (sqlite3_step(w->next_due) == SQLITE_ROW &&
	    sqlite3_column_type(w->next_due, 0) != SQLITE_NULL) {
		long long d = sqlite3_column_int64(w->next_due, 0) - now_ms;
		wait = d < 0 ? 0 : (d < wait ? d : wait);
	}
	sqlite3_reset(w->next_due);
	return wait;
}

static void wait_for_work(struct worker *w, long long ms)
{
	struct timespec ts;
	clock_deadline_after(&ts, ms);
	pthread_mutex_lock(&w->mu);
	while (!w->notified && !w->stopping) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
			break;
	}
	w->notified = 0;
	pthread_mutex_unlock(&w->mu);
}

static int stopping(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	int s = w->stopping;
	pthread_mutex_unlock(&w->mu);
	return s;
}

struct sweep_txn {
	struct worker *w;
	long long now_ms;
	struct sweep_result res;
	char err[256];
};

static int sweep_txn(sqlite3 *db, void *arg)
{
	struct sweep_txn *t = arg;
	struct conversation_env env;
	const struct municipality_data *held = conversation_env_hold(t->w->opt.env, &env);
	int rc = conversation_staff_sweep(db, &env, t->now_ms, &t->res, t->err, sizeof(t->err));
	conversation_env_release(t->w->opt.env, held);
	return rc < 0 ? 1 : 0;
}

int worker_sweep(struct worker *w, long long now_ms)
{
	if (!w->opt.env)
		return 0;
	struct sweep_txn t = {.w = w, .now_ms = now_ms};
	char err[256] = "";
	int rc = store_write(w->opt.store, w->db, sweep_txn, &t, err, sizeof(err));
	if (rc != 0) {
		log_event(LOG_ERROR, "conversation_sweep_failed", "error", t.err[0] ? t.err : err,
		          NULL);
		return -1;
	}
	struct metrics *m = w->opt.metrics;
	metrics_count(&m->sla_first_response_breaches,
	              (unsigned long long)t.res.first_response_breaches);
	metrics_count(&m->sla_resolution_breaches, (unsigned long long)t.res.resolution_breaches);
	metrics_count(&m->idle_returned, (unsigned long long)t.res.idle_returned);
	if (t.res.queued > 0 && w->opt.notify)
		w->opt.notify(w->opt.notify_arg);
	return 0;
}

static void maybe_sweep(struct worker *w)
{
	long long now = clock_mono_ms();
	int every = w->opt.sweep_interval_ms > 0 ? w->opt.sweep_interval_ms : 30000;
	if (w->last_sweep_ms && now - w->last_sweep_ms < every)
		return;
	w->last_sweep_ms = now;
	worker_sweep(w, clock_now_ms());
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	while (!stopping(w)) {
		int seen = worker_run_round(w, clock_now_ms());
		maybe_checkpoint(w);
		maybe_sweep(w);
		if (seen == w->opt.batch)
			continue; /* more may be waiting */
		wait_for_work(w, seen < 0 ? 1000 : wait_budget_ms(w, clock_now_ms()));
	}
	return NULL;
}

static int prepare(struct worker *w, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "worker: %s", sqlite3_errmsg(w->db));
	return -1;
}

static void worker_free(struct worker *w)
{
	if (w->blocked)
		free(w->blocked->ids);
	free(w->blocked);
	free(w->due);
	processor_free(w->proc);
	sqlite3_finalize(w->select_due);
	sqlite3_finalize(w->mark_done);
	sqlite3_finalize(w->mark_failed);
	sqlite3_finalize(w->next_due);
	store_disconnect(w->db);
	free(w);
}

struct worker *worker_open(const struct worker_options *opt, char *err, size_t errlen)
{
	struct worker *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->opt = *opt;
	w->due = calloc((size_t)(opt->batch > 0 ? opt->batch : 1), sizeof(*w->due));
	w->blocked = calloc(1, sizeof(*w->blocked));
	if (!w->due || !w->blocked) {
		snprintf(err, errlen, "out of memory");
		worker_free(w);
		return NULL;
	}
	w->db = store_connect(opt->store, err, errlen);
	if (!w->db || prepare(w, select_due_sql, &w->select_due, err, errlen) < 0 ||
	    prepare(w, mark_done_sql, &w->mark_done, err, errlen) < 0 ||
	    prepare(w, mark_failed_sql, &w->mark_failed, err, errlen) < 0 ||
	    prepare(w, next_due_sql, &w->next_due, err, errlen) < 0 ||
	    !(w->proc = processor_new(w->db,
	                              &(struct processor_options){.answer = opt->answer,
	                                                          .metrics = opt->metrics,
	                                                          .knowledge = opt->knowledge,
	                                                          .data = opt->data,
	                                                          .app_id = opt->app_id,
	                                                          .env = opt->env},
	                              err, errlen))) {
		worker_free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	return w;
}

struct worker *worker_start(const struct worker_options *opt, char *err, size_t errlen)
{
	struct worker *w = worker_open(opt, err, errlen);
	if (!w)
		return NULL;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		snprintf(err, errlen, "worker: cannot start thread");
		worker_stop(w);
		return NULL;
	}
	w->running = 1;
	return w;
}

void worker_notify(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->mu);
	w->notified = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void worker_stop(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->running)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	worker_free(w);
}
