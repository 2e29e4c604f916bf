/*
 * signature.h - verifies Meta's X-Hub-Signature-256 header on webhook bodies.
 */
#ifndef BORGERBOT_SIGNATURE_H
#define BORGERBOT_SIGNATURE_H

#include <stddef.h>

enum signature_result {
	SIGNATURE_OK = 0,
	SIGNATURE_MISSING,   /* no header */
	SIGNATURE_MALFORMED, /* not "sha256=" + 64 hex digits */
	SIGNATURE_MISMATCH,  /* well-formed but wrong */
};

/* Checks `header` ("sha256=<hex>") against HMAC-SHA256(secret, body) over the
 * raw bytes, in constant time. Hex digits are accepted in either case. */
/* Constant-time equality of two secrets given as strings (a verify token, a
 * page token): the time taken does not depend on where they differ; only
 * their lengths, which are not secret, may end it early. */
int signature_secret_equal(const char *a, const char *b);

enum signature_result signature_verify(const char *secret, const void *body, size_t len,
                                       const char *header);

/* Writes "sha256=<64 lowercase hex>" plus NUL into out (at least 72 bytes). */
void signature_sign(const char *secret, const void *body, size_t len, char *out);

const char *signature_result_name(enum signature_result r);

#endif
