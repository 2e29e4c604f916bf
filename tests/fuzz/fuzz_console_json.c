/*
 * fuzz_console_json.c - libFuzzer target: the console's and staff API's JSON
 * request bodies up to where a handler would touch the database. The body
 * is parsed as api_json_body() does (jansson, duplicate keys refused, an
 * object required), its members read with api_member() as the handlers do,
 * then validated by the same functions: a canned reply (canned_validate, with
 * its placeholders) and a live setting (live_settings_find/parse, the admin
 * settings page). A member read as text never holds a NUL or exceeds its
 * bound; a rejected value always has a reason.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/live_settings.h"
#include "domain/canned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *member(json_t *obj, const char *key, size_t max, int *bad)
{
	const char *v = api_member(obj, key, max, bad);
	if (v && strlen(v) > max)
		abort();
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return 0;
	}
	int bad = 0;
	struct canned_reply r = {
	    .department = member(obj, "department", CANNED_DEPARTMENT_MAX + 8, &bad),
	    .title = member(obj, "title", CANNED_TITLE_MAX + 8, &bad),
	    .body = member(obj, "body", CANNED_BODY_MAX + 8, &bad),
	};
	char err[300] = "";
	if (!bad && r.title && r.body && canned_validate(&r, err, sizeof(err)) != 0 && !err[0])
		abort();

	bad = 0;
	const char *key = member(obj, "key", 64, &bad);
	const char *value = member(obj, "value", 64, &bad);
	int k = key ? live_settings_find(key) : -1;
	if (k >= LIVE_COUNT)
		abort();
	if (k >= 0 && value) {
		long long v;
		err[0] = 0;
		if (live_settings_parse((enum live_key)k, value, &v, err, sizeof(err)) != 0 &&
		    !err[0])
			abort();
	}
	/* the free-text members the conversation and case handlers read */
	static const char *const texts[] = {"text",   "note",    "status",   "to_department",
	                                    "intent", "example", "reference"};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		member(obj, texts[i], 2000, &bad);
	json_decref(obj);
	return 0;
}
