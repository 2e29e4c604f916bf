/*
 * test_privacy.c - deletion, export links and the retention purge on a
 * migrated in-memory database (domain/privacy.h).
 *
 * The deletion test is generic on purpose: after deleting, it scans every
 * column of every table for the citizen's PSID and words, and it adds two
 * tables of its own (one keyed by psid, one by conversation_id) as a
 * future issue might, so a table that forgets privacy fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/privacy.h"
#include "store/db.h"

#define PAGE "100200300"
#define PSID "PSID777000111"
#define OTHER "PSID888000222"
#define WORDS "zebrafinke"
#define DAY (24LL * 3600 * 1000)
#define NOW (1700000000000LL)

static sqlite3 *open_db(void)
{
	char err[300];
	sqlite3 *db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* One citizen with everything: events, messages, outbox, a case they
 * reported, a case they follow, a notice, a draft. ?1 psid, ?2 time. */
static void add_citizen(sqlite3 *db, const char *psid, long long t)
{
	static const char *const sql[] = {
	    "INSERT OR IGNORE INTO pages VALUES ('" PAGE "', ?2, ?2)",
	    "INSERT INTO citizens VALUES ('" PAGE "', ?1, ?2, ?2, ?2)",
	    "INSERT INTO conversations (page_id, psid, created_at, updated_at) VALUES"
	    " ('" PAGE "', ?1, ?2, ?2)",
	    "INSERT INTO events (dedup_key, page_id, source, kind, sender_id, recipient_id,"
	    " citizen_id, ts_ms, payload, received_at, status) VALUES ('m:' || ?1, '" PAGE "',"
	    " 'messaging', 'message', ?1, '" PAGE "', ?1, ?2,"
	    " '{\"sender\":{\"id\":\"' || ?1 || '\"},\"message\":{\"text\":\"lygten " WORDS
	    "\"}}', ?2, 1)",
	    "INSERT INTO messages (conversation_id, event_id, mid, direction, kind, text, ts_ms)"
	    " SELECT c.id, e.id, 'mid.' || ?1, 'in', 'text', 'lygten " WORDS "', ?2"
	    " FROM conversations c, events e WHERE c.psid = ?1 AND e.citizen_id = ?1",
	    "INSERT INTO outbox (page_id, psid, conversation_id, kind, body, origin, status,"
	    " created_at) SELECT '" PAGE "', ?1, id, 'message', '{\"recipient\":{\"id\":\"' || ?1"
	    " || '\"}}', 'bot', 'sent', ?2 FROM conversations WHERE psid = ?1",
	    "INSERT INTO cases (reference, year, seq, category, department, street, description,"
	    " photos, source, page_id, psid, created_at, updated_at) VALUES"
	    " ('TM-2026-' || (SELECT COUNT(*) + 1 FROM cases), 2026,"
	    " (SELECT COUNT(*) + 1 FROM cases), 'streetlight_outage', 'Vej og Park', 'Duevej',"
	    " 'lygten " WORDS "', '[\"http://x/' || ?1 || '.jpg\"]', 'messenger', '" PAGE "', ?1,"
	    " ?2, ?2)",
	    "INSERT INTO case_followers VALUES ((SELECT MIN(id) FROM cases), '" PAGE "', ?1,"
	    " 'også " WORDS "', ?2)",
	    "INSERT INTO notices (page_id, psid, case_id, text, created_at) VALUES ('" PAGE "',"
	    " ?1, (SELECT MIN(id) FROM cases), 'løst', ?2)",
	    "INSERT INTO case_drafts VALUES ('" PAGE "', ?1, 'road_damage', '" WORDS "', NULL, ?2)",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK)
			fail_msg("%s: %s", sql[i], sqlite3_errmsg(db));
		sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, t);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("%s: %s", sql[i], sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
}

