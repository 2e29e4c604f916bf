/*
 * test_dialog.c - the bot's conversation logic on an in-memory database
 * with the real schema, the real intent engine (intents/defs and the demo
 * street register) and the demo municipality's data, at fixed times.
 *
 * Each test plays turns through dialog_answer() and checks what they leave
 * in the database (cases, drafts, outbox rows, the conversation's mode) and
 * the outcome; replies are checked for the facts they must carry (the case
 * reference the database holds, the emergency numbers), never copied whole.
 * That the bot stays quiet after a hand-over is the processor's part
 * (test_worker.c).
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

#include "domain/case.h"
#include "domain/content.h"
#include "domain/crisis_lines.h"
#include "domain/conversation.h"
#include "domain/staffing.h"
#include "domain/street_register.h"
#include "domain/winter.h"
#include "intents/intent.h"
#include "store/db.h"
#include "worker/dialog.h"

#define MUNICIPALITY BORGERBOT_SOURCE_DIR "/municipality"
#define INTENTS BORGERBOT_SOURCE_DIR "/intents/defs"
#define STREETS BORGERBOT_SOURCE_DIR "/municipality/streets.csv"
#define PAGE "100"
/* 2026-11-24T12:00:00Z = 13:00 in Copenhagen (winter time). */
#define NOON 1795521600000LL
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)

struct knowledge {
	struct staffing *staffing;
	struct intent_engine *intents;
	struct case_rules *cases;
	struct winter_plan *winter;
	struct content *content;
	struct crisis_lines *crisis;
	struct dialog_knowledge k;
};

struct fixture {
	const struct knowledge *kn;
	sqlite3 *db;
};

/* ---- set-up: knowledge once, a fresh database per test ------------------- */

static int load_knowledge(void **state)
{
	struct knowledge *kn = calloc(1, sizeof(*kn));
	char err[600];
	assert_non_null(kn);
	struct streets *reg = NULL;
	if (!(kn->winter = winter_load(MUNICIPALITY, err, sizeof(err))) ||
	    !(reg = street_register_load(STREETS, kn->winter, err, sizeof(err))) ||
	    !(kn->intents = intent_engine_load(INTENTS, reg, err, sizeof(err))) ||
	    !(kn->cases = case_rules_load(MUNICIPALITY, err, sizeof(err))) ||
	    !(kn->content = content_load(MUNICIPALITY, err, sizeof(err))) ||
	    !(kn->staffing = staffing_load(MUNICIPALITY, err, sizeof(err))) ||
	    !(kn->crisis = crisis_lines_load(MUNICIPALITY, err, sizeof(err))))
		fail_msg("%s", err);
	kn->k = (struct dialog_knowledge){
	    .intents = kn->intents,
	    .cases = kn->cases,
	    .winter = kn->winter,
	    .content = kn->content,
	    .crisis = kn->crisis,
	    .staffing = kn->staffing,
	    .rules = {.not_understood_retries = 1, .anger_hands_over = 1}};
	*state = kn;
	return 0;
}

static int free_knowledge(void **state)
{
	struct knowledge *kn = *state;
	intent_engine_free(kn->intents);
	case_rules_free(kn->cases);
	winter_free(kn->winter);
	content_free(kn->content);
	staffing_free(kn->staffing);
	crisis_lines_free(kn->crisis);
	free(kn);
	return 0;
}

/* *state holds the group's knowledge on entry (cmocka passes the group
 * state to each test) and the test's fixture on return. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[300];
	assert_non_null(f);
	f->kn = *state;
	f->db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(f->db);
	assert_int_equal(db_migrate(f->db, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sqlite3_close(f->db);
	free(f);
	return 0;
}

/* ---- helpers --------------------------------------------------------------- */

/* The citizen's conversation, as the processor leaves it after their message
 * at last_inbound (Meta's time). Returns the conversation id. */
