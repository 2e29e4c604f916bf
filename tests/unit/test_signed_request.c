/*
 * test_signed_request.c - Meta's signed_request (data-deletion callback):
 * a vector from Facebook's SDK documentation (secret "secret"), vectors
 * made with Python's hmac/base64 (secret "test-app-secret"), and every kind
 * of malformed, oversized and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/signed_request.h"

#define SECRET "test-app-secret"
/* {"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"218471"} */
#define VALID                                                                                      \
	"O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w."                                             \
	"eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjEyOTE4NDA0MDAsImlzc3VlZF9hdCI6MTI5MTgz" \
	"NjgwMCwidXNlcl9pZCI6IjIxODQ3MSJ9"
/* {"algorithm":"HMAC-SHA256","user_id":218471} (a number) */
#define NUMERIC                                                                                    \
	"prCkXfiod7M1QtArKJ-RJWMnwOsbf4cDRzswHlhpXUg."                                             \
	"eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsInVzZXJfaWQiOjIxODQ3MX0"
/* algorithm HMAC-SHA1 */
#define SHA1_ALG                                                                                   \
	"zFcgABRqLCOtRxIztfEtLUC9EZASuDcTPPRmGbfpgEE."                                             \
	"eyJhbGdvcml0aG0iOiJITUFDLVNIQTEiLCJ1c2VyX2lkIjoiMjE4NDcxIn0"
/* user_id "21<8471" */
#define HOSTILE_ID                                                                                 \
	"z1r-iOh_1dsBMl1hQYZq1_YrCHbmpcBrLj6K3gHyvlY."                                             \
	"eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsInVzZXJfaWQiOiIyMTw4NDcxIn0"
#define ARRAY "vhrCXidqb5dlDp4KwPq4wJLtFSiQ2r5Mv3HMghU6Ric.WzEsMl0" /* [1,2] */
#define NOT_JSON "u1nX8DV-3pjb6Eah5pQC6Q7SqAnt4iDKYFX4q0tBS6w.bm90IGpzb257"
/* Facebook's example, secret "secret": {"algorithm":"HMAC-SHA256","0":"payload"} */
#define FB_DOC                                                                                     \
	"vlXgu64BQGFSQrY0ZcJBZASMvYvTHu9GQ0YM9rjPSso."                                             \
	"eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsIjAiOiJwYXlsb2FkIn0"

static char uid[SIGNED_REQUEST_USER_MAX + 1];

static enum signed_request_result parse(const char *secret, const char *sr)
{
	return signed_request_parse(secret, sr, strlen(sr), uid, sizeof(uid));
}

static void valid_requests_give_the_user_id(void **state)
{
	(void)state;
	assert_int_equal(parse(SECRET, VALID), SIGNED_REQUEST_OK);
	assert_string_equal(uid, "218471");
	assert_int_equal(parse(SECRET, NUMERIC), SIGNED_REQUEST_OK);
	assert_string_equal(uid, "218471");
}

static void facebooks_documented_vector_verifies(void **state)
{
	(void)state;
	/* signature right, but no user_id: a payload error, not a signature one */
	assert_int_equal(parse("secret", FB_DOC), SIGNED_REQUEST_BAD_PAYLOAD);
	assert_int_equal(parse("Secret", FB_DOC), SIGNED_REQUEST_BAD_SIGNATURE);
}

static void wrong_secret_or_tampering_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("other-secret", VALID), SIGNED_REQUEST_BAD_SIGNATURE);
	assert_int_equal(parse("", VALID), SIGNED_REQUEST_BAD_SIGNATURE);
	assert_int_equal(parse(NULL, VALID), SIGNED_REQUEST_BAD_SIGNATURE);
	assert_string_equal(uid, "");
	char t[sizeof(VALID)];
	memcpy(t, VALID, sizeof(VALID));
	t[sizeof(VALID) - 3] = t[sizeof(VALID) - 3] == 'A' ? 'B' : 'A'; /* payload changed */
	enum signed_request_result r = parse(SECRET, t);
	assert_true(r == SIGNED_REQUEST_BAD_SIGNATURE || r == SIGNED_REQUEST_MALFORMED);
	memcpy(t, VALID, sizeof(VALID));
	t[0] = t[0] == 'O' ? 'P' : 'O'; /* signature changed */
	assert_int_equal(parse(SECRET, t), SIGNED_REQUEST_BAD_SIGNATURE);
}

