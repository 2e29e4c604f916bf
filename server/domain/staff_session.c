/*
 * staff_session.c - console sessions (see staff_session.h).
 *
 * Data flow: login -> create (random id and CSRF token; only the id's
 * SHA-256 is stored) -> the id goes to the browser as a cookie. Each request
 * -> check (hash the cookie, one indexed lookup joined with the user, limits
 * compared with now) -> touch at most once a minute. Logout -> revoke.
 */
#include "staff_session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"

#define PURGE_AFTER_MS (24LL * 3600 * 1000)

int staff_random_token(char *out)
{
	unsigned char raw[STAFF_TOKEN_LEN / 2];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	hex_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* Hex SHA-256 of a well-formed token into out[65]; -1 if token is not 64
 * lowercase hex digits. */
static int token_hash(const char *token, char *out)
{
	if (!token || strlen(token) != STAFF_TOKEN_LEN)
		return -1;
	for (const char *p = token; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	unsigned char md[32];
	unsigned int len = 0;
	if (!EVP_Digest(token, STAFF_TOKEN_LEN, md, &len, EVP_sha256(), NULL) || len != 32)
		return -1;
	hex_encode(md, 32, out);
	return 0;
}

static int purge(sqlite3 *db, long long now_ms)
{
	sqlite3_stmt *st;
	const char *sql = "DELETE FROM staff_sessions WHERE expires_at < ?1"
	                  " OR revoked_at < ?1 OR last_seen_at + idle_ms < ?1";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now_ms - PURGE_AFTER_MS);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int staff_session_create(sqlite3 *db, long long staff_id, long long now_ms, long long idle_ms,
                         long long absolute_ms, char *token, char *csrf)
{
	char hash[65];
	if (staff_random_token(token) < 0 || staff_random_token(csrf) < 0 ||
	    token_hash(token, hash) < 0 || purge(db, now_ms) < 0)
		return -1;
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token,"
	                  " created_at, last_seen_at, idle_ms, expires_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, staff_id);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now_ms);
	sqlite3_bind_int64(st, 5, idle_ms);
	sqlite3_bind_int64(st, 6, now_ms + absolute_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

enum staff_session_status staff_session_check(sqlite3 *db, const char *token, long long now_ms,
                                              struct staff_session *out)
{
	char hash[65];
	if (token_hash(token, hash) < 0)
		return STAFF_SESSION_NONE;
	sqlite3_stmt *st;
	const char *sql =
	    "SELECT s.id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, "
	    "s.idle_ms, " STAFF_USER_COLUMNS(
	        "u.") " FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id"
	              " WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND u.disabled_at IS NULL";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return STAFF_SESSION_ERROR;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	enum staff_session_status result =
	    rc == SQLITE_DONE ? STAFF_SESSION_NONE : STAFF_SESSION_ERROR;
	if (rc == SQLITE_ROW) {
		struct staff_session s;
		memset(&s, 0, sizeof(s));
		s.id = sqlite3_column_int64(st, 0);
		const unsigned char *csrf = sqlite3_column_text(st, 1);
		snprintf(s.csrf, sizeof(s.csrf), "%s", csrf ? (const char *)csrf : "");
		s.created_at = sqlite3_column_int64(st, 2);
		s.last_seen_at = sqlite3_column_int64(st, 3);
		s.expires_at = sqlite3_column_int64(st, 4);
		s.idle_ms = sqlite3_column_int64(st, 5);
		staff_read_user(st, 6, &s.user);
		int live = now_ms < s.expires_at && now_ms - s.last_seen_at < s.idle_ms &&
		           now_ms >= s.created_at;
		result = live ? STAFF_SESSION_OK : STAFF_SESSION_EXPIRED;
		if (live)
			*out = s;
	}
	sqlite3_finalize(st);
	return result;
}

int staff_session_touch(sqlite3 *db, const struct staff_session *s, long long now_ms)
{
	if (now_ms - s->last_seen_at < STAFF_SESSION_TOUCH_MS)
		return 0;
	sqlite3_stmt *st;
	const char *sql = "UPDATE staff_sessions SET last_seen_at = ?2 WHERE id = ?1"
	                  " AND last_seen_at < ?2";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_int64(st, 2, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 1 : -1;
}

int staff_session_revoke(sqlite3 *db, const char *token, long long now_ms)
{
	char hash[65];
	if (token_hash(token, hash) < 0)
		return 0;
	sqlite3_stmt *st;
	const char *sql = "UPDATE staff_sessions SET revoked_at = ?2 WHERE token_hash = ?1"
	                  " AND revoked_at IS NULL";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) > 0;
}

int staff_csrf_equal(const char *expected, const char *given)
{
	if (!expected || !given || strlen(expected) != STAFF_TOKEN_LEN ||
	    strlen(given) != STAFF_TOKEN_LEN)
		return 0;
	return CRYPTO_memcmp(expected, given, STAFF_TOKEN_LEN) == 0;
}
