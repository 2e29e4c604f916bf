/*
 * test_panel_file.c - panel/consultation.c, the parser of consultation
 * files: the demo's example and a minimal file parse; malformed, oversized
 * and hostile input (bad UTF-8, NUL and control bytes, unknown and repeated
 * keys, empty and duplicate options, impossible dates, a close before the
 * open, too many questions or options, overlong text) is refused with
 * "NAME:LINE:COL: what" at the right place. Links bb_panel only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "panel/consultation.h"

#define HEAD "id: test\ntitle: Titel\nopens: 2026-12-01\ncloses: 2026-12-31\n"
#define ONE_Q "question: single\ntext: Hvad?\noption: A\noption: B\n"

static struct panel_consultation c;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return panel_parse("t.consultation", text, strlen(text), &c, err, sizeof(err));
}

/* The parse fails with exactly "t.consultation:LINE:COL: " then what. */
static void refused(const char *text, int line, int col, const char *what)
{
	assert_int_equal(parse(text), -1);
	char want[600];
	snprintf(want, sizeof(want), "t.consultation:%d:%d: %s", line, col, what);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got  \"%s\"\nwant \"%s...\"", err, want);
}

static void example_parses(void **state)
{
	(void)state;
	char e[512];
	assert_int_equal(panel_parse_file(BORGERBOT_SOURCE_DIR
	                                  "/panel/examples/vintersaltning.consultation",
	                                  &c, e, sizeof(e)),
	                 0);
	assert_string_equal(c.id, "vintersaltning");
	assert_int_equal(c.nquestions, 4);
	assert_int_equal(c.q[0].kind, PANEL_SINGLE);
	assert_int_equal(c.q[1].kind, PANEL_MULTIPLE);
	assert_int_equal(c.q[2].kind, PANEL_SCALE);
	assert_int_equal(c.q[3].kind, PANEL_TEXT);
	assert_string_equal(c.q[0].option[1], "Cykel");
	assert_non_null(strchr(c.intro, '\n')); /* two intro lines, two paragraphs */
	assert_int_equal(c.target, PANEL_TARGET_ALL);
}

static void minimal_and_dates(void **state)
{
	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBF# a comment\r\n" HEAD
	                       "target: area Blomsterkvarteret\r\n"
	                       "\n" ONE_Q),
	                 0);
	assert_int_equal(c.target, PANEL_TARGET_AREA);
	assert_string_equal(c.target_value, "Blomsterkvarteret");
	/* 2026-12-01 00:00 in UTC+1 is 2026-11-30 23:00 UTC */
	assert_true(c.opens_ms == 1796079600000LL);
	/* open through the whole closing day */
	assert_true(c.closes_ms == 1798758000000LL);
	assert_int_equal(parse("id: a\ntitle: T\nopens: 2026-12-01\ncloses: 2026-12-01\n" ONE_Q),
	                 0);
}

static void malformed_lines(void **state)
{
	(void)state;
	refused(HEAD "colour: blue\n" ONE_Q, 5, 1, "unknown key \"colour\"");
	refused(HEAD "id: again\n" ONE_Q, 5, 1, "\"id:\" is given twice");
	refused(HEAD "  just words\n", 5, 3, "expected \"key: value\"");
	refused(HEAD "option: A\n", 5, 1, "\"option:\" belongs to a question");
	refused(HEAD ONE_Q "title: late\n", 9, 1, "\"title:\" belongs before the first question");
	refused("id: Bad_Id\n", 1, 5, "id must be 1-40");
	refused(HEAD "target: everyone\n" ONE_Q, 5, 9, "target must be");
	refused(HEAD "target: area\n" ONE_Q, 5, 13, "target \"area\" needs a name");
	refused(HEAD "question: ranking\n", 5, 11, "question must be single");
}

