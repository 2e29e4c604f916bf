/*
 * ingest.h - durable storage of webhook events with group commit.
 *
 * HTTP threads call ingest_submit() with the events of one request; it blocks
 * until a single writer thread has committed them (together with whatever
 * other requests arrived meanwhile) in one SQLite transaction, then returns.
 * Only then may the request be answered 200.
 */
#ifndef BORGERBOT_INGEST_H
#define BORGERBOT_INGEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "envelope.h"
#include "core/metrics.h"
#include "store/store.h"

struct ingest;

struct ingest_result {
	int stored;    /* new events committed */
	int duplicate; /* events that were already stored */
};

/* Called after each commit that stored new events (e.g. to wake the worker). */
typedef void (*ingest_notify_fn)(void *arg);

struct ingest_options {
	struct store *store;
	int max_batch;       /* events per transaction (a request is never split) */
	atomic_int *waiting; /* requests queued or committing; the worker
	                        yields the write lock while it is non-zero */
	struct metrics *metrics;
	ingest_notify_fn notify;
	void *notify_arg;
};

struct ingest *ingest_start(const struct ingest_options *opt, char *err, size_t errlen);

/* Returns 0 when every event is durably stored (or was already), -1 when the
 * transaction could not commit (nothing of this request is then stored). */
int ingest_submit(struct ingest *in, const struct event_list *events, struct ingest_result *res);

/* Commits everything still queued, then stops the writer. */
void ingest_stop(struct ingest *in);

#endif
