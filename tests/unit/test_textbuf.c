/*
 * test_textbuf.c - core/textbuf: formatted, plain, HTML and JSON appends
 * into a caller's buffer; every kind cut at the buffer's end with the text
 * still NUL-terminated, and nothing written once it is full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/textbuf.h"

static void appends_in_order(void **state)
{
	(void)state;
	char buf[64];
	struct textbuf t = {buf, sizeof(buf), 0};
	textbuf_put(&t, "%s=%d", "n", 7);
	textbuf_put_str(&t, ", ");
	textbuf_put_json(&t, "a\"b\\c\n\x1b", 7);
	textbuf_put_str(&t, " ");
	textbuf_put_html(&t, "<b>&'");
	assert_string_equal(buf, "n=7, \"a\\\"b\\\\c\\n\\u001B\" &lt;b&gt;&amp;&#39;");
	assert_int_equal(t.len, strlen(buf));
}

static void cuts_at_the_end(void **state)
{
	(void)state;
	char buf[8];
	struct textbuf t = {buf, sizeof(buf), 0};
	textbuf_put_str(&t, "abcde");
	textbuf_put_str(&t, "fghij");
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(t.len, 7);
	textbuf_put_str(&t, "x"); /* full: nothing more */
	textbuf_put(&t, "%s", "y");
	textbuf_put_json(&t, "z", 1);
	assert_string_equal(buf, "abcdefg");

	struct textbuf j = {buf, 5, 0};
	textbuf_put_json(&j, "\"\"\"", 3);
	assert_int_equal(strlen(buf), 4);
	assert_int_equal(j.len, 4);
}

static void empty_string_is_nothing(void **state)
{
	(void)state;
	char buf[4] = "zz";
	struct textbuf t = {buf, sizeof(buf), 0};
	buf[0] = '\0';
	textbuf_put_str(&t, "");
	assert_int_equal(t.len, 0);
	textbuf_put_json(&t, "", 0);
	assert_string_equal(buf, "\"\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(appends_in_order),
	    cmocka_unit_test(cuts_at_the_end),
	    cmocka_unit_test(empty_string_is_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
