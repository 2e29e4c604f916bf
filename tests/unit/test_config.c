/*
 * test_config.c - config file parsing: good values, and clear errors for
 * unknown keys, bad numbers, malformed lines and oversized values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/live_settings.h"

static char path[64];

static void write_file(const char *text)
{
	strcpy(path, "/tmp/borgerbot-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int load(const char *text, struct config *cfg, char *err, size_t errlen)
{
	config_defaults(cfg);
	write_file(text);
	int rc = config_load_file(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

static void parses_values_and_comments(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load("# comment\n\nlisten = 127.0.0.1:9000\n"
	                      "max_body_bytes = 2M\n  db = \"/var/lib/bb/db.sqlite\"  \n"
	                      "worker_max_attempts=7\n",
	                      &cfg, err, sizeof(err)),
	                 0);
	assert_string_equal(cfg.listen, "127.0.0.1:9000");
	assert_int_equal(cfg.max_body_bytes, 2 * 1024 * 1024);
	assert_string_equal(cfg.db_path, "/var/lib/bb/db.sqlite");
	assert_int_equal(cfg.worker_max_attempts, 7);
}

static void unknown_key_names_line(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load("listen = 1.2.3.4:5\nlisten_port = 8\n", &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: unknown setting 'listen_port'"));
}

static void bad_numbers_are_rejected(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load("http_threads = many\n", &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "http_threads"));
	assert_int_equal(load("http_threads = 0\n", &cfg, err, sizeof(err)), -1);
	assert_int_equal(load("max_body_bytes = 99999999999999999999\n", &cfg, err, sizeof(err)),
	                 -1);
	assert_int_equal(load("max_body_bytes = -1\n", &cfg, err, sizeof(err)), -1);
}

static void malformed_and_oversized_lines(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(load("just some words\n", &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: expected 'key = value'"));
	char *big = malloc(10000);
	memset(big, 'a', 9999);
	big[9999] = '\0';
	memcpy(big, "db = ", 5);
	assert_int_equal(load(big, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	free(big);
}

static void missing_file(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/borgerbot.conf", err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/nonexistent/borgerbot.conf"));
}

static void hostport(void **state)
{
	(void)state;
	char host[64];
	int port;
	assert_int_equal(config_parse_hostport("127.0.0.1:8080", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(config_parse_hostport("[::1]:443", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(config_parse_hostport("localhost", host, sizeof(host), &port), -1);
	assert_int_equal(config_parse_hostport("h:99999", host, sizeof(host), &port), -1);
	assert_int_equal(config_parse_hostport(":80", host, sizeof(host), &port), -1);
	assert_int_equal(config_parse_hostport("h:8o", host, sizeof(host), &port), -1);
}

static void validate_requires_listener_and_tls_files(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nothing to listen on"));
	strcpy(cfg.listen_tls, "127.0.0.1:8443");
	strcpy(cfg.tls_cert, "/nonexistent/cert.pem");
	strcpy(cfg.tls_key, "/nonexistent/key.pem");
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tls_cert /nonexistent/cert.pem"));
}

static void privacy_settings_are_checked(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	assert_int_equal(cfg.retention_events_days, 30);
	assert_int_equal(cfg.privacy_export_days, 7);
	strcpy(cfg.listen, "127.0.0.1:8080");
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "retention_messages_days", "0", err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "retention_messages_days", "-1", err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "privacy_export_days", "31", err, sizeof(err)), -1);
	static const char *const bad[] = {"ftp://x", "https://a b", "https://x\"><script>",
	                                  "javascript:alert(1)", "https://x'"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(config_set(&cfg, "public_url", bad[i], err, sizeof(err)), 0);
		assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "public_url"));
	}
	assert_int_equal(
	    config_set(&cfg, "public_url", "https://bot.kommune.dk/", err, sizeof(err)), 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
}

static void intake_gate_settings_are_checked(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	config_defaults(&cfg);
	strcpy(cfg.listen, "127.0.0.1:8080");
	assert_int_equal(cfg.http_keep_alive_ms, 2000);
	assert_int_equal(cfg.http_max_client_connections, 32);
	assert_int_equal(cfg.http_max_header_connections, 0); /* threads / 4 */
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "http_request_timeout_ms", "100", err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "http_max_client_connections", "0", err, sizeof(err)),
	                 -1);
	assert_int_equal(config_set(&cfg, "http_keep_alive_ms", "0", err, sizeof(err)), 0);
	/* slow clients may never hold every thread */
	assert_int_equal(config_set(&cfg, "http_max_header_connections", "64", err, sizeof(err)),
	                 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "http_max_header_connections"));
	assert_int_equal(config_set(&cfg, "http_max_header_connections", "63", err, sizeof(err)),
	                 0);
	assert_int_equal(config_validate(&cfg, err, sizeof(err)), 0);
}

