/*
 * test_http_form.c - the one parser for query strings and form bodies:
 * decoding, name matching, and what hostile input gets (absent names,
 * pairs without '=', NUL bytes, values too long, odd escapes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"

static int var(const char *data, const char *name, char *buf, size_t size)
{
	return http_form_var(data, data ? strlen(data) : 0, name, buf, size);
}

static void finds_and_decodes_values(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(var("a=1&b=x%20y+z&c=", "b", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "x y z");
	assert_int_equal(var("a=1&b=2", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1");
	assert_int_equal(var("a=1&c=", "c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* the first of several wins */
	assert_int_equal(var("a=1&a=2", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1");
	/* names with dots, encoded names, any case */
	assert_int_equal(var("hub.mode=subscribe", "hub.mode", buf, sizeof(buf)), 9);
	assert_int_equal(
	    var("attribute%5Bpole_number%5D=A12", "attribute[pole_number]", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "A12");
	assert_int_equal(var("STATUS=open", "status", buf, sizeof(buf)), 4);
	/* a pair without '=' has the empty value */
	assert_int_equal(var("flag&x=1", "flag", buf, sizeof(buf)), 0);
	/* a malformed escape is kept as it is */
	assert_int_equal(var("a=%zz%4", "a", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "%zz%4");
}

static void absent_is_minus_one(void **state)
{
	(void)state;
	char buf[8] = "junk";
	assert_int_equal(var(NULL, "a", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(var("", "a", buf, sizeof(buf)), -1);
	assert_int_equal(var("&&=&=x", "a", buf, sizeof(buf)), -1);
	assert_int_equal(var("ab=1&b=2", "a", buf, sizeof(buf)), -1);
	assert_int_equal(var("a%00=1", "a", buf, sizeof(buf)), -1); /* a NUL in a name */
	/* only len bytes are read */
	assert_int_equal(http_form_var("a=1&b=2", 3, "b", buf, sizeof(buf)), -1);
}

static void too_long_or_nul_is_minus_two(void **state)
{
	(void)state;
	char buf[4];
	assert_int_equal(var("a=123", "a", buf, sizeof(buf)), 3); /* exactly fits */
	assert_int_equal(var("a=1234", "a", buf, sizeof(buf)), -2);
	assert_string_equal(buf, "");
	assert_int_equal(var("a=1%002", "a", buf, sizeof(buf)), -2);
	assert_int_equal(var("a=1", "a", buf, 0), -2);
	assert_int_equal(var("a=1", "a", NULL, 4), -2);
}

static void url_decode(void **state)
{
	(void)state;
	char buf[8];
	assert_int_equal(http_url_decode("%C3%A6+x", 8, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "\xc3\xa6 x");
	assert_int_equal(http_url_decode("abcdefgh", 8, buf, sizeof(buf)), -1);
	assert_int_equal(http_url_decode("abcdefg", 7, buf, sizeof(buf)), 7);
	assert_int_equal(http_url_decode("x", 1, buf, 0), -1);
}

static void cookies(void **state)
{
	(void)state;
	char buf[8];
	assert_int_equal(http_cookie_value("a=1; bb=xyz; c=2", "bb", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "xyz");
	assert_int_equal(http_cookie_value("bb=xyz", "bb", buf, sizeof(buf)), 3);
	assert_int_equal(http_cookie_value("a=1;bb=q ;c", "bb", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "q");
	assert_int_equal(http_cookie_value("bb=", "bb", buf, sizeof(buf)), 0);
	/* exact, case-sensitive names: no prefix, suffix or other case matches */
	assert_int_equal(http_cookie_value("xbb=1; bbx=2; BB=3; bb", "bb", buf, sizeof(buf)), -1);
	assert_int_equal(http_cookie_value("__Host-bb=1", "bb", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(http_cookie_value(NULL, "bb", buf, sizeof(buf)), -1);
	assert_int_equal(http_cookie_value("", "bb", buf, sizeof(buf)), -1);
	/* a planted duplicate and an oversized value are refused */
	assert_int_equal(http_cookie_value("bb=1; bb=1", "bb", buf, sizeof(buf)), -2);
	assert_int_equal(http_cookie_value("bb=1234567", "bb", buf, sizeof(buf)), 7);
	assert_int_equal(http_cookie_value("bb=12345678", "bb", buf, sizeof(buf)), -2);
	assert_string_equal(buf, "");
	assert_int_equal(http_cookie_value("bb=1", "bb", buf, 0), -2);
	assert_int_equal(http_cookie_value("bb=1", "bb", NULL, 4), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(finds_and_decodes_values),
	    cmocka_unit_test(absent_is_minus_one),
	    cmocka_unit_test(too_long_or_nul_is_minus_two),
	    cmocka_unit_test(url_decode),
	    cmocka_unit_test(cookies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
