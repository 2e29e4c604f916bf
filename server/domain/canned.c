/*
 * canned.c - canned replies: validation and storage (see canned.h).
 */
#include "canned.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"

static const char *const PLACEHOLDERS[] = {"sag", "navn", "afdeling"};

/* 1 if s[0..len) is UTF-8 without control characters (newline and tab
 * allowed when lines is set). */
static int plain_text(const char *s, size_t len, int lines)
{
	if (!text_utf8_valid(s, len))
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && !(lines && (c == '\n' || c == '\t' || c == '\r'))) || c == 0x7f)
			return 0;
	}
	return 1;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			return 0;
	return 1;
}

static int known_placeholder(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(PLACEHOLDERS) / sizeof(PLACEHOLDERS[0]); i++)
		if (strlen(PLACEHOLDERS[i]) == n && !strncmp(name, PLACEHOLDERS[i], n))
			return 1;
	return 0;
}

/* Every "{" opens a known placeholder closed by "}", and no "}" stands
 * alone; 0, or -1 with err. */
static int check_placeholders(const char *body, char *err, size_t errlen)
{
	for (const char *p = body; *p; p++) {
		if (*p == '}') {
			text_set_err(err, errlen, "a \"}\" without its \"{\"");
			return -1;
		}
		if (*p != '{')
			continue;
		const char *close = strchr(p + 1, '}');
		size_t n = close ? (size_t)(close - p - 1) : 0;
		if (!close || !known_placeholder(p + 1, n)) {
			text_set_err(
			    err, errlen,
			    "unknown placeholder \"%.*s\": use {sag}, {navn} or {afdeling}",
			    close && n < 40 ? (int)n + 2 : 1, p);
			return -1;
		}
		p = close;
	}
	return 0;
}

int canned_validate(const struct canned_reply *r, char *err, size_t errlen)
{
	size_t tn = r->title ? strlen(r->title) : 0, bn = r->body ? strlen(r->body) : 0;
	size_t dn = r->department ? strlen(r->department) : 0;
	if (!tn || tn > CANNED_TITLE_MAX || !plain_text(r->title, tn, 0) || blank(r->title)) {
		text_set_err(err, errlen,
		             "title must be 1-%d bytes of text without control characters",
		             CANNED_TITLE_MAX);
		return CANNED_INVALID;
	}
	if (!bn || bn > CANNED_BODY_MAX || !plain_text(r->body, bn, 1) || blank(r->body)) {
		text_set_err(err, errlen, "body must be 1-%d bytes of UTF-8 text", CANNED_BODY_MAX);
		return CANNED_INVALID;
	}
	if (dn > CANNED_DEPARTMENT_MAX || !plain_text(r->department ? r->department : "", dn, 0)) {
		text_set_err(err, errlen, "department must be at most %d bytes of text",
		             CANNED_DEPARTMENT_MAX);
		return CANNED_INVALID;
	}
	return check_placeholders(r->body, err, errlen) < 0 ? CANNED_INVALID : 0;
}

json_t *canned_list_json(sqlite3 *db, const char *department)
{
	static const char sql[] =
	    "SELECT id, department, title, body, updated_at, updated_by FROM canned_replies"
	    " WHERE ?1 IS NULL OR department IS NULL OR department = ?1"
	    " ORDER BY department IS NOT NULL, department, title, id LIMIT 500";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (department)
		sqlite3_bind_text(st, 1, department, -1, SQLITE_STATIC);
	json_t *arr = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 1);
		json_array_append_new(
		    arr, json_pack("{s:I, s:o, s:s, s:s, s:I, s:s}", "id",
		                   (json_int_t)sqlite3_column_int64(st, 0), "department",
		                   d ? json_string(d) : json_null(), "title",
		                   (const char *)sqlite3_column_text(st, 2), "body",
		                   (const char *)sqlite3_column_text(st, 3), "updated_at",
		                   (json_int_t)sqlite3_column_int64(st, 4), "updated_by",
		                   (const char *)sqlite3_column_text(st, 5)));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static void bind_reply(sqlite3_stmt *st, const struct canned_reply *r, const char *actor,
                       long long now_ms)
{
	if (r->department && *r->department)
		sqlite3_bind_text(st, 1, r->department, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ms);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
}

long long canned_create(sqlite3 *db, const struct canned_reply *r, const char *actor,
                        long long now_ms, char *err, size_t errlen)
{
	if (canned_validate(r, err, errlen) < 0)
		return CANNED_INVALID;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO canned_replies (department, title, body, created_at,"
	                       " updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_reply(st, r, actor, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		text_set_err(err, errlen, "canned reply: %s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_last_insert_rowid(db);
}

int canned_update(sqlite3 *db, long long id, const struct canned_reply *r, const char *actor,
                  long long now_ms, char *err, size_t errlen)
{
	if (canned_validate(r, err, errlen) < 0)
		return CANNED_INVALID;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "UPDATE canned_replies SET department = ?1, title = ?2, body = ?3,"
	                       " updated_at = ?4, updated_by = ?5 WHERE id = ?6",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	bind_reply(st, r, actor, now_ms);
	sqlite3_bind_int64(st, 6, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (!sqlite3_changes(db)) {
		text_set_err(err, errlen, "no such canned reply");
		return CANNED_NOT_FOUND;
	}
	return 0;
}

int canned_delete(sqlite3 *db, long long id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "DELETE FROM canned_replies WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (!sqlite3_changes(db)) {
		text_set_err(err, errlen, "no such canned reply");
		return CANNED_NOT_FOUND;
	}
	return 0;
}
