/*
 * test_dedup.c - the recent-keys cache: lookups, generations ageing out,
 * clearing, many keys with colliding hash buckets, and keys that differ in a
 * single bit or only in length (the cache keeps hashes, not the keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* Every key one bit away from a stored one, and every prefix of it, is new. */
static void near_keys_are_told_apart(void **state)
{
	(void)state;
	struct dedup_cache *c = dedup_new(200000);
	char key[80] = "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-abcdefghijklmnopqrstu";
	size_t len = strlen(key);
	assert_int_equal(dedup_add(c, key), 0);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 7; bit++) {
			key[i] ^= (char)(1 << bit);
			assert_false(dedup_seen(c, key));
			key[i] ^= (char)(1 << bit);
		}
	for (size_t n = 0; n < len; n++) {
		char prefix[80];
		memcpy(prefix, key, n);
		prefix[n] = 0;
		assert_false(dedup_seen(c, prefix));
	}
	assert_true(dedup_seen(c, key));
	dedup_free(c);
}

/* A full cache of Meta-like message ids, probed with a million absent ones. */
static void full_cache_no_false_positives(void **state)
{
	(void)state;
	struct dedup_cache *c = dedup_new(200000);
	char key[64];
	for (int i = 0; i < 100000; i++) { /* one generation, full */
		snprintf(key, sizeof(key), "m_%08x%08x:page-1", (unsigned)i * 2654435761u,
		         (unsigned)i);
		dedup_add(c, key);
	}
	for (int i = 0; i < 1000000; i++) {
		snprintf(key, sizeof(key), "m_%08x%08x:page-2", (unsigned)i * 2654435761u,
		         (unsigned)i);
		assert_false(dedup_seen(c, key));
	}
	snprintf(key, sizeof(key), "m_%08x%08x:page-1", 7u * 2654435761u, 7u);
	assert_true(dedup_seen(c, key));
	dedup_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remembers_and_forgets_by_generation),
	    cmocka_unit_test(many_keys),
	    cmocka_unit_test(near_keys_are_told_apart),
	    cmocka_unit_test(full_cache_no_false_positives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
