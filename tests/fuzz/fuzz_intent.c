/*
 * fuzz_intent.c - libFuzzer target: the intent engine (normalise, prefilter,
 * PCRE2 match, place extraction) on any bytes, with the project's own
 * definitions and a few streets. The result must always name an intent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intents/intent.h"
#include "intents/streets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct intent_engine *engine(void)
{
	static struct intent_engine *e; /* loaded once per fuzzing process */
	if (e)
		return e;
	char err[512];
	struct streets *st = streets_new();
	if (!st || streets_add(st, "Duevej", NULL, "Fuglekvarteret", err, sizeof(err)) < 0 ||
	    streets_add(st, "Gammel Kongevej", "Gl. Kongevej", "Midtbyen", err, sizeof(err)) < 0 ||
	    streets_add(st, "Rosenvej", NULL, "Blomsterkvarteret", err, sizeof(err)) < 0)
		abort();
	e = intent_engine_load(BORGERBOT_SOURCE_DIR "/intents/defs", st, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intent_result r;
	const struct intent_engine *e = engine();
	if (intent_classify(e, (const char *)data, size, &r) == 0 && !r.intent[0])
		abort();
	intent_find_place(e, (const char *)data, size, &r);
	return 0;
}
