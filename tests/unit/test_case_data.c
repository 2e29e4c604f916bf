/*
 * test_case_data.c - the municipality's data files and what is built from
 * them: broken files named by FILE:LINE, Copenhagen time and ISO 8601, the
 * winter plan's answers and gritting runs, and the routine content answers.
 * (The reader itself, with hostile input, is tested in test_datafile.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "domain/case.h"
#include "domain/content.h"
#include "domain/content_data.h"
#include "domain/street_register.h"
#include "store/db.h"
#include "domain/winter.h"

#define DEMO BORGERBOT_SOURCE_DIR "/municipality"
#define NOON 1795521600000LL /* 2026-11-24T12:00:00Z */
#define HOUR 3600000LL

static char dir[64];

static void write_file(const char *name, const char *data, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void put(const char *name, const char *text)
{
	write_file(name, text, strlen(text));
}

/* A copy of the demo municipality in a temporary folder, to break file by file. */
static int setup(void **state)
{
	(void)state;
	static const char *const files[] = {
	    "municipality.txt", "waste.csv",   "categories.csv",     "cases.txt",
	    "not_a_fault.csv",  "streets.csv", "winter_classes.csv", "winter.txt"};
	strcpy(dir, "/tmp/borgerbot-test-data-XXXXXX");
	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char src[512], buf[65536];
		snprintf(src, sizeof(src), "%s/%s", DEMO, files[i]);
		FILE *f = fopen(src, "rb");
		assert_non_null(f);
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		write_file(files[i], buf, n);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void copenhagen_time_and_iso8601(void **state)
{
	(void)state;
	struct tm tm;
	assert_int_equal(content_cph_time(NOON, &tm), 3600);
	assert_int_equal(tm.tm_hour, 13);
	/* 2026-07-01T12:00Z is summer time */
	assert_int_equal(content_cph_time(1782907200000LL, &tm), 7200);
	assert_int_equal(tm.tm_hour, 14);
	/* summer time starts 2026-03-29 01:00Z and ends 2026-10-25 01:00Z */
	assert_int_equal(content_cph_time(1774745999000LL, &tm), 3600);
	assert_int_equal(content_cph_time(1774746000000LL, &tm), 7200);
	assert_int_equal(content_cph_time(1792890000000LL - 1000, &tm), 7200);
	assert_int_equal(content_cph_time(1792890000000LL, &tm), 3600);
	char buf[40];
	content_iso8601(NOON, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-24T13:00:00+01:00");
	long long ms;
	assert_int_equal(content_parse_iso8601("2026-11-24T12:00:00Z", &ms), 0);
	assert_true(ms == NOON);
	assert_int_equal(content_parse_iso8601("2026-11-24T13:00:00+01:00", &ms), 0);
	assert_true(ms == NOON);
	assert_int_equal(content_parse_iso8601("2026-11-24T13:00", &ms), 0); /* local */
	assert_true(ms == NOON);
	assert_int_equal(content_parse_iso8601("2026-11-24T12:00:00.123Z", &ms), 0);
	assert_int_equal(content_parse_iso8601("2026-11-24", &ms), 0);
	const char *bad[] = {"",
	                     "yesterday",
	                     "2026-02-31T00:00Z",
	                     "2026-13-01",
	                     "2026-11-24T25:00Z",
	                     "2026-11-24T12:00:00+99:00",
	                     "2026-11-24T12:00:00Zjunk",
	                     "12:00",
	                     "2026-11-24T12:00:00+01:00:00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(content_parse_iso8601(bad[i], &ms), -1);
}

static void demo_rules_load_and_broken_files_are_named(void **state)
{
	(void)state;
	char err[300];
	struct case_rules *r = case_rules_load(dir, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(case_rules_find(r, "streetlight_outage")->department, "Vej og Park");
	assert_string_equal(case_rules_find(r, "waste_collection")->department,
	                    "Affald og Genbrug");
	assert_int_equal(case_rules_find(r, "streetlight_outage")->pole_number, 1);
	case_rules_free(r);

	put("not_a_fault.csv", "category,place,from,to,explanation\n"
	                       "streetlight_outage,Duevej,1am,05:00,x\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not_a_fault.csv:2: from and to must be times"));
	put("not_a_fault.csv",
	    "category,place,from,to,explanation\ngraffiti,Duevej,01:00,05:00,x\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not_a_fault.csv:2: unknown category 'graffiti'"));
	put("cases.txt", "reference_prefix: tm\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "cases.txt:1: reference_prefix must be capital letters"));
	put("cases.txt", "duplicate_house_distance: -3\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	put("cases.txt", "colour: blue\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "cases.txt:1: unknown setting 'colour'"));
	put("cases.txt", "\n");
	put("categories.csv",
	    "category,department,name,description,pole_number,subject,resolved_text\n"
	    "Street Light,Vej og Park,G,d,yes,s,r\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "categories.csv:2: category 'Street Light' must be"));
	put("categories.csv",
	    "category,department,name,description,pole_number,subject,resolved_text\n"
	    "a,D,G,d,maybe,s,r\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: pole_number must be yes or no"));
	put("categories.csv",
	    "category,department,name,description,pole_number,subject,resolved_text\n"
	    "a,D,G,d,no,s,r\na,D,G,d,no,s,r\n");
	assert_null(case_rules_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: category 'a' is listed twice"));
}

#define HEADER "street,abbreviation,area,winter_class,route\n"

/* The winter plan of dir with the streets of dir/streets.csv: rows read, or -1 (err). */
static int read_plan_streets(char *err, size_t errlen)
{
	char path[128];
	struct winter_plan *w = winter_load(dir, err, errlen);
	assert_non_null(w);
	snprintf(path, sizeof(path), "%s/streets.csv", dir);
	int n = street_register_read(path, NULL, w, err, errlen);
	winter_free(w);
	return n;
}

/* The demo municipality's winter plan, streets included (as `borgerbot serve` loads it). */
static struct winter_plan *demo_plan(void)
{
	char err[300];
	struct winter_plan *w = winter_load(DEMO, err, sizeof(err));
	assert_non_null(w);
	assert_true(street_register_read(DEMO "/streets.csv", NULL, w, err, sizeof(err)) > 0);
	return w;
}

static void winter_plan_broken_files_are_named(void **state)
{
	(void)state;
	char err[300];
	put("streets.csv", HEADER "Duevej,,Fuglekvarteret,Z,Rute 4\n");
	assert_int_equal(read_plan_streets(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "streets.csv:2: unknown winter_class 'Z'"));
	put("streets.csv", HEADER "Duevej,,F,C,R\nduevej,,F,C,R\n");
	assert_int_equal(read_plan_streets(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "streets.csv:3: street 'duevej' is listed twice"));
	put("streets.csv", HEADER "Duevej,,,C,R\n");
	assert_int_equal(read_plan_streets(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "streets.csv:2: area must be"));
	put("streets.csv", HEADER "Duevej,,F,C,\n");
	assert_int_equal(read_plan_streets(err, sizeof(err)), -1);
	assert_non_null(strstr(err, "streets.csv:2: route must be"));
	put("streets.csv", "street,area,winter_class,route\nDuevej,F,C,R\n"); /* the old format */
	assert_int_equal(read_plan_streets(err, sizeof(err)), -1);
	assert_non_null(strstr(
	    err, "streets.csv:1: header must be 'street,abbreviation,area,winter_class,route'"));
	/* outside the plan: in the register, not in the plan */
	put("streets.csv", HEADER "Egeskovvej,,,,\nDuevej,,F,C,R\n");
	assert_int_equal(read_plan_streets(err, sizeof(err)), 2);
	put("streets.csv", HEADER);
	put("winter.txt", "paths: x\n");
	assert_null(winter_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "pavement_rule and paths are required"));
	put("winter.txt", "pavement_rule x\n");
	assert_null(winter_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "winter.txt:1: expected 'key: value'"));
}

static sqlite3 *memdb(void)
{
	char err[300];
	sqlite3 *db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	return db;
}

static void winter_answers_street_area_and_general(void **state)
{
	(void)state;
	char buf[2000];
	struct winter_plan *w = demo_plan();
	sqlite3 *db = memdb();
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, "da", NOON, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_non_null(strstr(buf, "Duevej er i klasse C i vores vinterplan (boligveje): ryddes"));
	assert_non_null(strstr(buf, "grundejere selv skal rydde sne"));
	assert_null(strstr(buf, "senest saltet"));

	assert_int_equal(
	    winter_answer(w, db, NULL, "blomsterkvarteret", "da", NOON, buf, sizeof(buf)),
	    WINTER_AREA);
	assert_non_null(strstr(buf, "Rosenvej og Tulipanvej: klasse B"));
	assert_non_null(strstr(buf, "Liljevej, Nellikevej, Violvej og Valmuevej: klasse C"));
	assert_non_null(strstr(buf, "Stier og cykelstier"));

	assert_int_equal(
	    winter_answer(w, db, "Egeskovvej", "Blomsterkvarteret", "da", NOON, buf, sizeof(buf)),
	    WINTER_NOT_IN_PLAN);
	assert_string_equal(buf, "");
	assert_int_equal(winter_answer(w, db, NULL, "Atlantis", "da", NOON, buf, sizeof(buf)),
	                 WINTER_NOT_IN_PLAN);
	assert_int_equal(winter_answer(w, db, NULL, NULL, "da", NOON, buf, sizeof(buf)),
	                 WINTER_GENERAL);
	assert_non_null(strstr(buf, "Klasse A"));
	/* a tiny buffer is cut, never overrun */
	char small[16];
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, "da", NOON, small, sizeof(small)),
	                 WINTER_STREET);
	assert_int_equal(strlen(small), 15);
	sqlite3_close(db);
	winter_free(w);
}

