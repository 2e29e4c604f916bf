/*
 * test_dedup.c - the recent-keys cache: lookups, generations ageing out,
 * clearing, and many keys with colliding hash buckets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "store/dedup.h"

static void remembers_and_forgets_by_generation(void **state)
{
	(void)state;
	struct dedup_cache *c = dedup_new(4); /* two generations of two keys */
	assert_non_null(c);
	assert_false(dedup_seen(c, "m:a"));
	assert_int_equal(dedup_add(c, "m:a"), 0);
	assert_int_equal(dedup_add(c, "m:b"), 0);
	assert_true(dedup_seen(c, "m:a"));
	assert_int_equal(dedup_add(c, "m:c"), 0); /* a, b age into the old generation */
	assert_true(dedup_seen(c, "m:a"));
	assert_int_equal(dedup_add(c, "m:d"), 0);
	assert_int_equal(dedup_add(c, "m:e"), 0); /* a, b are forgotten */
	assert_false(dedup_seen(c, "m:a"));
	assert_false(dedup_seen(c, "m:b"));
	assert_true(dedup_seen(c, "m:c"));
	assert_true(dedup_seen(c, "m:e"));
	dedup_clear(c);
	assert_false(dedup_seen(c, "m:e"));
	dedup_free(c);
}

static void many_keys(void **state)
{
	(void)state;
	struct dedup_cache *c = dedup_new(20000);
	char key[32];
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "m:%d", i);
		assert_int_equal(dedup_add(c, key), 0);
		assert_int_equal(dedup_add(c, key), 0); /* adding twice is harmless */
	}
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "m:%d", i);
		assert_true(dedup_seen(c, key));
		snprintf(key, sizeof(key), "p:%d", i);
		assert_false(dedup_seen(c, key));
	}
	dedup_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remembers_and_forgets_by_generation),
	    cmocka_unit_test(many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
