/*
 * case_notify.h - delivering case notices through the outbox.
 *
 * A status change (case_set_status) leaves one row per citizen in notices.
 * These functions hand pending notices to the outbox (outbox_enqueue, origin
 * bot, so Meta's 24-hour rule applies) and mark them delivered in the same
 * transaction: run them inside the caller's write transaction. A notice the
 * messaging rules refuse stays pending for the citizen's next message.
 */
#ifndef BORGERBOT_CASE_NOTIFY_H
#define BORGERBOT_CASE_NOTIFY_H

#include <sqlite3.h>
#include <stddef.h>

#include "case.h"

struct store;

/* Queues the pending notices of every citizen whose window is open at
 * now_ms (0 = now), at most limit (0 = 100). Returns how many were queued,
 * or -1 with err set. The staff API and `borgerbot cases set-status` call
 * this right after a status change; the worker may call it each round. */
int case_notices_send_within_window(sqlite3 *db, long long now_ms, size_t limit, char *err,
                                    size_t errlen);

/* Queues the pending notices of one citizen (the worker calls this when the
 * citizen writes, in that event's savepoint, before or after its answer).
 * cause_event_id is the event that opened the window (0 if none). Returns
 * how many were queued, or -1 with err set. */
int case_notices_send_for(sqlite3 *db, const char *page_id, const char *psid,
                          long long cause_event_id, long long now_ms, char *err, size_t errlen);

/* What staff ask for: the case, the new status, an optional note, who
 * (the history's actor); audit_actor, when not NULL, also writes an
 * audit_log row "case.status" ("staff:mette") in the same transaction. */
struct case_status_request {
	const char *reference, *status, *note, *actor;
	const char *audit_actor;
};

/* A status change as staff make it, in one write transaction of its own:
 * case_set_status() and then case_notices_send_within_window(), so the
 * citizens whose window is open are told at once. The staff API and
 * `borgerbot cases set-status` both call this. Returns CASE_OK (out filled,
 * *sent notices queued now; free out with case_status_change_free),
 * CASE_INVALID, CASE_NOT_FOUND, CASE_CONFLICT (err says why), CASE_BUSY or
 * CASE_ERROR. */
int case_change_status(struct store *store, sqlite3 *db, const struct case_rules *rules,
                       const struct case_status_request *req, struct case_status_change *out,
                       int *sent, char *err, size_t errlen);

#endif
