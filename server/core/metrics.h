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

/* Why outbox rows end as 'failed' (label of borgerbot_outbox_failed_total). */
#define METRICS_OUTBOX_FAIL_REASONS 9
/* Why the bot handed a conversation to staff (borgerbot_handovers_total). */
#define METRICS_HANDOVER_REASONS 10

/* What became of citizen messages (borgerbot_citizen_messages_total), in the
 * order of domain/outcome.h's enum message_outcome, plus "other". */
#define METRICS_OUTCOMES 9

/* What the retention purge removes (label of borgerbot_privacy_purged_total),
 * in the order of privacy.h's enum privacy_purge_kind. */
#define METRICS_PURGE_KINDS 5

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
	/* the connection gate (http/gate.h, issue 16) */
	atomic_ullong http_refused;       /* connections refused: too many from one client */
	atomic_ullong http_shut_headers;  /* shut down: too many short of their headers */
	atomic_ullong http_shut_idle;     /* idle keep-alive shut down for a waiting one */
	struct histogram webhook_latency; /* seconds */
	struct histogram ingest_batch_size;
	/* outbox (issue 3) */
	atomic_ullong outbox_sent;    /* Send API requests Meta accepted */
	atomic_ullong outbox_retried; /* transient failures scheduled for retry */
	atomic_ullong outbox_refused; /* replies the messaging rules refused */
	atomic_ullong outbox_failed[METRICS_OUTBOX_FAIL_REASONS];
	struct histogram outbox_send_latency; /* seconds per Send API request */
	atomic_llong outbox_pending;          /* gauge, refreshed by /metrics; -1 unknown */
	/* data files reloaded on SIGHUP (issue 16) */
	atomic_ullong data_reloads;
	atomic_ullong data_reload_failures; /* a file was broken: the old ones stay */
	/* conversations (issue 9) */
	atomic_ullong crisis_messages; /* citizen messages recognised as a crisis, any mode */
	atomic_ullong handovers[METRICS_HANDOVER_REASONS];
	atomic_ullong outcomes[METRICS_OUTCOMES]; /* issue 13: per citizen message */
	atomic_ullong sla_first_response_breaches;
	atomic_ullong sla_resolution_breaches;
	atomic_ullong idle_returned; /* staff chats given back to the bot for silence */
	/* privacy (issue 12): deletions on request, rows purged by retention */
	atomic_ullong privacy_deletions;
	atomic_ullong privacy_purge_runs;
	atomic_ullong privacy_purged[METRICS_PURGE_KINDS];
};

void metrics_init(struct metrics *m);
void metrics_count(atomic_ullong *counter, unsigned long long n);
void metrics_observe_latency(struct histogram *h, double seconds);
void metrics_observe_batch(struct histogram *h, unsigned long long events);

/* Counts one outbox row given up, by reason (graph.h's labels or "gave_up";
 * anything else counts as "other"). */
void metrics_count_outbox_failed(struct metrics *m, const char *reason);

/* Counts one hand-over by the bot, by reason (conversation.h's names:
 * crisis, citizen_asked, complaint, anger, not_understood, unknown_place,
 * no_answer, other_topic, hazard; anything else counts as "other"). */
void metrics_count_handover(struct metrics *m, const char *reason);
/* Counts one citizen message by what became of it (outcome.h's names:
 * answered, case_filed, clarified, handed_over, crisis, with_staff,
 * refused, no_reply; anything else counts as "other"). */
void metrics_count_outcome(struct metrics *m, const char *outcome);
/* The label of purge kind k ("messages", "events", "citizens", "cases", "other"). */
const char *metrics_purge_kind_name(int k);

/* Renders Prometheus text format into a malloc'd string (caller frees);
 * pending is the number of stored events waiting to be processed, parked_now
 * those parked; -1 leaves the gauge out. */
char *metrics_render(struct metrics *m, long long pending, long long parked_now);

#endif