static void gritting_runs_show_in_answers_for_24_hours(void **state)
{
	(void)state;
	char err[300], buf[2000];
	struct winter_plan *w = demo_plan();
	sqlite3 *db = memdb();
	int bad;
	long long now = clock_now_ms();
	/* Rute 4 covers Duevej; class B covers Rosenvej */
	assert_true(winter_record_run(w, db, "rute 4", NULL, now - 3 * HOUR, now - 2 * HOUR, "t",
	                              &bad, err, sizeof(err)) > 0);
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, "da", now, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_non_null(strstr(buf, "Vejen blev senest saltet"));
	assert_int_equal(winter_answer(w, db, "Rosenvej", NULL, "da", now, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_null(strstr(buf, "senest saltet"));
	/* the run ended 2 hours before now: shown until now + 22 hours */
	assert_int_equal(
	    winter_answer(w, db, "Duevej", NULL, "da", now + 21 * HOUR, buf, sizeof(buf)),
	    WINTER_STREET);
	assert_non_null(strstr(buf, "senest saltet"));
	assert_int_equal(
	    winter_answer(w, db, "Duevej", NULL, "da", now + 23 * HOUR, buf, sizeof(buf)),
	    WINTER_STREET);
	assert_null(strstr(buf, "senest saltet"));
	assert_true(
	    winter_record_run(w, db, NULL, "b", now - HOUR, now, "t", &bad, err, sizeof(err)) > 0);
	assert_int_equal(
	    winter_answer(w, db, NULL, "Blomsterkvarteret", "da", now, buf, sizeof(buf)),
	    WINTER_AREA);
	assert_non_null(strstr(buf, "Der blev senest saltet i området i dag"));

	/* invalid runs */
	assert_int_equal(
	    winter_record_run(w, db, "Rute 99", NULL, now - HOUR, now, "t", &bad, err, sizeof(err)),
	    -1);
	assert_int_equal(bad, 1);
	assert_non_null(strstr(err, "not in the winter plan"));
	assert_int_equal(
	    winter_record_run(w, db, "Rute 4", "A", now - HOUR, now, "t", &bad, err, sizeof(err)),
	    -1);
	assert_int_equal(
	    winter_record_run(w, db, NULL, NULL, now - HOUR, now, "t", &bad, err, sizeof(err)), -1);
	assert_int_equal(
	    winter_record_run(w, db, "Rute 4", NULL, now, now - HOUR, "t", &bad, err, sizeof(err)),
	    -1);
	assert_int_equal(winter_record_run(w, db, "Rute 4", NULL, now - 30 * HOUR, now, "t", &bad,
	                                   err, sizeof(err)),
	                 -1);
	assert_int_equal(winter_record_run(w, db, "Rute 4", NULL, now, now + 2 * HOUR, "t", &bad,
	                                   err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "future"));
	sqlite3_close(db);
	winter_free(w);
}

static void content_answers(void **state)
{
	(void)state;
	char err[300], buf[2000];
	struct content *c = content_load(DEMO, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(content_waste_answer(c, "Blomsterkvarteret", "da", buf, sizeof(buf)),
	                 CONTENT_ANSWERED);
	assert_non_null(strstr(buf, "I Blomsterkvarteret henter vi restaffald og madaffald hver "
	                            "tirsdag"));
	assert_int_equal(content_waste_answer(c, NULL, "da", buf, sizeof(buf)), CONTENT_NEED_AREA);
	assert_non_null(strstr(buf, "Skriv din adresse"));
	assert_int_equal(content_topic_of("Hvornår har genbrugspladsen åbent?"),
	                 CONTENT_TOPIC_RECYCLING);
	assert_int_equal(content_topic_of("Hvornår kan jeg hente mit pas i Borgerservice?"),
	                 CONTENT_TOPIC_CITIZEN_SERVICE);
	content_opening_hours_answer(c, CONTENT_TOPIC_RECYCLING, "da", buf, sizeof(buf));
	assert_non_null(strstr(buf, "Solbjerg Genbrugsplads, Industrivej 12 har åbent"));
	assert_null(strstr(buf, "Borgerservice"));
	content_opening_hours_answer(c, CONTENT_TOPIC_ALL, "da", buf, sizeof(buf));
	assert_non_null(strstr(buf, "Borgerservice på Rådhuset"));
	assert_non_null(strstr(buf, "70 20 30 40"));
	assert_string_equal(content_get(c, "jurisdiction_id"), "solbjerg.example");
	content_free(c);

	put("municipality.txt", "name: X\nphone: 1\nemail: e\naddress: a\nopening: 9-5\n");
	assert_null(content_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "municipality.txt:5: unknown setting 'opening'"));
	put("municipality.txt", "name: X\n");
	assert_null(content_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "'phone' is required"));
}

/* English answers: English frames and the files' English texts; a file
 * without English columns still loads, and its Danish texts fill in. */
static void answers_in_english(void **state)
{
	(void)state;
	char err[300], buf[2000];
	struct winter_plan *w = demo_plan();
	sqlite3 *db = memdb();
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, "en", NOON, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_non_null(strstr(buf, "Duevej is in class C of our winter plan (residential roads): "
	                            "cleared and salted on weekdays"));
	assert_non_null(strstr(buf, "property owners must clear snow"));
	assert_null(strstr(buf, "klasse"));
	assert_int_equal(
	    winter_answer(w, db, NULL, "Blomsterkvarteret", "en", NOON, buf, sizeof(buf)),
	    WINTER_AREA);
	assert_non_null(strstr(buf, "Rosenvej and Tulipanvej: class B (distributor roads)"));
	assert_non_null(strstr(buf, "Paths and cycle paths"));
	assert_int_equal(winter_answer(w, db, NULL, NULL, "en", NOON, buf, sizeof(buf)),
	                 WINTER_GENERAL);
	assert_non_null(strstr(buf, "Our winter plan puts the roads in 4 classes"));
	assert_non_null(strstr(buf, "Write the name of your street"));
	sqlite3_close(db);
	winter_free(w);

	struct content *c = content_load(dir, err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(content_waste_answer(c, "Fuglekvarteret", "en", buf, sizeof(buf)),
	                 CONTENT_ANSWERED);
	assert_non_null(strstr(buf, "In Fuglekvarteret we collect residual and food waste every "
	                            "Wednesday, paper, plastic and metal on Fridays in odd weeks"));
	assert_int_equal(content_waste_answer(c, NULL, "en", buf, sizeof(buf)), CONTENT_NEED_AREA);
	assert_non_null(strstr(buf, "Write your address"));
	assert_int_equal(content_topic_of("when is the recycling centre open?"),
	                 CONTENT_TOPIC_RECYCLING);
	content_opening_hours_answer(c, CONTENT_TOPIC_ALL, "en", buf, sizeof(buf));
	assert_non_null(strstr(buf, "Citizen Service at the Town Hall (Rådhuspladsen 1, 4990 "
	                            "Solbjerg) is open Monday–Wednesday 10–15"));
	assert_non_null(strstr(buf, "You can call 70 20 30 40 Monday–Thursday"));
	assert_non_null(strstr(buf, "Solbjerg Recycling Centre, Industrivej 12 is open every day"));
	content_free(c);

	struct case_rules *r = case_rules_load(dir, err, sizeof(err));
	assert_non_null(r);
	assert_string_equal(case_rules_find(r, "streetlight_outage")->subject_en,
	                    "the street light on {street}");
	case_rules_free(r);

	/* files without the English columns: Danish texts in the English frame */
	put("waste.csv", "area,residual,recycling,bulky\nFuglekvarteret,hver onsdag,x,y\n");
	put("categories.csv",
	    "category,department,name,description,pole_number,subject,"
	    "resolved_text\nroad_damage,Vej og Park,Vej,Huller,no,vejen,udbedret\n");
	put("not_a_fault.csv", "category,place,from,to,explanation\n");
	assert_non_null(c = content_load(dir, err, sizeof(err)));
	content_waste_answer(c, "Fuglekvarteret", "en", buf, sizeof(buf));
	assert_non_null(
	    strstr(buf, "In Fuglekvarteret we collect residual and food waste hver onsdag"));
	content_free(c);
	assert_non_null(r = case_rules_load(dir, err, sizeof(err)));
	assert_null(case_rules_find(r, "road_damage")->subject_en);
	case_rules_free(r);
	/* an oversized English text is refused like a Danish one */
	char big[400];
	memset(big, 'x', 300);
	big[300] = '\0';
	char file[600];
	snprintf(file, sizeof(file),
	         "area,residual,recycling,bulky,residual_en,recycling_en,bulky_en\n"
	         "Fuglekvarteret,a,b,c,%s,,\n",
	         big);
	put("waste.csv", file);
	assert_null(content_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "waste.csv:2: residual_en"));
	/* an English column in the wrong place is refused, named */
	put("waste.csv", "area,residual,recycling,bulky,bulky_en\n");
	assert_null(content_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "waste.csv:1: header must be 'area,residual,recycling,bulky["));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(copenhagen_time_and_iso8601),
	    cmocka_unit_test_setup_teardown(demo_rules_load_and_broken_files_are_named, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(winter_plan_broken_files_are_named, setup, teardown),
	    cmocka_unit_test(winter_answers_street_area_and_general),
	    cmocka_unit_test(gritting_runs_show_in_answers_for_24_hours),
	    cmocka_unit_test_setup_teardown(content_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(answers_in_english, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
