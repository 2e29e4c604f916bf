/*
 * backup.c - a consistent copy of the live database (see store.h,
 * store_backup).
 *
 * With WAL and wal_autocheckpoint=0 the database file alone is not the
 * database: committed transactions may live only in the -wal file, so
 * copying files is unsafe while the server runs. SQLite's online backup API
 * copies pages through a read transaction instead: the copy is the database
 * as of one commit, and writers are never blocked (WAL readers do not block
 * writers). The copy goes to DEST.tmp in rollback-journal mode (one
 * self-contained file), is checked with PRAGMA quick_check, fsync'd and only
 * then renamed over DEST, so DEST is always either the old backup or a whole
 * new one.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

static int quick_check(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int ok = sqlite3_step(st) == SQLITE_ROW &&
	         !strcmp((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Copies src into the file tmp; 0 or -1 with err set. */
static int copy_into(sqlite3 *src, const char *tmp, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot create %s: %s", tmp,
		         dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	int rc = -1;
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(err, errlen, "cannot start the backup: %s", sqlite3_errmsg(dst));
	} else {
		int step = sqlite3_backup_step(b, -1); /* all pages, one read transaction */
		int fin = sqlite3_backup_finish(b);
		if (step != SQLITE_DONE || fin != SQLITE_OK)
			snprintf(err, errlen, "backup failed: %s",
			         sqlite3_errstr(step != SQLITE_DONE ? step : fin));
		else if (db_exec(dst, "PRAGMA journal_mode=DELETE") != SQLITE_OK ||
		         quick_check(dst) < 0)
			snprintf(err, errlen, "the copy in %s does not pass quick_check", tmp);
		else
			rc = 0;
	}
	sqlite3_close(dst);
	return rc;
}

int store_backup(const char *db_path, const char *dest, int busy_ms, char *err, size_t errlen)
{
	char tmp[1100];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", dest) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "backup path too long");
		return -1;
	}
	if (access(db_path, R_OK) != 0) {
		snprintf(err, errlen, "cannot read database %s: %s", db_path, strerror(errno));
		return -1;
	}
	sqlite3 *src = db_open(db_path, busy_ms, err, errlen);
	if (!src)
		return -1;
	unlink(tmp);
	int rc = copy_into(src, tmp, err, errlen);
	sqlite3_close(src);
	if (rc == 0 && (fsync_path(tmp) != 0 || rename(tmp, dest) != 0)) {
		snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp);
	return rc;
}
