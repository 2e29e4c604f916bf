/*
 * api.c - authorisation, errors and JSON bodies for the staff endpoints
 * (see api.h).
 *
 * Authorisation: an Authorization header means an API key (never also a
 * cookie, so a key client is not subject to a browser's cookies); else the
 * session cookie of the request's scheme -> staff_session_check -> CSRF and
 * Origin for state changes -> role for "admin" -> touch.
 */
#include "api.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "domain/apikey.h"
#include "domain/audit.h"
#include "domain/staff_session.h"

int api_error(struct http_req *req, int status, const char *message)
{
	const char *headers = status == 401   ? "WWW-Authenticate: Bearer realm=\"borgerbot\"\r\n"
	                      : status == 405 ? "Allow: GET, POST\r\n"
	                                      : NULL;
	return http_reply_json(
	    req, status, json_pack("{s:{s:i, s:s}}", "error", "status", status, "message", message),
	    headers);
}

json_t *api_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

int api_session_cookie(const struct http_req *req, char *buf, size_t size)
{
	const char *name = http_req_is_tls(req) ? API_SESSION_COOKIE_TLS : API_SESSION_COOKIE_PLAIN;
	return http_req_cookie(req, name, buf, size) == STAFF_TOKEN_LEN;
}

void api_actor_label(const struct api_actor *actor, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%s", actor->kind == API_ACTOR_STAFF ? "staff" : "key", actor->name);
}

int api_audit(sqlite3 *db, const struct api_actor *actor, const char *action, const char *object,
              const char *detail)
{
	char label[100];
	api_actor_label(actor, label, sizeof(label));
	return audit_write(db, clock_now_ms(), label, action, object, detail);
}

/* 1 if a browser's Origin header (when sent) names this host: a cross-site
 * form or fetch sends its own origin, so this is a second wall behind the
 * CSRF token. */
static int origin_ok(const struct http_req *req)
{
	const char *origin = http_req_header(req, "Origin");
	const char *host = http_req_header(req, "Host");
	if (!origin)
		return 1;
	const char *scheme = http_req_is_tls(req) ? "https://" : "http://";
	size_t n = strlen(scheme);
	return host && !strncmp(origin, scheme, n) && !strcmp(origin + n, host);
}

static int authorise_session(struct http_req *req, sqlite3 *db, const char *scope,
                             const char *token, struct api_actor *actor)
{
	struct staff_session s;
	long long now = clock_now_ms();
	enum staff_session_status st = staff_session_check(db, token, now, &s);
	if (st == STAFF_SESSION_ERROR)
		return api_error(req, 500, "cannot check the session");
	if (st != STAFF_SESSION_OK)
		return api_error(req, 401,
		                 st == STAFF_SESSION_EXPIRED
		                     ? "the session has expired; log in again"
		                     : "not logged in");
	int safe = http_req_method_is(req, "GET") || http_req_method_is(req, "HEAD");
	if (!safe &&
	    (!staff_csrf_equal(s.csrf, http_req_header(req, "X-CSRF-Token")) || !origin_ok(req)))
		return api_error(req, 403, "missing or wrong CSRF token (X-CSRF-Token)");
	if (!strcmp(scope, "admin") && s.user.role != STAFF_ROLE_ADMIN)
		return api_error(req, 403, "this needs the admin role");
	/* At most once a minute, in autocommit: this function has no store, and a
	 * lost touch only makes idle expiry a minute earlier. */
	(void)staff_session_touch(db, &s, now);
	*actor = (struct api_actor){.kind = API_ACTOR_STAFF,
	                            .is_admin = s.user.role == STAFF_ROLE_ADMIN,
	                            .staff_id = s.user.id};
	snprintf(actor->name, sizeof(actor->name), "%s", s.user.username);
	snprintf(actor->display_name, sizeof(actor->display_name), "%s", s.user.display_name);
	snprintf(actor->department, sizeof(actor->department), "%s", s.user.department);
	snprintf(actor->csrf, sizeof(actor->csrf), "%s", s.csrf);
	return 0;
}

int api_authorise(struct http_req *req, sqlite3 *db, const char *scope, struct api_actor *actor)
{
	*actor = (struct api_actor){.kind = API_ACTOR_KEY};
	const char *auth = http_req_header(req, "Authorization");
	char token[STAFF_TOKEN_LEN + 1];
	if (!auth && api_session_cookie(req, token, sizeof(token)))
		return authorise_session(req, db, scope, token, actor);
	const char *key = apikey_from_bearer(auth);
	int rc =
	    key ? apikey_check(db, key, scope, actor->name, sizeof(actor->name)) : APIKEY_UNKNOWN;
	if (rc == APIKEY_OK)
		return 0;
	if (rc == APIKEY_SCOPE) {
		char msg[120];
		snprintf(msg, sizeof(msg), "this API key lacks the scope '%s'", scope);
		return api_error(req, 403, msg);
	}
	if (rc == APIKEY_ERROR)
		return api_error(req, 500, "cannot check the API key");
	return api_error(req, 401,
	                 key ? "invalid API key" : "missing API key (Authorization: Bearer KEY)");
}

json_t *api_json_body(struct http_req *req, size_t max)
{
	if (!http_req_content_type_is(req, "application/json")) {
		api_error(req, 415, "Content-Type must be application/json");
		return NULL;
	}
	char *body;
	size_t len;
	enum http_body rb = http_read_body(req, max, &body, &len);
	if (rb != HTTP_BODY_OK) {
		api_error(req, rb == HTTP_BODY_TOO_LARGE ? 413 : 400,
		          rb == HTTP_BODY_TOO_LARGE ? "request body too large"
		                                    : "cannot read the request body");
		return NULL;
	}
	json_error_t jerr;
	json_t *obj = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	free(body);
	if (!json_is_object(obj)) {
		json_decref(obj);
		api_error(req, 400, "the body must be a JSON object");
		return NULL;
	}
	return obj;
}

const char *api_member(json_t *obj, const char *key, size_t max, int *bad)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

int api_query(const struct http_req *req, const char *name, char *buf, size_t size)
{
	int n = http_req_query_var(req, name, buf, size);
	if (n >= 0 && !text_utf8_valid(buf, strlen(buf)))
		return -1; /* UTF-8 checked at the door, for every endpoint's filters */
	return n >= 0 ? 1 : n == -1 ? 0 : -1;
}

int api_query_int(const struct http_req *req, const char *name, long lo, long hi, int *out)
{
	char buf[24];
	int p = api_query(req, name, buf, sizeof(buf));
	if (p <= 0)
		return p;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (!buf[0] || *end || errno == ERANGE || v < lo || v > hi || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 1;
}
