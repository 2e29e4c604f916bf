/*
 * ingest.c - the group-commit writer (see ingest.h).
 *
 * Flow: HTTP thread -> ingest_submit() appends a request to a FIFO queue and
 * waits on its own condition variable -> the writer thread takes every queued
 * request (up to max_batch events), INSERTs OR IGNOREs each event in one
 * store_write() transaction, then marks the requests done and signals them. One
 * fsync thus covers many requests. A failed batch fails all its requests,
 * and each is answered 503, so Meta delivers it again.
 *
 * Duplicates: the table is unique on (timestamp, key), which catches a
 * redelivery of the same event; the in-memory cache of recent keys
 * (dedup.h) also catches the same key with another timestamp, within a
 * batch as well. The cache is filled from the newest events at start and
 * re-filled after a rolled-back batch.
 */
#include "ingest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/dedup.h"
#include "core/clock.h"
#include "core/log.h"

#define DEDUP_KEYS 200000 /* recent keys remembered: about a day of a busy page */

struct request {
	const struct event_list *events;
	struct ingest_result result;
	int rc;
	int done;
	pthread_cond_t cv;
	struct request *next;
};

struct ingest {
	struct ingest_options opt;
	sqlite3 *db;
	sqlite3_stmt *insert;
	struct dedup_cache *recent;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;
	struct request *head, *tail;
	int stopping;
};

static const char insert_sql[] =
    "INSERT OR IGNORE INTO events (dedup_key, page_id, source, kind, sender_id, recipient_id,"
    " citizen_id, ts_ms, payload, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

static int insert_event(struct ingest *in, const struct event *ev, long long now, int *stored)
{
	*stored = 0;
	if (dedup_seen(in->recent, ev->dedup_key))
		return 0;
	sqlite3_stmt *st = in->insert;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, ev->dedup_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ev->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ev->sender_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ev->recipient_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ev->citizen_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, ev->ts_ms);
	sqlite3_bind_text(st, 9, ev->payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, now);
	int rc = sqlite3_step(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	*stored = sqlite3_changes(in->db) > 0;
	return dedup_add(in->recent, ev->dedup_key);
}

/* Remembers the keys of the newest stored events (at start, and after a
 * rolled-back batch left keys in the cache that were never committed). */
