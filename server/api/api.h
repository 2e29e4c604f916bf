/*
 * api.h - what every staff JSON endpoint under /api/ shares: who is asking
 * (api_authorise), how errors look, and how a JSON body is read.
 *
 * One authoriser for every staff endpoint, so the staff API, the
 * conversation API and the console's own calls cannot drift apart: today
 * it accepts "Authorization: Bearer KEY" (domain/apikey.h) for a scope; the
 * console adds its session cookie here, not beside it. Errors are
 * {"error": {"status": N, "message": "..."}}.
 */
#ifndef BORGERBOT_API_H
#define BORGERBOT_API_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

#include "http/http.h"

/* Who made an authorised request. For an API key: name is the key's name,
 * display_name and department are empty, kind API_ACTOR_KEY. For a console
 * session (kind API_ACTOR_STAFF): the staff user's username, the name shown
 * to citizens ("Mette"), the department and role; staff_id and csrf are the
 * user's id and the session's CSRF token (for GET /api/me). */
enum api_actor_kind { API_ACTOR_KEY, API_ACTOR_STAFF };

struct api_actor {
	enum api_actor_kind kind;
	char name[80];
	char display_name[81];
	char department[81];
	int is_admin;
	long long staff_id; /* API_ACTOR_STAFF only */
	char csrf[65];      /* API_ACTOR_STAFF only */
};

/* The console's session cookie: the __Host- name (Secure, Path=/, no
 * Domain, so no other host or path can plant or read it) on HTTPS; on plain
 * HTTP, which only the demo uses, a browser refuses __Host- cookies, so the
 * plain name (docs/console.md). A request's cookie is read only under the
 * name of its own scheme. */
#define API_SESSION_COOKIE_TLS "__Host-bb_session"
#define API_SESSION_COOKIE_PLAIN "bb_session"

/* Checks the request's credentials for scope ("cases", "gritting",
 * "conversations", "admin"). Accepted are "Authorization: Bearer KEY"
 * (domain/apikey.h) and, without an Authorization header, a console session
 * cookie (domain/staff_session.h): a session of an active staff user may use
 * every staff scope, "admin" only with the admin role; a request with a
 * session that is not GET or HEAD must carry the session's CSRF token in
 * X-CSRF-Token and, when it sends Origin, come from this host. Returns 0
 * with *actor set, or the HTTP status of the error reply it sent (401, 403,
 * 500). */
int api_authorise(struct http_req *req, sqlite3 *db, const char *scope, struct api_actor *actor);

/* The session cookie's value under the request's scheme into buf (65
 * bytes): 1 present, 0 absent or malformed. */
int api_session_cookie(const struct http_req *req, char *buf, size_t size);

/* "staff:USERNAME" or "key:NAME", the actor column of the audit log. */
void api_actor_label(const struct api_actor *actor, char *buf, size_t size);

/* Writes an audit_log row for actor now (domain/audit.h): action such as
 * "conversation.read", "conversation.reply"; object such as
 * "conversation:42"; detail a short note without citizen text (may be
 * NULL). Call it inside the transaction of the act it records, or alone
 * for reads. Returns 0 or -1. */
int api_audit(sqlite3 *db, const struct api_actor *actor, const char *action, const char *object,
              const char *detail);

/* Sends {"error": {"status": status, "message": message}}; 401 also names the
 * Bearer realm, 405 the methods. Returns status. */
int api_error(struct http_req *req, int status, const char *message);

/* Reads a JSON object body of at most max bytes (Content-Type
 * application/json, no duplicate keys). Returns it, or NULL after an error
 * reply (415, 413, 400) was sent. */
json_t *api_json_body(struct http_req *req, size_t max);

/* A string member of at most max bytes, or NULL when absent or null; sets
 * *bad when present but not such a string (or holding a NUL). */
const char *api_member(json_t *obj, const char *key, size_t max, int *bad);

/* A query parameter into buf: 1 present, 0 absent, -1 too long or not text
 * (not valid UTF-8, or holding a NUL). */
int api_query(const struct http_req *req, const char *name, char *buf, size_t size);

/* A whole-number query parameter in [lo, hi] into *out (range checked
 * before any narrowing): 1 present, 0 absent, -1 not such a number. */
int api_query_int(const struct http_req *req, const char *name, long lo, long hi, int *out);

/* A string, or JSON null for a missing or empty one. */
json_t *api_str_or_null(const char *s);

#endif
