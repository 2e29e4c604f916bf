/*
 * api.c - authorisation, errors and JSON bodies for the staff endpoints
 * (see api.h).
 */
#include "api.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/apikey.h"

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

int api_authorise(struct http_req *req, sqlite3 *db, const char *scope, struct api_actor *actor)
{
	*actor = (struct api_actor){.kind = API_ACTOR_KEY};
	const char *key = apikey_from_bearer(http_req_header(req, "Authorization"));
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
