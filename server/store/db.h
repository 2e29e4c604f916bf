/*
 * db.h - opens the SQLite database and keeps its schema current.
 *
 * Every thread that touches the database opens its own connection with
 * db_open() (WAL, synchronous=FULL, foreign keys on). Writers in this process
 * (the ingest writer, the worker, health checks) also hold a shared
 * pthread mutex around each write transaction, so they queue in the process
 * instead of spinning in SQLite's busy handler.
 */
#ifndef BORGERBOT_DB_H
#define BORGERBOT_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Opens (creating if needed) the database at path. busy_ms bounds how long a
 * statement waits for a lock held by another process. */
sqlite3 *db_open(const char *path, int busy_ms, char *err, size_t errlen);

/* Brings the schema to the newest version; safe to call on every start. */
int db_migrate(sqlite3 *db, char *err, size_t errlen);

/* Copies committed WAL frames into the database file without waiting for
 * any lock (a PASSIVE checkpoint). Connections do not checkpoint on commit;
 * the worker calls this between rounds. Returns the frames still not
 * copied (committed meanwhile), or -1 on error. */
int db_checkpoint(sqlite3 *db);

/* For the operators' "retry" commands: parses which ("--all" style word
 * all_word, or a positive id), runs sql with ?1 bound to the id (0 = all)
 * and prints "N <what> queued again". Returns a process exit status (0 ok,
 * 1 database error, 2 bad id), with errors on stderr. */
int db_requeue(sqlite3 *db, const char *sql, const char *which, const char *all_word,
               const char *what);

/* Runs SQL without results; returns the SQLite result code. */
int db_exec(sqlite3 *db, const char *sql);

/* Creates the parent directory of path if it is missing. */
int db_ensure_parent_dir(const char *path, char *err, size_t errlen);

#endif
