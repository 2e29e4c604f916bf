/*
 * test_conversation.c - the conversation state machine on an in-memory
 * database: the lifecycle and its record, refused moves, crisis with a
 * person, a new conversation after 'closed', and the small counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/conversation.h"
#include "store/db.h"

static int setup(void **state)
{
	char err[300];
	sqlite3 *db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	assert_int_equal(db_exec(db,
	                         "INSERT INTO conversations (id, page_id, psid, created_at,"
	                         " updated_at) VALUES (1, 'P', 'A', 0, 0), (2, 'P', 'B', 0, 0)"),
	                 SQLITE_OK);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

static enum conversation_mode mode_of(sqlite3 *db, long long id)
{
	char err[200];
	enum conversation_mode m = CONVERSATION_CLOSED;
	assert_int_equal(conversation_get_mode(db, id, &m, err, sizeof(err)), 1);
	return m;
}

static int move(sqlite3 *db, long long id, enum conversation_mode to, enum conversation_reason why)
{
	char err[200];
	struct conversation_change ch = {.to = to,
	                                 .reason = why,
	                                 .actor = "tester",
	                                 .department = "Vej og Park",
	                                 .urgent = why == REASON_CRISIS,
	                                 .now_ms = 1000};
	return conversation_transition(db, id, &ch, NULL, err, sizeof(err));
}

static long long count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void the_lifecycle_and_its_record(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(move(db, 1, CONVERSATION_WAITING_FOR_STAFF, REASON_CITIZEN_ASKED),
	                 CONVERSATION_OK);
	assert_int_equal(mode_of(db, 1), CONVERSATION_WAITING_FOR_STAFF);
	assert_int_equal(move(db, 1, CONVERSATION_STAFF, REASON_STAFF_TOOK), CONVERSATION_OK);
	assert_int_equal(move(db, 1, CONVERSATION_BOT, REASON_HANDED_BACK), CONVERSATION_OK);
	assert_int_equal(mode_of(db, 1), CONVERSATION_BOT);
	/* back with the bot: timers and the queue's data are cleared */
	assert_int_equal(count(db, "SELECT handed_over_at IS NULL AND assignee IS NULL"
	                           " FROM conversations WHERE id = 1"),
	                 1);
	assert_int_equal(move(db, 1, CONVERSATION_CLOSED, REASON_CLOSED), CONVERSATION_OK);
	/* every change is recorded with who and why */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM conversation_transitions"
	                           " WHERE conversation_id = 1 AND actor = 'tester'"),
	                 4);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM conversation_transitions"
	                           " WHERE from_mode = 'staff' AND to_mode = 'bot'"
	                           " AND reason = 'handed_back'"),
	                 1);
}

static void closed_never_changes_and_wrong_moves_are_refused(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(move(db, 2, CONVERSATION_BOT, REASON_HANDED_BACK),
	                 CONVERSATION_WRONG_MODE); /* already with the bot */
	assert_int_equal(move(db, 2, CONVERSATION_CLOSED, REASON_CLOSED), CONVERSATION_OK);
	for (int to = CONVERSATION_BOT; to <= CONVERSATION_CLOSED; to++)
		assert_int_equal(move(db, 2, (enum conversation_mode)to, REASON_STAFF_TOOK),
		                 CONVERSATION_WRONG_MODE);
	assert_int_equal(move(db, 99, CONVERSATION_STAFF, REASON_STAFF_TOOK),
	                 CONVERSATION_NOT_FOUND);
	/* refused moves leave no record */
	assert_int_equal(count(db, "SELECT COUNT(*) FROM conversation_transitions"
	                           " WHERE conversation_id = 2"),
	                 1);
}

static void crisis_with_a_person_keeps_the_person(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(move(db, 1, CONVERSATION_STAFF, REASON_STAFF_TOOK), CONVERSATION_OK);
	assert_int_equal(move(db, 1, CONVERSATION_WAITING_FOR_STAFF, REASON_CRISIS),
	                 CONVERSATION_OK);
	assert_int_equal(mode_of(db, 1), CONVERSATION_STAFF);
	assert_int_equal(count(db, "SELECT urgent FROM conversations WHERE id = 1"), 1);
	/* and urgency is never cleared by another escalation */
	assert_int_equal(move(db, 1, CONVERSATION_WAITING_FOR_STAFF, REASON_TRANSFER),
	                 CONVERSATION_OK);
	assert_int_equal(count(db, "SELECT urgent FROM conversations WHERE id = 1"), 1);
}