static void signed_but_wrong_payloads_are_refused(void **state)
{
	(void)state;
	assert_int_equal(parse(SECRET, SHA1_ALG), SIGNED_REQUEST_BAD_PAYLOAD);
	assert_int_equal(parse(SECRET, HOSTILE_ID), SIGNED_REQUEST_BAD_PAYLOAD);
	assert_int_equal(parse(SECRET, ARRAY), SIGNED_REQUEST_BAD_PAYLOAD);
	assert_int_equal(parse(SECRET, NOT_JSON), SIGNED_REQUEST_BAD_PAYLOAD);
	assert_string_equal(uid, "");
}

static void malformed_input_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    ".",
	    "abc",
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w.",        /* no payload */
	    ".eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiJ9",               /* no signature */
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w.e30.e30", /* two dots */
	    "O0DHdg8bEw+/kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w.e30",     /* base64, not url */
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J4.e30",       /* 30-byte signature */
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45wAAAA.e30", /* 35-byte signature */
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w.e30%",    /* bad payload char */
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w.e30e3",   /* impossible length */
	    "O0DHdg8bEw_-kLcnL9yZ0j9JXbELJFPZOzAkfn8J45w.e30 ",    /* a space */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(SECRET, bad[i]), SIGNED_REQUEST_MALFORMED);
	/* embedded NUL */
	assert_int_equal(
	    signed_request_parse(SECRET, VALID "\0x", sizeof(VALID) + 1, uid, sizeof(uid)),
	    SIGNED_REQUEST_MALFORMED);
	assert_int_equal(signed_request_parse(SECRET, NULL, 0, uid, sizeof(uid)),
	                 SIGNED_REQUEST_MALFORMED);
}

static void oversized_input_is_refused(void **state)
{
	(void)state;
	size_t n = SIGNED_REQUEST_MAX + 1;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, VALID, sizeof(VALID) - 1);
	memset(big + sizeof(VALID) - 1, 'A', n - (sizeof(VALID) - 1));
	big[n] = '\0';
	assert_int_equal(signed_request_parse(SECRET, big, n, uid, sizeof(uid)),
	                 SIGNED_REQUEST_MALFORMED);
	free(big);
}

static void base64url_decodes_with_and_without_padding(void **state)
{
	(void)state;
	unsigned char out[16];
	assert_int_equal(base64url_decode("aGk", 3, out, sizeof(out)), 2);
	assert_memory_equal(out, "hi", 2);
	assert_int_equal(base64url_decode("aGk=", 4, out, sizeof(out)), 2);
	assert_int_equal(base64url_decode("_-8", 3, out, sizeof(out)), 2);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xef);
	assert_int_equal(base64url_decode("", 0, out, sizeof(out)), 0);
	assert_int_equal(base64url_decode("a", 1, out, sizeof(out)), -1);
	assert_int_equal(base64url_decode("aGk", 3, out, 1), -1); /* too small */
	assert_int_equal(base64url_decode("a=Gk", 4, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_requests_give_the_user_id),
	    cmocka_unit_test(facebooks_documented_vector_verifies),
	    cmocka_unit_test(wrong_secret_or_tampering_is_refused),
	    cmocka_unit_test(signed_but_wrong_payloads_are_refused),
	    cmocka_unit_test(malformed_input_is_refused),
	    cmocka_unit_test(oversized_input_is_refused),
	    cmocka_unit_test(base64url_decodes_with_and_without_padding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