/* The live settings: the file's value until changed, the config parser's
 * syntax and range for a change, and back to the file's value. */
static void live_settings_follow_the_file_and_its_rules(void **state)
{
	(void)state;
	struct config cfg;
	char err[256];
	assert_int_equal(
	    load("not_understood_retries = 3\nanger_hands_over = no\n", &cfg, err, sizeof(err)), 0);
	struct live_settings *l = live_settings_new(&cfg);
	assert_non_null(l);
	assert_int_equal(live_settings_or(l, LIVE_NOT_UNDERSTOOD_RETRIES, 9), 3);
	assert_int_equal(live_settings_or(l, LIVE_ANGER_HANDS_OVER, 9), 0);
	assert_int_equal(live_settings_or(NULL, LIVE_ANGER_HANDS_OVER, 9), 9);
	assert_int_equal(live_settings_find("console_login_max_failures"),
	                 LIVE_CONSOLE_LOGIN_MAX_FAILURES);
	assert_int_equal(live_settings_find("public_url"), -1);
	assert_int_equal(live_settings_find(NULL), -1);

	long long v = -1;
	assert_int_equal(
	    live_settings_parse(LIVE_NOT_UNDERSTOOD_RETRIES, "0", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(live_settings_parse(LIVE_ANGER_HANDS_OVER, "yes", &v, err, sizeof(err)),
	                 0);
	assert_int_equal(v, 1);
	const char *bad[] = {"6", "-1", "", "1x", "99999999999999999999", "yes"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    live_settings_parse(LIVE_NOT_UNDERSTOOD_RETRIES, bad[i], &v, err, sizeof(err)),
		    -1);
	assert_int_equal(live_settings_parse(LIVE_ANGER_HANDS_OVER, "1", &v, err, sizeof(err)), -1);
	assert_int_equal(live_settings_parse(LIVE_COUNT, "1", &v, err, sizeof(err)), -1);

	live_settings_set(l, LIVE_NOT_UNDERSTOOD_RETRIES, 0);
	struct live_setting_info i;
	live_settings_info(l, LIVE_NOT_UNDERSTOOD_RETRIES, &i);
	assert_string_equal(i.key, "not_understood_retries");
	assert_int_equal(i.value, 0);
	assert_int_equal(i.file_value, 3);
	assert_int_equal(i.min, 0);
	assert_int_equal(i.max, 5);
	assert_false(i.is_bool);
	live_settings_reset(l, LIVE_NOT_UNDERSTOOD_RETRIES);
	assert_int_equal(live_settings_or(l, LIVE_NOT_UNDERSTOOD_RETRIES, 9), 3);
	live_settings_info(NULL, LIVE_PANEL_ENABLED, &i);
	assert_true(i.is_bool);
	assert_int_equal(i.max, 1);
	live_settings_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(privacy_settings_are_checked),
	    cmocka_unit_test(intake_gate_settings_are_checked),
	    cmocka_unit_test(parses_values_and_comments),
	    cmocka_unit_test(unknown_key_names_line),
	    cmocka_unit_test(bad_numbers_are_rejected),
	    cmocka_unit_test(malformed_and_oversized_lines),
	    cmocka_unit_test(missing_file),
	    cmocka_unit_test(hostport),
	    cmocka_unit_test(validate_requires_listener_and_tls_files),
	    cmocka_unit_test(live_settings_follow_the_file_and_its_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