/* Rows of any table where any column holds needle. */
static long long occurrences(sqlite3 *db, const char *needle)
{
	sqlite3_stmt *tables, *cols;
	long long n = 0;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT name FROM sqlite_master WHERE type = 'table'"
	                                    " AND name NOT LIKE 'sqlite_%'",
	                                    -1, &tables, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(tables, 0);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)",
		                                    -1, &cols, NULL),
		                 SQLITE_OK);
		sqlite3_bind_text(cols, 1, t, -1, SQLITE_STATIC);
		while (sqlite3_step(cols) == SQLITE_ROW) {
			char sql[300];
			sqlite3_stmt *q;
			snprintf(
			    sql, sizeof(sql),
			    "SELECT COUNT(*) FROM \"%s\" WHERE instr(CAST(\"%s\" AS TEXT), ?1) > 0",
			    t, (const char *)sqlite3_column_text(cols, 0));
			assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
			sqlite3_bind_text(q, 1, needle, -1, SQLITE_STATIC);
			assert_int_equal(sqlite3_step(q), SQLITE_ROW);
			n += sqlite3_column_int64(q, 0);
			sqlite3_finalize(q);
		}
		sqlite3_finalize(cols);
	}
	sqlite3_finalize(tables);
	return n;
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

static void delete_leaves_nothing_in_any_table(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	/* tables a later issue might add: keyed by psid, and by conversation */
	exec(db, "CREATE TABLE future_psid (page_id TEXT, psid TEXT, note TEXT);"
	         "CREATE TABLE staff_notes (id INTEGER PRIMARY KEY, conversation_id INTEGER"
	         " REFERENCES conversations(id), note TEXT);");
	add_citizen(db, PSID, NOW);
	add_citizen(db, OTHER, NOW);
	exec(db, "INSERT INTO future_psid VALUES ('" PAGE "', '" PSID "', '" WORDS "');"
	         "INSERT INTO staff_notes (conversation_id, note) SELECT id, 'ringede om " WORDS
	         "' FROM conversations WHERE psid = '" PSID "';");
	assert_true(occurrences(db, PSID) > 10);
	long long other_before = occurrences(db, OTHER);

	struct privacy_counts c = {0};
	struct privacy_delete_options o = {.now_ms = NOW};
	char err[300] = "";
	assert_int_equal(privacy_delete(db, PAGE, PSID, &o, &c, err, sizeof(err)), 0);
	assert_int_equal(occurrences(db, PSID), 0);
	assert_true(c.rows_deleted >= 8);
	assert_int_equal(c.cases_anonymised, 1);
	assert_int_equal(c.events_deleted, 1);
	/* the case stays, without the citizen; the other citizen is untouched */
	assert_int_equal(
	    count(db,
	          "SELECT COUNT(*) FROM cases WHERE reference = 'TM-2026-1'"
	          " AND psid IS NULL AND photos IS NULL AND description = '" PRIVACY_REMOVED_MARKER
	          "'"),
	    1);
	assert_int_equal(occurrences(db, OTHER), other_before);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM staff_notes"), 0);
	/* the other citizen's words remain (their rows), the deleted one's are gone */
	long long words_left = occurrences(db, WORDS);
	assert_int_equal(privacy_delete(db, NULL, OTHER, &o, &c, err, sizeof(err)), 0);
	assert_true(words_left > 0);
	assert_int_equal(occurrences(db, WORDS), 0);
	sqlite3_close(db);
}

