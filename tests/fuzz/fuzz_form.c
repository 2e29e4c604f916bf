/*
 * fuzz_form.c - libFuzzer target: form-encoded data (query strings, Open311
 * and console form bodies: http_form_var) and the UTF-8 check and repair
 * (core/text.h). A decoded value never holds a NUL and always fits; a
 * repaired text is always valid UTF-8.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"api_key",  "service_code", "description",
	                                    "hub.mode", "limit",        ""};
	char buf[256];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n = http_form_var((const char *)data, size, names[i], buf, sizeof(buf));
		if (n >= 0 && ((size_t)n >= sizeof(buf) || strlen(buf) != (size_t)n))
			abort();
	}
	char *fixed = text_utf8_repair((const char *)data, size);
	if (!fixed || !text_utf8_valid(fixed, strlen(fixed)))
		abort();
	free(fixed);
	return 0;
}
