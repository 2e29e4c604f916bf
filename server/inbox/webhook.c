/*
 * webhook.c - /webhook handlers (see webhook.h).
 *
 * POST flow: read the raw body (413 above max_body_bytes) -> verify
 * X-Hub-Signature-256 over those exact bytes (403, nothing parsed) -> parse
 * the envelope (400 if not a page object) -> ingest_submit() blocks until the
 * group commit holding these events is durable -> 200, or 503 when the
 * database could not commit so that Meta delivers again. Every request is
 * counted by result and timed.
 */
#include "webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "core/clock.h"
#include "core/log.h"
#include "signature.h"

static int handle_verify(struct http_req *req, struct webhook *w)
{
	char mode[32], token[256], challenge[256];
	if (http_req_query_var(req, "hub.mode", mode, sizeof(mode)) < 0 ||
	    http_req_query_var(req, "hub.verify_token", token, sizeof(token)) < 0 ||
	    http_req_query_var(req, "hub.challenge", challenge, sizeof(challenge)) < 0 ||
	    strcmp(mode, "subscribe") != 0 || !signature_secret_equal(token, w->verify_token)) {
		log_event(LOG_WARN, "webhook_verify_refused", NULL);
		return http_reply_text(req, 403, "Forbidden\n");
	}
	log_event(LOG_INFO, "webhook_verified", NULL);
	/* The challenge goes back as plain text; never rendered as HTML. */
	return http_reply(req, 200, "text/plain; charset=utf-8", challenge, strlen(challenge),
	                  NULL);
}

static int finish(struct http_req *req, struct webhook *w, double started,
                  enum webhook_result result, int status, const char *body, const char *headers)
{
	metrics_count(&w->metrics->webhook_requests[result], 1);
	int rc = http_reply(req, status, "text/plain; charset=utf-8", body, strlen(body), headers);
	metrics_observe_latency(&w->metrics->webhook_latency, clock_mono_s() - started);
	return rc;
}

static int handle_event_post(struct http_req *req, struct webhook *w)
{
	double started = clock_mono_s();
	char *body;
	size_t len;
	enum http_body rb = http_read_body(req, w->max_body_bytes, &body, &len);
	if (rb == HTTP_BODY_TOO_LARGE)
		return finish(req, w, started, WEBHOOK_TOO_LARGE, 413, "Payload Too Large\n",
		              "Connection: close\r\n");
	if (rb != HTTP_BODY_OK)
		return finish(req, w, started, WEBHOOK_BAD_REQUEST, 400, "Bad Request\n",
		              "Connection: close\r\n");

	const char *sig = http_req_header(req, "X-Hub-Signature-256");
	enum signature_result sr = signature_verify(w->app_secret, body, len, sig);
	if (sr != SIGNATURE_OK) {
		free(body);
		log_event(LOG_WARN, "webhook_bad_signature", "reason", signature_result_name(sr),
		          NULL);
		return finish(req, w, started, WEBHOOK_BAD_SIGNATURE, 403, "Forbidden\n", NULL);
	}

	struct event_list events = {0};
	char err[256];
	enum envelope_status es =
	    envelope_parse(body, len, clock_now_ms(), &events, err, sizeof(err));
	free(body);
	if (es == ENVELOPE_NO_MEMORY)
		return finish(req, w, started, WEBHOOK_UNAVAILABLE, 503, "Service Unavailable\n",
		              NULL);
	if (es != ENVELOPE_OK) {
		log_event(LOG_WARN, "webhook_bad_request", "error", err, NULL);
		return finish(req, w, started, WEBHOOK_BAD_REQUEST, 400, "Bad Request\n", NULL);
	}

	struct ingest_result res;
	int rc = ingest_submit(w->ingest, &events, &res);
	event_list_free(&events);
	if (rc != 0)
		return finish(req, w, started, WEBHOOK_UNAVAILABLE, 503, "Service Unavailable\n",
		              "Retry-After: 1\r\n");
	return finish(req, w, started, WEBHOOK_OK, 200, "EVENT_RECEIVED", NULL);
}

static int webhook_handler(struct http_req *req, void *cbdata)
{
	struct webhook *w = cbdata;
	if (http_req_method_is(req, "GET"))
		return handle_verify(req, w);
	if (http_req_method_is(req, "POST"))
		return handle_event_post(req, w);
	return http_reply(req, 405, "text/plain; charset=utf-8", "Method Not Allowed\n", 19,
	                  "Allow: GET, POST\r\n");
}

void webhook_register(struct http *h, struct webhook *w)
{
	http_route(h, "/webhook$", webhook_handler, w);
}
