/*
 * hex.c - hexadecimal encoding and strict decoding (see hex.h).
 *
 * Decoding checks the whole input before it is trusted: an odd length or
 * one bad digit fails the call. The time it takes depends only on the input
 * (never on a secret), so callers that compare secrets decode first and
 * compare the bytes in constant time themselves (inbox/signature.c).
 */
#include "hex.h"

static const char hex_digits[] = "0123456789abcdef";

/* The value of one hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void hex_encode(const void *in, size_t n, char *out)
{
	const unsigned char *b = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digits[b[i] >> 4];
		out[2 * i + 1] = hex_digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

long hex_decode(const char *hex, size_t len, unsigned char *out, size_t outsize)
{
	if (len % 2 || len / 2 > outsize)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_value(hex[2 * i]);
		int lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(len / 2);
}
