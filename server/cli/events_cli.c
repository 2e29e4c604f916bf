/*
 * events_cli.c - `borgerbot events`: lets an operator see and retry parked
 * webhook events (those that failed processing max_attempts times).
 *
 *   borgerbot events parked [--db PATH]          one JSON object per line
 *   borgerbot events retry ID|--all [--db PATH]  back to pending, attempts 0
 *
 * A running server's worker picks retried events up within a second.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "store/db.h"
#include "store/store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: borgerbot events parked [--db PATH]\n"
	             "       borgerbot events retry ID|--all [--db PATH]\n");
}

static int list_parked(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        db,
	        "SELECT id, kind, citizen_id, ts_ms, attempts, last_error FROM events"
	        " WHERE status = 2 ORDER BY id",
	        -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "borgerbot: error: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:I, s:s?, s:s?, s:I, s:i, s:s?}", "id",
		                      (json_int_t)sqlite3_column_int64(st, 0), "kind",
		                      (const char *)sqlite3_column_text(st, 1), "citizen",
		                      (const char *)sqlite3_column_text(st, 2), "ts_ms",
		                      (json_int_t)sqlite3_column_int64(st, 3), "attempts",
		                      sqlite3_column_int(st, 4), "error",
		                      (const char *)sqlite3_column_text(st, 5));
		char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (line)
			printf("%s\n", line);
		free(line);
		json_decref(o);
	}
	sqlite3_finalize(st);
	return 0;
}

static int retry(sqlite3 *db, const char *which)
{
	return db_requeue(db,
	                  "UPDATE events SET status = 0, attempts = 0, next_attempt_at = 0"
	                  " WHERE status = 2 AND (?1 = 0 OR id = ?1)",
	                  which, "--all", "event(s)");
}

int cmd_events(int argc, char **argv)
{
	const char *db_path = "data/borgerbot.db";
	const char *action = NULL, *arg = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db_path = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!action)
			action = argv[i];
		else if (!arg)
			arg = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	int parked = action && strcmp(action, "parked") == 0;
	int retrying = action && strcmp(action, "retry") == 0;
	if ((!parked && !retrying) || (retrying && !arg)) {
		usage(stderr);
		return 2;
	}
	sqlite3 *db;
	struct store *store = cli_open_db(db_path, &db);
	if (!store)
		return 1;
	int rc = parked ? list_parked(db) : retry(db, arg);
	store_close(store);
	return rc;
}
