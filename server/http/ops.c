/*
 * ops.c - /healthz and /metrics (see ops.h).
 *
 * Both share one database connection guarded by a mutex; health checks also
 * take the process-wide write lock so they queue behind the ingest writer
 * rather than fail on SQLite's lock. The check's busy timeout is short: a
 * database that cannot take a write within a second is reported unhealthy.
 */
#include "ops.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "core/clock.h"
#include "core/log.h"

struct ops {
	sqlite3 *db;
	pthread_mutex_t mu;
	pthread_mutex_t *write_lock;
	struct metrics *metrics;
};

struct ops *ops_new(const char *db_path, pthread_mutex_t *write_lock, struct metrics *m, char *err,
                    size_t errlen)
{
	struct ops *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->db = db_open(db_path, 1000, err, errlen);
	if (!o->db) {
		free(o);
		return NULL;
	}
	pthread_mutex_init(&o->mu, NULL);
	o->write_lock = write_lock;
	o->metrics = m;
	return o;
}

void ops_free(struct ops *o)
{
	if (!o)
		return;
	sqlite3_close(o->db);
	pthread_mutex_destroy(&o->mu);
	free(o);
}

static int health_write(struct ops *o)
{
	char sql[128];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO health (id, checked_at) VALUES (1, %lld)"
	         " ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
	         clock_now_ms());
	pthread_mutex_lock(o->write_lock);
	int rc = db_exec(o->db, sql);
	pthread_mutex_unlock(o->write_lock);
	return rc == SQLITE_OK ? 0 : -1;
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
