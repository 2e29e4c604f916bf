/*
 * test_insight.c - insight/: the anonymiser that stands between citizens'
 * words and the exported examples (CPR, phone, other numbers, e-mail,
 * links, tabs; cut on a UTF-8 boundary; hostile lengths), and the day
 * parser of --from/--to (calendar dates only, nothing after them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"
#include "insight/insight.h"
#include "insight/misunderstood.h"

static void anon(const char *in, const char *want)
{
	char out[256];
	misunderstood_anonymise(in, out, sizeof(out));
	assert_string_equal(out, want);
}

static void masks_numbers_addresses_and_links(void **state)
{
	(void)state;
	anon("mit cpr er 010203-1234", "mit cpr er [cpr]");
	anon("cpr 0102031234 tak", "cpr [cpr] tak");
	anon("ring 12 34 56 78 eller +45 12345678", "ring [telefon] eller +[cpr]"); /* ten digits */
	anon("Duevej 12, 2. th", "Duevej [tal], [tal]. th");
	anon("skriv til karen.hansen@mail.dk nu", "skriv til [e-mail] nu");
	anon("se https://x.dk/a?b=1 og www.y.dk", "se [link] og [link]");
	anon("linje\tto\nTre", "linje to Tre");
	anon("", "");
	anon("ingen tal her æøå", "ingen tal her æøå");
}

static void cuts_on_a_utf8_boundary(void **state)
{
	(void)state;
	char out[6];
	misunderstood_anonymise("abcæøå", out, sizeof(out)); /* "abcæ" fits exactly */
	assert_string_equal(out, "abcæ");
	misunderstood_anonymise("abcæøå", out, 5); /* one byte of æ would: cut before it */
	assert_string_equal(out, "abc");
	char big[4096];
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char small[64];
	misunderstood_anonymise(big, small, sizeof(small)); /* one long number: one mask */
	assert_string_equal(small, "[telefon]");
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)(i % 2 ? 0xC3 : 'a'); /* a hostile mix of lead bytes */
	misunderstood_anonymise(big, small, sizeof(small));
	assert_true(text_utf8_valid(small, strlen(small)));
}

static void parses_calendar_days_only(void **state)
{
	(void)state;
	long long ms;
	char err[200];
	assert_int_equal(insight_parse_day("2026-12-03", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 1796252400000LL); /* 00:00 in Copenhagen (UTC+1) */
	assert_int_equal(insight_parse_day("2026-07-01", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 1782856800000LL); /* summer time: UTC+2 */
	const char *bad[] = {"2026-02-31",       "2026-13-01", "2026-1-01", "2026-12-03x",
	                     "2026-12-03T10:00", "1999-01-01", "",          "26-12-03",
	                     "2026/12/03"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(insight_parse_day(bad[i], &ms, err, sizeof(err)), -1);
	assert_int_equal(insight_parse_day(NULL, &ms, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(masks_numbers_addresses_and_links),
	    cmocka_unit_test(cuts_on_a_utf8_boundary),
	    cmocka_unit_test(parses_calendar_days_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
