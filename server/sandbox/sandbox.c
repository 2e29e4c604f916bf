/*
 * sandbox.c - the sandbox Graph endpoint and chat API (see sandbox.h).
 *
 * Flow of one sandbox conversation turn:
 *   chat client --POST /sandbox/api/send--> sandbox signs a Messenger event
 *   --POST /webhook (loopback, real signature)--> ingest -> worker -> outbox
 *   --POST /sandbox/graph/vNN/PAGE/messages--> record_add() stores the Send
 *   API body in memory and wakes waiters --GET /sandbox/api/replies--> client.
 * `borgerbot chat` posts its events to /webhook directly. Both build and
 * sign them with loopback.h, so there is one event builder and one poster.
 *
 * Records live in a bounded in-memory list guarded by one mutex; a condition
 * variable lets /sandbox/api/replies long-poll for new records.
 */
#include "sandbox.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "inbox/signature.h"
#include "loopback.h"
#include "sandbox_page.h"

#define MAX_API_BODY ((size_t)64 * 1024)
#define MAX_TEXT_BYTES 8000
#define MAX_WAIT_MS 25000
#define WEBHOOK_TIMEOUT_MS 10000L

struct record {
	long long id;
	long long ts_ms;
	char psid[72];
	char *body; /* the Send API request body, compact JSON */
};

struct sandbox {
	struct sandbox_options opt;
	char app_secret[256];
	char page_token[1024];
	char server_url[300];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct record *records; /* ring of opt.max_records */
	size_t head, count;
	long long next_id;
};

/* ---- records ------------------------------------------------------------ */

static void record_add(struct sandbox *sb, const char *psid, char *body)
{
	pthread_mutex_lock(&sb->mu);
	size_t cap = sb->opt.max_records;
	struct record *r;
	if (sb->count == cap) {
		r = &sb->records[sb->head];
		free(r->body);
		sb->head = (sb->head + 1) % cap;
		sb->count--;
	}
	r = &sb->records[(sb->head + sb->count) % cap];
	sb->count++;
	r->id = ++sb->next_id;
	r->ts_ms = clock_now_ms();
	snprintf(r->psid, sizeof(r->psid), "%s", psid);
	r->body = body;
	pthread_cond_broadcast(&sb->cv);
	pthread_mutex_unlock(&sb->mu);
}

/* Appends records for psid newer than after to arr; returns how many. */
static int records_collect(struct sandbox *sb, const char *psid, long long after, json_t *arr)
{
	int n = 0;
	for (size_t i = 0; i < sb->count; i++) {
		struct record *r = &sb->records[(sb->head + i) % sb->opt.max_records];
		if (r->id <= after || strcmp(r->psid, psid) != 0)
			continue;
		json_t *req = json_loads(r->body, 0, NULL);
		json_array_append_new(arr, json_pack("{s:I, s:I, s:o*}", "id", (json_int_t)r->id,
		                                     "ts", (json_int_t)r->ts_ms, "request", req));
		n++;
	}
	return n;
}

/* ---- helpers ------------------------------------------------------------ */

int sandbox_is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	       strncmp(addr, "::ffff:127.", 11) == 0;
}

static int allowed(const struct http_req *req, const struct sandbox *sb)
{
	return sb->opt.allow_remote || sandbox_is_loopback(http_req_remote_addr(req));
}

static int reply_json(struct http_req *req, int status, json_t *obj)
{
	return http_reply_json(req, status, obj, NULL);
}

/* Graph-style error body, as Meta's Send API answers. */
static int graph_error(struct http_req *req, int status, int code, const char *message)
{
	return reply_json(req, status,
	                  json_pack("{s:{s:s, s:s, s:i, s:s}}", "error", "message", message, "type",
	                            status == 401 ? "OAuthException" : "GraphMethodException",
	                            "code", code, "fbtrace_id", "sandbox"));
}

static int valid_psid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

