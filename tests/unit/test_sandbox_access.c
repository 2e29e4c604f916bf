/*
 * test_sandbox_access.c - only loopback clients reach /sandbox by default:
 * the address check the handlers use, against addresses as CivetWeb
 * writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sandbox/sandbox.h"

static void loopback_addresses_are_allowed(void **state)
{
	(void)state;
	assert_true(sandbox_is_loopback("127.0.0.1"));
	assert_true(sandbox_is_loopback("127.1.2.3"));
	assert_true(sandbox_is_loopback("::1"));
	assert_true(sandbox_is_loopback("::ffff:127.0.0.1"));
}

static void other_addresses_are_refused(void **state)
{
	(void)state;
	static const char *const remote[] = {
	    "10.0.0.1", "192.168.1.20", "172.16.0.9", "8.8.8.8",         "1.127.0.0",
	    "::",       "::2",          "fe80::1",    "::ffff:10.0.0.1", "2001:db8::127.0.0.1",
	    "",         "127",          "0.0.0.0"};
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		assert_false(sandbox_is_loopback(remote[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(loopback_addresses_are_allowed),
	    cmocka_unit_test(other_addresses_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
