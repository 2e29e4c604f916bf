/*
 * test_case.c - cases on an in-memory database with the demo municipality's
 * rules: references, routing, duplicates and followers, "not a fault" by
 * Copenhagen time, status changes, notices and the 24-hour window, and
 * invalid reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/case.h"
#include "store/db.h"

#define DEMO BORGERBOT_SOURCE_DIR "/municipality"
/* 2026-11-24T12:00:00Z = 13:00 in Copenhagen (winter time). */
#define NOON 1795521600000LL
#define HOUR 3600000LL

struct fixture {
	sqlite3 *db;
	struct case_rules *rules;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[300];
	f->db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(f->db);
	assert_int_equal(db_migrate(f->db, err, sizeof(err)), 0);
	f->rules = case_rules_load(DEMO, err, sizeof(err));
	if (!f->rules)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	case_rules_free(f->rules);
	sqlite3_close(f->db);
	free(f);
	return 0;
}

static int file(struct fixture *f, const char *category, const char *street, const char *number,
                const char *pole, const char *psid, struct case_result *out)
{
	struct case_report r = {
	    .category = category,
	    .street = street,
	    .house_number = number,
	    .pole_number = pole,
	    .text = "Intet lys i lygterne!",
	    .source = "messenger",
	    .page_id = psid ? "100" : NULL,
	    .psid = psid,
	    .now_ms = NOON,
	};
	char err[200];
	return case_file(f->db, f->rules, &r, out, err, sizeof(err));
}

static void citizen(struct fixture *f, const char *psid, long long last_inbound)
{
	sqlite3_stmt *st;
	assert_int_equal(
	    sqlite3_prepare_v2(f->db,
	                       "INSERT INTO citizens (page_id, psid, first_seen_at,"
	                       " last_seen_at, last_inbound_at) VALUES ('100', ?1, 0, 0, ?2)",
	                       -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, last_inbound);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void references_are_sequential_and_routed(void **state)
{
	struct fixture *f = *state;
	struct case_result a, b;
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "3", NULL, "U1", &a), CASE_OK);
	assert_string_equal(a.reference, "TM-2026-00001");
	assert_string_equal(a.department, "Vej og Park");
	assert_int_equal(a.existing, 0);
	assert_int_equal(file(f, "waste_collection", "Duevej", "3", NULL, "U1", &b), CASE_OK);
	assert_string_equal(b.reference, "TM-2026-00002");
	assert_string_equal(b.department, "Affald og Genbrug");
}

static void nearby_report_follows_far_one_is_new(void **state)
{
	struct fixture *f = *state;
	struct case_result a, b, c, d, e;
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "12", NULL, "U1", &a), CASE_OK);
	assert_int_equal(file(f, "streetlight_outage", "duevej", "20B", NULL, "U2", &b), CASE_OK);
	assert_int_equal(b.existing, 1);
	assert_string_equal(b.reference, a.reference);
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "40", NULL, "U3", &c), CASE_OK);
	assert_int_equal(c.existing, 0); /* 28 numbers away: another stretch of road */
	assert_int_equal(file(f, "streetlight_outage", "Duevej", NULL, NULL, "U4", &d), CASE_OK);
	assert_int_equal(d.existing, 1); /* unknown number: the oldest open case on the street */
	assert_string_equal(d.reference, a.reference);
	/* the reporter writing again is told they already follow it */
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "12", NULL, "U1", &e), CASE_OK);
	assert_int_equal(e.existing, 1);
	assert_int_equal(e.already_following, 1);
	/* another category on the same street is its own case */
	assert_int_equal(file(f, "road_damage", "Duevej", "12", NULL, "U1", &e), CASE_OK);
	assert_int_equal(e.existing, 0);
	struct case_row row;
	assert_int_equal(case_get(f->db, a.reference, &row), 1);
	assert_int_equal(row.followers, 2);
	case_row_clear(&row);
}

static void same_pole_matches_across_streets(void **state)
{
	struct fixture *f = *state;
	struct case_result a, b;
	assert_int_equal(file(f, "streetlight_outage", "Rosenvej", "2", "P-117", "U1", &a),
	                 CASE_OK);
	assert_int_equal(file(f, "streetlight_outage", NULL, NULL, "p-117", "U2", &b), CASE_OK);
	assert_int_equal(b.existing, 1);
	assert_string_equal(b.reference, a.reference);
}

