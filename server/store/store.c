/*
 * store.c - the database object and its write transaction (see store.h).
 *
 * The write lock is a plain mutex: SQLite allows one writer per database
 * anyway, and queueing here (in arrival order, no sleeping in the busy
 * handler) is what keeps a webhook request's group commit from waiting
 * behind a worker that polls for the lock. Per-thread connections hang off
 * a pthread key whose destructor closes them when a thread ends; the store
 * also lists them, so store_close() can close those of threads still alive.
 */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

struct thread_conn {
	struct store *store;
	sqlite3 *db;
	struct thread_conn *prev, *next;
};

struct store {
	char path[512];
	int busy_ms;
	pthread_mutex_t write_lock;
	pthread_key_t key;
	pthread_mutex_t conns_mu; /* guards conns */
	struct thread_conn *conns;
};

static void conn_unlink(struct store *s, struct thread_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

/* The key's destructor: the thread ends, its connection goes. */
static void thread_conn_end(void *p)
{
	struct thread_conn *c = p;
	pthread_mutex_lock(&c->store->conns_mu);
	conn_unlink(c->store, c);
	pthread_mutex_unlock(&c->store->conns_mu);
	sqlite3_close_v2(c->db);
	free(c);
}

struct store *store_open(const char *path, int busy_ms, char *err, size_t errlen)
{
	if (strlen(path) >= sizeof(((struct store *)0)->path)) {
		snprintf(err, errlen, "database path too long: %s", path);
		return NULL;
	}
	if (db_ensure_parent_dir(path, err, errlen) < 0)
		return NULL;
	sqlite3 *db = db_open(path, busy_ms, err, errlen);
	if (!db)
		return NULL;
	int rc = db_migrate(db, err, errlen);
	sqlite3_close(db);
	if (rc < 0)
		return NULL;
	struct store *s = calloc(1, sizeof(*s));
	if (!s || pthread_key_create(&s->key, thread_conn_end) != 0) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->busy_ms = busy_ms;
	pthread_mutex_init(&s->write_lock, NULL);
	pthread_mutex_init(&s->conns_mu, NULL);
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	pthread_key_delete(s->key); /* no destructor runs after this */
	pthread_mutex_lock(&s->conns_mu);
	for (struct thread_conn *c = s->conns, *next; c; c = next) {
		next = c->next;
		sqlite3_close_v2(c->db);
		free(c);
	}
	s->conns = NULL;
	pthread_mutex_unlock(&s->conns_mu);
	pthread_mutex_destroy(&s->conns_mu);
	pthread_mutex_destroy(&s->write_lock);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

sqlite3 *store_connect(struct store *s, char *err, size_t errlen)
{
	return db_open(s->path, s->busy_ms, err, errlen);
}

void store_disconnect(sqlite3 *db)
{
	sqlite3_close_v2(db);
}

sqlite3 *store_thread_db(struct store *s, char *err, size_t errlen)
{
	struct thread_conn *c = pthread_getspecific(s->key);
	if (c)
		return c->db;
	if (!(c = calloc(1, sizeof(*c)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(c->db = store_connect(s, err, errlen))) {
		free(c);
		return NULL;
	}
	c->store = s;
	pthread_mutex_lock(&s->conns_mu);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	pthread_mutex_unlock(&s->conns_mu);
	pthread_setspecific(s->key, c);
	return c->db;
}

static void keep_error(sqlite3 *db, char *err, size_t errlen)
{
	if (err && errlen && !err[0])
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
}

/* One try; *code gets the SQLite result code of what failed. */
static int write_once(struct store *s, sqlite3 *db, store_txn_fn fn, void *arg, char *err,
                      size_t errlen, int *code)
{
	int rc;
	*code = SQLITE_OK;
	pthread_mutex_lock(&s->write_lock);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		*code = sqlite3_errcode(db);
		keep_error(db, err, errlen);
		pthread_mutex_unlock(&s->write_lock);
		return -1;
	}
	rc = fn(db, arg);
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	if (rc != 0) {
		*code = sqlite3_errcode(db);
		keep_error(db, err, errlen);
		/* A failed COMMIT may leave the transaction open; a failed statement
		 * certainly does. Without autocommit there is something to undo. */
		if (!sqlite3_get_autocommit(db))
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

int store_write(struct store *s, sqlite3 *db, store_txn_fn fn, void *arg, char *err, size_t errlen)
{
	int code;
	return write_once(s, db, fn, arg, err, errlen, &code);
}

int store_write_persist(struct store *s, sqlite3 *db, store_txn_fn fn, void *arg, int attempts,
                        int pause_ms, char *err, size_t errlen)
{
	int rc = -1;
	for (int i = 0; i < attempts; i++) {
		int code;
		if (err && errlen)
			err[0] = '\0';
		rc = write_once(s, db, fn, arg, err, errlen, &code);
		if (rc == 0)
			break;
		if ((code & 0xff) != SQLITE_BUSY && (code & 0xff) != SQLITE_LOCKED)
			break;
		usleep((useconds_t)pause_ms * 1000);
	}
	return rc;
}

int store_savepoint(sqlite3 *db, store_txn_fn fn, void *arg)
{
	if (sqlite3_exec(db, "SAVEPOINT store_sp", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	int rc = fn(db, arg);
	if (rc == 0)
		return sqlite3_exec(db, "RELEASE store_sp", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	if (sqlite3_exec(db, "ROLLBACK TO store_sp", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "RELEASE store_sp", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 1;
}

int store_checkpoint(struct store *s, sqlite3 *db, int under_lock)
{
	if (!under_lock)
		return db_checkpoint(db);
	pthread_mutex_lock(&s->write_lock);
	int left = db_checkpoint(db);
	pthread_mutex_unlock(&s->write_lock);
	return left;
}

int store_checkpoint_truncate(struct store *s, sqlite3 *db)
{
	pthread_mutex_lock(&s->write_lock);
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	pthread_mutex_unlock(&s->write_lock);
	return rc == SQLITE_OK ? 0 : -1;
}