static int token_ok(const struct http_req *req, const struct sandbox *sb)
{
	char token[1024] = "";
	const char *auth = http_req_header(req, "Authorization");
	if (auth && strncmp(auth, "Bearer ", 7) == 0)
		snprintf(token, sizeof(token), "%s", auth + 7);
	else
		http_req_query_var(req, "access_token", token, sizeof(token));
	return signature_secret_equal(token, sb->page_token);
}

static json_t *read_json_body(struct http_req *req, size_t max, int *status)
{
	char *body;
	size_t len;
	enum http_body rb = http_read_body(req, max, &body, &len);
	if (rb != HTTP_BODY_OK) {
		*status = rb == HTTP_BODY_TOO_LARGE ? 413 : 400;
		return NULL;
	}
	json_t *obj = json_loadb(body, len, 0, NULL);
	free(body);
	if (!json_is_object(obj)) {
		json_decref(obj);
		*status = 400;
		return NULL;
	}
	return obj;
}

/* ---- /sandbox/graph/.../messages ---------------------------------------- */

/* Checks a Send API body the way Meta does; returns NULL or the problem. */
static const char *check_send_body(json_t *req, const char **psid)
{
	json_t *rid = json_object_get(json_object_get(req, "recipient"), "id");
	if (!json_is_string(rid) || !valid_psid(json_string_value(rid)))
		return "(#100) The parameter recipient is required";
	*psid = json_string_value(rid);
	json_t *msg = json_object_get(req, "message");
	json_t *action = json_object_get(req, "sender_action");
	if (!!msg == !!action)
		return "(#100) Exactly one of message and sender_action is required";
	if (action)
		return json_is_string(action) ? NULL : "(#100) Invalid sender_action";
	if (!json_is_string(json_object_get(req, "messaging_type")))
		return "(#100) messaging_type is required";
	json_t *text = json_object_get(msg, "text");
	if (!json_is_string(text) && !json_object_get(msg, "attachment"))
		return "(#100) The message needs text or an attachment";
	if (json_is_string(text) && json_string_length(text) > (size_t)2000 * 4)
		return "(#100) Text must be 2000 characters or less";
	json_t *qr = json_object_get(msg, "quick_replies");
	if (qr && (!json_is_array(qr) || json_array_size(qr) > 13))
		return "(#100) At most 13 quick replies";
	return NULL;
}

static int graph_handler(struct http_req *req, void *cbdata)
{
	struct sandbox *sb = cbdata;
	if (!allowed(req, sb))
		return http_reply_text(req, 403, "Forbidden\n");
	const char *path = http_req_path(req);
	size_t ulen = strlen(path);
	if (http_req_method_is(req, "POST") && ulen > 15 &&
	    !strcmp(path + ulen - 15, "_thread_control") && token_ok(req, sb))
		return reply_json(req, 200,
		                  json_pack("{s:b}", "success", 1)); /* no Page Inbox here */
	if (!http_req_method_is(req, "POST") || ulen < 9 ||
	    strcmp(path + ulen - 9, "/messages") != 0)
		return graph_error(req, 400, 100, "Unsupported request in the sandbox");
	if (!token_ok(req, sb))
		return graph_error(req, 401, 190, "Invalid OAuth access token");
	int status;
	json_t *send = read_json_body(req, MAX_API_BODY, &status);
	if (!send)
		return graph_error(req, status, 100, "Request body must be a JSON object");
	const char *psid = NULL;
	const char *problem = check_send_body(send, &psid);
	if (problem) {
		json_decref(send);
		return graph_error(req, 400, 100, problem);
	}
	char *compact = json_dumps(send, JSON_COMPACT);
	json_t *answer = json_pack("{s:s}", "recipient_id", psid);
	if (json_object_get(send, "message")) {
		char mid[48];
		pthread_mutex_lock(&sb->mu);
		snprintf(mid, sizeof(mid), "m_sandbox_%lld", sb->next_id + 1);
		pthread_mutex_unlock(&sb->mu);
		json_object_set_new(answer, "message_id", json_string(mid));
	}
	char psid_copy[72];
	snprintf(psid_copy, sizeof(psid_copy), "%s", psid);
	json_decref(send);
	if (!compact) {
		json_decref(answer);
		return graph_error(req, 500, 2, "out of memory");
	}
	record_add(sb, psid_copy, compact);
	return reply_json(req, 200, answer);
}

