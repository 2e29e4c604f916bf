/*
 * store.h - the database as one object: where it is, how long to wait for
 * another process's lock, and the process's write lock.
 *
 * Every writer in the process (the ingest writer, the worker, the outbox
 * senders, the staff API, Open311, /healthz) takes the same write lock
 * around each write transaction, so they queue in the process instead of
 * spinning in SQLite's busy handler; another process (a CLI command) is
 * waited for up to busy_ms. Only this module begins, commits or rolls back a
 * transaction and takes that lock: everything else hands store_write() a
 * function to run inside one. Readers need neither: WAL mode lets them read
 * while a writer commits.
 *
 * Connections: a thread that lives as long as the server (the ingest writer,
 * the worker, a sender) opens its own with store_connect() and keeps its
 * prepared statements on it. Request handlers, which run on CivetWeb's
 * threads, use store_thread_db(): one connection per thread, opened on first
 * use and closed when the thread ends or the store is closed.
 *
 * Limits: one store per database file per process (two would have two write
 * locks). A store_write() must not be nested in another on the same thread:
 * the lock is not recursive; inside a transaction use store_savepoint().
 */
#ifndef BORGERBOT_STORE_H
#define BORGERBOT_STORE_H

#include <sqlite3.h>
#include <stddef.h>

struct store;

/* Creates the database's folder and file if missing, brings the schema up to
 * date and returns the store, or NULL with err set. busy_ms bounds how long a
 * statement waits for a lock held by another process. */
struct store *store_open(const char *path, int busy_ms, char *err, size_t errlen);

/* Closes the per-thread connections still open and frees s. Connections from
 * store_connect() are the caller's to close first (store_disconnect). */
void store_close(struct store *s);

const char *store_path(const struct store *s);

/* A new connection (WAL, synchronous=FULL, foreign keys on, no checkpoint on
 * commit) for the calling thread, or NULL with err set. */
sqlite3 *store_connect(struct store *s, char *err, size_t errlen);
void store_disconnect(sqlite3 *db);

/* The calling thread's own connection, opened on first use; NULL with err
 * set when it cannot be opened. Do not close it. */
sqlite3 *store_thread_db(struct store *s, char *err, size_t errlen);

/* Work done inside a transaction: return 0 to commit, anything else to roll
 * back. Use -1 for a database error (sqlite3_errmsg(db) says which). */
typedef int (*store_txn_fn)(sqlite3 *db, void *arg);

/* Runs fn(db, arg) in one write transaction under the write lock:
 * lock, BEGIN IMMEDIATE, fn, COMMIT (or ROLLBACK), unlock. Returns 0 when
 * committed; fn's value when fn asked for a rollback; -1 when BEGIN or COMMIT
 * failed (rolled back). On any rollback, err (may be NULL) gets SQLite's
 * message unless it already holds one (fn may write its own reason there). */
int store_write(struct store *s, sqlite3 *db, store_txn_fn fn, void *arg, char *err, size_t errlen);

/* store_write() again while it fails because another process holds the
 * database (SQLITE_BUSY or SQLITE_LOCKED), at most attempts times, pausing
 * pause_ms between tries with the lock released. For writes whose loss costs
 * more than a wait: the outbox's "sent" marks (a lost mark means a message
 * sent twice). */
int store_write_persist(struct store *s, sqlite3 *db, store_txn_fn fn, void *arg, int attempts,
                        int pause_ms, char *err, size_t errlen);

/* Runs fn in a savepoint inside the caller's transaction: RELEASE when fn
 * returns 0, else ROLLBACK TO and RELEASE, so the transaction goes on
 * without fn's writes. Returns 0 (kept), 1 (fn failed, its writes undone),
 * or -1 when the savepoint itself failed: then the whole transaction should
 * be rolled back. */
int store_savepoint(sqlite3 *db, store_txn_fn fn, void *arg);

/* Copies committed WAL frames into the database file. Connections never
 * checkpoint on commit; the worker calls this between rounds. With
 * under_lock 0 it is a PASSIVE checkpoint that waits for nothing; with 1 it
 * takes the write lock first, so no commit can add frames meanwhile and the
 * next commit restarts the WAL from its beginning. Returns the frames still
 * not copied, or -1 on error. */
int store_checkpoint(struct store *s, sqlite3 *db, int under_lock);

/* Writes a consistent copy of the database at db_path (as of one commit,
 * while a server may be writing) to dest, atomically: dest is replaced only
 * by a whole copy that passed PRAGMA quick_check. 0, or -1 with err set. */
int store_backup(const char *db_path, const char *dest, int busy_ms, char *err, size_t errlen);
/* Under the write lock: copies every WAL frame into the database and
 * truncates the WAL file to zero bytes, waiting (busy timeout) for readers
 * of older snapshots. After a citizen's data is deleted, so no copy of it
 * survives in old WAL frames (privacy.h). Returns 0, or -1 when readers
 * kept it from finishing. */
int store_checkpoint_truncate(struct store *s, sqlite3 *db);

#endif
