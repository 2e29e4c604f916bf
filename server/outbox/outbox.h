/*
 * outbox.h - the durable outbox: every reply to a citizen, queued in SQLite
 * and delivered to Meta's Send API by sender threads.
 *
 * Writing: outbox_enqueue() runs inside the caller's write transaction (the
 * worker's savepoint for the event that caused the reply, or a store_write()
 * in the staff API and the CLI), so a reply and "its cause was
 * processed" commit together: a crash can neither lose the reply nor queue
 * it twice. It checks the messaging rules (policy.h), splits long text and
 * trims quick replies; a reply the rules forbid is stored as 'refused' with
 * the reason, and nothing is sent.
 *
 * Sending: outbox_sender_start() runs `threads` sender threads, each with its
 * own SQLite connection and Graph client. They deliver each recipient's rows
 * strictly in order (only the oldest pending row of a recipient is ever
 * taken, and never by two threads at once), so a failing recipient holds up
 * only itself. Transient errors are retried with exponential backoff and
 * jitter; permanent ones are recorded ('failed', with Meta's code, subcode
 * and message) and not retried. A global token bucket caps requests per
 * second. The rules are checked again just before each send.
 *
 * Crash window: a row is marked 'sent' in its own commit right after Meta
 * answers (a sender action's mark may ride on the recipient's next write).
 * A request Meta accepted whose mark had not committed when the process died
 * is sent again after restart: at most one message per recipient (the one in
 * flight) plus the mark_seen/typing_on before it, see docs/outbox.md.
 */
#ifndef BORGERBOT_OUTBOX_H
#define BORGERBOT_OUTBOX_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>

#include "graph.h"
#include "core/metrics.h"
#include "store/store.h"
#include "policy.h"

#define OUTBOX_MAX_PARTS 16 /* a text longer than 16 x 2000 code points is refused */

struct outbox_quick_reply {
	const char *title;   /* truncated to 20 code points */
	const char *payload; /* truncated to 1000 code points */
};

struct outbox_reply {
	const char *page_id;
	const char *psid;
	enum policy_origin origin;
	long long cause_event_id; /* the event answered, 0 if none */
	const char *text;
	const struct outbox_quick_reply *quick_replies; /* on the last part; at most 13 kept */
	size_t n_quick_replies;
	int sender_actions; /* queue mark_seen and typing_on first (bot answers) */
	const char *author; /* a staff reply's writer (stored, never sent), or NULL */
	/* Conversation Routing: take thread control first (another app owns
	 * the thread), and/or pass it to this app id with the last part. */
	int take_thread_first;
	const char *pass_thread_to;
	long long now_ms; /* the time the rules are checked at (0 = now) */
};

enum outbox_status { OUTBOX_QUEUED = 0, OUTBOX_REFUSED = 1, OUTBOX_ERROR = -1 };

struct outbox_result {
	int rows; /* rows queued (sender actions and text parts) */
	long long first_id, last_id;
	const char *messaging_type; /* as decided at enqueue */
	const char *tag;
	const char *reason; /* policy's reason (static text) */
};

/* Queues a reply; see above. err is set for OUTBOX_ERROR (database failure,
 * empty or invalid UTF-8 text, text too long). */
enum outbox_status outbox_enqueue(sqlite3 *db, const struct outbox_reply *r,
                                  struct outbox_result *res, char *err, size_t errlen);

struct outbox_sender_options {
	struct store *store;
	struct metrics *metrics;
	struct graph_options graph;
	int threads;       /* sender threads = requests in flight at most */
	int rate_per_sec;  /* global Send API requests per second */
	int max_attempts;  /* transient failures before a row is given up ('failed') */
	int retry_base_ms; /* first retry delay, doubled per attempt, with jitter */
	int retry_max_ms;
};

struct outbox_sender;

struct outbox_sender *outbox_sender_start(const struct outbox_sender_options *opt, char *err,
                                          size_t errlen);

/* Wakes the senders: new rows were committed. Safe from any thread. */
void outbox_sender_notify(void *sender);

/* Lets requests in flight finish and record their outcome, then stops.
 * Pending rows stay stored and are sent after the next start. */
void outbox_sender_stop(struct outbox_sender *s);

#endif
