/*
 * test_intent_units.c - unit tests of the intent engine's pure parts:
 * text and pattern folding, the street register (built in memory: hostile
 * rows, growth, look-up with typos and abbreviations), the definition loader's errors, the
 * regex prefilter's literals and automaton, and a few classifications with the
 * shipped definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "intents/intent.h"
#include "intents/intent_internal.h"
#include "intents/normalize.h"
#include "intents/streets.h"

static const char *norm(const char *s)
{
	static char out[NORMALIZE_OUT_SIZE];

	normalize_text(s, strlen(s), out, sizeof(out), NULL);
	return out;
}

static void folding_of_danish_letters(void **state)
{
	(void)state;
	assert_string_equal(norm("Møllevej"), " molevej ");
	assert_string_equal(norm("moellevej"), " molevej ");
	assert_string_equal(norm("mollevej"), " molevej ");
	assert_string_equal(norm("ÅBNINGSTIDER"), " abningstider ");
	assert_string_equal(norm("aabningstider"), " abningstider ");
	assert_string_equal(norm("Glæde"), " glade ");
	assert_string_equal(norm("glaede"), " glade ");
}

static void folding_of_repeats_emoji_punctuation(void **state)
{
	(void)state;
	assert_string_equal(norm("heeeeej!!! 😡😡"), " hej ");
	assert_string_equal(norm("lys ude...duevej"), " lys ude duevej ");
	assert_string_equal(norm("Gl. Kongevej 12B"), " gl kongevej 12b ");
	assert_string_equal(norm("nr12"), " nr 12 ");
	assert_string_equal(norm("100 kr"), " 100 kr ");
	assert_string_equal(norm(""), " ");
}

static void folding_of_invalid_utf8(void **state)
{
	char out[64];
	(void)state;
	size_t n = normalize_text("lys\xff\xfe ude\xc3", 10, out, sizeof(out), NULL);
	assert_string_equal(out, " lys ude ");
	assert_int_equal(n, strlen(out));
	assert_string_equal(norm("\xc3\x28"), " ");
}

static void folding_keeps_other_scripts_and_is_bounded(void **state)
{
	char out[16];
	(void)state;
	assert_string_equal(norm("Привет"), " Привет ");
	normalize_text("abcdefghij klmnopqrstuvwxyz", 27, out, sizeof(out), NULL);
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(out[strlen(out) - 1], ' ');
}

static void sanitize_replaces_bad_bytes(void **state)
{
	char out[64];
	(void)state;
	utf8_sanitize("a\xffz\0b", 5, out, sizeof(out));
	assert_string_equal(out, "a\xEF\xBF\xBDz\xEF\xBF\xBD"
	                         "b");
}

static const char *pat(const char *p)
{
	static char out[512];

	assert_int_equal(normalize_pattern(p, out, sizeof(out)), 0);
	return out;
}

static void pattern_folding(void **state)
{
	(void)state;
	assert_string_equal(pat("gadelygte|lygtepæl"), "gadelygte|lygtepal");
	assert_string_equal(pat("slukket"), "sluket");
	assert_string_equal(pat("\\bÅbningstid\\w*"), "\\babningstid\\w*");
	assert_string_equal(pat("(?<pole_number>\\d{3,8})"), "(?<pole_number>\\d{3,8})");
	assert_string_equal(pat("[æøå]"), "[aoa]");
	assert_string_equal(pat("ee?"), "ee?");
	assert_string_equal(pat("\\bbb"), "\\bb");
}

/* A register in memory: the engine reads no files for it (streets.h). */
static const char *const demo_rows[][3] = {
    {"Duevej", "", "Fuglekvarteret"},
    {"Svanevej", "", "Fuglekvarteret"},
    {"Rosenvej", "", "Blomsterkvarteret"},
    {"Tulipanvej", "", "Blomsterkvarteret"},
    {"Liljevej", "", "Blomsterkvarteret"},
    {"Gammel Kongevej", "Gl. Kongevej", "Midtbyen"},
    {"Gammel Skolevej", "Gl. Skolevej", "Midtbyen"},
    {"Sankt Jørgens Vej", "Skt. Jørgens Vej", "Midtbyen"},
    {"Stationsvej", "", "Midtbyen"},
    {"Havnegade", "", "Havnen"},
    {"Møllevej", "", "Møllebakken"},
    {"Møllebakken", "", "Møllebakken"},
    {"Skolevej", "", "Møllebakken"},
    {"Egeskovvej", "", ""},
    {"Bøgealle", "Bøge Allé", NULL},
};

