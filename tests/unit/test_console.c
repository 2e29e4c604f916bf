/*
 * test_console.c - the console's Host check: loopback names and the
 * configured public hosts in any case and with any port pass; foreign,
 * look-alike and malformed Host headers do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "console/console.h"

static void loopback_names_always_pass(void **state)
{
	(void)state;
	const char *const ok[] = {"localhost", "127.0.0.1",  "127.0.0.1:8443",
	                          "[::1]",     "[::1]:8443", "LOCALHOST:1"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(console_host_allowed(ok[i], ""));
}

static void public_hosts_pass(void **state)
{
	(void)state;
	const char *list = "borgerbot.kommune.dk, chat.kommune.dk";
	assert_true(console_host_allowed("borgerbot.kommune.dk", list));
	assert_true(console_host_allowed("Chat.Kommune.DK:443", list));
	assert_false(console_host_allowed("borgerbot.kommune.dk", ""));
	assert_false(console_host_allowed("kommune.dk", list));
	assert_false(console_host_allowed("borgerbot.kommune.dk.evil.example", list));
	assert_false(console_host_allowed("xborgerbot.kommune.dk", list));
}

static void foreign_and_malformed_hosts_fail(void **state)
{
	(void)state;
	char long_host[300];
	for (size_t i = 0; i < sizeof(long_host) - 1; i++)
		long_host[i] = 'a';
	long_host[sizeof(long_host) - 1] = '\0';
	const char *const bad[] = {
	    NULL,          "",           "evil.example", "127.0.0.1.evil.example",
	    "localhost:x", "localhost:", "[::1",         "[::1]x",
	    "127.0.0.1 ",  ":8443",      "local host",   long_host};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(console_host_allowed(bad[i], "borgerbot.kommune.dk"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(loopback_names_always_pass),
	    cmocka_unit_test(public_hosts_pass),
	    cmocka_unit_test(foreign_and_malformed_hosts_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
