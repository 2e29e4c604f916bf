/*
 * apikey.h - API keys for the staff API and Open311.
 *
 * A key is "bbk_" + 48 hex digits of randomness, shown once when created;
 * only its SHA-256 is stored (table api_keys) with a name and its scopes
 * ("cases", "gritting", "open311", "conversations"). A presented key is hashed and compared
 * with every active key's hash in constant time (CRYPTO_memcmp).
 */
#ifndef BORGERBOT_APIKEY_H
#define BORGERBOT_APIKEY_H

#include <sqlite3.h>
#include <stddef.h>

#define APIKEY_OK 0
#define APIKEY_UNKNOWN (-1) /* no key, or not an active key: 401 */
#define APIKEY_SCOPE (-2)   /* a valid key without the scope: 403 */
#define APIKEY_ERROR (-3)   /* database error: 500 */

#define APIKEY_LEN 52 /* characters of a key */

/* 1 if scopes is a comma-separated list of known scopes, else 0. */
int apikey_scopes_valid(const char *scopes);

/* Creates a key named name (1-64 of [A-Za-z0-9._-]); writes the key (keylen >=
 * APIKEY_LEN + 1). Returns 0, or -1 with err set (e.g. the name exists). */
int apikey_create(sqlite3 *db, const char *name, const char *scopes, char *key, size_t keylen,
                  char *err, size_t errlen);

/* Checks key for scope; on success writes the key's name. */
int apikey_check(sqlite3 *db, const char *key, const char *scope, char *name, size_t namelen);

/* 1 revoked, 0 no active key of that name, -1 error. */
int apikey_revoke(sqlite3 *db, const char *name);

typedef void (*apikey_fn)(void *arg, const char *name, const char *scopes, long long created_at,
                          long long revoked_at);
int apikey_list(sqlite3 *db, apikey_fn fn, void *arg);

/* The key from "Authorization: Bearer KEY", or NULL. */
const char *apikey_from_bearer(const char *authorization);

#endif
