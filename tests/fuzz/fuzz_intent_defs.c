/*
 * fuzz_intent_defs.c - libFuzzer target: the intent definition loader
 * (intents/intent_load.c) on a .intent file a communications officer might
 * write, then a match of the loaded engine against a fixed message, with
 * and without JIT. A file either loads or is refused with "FILE:LINE:" or
 * "FILE:" and a reason; a loaded engine always classifies to some intent,
 * and a pathological pattern is cut short by the match limit (a timeout
 * here is a finding).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "intents/intent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/bb-fuzz-intent-defs-%d", (int)getpid());
		if (mkdir(dir, 0700) != 0)
			abort();
	}
	char path[128], err[512] = "";
	snprintf(path, sizeof(path), "%s/x.intent", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	struct intent_engine *e = intent_engine_load(dir, NULL, err, sizeof(err));
	if (!e) {
		if (!strstr(err, "x.intent"))
			abort(); /* a refusal names the file */
		return 0;
	}
	static const char msg[] = "Lygten på Duevej 12 er gået ud igen!! ababababababababab c";
	for (int jit = 0; jit < 2; jit++) {
		struct intent_result r;
		intent_engine_set_jit(e, jit);
		if (intent_classify(e, msg, sizeof(msg) - 1, &r) == 0 && !r.intent[0])
			abort();
	}
	for (size_t i = 0; i < intent_count(e); i++)
		(void)intent_title(e, intent_name(e, i));
	intent_engine_free(e);
	return 0;
}
