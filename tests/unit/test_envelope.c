/*
 * test_envelope.c - parsing of Meta's webhook envelope: every event kind
 * Meta documents, de-duplication keys, timestamps, and bad bodies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inbox/envelope.h"

#define NOW 1800000000000LL /* the server's clock in these tests (2027) */

#define ITEM(body)                                                                                 \
	"{\"sender\":{\"id\":\"U1\"},\"recipient\":{\"id\":\"P1\"},\"timestamp\":"                 \
	"1700000000123" body "}"

static struct event_list parse_ok(const char *body)
{
	struct event_list list = {0};
	char err[256];
	assert_int_equal(envelope_parse(body, strlen(body), NOW, &list, err, sizeof(err)),
	                 ENVELOPE_OK);
	return list;
}

/* One messaging item wrapped in an envelope; returns its kind. */
static void check_kind(const char *item, const char *kind)
{
	char body[4096];
	snprintf(body, sizeof(body),
	         "{\"object\":\"page\",\"entry\":[{\"id\":\"P1\",\"time\":1,\"messaging\":[%s]}]}",
	         item);
	struct event_list list = parse_ok(body);
	assert_int_equal(list.count, 1);
	assert_string_equal(list.items[0].kind, kind);
	assert_string_equal(list.items[0].page_id, "P1");
	event_list_free(&list);
}

static void every_messaging_kind(void **state)
{
	(void)state;
	check_kind(ITEM(",\"message\":{\"mid\":\"m1\",\"text\":\"hej\"}"), "message");
	check_kind(ITEM(",\"message\":{\"mid\":\"m2\",\"text\":\"Ja\",\"quick_reply\":{\"payload\":"
	                "\"YES\"}}"),
	           "message");
	check_kind(ITEM(",\"message\":{\"mid\":\"m3\",\"attachments\":[{\"type\":\"image\","
	                "\"payload\":{\"url\":\"https://x/y.jpg\"}}]}"),
	           "message");
	check_kind(ITEM(",\"message\":{\"mid\":\"m4\",\"attachments\":[{\"type\":\"file\","
	                "\"payload\":{\"url\":\"https://x/y.pdf\"}}]}"),
	           "message");
	check_kind(ITEM(",\"message\":{\"mid\":\"m5\",\"attachments\":[{\"type\":\"location\","
	                "\"payload\":{\"coordinates\":{\"lat\":55.6,\"long\":12.5}}}]}"),
	           "message");
	check_kind(ITEM(",\"message\":{\"mid\":\"m6\",\"attachments\":[{\"type\":\"fallback\","
	                "\"title\":\"link\"}]}"),
	           "message");
	check_kind(
	    ITEM(",\"message\":{\"mid\":\"m7\",\"is_echo\":true,\"app_id\":123,\"text\":\"svar\"}"),
	    "echo");
	check_kind(ITEM(",\"postback\":{\"mid\":\"m8\",\"title\":\"Kom i "
	                "gang\",\"payload\":\"GET_STARTED\"}"),
	           "postback");
	check_kind(ITEM(",\"referral\":{\"ref\":\"abc\",\"source\":\"SHORTLINK\",\"type\":\"OPEN_"
	                "THREAD\"}"),
	           "referral");
	check_kind(ITEM(",\"optin\":{\"type\":\"notification_messages\",\"payload\":\"x\"}"),
	           "optin");
	check_kind(ITEM(",\"delivery\":{\"mids\":[\"m7\"],\"watermark\":1700000000000}"),
	           "delivery");
	check_kind(ITEM(",\"read\":{\"watermark\":1700000000000}"), "read");
	check_kind(ITEM(",\"reaction\":{\"reaction\":\"love\",\"emoji\":\"\\u2764\",\"action\":"
	                "\"react\",\"mid\":\"m7\"}"),
	           "reaction");
	check_kind(ITEM(",\"message_edit\":{\"mid\":\"m1\",\"text\":\"hej igen\",\"num_edit\":1}"),
	           "edit");
	check_kind(
	    ITEM(",\"pass_thread_control\":{\"new_owner_app_id\":\"123\",\"metadata\":\"x\"}"),
	    "pass_thread_control");
	check_kind(ITEM(",\"take_thread_control\":{\"previous_owner_app_id\":\"123\"}"),
	           "take_thread_control");
	check_kind(ITEM(",\"request_thread_control\":{\"requested_owner_app_id\":\"9\"}"),
	           "request_thread_control");
	check_kind(ITEM(",\"app_roles\":{\"123\":[\"primary_receiver\"]}"), "app_roles");
	check_kind(ITEM(",\"something_new\":{\"x\":1}"), "unknown");
}

