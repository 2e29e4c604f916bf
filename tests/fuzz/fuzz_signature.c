/*
 * fuzz_signature.c - libFuzzer target: X-Hub-Signature-256 checking and
 * Meta's signed_request (base64url + HMAC-SHA256) on any bytes. The input
 * is split at its first newline into the header and the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/signed_request.h"
#include "inbox/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *nl = memchr(copy, '\n', size);
	const char *header = copy;
	const char *body = nl ? nl + 1 : "";
	size_t body_len = nl ? size - (size_t)(nl + 1 - copy) : 0;
	if (nl)
		*nl = '\0';
	if (signature_verify("fuzz-secret", body, body_len, header) == SIGNATURE_OK)
		abort(); /* nobody forges HMAC-SHA256 by fuzzing */
	char user[SIGNED_REQUEST_USER_MAX + 1];
	signed_request_parse("fuzz-secret", copy, size, user, sizeof(user));
	unsigned char out[512];
	base64url_decode(copy, size, out, sizeof(out));
	free(copy);
	return 0;
}
