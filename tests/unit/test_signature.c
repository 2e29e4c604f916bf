/*
 * test_signature.c - X-Hub-Signature-256 verification against known vectors
 * (RFC 4231 test case 2 and the classic "quick brown fox" HMAC-SHA256).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "inbox/signature.h"

#define FOX "The quick brown fox jumps over the lazy dog"
#define FOX_SIG "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
#define JEFE_MSG "what do ya want for nothing?"
#define JEFE_SIG "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

static enum signature_result verify(const char *secret, const char *body, const char *header)
{
	return signature_verify(secret, body, strlen(body), header);
}

static void known_vectors_verify(void **state)
{
	(void)state;
	assert_int_equal(verify("key", FOX, FOX_SIG), SIGNATURE_OK);
	assert_int_equal(verify("Jefe", JEFE_MSG, JEFE_SIG), SIGNATURE_OK);
}

static void uppercase_hex_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(
	    verify("key", FOX,
	           "sha256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8"),
	    SIGNATURE_OK);
}

static void wrong_secret_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(verify("Key", FOX, FOX_SIG), SIGNATURE_MISMATCH);
	assert_int_equal(verify("", FOX, FOX_SIG), SIGNATURE_MISMATCH);
}

static void changed_body_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(verify("key", FOX ".", FOX_SIG), SIGNATURE_MISMATCH);
	assert_int_equal(verify("key", "", FOX_SIG), SIGNATURE_MISMATCH);
}

static void truncated_header_is_rejected(void **state)
{
	(void)state;
	char header[sizeof(FOX_SIG)];
	strcpy(header, FOX_SIG);
	header[strlen(header) - 1] = '\0';
	assert_int_equal(verify("key", FOX, header), SIGNATURE_MALFORMED);
	assert_int_equal(verify("key", FOX, "sha256="), SIGNATURE_MALFORMED);
	assert_int_equal(verify("key", FOX, "sha256"), SIGNATURE_MALFORMED);
	/* one digit too many */
	assert_int_equal(verify("key", FOX, FOX_SIG "0"), SIGNATURE_MALFORMED);
}

static void sha1_header_is_rejected(void **state)
{
	(void)state;
	/* The legacy X-Hub-Signature format is never accepted as -256. */
	assert_int_equal(verify("key", FOX, "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"),
	                 SIGNATURE_MALFORMED);
}

static void missing_and_garbage_headers(void **state)
{
	(void)state;
	assert_int_equal(verify("key", FOX, NULL), SIGNATURE_MISSING);
	assert_int_equal(verify("key", FOX, ""), SIGNATURE_MISSING);
	assert_int_equal(
	    verify("key", FOX,
	           "sha256=g7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"),
	    SIGNATURE_MALFORMED);
	assert_int_equal(
	    verify("key", FOX,
	           "SHA256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"),
	    SIGNATURE_MALFORMED);
	assert_int_equal(
	    verify("key", FOX,
	           " sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"),
	    SIGNATURE_MALFORMED);
}

static void body_with_nul_bytes(void **state)
{
	(void)state;
	const char body[] = {'a', '\0', 'b'};
	char header[80];
	signature_sign("s", body, sizeof(body), header);
	assert_int_equal(signature_verify("s", body, sizeof(body), header), SIGNATURE_OK);
	assert_int_equal(signature_verify("s", body, 1, header), SIGNATURE_MISMATCH);
}

static void sign_produces_lowercase_known_vector(void **state)
{
	(void)state;
	char header[80];
	signature_sign("key", FOX, strlen(FOX), header);
	assert_string_equal(header, FOX_SIG);
}

static void secret_equal_compares_whole_strings(void **state)
{
	(void)state;
	assert_true(signature_secret_equal("verify-token", "verify-token"));
	assert_false(signature_secret_equal("verify-token", "verify-tokeN"));
	assert_false(signature_secret_equal("verify-token", "verify-toke"));
	assert_false(signature_secret_equal("verify", "verify-token"));
	assert_false(signature_secret_equal("", "x"));
	assert_true(signature_secret_equal("", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_vectors_verify),
	    cmocka_unit_test(uppercase_hex_is_accepted),
	    cmocka_unit_test(wrong_secret_is_rejected),
	    cmocka_unit_test(changed_body_is_rejected),
	    cmocka_unit_test(truncated_header_is_rejected),
	    cmocka_unit_test(sha1_header_is_rejected),
	    cmocka_unit_test(missing_and_garbage_headers),
	    cmocka_unit_test(body_with_nul_bytes),
	    cmocka_unit_test(sign_produces_lowercase_known_vector),
	    cmocka_unit_test(secret_equal_compares_whole_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