/* ---- /sandbox/api/ -------------------------------------------------------- */

static int api_info(struct http_req *req)
{
	return reply_json(req, 200,
	                  json_pack("{s:s, s:b}", "page_id", SANDBOX_PAGE_ID, "sandbox", 1));
}

static int api_replies(struct http_req *req, struct sandbox *sb)
{
	char psid[72], after_s[24], wait_s[16];
	if (http_req_query_var(req, "psid", psid, sizeof(psid)) < 0 || !valid_psid(psid))
		return reply_json(req, 400, json_pack("{s:s}", "error", "psid is required"));
	/* absent or unreadable: "" reads as 0 */
	http_req_query_var(req, "after", after_s, sizeof(after_s));
	http_req_query_var(req, "wait_ms", wait_s, sizeof(wait_s));
	long long after = strtoll(after_s, NULL, 10);
	long wait = strtol(wait_s, NULL, 10);
	wait = wait < 0 ? 0 : wait > MAX_WAIT_MS ? MAX_WAIT_MS : wait;

	json_t *arr = json_array();
	struct timespec deadline;
	clock_deadline_after(&deadline, wait);
	pthread_mutex_lock(&sb->mu);
	while (records_collect(sb, psid, after, arr) == 0 && wait > 0) {
		if (pthread_cond_timedwait(&sb->cv, &sb->mu, &deadline) == ETIMEDOUT)
			break;
	}
	long long last = sb->next_id;
	pthread_mutex_unlock(&sb->mu);
	return reply_json(req, 200,
	                  json_pack("{s:o, s:I}", "replies", arr, "last", (json_int_t)last));
}

/* Signs body and POSTs it to this server's own /webhook; returns the status. */
static long post_event(const struct sandbox *sb, const char *body)
{
	struct loopback_options o = {.server_url = sb->server_url,
	                             .app_secret = sb->app_secret,
	                             .timeout_ms = WEBHOOK_TIMEOUT_MS,
	                             .insecure = 1}; /* our own dev certificate on loopback */
	struct loopback *lb = loopback_new(&o);
	long status = lb ? loopback_post_event(lb, body) : 0;
	loopback_free(lb);
	return status;
}

/* NULL if in is a message the web chat may send, else the problem. */
static const char *check_send_input(json_t *in)
{
	const char *psid = json_string_value(json_object_get(in, "psid"));
	json_t *text = json_object_get(in, "text");
	json_t *pb = json_object_get(in, "postback");
	if (!psid || !valid_psid(psid))
		return "psid must be 1-64 letters, digits, '-' or '_'";
	if (!json_is_string(text) && !json_is_string(pb))
		return "text (or postback) is required";
	if (json_is_string(text) &&
	    (json_string_length(text) == 0 || json_string_length(text) > MAX_TEXT_BYTES))
		return "text must be 1-8000 bytes";
	return NULL;
}

/* {"psid", "text"} or {"psid", "text", "quick_reply": PAYLOAD} or
 * {"psid", "postback": PAYLOAD, "title"} -> the webhook body (checked input). */
static char *event_for(json_t *in)
{
	json_t *pb = json_object_get(in, "postback");
	json_t *title = json_object_get(in, "title");
	struct loopback_event ev = {
	    .page_id = SANDBOX_PAGE_ID,
	    .psid = json_string_value(json_object_get(in, "psid")),
	    .mid_prefix = "m_sandbox_",
	};
	if (json_is_string(pb)) {
		ev.postback = 1;
		ev.payload = json_string_value(pb);
		ev.text = json_string_value(json_is_string(title) ? title : pb);
	} else {
		ev.text = json_string_value(json_object_get(in, "text"));
		ev.payload = json_string_value(json_object_get(in, "quick_reply"));
	}
	return loopback_event_json(&ev);
}