static void location_within_metres_matches(void **state)
{
	struct fixture *f = *state;
	struct case_report r = {.category = "road_damage",
	                        .has_location = 1,
	                        .lat = 55.6761,
	                        .lon = 12.5683,
	                        .source = "messenger",
	                        .page_id = "100",
	                        .psid = "U1"};
	struct case_result a, b, c;
	char err[200];
	assert_int_equal(case_file(f->db, f->rules, &r, &a, err, sizeof(err)), CASE_OK);
	r.lat += 0.0003; /* ~33 m north */
	r.psid = "U2";
	assert_int_equal(case_file(f->db, f->rules, &r, &b, err, sizeof(err)), CASE_OK);
	assert_int_equal(b.existing, 1);
	r.lat += 0.01; /* ~1 km */
	r.psid = "U3";
	assert_int_equal(case_file(f->db, f->rules, &r, &c, err, sizeof(err)), CASE_OK);
	assert_int_equal(c.existing, 0);
}

static void closed_case_is_not_a_duplicate(void **state)
{
	struct fixture *f = *state;
	struct case_result a, b;
	struct case_status_change ch;
	char err[200];
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "12", NULL, "U1", &a), CASE_OK);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "resolved", NULL, "test",
	                                 NOON, &ch, err, sizeof(err)),
	                 CASE_OK);
	case_status_change_free(&ch);
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "12", NULL, "U2", &b), CASE_OK);
	assert_int_equal(b.existing, 0);
	assert_string_not_equal(a.reference, b.reference);
}

static void resolving_notifies_reporter_and_followers(void **state)
{
	struct fixture *f = *state;
	struct case_result a, b;
	struct case_status_change ch;
	char err[200];
	citizen(f, "U1", NOON - HOUR);      /* wrote an hour ago: inside the window */
	citizen(f, "U2", NOON - 30 * HOUR); /* outside the window */
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "12", NULL, "U1", &a), CASE_OK);
	assert_int_equal(file(f, "streetlight_outage", "Duevej", "14", NULL, "U2", &b), CASE_OK);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "resolved", "Ny pære",
	                                 "vejogpark", NOON, &ch, err, sizeof(err)),
	                 CASE_OK);
	assert_int_equal(ch.nrecipients, 2);
	assert_string_equal(ch.recipients[0].psid, "U1");
	assert_int_equal(ch.recipients[0].in_window, 1);
	assert_string_equal(ch.recipients[1].psid, "U2");
	assert_int_equal(ch.recipients[1].in_window, 0);
	assert_string_equal(ch.text, "Godt nyt: Gadelyset på Duevej 12 er repareret (sag "
	                             "TM-2026-00001). Tak fordi du sagde til!");
	case_status_change_free(&ch);

	struct case_notice *v;
	size_t n;
	assert_int_equal(case_notices_within_window(f->db, NOON, 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].psid, "U1");
	assert_string_equal(v[0].reference, "TM-2026-00001");
	assert_int_equal(case_notice_delivered(f->db, v[0].id, NOON), 0);
	case_notices_free(v, n);
	assert_int_equal(case_notices_within_window(f->db, NOON, 10, &v, &n), 0);
	assert_int_equal(n, 0);
	case_notices_free(v, n);

	/* U2 writes two days later: the notice waits for them */
	assert_int_equal(case_notices_due_for(f->db, "100", "U2", 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].text, "Gadelyset på Duevej 12 er repareret"));
	assert_int_equal(case_notice_delivered(f->db, v[0].id, NOON + 48 * HOUR), 0);
	case_notices_free(v, n);
	assert_int_equal(case_notices_due_for(f->db, "100", "U2", 10, &v, &n), 0);
	assert_int_equal(n, 0);
	case_notices_free(v, n);
}

