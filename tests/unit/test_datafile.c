/*
 * test_datafile.c - core/datafile, the reader of the hand-edited data files:
 * CSV and "key: value" files as spreadsheets and editors write them (quotes,
 * "" escapes, comments, byte-order mark, CRLF), and malformed, oversized and
 * hostile input refused with FILE:LINE: what; the field-length check row
 * callbacks share. Links bb_core only.
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

#include "core/datafile.h"

static char dir[64];
static char path[128];

/* What the rows of the last read were: "a|b;c|d;" */
struct seen {
	char text[4096];
	int fail_at; /* row number whose callback fails (0: none) */
	int n;
};

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/borgerbot-test-datafile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_bytes(const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int record_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct seen *s = arg;
	if (++s->n == s->fail_at) {
		snprintf(why, whylen, "row %d refused", s->n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t used = strlen(s->text);
		snprintf(s->text + used, sizeof(s->text) - used, "%s%s", f[i],
		         i + 1 < n ? "|" : ";");
	}
	return 0;
}

static int csv_bytes(const char *data, size_t len, struct seen *s, char *err, size_t errlen)
{
	static const char *const header[] = {"a", "b"};
	write_bytes(data, len);
	return datafile_read_csv(path, header, 2, record_row, s, err, errlen);
}

static int csv(const char *text, struct seen *s, char *err, size_t errlen)
{
	return csv_bytes(text, strlen(text), s, err, errlen);
}

/* Reads text as CSV with columns a,b and expects an error containing want. */
static void csv_fails(const char *text, const char *want)
{
	struct seen s = {0};
	char err[300] = "";
	assert_int_equal(csv(text, &s, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	assert_non_null(strstr(err, path));
}

static void csv_as_spreadsheets_write_it(void **state)
{
	(void)state;
	struct seen s = {0};
	char err[300];
	assert_int_equal(csv("\xEF\xBB\xBF# comment\r\nA,B\r\n\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n"
	                     "  plain , æøå \n"
	                     "   # an indented comment\n"
	                     ",\n"
	                     "\"\",\" padded \"  \n"
	                     "last,no newline",
	                     &s, err, sizeof(err)),
	                 5);
	assert_string_equal(s.text, "x, y|say \"hi\";plain|æøå;|;|padded;last|no newline;");
}

static void csv_header_is_checked(void **state)
{
	(void)state;
	csv_fails("b,a\n", ":1: header must be 'a,b'");
	csv_fails("a\n", ":1: header must be 'a,b'");
	csv_fails("a,b,c\n", ":1: header must be 'a,b'");
	csv_fails("", ":1: missing header line 'a,b'");
	csv_fails("# only a comment\n\n", ":1: missing header line 'a,b'");
	csv_fails("\xEF\xBB\xBF", "missing header line");
}

/* Optional last columns (the English twins of the data files): the header
 * may stop before them, the rows follow the header, and row() gets "" for
 * the columns left out. */
static void csv_optional_columns(void **state)
{
	(void)state;
	static const char *const header[] = {"a", "b", "a_en", "b_en"};
	const struct datafile_format fmt = {.header = header, .ncols = 4, .min_cols = 2};
	struct seen s = {0};
	char err[300] = "";
	const char *without = "a,b\n1,2\n";
	write_bytes(without, strlen(without));
	assert_int_equal(datafile_read(path, &fmt, record_row, &s, err, sizeof(err)), 1);
	assert_string_equal(s.text, "1|2||;");
	memset(&s, 0, sizeof(s));
	const char *some = "A,B,A_EN\n1,2,one\n";
	write_bytes(some, strlen(some));
	assert_int_equal(datafile_read(path, &fmt, record_row, &s, err, sizeof(err)), 1);
	assert_string_equal(s.text, "1|2|one|;");
	memset(&s, 0, sizeof(s));
	const char *all = "a,b,a_en,b_en\n1,2,one,two\n";
	write_bytes(all, strlen(all));
	assert_int_equal(datafile_read(path, &fmt, record_row, &s, err, sizeof(err)), 1);
	assert_string_equal(s.text, "1|2|one|two;");
	/* rows follow the header; a required column cannot be left out */
	const char *bad[][2] = {
	    {"a,b,a_en\n1,2\n", ":2: expected 3 fields, found 2"},
	    {"a,b\n1,2,one\n", ":2: expected 2 fields, found 3"},
	    {"a\n1\n", ":1: header must be 'a,b[,a_en,b_en]'"},
	    {"a,b,b_en\n", ":1: header must be 'a,b[,a_en,b_en]'"},
	    {"a,b,a_en,b_en,c\n", ":1: header must be"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0, sizeof(s));
		write_bytes(bad[i][0], strlen(bad[i][0]));
		assert_int_equal(datafile_read(path, &fmt, record_row, &s, err, sizeof(err)), -1);
		if (!strstr(err, bad[i][1]))
			fail_msg("error '%s' does not contain '%s'", err, bad[i][1]);
	}
}

static void csv_errors_name_file_and_line(void **state)
{
	(void)state;
	csv_fails("a,b\n1,2\n1,2,3\n", "t.csv:3: expected 2 fields, found 3");
	csv_fails("a,b\n1\n", "t.csv:2: expected 2 fields, found 1");
	csv_fails("a,b\n\"open,2\n", "t.csv:2: unterminated quote");
	csv_fails("a,b\n\"x\"y,2\n", ":2: text after a closing quote");
	csv_fails("a,b\nx\"y,2\n", ":2: quote inside an unquoted field");
	csv_fails("a,b\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n",
	          ":2: too many fields (max 16)");
	/* line numbers count comments, blank lines and the header */
	csv_fails("# c\n\na,b\n# c\n\n1,2\n\"\n", "t.csv:7: unterminated quote");
}

static void csv_row_callback_can_refuse(void **state)
{
	(void)state;
	struct seen s = {.fail_at = 2};
	char err[300];
	assert_int_equal(csv("a,b\n1,2\n3,4\n5,6\n", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.csv:3: row 2 refused"));
	assert_string_equal(s.text, "1|2;");
}

static void hostile_bytes_are_refused(void **state)
{
	(void)state;
	csv_fails("a,b\n\xff\xfe,2\n", ":2: not valid UTF-8");
	csv_fails("a,b\n\xc0\xaf,2\n", ":2: not valid UTF-8");             /* overlong "/" */
	csv_fails("a,b\n\xe0\x80\xaf,2\n", ":2: not valid UTF-8");         /* overlong, 3 bytes */
	csv_fails("a,b\n\xed\xa0\x80,2\n", ":2: not valid UTF-8");         /* a surrogate */
	csv_fails("a,b\n\xf4\x90\x80\x80,2\n", ":2: not valid UTF-8");     /* above U+10FFFF */
	csv_fails("a,b\n\xf8\x88\x80\x80\x80,2\n", ":2: not valid UTF-8"); /* 5 bytes */
	csv_fails("a,b\nx,\xc3\n", ":2: not valid UTF-8");                 /* cut at line end */
	csv_fails("a,b\n\xc3x,2\n", ":2: not valid UTF-8");                /* cut mid-line */
	csv_fails("a,b\nx\x1b[31m,2\n", ":2: control character");
	csv_fails("a,b\nx\ry,2\n", ":2: control character"); /* a lone CR */
	csv_fails("a,b\nx\x7fy,2\n", ":2: control character");
	struct seen s = {0};
	char err[300];
	assert_int_equal(csv_bytes("a,b\nx\0y,2\n", 10, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: control character"));
	/* a tab is text, not a control character */
	assert_int_equal(csv("a,b\nx\ty,2\n", &s, err, sizeof(err)), 1);
	assert_string_equal(s.text, "x\ty|2;");
}

static void oversized_input_is_refused(void **state)
{
	(void)state;
	struct seen s = {0};
	char err[300];
	size_t big = DATAFILE_MAX_BYTES + 10;
	char *text = malloc(big + 1);
	assert_non_null(text);
	memset(text, 'x', big);
	memcpy(text, "a,b\n", 4);
	text[big] = '\0';
	assert_int_equal(csv(text, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file too large (max 1048576 bytes)"));
	/* a line of exactly the limit is read, one byte more is not */
	memcpy(text + 4, "1,", 2);
	text[4 + DATAFILE_MAX_LINE] = '\n';
	text[4 + DATAFILE_MAX_LINE + 1] = '\0';
	assert_int_equal(csv(text, &s, err, sizeof(err)), 1);
	text[4 + DATAFILE_MAX_LINE] = 'x';
	text[4 + DATAFILE_MAX_LINE + 1] = '\n';
	text[4 + DATAFILE_MAX_LINE + 2] = '\0';
	assert_int_equal(csv(text, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: line too long (max 2048 bytes)"));
	free(text);
	/* a caller may allow a larger file, or a smaller one */
	static const char *const header[] = {"a", "b"};
	struct datafile_format small = {.header = header, .ncols = 2, .max_bytes = 8};
	write_bytes("a,b\n1,2\n3,4\n", 12);
	assert_int_equal(datafile_read(path, &small, record_row, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "file too large (max 8 bytes)"));
	small.max_bytes = 12;
	assert_int_equal(datafile_read(path, &small, record_row, &s, err, sizeof(err)), 2);
}

static void missing_file_and_bad_format(void **state)
{
	(void)state;
	static const char *const header[] = {"a", "b"};
	struct seen s = {0};
	char err[300];
	assert_int_equal(
	    datafile_read_csv("/nonexistent/x.csv", header, 2, record_row, &s, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "/nonexistent/x.csv: No such file"));
	assert_int_equal(datafile_read_csv(path, header, 0, record_row, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad format"));
}

static void key_value_files(void **state)
{
	(void)state;
	struct seen s = {0};
	char err[300];
	const char *text = "\xEF\xBB\xBF# settings\r\nname: Solbjerg Kommune\r\n\n"
	                   "  url :  https://x.dk/a:b  \nempty:\n";
	write_bytes(text, strlen(text));
	assert_int_equal(datafile_read_kv(path, record_row, &s, err, sizeof(err)), 3);
	assert_string_equal(s.text, "name|Solbjerg Kommune;url|https://x.dk/a:b;empty|;");
	write_bytes("a: 1\nno colon here\n", 19);
	assert_int_equal(datafile_read_kv(path, record_row, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.csv:2: expected 'key: value'"));
	write_bytes(" : value\n", 9);
	assert_int_equal(datafile_read_kv(path, record_row, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.csv:1: empty key"));
	write_bytes("k: \xff\n", 5);
	assert_int_equal(datafile_read_kv(path, record_row, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "t.csv:1: not valid UTF-8"));
	write_bytes("", 0);
	assert_int_equal(datafile_read_kv(path, record_row, &s, err, sizeof(err)), 0);
}

static void field_lengths(void **state)
{
	(void)state;
	char why[64] = "";
	assert_int_equal(datafile_field_ok("Duevej", 6, "street", why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(datafile_field_ok("Duevej", 5, "street", why, sizeof(why)), -1);
	assert_string_equal(why, "street must be 1-5 bytes");
	assert_int_equal(datafile_field_ok("", 5, "area", why, sizeof(why)), -1);
	assert_string_equal(why, "area must be 1-5 bytes");
}

static void paths_are_bounded(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(datafile_path(buf, sizeof(buf), "dir", "file.csv"), 0);
	assert_string_equal(buf, "dir/file.csv");
	assert_int_equal(datafile_path(buf, sizeof(buf), "a-long-directory", "file.csv"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(csv_as_spreadsheets_write_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(csv_header_is_checked, setup, teardown),
	    cmocka_unit_test_setup_teardown(csv_optional_columns, setup, teardown),
	    cmocka_unit_test_setup_teardown(csv_errors_name_file_and_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(csv_row_callback_can_refuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_bytes_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(oversized_input_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_file_and_bad_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(key_value_files, setup, teardown),
	    cmocka_unit_test(field_lengths),
	    cmocka_unit_test_setup_teardown(paths_are_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
