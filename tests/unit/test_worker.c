/*
 * test_worker.c - the event worker's rounds at chosen times, on a temporary
 * database file with the real schema: events stored as the ingest writer
 * stores them are processed once (bot_answers off and on), a redelivered
 * message is neither recorded nor answered twice, after a hand-over the
 * next message is recorded and not answered, a failing event is
 * retried with doubling backoff and parked after max_attempts while other
 * citizens go on, and a citizen's later event waits for their earlier
 * retry. The worker runs without its thread (worker_open), so no test
 * sleeps.
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

#include "domain/case.h"
#include "domain/content.h"
#include "domain/street_register.h"
#include "domain/winter.h"
#include "intents/intent.h"
#include "store/store.h"
#include "worker/worker.h"

#define MUNICIPALITY BORGERBOT_SOURCE_DIR "/municipality"
#define INTENTS BORGERBOT_SOURCE_DIR "/intents/defs"
#define STREETS BORGERBOT_SOURCE_DIR "/municipality/streets.csv"
#define PAGE "100"
#define NOON 1795521600000LL /* 2026-11-24T12:00:00Z */
#define BASE_MS 100LL        /* first retry delay */
#define MAX_ATTEMPTS 3

struct fixture {
	char dir[64];
	char path[96];
	sqlite3 *db; /* the test's own connection */
	struct store *store;
	struct metrics metrics;
	struct intent_engine *intents;
	struct case_rules *cases;
	struct winter_plan *winter;
	struct content *content;
	struct dialog_knowledge knowledge;
	struct worker *w;
	int notified;
};

static void count_notify(void *arg)
{
	struct fixture *f = arg;
	f->notified++;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[600];
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/bb-test-worker-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/borgerbot.db", f->dir);
	f->store = store_open(f->path, 1000, err, sizeof(err));
	assert_non_null(f->store);
	f->db = store_connect(f->store, err, sizeof(err));
	assert_non_null(f->db);
	metrics_init(&f->metrics);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char file[128];
	worker_stop(f->w);
	store_disconnect(f->db);
	intent_engine_free(f->intents);
	case_rules_free(f->cases);
	winter_free(f->winter);
	content_free(f->content);
	store_close(f->store);
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s%s", f->path, suffixes[i]);
		unlink(file);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The worker as `borgerbot serve` configures it; answer = bot_answers. */
static void open_worker(struct fixture *f, int answer)
{
	char err[600];
	if (answer) {
		struct streets *reg = NULL;
		if (!(f->winter = winter_load(MUNICIPALITY, err, sizeof(err))) ||
		    !(reg = street_register_load(STREETS, f->winter, err, sizeof(err))) ||
		    !(f->intents = intent_engine_load(INTENTS, reg, err, sizeof(err))) ||
		    !(f->cases = case_rules_load(MUNICIPALITY, err, sizeof(err))) ||
		    !(f->content = content_load(MUNICIPALITY, err, sizeof(err))))
			fail_msg("%s", err);
		f->knowledge = (struct dialog_knowledge){.intents = f->intents,
		                                         .cases = f->cases,
		                                         .winter = f->winter,
		                                         .content = f->content};
	}
	struct worker_options o = {
	    .store = f->store,
	    .max_attempts = MAX_ATTEMPTS,
	    .retry_base_ms = (int)BASE_MS,
	    .retry_max_ms = (int)(10 * BASE_MS),
	    .batch = 16,
	    .metrics = &f->metrics,
	    .answer = answer,
	    .knowledge = answer ? &f->knowledge : NULL,
	    .notify = count_notify,
	    .notify_arg = f,
	};
	f->w = worker_open(&o, err, sizeof(err));
	if (!f->w)
		fail_msg("worker_open: %s", err);
}

/* The webhook item of a citizen's message; broken = 1 leaves out the
 * message object, which the processor rejects. */
static void message_item(char *buf, size_t buflen, const char *psid, const char *mid,
                         const char *text, long long ts, int broken)
{
	if (broken)
		snprintf(buf, buflen,
		         "{\"sender\":{\"id\":\"%s\"},\"recipient\":{\"id\":\"" PAGE "\"}}", psid);
	else
		snprintf(buf, buflen,
		         "{\"sender\":{\"id\":\"%s\"},\"recipient\":{\"id\":\"" PAGE "\"},"
		         "\"timestamp\":%lld,\"message\":{\"mid\":\"%s\",\"text\":\"%s\"}}",
		         psid, ts, mid, text);
}

/* Stores a citizen's message event as the ingest writer does (the same
 * columns, INSERT OR IGNORE on the de-dup key). Returns the event id. */
static long long store_message(struct fixture *f, const char *psid, const char *mid,
                               const char *text, long long ts, int broken)
{
	char payload[512], key[96];
	message_item(payload, sizeof(payload), psid, mid, text, ts, broken);
	snprintf(key, sizeof(key), "m:%s:%lld", mid, ts);
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(f->db,
	                       "INSERT OR IGNORE INTO events (dedup_key, page_id, source, kind,"
	                       " sender_id, recipient_id, citizen_id, ts_ms, payload, received_at)"
	                       " VALUES (?1, ?2, 'messaging', 'message', ?3, ?2, ?3, ?4, ?5, ?6)",
	                       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, PAGE, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, psid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ts);
	sqlite3_bind_text(st, 5, payload, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, ts);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(f->db), 1);
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(f->db);
}

