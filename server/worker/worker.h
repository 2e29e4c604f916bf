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
 *
 * The thread runs worker_run_round() with the wall clock's time; tests open
 * a worker without a thread (worker_open) and run rounds at times they pick.
 */
#ifndef BORGERBOT_WORKER_H
#define BORGERBOT_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/metrics.h"
#include "dialog.h"
#include "store/store.h"

struct worker;

struct conversation_env;

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
	int yield_slice_ms;                       /* longest turn while requests wait */
	int yield_wait_ms;                        /* longest wait for a turn while requests wait */
	struct metrics *metrics;                  /* required */
	int answer;                               /* let the bot answer citizens (process.h) */
	const struct dialog_knowledge *knowledge; /* what the bot knows; required when answer */
	/* When set, each event sees the current snapshot of the data files in
	 * knowledge's and env's place (municipality.h: SIGHUP reloads them). */
	struct municipality *data;
	/* Conversations (issue 9): this app's Meta app id (may be NULL), the
	 * staff side's settings (may be NULL: no sweep, nothing said when
	 * control comes back) and how often the sweep (SLA breaches, idle
	 * chats) runs. */
	const char *app_id;
	const struct conversation_env *env;
	int sweep_interval_ms;
	/* Called after a commit that queued outbox rows (wakes the sender). */
	void (*notify)(void *arg);
	void *notify_arg;
};

/* Opens the worker's connection and statements and starts its thread.
 * Returns NULL with err set on failure (e.g. answer without an engine). */
struct worker *worker_start(const struct worker_options *opt, char *err, size_t errlen);

/* The same without a thread: the caller runs the rounds. */
struct worker *worker_open(const struct worker_options *opt, char *err, size_t errlen);

/* One round at now_ms (ms since the epoch): the due events, in one
 * transaction under the write lock, then the notify hook if replies were
 * queued. Returns the events looked at (opt.batch when more may be
 * waiting), or -1 when the round failed and was rolled back. Not while the
 * worker's own thread runs. */
int worker_run_round(struct worker *w, long long now_ms);

/* The conversation sweep at now_ms, in one transaction (conversation_staff.h):
 * SLA breaches into the metrics, idle staff chats back to the bot. Returns 0,
 * or -1 (rolled back, logged). The worker's thread runs it every
 * sweep_interval_ms. */
int worker_sweep(struct worker *w, long long now_ms);

/* Wakes the worker: new events were stored. Safe from any thread. */
void worker_notify(void *worker);

/* Finishes the event in hand, then stops (the thread, if started) and frees
 * the worker. Pending events stay stored. */
void worker_stop(struct worker *w);

#endif
