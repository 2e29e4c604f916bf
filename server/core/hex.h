/*
 * hex.h - hexadecimal encoding of bytes: the one copy for the server
 * (digests, API keys, message ids). Encoding writes lowercase; decoding
 * accepts either case and refuses anything that is not whole pairs of hex
 * digits, so a malformed value is an error rather than a guess.
 *
 *     char out[2 * 32 + 1];
 *     hex_encode(digest, 32, out);
 */
#ifndef BORGERBOT_HEX_H
#define BORGERBOT_HEX_H

#include <stddef.h>

/* Writes 2 * n lowercase hex digits and a NUL into out (2 * n + 1 bytes). */
void hex_encode(const void *in, size_t n, char *out);

/*
 * Decodes len hex digits (0-9, a-f, A-F) into out, which holds outsize bytes.
 * Returns the number of bytes written (len / 2), or -1 when len is odd, a
 * character is not a hex digit, or out is too small.
 */
long hex_decode(const char *hex, size_t len, unsigned char *out, size_t outsize);

#endif
