/*
 * test_throttle.c - the login failure table at chosen times: the lock after
 * the threshold, the doubling lockout and its cap, forgetting, clearing,
 * and a full table that reuses the oldest slot instead of growing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "console/throttle.h"

#define T0 1700000000000LL

static void test_lock_after_threshold(void **state)
{
	(void)state;
	struct throttle *t = throttle_new(64);
	assert_non_null(t);
	for (int i = 0; i < 4; i++) {
		throttle_fail(t, "u:mette", 5, T0 + i);
		assert_int_equal(throttle_wait_ms(t, "u:mette", T0 + i), 0);
	}
	throttle_fail(t, "u:mette", 5, T0 + 10);
	assert_int_equal(throttle_wait_ms(t, "u:mette", T0 + 10), THROTTLE_FIRST_LOCK_MS);
	assert_int_equal(throttle_wait_ms(t, "u:ole", T0 + 10), 0); /* other keys are free */
	assert_int_equal(throttle_wait_ms(t, "u:mette", T0 + 10 + THROTTLE_FIRST_LOCK_MS), 0);
	/* the next failure doubles the lock, and so on up to the cap */
	long long now = T0 + 10 + THROTTLE_FIRST_LOCK_MS;
	throttle_fail(t, "u:mette", 5, now);
	assert_int_equal(throttle_wait_ms(t, "u:mette", now), 2 * THROTTLE_FIRST_LOCK_MS);
	for (int i = 0; i < 10; i++)
		throttle_fail(t, "u:mette", 5, now);
	assert_int_equal(throttle_wait_ms(t, "u:mette", now), THROTTLE_MAX_LOCK_MS);
	throttle_clear(t, "u:mette");
	assert_int_equal(throttle_wait_ms(t, "u:mette", now), 0);
	throttle_fail(t, "u:mette", 5, now);
	assert_int_equal(throttle_wait_ms(t, "u:mette", now), 0); /* counting from zero again */
	throttle_free(t);
}

static void test_failures_are_forgotten(void **state)
{
	(void)state;
	struct throttle *t = throttle_new(64);
	for (int i = 0; i < 4; i++)
		throttle_fail(t, "a:10.0.0.1", 5, T0);
	/* a fifth failure long after the others starts a new count */
	throttle_fail(t, "a:10.0.0.1", 5, T0 + THROTTLE_FORGET_MS + 1);
	assert_int_equal(throttle_wait_ms(t, "a:10.0.0.1", T0 + THROTTLE_FORGET_MS + 1), 0);
	throttle_free(t);
}

static void test_full_table_reuses_the_oldest(void **state)
{
	(void)state;
	struct throttle *t = throttle_new(16);
	for (int i = 0; i < 5; i++)
		throttle_fail(t, "u:victim", 5, T0 + 1000);
	assert_true(throttle_wait_ms(t, "u:victim", T0 + 1000) > 0);
	/* a spray of other keys, all newer: the table does not grow, and old
	 * entries make room */
	char key[40];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "u:spray%d", i);
		throttle_fail(t, key, 5, T0 + 2000 + i);
	}
	snprintf(key, sizeof(key), "u:spray%d", 999);
	throttle_fail(t, key, 2, T0 + 5000);
	assert_true(throttle_wait_ms(t, key, T0 + 5000) > 0);
	/* a very long key is cut, not overflowed */
	char big[500];
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 5; i++)
		throttle_fail(t, big, 5, T0 + 6000);
	assert_true(throttle_wait_ms(t, big, T0 + 6000) > 0);
	throttle_free(t);
	throttle_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_after_threshold),
	    cmocka_unit_test(test_failures_are_forgotten),
	    cmocka_unit_test(test_full_table_reuses_the_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
