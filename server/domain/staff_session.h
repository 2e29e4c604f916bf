/*
 * staff_session.h - server-side console sessions and their CSRF tokens.
 *
 * A session id is 32 random bytes (64 hex digits) that only the browser
 * holds, in a cookie; table staff_sessions keeps its SHA-256, the staff
 * user, a CSRF token (32 random bytes, hex), when it was created, when it
 * was last used, its idle limit and its absolute end. A session is valid
 * while it is not revoked, its user is not disabled, now - last_seen_at <
 * idle_ms and now < expires_at. Each session row carries its own limits
 * (from the configuration when it was made), so checking needs no settings.
 *
 * Times are passed in (now_ms), so tests choose the clock. Functions that
 * write run inside the caller's transaction (store_write) or autocommit.
 */
#ifndef BORGERBOT_STAFF_SESSION_H
#define BORGERBOT_STAFF_SESSION_H

#include <sqlite3.h>
#include <stddef.h>

#include "staff.h"

#define STAFF_TOKEN_LEN 64 /* hex digits of a session id or CSRF token */

/* How often last_seen_at is written at most: a session used every second
 * costs one write a minute, and idle expiry is this much coarser. */
#define STAFF_SESSION_TOUCH_MS 60000LL

enum staff_session_status {
	STAFF_SESSION_OK = 0,
	STAFF_SESSION_NONE = -1,    /* unknown, malformed or revoked id, or disabled user */
	STAFF_SESSION_EXPIRED = -2, /* idle or absolute limit passed */
	STAFF_SESSION_ERROR = -3,   /* database error */
};

struct staff_session {
	long long id;
	struct staff_user user;
	char csrf[STAFF_TOKEN_LEN + 1];
	long long created_at, last_seen_at, expires_at;
	long long idle_ms;
};

/* Creates a session for staff_id; writes its id into token and its CSRF
 * token into csrf (both STAFF_TOKEN_LEN + 1 bytes). Also deletes sessions
 * that ended more than a day ago. Returns 0 or -1. */
int staff_session_create(sqlite3 *db, long long staff_id, long long now_ms, long long idle_ms,
                         long long absolute_ms, char *token, char *csrf);

/* Looks token up (any string; only 64 hex digits can match) and checks it
 * at now_ms; on STAFF_SESSION_OK fills out. */
enum staff_session_status staff_session_check(sqlite3 *db, const char *token, long long now_ms,
                                              struct staff_session *out);

/* Records use at now_ms if the last record is STAFF_SESSION_TOUCH_MS old.
 * Returns 1 written, 0 not needed, -1 error. */
int staff_session_touch(sqlite3 *db, const struct staff_session *s, long long now_ms);

/* Revokes the session with that id (logout). 1 revoked, 0 none, -1 error. */
int staff_session_revoke(sqlite3 *db, const char *token, long long now_ms);

/* Writes STAFF_TOKEN_LEN hex digits of fresh randomness (RAND_bytes) and a
 * NUL into out: session ids, CSRF tokens, the console's login token.
 * Returns 0 or -1. */
int staff_random_token(char *out);

/* 1 if given equals expected (a CSRF token), compared in constant time;
 * 0 for NULL, another length or other bytes. */
int staff_csrf_equal(const char *expected, const char *given);

#endif