static int api_send(struct http_req *req, struct sandbox *sb)
{
	/* JSON only: a cross-site form cannot send application/json without a
	 * CORS preflight, which the server never grants (http.c). */
	if (!http_req_content_type_is(req, "application/json"))
		return reply_json(req, 415, json_pack("{s:s}", "error", "send application/json"));
	int status;
	json_t *in = read_json_body(req, MAX_API_BODY, &status);
	if (!in)
		return reply_json(req, status,
		                  json_pack("{s:s}", "error", "body must be a JSON object"));
	const char *problem = check_send_input(in);
	if (problem) {
		json_decref(in);
		return reply_json(req, 400, json_pack("{s:s}", "error", problem));
	}
	char *body = event_for(in);
	json_decref(in);
	long code = body ? post_event(sb, body) : 0;
	free(body);
	return reply_json(req, code == 200 ? 200 : 502,
	                  json_pack("{s:I}", "webhook_status", (json_int_t)code));
}

static int api_handler(struct http_req *req, void *cbdata)
{
	struct sandbox *sb = cbdata;
	if (!allowed(req, sb))
		return http_reply_text(req, 403, "Forbidden\n");
	const char *uri = http_req_path(req);
	int get = http_req_method_is(req, "GET");
	int post = http_req_method_is(req, "POST");
	if (get && strcmp(uri, "/sandbox/api/info") == 0)
		return api_info(req);
	if (get && strcmp(uri, "/sandbox/api/replies") == 0)
		return api_replies(req, sb);
	if (post && strcmp(uri, "/sandbox/api/send") == 0)
		return api_send(req, sb);
	return reply_json(req, 404, json_pack("{s:s}", "error", "no such sandbox API"));
}

static int page_handler(struct http_req *req, void *cbdata)
{
	struct sandbox *sb = cbdata;
	if (!allowed(req, sb))
		return http_reply_text(req, 403, "Forbidden\n");
	return http_reply(
	    req, 200, "text/html; charset=utf-8", sandbox_page_html, sandbox_page_html_len,
	    "Content-Security-Policy: default-src 'self'; script-src 'unsafe-inline'; "
	    "style-src 'unsafe-inline'; frame-ancestors 'none'\r\n"
	    "X-Frame-Options: DENY\r\n");
}

/* ---- lifecycle ------------------------------------------------------------ */

struct sandbox *sandbox_new(const struct sandbox_options *opt, char *err, size_t errlen)
{
	struct sandbox *sb = calloc(1, sizeof(*sb));
	if (!sb || !(sb->records =
	                 calloc(opt->max_records ? opt->max_records : 1, sizeof(*sb->records)))) {
		free(sb);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sb->opt = *opt;
	if (!sb->opt.max_records)
		sb->opt.max_records = 1;
	snprintf(sb->app_secret, sizeof(sb->app_secret), "%s", opt->app_secret);
	snprintf(sb->page_token, sizeof(sb->page_token), "%s", opt->page_token);
	snprintf(sb->server_url, sizeof(sb->server_url), "%s", opt->server_url);
	pthread_mutex_init(&sb->mu, NULL);
	pthread_cond_init(&sb->cv, NULL);
	return sb;
}

void sandbox_register(struct http *h, struct sandbox *sb)
{
	http_route(h, "/sandbox$", page_handler, sb);
	http_route(h, "/sandbox/$", page_handler, sb);
	http_route(h, "/sandbox/graph/", graph_handler, sb);
	http_route(h, "/sandbox/api/", api_handler, sb);
}

void sandbox_free(struct sandbox *sb)
{
	if (!sb)
		return;
	for (size_t i = 0; i < sb->count; i++)
		free(sb->records[(sb->head + i) % sb->opt.max_records].body);
	free(sb->records);
	pthread_cond_destroy(&sb->cv);
	pthread_mutex_destroy(&sb->mu);
	free(sb);
}
