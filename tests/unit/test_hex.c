/*
 * test_hex.c - core/hex: round trips over every byte value, uppercase
 * input, and the inputs decoding must refuse (odd length, bad digits, a
 * buffer too small); the empty string both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"

static void round_trips_every_byte(void **state)
{
	(void)state;
	unsigned char in[256], back[256];
	char text[2 * 256 + 1];
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	hex_encode(in, sizeof(in), text);
	assert_int_equal(strlen(text), 512);
	assert_memory_equal(text, "000102", 6);
	assert_string_equal(text + 500, "fafbfcfdfeff");
	assert_int_equal(hex_decode(text, strlen(text), back, sizeof(back)), 256);
	assert_memory_equal(in, back, sizeof(in));
}

static void encodes_lowercase(void **state)
{
	(void)state;
	const unsigned char b[] = {0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x0A};
	char text[13];
	hex_encode(b, sizeof(b), text);
	assert_string_equal(text, "deadbeef000a");
}

static void decodes_either_case(void **state)
{
	(void)state;
	unsigned char out[4];
	assert_int_equal(hex_decode("DeAdBEef", 8, out, sizeof(out)), 4);
	assert_int_equal(out[0], 0xDE);
	assert_int_equal(out[1], 0xAD);
	assert_int_equal(out[2], 0xBE);
	assert_int_equal(out[3], 0xEF);
}

static void refuses_odd_length_and_bad_digits(void **state)
{
	(void)state;
	unsigned char out[8];
	assert_int_equal(hex_decode("abc", 3, out, sizeof(out)), -1);
	assert_int_equal(hex_decode("a", 1, out, sizeof(out)), -1);
	const char *bad[] = {"0g", "g0", "zz", " 0", "0 ", "-1", "0x", "\xc3\xa6", "a\0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hex_decode(bad[i], 2, out, sizeof(out)), -1);
	/* one bad digit late in a long value fails the whole call */
	assert_int_equal(hex_decode("00112233445566G7", 16, out, sizeof(out)), -1);
}

static void refuses_a_short_buffer(void **state)
{
	(void)state;
	unsigned char out[2];
	assert_int_equal(hex_decode("aabbcc", 6, out, sizeof(out)), -1);
	assert_int_equal(hex_decode("aabb", 4, out, sizeof(out)), 2);
}

static void empty_both_ways(void **state)
{
	(void)state;
	char text[1] = {'x'};
	unsigned char out[1];
	hex_encode("", 0, text);
	assert_string_equal(text, "");
	assert_int_equal(hex_decode("", 0, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trips_every_byte),
	    cmocka_unit_test(encodes_lowercase),
	    cmocka_unit_test(decodes_either_case),
	    cmocka_unit_test(refuses_odd_length_and_bad_digits),
	    cmocka_unit_test(refuses_a_short_buffer),
	    cmocka_unit_test(empty_both_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