/* One integer from sql, with ?1 bound to id when id > 0. */
static long long query(struct fixture *f, const char *sql, long long id)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#define STATUS(f, id) query(f, "SELECT status FROM events WHERE id = ?1", id)
#define ATTEMPTS(f, id) query(f, "SELECT attempts FROM events WHERE id = ?1", id)
#define NEXT_AT(f, id) query(f, "SELECT next_attempt_at FROM events WHERE id = ?1", id)
#define COUNT(f, table) query(f, "SELECT COUNT(*) FROM " table, 0)

/* The event's payload fixed, as if what made it fail was transient. */
static void repair(struct fixture *f, long long id, const char *psid, const char *mid, long long ts)
{
	char payload[512];
	message_item(payload, sizeof(payload), psid, mid, "rettet", ts, 0);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db, "UPDATE events SET payload = ?2 WHERE id = ?1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, payload, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* ---- tests ---------------------------------------------------------------- */

static void a_stored_event_is_processed_once(void **state)
{
	struct fixture *f = *state;
	open_worker(f, 0); /* bot_answers = no: records only */
	long long id = store_message(f, "A", "mid.a1", "Hej", NOON - 2000, 0);
	assert_int_equal(worker_run_round(f->w, NOON), 1);
	assert_int_equal(STATUS(f, id), 1);
	assert_int_equal(query(f, "SELECT processed_at FROM events WHERE id = ?1", id), NOON);
	assert_int_equal(COUNT(f, "messages"), 1);
	assert_int_equal(COUNT(f, "citizens"), 1);
	assert_int_equal(COUNT(f, "conversations"), 1);
	assert_int_equal(query(f, "SELECT created_at FROM conversations", 0), NOON);
	assert_int_equal(COUNT(f, "outbox"), 0); /* the bot stays silent */
	assert_int_equal(f->notified, 0);
	/* a second round finds nothing to do and changes nothing */
	assert_int_equal(worker_run_round(f->w, NOON + 1000), 0);
	assert_int_equal(COUNT(f, "messages"), 1);
	assert_int_equal(query(f, "SELECT processed_at FROM events WHERE id = ?1", id), NOON);
	assert_int_equal(atomic_load(&f->metrics.events_processed), 1);
}

static void an_answer_is_queued_once_even_for_a_redelivery(void **state)
{
	struct fixture *f = *state;
	open_worker(f, 1);
	store_message(f, "B", "mid.b1", "Hej", NOON - 2000, 0);
	assert_int_equal(worker_run_round(f->w, NOON), 1);
	long long rows = COUNT(f, "outbox");
	assert_int_equal(rows, 3); /* mark_seen, typing_on, the greeting */
	assert_int_equal(query(f, "SELECT MIN(created_at) FROM outbox", 0), NOON);
	assert_int_equal(f->notified, 1);
	/* Meta delivers the same message again with another timestamp: a new
	 * event row, but the message id is known, so nothing is added */
	long long again = store_message(f, "B", "mid.b1", "Hej", NOON - 1000, 0);
	assert_int_equal(worker_run_round(f->w, NOON + 1000), 1);
	assert_int_equal(STATUS(f, again), 1);
	assert_int_equal(COUNT(f, "messages"), 1);
	assert_int_equal(COUNT(f, "outbox"), rows);
	assert_int_equal(f->notified, 1);
}

static void after_a_hand_over_the_bot_stays_quiet(void **state)
{
	struct fixture *f = *state;
	open_worker(f, 1);
	store_message(f, "K", "mid.k1", "jeg vil klage over jeres sagsbehandling", NOON - 2000, 0);
	assert_int_equal(worker_run_round(f->w, NOON), 1);
	assert_int_equal(COUNT(f, "conversations WHERE mode = 'waiting_for_staff'"), 1);
	long long rows = COUNT(f, "outbox");
	assert_true(rows > 0);
	assert_int_equal(f->notified, 1);
	/* the citizen writes again: recorded, but a person answers now */
	store_message(f, "K", "mid.k2", "Hallo? Er der nogen?", NOON - 1000, 0);
	assert_int_equal(worker_run_round(f->w, NOON + 1000), 1);
	assert_int_equal(COUNT(f, "messages"), 2);
	assert_int_equal(COUNT(f, "outbox"), rows);
	assert_int_equal(f->notified, 1);
	assert_int_equal(COUNT(f, "conversations WHERE mode = 'waiting_for_staff'"), 1);
}

/* bot_answers = yes needs the intent engine; = no needs no knowledge (the
 * other tests open such workers). */
static void answering_without_an_intent_engine_is_refused(void **state)
{
	struct fixture *f = *state;
	struct dialog_knowledge none = {0};
	struct worker_options o = {
	    .store = f->store,
	    .batch = 1,
	    .metrics = &f->metrics,
	    .answer = 1,
	    .knowledge = &none,
	};
	char err[300] = "";
	assert_null(worker_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "intent engine"));
	o.knowledge = NULL;
	assert_null(worker_open(&o, err, sizeof(err)));
}

