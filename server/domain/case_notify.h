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

#endif
