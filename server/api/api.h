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
 * to citizens ("Mette"), the department and role. */
enum api_actor_kind { API_ACTOR_KEY, API_ACTOR_STAFF };

struct api_actor {
	enum api_actor_kind kind;
	char name[80];
	char display_name[80];
	char department[80];
	int is_admin;
};

/* Checks the request's credentials for scope ("cases", "gritting",
 * "conversations"). Returns 0 with *actor set, or the HTTP status of the
 * error reply it sent (401, 403, 500). */
int api_authorise(struct http_req *req, sqlite3 *db, const char *scope, struct api_actor *actor);

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

/* A query parameter into buf: 1 present, 0 absent, -1 too long or not text. */
int api_query(const struct http_req *req, const char *name, char *buf, size_t size);

/* A whole-number query parameter in [lo, hi] into *out (range checked
 * before any narrowing): 1 present, 0 absent, -1 not such a number. */
int api_query_int(const struct http_req *req, const char *name, long lo, long hi, int *out);

/* A string, or JSON null for a missing or empty one. */
json_t *api_str_or_null(const char *s);

#endif
