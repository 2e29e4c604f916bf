/*
 * test_text.c - core/text: trimming every kind of ASCII white space (and
 * nothing else: UTF-8 bytes stay), and error messages that are cut, never
 * overflowed, with NULL and empty buffers tolerated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"

static void trims_both_ends(void **state)
{
	(void)state;
	char a[] = " \t\r\n\v\f Duevej 12 \t\r\n";
	assert_string_equal(text_trim(a), "Duevej 12");
	char b[] = "plain";
	assert_string_equal(text_trim(b), "plain");
	assert_ptr_equal(text_trim(b), b);
	char c[] = " \t ";
	assert_string_equal(text_trim(c), "");
	char d[] = "";
	assert_string_equal(text_trim(d), "");
	char e[] = "  \xc2\xa0 Ærøvej \xc2\xa0"; /* a no-break space is not ASCII: kept */
	assert_string_equal(text_trim(e), "\xc2\xa0 Ærøvej \xc2\xa0");
}

static void set_err_formats_and_cuts(void **state)
{
	(void)state;
	char err[16];
	text_set_err(err, sizeof(err), "%s:%d: %s", "f.csv", 7, "bad");
	assert_string_equal(err, "f.csv:7: bad");
	text_set_err(err, sizeof(err), "%s", "a message longer than the buffer");
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_string_equal(err, "a message longe");
	text_set_err(NULL, 10, "%s", "ignored");
	err[0] = 'x';
	text_set_err(err, 0, "%s", "ignored");
	assert_int_equal(err[0], 'x');
}

static void utf8_is_checked_and_repaired(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("Vej og Park – ø", strlen("Vej og Park – ø")));
	assert_false(text_utf8_valid("hul \xff\xfe", 6));
	assert_false(text_utf8_valid("\xc3", 1));         /* cut short */
	assert_false(text_utf8_valid("\xed\xa0\x80", 3)); /* a surrogate */
	assert_false(text_utf8_valid("\xc0\xaf", 2));     /* overlong */
	char *fixed = text_utf8_repair("a\xff"
	                               "b\xc3\xb8",
	                               5);
	assert_string_equal(fixed, "a\xef\xbf\xbd"
	                           "b\xc3\xb8");
	free(fixed);
	fixed = text_utf8_repair("x\0"
	                         "y",
	                         3); /* a NUL would cut the text */
	assert_string_equal(fixed, "x\xef\xbf\xbd"
	                           "y");
	free(fixed);
}

static void like_pattern_escapes_wildcards(void **state)
{
	(void)state;
	char out[16];
	assert_int_equal(text_like_pattern("ab", out, sizeof(out)), 0);
	assert_string_equal(out, "%ab%");
	assert_int_equal(text_like_pattern("1%_\\x", out, sizeof(out)), 0);
	assert_string_equal(out, "%1\\%\\_\\\\x%");
	assert_int_equal(text_like_pattern("", out, sizeof(out)), 0);
	assert_string_equal(out, "%%");
	assert_int_equal(text_like_pattern("%%%%%%%", out, sizeof(out)), -1);     /* 2 bytes each */
	assert_int_equal(text_like_pattern("abcdefghijkl", out, sizeof(out)), 0); /* 14 + NUL */
	assert_int_equal(text_like_pattern("abcdefghijklm", out, sizeof(out)), -1);
	assert_int_equal(text_like_pattern("a", out, 2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(trims_both_ends),
	    cmocka_unit_test(set_err_formats_and_cuts),
	    cmocka_unit_test(utf8_is_checked_and_repaired),
	    cmocka_unit_test(like_pattern_escapes_wildcards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
