/*
 * live.h - the bookkeeping of the console's live streams (GET /api/live,
 * console.c): how many run, per session and in all, and the one signal
 * that ends them all at shutdown.
 *
 * Each open stream holds one of CivetWeb's worker threads for as long as
 * the browser keeps it, so the streams are capped (console_live_max_streams
 * in all, console_live_per_session per session) well below http_threads:
 * the webhook and the API must always find a free thread. A stream waits on
 * this module's condition variable between polls, so live_stop() wakes and
 * ends every stream at once and the server stops quickly.
 */
#ifndef BORGERBOT_CONSOLE_LIVE_H
#define BORGERBOT_CONSOLE_LIVE_H

struct live;

enum live_slot { LIVE_OK, LIVE_FULL, LIVE_SESSION_FULL, LIVE_STOPPING };

struct live *live_new(int max_streams, int per_session);
void live_free(struct live *l);

/* Takes a stream slot for session_id (a staff_sessions row id). */
enum live_slot live_acquire(struct live *l, long long session_id);
void live_release(struct live *l, long long session_id);

/* Waits up to ms; returns 1 when live_stop() was called (now or before). */
int live_wait(struct live *l, long long ms);

/* Ends every stream's wait, refuses new ones, and waits up to 2 s until the
 * streams have left. */
void live_stop(struct live *l);

/* Streams running now (for tests and logs). */
int live_active(struct live *l);

#endif
