/*
 * audit.c - writing the audit log (see audit.h). Text fields
 * are cut at AUDIT_FIELD_MAX bytes on a UTF-8 boundary, so a hostile
 * username cannot grow the log without bound.
 */
#include "audit.h"

#include <stddef.h>
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

/* A filter value for SQL: "x*" -> LIKE 'x%' (with % and _ escaped), else
 * exact. *like says which; out holds the pattern. */
static const char *match_value(const char *v, char *out, size_t size, int *like)
{
	*like = 0;
	if (!v)
		return NULL;
	size_t n = strlen(v);
	if (n == 0 || v[n - 1] != '*')
		return v;
	size_t o = 0;
	for (size_t i = 0; i + 1 < n && o + 3 < size; i++) {
		if (v[i] == '%' || v[i] == '_' || v[i] == '\\')
			out[o++] = '\\';
		out[o++] = v[i];
	}
	out[o++] = '%';
	out[o] = '\0';
	*like = 1;
	return out;
}

static void bind_match(sqlite3_stmt *st, int col, const char *v, char *buf, size_t size)
{
	int like;
	const char *m = match_value(v, buf, size, &like);
	bind_field(st, col, m);
	sqlite3_bind_int(st, col + 1, like);
}

int audit_list(sqlite3 *db, const struct audit_filter *f, audit_fn fn, void *arg)
{
	sqlite3_stmt *st;
	const char *sql =
	    "SELECT id, at, actor, action, object, detail FROM audit_log"
	    " WHERE (?1 IS NULL OR (?2 = 0 AND actor = ?1) OR (?2 = 1 AND actor LIKE ?1 ESCAPE "
	    "'\\'))"
	    " AND (?3 IS NULL OR (?4 = 0 AND action = ?3) OR (?4 = 1 AND action LIKE ?3 ESCAPE "
	    "'\\'))"
	    " AND (?5 IS NULL OR object = ?5)"
	    " AND (?6 = 0 OR at >= ?6) AND (?7 = 0 OR at <= ?7) AND (?8 = 0 OR id < ?8)"
	    " ORDER BY id DESC LIMIT ?9";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	char actor[2 * AUDIT_FIELD_MAX + 2], action[2 * AUDIT_FIELD_MAX + 2];
	bind_match(st, 1, f->actor, actor, sizeof(actor));
	bind_match(st, 3, f->action, action, sizeof(action));
	bind_field(st, 5, f->object);
	sqlite3_bind_int64(st, 6, f->since_ms);
	sqlite3_bind_int64(st, 7, f->until_ms);
	sqlite3_bind_int64(st, 8, f->before_id);
	sqlite3_bind_int(st, 9, f->limit > 0 && f->limit <= 1000 ? f->limit : 100);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct audit_row r = {
		    sqlite3_column_int64(st, 0),
		    sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5),
		};
		fn(arg, &r);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

long long audit_last(sqlite3 *db, const char *action, const char *object)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT max(at) FROM audit_log WHERE object = ?1 AND action = ?2";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_field(st, 1, object);
	bind_field(st, 2, action);
	long long at = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return at;
}