static void echo_citizen_is_recipient(void **state)
{
	(void)state;
	const char *body =
	    "{\"object\":\"page\",\"entry\":[{\"id\":\"P1\",\"time\":1,\"messaging\":["
	    "{\"sender\":{\"id\":\"P1\"},\"recipient\":{\"id\":\"U9\"},\"timestamp\":5,"
	    "\"message\":{\"mid\":\"e1\",\"is_echo\":true,\"text\":\"hi\"}}]}]}";
	struct event_list list = parse_ok(body);
	assert_string_equal(list.items[0].citizen_id, "U9");
	assert_string_equal(list.items[0].dedup_key, "m:e1");
	/* 5 is far below any millisecond epoch: treated as seconds */
	assert_int_equal(list.items[0].ts_ms, 5000);
	event_list_free(&list);
}

static void standby_and_changes_and_batches(void **state)
{
	(void)state;
	/* one entry each: a standby message, a feed comment, two read receipts */
	char body[1024];
	snprintf(
	    body, sizeof(body),
	    "{\"object\":\"page\",\"entry\":["
	    "{\"id\":\"P1\",\"time\":1700000000000,\"standby\":[%s]},"
	    "{\"id\":\"P1\",\"time\":1700000000,\"changes\":[{\"field\":\"feed\",\"value\":{"
	    "\"item\":\"comment\",\"verb\":\"add\",\"comment_id\":\"P1_2_3\",\"post_id\":\"P1_2\","
	    "\"from\":{\"id\":\"U5\",\"name\":\"A\"},\"message\":\"lys ude\"}}]},"
	    "{\"id\":\"P1\",\"time\":1700000000000,\"messaging\":[%s,%s]}]}",
	    ITEM(",\"message\":{\"mid\":\"s1\",\"text\":\"x\"}"),
	    ITEM(",\"read\":{\"watermark\":1}"), ITEM(",\"read\":{\"watermark\":2}"));
	struct event_list list = parse_ok(body);
	assert_int_equal(list.count, 4);
	assert_string_equal(list.items[0].source, "standby");
	assert_string_equal(list.items[0].dedup_key, "m:s1");
	assert_string_equal(list.items[1].source, "changes");
	assert_string_equal(list.items[1].citizen_id, "U5");
	assert_int_equal(list.items[1].ts_ms, 1700000000000LL); /* entry time in seconds */
	assert_string_equal(list.items[2].kind, "read");
	/* events without a mid get distinct content keys */
	assert_true(strncmp(list.items[2].dedup_key, "h:", 2) == 0);
	assert_string_not_equal(list.items[2].dedup_key, list.items[3].dedup_key);
	event_list_free(&list);
}

static void same_content_same_key(void **state)
{
	(void)state;
	const char *body =
	    "{\"object\":\"page\",\"entry\":[{\"id\":\"P1\",\"time\":1,\"messaging\":[" ITEM(
	        ",\"read\":{\"watermark\":7}") "]}]}";
	/* the same event with keys in another order keys the same */
	const char *reordered =
	    "{\"entry\":[{\"messaging\":[{\"read\":{\"watermark\":7},\"timestamp\":1700000000123,"
	    "\"recipient\":{\"id\":\"P1\"},\"sender\":{\"id\":\"U1\"}}],\"id\":\"P1\",\"time\":1}],"
	    "\"object\":\"page\"}";
	struct event_list a = parse_ok(body), b = parse_ok(reordered);
	assert_string_equal(a.items[0].dedup_key, b.items[0].dedup_key);
	event_list_free(&a);
	event_list_free(&b);
}

static void missing_sender_is_kept(void **state)
{
	(void)state;
	/* Stored (never rejected); the worker parks what it cannot process. */
	const char *body = "{\"object\":\"page\",\"entry\":[{\"id\":\"P1\",\"messaging\":[{"
	                   "\"message\":{\"mid\":\"x\"}}, {\"sender\":{\"id\":\"U\"}}]}]}";
	struct event_list list = parse_ok(body);
	assert_int_equal(list.count, 2);
	assert_string_equal(list.items[0].citizen_id, "");
	assert_string_equal(list.items[1].kind, "unknown");
	event_list_free(&list);
}

