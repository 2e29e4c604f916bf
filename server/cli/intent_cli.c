/*
 * intent_cli.c - the intent engine's commands:
 *   borgerbot classify [--intents DIR] [--streets FILE] [--no-jit]
 *       stdin, one message per line -> stdout, one JSON object per line
 *   borgerbot intents test|list [--intents DIR] [--streets FILE] [-v]
 *       runs every example and counter-example of the definitions
 *   borgerbot streets import FILE.csv [--out PATH] | check FILE.csv
 *       validates a street register and installs it (default data/streets.csv)
 * They need no server and no database. The street register is the one file
 * format of domain/street_register.h, read the way `borgerbot serve` reads
 * it: --streets, else data/streets.csv, else the municipality's streets.csv
 * (--municipality-dir, default the demo municipality).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core/textbuf.h"
#include "domain/street_register.h"
#include "domain/winter.h"
#include "intents/intent.h"
#include "intents/intent_internal.h"
#include "intents/normalize.h"
#include "intents/streets.h"

#define DEFAULT_INTENTS BORGERBOT_SOURCE_DIR "/intents/defs"
#define DEFAULT_MUNICIPALITY BORGERBOT_SOURCE_DIR "/municipality"
#define DEFAULT_REGISTER "data/streets.csv"
#define MAX_TEXT 65536 /* bytes of a line echoed back in "text" */

struct opts {
	const char *intents, *streets, *out, *municipality;
	int no_jit, verbose;
	const char *args[4];
	int nargs;
};

static int usage(const char *cmd)
{
	if (!strcmp(cmd, "classify"))
		fprintf(stderr, "usage: borgerbot classify [--intents DIR] [--streets FILE] "
		                "[--municipality-dir DIR] [--no-jit] < messages.txt\n");
	else if (!strcmp(cmd, "intents"))
		fprintf(stderr, "usage: borgerbot intents test|list [--intents DIR] [--streets "
		                "FILE] [--municipality-dir DIR] [-v]\n");
	else
		fprintf(stderr,
		        "usage: borgerbot streets import FILE.csv [--out PATH] [--municipality-dir "
		        "DIR]\n"
		        "       borgerbot streets check FILE.csv [--municipality-dir DIR]\n"
		        "FILE.csv: street,abbreviation,area,winter_class,route; the classes are "
		        "checked\nagainst DIR/winter_classes.csv (default: the demo "
		        "municipality).\n");
	return 2;
}

/* Where the value of option a goes, or NULL if a takes no value. */
static const char **value_opt(struct opts *o, const char *a)
{
	return !strcmp(a, "--intents")            ? &o->intents
	       : !strcmp(a, "--streets")          ? &o->streets
	       : !strcmp(a, "--out")              ? &o->out
	       : !strcmp(a, "--municipality-dir") ? &o->municipality
	                                          : NULL;
}

/* Parse options. Returns 0, 1 for --help, or -1 on a usage error. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->intents = DEFAULT_INTENTS;
	o->municipality = DEFAULT_MUNICIPALITY;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		if (!strcmp(a, "--no-jit")) {
			o->no_jit = 1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = 1;
		} else if (value_opt(o, a)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "borgerbot: %s needs a value\n", a);
				return -1;
			}
			*value_opt(o, a) = argv[++i];
		} else if (a[0] == '-') {
			fprintf(stderr, "borgerbot: unknown option '%s'\n", a);
			return -1;
		} else if (o->nargs < 4) {
			o->args[o->nargs++] = a;
		} else {
			fprintf(stderr, "borgerbot: too many arguments\n");
			return -1;
		}
	}
	return 0;
}

static int file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The register: --streets, else the imported data/streets.csv, else the
 * municipality's streets.csv (none if that folder has none). */
static const char *pick_streets(const struct opts *o, char *buf, size_t size)
{
	if (o->streets)
		return o->streets;
	if (file_exists(DEFAULT_REGISTER))
		return DEFAULT_REGISTER;
	snprintf(buf, size, "%s/%s", o->municipality, STREET_REGISTER_FILE);
	return file_exists(buf) ? buf : NULL;
}

