/*
 * metrics.h - the server's counters and histograms, rendered for Prometheus.
 *
 * One struct metrics lives in the server and is passed to every module that
 * counts something. All updates are lock-free atomics, safe from any thread.
 */
#ifndef BORGERBOT_METRICS_H
#define BORGERBOT_METRICS_H

#include <stdatomic.h>
#include <stddef.h>

enum webhook_result {
	WEBHOOK_OK,
	WEBHOOK_BAD_SIGNATURE,
	WEBHOOK_TOO_LARGE,
	WEBHOOK_BAD_REQUEST,
	WEBHOOK_UNAVAILABLE,
	WEBHOOK_RESULT_COUNT
};

#define METRICS_LATENCY_BUCKETS 14

struct histogram {
	atomic_ullong buckets[METRICS_LATENCY_BUCKETS]; /* cumulative at render time */
	atomic_ullong count;
	atomic_ullong sum_us;
};

struct metrics {
	atomic_ullong webhook_requests[WEBHOOK_RESULT_COUNT];
	atomic_ullong events_stored;
	atomic_ullong events_duplicate;
	atomic_ullong events_processed;
	atomic_ullong events_failed; /* processing attempts that failed */
	atomic_ullong events_parked;
	atomic_ullong ingest_batches;
	struct histogram webhook_latency; /* seconds */
	struct histogram ingest_batch_size;
};

void metrics_init(struct metrics *m);
void metrics_count(atomic_ullong *counter, unsigned long long n);
void metrics_observe_latency(struct histogram *h, double seconds);
void metrics_observe_batch(struct histogram *h, unsigned long long events);

/* Renders Prometheus text format into a malloc'd string (caller frees);
 * pending is the number of stored events waiting to be processed, parked_now
 * those parked; -1 leaves the gauge out. */
char *metrics_render(struct metrics *m, long long pending, long long parked_now);

#endif