static void bad_bodies(void **state)
{
	(void)state;
	static const struct {
		const char *body;
		enum envelope_status want;
	} cases[] = {
	    {"", ENVELOPE_NOT_JSON},
	    {"not json", ENVELOPE_NOT_JSON},
	    {"[1,2]", ENVELOPE_NOT_JSON},
	    {"{\"object\":\"page\",\"entry\":[", ENVELOPE_NOT_JSON},
	    {"{\"object\":\"user\",\"entry\":[]}", ENVELOPE_NOT_PAGE},
	    {"{\"object\":\"page\"}", ENVELOPE_NOT_PAGE},
	    {"{\"object\":\"page\",\"entry\":{}}", ENVELOPE_NOT_PAGE},
	    {"{\"object\":7,\"entry\":[]}", ENVELOPE_NOT_PAGE},
	    /* signed junk is refused whole at once, not stored to be parked later */
	    {"{\"object\":\"page\",\"entry\":[7, {\"id\":\"P\"}]}", ENVELOPE_NOT_PAGE},
	    {"{\"object\":\"page\",\"entry\":[{\"id\":\"P\",\"messaging\":[1, null]}]}",
	     ENVELOPE_NOT_PAGE},
	    {"{\"object\":\"page\",\"entry\":[{\"id\":\"P\",\"messaging\":{}}]}",
	     ENVELOPE_NOT_PAGE},
	    {"{\"object\":\"page\",\"entry\":[{\"id\":\"P\",\"standby\":[\"x\"]}]}",
	     ENVELOPE_NOT_PAGE},
	    {"{\"object\":\"page\",\"entry\":[{\"id\":\"P\",\"changes\":[[]]}]}",
	     ENVELOPE_NOT_PAGE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct event_list list = {0};
		char err[256] = "";
		assert_int_equal(envelope_parse(cases[i].body, strlen(cases[i].body), NOW, &list,
		                                err, sizeof(err)),
		                 cases[i].want);
		assert_int_equal(list.count, 0);
		assert_true(err[0] != '\0');
	}
}

static void empty_entry_list_is_ok(void **state)
{
	(void)state;
	struct event_list list = parse_ok("{\"object\":\"page\",\"entry\":[]}");
	assert_int_equal(list.count, 0);
	event_list_free(&list);
	list = parse_ok("{\"object\":\"page\",\"entry\":[{\"id\":\"P\"}]}");
	assert_int_equal(list.count, 0);
	event_list_free(&list);
}

/* A forged timestamp cannot keep Meta's 24-hour window open for ever. */
static void hostile_timestamps_become_now(void **state)
{
	(void)state;
	static const char *const stamps[] = {
	    "1e300", "9223372036854775807", "-5", "0", "\"1700000000000\"",
	    "null",  "1800003600000"};
	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		char body[512];
		snprintf(body, sizeof(body),
		         "{\"object\":\"page\",\"entry\":[{\"id\":\"P1\",\"messaging\":[{"
		         "\"sender\":{\"id\":\"U1\"},\"recipient\":{\"id\":\"P1\"},"
		         "\"timestamp\":%s,\"message\":{\"mid\":\"m%zu\",\"text\":\"x\"}}]}]}",
		         stamps[i], i);
		struct event_list list = parse_ok(body);
		assert_int_equal(list.count, 1);
		assert_true(list.items[0].ts_ms == NOW);
		event_list_free(&list);
	}
	/* a little ahead of the server's clock is Meta's clock, kept as sent */
	struct event_list list =
	    parse_ok("{\"object\":\"page\",\"entry\":[{\"id\":\"P1\",\"messaging\":[{"
	             "\"sender\":{\"id\":\"U1\"},\"timestamp\":1800000060000,\"read\":{}}]}]}");
	assert_true(list.items[0].ts_ms == 1800000060000LL);
	event_list_free(&list);
}

static void parse_errors_never_quote_the_body(void **state)
{
	(void)state;
	const char *body = "{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"message\":"
	                   "{\"text\":\"Mit CPR er 010101-1234\" oops";
	struct event_list list = {0};
	char err[256] = "";
	assert_int_equal(envelope_parse(body, strlen(body), NOW, &list, err, sizeof(err)),
	                 ENVELOPE_NOT_JSON);
	assert_null(strstr(err, "010101"));
	assert_null(strstr(err, "oops"));
}

static void deep_nesting_does_not_crash(void **state)
{
	(void)state;
	/* jansson limits nesting depth; a hostile body is rejected cleanly. */
	size_t depth = 100000;
	char *body = malloc(2 * depth + 1);
	memset(body, '[', depth);
	memset(body + depth, ']', depth);
	body[2 * depth] = '\0';
	struct event_list list = {0};
	char err[256];
	assert_int_equal(envelope_parse(body, strlen(body), NOW, &list, err, sizeof(err)),
	                 ENVELOPE_NOT_JSON);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_messaging_kind),
	    cmocka_unit_test(echo_citizen_is_recipient),
	    cmocka_unit_test(standby_and_changes_and_batches),
	    cmocka_unit_test(same_content_same_key),
	    cmocka_unit_test(missing_sender_is_kept),
	    cmocka_unit_test(bad_bodies),
	    cmocka_unit_test(empty_entry_list_is_ok),
	    cmocka_unit_test(deep_nesting_does_not_crash),
	    cmocka_unit_test(hostile_timestamps_become_now),
	    cmocka_unit_test(parse_errors_never_quote_the_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