static void status_errors(void **state)
{
	struct fixture *f = *state;
	struct case_result a;
	struct case_status_change ch;
	char err[200];
	assert_int_equal(file(f, "road_damage", "Rosenvej", "1", NULL, "U1", &a), CASE_OK);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "fixed", NULL, NULL, 0, &ch,
	                                 err, sizeof(err)),
	                 CASE_INVALID);
	assert_int_equal(case_set_status(f->db, f->rules, "TM-2026-99999", "resolved", NULL, NULL,
	                                 0, &ch, err, sizeof(err)),
	                 CASE_NOT_FOUND);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "open", NULL, NULL, 0, &ch,
	                                 err, sizeof(err)),
	                 CASE_CONFLICT);
	case_status_change_free(&ch);
	/* in_progress makes no notice; rejected does, with the note */
	citizen(f, "U1", NOON);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "in_progress", NULL, "x",
	                                 NOON, &ch, err, sizeof(err)),
	                 CASE_OK);
	assert_int_equal(ch.nrecipients, 0);
	case_status_change_free(&ch);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "rejected",
	                                 "Vejen er privat fællesvej", "x", NOON, &ch, err,
	                                 sizeof(err)),
	                 CASE_OK);
	assert_int_equal(ch.nrecipients, 1);
	assert_non_null(strstr(ch.text, "vejen på Rosenvej 1 (sag TM-2026-00001) og har lukket "
	                                "sagen: Vejen er privat fællesvej."));
	case_status_change_free(&ch);
}

static void invalid_reports_are_refused(void **state)
{
	struct fixture *f = *state;
	struct case_result a;
	char err[200], long_street[300];
	memset(long_street, 'x', sizeof(long_street) - 1);
	long_street[sizeof(long_street) - 1] = '\0';
	assert_int_equal(file(f, "graffiti", "Duevej", NULL, NULL, "U1", &a), CASE_INVALID);
	assert_int_equal(file(f, "road_damage", long_street, NULL, NULL, "U1", &a), CASE_INVALID);
	struct case_report r = {.category = "road_damage", .photos_json = "{\"not\":\"array\"}"};
	assert_int_equal(case_file(f->db, f->rules, &r, &a, err, sizeof(err)), CASE_INVALID);
	r.photos_json = NULL;
	r.has_location = 1;
	r.lat = 91;
	assert_int_equal(case_file(f->db, f->rules, &r, &a, err, sizeof(err)), CASE_INVALID);
}

static void long_words_are_cut_on_a_character_boundary(void **state)
{
	struct fixture *f = *state;
	size_t n = CASE_MAX_TEXT + 101; /* odd: pairs of æ, then one x */
	char *text = malloc(n + 1);
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(text + i, "\xc3\xa6", 2); /* æ */
	text[n - 1] = 'x';
	text[n] = '\0';
	struct case_report r = {.category = "road_damage", .street = "Violvej", .text = text};
	struct case_result a;
	char err[200];
	assert_int_equal(case_file(f->db, f->rules, &r, &a, err, sizeof(err)), CASE_OK);
	struct case_row row;
	assert_int_equal(case_get(f->db, a.reference, &row), 1);
	assert_true(strlen(row.description) <= CASE_MAX_TEXT);
	assert_int_equal(strlen(row.description) % 2, 0);
	case_row_clear(&row);
	free(text);
}

static void not_a_fault_depends_on_copenhagen_time(void **state)
{
	struct fixture *f = *state;
	/* 2026-11-24 02:30 in Copenhagen = 01:30Z */
	long long night = NOON - 10 * HOUR - HOUR / 2;
	assert_non_null(
	    case_not_a_fault(f->rules, "streetlight_outage", "Industrivej", NULL, "da", night));
	assert_non_null(case_not_a_fault(f->rules, "streetlight_outage", "Møllevej", "Møllebakken",
	                                 "da", night));
	assert_null(
	    case_not_a_fault(f->rules, "streetlight_outage", "Industrivej", NULL, "da", NOON));
	/* the English explanation for an English message */
	const char *en =
	    case_not_a_fault(f->rules, "streetlight_outage", "Industrivej", NULL, "en", night);
	assert_non_null(en);
	assert_non_null(strstr(en, "switched off between 1 and 5 at night"));
	assert_null(case_not_a_fault(f->rules, "streetlight_outage", "Duevej", NULL, "da", night));
	assert_null(case_not_a_fault(f->rules, "road_damage", "Industrivej", NULL, "da", night));
	/* 00:30Z = 01:30 Copenhagen in winter */
	assert_non_null(case_not_a_fault(f->rules, "streetlight_outage", "Industrivej", NULL, "da",
	                                 NOON - 11 * HOUR - HOUR / 2));
	/* 04:30Z = 05:30 Copenhagen: lights are back on */
	assert_null(case_not_a_fault(f->rules, "streetlight_outage", "Industrivej", NULL, "da",
	                             NOON - 7 * HOUR - HOUR / 2));
}

