/*
 * test_staffing.c - staffed hours, Danish public holidays and the Danish
 * "when" phrases, on the demo municipality's files and on broken ones.
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

#include "domain/content_data.h"
#include "domain/staffing.h"

#define MUNICIPALITY BORGERBOT_SOURCE_DIR "/municipality"

static long long at(const char *local)
{
	long long ms;
	assert_int_equal(content_parse_iso8601(local, &ms), 0);
	return ms;
}

static void holidays_are_computed(void **state)
{
	(void)state;
	struct staffing *s = NULL;
	/* Easter 2026 is 5 April; 2027 is 28 March */
	assert_true(staffing_is_closed_day(s, 2026, 4, 2));   /* skærtorsdag */
	assert_true(staffing_is_closed_day(s, 2026, 4, 3));   /* langfredag */
	assert_true(staffing_is_closed_day(s, 2026, 4, 6));   /* 2. påskedag */
	assert_true(staffing_is_closed_day(s, 2026, 5, 14));  /* Kristi himmelfart */
	assert_true(staffing_is_closed_day(s, 2026, 5, 25));  /* 2. pinsedag */
	assert_true(staffing_is_closed_day(s, 2027, 3, 29));  /* 2. påskedag 2027 */
	assert_true(staffing_is_closed_day(s, 2026, 12, 25)); /* juledag */
	assert_false(staffing_is_closed_day(s, 2026, 5, 1));  /* store bededag is gone (2024) */
	assert_false(staffing_is_closed_day(s, 2026, 4, 7));
	assert_false(staffing_is_closed_day(s, 2026, 12, 24)); /* only by closed_days.csv */
}

static void next_staffed_time(void **state)
{
	(void)state;
	char err[300];
	struct staffing *s = staffing_load(MUNICIPALITY, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(staffing_default_department(s), "Borgerservice");
	long long tue = at("2026-11-24T13:00");
	assert_true(staffing_next_open(s, "Borgerservice", tue) == tue); /* open now */
	/* Friday after 13:00 -> Monday 08:00 */
	assert_true(staffing_next_open(s, NULL, at("2026-11-27T14:00")) == at("2026-11-30T08:00"));
	/* Vej og Park has its own hours */
	assert_true(staffing_next_open(s, "Vej og Park", at("2026-11-24T06:00")) ==
	            at("2026-11-24T07:00"));
	/* a department without hours is staffed like Borgerservice */
	assert_true(staffing_next_open(s, "Affald og Genbrug", at("2026-11-24T06:00")) ==
	            at("2026-11-24T08:00"));
	/* Christmas: 24 (closed_days.csv), 25, 26 (Saturday), 27 (Sunday) -> Monday 28 */
	assert_true(staffing_next_open(s, NULL, at("2026-12-23T16:00")) == at("2026-12-28T08:00"));
	/* Easter across summer time: Wednesday 1 April 2026 16:00 -> Tuesday 7 April */
	assert_true(staffing_next_open(s, NULL, at("2026-04-01T16:00")) == at("2026-04-07T08:00"));
	long long first, resolve;
	staffing_targets(s, "Vej og Park", &first, &resolve);
	assert_true(first == 120LL * 60 * 1000 && resolve == 48LL * 3600 * 1000);
	staffing_targets(s, "Ukendt", &first, &resolve); /* falls back to the default */
	assert_true(first == 60LL * 60 * 1000);
	assert_true(staffing_has_department(s, "Vej og Park"));
	assert_false(staffing_has_department(s, "Ukendt"));
	staffing_free(s);
}

static void when_in_danish(void **state)
{
	(void)state;
	char buf[80];
	long long now = at("2026-11-27T14:00"); /* a Friday */
	staffing_when_text(now, at("2026-11-27T15:30"), "da", buf, sizeof(buf));
	assert_string_equal(buf, "i dag kl. 15.30");
	staffing_when_text(now, at("2026-11-28T08:00"), "da", buf, sizeof(buf));
	assert_string_equal(buf, "i morgen kl. 8.00");
	staffing_when_text(now, at("2026-11-30T08:00"), "da", buf, sizeof(buf));
	assert_string_equal(buf, "mandag kl. 8.00");
	staffing_when_text(now, at("2026-12-28T08:00"), "da", buf, sizeof(buf));
	assert_string_equal(buf, "mandag den 28. december kl. 8.00");
	/* the same times for an English message */
	staffing_when_text(now, at("2026-11-27T15:30"), "en", buf, sizeof(buf));
	assert_string_equal(buf, "today at 15:30");
	staffing_when_text(now, at("2026-11-28T08:00"), "en", buf, sizeof(buf));
	assert_string_equal(buf, "tomorrow at 8:00");
	staffing_when_text(now, at("2026-11-30T08:00"), "en", buf, sizeof(buf));
	assert_string_equal(buf, "on Monday at 8:00");
	staffing_when_text(now, at("2026-12-28T08:00"), "en", buf, sizeof(buf));
	assert_string_equal(buf, "on Monday 28 December at 8:00");
}

/* Writes name in a fresh folder and loads it; returns the loader's error. */
static const char *load_broken(const char *name, const char *content, char *err, size_t errlen)
{
	char dir[] = "/tmp/bb-staffing-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	struct staffing *s = staffing_load(dir, err, errlen);
	assert_null(s);
	unlink(path);
	rmdir(dir);
	return err;
}

static void broken_files_are_refused_with_the_line(void **state)
{
	(void)state;
	char err[300];
	static const char *const hours = "department,days,opens,closes\n";
	char buf[400];
	snprintf(buf, sizeof(buf), "%sBorgerservice,man-xyz,08:00,15:00\n", hours);
	assert_non_null(strstr(load_broken("staffed_hours.csv", buf, err, sizeof(err)), ":2:"));
	assert_non_null(strstr(err, "days"));
	snprintf(buf, sizeof(buf), "%sBorgerservice,man,15:00,08:00\n", hours);
	assert_non_null(strstr(load_broken("staffed_hours.csv", buf, err, sizeof(err)), "opens"));
	snprintf(buf, sizeof(buf), "%sBorgerservice,fre-man,08:00,09:00\n", hours);
	assert_non_null(strstr(load_broken("staffed_hours.csv", buf, err, sizeof(err)), "days"));
	load_broken("closed_days.csv", "date,name\n2026-13-01,x\n", err, sizeof(err));
	assert_non_null(strstr(err, "date"));
	load_broken("departments.csv",
	            "department,first_response_minutes,resolution_hours,chat_default\n"
	            "A,60,24,yes\nB,60,24,yes\n",
	            err, sizeof(err));
	assert_non_null(strstr(err, "only one"));
	load_broken("departments.csv",
	            "department,first_response_minutes,resolution_hours,chat_default\nA,-5,24,no\n",
	            err, sizeof(err));
	assert_non_null(strstr(err, "whole numbers"));
	load_broken("departments.csv", "department,first_response_minutes\nA,5\n", err,
	            sizeof(err));
}

static void no_files_means_always_staffed(void **state)
{
	(void)state;
	char err[300];
	struct staffing *s = staffing_load("/nonexistent-dir", err, sizeof(err));
	assert_non_null(s);
	long long now = at("2026-12-25T03:00");
	assert_true(staffing_next_open(s, NULL, now) == now);
	assert_true(staffing_next_open(NULL, NULL, now) == now);
	staffing_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(holidays_are_computed),
	    cmocka_unit_test(next_staffed_time),
	    cmocka_unit_test(when_in_danish),
	    cmocka_unit_test(broken_files_are_refused_with_the_line),
	    cmocka_unit_test(no_files_means_always_staffed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