static struct intent_engine *load_engine(const struct opts *o)
{
	char err[1024], buf[4096];
	const char *path = pick_streets(o, buf, sizeof(buf));
	struct streets *reg = NULL;
	/* the engine's columns only: classify needs no winter plan */
	if (path && !(reg = street_register_load(path, NULL, err, sizeof(err)))) {
		fprintf(stderr, "borgerbot: %s\n", err);
		return NULL;
	}
	struct intent_engine *e = intent_engine_load(o->intents, reg, err, sizeof(err));
	if (!e)
		fprintf(stderr, "borgerbot: %s\n", err);
	else if (o->no_jit)
		intent_engine_set_jit(e, 0);
	return e;
}

/* --- classify ------------------------------------------------------------- */

/* The JSON written for one result, by hand (a jansson object per message
 * was a quarter of classify's time). The same bytes jansson wrote with
 * JSON_PRESERVE_ORDER: ", " and ": " separators, empty slots left out. */
static void put_member(struct textbuf *t, const char *sep, const char *key, const char *value)
{
	textbuf_put_str(t, sep);
	textbuf_put_str(t, "\"");
	textbuf_put_str(t, key);
	textbuf_put_str(t, "\": ");
	textbuf_put_json(t, value, strlen(value));
}

static void put_field(struct textbuf *t, const char *key, const char *value)
{
	put_member(t, ", ", key, value);
}

static void put_slots(struct textbuf *t, const struct intent_result *r)
{
	const char *names[] = {"street", "house_number", "pole_number", "area"};
	const char *values[] = {r->street, r->house_number, r->pole_number, r->area};
	int any = 0;
	textbuf_put_str(t, ", \"slots\": {");
	for (int i = 0; i < 4; i++) {
		if (!values[i][0])
			continue;
		put_member(t, any++ ? ", " : "", names[i], values[i]);
	}
	textbuf_put_str(t, "}");
}

/* One line of output for text (already made valid UTF-8) and its result. */
static void result_line(struct textbuf *t, const char *text, size_t len, int truncated,
                        const struct intent_result *r)
{
	textbuf_put_str(t, "{\"text\": ");
	textbuf_put_json(t, text, len);
	put_field(t, "intent", r->intent);
	textbuf_put_str(t, r->angry ? ", \"angry\": true" : ", \"angry\": false");
	put_field(t, "lang", r->lang[0] ? r->lang : "da");
	if (r->kind[0])
		put_field(t, "kind", r->kind);
	put_slots(t, r);
	if (r->street_guessed)
		textbuf_put_str(t, ", \"street_guessed\": true");
	if (r->needs_clarification) {
		textbuf_put_str(t, ", \"clarify\": [");
		textbuf_put_json(t, r->alt_intents[0], strlen(r->alt_intents[0]));
		textbuf_put_str(t, ", ");
		textbuf_put_json(t, r->alt_intents[1], strlen(r->alt_intents[1]));
		textbuf_put_str(t, "]");
	}
	if (truncated)
		textbuf_put_str(t, ", \"truncated\": true");
	textbuf_put_str(t, "}\n");
}

/* Standard input, read in blocks. Before a read that may wait, the answers
 * so far are flushed: a person typing, or a program writing one line and
 * waiting, sees each answer at once, while a file or a full pipe costs one
 * write per block instead of one per line. */
struct line_reader {
	int fd, eof;
	size_t pos, len;
	char buf[65536];
};

static int reader_fill(struct line_reader *lr)
{
	fflush(stdout);
	for (;;) {
		ssize_t k = read(lr->fd, lr->buf, sizeof(lr->buf));
		if (k < 0 && errno == EINTR)
			continue;
		lr->pos = 0;
		lr->len = k > 0 ? (size_t)k : 0;
		lr->eof = k <= 0;
		return k > 0;
	}
}

/* Read one line (without its newline) into buf, keeping at most MAX_TEXT bytes. Returns the
 * kept length, -1 at end of input. */
