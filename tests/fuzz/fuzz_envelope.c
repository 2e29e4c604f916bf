/*
 * fuzz_envelope.c - libFuzzer target: Meta's webhook envelope parser
 * (inbox/envelope.h) on any bytes. Every event it returns must have the
 * fields the store indexes; nothing may crash, leak or overflow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inbox/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_list list = {0};
	char err[256];
	if (envelope_parse((const char *)data, size, 1800000000000LL, &list, err, sizeof(err)) ==
	    ENVELOPE_OK) {
		for (size_t i = 0; i < list.count; i++) {
			const struct event *ev = &list.items[i];
			if (!ev->page_id || !ev->dedup_key || !ev->payload || !ev->citizen_id ||
			    ev->ts_ms <= 0)
				abort();
		}
	}
	event_list_free(&list);
	return 0;
}