static void a_message_after_closed_opens_a_new_conversation(void **state)
{
	sqlite3 *db = *state;
	char err[200];
	enum conversation_mode m;
	long long first = conversation_open(db, "P", "C", 1, 10, 10, 0, &m, NULL, err, sizeof(err));
	assert_true(first > 0);
	assert_int_equal(m, CONVERSATION_BOT);
	assert_int_equal(conversation_open(db, "P", "C", 1, 11, 11, 0, &m, NULL, err, sizeof(err)),
	                 first);
	assert_int_equal(move(db, first, CONVERSATION_CLOSED, REASON_CLOSED), CONVERSATION_OK);
	/* a delivery or echo still belongs to the closed one ... */
	assert_int_equal(conversation_open(db, "P", "C", 0, 12, 0, 12, &m, NULL, err, sizeof(err)),
	                 first);
	assert_int_equal(m, CONVERSATION_CLOSED);
	/* ... the citizen's next message opens a new one */
	long long second =
	    conversation_open(db, "P", "C", 1, 13, 13, 0, &m, NULL, err, sizeof(err));
	assert_true(second > first);
	assert_int_equal(m, CONVERSATION_BOT);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM conversations WHERE psid = 'C'"), 2);
	/* the worker's kept statements give the same answers */
	sqlite3_stmt *cache[CONVERSATION_OPEN_STMTS] = {NULL, NULL};
	assert_int_equal(conversation_open(db, "P", "C", 1, 14, 14, 0, &m, cache, err, sizeof(err)),
	                 second);
	assert_true(conversation_open(db, "P", "D", 1, 15, 15, 0, &m, cache, err, sizeof(err)) >
	            second);
	for (int i = 0; i < CONVERSATION_OPEN_STMTS; i++)
		sqlite3_finalize(cache[i]);
	/* only one open conversation per citizen, enforced by the schema */
	assert_int_not_equal(db_exec(db, "INSERT INTO conversations (page_id, psid, created_at,"
	                                 " updated_at) VALUES ('P', 'C', 0, 0)"),
	                     SQLITE_OK);
}

static void misses_breaches_and_notes(void **state)
{
	sqlite3 *db = *state;
	assert_int_equal(conversation_not_understood(db, 1, 1), 1);
	assert_int_equal(conversation_not_understood(db, 1, 1), 2);
	assert_true(conversation_not_understood(db, 1, 0) >= 0);
	assert_int_equal(conversation_not_understood(db, 1, 1), 1);
	assert_int_equal(conversation_mark_breach(db, 1, CONVERSATION_BREACH_FIRST),
	                 CONVERSATION_BREACH_FIRST);
	assert_int_equal(conversation_mark_breach(db, 1, CONVERSATION_BREACH_FIRST), 0);
	assert_true(conversation_note_add(db, 1, "mette", "ringet op", 5) > 0);
	struct conversation_row row;
	assert_int_equal(conversation_get(db, 1, &row), 1);
	assert_int_equal(row.sla_breached, CONVERSATION_BREACH_FIRST);
	assert_int_equal(conversation_get(db, 99, &row), 0);
}

static void names_round_trip(void **state)
{
	(void)state;
	enum conversation_mode m;
	for (int i = CONVERSATION_BOT; i <= CONVERSATION_CLOSED; i++) {
		assert_int_equal(
		    conversation_mode_parse(conversation_mode_name((enum conversation_mode)i), &m),
		    0);
		assert_int_equal(m, i);
	}
	assert_string_equal(conversation_mode_name(CONVERSATION_WAITING_FOR_STAFF),
	                    "waiting_for_staff");
	assert_int_equal(conversation_mode_parse("robot", &m), -1);
	assert_int_equal(conversation_mode_parse(NULL, &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(the_lifecycle_and_its_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(closed_never_changes_and_wrong_moves_are_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(crisis_with_a_person_keeps_the_person, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_message_after_closed_opens_a_new_conversation, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(misses_breaches_and_notes, setup, teardown),
	    cmocka_unit_test_setup_teardown(names_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
