/*
 * metrics.c - counters and histograms (see metrics.h) and their Prometheus
 * text rendering. Histogram buckets are stored per bucket and summed into
 * cumulative "le" buckets only when /metrics is read.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double latency_bounds[METRICS_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const double batch_bounds[METRICS_LATENCY_BUCKETS] = {1,   2,   4,   8,    16,   32,   64,
                                                             128, 256, 512, 1024, 2048, 4096, 8192};

static const char *const result_names[WEBHOOK_RESULT_COUNT] = {"ok", "bad_signature", "too_large",
                                                               "bad_request", "unavailable"};

static const char *const outbox_fail_names[METRICS_OUTBOX_FAIL_REASONS] = {
    "window_closed", "unavailable",  "token",   "bad_request", "permission",
    "tag_limit",     "client_error", "gave_up", "other"};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	atomic_store(&m->outbox_pending, -1);
}

static const char *const handover_names[METRICS_HANDOVER_REASONS] = {
    "crisis",        "citizen_asked", "complaint",   "anger",  "not_understood",
    "unknown_place", "no_answer",     "other_topic", "hazard", "other"};

void metrics_count_handover(struct metrics *m, const char *reason)
{
	int i = 0;
	while (i < METRICS_HANDOVER_REASONS - 1 && strcmp(handover_names[i], reason) != 0)
		i++;
	metrics_count(&m->handovers[i], 1);
}

static const char *const outcome_names[METRICS_OUTCOMES] = {
    "answered",   "case_filed", "clarified", "handed_over", "crisis",
    "with_staff", "refused",    "no_reply",  "other"};

void metrics_count_outcome(struct metrics *m, const char *outcome)
{
	int i = 0;
	while (i < METRICS_OUTCOMES - 1 && strcmp(outcome_names[i], outcome) != 0)
		i++;
	metrics_count(&m->outcomes[i], 1);
}

void metrics_count_outbox_failed(struct metrics *m, const char *reason)
{
	int i = 0;
	while (i < METRICS_OUTBOX_FAIL_REASONS - 1 && strcmp(outbox_fail_names[i], reason) != 0)
		i++;
	metrics_count(&m->outbox_failed[i], 1);
}

void metrics_count(atomic_ullong *counter, unsigned long long n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static void observe(struct histogram *h, const double *bounds, double v, unsigned long long sum)
{
	int i = 0;
	while (i < METRICS_LATENCY_BUCKETS && v > bounds[i])
		i++;
	if (i < METRICS_LATENCY_BUCKETS)
		metrics_count(&h->buckets[i], 1);
	metrics_count(&h->count, 1);
	metrics_count(&h->sum_us, sum);
}

void metrics_observe_latency(struct histogram *h, double seconds)
{
	observe(h, latency_bounds, seconds, (unsigned long long)(seconds * 1e6));
}

void metrics_observe_batch(struct histogram *h, unsigned long long events)
{
	observe(h, batch_bounds, (double)events, events);
}

struct out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void emit(struct out *o, const char *fmt, ...)
{
	if (o->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap * 2 + (size_t)n;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->failed = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
}

static void counter(struct out *o, const char *name, const char *help, atomic_ullong *v)
{
	emit(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
	     (unsigned long long)atomic_load(v));
}

static void histogram(struct out *o, const char *name, const char *help, struct histogram *h,
                      const double *bounds, double sum_scale)
{
	emit(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	unsigned long long cum = 0;
	for (int i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
		cum += atomic_load(&h->buckets[i]);
		emit(o, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], cum);
	}
	unsigned long long count = atomic_load(&h->count);
	emit(o, "%s_bucket{le=\"+Inf\"} %llu\n", name, count);
	emit(o, "%s_sum %.6f\n%s_count %llu\n", name, (double)atomic_load(&h->sum_us) * sum_scale,
	     name, count);
}

static const char *const purge_names[METRICS_PURGE_KINDS] = {"messages", "events", "citizens",
                                                             "cases", "other"};

const char *metrics_purge_kind_name(int k)
{
	return k >= 0 && k < METRICS_PURGE_KINDS ? purge_names[k] : "other";
}

char *metrics_render(struct metrics *m, long long pending, long long parked_now)
{
	struct out o = {malloc(4096), 0, 4096, 0};
	if (!o.buf)
		return NULL;
	emit(&o, "# HELP borgerbot_webhook_requests_total Webhook POST requests by result.\n"
	         "# TYPE borgerbot_webhook_requests_total counter\n");
	for (int i = 0; i < WEBHOOK_RESULT_COUNT; i++)
		emit(&o, "borgerbot_webhook_requests_total{result=\"%s\"} %llu\n", result_names[i],
		     (unsigned long long)atomic_load(&m->webhook_requests[i]));
	counter(&o, "borgerbot_events_stored_total", "Webhook events durably stored.",
	        &m->events_stored);
	counter(&o, "borgerbot_events_duplicate_total",
	        "Webhook events already stored (redeliveries).", &m->events_duplicate);
	counter(&o, "borgerbot_events_processed_total", "Stored events processed by the worker.",
	        &m->events_processed);
	counter(&o, "borgerbot_events_failed_total", "Event processing attempts that failed.",
	        &m->events_failed);
	counter(&o, "borgerbot_events_parked_total", "Events parked after repeated failures.",
	        &m->events_parked);
	counter(&o, "borgerbot_ingest_batches_total",
	        "Group-commit transactions of the ingest writer.", &m->ingest_batches);
	histogram(&o, "borgerbot_webhook_request_duration_seconds",
	          "Webhook POST handling time, from request to response.", &m->webhook_latency,
	          latency_bounds, 1e-6);
	histogram(&o, "borgerbot_ingest_batch_events", "Events committed per group commit.",
	          &m->ingest_batch_size, batch_bounds, 1.0);
	counter(&o, "borgerbot_outbox_sent_total", "Send API requests Meta accepted.",
	        &m->outbox_sent);
	counter(&o, "borgerbot_outbox_retried_total",
	        "Send API requests that failed transiently and were scheduled again.",
	        &m->outbox_retried);
	counter(&o, "borgerbot_outbox_refused_total",
	        "Replies the messaging rules (24-hour window, 7 days) refused.",
	        &m->outbox_refused);
	emit(&o, "# HELP borgerbot_outbox_failed_total Outbox rows given up, by reason.\n"
	         "# TYPE borgerbot_outbox_failed_total counter\n");
	for (int i = 0; i < METRICS_OUTBOX_FAIL_REASONS; i++)
		emit(&o, "borgerbot_outbox_failed_total{reason=\"%s\"} %llu\n",
		     outbox_fail_names[i], (unsigned long long)atomic_load(&m->outbox_failed[i]));
	counter(&o, "borgerbot_http_connections_refused_total",
	        "Connections refused at accept: the client address had too many open.",
	        &m->http_refused);
	emit(&o,
	     "# HELP borgerbot_http_connections_shut_total Connections the gate shut down "
	     "to free a worker thread, by reason.\n"
	     "# TYPE borgerbot_http_connections_shut_total counter\n"
	     "borgerbot_http_connections_shut_total{reason=\"headers\"} %llu\n"
	     "borgerbot_http_connections_shut_total{reason=\"idle\"} %llu\n",
	     (unsigned long long)atomic_load(&m->http_shut_headers),
	     (unsigned long long)atomic_load(&m->http_shut_idle));
	counter(&o, "borgerbot_data_reloads_total",
	        "Reloads of the municipality's data files (SIGHUP) that took effect.",
	        &m->data_reloads);
	counter(&o, "borgerbot_data_reload_failures_total",
	        "Reloads refused because a data file was broken; the files in use stay.",
	        &m->data_reload_failures);
	counter(&o, "borgerbot_crisis_messages_total",
	        "Citizen messages recognised as a crisis (112 answer, urgent), in any mode.",
	        &m->crisis_messages);
	emit(&o, "# HELP borgerbot_handovers_total Conversations the bot handed to staff, by "
	         "reason.\n# TYPE borgerbot_handovers_total counter\n");
	for (int i = 0; i < METRICS_HANDOVER_REASONS; i++)
		emit(&o, "borgerbot_handovers_total{reason=\"%s\"} %llu\n", handover_names[i],
		     (unsigned long long)atomic_load(&m->handovers[i]));
	emit(&o, "# HELP borgerbot_citizen_messages_total Citizen messages and postbacks, by what "
	         "became of them (docs/insight.md).\n# TYPE borgerbot_citizen_messages_total "
	         "counter\n");
	for (int i = 0; i < METRICS_OUTCOMES; i++)
		emit(&o, "borgerbot_citizen_messages_total{outcome=\"%s\"} %llu\n",
		     outcome_names[i], (unsigned long long)atomic_load(&m->outcomes[i]));
	emit(&o,
	     "# HELP borgerbot_sla_breaches_total Handed-over conversations that missed a "
	     "department's target.\n# TYPE borgerbot_sla_breaches_total counter\n"
	     "borgerbot_sla_breaches_total{target=\"first_response\"} %llu\n"
	     "borgerbot_sla_breaches_total{target=\"resolution\"} %llu\n",
	     (unsigned long long)atomic_load(&m->sla_first_response_breaches),
	     (unsigned long long)atomic_load(&m->sla_resolution_breaches));
	counter(&o, "borgerbot_conversations_idle_returned_total",
	        "Staff conversations given back to the bot after the idle time.",
	        &m->idle_returned);
	histogram(&o, "borgerbot_outbox_send_duration_seconds",
	          "Send API request time, from request to Meta's answer.", &m->outbox_send_latency,
	          latency_bounds, 1e-6);
	counter(&o, "borgerbot_privacy_deletions_total",
	        "Citizens' data deleted on request (Messenger, CLI, Meta's callback).",
	        &m->privacy_deletions);
	counter(&o, "borgerbot_privacy_purge_runs_total", "Retention purges run.",
	        &m->privacy_purge_runs);
	emit(&o, "# HELP borgerbot_privacy_purged_total Rows removed by the retention purge.\n"
	         "# TYPE borgerbot_privacy_purged_total counter\n");
	for (int i = 0; i < METRICS_PURGE_KINDS; i++)
		emit(&o, "borgerbot_privacy_purged_total{kind=\"%s\"} %llu\n", purge_names[i],
		     (unsigned long long)atomic_load(&m->privacy_purged[i]));
	long long outbox_pending = atomic_load(&m->outbox_pending);
	if (outbox_pending >= 0)
		emit(&o,
		     "# HELP borgerbot_outbox_pending Replies waiting to be sent.\n"
		     "# TYPE borgerbot_outbox_pending gauge\nborgerbot_outbox_pending %lld\n",
		     outbox_pending);
	if (pending >= 0)
		emit(&o,
		     "# HELP borgerbot_events_pending Stored events waiting for the worker.\n"
		     "# TYPE borgerbot_events_pending gauge\nborgerbot_events_pending %lld\n",
		     pending);
	if (parked_now >= 0)
		emit(&o,
		     "# HELP borgerbot_events_parked Events parked now, waiting for an operator.\n"
		     "# TYPE borgerbot_events_parked gauge\nborgerbot_events_parked %lld\n",
		     parked_now);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