static long long conversation(struct fixture *f, const char *psid, long long last_inbound)
{
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(f->db,
	                       "INSERT INTO conversations (page_id, psid, created_at,"
	                       " updated_at, last_inbound_at) VALUES (?1, ?2, ?3, ?3, ?3)"
	                       " ON CONFLICT (page_id, psid) WHERE mode <> 'closed' DO UPDATE SET"
	                       " last_inbound_at = excluded.last_inbound_at"
	                       " RETURNING id",
	                       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, PAGE, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, last_inbound);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* One turn: the citizen writes text (or sends payload) at now; returns what
 * the dialog did. The conversation's window opens at now. */
static struct dialog_outcome turn_at(struct fixture *f, const char *psid, const char *text,
                                     const char *payload, long long now)
{
	struct dialog_turn t = {
	    .page_id = PAGE,
	    .psid = psid,
	    .conversation_id = conversation(f, psid, now),
	    .text = text,
	    .payload = payload,
	    .now_ms = now,
	};
	struct dialog_outcome out;
	char err[300] = "";
	if (dialog_answer(f->db, &f->kn->k, &t, &out, err, sizeof(err)) != 0)
		fail_msg("dialog_answer: %s", err);
	return out;
}

static struct dialog_outcome say(struct fixture *f, const char *psid, const char *text)
{
	return turn_at(f, psid, text, NULL, NOON);
}

static long long count(struct fixture *f, const char *sql, const char *psid)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL), SQLITE_OK);
	if (psid)
		sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static enum conversation_mode mode_of(struct fixture *f, const char *psid)
{
	enum conversation_mode m = CONVERSATION_CLOSED;
	char err[200];
	long long id = count(f, "SELECT id FROM conversations WHERE psid = ?1", psid);
	assert_int_equal(conversation_get_mode(f->db, id, &m, err, sizeof(err)), 1);
	return m;
}

/* The turn handed the conversation to a person (for intent, if not NULL). */
static void assert_handed_over(struct fixture *f, const char *psid,
                               const struct dialog_outcome *out, const char *intent)
{
	if (intent)
		assert_string_equal(out->intent, intent);
	assert_true(out->handed_over);
	assert_int_equal(mode_of(f, psid), CONVERSATION_WAITING_FOR_STAFF);
}

/* The body of the citizen's newest outbox message (caller frees). */
static json_t *last_message(struct fixture *f, const char *psid)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->db,
	                                    "SELECT body FROM outbox WHERE psid = ?1"
	                                    " AND kind = 'message' ORDER BY id DESC LIMIT 1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	json_t *body = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	assert_non_null(body);
	return body;
}

/* The text of the citizen's newest message, copied into buf. */
static const char *last_text(struct fixture *f, const char *psid, char *buf, size_t buflen)
{
	json_t *body = last_message(f, psid);
	const char *t =
	    json_string_value(json_object_get(json_object_get(body, "message"), "text"));
	assert_non_null(t);
	snprintf(buf, buflen, "%s", t);
	json_decref(body);
	return buf;
}

/* The reference of the citizen's one case, copied into buf. */
static const char *case_reference(struct fixture *f, const char *psid, char *buf, size_t buflen)
{
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(f->db, "SELECT reference FROM cases WHERE psid = ?1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, buflen, "%s", (const char *)sqlite3_column_text(st, 0));
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	return buf;
}

/* ---- tests ---------------------------------------------------------------- */

static void streetlight_report_files_a_case(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "A1", "Intet lys i lygterne på Duevej");
	assert_string_equal(out.intent, "streetlight_outage");
	assert_false(out.handed_over);
	assert_false(out.refused);
	assert_int_equal(out.queued, 3); /* mark_seen, typing_on, the confirmation */
	assert_int_equal(
	    count(f,
	          "SELECT COUNT(*) FROM cases WHERE psid = ?1 AND street = 'Duevej'"
	          " AND category = 'streetlight_outage' AND created_at = 1795521600000",
	          "A1"),
	    1);
	char ref[40], text[2400];
	case_reference(f, "A1", ref, sizeof(ref));
	assert_non_null(strstr(last_text(f, "A1", text, sizeof(text)), ref));
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM outbox WHERE psid = ?1 AND status = 'pending'"
	                       " AND origin = 'bot' AND created_at = 1795521600000",
	                       "A1"),
	                 3);
	assert_int_equal(mode_of(f, "A1"), CONVERSATION_BOT);
}

