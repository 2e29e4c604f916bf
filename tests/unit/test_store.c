/*
 * test_store.c - the store's write transaction, savepoints, per-thread
 * connections and the write lock (server/store/store.h), on a real SQLite
 * file in a temporary folder. Links bb_store only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *store;
	sqlite3 *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/bb-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* a folder that does not exist yet: store_open creates it */
	snprintf(f->path, sizeof(f->path), "%s/data/test.db", f->dir);
	char err[256] = "";
	f->store = store_open(f->path, 200, err, sizeof(err));
	assert_non_null(f->store);
	assert_string_equal(store_path(f->store), f->path);
	f->db = store_connect(f->store, err, sizeof(err));
	assert_non_null(f->db);
	assert_int_equal(sqlite3_exec(f->db, "CREATE TABLE t (v INTEGER)", NULL, NULL, NULL),
	                 SQLITE_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_disconnect(f->db);
	store_close(f->store);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static long long count_rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int insert_one(sqlite3 *db, void *arg)
{
	(void)arg;
	return sqlite3_exec(db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Inserts, then asks for a rollback with the value in arg. */
static int insert_then_fail(sqlite3 *db, void *arg)
{
	insert_one(db, NULL);
	return *(int *)arg;
}

static int bad_sql(sqlite3 *db, void *arg)
{
	(void)arg;
	return sqlite3_exec(db, "INSERT INTO no_such_table VALUES (1)", NULL, NULL, NULL) ==
	               SQLITE_OK
	           ? 0
	           : -1;
}

static void test_write_commits(void **state)
{
	struct fixture *f = *state;
	char err[128] = "";
	assert_int_equal(store_write(f->store, f->db, insert_one, NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(count_rows(f->db), 1);
	assert_true(sqlite3_get_autocommit(f->db)); /* no transaction left open */
}

static void test_write_rolls_back_and_returns_fn_value(void **state)
{
	struct fixture *f = *state;
	int why = 7;
	char err[128] = "mine";
	assert_int_equal(store_write(f->store, f->db, insert_then_fail, &why, err, sizeof(err)), 7);
	assert_string_equal(err, "mine"); /* fn's own reason is kept */
	assert_int_equal(count_rows(f->db), 0);
	assert_true(sqlite3_get_autocommit(f->db));
}

static void test_write_reports_sqlite_error(void **state)
{
	struct fixture *f = *state;
	char err[128] = "";
	assert_int_equal(store_write(f->store, f->db, bad_sql, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no such table"));
	assert_true(sqlite3_get_autocommit(f->db));
	/* the store is usable afterwards */
	assert_int_equal(store_write(f->store, f->db, insert_one, NULL, NULL, 0), 0);
	assert_int_equal(count_rows(f->db), 1);
}

struct sp_round {
	int fail_second;
};

static int savepoint_round(sqlite3 *db, void *arg)
{
	struct sp_round *r = arg;
	int keep = 0, undo = 1;
	if (store_savepoint(db, insert_then_fail, &keep) != 0)
		return -1;
	int rc = store_savepoint(db, insert_then_fail, r->fail_second ? &undo : &keep);
	return rc < 0 ? -1 : 0;
}

static void test_savepoint_undoes_only_its_part(void **state)
{
	struct fixture *f = *state;
	struct sp_round r = {.fail_second = 1};
	assert_int_equal(store_write(f->store, f->db, savepoint_round, &r, NULL, 0), 0);
	assert_int_equal(count_rows(f->db), 1); /* the first kept, the second undone */
	r.fail_second = 0;
	assert_int_equal(store_write(f->store, f->db, savepoint_round, &r, NULL, 0), 0);
	assert_int_equal(count_rows(f->db), 3);
}

static void test_savepoint_result_values(void **state)
{
	struct fixture *f = *state;
	int keep = 0, undo = 5;
	assert_int_equal(sqlite3_exec(f->db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_savepoint(f->db, insert_then_fail, &keep), 0);
	assert_int_equal(store_savepoint(f->db, insert_then_fail, &undo), 1);
	assert_int_equal(sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(count_rows(f->db), 1);
}

/* Another process's write transaction: SQLITE_BUSY after busy_ms, nothing
 * written, an error that says so; persist waits it out. */
static void test_busy_database(void **state)
{
	struct fixture *f = *state;
	sqlite3 *other;
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	char err[128] = "";
	assert_int_equal(store_write(f->store, f->db, insert_one, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "locked"));
	/* persist gives up after its attempts while the other still holds it */
	err[0] = '\0';
	assert_int_equal(
	    store_write_persist(f->store, f->db, insert_one, NULL, 2, 10, err, sizeof(err)), -1);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(
	    store_write_persist(f->store, f->db, insert_one, NULL, 2, 10, err, sizeof(err)), 0);
	assert_int_equal(count_rows(f->db), 1);
}

struct racer {
	struct store *store;
	sqlite3 *db; /* the thread's own connection, as seen by the thread */
	int failures;
};

static int increment(sqlite3 *db, void *arg)
{
	(void)arg;
	/* read-modify-write: only correct if writers are serialised */
	return sqlite3_exec(db, "INSERT INTO t SELECT count(*) FROM t", NULL, NULL, NULL) ==
	               SQLITE_OK
	           ? 0
	           : -1;
}

static void *race(void *arg)
{
	struct racer *r = arg;
	char err[128];
	r->db = store_thread_db(r->store, err, sizeof(err));
	if (!r->db || store_thread_db(r->store, err, sizeof(err)) != r->db) {
		r->failures = -1;
		return NULL;
	}
	for (int i = 0; i < 100; i++)
		if (store_write(r->store, r->db, increment, NULL, err, sizeof(err)) != 0)
			r->failures++;
	return NULL;
}

/* Four threads writing at once: the write lock queues them, no
 * SQLITE_BUSY, every write lands. Each thread's connection is closed when
 * the thread ends (LeakSanitizer would see one left open). */
static void test_threads_share_the_write_lock(void **state)
{
	struct fixture *f = *state;
	struct racer r[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		r[i] = (struct racer){.store = f->store};
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(r[i].failures, 0);
	}
	assert_int_equal(count_rows(f->db), 400);
	/* values 0..399 each once: every read-modify-write saw the one before */
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(f->db, "SELECT count(DISTINCT v), max(v) FROM t", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 400);
	assert_int_equal(sqlite3_column_int(st, 1), 399);
	sqlite3_finalize(st);
}

/* A case stored before UTF-8 was checked becomes readable on upgrade. */
static void test_migration_repairs_text_that_is_not_utf8(void **state)
{
	(void)state;
	char err[300];
	sqlite3 *db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	assert_int_equal(db_exec(db,
	                         "INSERT INTO cases (reference, year, seq, category, department,"
	                         " description, source, created_at, updated_at) VALUES"
	                         " ('TM-1', 2026, 1, 'road_damage', 'Vej og Park',"
	                         " CAST(X'68756cff20' AS TEXT), 'open311', 0, 0)"),
	                 SQLITE_OK);
	/* back to the version before the repair step, as an old database is;
	 * the migrations after it (appended later) are undone by hand first */
	sqlite3_stmt *st;
	int repair = db_migration_number("-- repair_text:");
	assert_true(repair > 0);
	assert_int_equal(db_exec(db, "DROP TABLE audit_log; DROP TABLE staff_sessions;"
	                             " DROP TABLE staff_users"),
	                 SQLITE_OK);
	char setv[64];
	snprintf(setv, sizeof(setv), "PRAGMA user_version=%d", repair - 1);
	assert_int_equal(db_exec(db, setv), SQLITE_OK);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT hex(description) FROM cases", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "68756CEFBFBD20");
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_open_errors(void **state)
{
	(void)state;
	char err[256] = "";
	assert_null(store_open("/proc/no-such-dir/x/borgerbot.db", 100, err, sizeof(err)));
	assert_true(err[0] != '\0');
	char longpath[700];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	err[0] = '\0';
	assert_null(store_open(longpath, 100, err, sizeof(err)));
	assert_non_null(strstr(err, "too long"));
	store_close(NULL); /* a no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_commits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_rolls_back_and_returns_fn_value, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_write_reports_sqlite_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_savepoint_undoes_only_its_part, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_savepoint_result_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_busy_database, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_threads_share_the_write_lock, setup, teardown),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_migration_repairs_text_that_is_not_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
