/*
 * signed_request.h - Meta's signed_request, as POSTed to the data-deletion
 * callback: "<base64url(signature)>.<base64url(JSON payload)>", where the
 * signature is HMAC-SHA256 of the payload part (the base64url text, as
 * sent) with the app secret. Verified in constant time with
 * inbox/signature.h before the payload is even decoded.
 */
#ifndef BORGERBOT_SIGNED_REQUEST_H
#define BORGERBOT_SIGNED_REQUEST_H

#include <stddef.h>

#define SIGNED_REQUEST_MAX 4096 /* bytes of a signed_request accepted */
#define SIGNED_REQUEST_USER_MAX 64

enum signed_request_result {
	SIGNED_REQUEST_OK = 0,
	SIGNED_REQUEST_MALFORMED,     /* not two base64url parts, too long, bad signature size */
	SIGNED_REQUEST_BAD_SIGNATURE, /* well-formed, wrong signature (or no app secret) */
	SIGNED_REQUEST_BAD_PAYLOAD,   /* signed, but not the JSON we expect */
};

/* Parses and verifies sr[0..len); on SIGNED_REQUEST_OK writes the payload's
 * user_id (1-64 of [A-Za-z0-9_-]; a number is written in decimal) into
 * user_id (at least SIGNED_REQUEST_USER_MAX + 1 bytes). The payload's
 * "algorithm" must be HMAC-SHA256. */
enum signed_request_result signed_request_parse(const char *secret, const char *sr, size_t len,
                                                char *user_id, size_t user_id_len);

const char *signed_request_result_name(enum signed_request_result r);

/* Decodes base64url (padding optional) src[0..len) into out; returns the
 * bytes written, or -1 when a character is not base64url, the length is
 * impossible or out is too small. */
long base64url_decode(const char *src, size_t len, unsigned char *out, size_t outsize);

#endif
