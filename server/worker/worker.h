/*
 * worker.h - processes stored webhook events in the background.
 *
 * One thread takes pending events in Meta's timestamp order, never running a
 * citizen's event before that citizen's earlier ones, and applies each with
 * the processor. A failing event is retried with exponential backoff (its
 * citizen's later events wait); after max_attempts it is parked with its
 * error for an operator ('borgerbot events'), and the citizen's queue moves on.
 * Replies the processor queues in the outbox commit with their event; the
 * notify hook then wakes the outbox sender.
 */
#ifndef BORGERBOT_WORKER_H
#define BORGERBOT_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "dialog.h"
#include "core/metrics.h"
#include "store/store.h"

struct worker;

struct worker_options {
	struct store *store;
	int max_attempts;
	int retry_base_ms;
	int retry_max_ms;
	int batch;
	/* Webhook requests waiting for a commit (ingest.h): while non-zero the
	 * worker keeps its turns at the write lock short and rare, so
	 * acknowledging Meta stays fast under load; NULL = never yield. */
	const atomic_int *ingest_waiting;
	int yield_slice_ms; /* longest turn while requests wait */
	int yield_wait_ms;  /* longest wait for a turn while requests wait */
	struct metrics *metrics;
	int answer;                               /* let the bot answer citizens (process.h) */
	const struct dialog_knowledge *knowledge; /* what the bot knows (dialog.h) */
	/* Called after a commit that queued outbox rows (wakes the sender). */
	void (*notify)(void *arg);
	void *notify_arg;
};

struct worker *worker_start(const struct worker_options *opt, char *err, size_t errlen);

/* Wakes the worker: new events were stored. Safe from any thread. */
void worker_notify(void *worker);

/* Finishes the event in hand, then stops. Pending events stay stored. */
void worker_stop(struct worker *w);

#endif