static void report_without_place_asks_where_then_files(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "B1", "Der er ingen lys i lygterne");
	assert_string_equal(out.intent, "streetlight_outage");
	assert_int_equal(count(f, "SELECT COUNT(*) FROM cases", NULL), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM case_drafts WHERE psid = ?1", "B1"), 1);
	json_t *ask = last_message(f, "B1");
	json_t *qr = json_object_get(json_object_get(ask, "message"), "quick_replies");
	assert_string_equal(json_string_value(json_object_get(json_array_get(qr, 0), "payload")),
	                    "PLACE_UNKNOWN");
	json_decref(ask);

	out = turn_at(f, "B1", "Rosenvej 4", NULL, NOON + 10 * MINUTE);
	assert_false(out.handed_over);
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM cases WHERE psid = ?1 AND street = 'Rosenvej'"
	                       " AND house_number = '4'"
	                       " AND description = 'Der er ingen lys i lygterne'",
	                       "B1"),
	                 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM case_drafts", NULL), 0);
	char ref[40], text[2400];
	case_reference(f, "B1", ref, sizeof(ref));
	assert_non_null(strstr(last_text(f, "B1", text, sizeof(text)), ref));
}

static void the_answer_to_where_counts_for_two_hours(void **state)
{
	struct fixture *f = *state;
	say(f, "B2", "Der er ingen lys i lygterne");
	/* three hours later the question is stale: the place alone files nothing */
	turn_at(f, "B2", "Rosenvej 4", NULL, NOON + 3 * HOUR);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM cases", NULL), 0);
	assert_int_equal(
	    count(f, "SELECT COUNT(*) FROM case_drafts WHERE category <> 'clarify'", NULL), 0);
}

static void place_unknown_hands_over(void **state)
{
	struct fixture *f = *state;
	say(f, "B3", "Der er et stort hul i vejen");
	struct dialog_outcome out = turn_at(f, "B3", "Ved ikke adressen", "PLACE_UNKNOWN", NOON);
	assert_handed_over(f, "B3", &out, NULL);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM case_drafts", NULL), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM cases", NULL), 0);
}

static void crisis_hands_over_at_once_with_emergency_numbers(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "C1", "jeg kan ikke mere, jeg vil ikke leve længere");
	assert_handed_over(f, "C1", &out, "crisis");
	char text[2400];
	last_text(f, "C1", text, sizeof(text));
	assert_non_null(strstr(text, "112"));
	assert_non_null(strstr(text, "70 201 201")); /* Livslinien */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM cases", NULL), 0);
}

static void not_understood_asks_again_then_hands_over(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "N1", "blomkål og gulerødder i min have");
	assert_string_equal(out.intent, "none");
	assert_false(out.handed_over);
	assert_int_equal(mode_of(f, "N1"), CONVERSATION_BOT);
	json_t *body = last_message(f, "N1");
	json_t *qr = json_object_get(json_object_get(body, "message"), "quick_replies");
	assert_true(json_array_size(qr) >= 3); /* the topics and a way to a person */
	json_t *last = json_array_get(qr, json_array_size(qr) - 1);
	assert_string_equal(json_string_value(json_object_get(last, "payload")),
	                    "INTENT:human_request");
	json_decref(body);
	/* not understood a second time: a person takes over */
	out = say(f, "N1", "kan I hjælpe med min nabos hæk i haven");
	assert_handed_over(f, "N1", &out, "none");
	assert_int_equal(out.reason, REASON_NOT_UNDERSTOOD);
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM conversation_transitions WHERE reason ="
	                       " 'not_understood' AND to_mode = 'waiting_for_staff'",
	                       NULL),
	                 1);
}

static void understood_in_between_starts_the_count_again(void **state)
{
	struct fixture *f = *state;
	say(f, "N2", "blomkål og gulerødder i min have");
	say(f, "N2", "Hej");
	struct dialog_outcome out = say(f, "N2", "blomkål og gulerødder i min have");
	assert_false(out.handed_over);
	assert_int_equal(mode_of(f, "N2"), CONVERSATION_BOT);
}

