/*
 * ops.c - /healthz and /metrics (see ops.h).
 *
 * Both share one database connection guarded by a mutex; health checks write
 * through store_write(), so they queue behind the ingest writer for the
 * process's write lock rather than fail on SQLite's lock. The check's busy timeout is short: a
 * database that cannot take a write within a second is reported unhealthy.
 */
#include "ops.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "core/clock.h"
#include "store/store.h"
#include "core/log.h"

struct ops {
	sqlite3 *db;
	pthread_mutex_t mu;
	struct store *store;
	struct metrics *metrics;
};

struct ops *ops_new(struct store *store, struct metrics *m, char *err, size_t errlen)
{
	struct ops *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->db = store_connect(store, err, errlen);
	if (!o->db) {
		free(o);
		return NULL;
	}
	sqlite3_busy_timeout(o->db, 1000); /* unhealthy if no write within a second */
	pthread_mutex_init(&o->mu, NULL);
	o->store = store;
	o->metrics = m;
	return o;
}

void ops_free(struct ops *o)
{
	if (!o)
		return;
	store_disconnect(o->db);
	pthread_mutex_destroy(&o->mu);
	free(o);
}

static int exec_sql(sqlite3 *db, void *sql)
{
	return db_exec(db, sql) == SQLITE_OK ? 0 : -1;
}

static int health_write(struct ops *o)
{
	char sql[128];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO health (id, checked_at) VALUES (1, %lld)"
	         " ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
	         clock_now_ms());
	return store_write(o->store, o->db, exec_sql, sql, NULL, 0) == 0 ? 0 : -1;
}

static int healthz_handler(struct http_req *req, void *cbdata)
{
	struct ops *o = cbdata;
	pthread_mutex_lock(&o->mu);
	int rc = health_write(o);
	const char *why = rc == 0 ? NULL : sqlite3_errmsg(o->db);
	if (why)
		log_event(LOG_ERROR, "health_check_failed", "error", why, NULL);
	pthread_mutex_unlock(&o->mu);
	if (rc == 0)
		return http_reply_text(req, 200, "ok\n");
	return http_reply_text(req, 503, "database not writable\n");
}

static long long count_where(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int metrics_handler(struct http_req *req, void *cbdata)
{
	struct ops *o = cbdata;
	pthread_mutex_lock(&o->mu);
	long long pending = count_where(o->db, "SELECT COUNT(*) FROM events WHERE status = 0");
	long long parked = count_where(o->db, "SELECT COUNT(*) FROM events WHERE status = 2");
	atomic_store(&o->metrics->outbox_pending,
	             count_where(o->db, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"));
	pthread_mutex_unlock(&o->mu);
	char *text = metrics_render(o->metrics, pending, parked);
	if (!text)
		return http_reply_text(req, 500, "out of memory\n");
	int rc = http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", text,
	                    strlen(text), NULL);
	free(text);
	return rc;
}

void ops_register(struct http *h, struct ops *o)
{
	http_route(h, "/healthz$", healthz_handler, o);
	http_route(h, "/metrics$", metrics_handler, o);
}
