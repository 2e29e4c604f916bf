/*
 * signature.c - HMAC-SHA256 webhook signatures (see signature.h).
 *
 * The header's hex digest is decoded to 32 bytes first and then compared with
 * CRYPTO_memcmp, so the time taken does not depend on where the first wrong
 * byte is. Nothing here looks at the body beyond hashing it.
 */
#include "signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "core/hex.h"

#define DIGEST_LEN 32
#define PREFIX "sha256="

static int hmac_sha256(const char *secret, const void *body, size_t len,
                       unsigned char out[DIGEST_LEN])
{
	unsigned int outlen = 0;
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, out, &outlen))
		return -1;
	return outlen == DIGEST_LEN ? 0 : -1;
}

enum signature_result signature_verify(const char *secret, const void *body, size_t len,
                                       const char *header)
{
	if (!header || !*header)
		return SIGNATURE_MISSING;
	size_t plen = strlen(PREFIX);
	if (strncmp(header, PREFIX, plen) != 0 || strlen(header) != plen + (size_t)2 * DIGEST_LEN)
		return SIGNATURE_MALFORMED;
	unsigned char given[DIGEST_LEN];
	if (hex_decode(header + plen, (size_t)2 * DIGEST_LEN, given, sizeof(given)) != DIGEST_LEN)
		return SIGNATURE_MALFORMED;
	unsigned char want[DIGEST_LEN];
	if (hmac_sha256(secret, body, len, want) < 0)
		return SIGNATURE_MISMATCH;
	return CRYPTO_memcmp(given, want, DIGEST_LEN) == 0 ? SIGNATURE_OK : SIGNATURE_MISMATCH;
}

void signature_sign(const char *secret, const void *body, size_t len, char *out)
{
	unsigned char d[DIGEST_LEN];
	strcpy(out, PREFIX);
	if (hmac_sha256(secret, body, len, d) < 0)
		memset(d, 0, sizeof(d));
	hex_encode(d, sizeof(d), out + strlen(PREFIX));
}

const char *signature_result_name(enum signature_result r)
{
	switch (r) {
	case SIGNATURE_OK:
		return "ok";
	case SIGNATURE_MISSING:
		return "missing";
	case SIGNATURE_MALFORMED:
		return "malformed";
	case SIGNATURE_MISMATCH:
		return "mismatch";
	}
	return "unknown";
}

int signature_secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}