static void a_failing_event_backs_off_then_parks_while_others_go_on(void **state)
{
	struct fixture *f = *state;
	open_worker(f, 0);
	long long bad = store_message(f, "C", "mid.c1", NULL, NOON - 3000, 1);
	long long other = store_message(f, "D", "mid.d1", "Hej", NOON - 2000, 0);

	assert_int_equal(worker_run_round(f->w, NOON), 2);
	assert_int_equal(STATUS(f, bad), 0);
	assert_int_equal(ATTEMPTS(f, bad), 1);
	assert_int_equal(NEXT_AT(f, bad), NOON + BASE_MS);
	assert_int_equal(
	    query(
	        f,
	        "SELECT COUNT(*) FROM events WHERE id = ?1 AND last_error LIKE '%message object%'",
	        bad),
	    1);
	assert_int_equal(STATUS(f, other), 1); /* another citizen is not held up */

	assert_int_equal(worker_run_round(f->w, NOON + BASE_MS - 1), 0); /* not due yet */
	assert_int_equal(ATTEMPTS(f, bad), 1);

	assert_int_equal(worker_run_round(f->w, NOON + BASE_MS), 1);
	assert_int_equal(ATTEMPTS(f, bad), 2);
	assert_int_equal(NEXT_AT(f, bad), NOON + BASE_MS + 2 * BASE_MS); /* doubled */

	assert_int_equal(worker_run_round(f->w, NOON + 3 * BASE_MS), 1);
	assert_int_equal(ATTEMPTS(f, bad), MAX_ATTEMPTS);
	assert_int_equal(STATUS(f, bad), 2); /* parked for an operator */
	assert_int_equal(atomic_load(&f->metrics.events_failed), MAX_ATTEMPTS);
	assert_int_equal(atomic_load(&f->metrics.events_parked), 1);

	/* parked events are left alone, and the citizen's queue moves on */
	long long next = store_message(f, "C", "mid.c2", "Hej igen", NOON - 1000, 0);
	assert_int_equal(worker_run_round(f->w, NOON + 1000 * BASE_MS), 1);
	assert_int_equal(STATUS(f, next), 1);
	assert_int_equal(STATUS(f, bad), 2);
}

static void a_later_event_waits_for_the_citizens_earlier_retry(void **state)
{
	struct fixture *f = *state;
	open_worker(f, 0);
	long long first = store_message(f, "E", "mid.e1", NULL, NOON - 3000, 1);
	long long later = store_message(f, "E", "mid.e2", "andet", NOON - 2000, 0);
	long long other = store_message(f, "F", "mid.f1", "Hej", NOON - 1000, 0);

	assert_int_equal(worker_run_round(f->w, NOON), 3);
	assert_int_equal(ATTEMPTS(f, first), 1);
	assert_int_equal(STATUS(f, later), 0); /* held back behind the failure */
	assert_int_equal(ATTEMPTS(f, later), 0);
	assert_int_equal(STATUS(f, other), 1);

	/* still waiting while the retry is not due */
	assert_int_equal(worker_run_round(f->w, NOON + BASE_MS / 2), 0);
	assert_int_equal(STATUS(f, later), 0);

	/* the cause goes away: the retry succeeds and the later event follows,
	 * in order */
	repair(f, first, "E", "mid.e1", NOON - 3000);
	assert_int_equal(worker_run_round(f->w, NOON + BASE_MS), 2);
	assert_int_equal(STATUS(f, first), 1);
	assert_int_equal(STATUS(f, later), 1);
	assert_int_equal(query(f,
	                       "SELECT (SELECT id FROM messages WHERE mid = 'mid.e1')"
	                       " < (SELECT id FROM messages WHERE mid = 'mid.e2')",
	                       0),
	                 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(a_stored_event_is_processed_once),
	    T(an_answer_is_queued_once_even_for_a_redelivery),
	    T(after_a_hand_over_the_bot_stays_quiet),
	    T(answering_without_an_intent_engine_is_refused),
	    T(a_failing_event_backs_off_then_parks_while_others_go_on),
	    T(a_later_event_waits_for_the_citizens_earlier_retry),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