static void angry_routine_report_is_answered_and_handed_over(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out =
	    say(f, "A1", "Så er den gal igen – intet lys i lygterne på Duevej!");
	assert_int_equal(out.queued, 4); /* mark_seen, typing_on, the confirmation, the hand-over */
	assert_handed_over(f, "A1", &out, NULL);
	assert_int_equal(out.reason, REASON_ANGER);
	/* the routine part was done: the case exists and the citizen heard it */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM cases WHERE psid = ?1", "A1"), 1);
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM outbox WHERE psid = ?1 AND kind = 'message'"
	                       " AND body LIKE '%TM-%'",
	                       "A1"),
	                 1);
	char text[2400];
	assert_non_null(strstr(last_text(f, "A1", text, sizeof(text)), "medarbejder"));
	/* its queue is the department that repairs street lights */
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM conversations WHERE psid = ?1"
	                       " AND department = 'Vej og Park'",
	                       "A1"),
	                 1);
}

static void crisis_during_a_where_question_is_not_missed(void **state)
{
	struct fixture *f = *state;
	say(f, "C2", "Lygten er gået ud");
	assert_int_equal(count(f, "SELECT COUNT(*) FROM case_drafts WHERE psid = ?1", "C2"), 1);
	struct dialog_outcome out = say(f, "C2", "Duevej 4. men jeg kan ikke mere, jeg vil dø");
	assert_handed_over(f, "C2", &out, "crisis");
	assert_true(out.crisis);
	assert_int_equal(count(f, "SELECT urgent FROM conversations WHERE psid = ?1", "C2"), 1);
	char text[2400];
	assert_non_null(strstr(last_text(f, "C2", text, sizeof(text)), "112"));
}

static struct dialog_outcome watch(struct fixture *f, const char *psid, const char *text,
                                   const char *owner)
{
	struct dialog_turn t = {.page_id = PAGE,
	                        .psid = psid,
	                        .conversation_id = conversation(f, psid, NOON),
	                        .text = text,
	                        .now_ms = NOON};
	struct dialog_outcome out;
	char err[300] = "";
	if (dialog_watch(f->db, &f->kn->k, &t, owner, &out, err, sizeof(err)) != 0)
		fail_msg("dialog_watch: %s", err);
	return out;
}

static void crisis_in_every_mode_gets_112_and_is_urgent(void **state)
{
	struct fixture *f = *state;
	char err[200];
	/* waiting for staff: stays in the queue, now urgent */
	say(f, "W1", "Jeg vil gerne tale med en medarbejder");
	assert_int_equal(mode_of(f, "W1"), CONVERSATION_WAITING_FOR_STAFF);
	struct dialog_outcome out = watch(f, "W1", "Hej igen, ok det er fint", NULL);
	assert_false(out.crisis);
	assert_int_equal(out.queued, 0); /* the bot stays quiet otherwise */
	out = watch(f, "W1", "jeg har lyst til at tage mit eget liv", NULL);
	assert_true(out.crisis);
	assert_true(out.queued > 0);
	assert_int_equal(mode_of(f, "W1"), CONVERSATION_WAITING_FOR_STAFF);
	assert_int_equal(count(f, "SELECT urgent FROM conversations WHERE psid = ?1", "W1"), 1);

	/* with a person: the person keeps it, it becomes urgent */
	long long id = conversation(f, "S1", NOON);
	struct conversation_change take = {.to = CONVERSATION_STAFF,
	                                   .reason = REASON_STAFF_TOOK,
	                                   .actor = "mette",
	                                   .now_ms = NOON};
	assert_int_equal(conversation_transition(f->db, id, &take, NULL, err, sizeof(err)),
	                 CONVERSATION_OK);
	out = watch(f, "S1", "min ven siger hun vil slå sig selv ihjel i aften", NULL);
	assert_true(out.crisis);
	assert_int_equal(mode_of(f, "S1"), CONVERSATION_STAFF);
	assert_int_equal(count(f, "SELECT urgent FROM conversations WHERE psid = ?1", "S1"), 1);
	char text[2400];
	assert_non_null(strstr(last_text(f, "S1", text, sizeof(text)), "112"));

	/* another app owns the thread: take control, answer, pass it back */
	out = watch(f, "P1", "jeg kan ikke mere, jeg vil ikke leve længere", "263902037430900");
	assert_true(out.crisis);
	assert_int_equal(count(f,
	                       "SELECT COUNT(*) FROM outbox WHERE psid = ?1 AND kind ="
	                       " 'thread_control'",
	                       "P1"),
	                 1);
	json_t *body = last_message(f, "P1");
	json_t *tc = json_object_get(body, "thread_control");
	assert_string_equal(json_string_value(json_object_get(tc, "control_type")), "pass");
	assert_string_equal(json_string_value(json_object_get(tc, "app_id")), "263902037430900");
	json_decref(body);
}