static void deleting_an_unknown_citizen_is_harmless(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	add_citizen(db, OTHER, NOW);
	long long before = occurrences(db, OTHER);
	struct privacy_counts c = {0};
	char err[300] = "";
	assert_int_equal(privacy_delete(db, PAGE, "NOBODY", NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(privacy_delete(db, NULL, "NOBODY", NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.rows_deleted, 0);
	assert_int_equal(occurrences(db, OTHER), before);
	assert_int_equal(privacy_delete(db, PAGE, "", NULL, &c, err, sizeof(err)), -1);
	sqlite3_close(db);
}

static void kept_confirmation_is_detached_and_marked(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	add_citizen(db, PSID, NOW);
	exec(db, "UPDATE citizens SET last_inbound_at = 42");
	exec(db, "INSERT INTO outbox (page_id, psid, conversation_id, kind, body, origin,"
	         " created_at) SELECT '" PAGE "', '" PSID "', id, 'message', '{}', 'bot', 1"
	         " FROM conversations");
	long long keep = count(db, "SELECT MAX(id) FROM outbox");
	struct privacy_delete_options o = {.keep_outbox_from = keep, .tombstone = 1, .now_ms = NOW};
	struct privacy_counts c = {0};
	char err[300] = "";
	assert_int_equal(privacy_delete(db, PAGE, PSID, &o, &c, err, sizeof(err)), 0);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM outbox WHERE erase_when_done = 1 AND"
	                           " conversation_id IS NULL AND inbound_at = 42"),
	                 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM outbox"), 1);
	assert_int_equal(privacy_tombstoned(db, PAGE, PSID, NOW + 1000), 1);
	assert_int_equal(privacy_tombstoned(db, PAGE, PSID, NOW + 3 * DAY), 0);
	assert_int_equal(privacy_tombstoned(db, PAGE, OTHER, NOW), 0);
	sqlite3_close(db);
}

static void export_links_expire_and_store_only_a_hash(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	add_citizen(db, PSID, NOW);
	char token[PRIVACY_TOKEN_HEX + 1], page[64], psid[64];
	assert_int_equal(
	    privacy_export_token_create(db, PAGE, PSID, NOW, DAY, token, sizeof(token)), 0);
	assert_int_equal(strlen(token), PRIVACY_TOKEN_HEX);
	assert_int_equal(occurrences(db, token), 0);
	assert_int_equal(
	    privacy_export_token_find(db, token, NOW + 1, page, sizeof(page), psid, sizeof(psid)),
	    1);
	assert_string_equal(psid, PSID);
	assert_int_equal(
	    privacy_export_token_find(db, token, NOW + DAY, page, sizeof(page), psid, sizeof(psid)),
	    0);
	token[0] = token[0] == 'a' ? 'b' : 'a';
	assert_int_equal(
	    privacy_export_token_find(db, token, NOW + 1, page, sizeof(page), psid, sizeof(psid)),
	    0);
	assert_int_equal(
	    privacy_export_token_find(db, "../../etc", NOW, page, sizeof(page), psid, sizeof(psid)),
	    0);
	char err[300];
	json_t *ex = privacy_export(db, NULL, PSID, err, sizeof(err));
	assert_non_null(ex);
	char *s = json_dumps(ex, 0);
	assert_non_null(strstr(s, WORDS));
	assert_null(strstr(s, OTHER));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(ex, "summary"), "cases_reported")),
	    1);
	free(s);
	json_decref(ex);
	sqlite3_close(db);
}

static void purge_removes_what_is_older_and_nothing_newer(void **state)
{
	(void)state;
	sqlite3 *db = open_db();
	add_citizen(db, PSID, NOW - 200 * DAY); /* idle, old */
	add_citizen(db, OTHER, NOW - DAY);      /* active */
	exec(db, "UPDATE cases SET status = 'resolved', closed_at = updated_at");
	struct privacy_retention r = {
	    .messages_days = 90, .events_days = 30, .closed_case_days = 180};
	long long counts[PURGE_KIND_COUNT];
	char err[300] = "";
	assert_int_equal(privacy_purge(db, &r, NOW, counts, err, sizeof(err)), 0);
	assert_int_equal(occurrences(db, PSID), 0);
	assert_true(occurrences(db, OTHER) > 5);
	assert_int_equal(counts[PURGE_CITIZENS], 1);
	assert_int_equal(counts[PURGE_EVENTS], 1);
	assert_int_equal(counts[PURGE_MESSAGES], 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM messages"), 1);
	assert_int_equal(count(db, "SELECT COUNT(*) FROM cases WHERE psid = '" OTHER "'"), 1);
	/* a second run finds nothing more */
	assert_int_equal(privacy_purge(db, &r, NOW, counts, err, sizeof(err)), 0);
	for (int i = 0; i < PURGE_KIND_COUNT; i++)
		assert_int_equal(counts[i], 0);
	/* zero keeps for ever */
	struct privacy_retention keep = {0};
	assert_int_equal(privacy_purge(db, &keep, NOW + 3650 * DAY, counts, err, sizeof(err)), 0);
	assert_true(occurrences(db, OTHER) > 5);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(delete_leaves_nothing_in_any_table),
	    cmocka_unit_test(deleting_an_unknown_citizen_is_harmless),
	    cmocka_unit_test(kept_confirmation_is_detached_and_marked),
	    cmocka_unit_test(export_links_expire_and_store_only_a_hash),
	    cmocka_unit_test(purge_removes_what_is_older_and_nothing_newer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