static long read_line(struct line_reader *lr, char *buf, int *truncated)
{
	size_t n = 0;
	int any = 0;

	*truncated = 0;
	for (;;) {
		if (lr->pos == lr->len && (lr->eof || !reader_fill(lr)))
			break;
		const char *start = lr->buf + lr->pos, *end = lr->buf + lr->len;
		const char *nl = memchr(start, '\n', (size_t)(end - start));
		size_t take = (size_t)((nl ? nl : end) - start);
		size_t keep = take < MAX_TEXT - n ? take : MAX_TEXT - n;
		any = 1;
		memcpy(buf + n, start, keep);
		n += keep;
		if (keep < take)
			*truncated = 1;
		lr->pos += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (!any)
		return -1;
	if (n && buf[n - 1] == '\r')
		n--;
	return (long)n;
}

int cmd_classify(int argc, char **argv)
{
	struct opts o;
	struct intent_engine *e;
	char *buf;
	long n;
	int truncated, rc = 0;

	int p = parse_opts(argc, argv, &o);
	if (p || o.nargs)
		return p == 1 ? (usage("classify"), 0) : usage("classify");
	if (!(e = load_engine(&o)))
		return 2;
	if (!(buf = malloc(MAX_TEXT))) {
		intent_engine_free(e);
		return 1;
	}
	static struct line_reader lr; /* 64 KiB */
	lr.fd = STDIN_FILENO;
	/* per input byte: sanitised 3 bytes at most (U+FFFD), written 6 at
	 * most (a control character as \u001B); plus the small fields */
	size_t cleancap = 3 * (size_t)MAX_TEXT + 1, outcap = 6 * (size_t)MAX_TEXT + 8192;
	char *clean = malloc(cleancap), *out = malloc(outcap);
	while (clean && out && (n = read_line(&lr, buf, &truncated)) >= 0) {
		struct intent_result r;
		intent_classify(e, buf, (size_t)n, &r);
		size_t k = utf8_sanitize(buf, (size_t)n, clean, cleancap);
		struct textbuf t = {out, outcap, 0};
		result_line(&t, clean, k, truncated, &r);
		if (fwrite(out, 1, t.len, stdout) != t.len) {
			fprintf(stderr, "borgerbot: cannot write output\n");
			rc = 1;
			break;
		}
	}
	if (!clean || !out)
		rc = 1;
	if (fflush(stdout) != 0 && !rc) {
		fprintf(stderr, "borgerbot: cannot write output\n");
		rc = 1;
	}
	free(clean);
	free(out);
	free(buf);
	intent_engine_free(e);
	return rc;
}

/* --- intents test ----------------------------------------------------------- */

struct tally {
	size_t n;            /* intents, plus one column for names outside the set */
	unsigned *confusion; /* [expected][predicted] */
	unsigned misses;
};

static size_t name_index(const struct intent_engine *e, const char *name)
{
	size_t n = intent_count(e);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(intent_name(e, i), name))
			return i;
	return n;
}

/* Check "street=Duevej; house_number=12" against r. Returns NULL or what differs. */
static const char *check_slots(const char *spec, const struct intent_result *r, char *why,
                               size_t size)
{
	char copy[512];

	snprintf(copy, sizeof(copy), "%s", spec);
	for (char *save = NULL, *kv = strtok_r(copy, ";", &save); kv;
	     kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');
		while (*kv == ' ')
			kv++;
		if (!eq) {
			snprintf(why, size, "bad slot expectation '%s' (use name=value)", kv);
			return why;
		}
		*eq = 0;
		char *key = kv, *want = eq + 1;
		size_t kl = strlen(key);
		while (kl && key[kl - 1] == ' ')
			key[--kl] = 0;
		while (*want == ' ')
			want++;
		size_t wl = strlen(want);
		while (wl && want[wl - 1] == ' ')
			want[--wl] = 0;
		const char *got = !strcmp(key, "street")         ? r->street
		                  : !strcmp(key, "house_number") ? r->house_number
		                  : !strcmp(key, "pole_number")  ? r->pole_number
		                  : !strcmp(key, "area")         ? r->area
		                                                 : NULL;
		if (!got) {
			snprintf(why, size, "unknown slot '%s'", key);
			return why;
		}
		if (strcmp(got, want) != 0) {
			snprintf(why, size, "slot %s is '%s', expected '%s'", key, got, want);
			return why;
		}
	}
	return NULL;
}