static int recent_fill(struct ingest *in)
{
	sqlite3_stmt *st;
	dedup_clear(in->recent);
	if (sqlite3_prepare_v2(in->db,
	                       "SELECT dedup_key FROM (SELECT id, dedup_key FROM events"
	                       " ORDER BY id DESC LIMIT ?1) ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, DEDUP_KEYS);
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = dedup_add(in->recent, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc;
}

struct batch_txn {
	struct ingest *in;
	struct request *batch;
	long long now;
};

static int insert_batch(sqlite3 *db, void *arg)
{
	(void)db;
	struct batch_txn *t = arg;
	int rc = 0;
	for (struct request *r = t->batch; r && rc == 0; r = r->next) {
		memset(&r->result, 0, sizeof(r->result));
		for (size_t i = 0; i < r->events->count && rc == 0; i++) {
			int stored = 0;
			rc = insert_event(t->in, &r->events->items[i], t->now, &stored);
			if (stored)
				r->result.stored++;
			else
				r->result.duplicate++;
		}
	}
	return rc;
}

/* Inserts and commits the events of a chain of requests; fills results. */
static int commit_batch(struct ingest *in, struct request *batch)
{
	struct batch_txn t = {in, batch, clock_now_ms()};
	char err[256] = "";
	int rc = store_write(in->opt.store, in->db, insert_batch, &t, err, sizeof(err));
	if (rc != 0) {
		log_event(LOG_ERROR, "ingest_commit_failed", "error", err, NULL);
		if (recent_fill(in) < 0)
			dedup_clear(in->recent); /* the unique index still holds */
	}
	return rc;
}

/* Takes queued requests totalling at most max_batch events (at least one). */
static struct request *take_batch(struct ingest *in, size_t *nevents)
{
	struct request *first = in->head, *last = in->head;
	size_t n = first->events->count;
	while (last->next && n + last->next->events->count <= (size_t)in->opt.max_batch) {
		last = last->next;
		n += last->events->count;
	}
	in->head = last->next;
	if (!in->head)
		in->tail = NULL;
	last->next = NULL;
	*nevents = n;
	return first;
}

static void finish_batch(struct ingest *in, struct request *batch, int rc, size_t nevents)
{
	unsigned long long stored = 0, dup = 0;
	for (struct request *r = batch; r; r = r->next) {
		stored += (unsigned long long)r->result.stored;
		dup += (unsigned long long)r->result.duplicate;
	}
	if (rc == 0) {
		metrics_count(&in->opt.metrics->events_stored, stored);
		metrics_count(&in->opt.metrics->events_duplicate, dup);
		metrics_count(&in->opt.metrics->ingest_batches, 1);
		metrics_observe_batch(&in->opt.metrics->ingest_batch_size, nevents);
	}
	pthread_mutex_lock(&in->mu);
	for (struct request *r = batch, *next; r; r = next) {
		next = r->next; /* r belongs to its waiter once done is set */
		r->rc = rc;
		r->done = 1;
		pthread_cond_signal(&r->cv);
		if (in->opt.waiting)
			atomic_fetch_sub(in->opt.waiting, 1);
	}
	pthread_mutex_unlock(&in->mu);
	if (rc == 0 && stored > 0 && in->opt.notify)
		in->opt.notify(in->opt.notify_arg);
}

static void *writer_main(void *arg)
{
	struct ingest *in = arg;
	pthread_mutex_lock(&in->mu);
	for (;;) {
		while (!in->head && !in->stopping)
			pthread_cond_wait(&in->work_cv, &in->mu);
		if (!in->head && in->stopping)
			break;
		size_t nevents;
		struct request *batch = take_batch(in, &nevents);
		pthread_mutex_unlock(&in->mu);
		int rc = commit_batch(in, batch);
		finish_batch(in, batch, rc, nevents);
		pthread_mutex_lock(&in->mu);
	}
	pthread_mutex_unlock(&in->mu);
	return NULL;
}

struct ingest *ingest_start(const struct ingest_options *opt, char *err, size_t errlen)
{
	struct ingest *in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->opt = *opt;
	in->db = store_connect(opt->store, err, errlen);
	if (!in->db) {
		free(in);
		return NULL;
	}
	if (sqlite3_prepare_v3(in->db, insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &in->insert,
	                       NULL) != SQLITE_OK ||
	    !(in->recent = dedup_new(DEDUP_KEYS)) || recent_fill(in) < 0) {
		snprintf(err, errlen, "ingest: %s",
		         in->recent ? sqlite3_errmsg(in->db) : "out of memory");
		sqlite3_finalize(in->insert);
		dedup_free(in->recent);
		store_disconnect(in->db);
		free(in);
		return NULL;
	}
	pthread_mutex_init(&in->mu, NULL);
	pthread_cond_init(&in->work_cv, NULL);
	if (pthread_create(&in->thread, NULL, writer_main, in) != 0) {
		snprintf(err, errlen, "ingest: cannot start writer thread");
		dedup_free(in->recent);
		sqlite3_finalize(in->insert);
		store_disconnect(in->db);
		free(in);
		return NULL;
	}
	return in;
}

int ingest_submit(struct ingest *in, const struct event_list *events, struct ingest_result *res)
{
	memset(res, 0, sizeof(*res));
	if (events->count == 0)
		return 0;
	struct request req = {.events = events};
	pthread_cond_init(&req.cv, NULL);
	pthread_mutex_lock(&in->mu);
	if (in->stopping) {
		pthread_mutex_unlock(&in->mu);
		pthread_cond_destroy(&req.cv);
		return -1;
	}
	if (in->tail)
		in->tail->next = &req;
	else
		in->head = &req;
	in->tail = &req;
	if (in->opt.waiting)
		atomic_fetch_add(in->opt.waiting, 1);
	pthread_cond_signal(&in->work_cv);
	while (!req.done)
		pthread_cond_wait(&req.cv, &in->mu);
	pthread_mutex_unlock(&in->mu);
	pthread_cond_destroy(&req.cv);
	*res = req.result;
	return req.rc;
}

void ingest_stop(struct ingest *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->mu);
	in->stopping = 1;
	pthread_cond_signal(&in->work_cv);
	pthread_mutex_unlock(&in->mu);
	pthread_join(in->thread, NULL);
	sqlite3_finalize(in->insert);
	dedup_free(in->recent);
	store_disconnect(in->db);
	pthread_cond_destroy(&in->work_cv);
	pthread_mutex_destroy(&in->mu);
	free(in);
}
