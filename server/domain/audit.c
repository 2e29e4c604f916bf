/*
 * audit.c - writing the audit log (see audit.h). Text fields
 * are cut at AUDIT_FIELD_MAX bytes on a UTF-8 boundary, so a hostile
 * username cannot grow the log without bound.
 */
#include "audit.h"

#include <string.h>

/* Length of s cut to at most AUDIT_FIELD_MAX bytes, not inside a UTF-8
 * sequence (continuation bytes are 10xxxxxx). */
static int field_len(const char *s)
{
	size_t n = strlen(s);
	if (n <= AUDIT_FIELD_MAX)
		return (int)n;
	n = AUDIT_FIELD_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return (int)n;
}

static void bind_field(sqlite3_stmt *st, int col, const char *s)
{
	if (s)
		sqlite3_bind_text(st, col, s, field_len(s), SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, col);
}

int audit_write(sqlite3 *db, long long now_ms, const char *actor, const char *action,
                const char *object, const char *detail)
{
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO audit_log (at, actor, action, object, detail)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms);
	bind_field(st, 2, actor ? actor : "");
	bind_field(st, 3, action ? action : "");
	bind_field(st, 4, object);
	bind_field(st, 5, detail);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
