/*
 * test_loopback.c - the sandbox's one event builder and signed poster: the
 * events have Meta's shape and pass the server's own envelope parser, and
 * the poster's requests carry a signature the webhook accepts. A small
 * server on the real HTTP layer (http.h) stands in for /webhook; its
 * handler also checks that absent headers and queries read as NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/http.h"
#include "inbox/envelope.h"
#include "inbox/signature.h"
#include "sandbox/loopback.h"

#define SECRET "test-secret"

/* ---- events ------------------------------------------------------------- */

static json_t *build(const struct loopback_event *ev)
{
	char *s = loopback_event_json(ev);
	assert_non_null(s);
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p < 0x80); /* ASCII only */
	json_t *root = json_loads(s, 0, NULL);
	assert_non_null(root);
	/* ... and the webhook's own parser reads it as one event. */
	struct event_list list = {0};
	char err[200];
	assert_int_equal(envelope_parse(s, strlen(s), 0, &list, err, sizeof(err)), ENVELOPE_OK);
	assert_int_equal(list.count, 1);
	assert_string_equal(list.items[0].kind, ev->postback ? "postback" : "message");
	assert_string_equal(list.items[0].citizen_id, ev->psid);
	event_list_free(&list);
	free(s);
	return root;
}

static json_t *item_of(json_t *root)
{
	json_t *entry = json_array_get(json_object_get(root, "entry"), 0);
	return json_array_get(json_object_get(entry, "messaging"), 0);
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void assert_mid(const char *mid, const char *prefix)
{
	assert_non_null(mid);
	size_t n = strlen(prefix);
	assert_int_equal(strncmp(mid, prefix, n), 0);
	assert_int_equal(strlen(mid), n + 24);
	assert_int_equal(strspn(mid + n, "0123456789abcdef"), 24);
}

static void text_message_has_metas_shape(void **state)
{
	(void)state;
	struct loopback_event ev = {.page_id = "1001",
	                            .psid = "42",
	                            .mid_prefix = "m_test_",
	                            .text = "Gadelyset er ude på Ærøvej",
	                            .time_ms = 1700000000123LL};
	json_t *root = build(&ev);
	assert_string_equal(str(root, "object"), "page");
	json_t *entry = json_array_get(json_object_get(root, "entry"), 0);
	assert_string_equal(str(entry, "id"), "1001");
	assert_int_equal(json_integer_value(json_object_get(entry, "time")), 1700000000123LL);
	json_t *item = item_of(root);
	assert_string_equal(str(json_object_get(item, "sender"), "id"), "42");
	assert_string_equal(str(json_object_get(item, "recipient"), "id"), "1001");
	assert_int_equal(json_integer_value(json_object_get(item, "timestamp")), 1700000000123LL);
	json_t *msg = json_object_get(item, "message");
	assert_string_equal(str(msg, "text"), "Gadelyset er ude på Ærøvej");
	assert_mid(str(msg, "mid"), "m_test_");
	assert_null(json_object_get(msg, "quick_reply"));
	assert_null(json_object_get(item, "postback"));
	json_decref(root);
}

static void quick_reply_and_postback(void **state)
{
	(void)state;
	struct loopback_event ev = {
	    .page_id = "1001", .psid = "42", .mid_prefix = "m_", .text = "Ja", .payload = "YES"};
	json_t *root = build(&ev);
	json_t *msg = json_object_get(item_of(root), "message");
	assert_string_equal(str(msg, "text"), "Ja");
	assert_string_equal(str(json_object_get(msg, "quick_reply"), "payload"), "YES");
	json_decref(root);

	ev.postback = 1;
	ev.text = "Kom i gang";
	ev.payload = "GET_STARTED";
	root = build(&ev);
	json_t *item = item_of(root);
	assert_null(json_object_get(item, "message"));
	json_t *pb = json_object_get(item, "postback");
	assert_string_equal(str(pb, "payload"), "GET_STARTED");
	assert_string_equal(str(pb, "title"), "Kom i gang");
	assert_mid(str(pb, "mid"), "m_");
	json_decref(root);
}

static void mids_differ_and_time_defaults_to_now(void **state)
{
	(void)state;
	struct loopback_event ev = {.page_id = "1", .psid = "2", .mid_prefix = "m_", .text = "x"};
	long long before = clock_now_ms();
	json_t *a = build(&ev);
	json_t *b = build(&ev);
	long long after = clock_now_ms();
	const char *ma = str(json_object_get(item_of(a), "message"), "mid");
	const char *mb = str(json_object_get(item_of(b), "message"), "mid");
	assert_string_not_equal(ma, mb);
	long long ts = json_integer_value(json_object_get(item_of(a), "timestamp"));
	assert_true(ts >= before && ts <= after);
	json_decref(a);
	json_decref(b);
}

static void invalid_utf8_becomes_a_replacement_character(void **state)
{
	(void)state;
	struct loopback_event ev = {
	    .page_id = "1", .psid = "2", .mid_prefix = "m_", .text = "caf\xe9 \xff"};
	json_t *root = build(&ev);
	assert_string_equal(str(json_object_get(item_of(root), "message"), "text"), "\xef\xbf\xbd");
	json_decref(root);
}

/* ---- the poster against a stand-in /webhook ------------------------------- */

struct seen {
	pthread_mutex_t mu;
	int requests;
	int signature_ok;
	int content_type_json;
	int missing_header_is_null;
	int query_is_null;
	char method[8];
	char query_var[32];
};

static int webhook(struct http_req *req, void *cbdata)
{
	struct seen *s = cbdata;
	char *body = NULL;
	size_t len = 0;
	enum http_body rb = http_read_body(req, 1 << 20, &body, &len);
	enum signature_result sr =
	    signature_verify(SECRET, body, len, http_req_header(req, "X-Hub-Signature-256"));
	pthread_mutex_lock(&s->mu);
	s->requests++;
	s->signature_ok = rb == HTTP_BODY_OK && sr == SIGNATURE_OK;
	s->content_type_json = http_req_content_type_is(req, "application/json");
	s->missing_header_is_null = http_req_header(req, "X-Not-Sent") == NULL;
	s->query_is_null = http_req_query(req) == NULL;
	snprintf(s->method, sizeof(s->method), "%s", http_req_method(req));
	pthread_mutex_unlock(&s->mu);
	free(body);
	return http_reply_text(req, sr == SIGNATURE_OK ? 200 : 403, "EVENT_RECEIVED");
}

static int info(struct http_req *req, void *cbdata)
{
	struct seen *s = cbdata;
	char v[32];
	int n = http_req_query_var(req, "name", v, sizeof(v));
	pthread_mutex_lock(&s->mu);
	snprintf(s->query_var, sizeof(s->query_var), "%s", n >= 0 ? v : "(absent)");
	pthread_mutex_unlock(&s->mu);
	return http_reply_json(req, 200, json_pack("{s:s}", "name", n >= 0 ? v : ""), NULL);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	return ntohs(a.sin_port);
}

struct fixture {
	struct http *http;
	struct seen seen;
	char url[64];
};

static int start_server(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	pthread_mutex_init(&f->seen.mu, NULL);
	char listen[32], err[300];
	int port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", port);
	struct http_options opt = {.listen = listen, .listen_tls = "", .threads = 2};
	f->http = http_start(&opt, err, sizeof(err));
	if (!f->http)
		fail_msg("http_start: %s", err);
	http_route(f->http, "/webhook$", webhook, &f->seen);
	http_route(f->http, "/info$", info, &f->seen);
	*state = f;
	return 0;
}

static int stop_server(void **state)
{
	struct fixture *f = *state;
	http_stop(f->http);
	pthread_mutex_destroy(&f->seen.mu);
	free(f);
	return 0;
}

static long post_with(const struct fixture *f, const char *secret, const char *body)
{
	struct loopback_options o = {
	    .server_url = f->url, .app_secret = secret, .timeout_ms = 5000};
	struct loopback *lb = loopback_new(&o);
	assert_non_null(lb);
	long status = loopback_post_event(lb, body);
	loopback_free(lb);
	return status;
}

static void posts_are_signed_with_the_app_secret(void **state)
{
	struct fixture *f = *state;
	struct loopback_event ev = {.page_id = "1", .psid = "2", .mid_prefix = "m_", .text = "hej"};
	char *body = loopback_event_json(&ev);
	assert_non_null(body);
	assert_int_equal(post_with(f, SECRET, body), 200);
	pthread_mutex_lock(&f->seen.mu);
	assert_int_equal(f->seen.requests, 1);
	assert_true(f->seen.signature_ok);
	assert_true(f->seen.content_type_json);
	assert_true(f->seen.missing_header_is_null);
	assert_true(f->seen.query_is_null);
	assert_string_equal(f->seen.method, "POST");
	pthread_mutex_unlock(&f->seen.mu);
	/* Another secret: the webhook refuses, and the poster says so. */
	assert_int_equal(post_with(f, "other-secret", body), 403);
	free(body);
}

static void get_reads_the_answer(void **state)
{
	struct fixture *f = *state;
	struct loopback_options o = {.server_url = f->url, .timeout_ms = 5000};
	struct loopback *lb = loopback_new(&o);
	assert_non_null(lb);
	char *reply = NULL;
	assert_int_equal(loopback_get(lb, "/info?name=Borger%20Bo&x", &reply), 200);
	assert_non_null(reply);
	assert_string_equal(reply, "{\"name\":\"Borger Bo\"}");
	free(reply);
	/* The same client again, without the variable. */
	assert_int_equal(loopback_get(lb, "/info", &reply), 200);
	free(reply);
	pthread_mutex_lock(&f->seen.mu);
	assert_string_equal(f->seen.query_var, "(absent)");
	pthread_mutex_unlock(&f->seen.mu);
	loopback_free(lb);
}

static void no_server_is_status_0(void **state)
{
	(void)state;
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", free_port());
	struct loopback_options o = {.server_url = url, .app_secret = SECRET, .timeout_ms = 2000};
	struct loopback *lb = loopback_new(&o);
	assert_non_null(lb);
	assert_int_equal(loopback_post_event(lb, "{}"), 0);
	char *reply = (char *)"not touched";
	assert_int_equal(loopback_get(lb, "/info", &reply), 0);
	assert_null(reply);
	loopback_free(lb);
}

int main(void)
{
	loopback_global_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(text_message_has_metas_shape),
	    cmocka_unit_test(quick_reply_and_postback),
	    cmocka_unit_test(mids_differ_and_time_defaults_to_now),
	    cmocka_unit_test(invalid_utf8_becomes_a_replacement_character),
	    cmocka_unit_test_setup_teardown(posts_are_signed_with_the_app_secret, start_server,
	                                    stop_server),
	    cmocka_unit_test_setup_teardown(get_reads_the_answer, start_server, stop_server),
	    cmocka_unit_test(no_server_is_status_0),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	loopback_global_cleanup();
	return rc;
}