static int count_row(void *arg, const struct case_row *row)
{
	(void)row;
	++*(int *)arg;
	return 0;
}

static void list_filters(void **state)
{
	struct fixture *f = *state;
	struct case_result a;
	struct case_status_change ch;
	char err[200];
	file(f, "streetlight_outage", "Duevej", "1", NULL, "U1", &a);
	file(f, "road_damage", "Rosenvej", "1", NULL, "U1", &a);
	file(f, "road_damage", "Violvej", "1", NULL, "U1", &a);
	assert_int_equal(case_set_status(f->db, f->rules, a.reference, "resolved", NULL, NULL, NOON,
	                                 &ch, err, sizeof(err)),
	                 CASE_OK);
	case_status_change_free(&ch);
	int n = 0;
	struct case_filter flt = {.category = "road_damage"};
	assert_int_equal(case_list(f->db, &flt, count_row, &n), 2);
	flt.status_mask = CASE_STATUS_OPEN;
	n = 0;
	assert_int_equal(case_list(f->db, &flt, count_row, &n), 1);
	struct case_filter refs = {.references = ",TM-2026-00001,TM-2026-00003,"};
	n = 0;
	assert_int_equal(case_list(f->db, &refs, count_row, &n), 2);
	struct case_filter street = {.street = "rosenvej"};
	n = 0;
	assert_int_equal(case_list(f->db, &street, count_row, &n), 1);
}

static void drafts_wait_for_the_place(void **state)
{
	struct fixture *f = *state;
	struct case_draft d;
	assert_int_equal(case_draft_take(f->db, "100", "U1", HOUR, NOON, &d), 0);
	assert_int_equal(case_draft_save(f->db, "100", "U1", "road_damage", "Hul i vejen", NULL,
	                                 NOON - 2 * HOUR),
	                 0);
	assert_int_equal(case_draft_save(f->db, "100", "U1", "streetlight_outage", "Mørkt!",
	                                 "[\"https://x/y.jpg\"]", NOON - HOUR / 2),
	                 0); /* replaces the first */
	assert_int_equal(case_draft_take(f->db, "100", "U1", HOUR, NOON, &d), 1);
	assert_string_equal(d.category, "streetlight_outage");
	assert_string_equal(d.text, "Mørkt!");
	assert_string_equal(d.photos_json, "[\"https://x/y.jpg\"]");
	case_draft_clear(&d);
	assert_int_equal(case_draft_take(f->db, "100", "U1", HOUR, NOON, &d), 0); /* taken */
	/* too old: dropped */
	assert_int_equal(
	    case_draft_save(f->db, "100", "U2", "road_damage", NULL, NULL, NOON - 3 * HOUR), 0);
	assert_int_equal(case_draft_take(f->db, "100", "U2", HOUR, NOON, &d), 0);
	assert_int_equal(case_draft_take(f->db, "100", "U2", 10 * HOUR, NOON, &d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(references_are_sequential_and_routed, setup, teardown),
	    cmocka_unit_test_setup_teardown(nearby_report_follows_far_one_is_new, setup, teardown),
	    cmocka_unit_test_setup_teardown(same_pole_matches_across_streets, setup, teardown),
	    cmocka_unit_test_setup_teardown(location_within_metres_matches, setup, teardown),
	    cmocka_unit_test_setup_teardown(closed_case_is_not_a_duplicate, setup, teardown),
	    cmocka_unit_test_setup_teardown(resolving_notifies_reporter_and_followers, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(status_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(invalid_reports_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(long_words_are_cut_on_a_character_boundary, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(not_a_fault_depends_on_copenhagen_time, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(list_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(drafts_wait_for_the_place, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
