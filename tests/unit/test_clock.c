/*
 * test_clock.c - the clocks agree with the system's, the monotonic clock
 * does not go backwards, and wait deadlines land where they should with a
 * normalised nanosecond field (pthread_cond_timedwait refuses others).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"

static long long realtime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long ts_ms(const struct timespec *ts)
{
	return (long long)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void now_is_the_wall_clock_in_ms(void **state)
{
	(void)state;
	long long before = realtime_ms();
	long long now = clock_now_ms();
	long long after = realtime_ms();
	assert_true(before <= now && now <= after);
	assert_true(now > 1700000000000LL); /* after November 2023: milliseconds, not seconds */
}

static void monotonic_never_goes_back(void **state)
{
	(void)state;
	long long a = clock_mono_ms();
	double as = clock_mono_s();
	for (int i = 0; i < 1000; i++) {
		long long b = clock_mono_ms();
		double bs = clock_mono_s();
		assert_true(b >= a);
		assert_true(bs >= as);
		a = b;
		as = bs;
	}
	/* Both read the same clock: seconds and milliseconds agree. */
	double diff = clock_mono_s() * 1000 - (double)clock_mono_ms();
	assert_true(diff > -50 && diff < 50);
}

static void deadline_is_ms_from_now(void **state)
{
	(void)state;
	static const long long waits[] = {1, 999, 1000, 1001, 1500, 25000, 86400000LL};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		long long before = realtime_ms();
		struct timespec ts;
		clock_deadline_after(&ts, waits[i]);
		long long after = realtime_ms();
		assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
		assert_true(ts_ms(&ts) >= before + waits[i]);
		assert_true(ts_ms(&ts) <= after + waits[i]);
	}
}

static void deadline_in_the_past_is_now(void **state)
{
	(void)state;
	static const long long waits[] = {0, -1, -999, -1000000};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		long long before = realtime_ms();
		struct timespec ts;
		clock_deadline_after(&ts, waits[i]);
		assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
		assert_true(ts_ms(&ts) >= before && ts_ms(&ts) <= realtime_ms());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(now_is_the_wall_clock_in_ms),
	    cmocka_unit_test(monotonic_never_goes_back),
	    cmocka_unit_test(deadline_is_ms_from_now),
	    cmocka_unit_test(deadline_in_the_past_is_now),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
