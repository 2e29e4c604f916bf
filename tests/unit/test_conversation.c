/*
 * test_conversation.c - conversation modes on an in-memory database: the
 * bot's hand-over moves only a conversation in mode 'bot', a person's modes
 * are set and read back, and unknown names and ids are told apart.
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

static void hand_over_moves_only_bot_conversations(void **state)
{
	sqlite3 *db = *state;
	char err[200];
	assert_int_equal(mode_of(db, 1), CONVERSATION_BOT);
	assert_int_equal(conversation_hand_over(db, 1, err, sizeof(err)), 1);
	assert_int_equal(mode_of(db, 1), CONVERSATION_WAITING_FOR_STAFF);
	/* a second hand-over changes nothing */
	assert_int_equal(conversation_hand_over(db, 1, err, sizeof(err)), 0);
	/* a person who has taken the conversation keeps it */
	assert_int_equal(conversation_set_mode(db, 2, CONVERSATION_STAFF, err, sizeof(err)), 1);
	assert_int_equal(conversation_hand_over(db, 2, err, sizeof(err)), 0);
	assert_int_equal(mode_of(db, 2), CONVERSATION_STAFF);
	assert_int_equal(conversation_hand_over(db, 99, err, sizeof(err)), 0);
}

static void set_and_get_every_mode(void **state)
{
	sqlite3 *db = *state;
	char err[200];
	enum conversation_mode m;
	for (int i = CONVERSATION_BOT; i <= CONVERSATION_CLOSED; i++) {
		assert_int_equal(
		    conversation_set_mode(db, 1, (enum conversation_mode)i, err, sizeof(err)), 1);
		assert_int_equal(mode_of(db, 1), i);
	}
	assert_int_equal(conversation_set_mode(db, 99, CONVERSATION_BOT, err, sizeof(err)), 0);
	assert_int_equal(conversation_get_mode(db, 99, &m, err, sizeof(err)), 0);
	assert_int_equal(conversation_set_mode(db, 1, (enum conversation_mode)42, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "unknown mode"));
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
	    cmocka_unit_test_setup_teardown(hand_over_moves_only_bot_conversations, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(set_and_get_every_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(names_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
