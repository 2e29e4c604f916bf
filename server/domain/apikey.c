/*
 * apikey.c - creating, checking, listing and revoking API keys (see
 * apikey.h).
 *
 * Data flow: create draws 24 random bytes (RAND_bytes) -> "bbk_" + hex ->
 * SHA-256 hex stored with name and scopes; the key itself only goes back to
 * the caller. check hashes the presented key the same way and compares it
 * with each active key's hash using CRYPTO_memcmp, then checks the scope.
 */
#include "apikey.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/hex.h"
#include "store/db.h"

static const char *const known_scopes[] = {"cases",         "gritting", "open311",
                                           "conversations", "insight",  "panel"};

static int scope_known(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(known_scopes) / sizeof(known_scopes[0]); i++)
		if (strlen(known_scopes[i]) == len && !strncmp(known_scopes[i], s, len))
			return 1;
	return 0;
}

int apikey_scopes_valid(const char *scopes)
{
	if (!scopes || !*scopes || strlen(scopes) > 200)
		return 0;
	for (const char *p = scopes;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!scope_known(p, len))
			return 0;
		if (!comma)
			return 1;
		p = comma + 1;
	}
}

static int has_scope(const char *scopes, const char *scope)
{
	size_t n = strlen(scope);
	for (const char *p = scopes; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, scope, n))
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Hex SHA-256 of key into out[65]. */
static int hash_key(const char *key, char *out)
{
	unsigned char md[32];
	unsigned int len = 0;
	if (!EVP_Digest(key, strlen(key), md, &len, EVP_sha256(), NULL) || len != 32)
		return -1;
	hex_encode(md, 32, out);
	return 0;
}

int apikey_create(sqlite3 *db, const char *name, const char *scopes, char *key, size_t keylen,
                  char *err, size_t errlen)
{
	unsigned char raw[24];
	char hash[65];
	if (!name_ok(name)) {
		snprintf(err, errlen, "the name must be 1-64 characters of A-Z a-z 0-9 . _ -");
		return -1;
	}
	if (!apikey_scopes_valid(scopes)) {
		snprintf(err, errlen,
		         "scopes must be a comma-separated list of cases, gritting, open311");
		return -1;
	}
	if (keylen < APIKEY_LEN + 1 || RAND_bytes(raw, sizeof(raw)) != 1) {
		snprintf(err, errlen, "cannot make a random key");
		return -1;
	}
	memcpy(key, "bbk_", 4);
	hex_encode(raw, sizeof(raw), key + 4);
	if (hash_key(key, hash) < 0) {
		snprintf(err, errlen, "cannot hash the key");
		return -1;
	}
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO api_keys (name, key_hash, scopes, created_at)"
	                  " VALUES (?1, ?2, ?3, ?4)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, scopes, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, clock_now_ms());
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_CONSTRAINT_UNIQUE)
			snprintf(err, errlen, "a key named '%s' already exists", name);
		else
			snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		OPENSSL_cleanse(key, keylen);
		return -1;
	}
	return 0;
}

int apikey_check(sqlite3 *db, const char *key, const char *scope, char *name, size_t namelen)
{
	char hash[65];
	if (!key || strlen(key) != APIKEY_LEN || hash_key(key, hash) < 0)
		return APIKEY_UNKNOWN;
	sqlite3_stmt *st;
	const char *sql = "SELECT name, key_hash, scopes FROM api_keys WHERE revoked_at IS NULL";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return APIKEY_ERROR;
	int result = APIKEY_UNKNOWN, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);
		if (!h || strlen(h) != 64 || CRYPTO_memcmp(h, hash, 64) != 0)
			continue;
		result = has_scope((const char *)sqlite3_column_text(st, 2), scope) ? APIKEY_OK
		                                                                    : APIKEY_SCOPE;
		snprintf(name, namelen, "%s", (const char *)sqlite3_column_text(st, 0));
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		result = APIKEY_ERROR;
	sqlite3_finalize(st);
	return result;
}

int apikey_revoke(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	const char *sql = "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1"
	                  " AND revoked_at IS NULL";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, clock_now_ms());
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) > 0;
}

int apikey_list(sqlite3 *db, apikey_fn fn, void *arg)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT name, scopes, created_at, revoked_at FROM api_keys ORDER BY name";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
		   sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

const char *apikey_from_bearer(const char *authorization)
{
	if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	const char *k = authorization + 7;
	while (*k == ' ')
		k++;
	return *k ? k : NULL;
}