static void run_example(const struct intent_engine *e, const struct intent_def *d,
                        const struct intent_line *l, int verbose, struct tally *t)
{
	char text[4096], why[600];
	const char *arrow = strstr(l->text, "=>");
	size_t len = arrow ? (size_t)(arrow - l->text) : strlen(l->text);
	struct intent_result r;

	while (len && l->text[len - 1] == ' ')
		len--;
	snprintf(text, sizeof(text), "%.*s", (int)len, l->text);
	intent_classify(e, text, strlen(text), &r);
	t->confusion[name_index(e, d->name) * (t->n + 1) + name_index(e, r.intent)]++;
	if (strcmp(r.intent, d->name) != 0) {
		printf("MISS %s:%d: \"%s\" -> %s (expected %s)\n", d->file, l->line, text, r.intent,
		       d->name);
		t->misses++;
	} else if (arrow && check_slots(arrow + 2, &r, why, sizeof(why))) {
		printf("MISS %s:%d: \"%s\": %s\n", d->file, l->line, text, why);
		t->misses++;
	} else if (verbose) {
		printf("ok   %s:%d: \"%s\" -> %s%s\n", d->file, l->line, text, r.intent,
		       r.needs_clarification ? " (would ask)" : "");
	}
}

static void run_counter(const struct intent_engine *e, const struct intent_def *d,
                        const struct intent_line *l, struct tally *t)
{
	struct intent_result r;

	intent_classify(e, l->text, strlen(l->text), &r);
	if (!strcmp(r.intent, d->name)) {
		printf("MISS %s:%d: counter-example \"%s\" was classified as %s\n", d->file,
		       l->line, l->text, r.intent);
		t->misses++;
	}
}

static void run_tone(const struct intent_engine *e, const struct intent_def *tone,
                     unsigned *checked, struct tally *t)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct intent_lines *ls = pass ? &tone->counters : &tone->examples;
		for (size_t i = 0; i < ls->n; i++) {
			struct intent_result r;
			intent_classify(e, ls->v[i].text, strlen(ls->v[i].text), &r);
			(*checked)++;
			if (r.angry == pass) {
				printf("MISS %s:%d: \"%s\" should %sbe angry\n", tone->file,
				       ls->v[i].line, ls->v[i].text, pass ? "not " : "");
				t->misses++;
			}
		}
	}
}

static void print_report(const struct intent_engine *e, const struct tally *t)
{
	size_t n = intent_count(e), w = t->n + 1;

	printf("\n%-20s %9s %9s %9s\n", "intent", "examples", "precision", "recall");
	for (size_t i = 0; i < n; i++) {
		unsigned tp = t->confusion[i * w + i], row = 0, col = 0;
		for (size_t j = 0; j < w; j++)
			row += t->confusion[i * w + j];
		for (size_t j = 0; j < n; j++)
			col += t->confusion[j * w + i];
		printf("%-20s %9u %9.3f %9.3f\n", intent_name(e, i), row,
		       col ? (double)tp / col : 1.0, row ? (double)tp / row : 1.0);
	}
	printf("\nconfusion matrix (rows: expected, columns: predicted)\n%-20s", "");
	for (size_t j = 0; j < n; j++)
		printf(" %4.4s", intent_name(e, j));
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		printf("%-20s", intent_name(e, i));
		for (size_t j = 0; j < n; j++)
			printf(" %4u", t->confusion[i * w + j]);
		printf("\n");
	}
}

static int intents_test(const struct opts *o)
{
	struct intent_engine *e = load_engine(o);
	struct intent_def *defs = NULL, tone;
	size_t ndefs = 0, examples = 0, counters = 0;
	int has_tone;
	unsigned tone_checked = 0;
	char err[1024];
	struct tally t = {0};

	if (!e)
		return 1;
	/* the engine keeps its definitions private: read the examples from the files again */
	if (intent_defs_load(o->intents, &defs, &ndefs, &tone, &has_tone, err, sizeof(err))) {
		fprintf(stderr, "borgerbot: %s\n", err);
		intent_engine_free(e);
		return 1;
	}
	t.n = intent_count(e);
	t.confusion = calloc((t.n + 1) * (t.n + 1), sizeof(unsigned));
	for (size_t i = 0; t.confusion && i < ndefs; i++) {
		for (size_t k = 0; k < defs[i].examples.n; k++, examples++)
			run_example(e, &defs[i], &defs[i].examples.v[k], o->verbose, &t);
		for (size_t k = 0; k < defs[i].counters.n; k++, counters++)
			run_counter(e, &defs[i], &defs[i].counters.v[k], &t);
	}
	if (t.confusion && has_tone)
		run_tone(e, &tone, &tone_checked, &t);
	if (t.confusion)
		print_report(e, &t);
	printf("\n%zu examples, %zu counter-examples, %u tone checks, %u misses\n", examples,
	       counters, tone_checked, t.misses);
	int rc = !t.confusion || t.misses ? 1 : 0;
	free(t.confusion);
	for (size_t i = 0; i < ndefs; i++)
		intent_def_clear(&defs[i]);
	free(defs);
	intent_def_clear(&tone);
	intent_engine_free(e);
	return rc;
}

