/*
 * intent_bench.c - per-message classification time of the intent engine.
 *
 * Builds a synthetic corpus (default 20,000 messages) from citizen-like
 * templates with random streets, capitals, missing æøå, typos, emoji, greetings
 * and run-ons; then classifies it with JIT and without JIT, several runs each,
 * timing every message with CLOCK_MONOTONIC. Prints the median and p99 per run
 * and the median of those over the runs. Needs nothing outside the repository.
 *
 *   intent_bench [--jit-only] [--intents DIR] [--streets FILE] [--messages N] [--runs R]
 *                [--dump FILE]
 * --dump writes the corpus to FILE, one message a line, and exits (for diffing
 * `borgerbot classify` output before and after an engine change).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/street_register.h"
#include "intents/intent.h"

static const char *const templates[] = {
    "lys ude %s",
    "gadelyset er gået ud på %s %d",
    "lygten ved %s %d blinker hele natten",
    "Så er den gal igen – intet lys i lygterne på %s!",
    "%.0slygtepæl nr 2%d lyser ikke", /* every template takes (street, number) */
    "street light is out on %s",
    "kan i ikke snart salte på %s",
    "det er spejlglat på %s",
    "sneen er ikke ryddet på %s endnu",
    "kan i ikke snart salte i blomsterkvarteret",
    "der er et kæmpe hul i vejen på %s %d",
    "stopskiltet på %s er væltet",
    "et træ ligger over vejen på %s",
    "pothole on %s",
    "min skraldespand er ikke tømt, %s %d",
    "hvornår bliver der hentet skrald på %s",
    "hvordan bestiller jeg storskrald",
    "hvornår har borgerservice åbent",
    "hvad er telefonnummeret til kommunen",
    "jeg vil tale med et menneske",
    "ring mig op tak",
    "i er simpelthen så elendige",
    "jeg vil klage over jeres sagsbehandling",
    "jeg vil ikke leve mere",
    "hej",
    "godmorgen",
    "tak for hjælpen",
    "mange tak!",
    "jeg vil gerne være med i borgerpanelet",
    "stop",
    "afmeld mig panelet",
    "slet mine oplysninger",
    "hvad gemmer i om mig",
    "sluk lyset i stuen",
    "skal det sne i morgen",
    "kan i hjælpe med min boligstøtte",
    "hvornår får jeg svar på min byggeansøgning",
    "hvad koster et nyt pas",
    "der er en rotte i min have",
    "how do i apply for housing benefit",
    /* one long run-on template, split over two lines */
    "hej, jeg skriver fordi der igen igen er problemer med belysningen på %s og jeg har " // NOLINT
    "ringet flere gange uden at nogen har gjort noget ved det, det er simpelthen ikke godt nok",
};
static const char *const streets[] = {
    "Duevej",          "Rosenvej",  "Tulipanvej", "Liljevej",    "Møllevej",   "Gl. Kongevej",
    "gammel kongevej", "moellevej", "rosenvje",   "Stationsvej", "Søndergade", "skt jørgens vej"};
