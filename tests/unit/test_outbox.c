/*
 * test_outbox.c - outbox_enqueue() on an in-memory database: the rows a bot
 * answer and a staff reply become (sender actions first, text parts in
 * order), quick replies capped at 13 with titles cut to 20 code points, the
 * 'refused' row with its reason, and bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/clock.h"
#include "store/db.h"
#include "outbox/outbox.h"

#define HOUR (3600LL * 1000)

static int setup(void **state)
{
	char err[300];
	sqlite3 *db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

static void conversation(sqlite3 *db, const char *psid, long long last_inbound)
{
	char sql[300];
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO conversations (page_id, psid, created_at, updated_at, last_inbound_at)"
	    " VALUES ('1', '%s', 0, 0, %lld)",
	    psid, last_inbound);
	assert_int_equal(db_exec(db, sql), SQLITE_OK);
}

/* The body JSON of row n (1-based order within psid), with kind and status. */
static json_t *row(sqlite3 *db, const char *psid, int n, char *kind, char *status)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT kind, status, body FROM outbox WHERE psid = ?1"
	                                    " ORDER BY id LIMIT 1 OFFSET ?2",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, n - 1);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	strcpy(kind, (const char *)sqlite3_column_text(st, 0));
	strcpy(status, (const char *)sqlite3_column_text(st, 1));
	json_t *body = json_loads((const char *)sqlite3_column_text(st, 2), 0, NULL);
	sqlite3_finalize(st);
	assert_non_null(body);
	return body;
}

static void bot_answer_rows(void **state)
{
	sqlite3 *db = *state;
	conversation(db, "11", clock_now_ms() - HOUR);
	struct outbox_reply r = {.page_id = "1",
	                         .psid = "11",
	                         .origin = POLICY_BOT,
	                         .text = "Hej med dig",
	                         .sender_actions = 1,
	                         .cause_event_id = 0};
	struct outbox_result res;
	char err[200];
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_QUEUED);
	assert_int_equal(res.rows, 3);
	assert_string_equal(res.messaging_type, "RESPONSE");
	char kind[32], status[32];
	json_t *b = row(db, "11", 1, kind, status);
	assert_string_equal(kind, "sender_action");
	assert_string_equal(json_string_value(json_object_get(b, "sender_action")), "mark_seen");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(b, "recipient"), "id")), "11");
	json_decref(b);
	b = row(db, "11", 2, kind, status);
	assert_string_equal(json_string_value(json_object_get(b, "sender_action")), "typing_on");
	json_decref(b);
	b = row(db, "11", 3, kind, status);
	assert_string_equal(kind, "message");
	assert_string_equal(status, "pending");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(b, "message"), "text")),
	    "Hej med dig");
	assert_null(json_object_get(b, "messaging_type")); /* decided at send time */
	json_decref(b);
}

static void quick_replies_are_capped_and_cut(void **state)
{
	sqlite3 *db = *state;
	conversation(db, "12", clock_now_ms() - HOUR);
	struct outbox_quick_reply qr[15];
	for (int i = 0; i < 15; i++)
		qr[i] = (struct outbox_quick_reply){
		    .title = "Åbningstider på rådhuset", /* 24 code points */
		    .payload = "OPENING_HOURS"};
	struct outbox_reply r = {.page_id = "1",
	                         .psid = "12",
	                         .origin = POLICY_STAFF,
	                         .text = "Vælg:",
	                         .quick_replies = qr,
	                         .n_quick_replies = 15};
	struct outbox_result res;
	char err[200];
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_QUEUED);
	assert_int_equal(res.rows, 1); /* staff: no sender actions */
	char kind[32], status[32];
	json_t *b = row(db, "12", 1, kind, status);
	json_t *arr = json_object_get(json_object_get(b, "message"), "quick_replies");
	assert_int_equal(json_array_size(arr), 13);
	const char *title = json_string_value(json_object_get(json_array_get(arr, 0), "title"));
	assert_string_equal(title, "Åbningstider på rådh"); /* 20 code points, whole UTF-8 */
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(arr, 12), "content_type")), "text");
	json_decref(b);
}

static void long_text_becomes_ordered_parts(void **state)
{
	sqlite3 *db = *state;
	conversation(db, "13", clock_now_ms() - 2LL * 24 * HOUR);
	char *text = malloc(5001);
	for (int i = 0; i < 1000; i++)
		memcpy(text + (size_t)5 * (size_t)i, "Nej. ", 5);
	text[5000] = '\0';
	struct outbox_reply r = {
	    .page_id = "1", .psid = "13", .origin = POLICY_STAFF, .text = text};
	struct outbox_result res;
	char err[200];
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_QUEUED);
	assert_string_equal(res.messaging_type, "MESSAGE_TAG");
	assert_string_equal(res.tag, "HUMAN_AGENT");
	assert_true(res.rows >= 3);
	assert_int_equal(res.last_id - res.first_id + 1, res.rows);
	free(text);
}

static void refused_reply_is_kept_with_its_reason(void **state)
{
	sqlite3 *db = *state;
	conversation(db, "14", clock_now_ms() - 25 * HOUR);
	struct outbox_reply r = {
	    .page_id = "1", .psid = "14", .origin = POLICY_BOT, .text = "Hej", .sender_actions = 1};
	struct outbox_result res;
	char err[200];
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_REFUSED);
	assert_int_equal(res.rows, 1);
	char kind[32], status[32];
	json_t *b = row(db, "14", 1, kind, status);
	assert_string_equal(kind, "message");
	assert_string_equal(status, "refused");
	json_decref(b);
	/* a citizen with no conversation at all */
	r.psid = "15";
	r.origin = POLICY_STAFF;
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_REFUSED);
	assert_non_null(strstr(res.reason, "never"));
}

static void bad_input_is_an_error(void **state)
{
	sqlite3 *db = *state;
	conversation(db, "16", clock_now_ms() - HOUR);
	struct outbox_reply r = {
	    .page_id = "1", .psid = "16", .origin = POLICY_STAFF, .text = "  "};
	struct outbox_result res;
	char err[200] = "";
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_ERROR);
	assert_string_equal(err, "empty text");
	r.text = "ugyldig \xff\xfe tekst";
	assert_int_equal(outbox_enqueue(db, &r, &res, err, sizeof(err)), OUTBOX_ERROR);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(db_exec(db, "SELECT 1"), SQLITE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(bot_answer_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(quick_replies_are_capped_and_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(long_text_becomes_ordered_parts, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused_reply_is_kept_with_its_reason, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_input_is_an_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
