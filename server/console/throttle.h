/*
 * throttle.h - login rate limiting: failures per key ("u:USERNAME",
 * "a:ADDRESS") with a growing lockout.
 *
 * After `threshold` failures within the forget window (15 minutes since the
 * last failure) a key is locked for 30 s, doubling with each further
 * failure up to 15 minutes. A success clears the key. The table is a fixed
 * size in memory (a restart forgets it; docs/console.md says why that is
 * acceptable): when it is full, the entry with the oldest failure among the
 * probed slots is reused, so an attacker spraying keys can only shorten
 * other keys' memory, never grow the table. Times are passed in, so the
 * unit test picks the clock. Thread-safe (one mutex).
 */
#ifndef BORGERBOT_THROTTLE_H
#define BORGERBOT_THROTTLE_H

#define THROTTLE_KEY_MAX 96               /* bytes of a key kept (longer ones are cut) */
#define THROTTLE_FORGET_MS (15LL * 60000) /* failures are forgotten after this */
#define THROTTLE_FIRST_LOCK_MS 30000LL
#define THROTTLE_MAX_LOCK_MS (15LL * 60000)

struct throttle;

/* A table of slots entries (rounded up to a power of two). NULL on no memory. */
struct throttle *throttle_new(unsigned slots);
void throttle_free(struct throttle *t);

/* Milliseconds key stays locked at now_ms; 0 when it may try. */
long long throttle_wait_ms(struct throttle *t, const char *key, long long now_ms);

/* Records a failure; locks the key once it has threshold failures. */
void throttle_fail(struct throttle *t, const char *key, int threshold, long long now_ms);

/* Forgets key's failures (a successful login). */
void throttle_clear(struct throttle *t, const char *key);

#endif