static void out_of_hours_hand_over_names_the_next_staffed_time(void **state)
{
	struct fixture *f = *state;
	long long saturday = NOON + 4LL * 24 * HOUR; /* 2026-11-28 13:00 in Copenhagen */
	turn_at(f, "O1", "Jeg vil gerne tale med en medarbejder", NULL, saturday);
	char text[2400];
	last_text(f, "O1", text, sizeof(text));
	assert_non_null(strstr(text, "mandag kl. 8.00"));
	/* within staffed hours nothing is added */
	say(f, "O2", "Jeg vil gerne tale med en medarbejder");
	assert_null(strstr(last_text(f, "O2", text, sizeof(text)), "ingen medarbejdere"));
	/* crisis out of hours: 112 and honest about when staff read it */
	turn_at(f, "O3", "jeg kan ikke mere, jeg vil ikke leve længere", NULL, saturday);
	last_text(f, "O3", text, sizeof(text));
	assert_non_null(strstr(text, "112"));
	assert_non_null(strstr(text, "mandag kl. 8.00"));
}

static void complaint_hands_over(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "D2", "jeg vil klage over jeres sagsbehandling");
	assert_handed_over(f, "D2", &out, "complaint");
}

static void gritting_question_answers_from_the_winter_plan(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "E1",
	                                "Kære kommune. Vil I ikke være søde at salte vejene i "
	                                "blomsterkvarteret, så vi kan køre vores børn i skole");
	assert_string_equal(out.intent, "gritting");
	assert_false(out.handed_over);
	assert_true(out.queued > 0);
	char text[2400];
	last_text(f, "E1", text, sizeof(text));
	/* the area and one of its streets, as the plan (municipality/) has them */
	assert_non_null(strstr(text, "Blomsterkvarteret"));
	assert_string_equal(winter_street_area(f->kn->winter, "Rosenvej"), "Blomsterkvarteret");
	assert_non_null(strstr(text, "Rosenvej"));
	assert_int_equal(count(f, "SELECT COUNT(*) FROM cases", NULL), 0);
	assert_int_equal(mode_of(f, "E1"), CONVERSATION_BOT);
}

static void greeting_thanks_and_get_started_keep_the_bot(void **state)
{
	struct fixture *f = *state;
	struct dialog_outcome out = say(f, "G1", "Hej!");
	assert_string_equal(out.intent, "greeting");
	assert_int_equal(out.queued, 3);
	out = turn_at(f, "G1", "Kom i gang", "GET_STARTED", NOON);
	assert_string_equal(out.intent, "greeting");
	out = say(f, "G1", "Mange tak for hjælpen");
	assert_string_equal(out.intent, "thanks");
	assert_false(out.handed_over);
	assert_int_equal(mode_of(f, "G1"), CONVERSATION_BOT);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox WHERE kind = 'message'", NULL), 3);
}

