/*
 * db.h - the schema and small statement helpers under the store.
 *
 * The store (store.h) is how the rest of the server reaches the database:
 * it opens connections with db_open() and migrates with db_migrate(), which
 * nothing else calls. The helpers below run inside whatever transaction the
 * caller is in (store_write), or in autocommit for the operators' commands.
 */
#ifndef BORGERBOT_DB_H
#define BORGERBOT_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* For store.c: opens (creating if needed) the database at path. busy_ms bounds how long a
 * statement waits for a lock held by another process. */
sqlite3 *db_open(const char *path, int busy_ms, char *err, size_t errlen);

/* For store.c: brings the schema to the newest version; safe on every start. */
int db_migrate(sqlite3 *db, char *err, size_t errlen);

/* The schema version (1-based) of the first migration whose SQL starts with
 * prefix, 0 if none: lets a test step back to just before one migration
 * however many were appended after it. */
int db_migration_number(const char *prefix);

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