static void hostile_bytes(void **state)
{
	(void)state;
	refused(HEAD "question: text\ntext: H\xC3\x28j\n", 6, 8, "not valid UTF-8");
	refused("id: ok\ntitle: æøå \xED\xA0\x80\n", 2, 12, "not valid UTF-8");
	refused("id: ok\ntitle: a\x01b\n", 2, 9, "a control character");
	char with_nul[] = "id: ok\ntitle: a\0b\n";
	err[0] = '\0';
	assert_int_equal(
	    panel_parse("t.consultation", with_nul, sizeof(with_nul) - 1, &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "t.consultation:2:9: not valid UTF-8 (or a NUL byte)"));
	/* an over-long line and an over-large file */
	char *big = malloc(PANEL_FILE_MAX + 2);
	memset(big, 'a', PANEL_FILE_MAX + 1);
	big[PANEL_FILE_MAX + 1] = '\0';
	memcpy(big, "title: ", 7);
	refused(big, 1, 1, "the file is larger than 64 KiB");
	big[3000] = '\0';
	refused(big, 1, 2049, "the line is longer than 2048 bytes");
	free(big);
}

static void options_and_questions(void **state)
{
	(void)state;
	refused(HEAD "question: single\ntext: Hvad?\noption:\n", 7, 8, "the option is empty");
	refused(HEAD "question: single\ntext: Hvad?\noption: Ja\noption: ja\n", 8, 9,
	        "the option \"ja\" is given twice");
	refused(HEAD "question: single\ntext: Hvad?\noption: A\n", 5, 1,
	        "a single question needs at least 2 options");
	refused(HEAD "question: scale\ntext: Hvor glad?\noption: 1\n", 7, 1,
	        "a scale question has no options");
	refused(HEAD "question: text\n", 5, 1, "the question has no \"text:\"");
	refused(HEAD "question: text\ntext: a\ntext: b\n", 7, 1, "the question has two");
	refused(HEAD "question: multiple\ntext: Hvad?\noption: "
	             "abcdefghijklmnopqrstu\n",
	        7, 9, "the option is longer than 20 characters");
	/* 20 code points of Danish letters fit, 21 do not */
	assert_int_equal(parse(HEAD "question: single\ntext: Q\noption: ææææææææææææææææææææ\n"
	                            "option: b\n"),
	                 0);
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), HEAD "question: multiple\ntext: Q\n");
	for (int i = 0; i < 11; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "option: o%d\n", i);
	refused(text, 4 + 2 + 11, 1, "more than 10 options");
	n = (size_t)snprintf(text, sizeof(text), HEAD);
	for (int i = 0; i < 21; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "question: text\ntext: q%d\n", i);
	refused(text, 5 + 40, 11, "more than 20 questions");
	char longq[600];
	memset(longq, 'x', 301);
	longq[301] = '\0';
	snprintf(text, sizeof(text), HEAD "question: text\ntext: %s\n", longq);
	refused(text, 6, 7, "the question is longer than 300 characters");
}

static void dates_and_required(void **state)
{
	(void)state;
	refused("id: a\ntitle: T\nopens: 2027-01-10\ncloses: 2027-01-09\n" ONE_Q, 4, 9,
	        "closes is before opens (line 3)");
	refused("id: a\ntitle: T\nopens: 2027-02-29\n", 3, 8, "opens must be a date");
	refused("id: a\ntitle: T\nopens: 27-1-1\n", 3, 8, "opens must be a date");
	assert_int_equal(parse("id: a\ntitle: T\nopens: 2028-02-29\ncloses: 2028-03-01\n" ONE_Q),
	                 0);
	refused("id: a\nopens: 2026-12-01\ncloses: 2026-12-31\n" ONE_Q, 7, 1,
	        "the file has no \"title:\"");
	refused(HEAD, 4, 1, "the file has no questions");
	refused("", 1, 1, "the file has no \"id:\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(example_parses),        cmocka_unit_test(minimal_and_dates),
	    cmocka_unit_test(malformed_lines),       cmocka_unit_test(hostile_bytes),
	    cmocka_unit_test(options_and_questions), cmocka_unit_test(dates_and_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