static void outside_the_24_hour_window_the_answer_is_refused(void **state)
{
	struct fixture *f = *state;
	struct dialog_turn t = {
	    .page_id = PAGE,
	    .psid = "H1",
	    .conversation_id = conversation(f, "H1", NOON - 25 * HOUR),
	    .text = "Hej",
	    .now_ms = NOON,
	};
	struct dialog_outcome out;
	char err[300];
	assert_int_equal(dialog_answer(f->db, &f->kn->k, &t, &out, err, sizeof(err)), 0);
	assert_true(out.refused);
	assert_int_equal(out.queued, 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox WHERE status = 'refused'", NULL), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'", NULL), 0);

	/* the same message inside the window is answered */
	t.conversation_id = conversation(f, "H1", NOON - 23 * HOUR);
	assert_int_equal(dialog_answer(f->db, &f->kn->k, &t, &out, err, sizeof(err)), 0);
	assert_false(out.refused);
	assert_int_equal(out.queued, 3);
}

/* Every reply of psid is valid JSON (hence valid UTF-8) and never repeats
 * the citizen's words back. */
static void replies_are_safe(struct fixture *f, const char *psid, const char *words)
{
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(f->db, "SELECT body FROM outbox WHERE psid = ?1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 0);
		json_t *j = json_loads(body, 0, NULL);
		assert_non_null(j);
		json_decref(j);
		if (words && strlen(words) > 8)
			assert_null(strstr(body, words));
		n++;
	}
	sqlite3_finalize(st);
	assert_true(n > 0); /* the citizen always hears something */
}

static void hostile_and_broken_text_gets_a_safe_outcome(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = {
	    "\xff\xfe lygten \xc3 er \xed\xa0\x80 slukket",     /* invalid UTF-8 */
	    "'); DROP TABLE cases; -- %s%s%n %x",               /* SQL and format strings */
	    "<script>alert(1)</script> {street} {{area}}",      /* markup and template slots */
	    "",                                                 /* nothing at all */
	    "\xf0\x9f\x92\xa9\xf0\x9f\x92\xa9\xf0\x9f\x92\xa9", /* only emoji */
	};
	char psid[16];
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(psid, sizeof(psid), "X%zu", i);
		say(f, psid, texts[i]);
		replies_are_safe(f, psid, texts[i]);
	}
	/* a photo without words */
	say(f, "X9", NULL);
	replies_are_safe(f, "X9", NULL);
	assert_int_equal(mode_of(f, "X9"), CONVERSATION_WAITING_FOR_STAFF);

	/* 200 KB about a street light on Duevej */
	size_t n = (size_t)200 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = "lygten på Duevej virker ikke "[i % 29];
	big[n] = '\0';
	say(f, "X10", big);
	replies_are_safe(f, "X10", NULL);
	free(big);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'cases'", NULL),
	                 1);
}

static void no_intent_engine_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct dialog_knowledge none = {0};
	struct dialog_turn t = {.page_id = PAGE, .psid = "Z1", .text = "Hej", .now_ms = NOON};
	struct dialog_outcome out;
	char err[300] = "";
	assert_int_equal(dialog_answer(f->db, &none, &t, &out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "intent engine"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(streetlight_report_files_a_case),
	    T(report_without_place_asks_where_then_files),
	    T(the_answer_to_where_counts_for_two_hours),
	    T(place_unknown_hands_over),
	    T(crisis_hands_over_at_once_with_emergency_numbers),
	    T(complaint_hands_over),
	    T(not_understood_asks_again_then_hands_over),
	    T(understood_in_between_starts_the_count_again),
	    T(angry_routine_report_is_answered_and_handed_over),
	    T(crisis_during_a_where_question_is_not_missed),
	    T(crisis_in_every_mode_gets_112_and_is_urgent),
	    T(out_of_hours_hand_over_names_the_next_staffed_time),
	    T(gritting_question_answers_from_the_winter_plan),
	    T(greeting_thanks_and_get_started_keep_the_bot),
	    T(outside_the_24_hour_window_the_answer_is_refused),
	    T(hostile_and_broken_text_gets_a_safe_outcome),
	    T(no_intent_engine_is_an_error),
	};
#undef T
	return cmocka_run_group_tests(tests, load_knowledge, free_knowledge);
}