static struct streets *demo_register(void)
{
	char err[256];
	struct streets *st = streets_new();

	assert_non_null(st);
	for (size_t i = 0; i < sizeof(demo_rows) / sizeof(demo_rows[0]); i++)
		assert_int_equal(streets_add(st, demo_rows[i][0], demo_rows[i][1], demo_rows[i][2],
		                             err, sizeof(err)),
		                 0);
	return st;
}

/* streets_add() on a fresh register; returns its result, the reason in err. */
static int add_one(const char *name, const char *abbreviation, const char *area, char *err,
                   size_t errlen)
{
	struct streets *st = streets_new();
	int rc = streets_add(st, name, abbreviation, area, err, errlen);

	streets_free(st);
	return rc;
}

static void register_rejects_bad_rows(void **state)
{
	char err[256], longname[200];
	(void)state;
	assert_int_equal(add_one("", "Gl. X", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "empty street name");
	assert_int_equal(add_one(NULL, NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "empty street name");
	assert_int_equal(add_one("---", NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "street name has no letters");
	assert_int_equal(add_one("Due\x01vej", NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "street has a control character");
	assert_int_equal(add_one("Duevej", "D\x7fv", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "abbreviation has a control character");
	assert_int_equal(add_one("Due\xffvej", NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "street is not valid UTF-8");
	assert_int_equal(add_one("Duevej", NULL, "Fugle\xc3", err, sizeof(err)), -1);
	assert_string_equal(err, "area is not valid UTF-8");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(add_one(longname, NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "street is longer than 100 bytes");
	longname[STREETS_MAX_NAME] = 0; /* exactly the limit is fine */
	assert_int_equal(add_one(longname, NULL, longname, err, sizeof(err)), 0);
	assert_int_equal(add_one("Duevej", NULL, NULL, NULL, 0), 0); /* err may be NULL */
	assert_int_equal(add_one("", NULL, NULL, NULL, 0), -1);
}

static void register_counts_and_keeps_duplicates(void **state)
{
	char err[256], name[32];
	(void)state;
	struct streets *st = demo_register();
	assert_int_equal(streets_count(st), sizeof(demo_rows) / sizeof(demo_rows[0]));
	/* the same name again (another village's Duevej) is a row; the first one's area wins */
	assert_int_equal(streets_add(st, "Duevej", NULL, "Havnen", err, sizeof(err)), 0);
	assert_int_equal(streets_count(st), sizeof(demo_rows) / sizeof(demo_rows[0]) + 1);
	streets_free(st);
	assert_int_equal(streets_count(NULL), 0);
	/* many streets: the table grows and every one is still found */
	st = streets_new();
	for (int i = 0; i < STREETS_MAX_ROWS; i++) {
		snprintf(name, sizeof(name), "Vej%dgade", i);
		assert_int_equal(streets_add(st, name, NULL, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(streets_add(st, "Endnu En Vej", NULL, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "more than 100000 streets");
	struct streets_match m;
	const char *n = norm("lys ude vej99999gade 4");
	assert_int_equal(streets_find(st, n, strlen(n), &m), 1);
	assert_string_equal(m.street, "Vej99999gade");
	streets_free(st);
}

static struct streets_match find(const struct streets *st, const char *text)
{
	struct streets_match m;
	const char *n = norm(text);

	streets_find(st, n, strlen(n), &m);
	return m;
}

static void street_lookup(void **state)
{
	(void)state;
	struct streets *st = demo_register();
	struct streets_match m = find(st, "lys ude moellevej 3");
	assert_string_equal(m.street, "Møllevej");
	assert_string_equal(m.house_number, "3");
	m = find(st, "hul i vejen på gl. kongevej 12b");
	assert_string_equal(m.street, "Gammel Kongevej");
	assert_string_equal(m.house_number, "12b");
	assert_string_equal(m.area, "Midtbyen");
	assert_string_equal(find(st, "GAMMELKONGEVEJ").street, "Gammel Kongevej");
	assert_string_equal(find(st, "due vej").street, "Duevej");
	assert_string_equal(find(st, "rosenvje").street, "Rosenvej"); /* transposition */
	assert_string_equal(find(st, "tulipan vej").street, "Tulipanvej");
	assert_string_equal(find(st, "tulipanvejj").street, "Tulipanvej");
	assert_string_equal(find(st, "skt jørgens vej").street, "Sankt Jørgens Vej");
	m = find(st, "salt i blomsterkvarteret");
	assert_null(m.street);
	assert_string_equal(m.area, "Blomsterkvarteret");
	assert_string_equal(find(st, "blomsterkvarter").area, "Blomsterkvarteret");
	assert_null(find(st, "sluk lyset i stuen").street);
	assert_null(find(st, "hovedvejen").street);
	m = find(st, "lampen ved nr 22 på duevej");
	assert_string_equal(m.street, "Duevej");
	assert_string_equal(m.house_number, "22");
	m = find(st, "vejhul ved bøge allé"); /* an abbreviation, no area */
	assert_string_equal(m.street, "Bøgealle");
	assert_null(m.area);
	assert_null(find(st, "træ væltet på egeskovvej").area);
	/* an area and a street with one name: the first added (the area) wins */
	m = find(st, "salt på møllebakken");
	assert_null(m.street);
	assert_string_equal(m.area, "Møllebakken");
	streets_free(st);
}

/* The fuzzy scan looks only at near lengths and the same first or second
 * letter; among many streets it still finds the nearest, and the first added
 * on a tie, wherever the typo is. */
/* m's street is want (never a NULL pointer for cmocka to read). */
static void expect_street(struct streets_match m, const char *want)
{
	if (!m.street || strcmp(m.street, want) != 0)
		fail_msg("found '%s', want '%s'", m.street ? m.street : "(none)", want);
}

static void fuzzy_lookup_in_a_large_register(void **state)
{
	(void)state;
	struct streets *st = streets_new();
	char name[64], err[128];
	for (int i = 0; i < 3000; i++) { /* "Aabvej", "Aacvej", ... */
		snprintf(name, sizeof(name), "%c%c%cvej", 'A' + i % 26, 'a' + i / 26 % 26,
		         'a' + i / 676 % 26);
		assert_int_equal(streets_add(st, name, NULL, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(streets_add(st, "Rosenvej", NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(streets_add(st, "Rosentvej", NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(streets_add(st, "Solsortevej", NULL, NULL, err, sizeof(err)), 0);
	expect_street(find(st, "hul på rosenvje"), "Rosenvej"); /* transposition */
	/* a lost first letter is not looked for: the scan needs the first or second */
	assert_null(find(st, "hul på osenvej").street);
	expect_street(find(st, "hul på rsenvej"), "Rosenvej"); /* second letter lost */
	expect_street(find(st, "hul på rosentvje"), "Rosentvej");
	/* one edit from both Rosenvej and Rosentvej: the first added wins */
	expect_street(find(st, "hul på rosesvej"), "Rosenvej");
	/* (folding makes "kk" one letter; this name has no double letters) */
	expect_street(find(st, "solsortvej"), "Solsortevej");  /* 1 edit */
	expect_street(find(st, "solsortvje"), "Solsortevej");  /* 2 edits, 10 letters */
	expect_street(find(st, "slosortevje"), "Solsortevej"); /* 2 edits, 11 letters */
	assert_null(find(st, "solortvje").street);             /* 3 edits: too far */
	assert_null(find(st, "solsrtvej").street); /* 2 edits, but 9 letters allow only 1 */
	streets_free(st);
}

static void language_of_a_message(void **state)
{
	(void)state;
	assert_int_equal(intent_language_check(), 0);
	const char *en = " the light is out on my street ", *da = " lyset er ude pa min vej ";
	assert_string_equal(intent_language(en, strlen(en)), "en");
	assert_string_equal(intent_language(da, strlen(da)), "da");
	const char *none = " duevej 12 ", *tie = " at ", *longw = " internationalisation ";
	assert_string_equal(intent_language(none, strlen(none)), "da");
	assert_string_equal(intent_language(tie, strlen(tie)), "da");
	assert_string_equal(intent_language(longw, strlen(longw)), "da");
}

static void edit_distance(void **state)
{
	(void)state;
	assert_int_equal(streets_edit_distance("abc", 3, "abc", 3, 2), 0);
	assert_int_equal(streets_edit_distance("abc", 3, "acb", 3, 2), 1);
	assert_int_equal(streets_edit_distance("kitten", 6, "sitting", 7, 5), 3);
	assert_int_equal(streets_edit_distance("a", 1, "abcdef", 6, 2), 3);
}

/* --- loader errors ------------------------------------------------------- */

static char tmpdir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/intent-test-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load tmpdir holding only the given file; return the error ("" if it loaded). */
static const char *load_one(const char *text)
{
	static char err[512];
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -f '%s'/*.intent", tmpdir);
	assert_int_equal(system(cmd), 0);
	write_file("a.intent", text);
	struct intent_engine *e = intent_engine_load(tmpdir, NULL, err, sizeof(err));
	if (e) {
		intent_engine_free(e);
		return "";
	}
	const char *p = strstr(err, "a.intent");
	return p ? p : err;
}

static void loader_errors_name_file_and_line(void **state)
{
	(void)state;
	assert_string_equal(load_one("name: x\npattern: a\n"), "");
	assert_string_equal(load_one("# c\nname: x\nthis is not a key line\n"),
	                    "a.intent:3: expected 'key: value'");
	assert_non_null(strstr(load_one("name: x\ncolour: red\n"), "a.intent:2: unknown key"));
	assert_string_equal(load_one("pattern: a\n"), "a.intent: missing 'name:'");
	assert_string_equal(load_one("name: x\n"), "a.intent: no 'pattern:' line");
	assert_string_equal(load_one("name: Bad Name\npattern: a\n"),
	                    "a.intent:1: a name is 1-31 characters of a-z, 0-9 and _");
	assert_string_equal(load_one("name: x\npattern:\n"), "a.intent:2: empty value");
	assert_string_equal(load_one("name: x\npriority: high\npattern: a\n"),
	                    "a.intent:2: priority must be a whole number from 0 to 1000");
	assert_string_equal(load_one("name: x\n\npattern: (lys|lygte\n"),
	                    "a.intent:3: bad pattern: missing closing parenthesis at offset 10");
	assert_string_equal(load_one("name: x\npattern: a\nexclude: [b\n"),
	                    "a.intent:3: bad pattern: missing terminating ] for character class "
	                    "at offset 2");
	assert_string_equal(load_one("name: x\npattern: a\xff\n"),
	                    "a.intent:2: invalid UTF-8 (save the file as UTF-8)");
	assert_string_equal(load_one("name: x\ntitle: Et\ntitle: To\npattern: a\n"),
	                    "a.intent:3: 'title' given twice");
	char longtitle[200];
	snprintf(longtitle, sizeof(longtitle), "name: x\ntitle: %0100d\npattern: a\n", 0);
	assert_string_equal(load_one(longtitle),
	                    "a.intent:2: a title is at most 80 bytes (a few words for staff)");
}

/* A catastrophic pattern (2^29 ways to split 30 "ab"s) against a stranger's
 * text: the match limit makes it give up at once, as no match. */
static void catastrophic_pattern_gives_up(void **state)
{
	char err[512], text[128] = "";
	struct intent_result r;
	(void)state;
	write_file("a.intent", "name: slow\npattern: ((ab)+)+c\n");
	struct intent_engine *e = intent_engine_load(tmpdir, NULL, err, sizeof(err));
	assert_non_null(e);
	for (int i = 0; i < 30; i++)
		strcat(text, "ab");
	strcat(text, " c");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < 2; k++) { /* with and without JIT */
		intent_engine_set_jit(e, k);
		assert_int_equal(intent_classify(e, text, strlen(text), &r), 0);
		assert_string_not_equal(r.intent, "slow");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s < 2.0); /* unbounded, this takes minutes */
	/* the bound does not stop an ordinary match */
	assert_int_equal(intent_classify(e, "ababc", 5, &r), 0);
	assert_string_equal(r.intent, "slow");
	intent_engine_free(e);
}

/* An intent whose literals are common is matched line by line ("split"):
 * the result and the slots are those of the leftmost line, as the whole
 * alternation would give. */
static void split_intent_matches_like_the_alternation(void **state)
{
	char err[512];
	struct intent_result r;
	(void)state;
	write_file("a.intent", "name: split\nroutine: yes\n"
	                       "pattern: \\bder (?<pole_number>\\d+)\n"
	                       "pattern: \\bqqq\\b\n"
	                       "pattern: \\bnr (?<pole_number>\\d+)\n"
	                       "pattern: \\bzzz\\b\n");
	struct intent_engine *e = intent_engine_load(tmpdir, NULL, err, sizeof(err));
	assert_non_null(e);
	for (int jit = 0; jit < 2; jit++) {
		intent_engine_set_jit(e, jit);
		const char *t = "se nr 8 og der 7";
		assert_int_equal(intent_classify(e, t, strlen(t), &r), 0);
		assert_string_equal(r.intent, "split");
		assert_string_equal(r.pole_number, "8"); /* the leftmost line's */
		t = "hej zzz";
		assert_int_equal(intent_classify(e, t, strlen(t), &r), 0);
		assert_string_equal(r.intent, "split");
		t = "der er ingen";
		assert_int_equal(intent_classify(e, t, strlen(t), &r), 0);
		assert_string_not_equal(r.intent, "split");
	}
	intent_engine_free(e);
}

static void loader_rejects_duplicates(void **state)
{
	char err[512];
	(void)state;
	write_file("a.intent", "name: x\npattern: a\n");
	write_file("b.intent", "name: x\npattern: b\n");
	assert_null(intent_engine_load(tmpdir, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "b.intent: duplicate intent 'x' (also in "));
	char path[256];
	snprintf(path, sizeof(path), "%s/b.intent", tmpdir);
	unlink(path);
	assert_null(intent_engine_load("/nonexistent/dir", NULL, err, sizeof(err)));
}

/* --- the prefilter -------------------------------------------------------- */

static const char *lits(const char *folded)
{
	static char out[4096];

	prefilter_literals(folded, out, sizeof(out));
	return out;
}

static void prefilter_required_literals(void **state)
{
	char out[64];
	(void)state;
	assert_string_equal(lits("\\blys\\b"), "lys");
	assert_string_equal(lits("\\b(gade|vej)?lys(et)? (er )?ude\\b"),
	                    "lyset er ude|lyset ude|lys er ude|lys ude");
	assert_string_equal(lits("\\bhul\\w*\\b.{0,30}\\b(vej|sti)\\b"), "hul");
	assert_string_equal(lits("(?:x\\w*)|(?:ab|abc|cab)"), "x|ab");
	assert_string_equal(lits("\\b(tage|tog) (mit|sit) liv\\b"),
	                    "tage mit liv|tage sit liv|tog mit liv|tog sit liv");
	assert_string_equal(lits("^ ?(stop|afmeld)\\s*$"), "stop|afmeld");
	assert_string_equal(lits("(?<pole>\\d{3,8})-(nr)+"), "nr");
	assert_string_equal(lits("(ab){2,3}c"), "ab");
	assert_string_equal(lits("x(?!yz)"), "x");
	assert_string_equal(lits("A\\.B"), "a.b");
	/* nothing required, or syntax not analysed: the regex always runs */
	assert_int_equal(prefilter_literals("\\d{5}", out, sizeof(out)), 0);
	assert_int_equal(prefilter_literals("lys|\\w+", out, sizeof(out)), 0);
	assert_int_equal(prefilter_literals("(lys)?", out, sizeof(out)), 0);
	assert_int_equal(prefilter_literals("(?i)lys", out, sizeof(out)), 0);
	assert_int_equal(prefilter_literals("(a)\\1", out, sizeof(out)), 0);
	assert_int_equal(prefilter_literals("lys(", out, sizeof(out)), 0);
	assert_string_equal(lits("l\xc3\xa6se"), "se"); /* a non-ASCII letter splits the literal */
	/* a long alternation (the hashed union and minimising): words that hold
	 * a shorter member are dropped, a repeat is kept once, order stays;
	 * past EXACT_MAX branches the required set accumulates on its own */
	char big[2048] = "", want[2048] = "";
	for (int i = 0; i < 80; i++) {
		char w[16];
		snprintf(w, sizeof(w), "%sw%02d", i ? "|" : "", i);
		strcat(big, w);
		strcat(want, w);
	}
	strcat(big, "|xw07y|w13|zzw39|qq");
	strcat(want, "|qq");
	assert_string_equal(lits(big), want);
}

static void prefilter_scan_marks_regexes(void **state)
{
	struct prefilter *pf = prefilter_new();
	uint64_t bits[PREFILTER_WORDS];
	int a, b, c, d;
	const char *t = " lygten er sluket ";
	(void)state;
	assert_non_null(pf);
	assert_int_equal(prefilter_add(pf, " (?:lygte\\w*|lampe)", &a), 0);
	assert_int_equal(prefilter_add(pf, "hul|huler", &b), 0);
	assert_int_equal(prefilter_add(pf, "\\d+", &c), 0);
	assert_int_equal(prefilter_add(pf, "er s", &d), 0);
	assert_true(a >= 0 && b >= 0 && d >= 0);
	assert_int_equal(c, -1);
	assert_int_equal(prefilter_build(pf), 0);
	prefilter_scan(pf, t, strlen(t), bits);
	assert_true(prefilter_may_match(bits, a));
	assert_false(prefilter_may_match(bits, b));
	assert_true(prefilter_may_match(bits, c));
	assert_true(prefilter_may_match(bits, d)); /* found across a word boundary */
	t = " et hul i vejen ";
	prefilter_scan(pf, t, strlen(t), bits);
	assert_false(prefilter_may_match(bits, a));
	assert_true(prefilter_may_match(bits, b));
	assert_false(prefilter_may_match(bits, d));
	prefilter_free(pf);
}

/* --- the shipped definitions --------------------------------------------- */

static void classify_shipped(void **state)
{
	char err[512], buf[512];
	struct intent_result r;
	(void)state;
	struct intent_engine *e =
	    intent_engine_load(INTENTS_DIR, demo_register(), err, sizeof(err));
	assert_non_null(e);
	const char *t = "lys ude duevej 7";
	assert_int_equal(intent_classify(e, t, strlen(t), &r), 0);
	assert_string_equal(r.intent, "streetlight_outage");
	assert_string_equal(r.street, "Duevej");
	assert_string_equal(r.house_number, "7");
	assert_int_equal(r.angry, 0);
	assert_true(intent_render_answer(e, &r, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "Duevej"));
	assert_non_null(intent_action(e, "streetlight_outage"));
	assert_true(intent_is_routine(e, "gritting"));
	assert_false(intent_is_routine(e, "crisis"));
	/* every shipped intent has a Danish title for the console */
	for (size_t i = 0; i < intent_count(e); i++)
		assert_non_null(intent_title(e, intent_name(e, i)));
	assert_string_equal(intent_title(e, "streetlight_outage"), "Gadelys ude");
	assert_null(intent_title(e, "no_such_intent"));

	t = "hej! tak for sidst. jeg vil ikke leve mere";
	intent_classify(e, t, strlen(t), &r);
	assert_string_equal(r.intent, "crisis");

	t = "HVAD FANDEN LAVER I DEROVRE";
	intent_classify(e, t, strlen(t), &r);
	assert_string_equal(r.intent, "complaint");
	assert_int_equal(r.angry, 1);

	t = "lygten er ude og der er et stort hul i vejen på rosenvej";
	intent_classify(e, t, strlen(t), &r);
	assert_int_equal(r.needs_clarification, 1);
	assert_string_not_equal(r.alt_intents[0], r.alt_intents[1]);

	intent_engine_set_jit(e, 0);
	t = "gadelys ude gl. kongevej";
	intent_classify(e, t, strlen(t), &r);
	assert_string_equal(r.intent, "streetlight_outage");
	assert_string_equal(r.street, "Gammel Kongevej");

	char junk[5000];
	memset(junk, '\xff', sizeof(junk));
	assert_int_equal(intent_classify(e, junk, sizeof(junk), &r), 0);
	assert_string_equal(r.intent, "none");
	intent_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(folding_of_danish_letters),
	    cmocka_unit_test(folding_of_repeats_emoji_punctuation),
	    cmocka_unit_test(folding_of_invalid_utf8),
	    cmocka_unit_test(folding_keeps_other_scripts_and_is_bounded),
	    cmocka_unit_test(sanitize_replaces_bad_bytes),
	    cmocka_unit_test(pattern_folding),
	    cmocka_unit_test(register_rejects_bad_rows),
	    cmocka_unit_test(register_counts_and_keeps_duplicates),
	    cmocka_unit_test(street_lookup),
	    cmocka_unit_test(fuzzy_lookup_in_a_large_register),
	    cmocka_unit_test(language_of_a_message),
	    cmocka_unit_test(edit_distance),
	    cmocka_unit_test_setup_teardown(loader_errors_name_file_and_line, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(loader_rejects_duplicates, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(catastrophic_pattern_gives_up, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(split_intent_matches_like_the_alternation, make_dir,
	                                    remove_dir),
	    cmocka_unit_test(prefilter_required_literals),
	    cmocka_unit_test(prefilter_scan_marks_regexes),
	    cmocka_unit_test(classify_shipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
