/*
 * signed_request.c - parses and verifies Meta's signed_request (see
 * signed_request.h). Order: split at the one '.', check sizes, decode the
 * signature, verify it over the payload part's bytes (signature.h,
 * constant time), and only then decode and parse the payload.
 */
#include "signed_request.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "inbox/signature.h"

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long base64url_decode(const char *src, size_t len, unsigned char *out, size_t outsize)
{
	while (len > 0 && src[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > outsize)
		return -1;
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(src[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (long)n;
}

static int user_id_ok(const char *s, size_t n)
{
	if (n == 0 || n > SIGNED_REQUEST_USER_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static enum signed_request_result read_payload(const unsigned char *json, size_t n, char *user_id,
                                               size_t user_id_len)
{
	json_error_t e;
	json_t *p = json_loadb((const char *)json, n, JSON_REJECT_DUPLICATES, &e);
	enum signed_request_result r = SIGNED_REQUEST_BAD_PAYLOAD;
	const char *alg = json_string_value(json_object_get(p, "algorithm"));
	json_t *uid = json_object_get(p, "user_id");
	char num[32];
	const char *id = NULL;
	size_t idlen = 0;
	if (json_is_string(uid)) {
		id = json_string_value(uid);
		idlen = json_string_length(uid);
	} else if (json_is_integer(uid) && json_integer_value(uid) > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(uid));
		id = num;
		idlen = strlen(num);
	}
	if (json_is_object(p) && alg && !strcasecmp(alg, "HMAC-SHA256") && id &&
	    user_id_ok(id, idlen) && idlen < user_id_len) {
		memcpy(user_id, id, idlen);
		user_id[idlen] = '\0';
		r = SIGNED_REQUEST_OK;
	}
	json_decref(p);
	return r;
}

enum signed_request_result signed_request_parse(const char *secret, const char *sr, size_t len,
                                                char *user_id, size_t user_id_len)
{
	if (user_id_len)
		user_id[0] = '\0';
	if (!sr || len == 0 || len > SIGNED_REQUEST_MAX || memchr(sr, '\0', len))
		return SIGNED_REQUEST_MALFORMED;
	const char *dot = memchr(sr, '.', len);
	if (!dot || memchr(dot + 1, '.', len - (size_t)(dot - sr) - 1))
		return SIGNED_REQUEST_MALFORMED;
	const char *payload = dot + 1;
	size_t plen = len - (size_t)(payload - sr);
	unsigned char sig[40];
	if (plen == 0 || base64url_decode(sr, (size_t)(dot - sr), sig, sizeof(sig)) != 32)
		return SIGNED_REQUEST_MALFORMED;
	unsigned char json[SIGNED_REQUEST_MAX];
	long jn = base64url_decode(payload, plen, json, sizeof(json));
	if (jn <= 0)
		return SIGNED_REQUEST_MALFORMED;
	if (!secret || !secret[0])
		return SIGNED_REQUEST_BAD_SIGNATURE;
	char hex[2 * 32 + 1], header[8 + sizeof(hex)];
	hex_encode(sig, 32, hex);
	snprintf(header, sizeof(header), "sha256=%s", hex);
	if (signature_verify(secret, payload, plen, header) != SIGNATURE_OK)
		return SIGNED_REQUEST_BAD_SIGNATURE;
	return read_payload(json, (size_t)jn, user_id, user_id_len);
}

const char *signed_request_result_name(enum signed_request_result r)
{
	switch (r) {
	case SIGNED_REQUEST_OK:
		return "ok";
	case SIGNED_REQUEST_MALFORMED:
		return "malformed";
	case SIGNED_REQUEST_BAD_SIGNATURE:
		return "bad_signature";
	default:
		return "bad_payload";
	}
}
