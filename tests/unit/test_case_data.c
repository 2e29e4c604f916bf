/*
 * test_case_data.c - the municipality's data files and what is built from
 * them: the CSV and key/value readers with malformed and hostile input
 * (errors name FILE:LINE), Copenhagen time and ISO 8601, the winter plan's
 * answers and gritting runs, and the routine content answers.
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

#include "domain/case.h"
#include "domain/content.h"
#include "domain/content_data.h"
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

/* A content_row_fn: its why is writable by type, though this one never fails. */
/* NOLINTNEXTLINE(readability-non-const-parameter) */
static int count_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	(void)f;
	(void)n;
	(void)why;
	(void)whylen;
	++*(int *)arg;
	return 0;
}

static int csv(const char *text, char *err, size_t errlen)
{
	static const char *const header[] = {"a", "b"};
	put("t.csv", text);
	char path[128];
	int rows = 0;
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	return content_csv_read(path, header, 2, count_row, &rows, err, errlen);
}

static void csv_reader_accepts_quotes_comments_bom_crlf(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(csv("\xEF\xBB\xBF# comment\r\nA,B\r\n\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n"
	                     "  plain , æøå \n",
	                     err, sizeof(err)),
	                 2);
}

static void csv_reader_names_file_and_line(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(csv("a,b\n1,2\n1,2,3\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.csv:3: expected 2 fields, found 3"));
	assert_int_equal(csv("a,b\n\"open,2\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.csv:2: unterminated quote"));
	assert_int_equal(csv("a,b\nx\"y,2\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: quote inside an unquoted field"));
	assert_int_equal(csv("b,a\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: header must be 'a,b"));
	assert_int_equal(csv("", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing header"));
	assert_int_equal(csv("a,b\n1,2,3,4,5,6,7,8,9,10\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: too many fields"));
}

static void csv_reader_refuses_hostile_bytes(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(csv("a,b\n\xff\xfe,2\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: not valid UTF-8"));
	assert_int_equal(csv("a,b\n\xc0\xaf,2\n", err, sizeof(err)), -1); /* overlong "/" */
	assert_int_equal(csv("a,b\nx\x1b[31m,2\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: control character"));
	write_file("t.csv", "a,b\nx\0y,2\n", 10);
	char path[128];
	int rows = 0;
	static const char *const header[] = {"a", "b"};
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	assert_int_equal(content_csv_read(path, header, 2, count_row, &rows, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: control character"));
	/* a line over the limit, and a file over the limit */
	size_t big = CONTENT_MAX_FILE + 10;
	char *text = malloc(big + 1);
	memset(text, 'x', big);
	memcpy(text, "a,b\n", 4);
	text[big] = '\0';
	assert_int_equal(csv(text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file too large"));
	text[CONTENT_MAX_LINE + 100] = '\0';
	assert_int_equal(csv(text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line too long"));
	free(text);
	assert_int_equal(
	    content_csv_read("/nonexistent/x.csv", header, 2, count_row, &rows, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "/nonexistent/x.csv"));
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

static void winter_plan_broken_files_are_named(void **state)
{
	(void)state;
	char err[300];
	put("streets.csv", "street,area,winter_class,route\nDuevej,Fuglekvarteret,Z,Rute 4\n");
	assert_null(winter_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "streets.csv:2: unknown winter_class 'Z'"));
	put("streets.csv", "street,area,winter_class,route\nDuevej,F,C,R\nduevej,F,C,R\n");
	assert_null(winter_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "streets.csv:3: street 'duevej' is listed twice"));
	put("streets.csv", "street,area,winter_class,route\nDuevej,,C,R\n");
	assert_null(winter_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "streets.csv:2: area must be"));
	put("streets.csv", "street,area,winter_class,route\n");
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
	char err[300], buf[2000];
	struct winter_plan *w = winter_load(DEMO, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	sqlite3 *db = memdb();
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, NOON, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_non_null(strstr(buf, "Duevej er i klasse C i vores vinterplan (boligveje): ryddes"));
	assert_non_null(strstr(buf, "grundejere selv skal rydde sne"));
	assert_null(strstr(buf, "senest saltet"));

	assert_int_equal(winter_answer(w, db, NULL, "blomsterkvarteret", NOON, buf, sizeof(buf)),
	                 WINTER_AREA);
	assert_non_null(strstr(buf, "Rosenvej og Tulipanvej: klasse B"));
	assert_non_null(strstr(buf, "Liljevej, Nellikevej, Violvej og Valmuevej: klasse C"));
	assert_non_null(strstr(buf, "Stier og cykelstier"));

	assert_int_equal(
	    winter_answer(w, db, "Egeskovvej", "Blomsterkvarteret", NOON, buf, sizeof(buf)),
	    WINTER_NOT_IN_PLAN);
	assert_string_equal(buf, "");
	assert_int_equal(winter_answer(w, db, NULL, "Atlantis", NOON, buf, sizeof(buf)),
	                 WINTER_NOT_IN_PLAN);
	assert_int_equal(winter_answer(w, db, NULL, NULL, NOON, buf, sizeof(buf)), WINTER_GENERAL);
	assert_non_null(strstr(buf, "Klasse A"));
	/* a tiny buffer is cut, never overrun */
	char small[16];
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, NOON, small, sizeof(small)),
	                 WINTER_STREET);
	assert_int_equal(strlen(small), 15);
	sqlite3_close(db);
	winter_free(w);
}

static void gritting_runs_show_in_answers_for_24_hours(void **state)
{
	(void)state;
	char err[300], buf[2000];
	struct winter_plan *w = winter_load(DEMO, err, sizeof(err));
	sqlite3 *db = memdb();
	int bad;
	long long now = db_now_ms();
	/* Rute 4 covers Duevej; class B covers Rosenvej */
	assert_true(winter_record_run(w, db, "rute 4", NULL, now - 3 * HOUR, now - 2 * HOUR, "t",
	                              &bad, err, sizeof(err)) > 0);
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, now, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_non_null(strstr(buf, "Vejen blev senest saltet"));
	assert_int_equal(winter_answer(w, db, "Rosenvej", NULL, now, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_null(strstr(buf, "senest saltet"));
	/* the run ended 2 hours before now: shown until now + 22 hours */
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, now + 21 * HOUR, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_non_null(strstr(buf, "senest saltet"));
	assert_int_equal(winter_answer(w, db, "Duevej", NULL, now + 23 * HOUR, buf, sizeof(buf)),
	                 WINTER_STREET);
	assert_null(strstr(buf, "senest saltet"));
	assert_true(
	    winter_record_run(w, db, NULL, "b", now - HOUR, now, "t", &bad, err, sizeof(err)) > 0);
	assert_int_equal(winter_answer(w, db, NULL, "Blomsterkvarteret", now, buf, sizeof(buf)),
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
	assert_int_equal(content_waste_answer(c, "Blomsterkvarteret", buf, sizeof(buf)),
	                 CONTENT_ANSWERED);
	assert_non_null(strstr(buf, "I Blomsterkvarteret henter vi restaffald og madaffald hver "
	                            "tirsdag"));
	assert_int_equal(content_waste_answer(c, NULL, buf, sizeof(buf)), CONTENT_NEED_AREA);
	assert_non_null(strstr(buf, "Skriv din adresse"));
	assert_int_equal(content_topic_of("Hvornår har genbrugspladsen åbent?"),
	                 CONTENT_TOPIC_RECYCLING);
	assert_int_equal(content_topic_of("Hvornår kan jeg hente mit pas i Borgerservice?"),
	                 CONTENT_TOPIC_CITIZEN_SERVICE);
	content_opening_hours_answer(c, CONTENT_TOPIC_RECYCLING, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Solbjerg Genbrugsplads, Industrivej 12 har åbent"));
	assert_null(strstr(buf, "Borgerservice"));
	content_opening_hours_answer(c, CONTENT_TOPIC_ALL, buf, sizeof(buf));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(csv_reader_accepts_quotes_comments_bom_crlf, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(csv_reader_names_file_and_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(csv_reader_refuses_hostile_bytes, setup, teardown),
	    cmocka_unit_test(copenhagen_time_and_iso8601),
	    cmocka_unit_test_setup_teardown(demo_rules_load_and_broken_files_are_named, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(winter_plan_broken_files_are_named, setup, teardown),
	    cmocka_unit_test(winter_answers_street_area_and_general),
	    cmocka_unit_test(gritting_runs_show_in_answers_for_24_hours),
	    cmocka_unit_test_setup_teardown(content_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
