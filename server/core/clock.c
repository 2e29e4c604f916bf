/*
 * clock.c - wall clock, monotonic clock and wait deadlines (see clock.h).
 *
 * Every other module asks here instead of calling clock_gettime() itself,
 * so there is one conversion to milliseconds and one deadline calculation
 * (they were copied into the store, the outbox, the worker and the sandbox).
 */
#include "clock.h"

#define NS_PER_MS 1000000L
#define NS_PER_S 1000000000L

static long long to_ms(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000 + ts->tv_nsec / NS_PER_MS;
}

long long clock_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return to_ms(&ts);
}

long long clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return to_ms(&ts);
}

double clock_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void clock_deadline_after(struct timespec *ts, long long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	if (ms <= 0)
		return;
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * NS_PER_MS;
	if (ts->tv_nsec >= NS_PER_S) {
		ts->tv_sec++;
		ts->tv_nsec -= NS_PER_S;
	}
}