int cmd_intents(int argc, char **argv)
{
	struct opts o;
	int p = parse_opts(argc, argv, &o);

	if (p == 1)
		return usage("intents"), 0;
	if (p || o.nargs != 1)
		return usage("intents");
	if (!strcmp(o.args[0], "test"))
		return intents_test(&o);
	if (!strcmp(o.args[0], "list")) {
		struct intent_engine *e = load_engine(&o);
		if (!e)
			return 1;
		for (size_t i = 0; i < intent_count(e); i++) {
			const char *name = intent_name(e, i), *action = intent_action(e, name);
			printf("%-20s %-8s %s\n", name, intent_is_routine(e, name) ? "routine" : "",
			       action ? action : "");
		}
		intent_engine_free(e);
		return 0;
	}
	return usage("intents");
}

/* --- streets -------------------------------------------------------------- */

/* Copy src to dst through a temporary file and a rename, so the register is never half-written. */
static int install_file(const char *src, const char *dst)
{
	char tmp[4096];
	FILE *in = fopen(src, "rb"), *out;
	char buf[65536];
	size_t n;
	int ok = 1;

	if (!in) {
		fprintf(stderr, "borgerbot: %s: %s\n", src, strerror(errno));
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	if (!(out = fopen(tmp, "wb"))) {
		fprintf(stderr, "borgerbot: %s: %s\n", tmp, strerror(errno));
		fclose(in);
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok &= fwrite(buf, 1, n, out) == n;
	ok &= !ferror(in);
	ok &= fflush(out) == 0 && fsync(fileno(out)) == 0;
	ok &= fclose(out) == 0;
	fclose(in);
	if (!ok || rename(tmp, dst)) {
		fprintf(stderr, "borgerbot: cannot write %s: %s\n", dst, strerror(errno));
		unlink(tmp);
		return 1;
	}
	return 0;
}

/* Checks the register at path as `borgerbot serve` would: every row for the engine and,
 * against the winter classes of the municipality folder, for the winter plan. Returns the
 * number of streets, or -1 (the reason printed). */
static long check_register(const char *path, const char *municipality)
{
	char err[1024];
	struct winter_plan *plan = winter_load(municipality, err, sizeof(err));
	struct streets *reg = plan ? street_register_load(path, plan, err, sizeof(err)) : NULL;
	long n = reg ? (long)streets_count(reg) : -1;
	if (n < 0)
		fprintf(stderr, "borgerbot: %s\n", err);
	streets_free(reg);
	winter_free(plan);
	return n;
}

int cmd_streets(int argc, char **argv)
{
	struct opts o;
	int p = parse_opts(argc, argv, &o);

	if (p == 1)
		return usage("streets"), 0;
	if (p || o.nargs != 2 ||
	    (strcmp(o.args[0], "import") != 0 && strcmp(o.args[0], "check") != 0))
		return usage("streets");
	long count = check_register(o.args[1], o.municipality);
	if (count < 0)
		return 1;
	if (!strcmp(o.args[0], "check")) {
		printf("%s: %ld streets, valid\n", o.args[1], count);
		return 0;
	}
	const char *dst = o.out ? o.out : DEFAULT_REGISTER;
	if (!o.out && mkdir("data", 0755) && errno != EEXIST) {
		fprintf(stderr, "borgerbot: cannot create data/: %s\n", strerror(errno));
		return 1;
	}
	if (install_file(o.args[1], dst))
		return 1;
	printf("imported %ld streets into %s\n", count, dst);
	return 0;
}