static const char *const prefixes[] = {"", "", "", "hej ", "Hej! ", "hallo ", "godmorgen, "};
static const char *const suffixes[] = {"",     "",    "",  "!!!", " 😡", " tak", " hurtigt tak",
                                       " ...", " ??", " 🙏"};

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One varied message into buf. */
static void make_message(char *buf, size_t size)
{
	char body[512], tmp[640];
	const char *t = templates[rnd(N(templates))];

	snprintf(body, sizeof(body), t, streets[rnd(N(streets))], 1 + (int)rnd(80));
	snprintf(tmp, sizeof(tmp), "%s%s%s", prefixes[rnd(N(prefixes))], body,
	         suffixes[rnd(N(suffixes))]);
	size_t o = 0;
	unsigned style = rnd(10);
	for (const char *p = tmp; *p && o + 3 < size; p++) {
		unsigned char c = (unsigned char)*p;
		if (style == 0 && c >= 'a' && c <= 'z') { /* CAPITALS */
			buf[o++] = (char)(c - 32);
		} else if (style == 1 && c == 0xC3 &&
		           (p[1] == '\xA6' || p[1] == '\xB8' || p[1] == '\xA5')) { /* no æøå */
			const char *r = p[1] == '\xA6' ? "ae" : p[1] == '\xB8' ? "oe" : "aa";
			buf[o++] = r[0], buf[o++] = r[1];
			p++;
		} else if (style == 2 && c >= 'a' && c <= 'z' && p[1] >= 'a' && p[1] <= 'z' &&
		           rnd(25) == 0) { /* typo: swap two letters */
			buf[o++] = p[1], buf[o++] = (char)c;
			p++;
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Classify the corpus once; per-message times into ns (sorted on return). */
static void run(const struct intent_engine *e, char **msgs, size_t n, uint64_t *ns, size_t *matched)
{
	struct intent_result r;

	*matched = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		intent_classify(e, msgs[i], strlen(msgs[i]), &r);
		ns[i] = now_ns() - t0;
		*matched += strcmp(r.intent, "none") != 0;
	}
	qsort(ns, n, sizeof(*ns), cmp_u64);
}

static double median_of(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1], v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The corpus, one message a line, into path. Returns the exit status. */
static int dump_corpus(const char *path, char **msgs, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", msgs[i]);
	if (fclose(f)) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = BORGERBOT_SOURCE_DIR "/intents/defs";
	const char *csv = BORGERBOT_SOURCE_DIR "/municipality/" STREET_REGISTER_FILE;
	const char *dump = NULL;
	size_t n = 20000, matched = 0;
	int runs = 5, jit_only = 0;
	char err[1024];

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--jit-only"))
			jit_only = 1;
	for (int i = 1 + jit_only; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--intents"))
			dir = argv[i + 1];
		else if (!strcmp(argv[i], "--streets"))
			csv = argv[i + 1];
		else if (!strcmp(argv[i], "--messages"))
			n = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--dump"))
			dump = argv[i + 1];
	}
	if (n < 1 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: intent_bench [--jit-only] [--intents DIR] [--streets FILE] "
		                "[--messages N] [--runs R] [--dump FILE]\n");
		return 2;
	}
	struct streets *reg = street_register_load(csv, NULL, err, sizeof(err));
	struct intent_engine *e = reg ? intent_engine_load(dir, reg, err, sizeof(err)) : NULL;
	if (!e) {
		fprintf(stderr, "intent_bench: %s\n", err);
		return 1;
	}
	char **msgs = calloc(n, sizeof(*msgs));
	uint64_t *ns = calloc(n, sizeof(*ns));
	size_t bytes = 0;
	for (size_t i = 0; msgs && i < n; i++) {
		char buf[700];
		make_message(buf, sizeof(buf));
		msgs[i] = strdup(buf);
		bytes += strlen(buf);
	}
	if (!msgs || !ns) {
		fprintf(stderr, "intent_bench: out of memory\n");
		free(msgs);
		free(ns);
		intent_engine_free(e);
		return 1;
	}
	int rc = 0;
	if (dump) {
		rc = dump_corpus(dump, msgs, n);
		goto out;
	}
	printf("corpus: %zu messages, mean %.0f bytes; %zu intents; JIT %s; %d runs each\n", n,
	       (double)bytes / (double)n, intent_count(e),
	       intent_engine_jit_available(e) ? "available" : "NOT available", runs);
	for (int jit = 1; jit >= jit_only; jit--) {
		double med[100], p99[100], mean[100];
		intent_engine_set_jit(e, jit);
		run(e, msgs, n, ns, &matched); /* warm-up */
		for (int r = 0; r < runs; r++) {
			uint64_t sum = 0;
			run(e, msgs, n, ns, &matched);
			for (size_t i = 0; i < n; i++)
				sum += ns[i];
			size_t at_median = n / 2, at_p99 = n * 99 / 100;
			med[r] = (double)ns[at_median] / 1000.0;
			p99[r] = (double)ns[at_p99] / 1000.0;
			mean[r] = (double)sum / (double)n / 1000.0;
			printf("  %-6s run %d: median %6.2f us  p99 %6.2f us  mean %6.2f us\n",
			       jit ? "JIT" : "no JIT", r + 1, med[r], p99[r], mean[r]);
		}
		printf("%-6s median of runs: median %.2f us, p99 %.2f us, mean %.2f us "
		       "(%zu/%zu messages matched an intent)\n",
		       jit ? "JIT" : "no JIT", median_of(med, runs), median_of(p99, runs),
		       median_of(mean, runs), matched, n);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
	free(ns);
	intent_engine_free(e);
	return rc;
}
