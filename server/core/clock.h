/*
 * clock.h - the one place that reads the clocks.
 *
 * Wall-clock milliseconds for what is stored or shown (Meta's timestamps,
 * created_at, due times), the monotonic clock for measuring how long
 * something took, and absolute deadlines for pthread_cond_timedwait() on
 * condition variables with the default clock (CLOCK_REALTIME).
 */
#ifndef BORGERBOT_CLOCK_H
#define BORGERBOT_CLOCK_H

#include <time.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
long long clock_now_ms(void);

/* Milliseconds and seconds on the monotonic clock: only differences mean
 * anything, and they never go backwards when the wall clock is set. */
long long clock_mono_ms(void);
double clock_mono_s(void);

/* Sets *ts to the wall-clock time ms milliseconds from now (ms <= 0: now),
 * the absolute deadline pthread_cond_timedwait() expects. */
void clock_deadline_after(struct timespec *ts, long long ms);

#endif
