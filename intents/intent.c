/*
 * intent.c - the intent engine: compiles the definitions once, classifies.
 *
 * Data flow of intent_classify():
 *   raw bytes -> normalize_text() -> " folded words "
 *   -> prefilter_scan(): one pass marks the regexes whose literals occur
 *      (intent_prefilter.c); an unmarked regex cannot match and is skipped
 *   -> intents in priority order, stopping below the best match's priority:
 *      each intent's patterns (one PCRE2 alternation, JIT) -> its excludes veto
 *   -> candidates ranked by priority, then specificity (length of the match)
 *   -> crisis wins; two close routine intents -> needs_clarification
 *   -> tone (angry.tone patterns, capitals, "!!!") -> an angry message that
 *      matched nothing important becomes the when_angry intent (complaint)
 *   -> slots: street register look-up, named groups (?<pole_number>...).
 * The engine is immutable after load; match data is per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent.h"
#include "intent_internal.h"
#include "normalize.h"
#include "streets.h"

#define COMPILE_FLAGS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF)
#define CLOSE_RATIO 0.4 /* second routine match this specific (or more): ask */
/* A bound on the backtracking of one match. A pattern a person writes can
 * be catastrophic ("(a+)+b"), and the text is a stranger's: with the bound
 * such a match gives up (no match) instead of holding the worker. The
 * shipped patterns need at most a few thousand steps on 3000 bytes. */
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 10000

struct intent_engine {
	struct intent_def *defs;
	size_t ndefs;
	size_t *order; /* indexes of defs by priority, highest first (stable) */
	struct prefilter *pf;
	struct intent_def tone;
	int has_tone;
	const struct intent_def *none, *fallback_angry;
	struct streets *streets;
	pcre2_match_context *mctx; /* the match and depth limits (MATCH_LIMIT) */
	int jit, jit_available;
};

/* --- loading -------------------------------------------------------------- */

/* Checks one line: it folds, and the folded line compiles. Only when it
 * does not is the line as written compiled too, so that a syntax error is
 * reported with offsets into what the author wrote (start-up compiles each
 * line once here instead of twice). */
static pcre2_code *compile_one(const struct intent_def *d, const struct intent_line *l,
                               uint32_t extra, char *err, size_t errlen)
{
	char folded[2 * 4000 + 8];
	int rc = 0;
	PCRE2_SIZE off = 0;
	pcre2_code *re;
	PCRE2_UCHAR msg[256];

	int bad_fold = normalize_pattern(l->text, folded, sizeof(folded));
	re = bad_fold ? NULL
	              : pcre2_compile((PCRE2_SPTR)folded, PCRE2_ZERO_TERMINATED,
	                              COMPILE_FLAGS | extra, &rc, &off, NULL);
	if (re)
		return re;
	int fold_rc = rc;
	PCRE2_SIZE fold_off = off;
	pcre2_code *raw = pcre2_compile((PCRE2_SPTR)l->text, PCRE2_ZERO_TERMINATED,
	                                COMPILE_FLAGS | extra, &rc, &off, NULL);
	if (!raw) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		snprintf(err, errlen, "%s:%d: bad pattern: %s at offset %zu", d->file, l->line,
		         (const char *)msg, (size_t)off);
		return NULL;
	}
	pcre2_code_free(raw);
	if (bad_fold) {
		snprintf(err, errlen, "%s:%d: pattern is not valid UTF-8 or too long", d->file,
		         l->line);
		return NULL;
	}
	pcre2_get_error_message(fold_rc, msg, sizeof(msg));
	snprintf(err, errlen, "%s:%d: bad pattern after folding: %s at offset %zu", d->file,
	         l->line, (const char *)msg, (size_t)fold_off);
	return NULL;
}

/* Split: an intent's unanchored pattern lines are one alternation, gated by
 * the prefilter as a whole. When that whole's literals are common (one of
 * fewer than SPLIT_SHORTEST bytes, such as "der" or "kke", or none at all),
 * the alternation would run on nearly every message, and crisis.intent's 77
 * lines made it the most expensive regex of all. Such an intent also gets
 * each line compiled alone with its own literals; matching runs only the
 * lines whose literals occur and takes the leftmost match, the earliest line
 * on a tie: what the alternation finds (see match_split). Once a line has
 * matched at offset p, a later line can only win by starting before p, so
 * it runs with PCRE2's offset limit at p - 1 (not at all when p is 0): the
 * lines that would scan the whole text and fail stop at p instead. */
#define SPLIT_SHORTEST 4
#define SPLIT_MIN_LINES 4

static int should_split(const char *all, size_t nlines)
{
	static char lits[65536]; /* load time, one thread */
	if (nlines < SPLIT_MIN_LINES)
		return 0;
	if (prefilter_literals(all, lits, sizeof(lits)) == 0)
		return 1;
	for (const char *p = lits; *p;) {
		size_t n = strcspn(p, "|");
		if (n < SPLIT_SHORTEST)
			return 1;
		p += n + (p[n] == '|');
	}
	return 0;
}

static int split_lines(struct intent_engine *e, const struct intent_def *d,
                       const struct intent_lines *ls, struct intent_regex *out, char *err,
                       size_t errlen)
{
	if (!(out->line_code = calloc(ls->n, sizeof(pcre2_code *))) ||
	    !(out->line_pf = calloc(ls->n, sizeof(*out->line_pf)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->line_pf0 = -1;
	for (size_t i = 0; i < ls->n; i++) {
		char folded[2 * 4000 + 8], one[2 * 4000 + 32];
		int rc;
		PCRE2_SIZE off;
		if (normalize_pattern(ls->v[i].text, folded, sizeof(folded)) || folded[0] == '^')
			continue; /* anchored lines are in re_anch */
		snprintf(one, sizeof(one), " (?:(?:%s))", folded);
		pcre2_code *re = pcre2_compile(
		    (PCRE2_SPTR)one, PCRE2_ZERO_TERMINATED,
		    COMPILE_FLAGS | PCRE2_DUPNAMES | PCRE2_USE_OFFSET_LIMIT, &rc, &off, NULL);
		if (!re) {
			snprintf(err, errlen, "%s:%d: bad pattern after folding", d->file,
			         ls->v[i].line);
			return -1;
		}
		if (e->jit_available && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0)
			e->jit_available = 0;
		out->line_code[out->nlines] = re;
		if (prefilter_add(e->pf, one, &out->line_pf[out->nlines++])) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	int dense = out->nlines > 0 && out->line_pf[0] >= 0;
	for (size_t i = 1; dense && i < out->nlines; i++)
		dense = out->line_pf[i] == out->line_pf[0] + (int)i;
	out->line_pf0 = dense ? out->line_pf[0] : -1;
	return 0;
}

/* Check each line alone (for a precise error), then compile all as one alternation into
 * *out; with filter, its literals go to the prefilter (or, split, each line's do).
 * Returns 0, or -1 with err set. */
static int compile_lines(struct intent_engine *e, const struct intent_def *d,
                         const struct intent_lines *ls, int which, int filter, int may_split,
                         struct intent_regex *out, char *err, size_t errlen)
{
	size_t cap = 16, len = 0;
	char *all;
	pcre2_code *re;

	out->code = NULL, out->pf = -1;
	size_t unanchored = 0;
	if (!ls->n)
		return 0;
	for (size_t i = 0; i < ls->n; i++) {
		/* each line is checked once: in the unanchored pass */
		if (!which && !(re = compile_one(d, &ls->v[i], 0, err, errlen)))
			return -1;
		if (!which)
			pcre2_code_free(re);
		cap += strlen(ls->v[i].text) * 2 + 8;
	}
	if (!(all = malloc(cap))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Folded text is " word word ": a pattern starts at a word, so the unanchored lines
	 * share one leading space and PCRE2 only tries the positions after a space. Lines
	 * anchored with ^ go in a regex of their own (which = 1): mixed in, they would
	 * disable that search. */
	for (int anchored = which; anchored == which; anchored--) {
		size_t n = 0;
		for (size_t i = 0; i < ls->n; i++) {
			char folded[2 * 4000 + 8];
			if (normalize_pattern(ls->v[i].text, folded, sizeof(folded)))
				folded[0] = 0; /* cannot happen: checked above */
			if ((folded[0] == '^') != anchored)
				continue;
			len += (size_t)snprintf(all + len, cap - len, "%s%s(?:%s)", len ? "|" : "",
			                        !anchored && !n ? " (?:" : "", folded);
			n++;
		}
		if (!anchored)
			unanchored = n;
		if (!anchored && n)
			len += (size_t)snprintf(all + len, cap - len, ")");
	}
	if (len == 0) {
		free(all);
		return 0; /* no line of that kind */
	}
	if (filter && may_split && !which && should_split(all, unanchored)) {
		/* the lines alone, never combined */
		int bad = split_lines(e, d, ls, out, err, errlen);
		free(all);
		return bad;
	}
	struct intent_line whole = {all, ls->v[0].line};
	char raw_err[512];
	int rc;
	PCRE2_SIZE off;
	re = pcre2_compile((PCRE2_SPTR)all, PCRE2_ZERO_TERMINATED, COMPILE_FLAGS | PCRE2_DUPNAMES,
	                   &rc, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		snprintf(raw_err, sizeof(raw_err), "%s", (const char *)msg);
		snprintf(err, errlen, "%s:%d: the patterns do not combine: %s", d->file, whole.line,
		         raw_err);
	} else {
		if (e->jit_available && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) != 0)
			e->jit_available = 0; /* no JIT on this platform: the interpreter works */
		if (filter && prefilter_add(e->pf, all, &out->pf))
			snprintf(err, errlen, "out of memory");
	}
	free(all);
	out->code = re;
	return err[0] ? -1 : 0;
}

static int compile_def(struct intent_engine *e, struct intent_def *d, char *err, size_t errlen)
{
	err[0] = 0;
	if (compile_lines(e, d, &d->patterns, 0, 1, 1, &d->re, err, errlen) ||
	    compile_lines(e, d, &d->patterns, 1, 1, 0, &d->re_anch, err, errlen) ||
	    compile_lines(e, d, &d->excludes, 0, 1, 0, &d->ex, err, errlen) ||
	    compile_lines(e, d, &d->excludes, 1, 1, 0, &d->ex_anch, err, errlen) ||
	    compile_lines(e, d, &d->slots, 0, 0, 0, &d->sl, err, errlen))
		return -1;
	return 0;
}

/* defs by priority, highest first; equal priorities keep file order (insertion sort). */
static int sort_by_priority(struct intent_engine *e)
{
	if (!(e->order = malloc((e->ndefs + 1) * sizeof(*e->order))))
		return -1;
	for (size_t i = 0; i < e->ndefs; i++) {
		size_t j = i;
		for (; j > 0 && e->defs[e->order[j - 1]].priority < e->defs[i].priority; j--)
			e->order[j] = e->order[j - 1];
		e->order[j] = i;
	}
	return 0;
}

/* Length + 1 of the first match of r, or -1; -1 at once when the prefilter rules r out. */
static long match_len(const struct intent_engine *e, const pcre2_code *re, const char *s,
                      size_t len, pcre2_match_data *md);
/* The first line from i on that the prefilter lets run, or r->nlines. With
 * dense ids (the usual case) the bits are scanned a word at a time instead
 * of testing each of crisis.intent's hundred lines. */
static size_t next_line(const struct intent_regex *r, const uint64_t *may, size_t i)
{
#ifndef INTENT_PREFILTER_CHECK /* that build tests every skipped line */
	if (r->line_pf0 >= 0) {
		size_t id = (size_t)r->line_pf0 + i, end = (size_t)r->line_pf0 + r->nlines;
		while (id < end) {
			uint64_t w = may[id / 64] >> (id % 64);
			if (w) {
				id += (size_t)__builtin_ctzll(w);
				return id < end ? id - (size_t)r->line_pf0 : r->nlines;
			}
			id = (id / 64 + 1) * 64;
		}
		return r->nlines;
	}
#endif
	(void)may;
	return i;
}

/* The split line whose match starts leftmost (the earliest line on a tie),
 * its match left in md; -1 if none matches. */
static long split_best(const struct intent_engine *e, const struct intent_regex *r,
                       const uint64_t *may, const char *s, size_t len, pcre2_match_data *md,
                       long *length)
{
	long best = -1;
	PCRE2_SIZE best_start = PCRE2_UNSET;
	pcre2_match_context *limited = NULL; /* e->mctx plus the offset limit */
	for (size_t i = next_line(r, may, 0); i < r->nlines; i = next_line(r, may, i + 1)) {
		if (!prefilter_may_match(may, r->line_pf[i])) {
#ifdef INTENT_PREFILTER_CHECK
			if (match_len(e, r->line_code[i], s, len, md) >= 0) {
				fprintf(stderr, "prefilter skipped a line that matches: [%s]\n", s);
				abort();
			}
#endif
			continue;
		}
		if (best >= 0 && best_start == 0)
			break; /* nothing starts before the start */
		if (best >= 0 && !limited && !(limited = pcre2_match_context_copy(e->mctx)))
			break; /* out of memory: keep the match found */
		if (limited)
			pcre2_set_offset_limit(limited, best_start - 1);
		if (pcre2_match(r->line_code[i], (PCRE2_SPTR)s, len, 0, e->jit ? 0 : PCRE2_NO_JIT,
		                md, limited ? limited : e->mctx) < 0)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		if (best < 0 || ov[0] < best_start) { /* on a tie the earlier line stays */
			best_start = ov[0];
			best = (long)i;
			*length = (long)(ov[1] - ov[0]) + 1;
		}
	}
	pcre2_match_context_free(limited);
	return best;
}

static long match_split(const struct intent_engine *e, const struct intent_regex *r,
                        const uint64_t *may, const char *s, size_t len, pcre2_match_data *md)
{
	long length = -1;
	return split_best(e, r, may, s, len, md, &length) >= 0 ? length : -1;
}

static long match_regex(const struct intent_engine *e, const struct intent_regex *r,
                        const uint64_t *may, const char *s, size_t len, pcre2_match_data *md)
{
	if (r->nlines)
		return match_split(e, r, may, s, len, md);
	if (!r->code)
		return -1;
	if (prefilter_may_match(may, r->pf))
		return match_len(e, r->code, s, len, md);
#ifdef INTENT_PREFILTER_CHECK /* -DINTENT_PREFILTER_CHECK: prove every skip over a corpus */
	if (match_len(e, r->code, s, len, md) >= 0) {
		fprintf(stderr, "prefilter skipped a regex that matches: [%s]\n", s);
		abort();
	}
#endif
	return -1;
}

/* The longer of two regexes' first matches (see match_regex). */
static long match_both(const struct intent_engine *e, const struct intent_regex *a,
                       const struct intent_regex *b, const uint64_t *may, const char *s, size_t len,
                       pcre2_match_data *md)
{
	long x = match_regex(e, a, may, s, len, md);
	long y = match_regex(e, b, may, s, len, md);

	return x > y ? x : y;
}

static const struct intent_def *find_def(const struct intent_engine *e, const char *name)
{
	for (size_t i = 0; i < e->ndefs; i++)
		if (!strcmp(e->defs[i].name, name))
			return &e->defs[i];
	return NULL;
}

struct intent_engine *intent_engine_load(const char *intents_dir, struct streets *streets,
                                         char *err, size_t errlen)
{
	struct intent_engine *e = calloc(1, sizeof(*e));
	uint32_t jit = 0;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		streets_free(streets);
		return NULL;
	}
	e->streets = streets; /* ours from here on, freed with the engine */
	e->jit_available = pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit;
	if (!(e->mctx = pcre2_match_context_create(NULL)) || !(e->pf = prefilter_new())) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(e->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(e->mctx, DEPTH_LIMIT);
	if (intent_defs_load(intents_dir, &e->defs, &e->ndefs, &e->tone, &e->has_tone, err, errlen))
		goto fail;
	for (size_t i = 0; i < e->ndefs; i++) {
		struct intent_def *d = &e->defs[i];
		if (compile_def(e, d, err, errlen))
			goto fail;
		if (d->when_angry) {
			if (e->fallback_angry) {
				snprintf(err, errlen, "%s: when_angry is already set by %s",
				         d->file, e->fallback_angry->file);
				goto fail;
			}
			e->fallback_angry = d;
		}
	}
	if (e->has_tone && compile_def(e, &e->tone, err, errlen))
		goto fail;
	if (prefilter_build(e->pf) || sort_by_priority(e)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	e->none = find_def(e, "none");
	e->jit = e->jit_available;
	return e;
fail:
	intent_engine_free(e);
	return NULL;
}

void intent_engine_free(struct intent_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->ndefs; i++)
		intent_def_clear(&e->defs[i]);
	free(e->defs);
	intent_def_clear(&e->tone);
	free(e->order);
	prefilter_free(e->pf);
	streets_free(e->streets);
	pcre2_match_context_free(e->mctx);
	free(e);
}

void intent_engine_set_jit(struct intent_engine *e, int on)
{
	e->jit = on && e->jit_available;
}

int intent_engine_jit_available(const struct intent_engine *e)
{
	return e->jit_available;
}

/* --- classification ------------------------------------------------------- */

struct candidate {
	const struct intent_def *def;
	size_t score; /* bytes of the folded text the pattern covered */
};

/* Length of the first match, or -1. */
static long match_len(const struct intent_engine *e, const pcre2_code *re, const char *s,
                      size_t len, pcre2_match_data *md)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, e->jit ? 0 : PCRE2_NO_JIT, md, e->mctx);
	PCRE2_SIZE *ov;

	if (rc < 0)
		return -1;
	ov = pcre2_get_ovector_pointer(md);
	return (long)(ov[1] - ov[0]) + 1;
}

static int better(const struct candidate *a, const struct candidate *b)
{
	if (a->def->priority != b->def->priority)
		return a->def->priority > b->def->priority;
	return a->score > b->score;
}

/* Capitals: at least 10 letters, 70% of them upper case (ASCII and ÆØÅ). */
static int shouting(const char *text, size_t len)
{
	size_t upper = 0, letters = 0;
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			upper++, letters++;
		else if (s[i] >= 'a' && s[i] <= 'z')
			letters++;
		else if (s[i] == 0xC3 && i + 1 < len) {
			unsigned char c = s[i + 1];
			if (c == 0x86 || c == 0x98 || c == 0x85)
				upper++, letters++;
			else if (c == 0xA6 || c == 0xB8 || c == 0xA5)
				letters++;
		}
	}
	return letters >= 10 && upper * 10 >= letters * 7;
}

/* 2: strongly angry (tone pattern or capitals), 1: "!!!", 0: calm. */
static int anger(const struct intent_engine *e, const char *text, size_t len, const char *norm,
                 size_t nlen, const uint64_t *may, pcre2_match_data *md)
{
	size_t bangs = 0;

	if (e->has_tone && match_both(e, &e->tone.re, &e->tone.re_anch, may, norm, nlen, md) > 0 &&
	    match_both(e, &e->tone.ex, &e->tone.ex_anch, may, norm, nlen, md) < 0)
		return 2;
	if (shouting(text, len))
		return 2;
	for (size_t i = 0; i < len; i++)
		bangs += text[i] == '!';
	return bangs >= 3;
}

static void copy_str(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* A named group of the winner's pattern, as written by the citizen (raw bytes, valid UTF-8). */
static void named_slot(const pcre2_code *re, pcre2_match_data *md, const char *name,
                       const char *text, const uint16_t *map, char *dst, size_t size)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t pairs = pcre2_get_ovector_count(md);
	PCRE2_SPTR first, last;
	int entry;

	/* duplicate names: take the first group of that name that is set */
	entry = pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first, &last);
	if (entry <= 0)
		return;
	for (PCRE2_SPTR t = first; t <= last; t += entry) {
		size_t g = ((size_t)t[0] << 8) | t[1];
		if (g >= pairs || ov[2 * g] == PCRE2_UNSET)
			continue;
		size_t a = map[ov[2 * g]], b = map[ov[2 * g + 1]];
		while (b > a && strchr(" .,!?", text[b - 1]))
			b--;
		char raw[3 * 128 + 4];
		size_t rl = utf8_sanitize(text + a, b - a > 128 ? 128 : b - a, raw, sizeof(raw));
		copy_str(dst, size, raw, rl);
		return;
	}
}

/* A street-shaped name the register does not know, as the citizen wrote it. */
static void street_guess(const char *text, const char *norm, size_t nlen, const uint16_t *map,
                         struct intent_result *out)
{
	struct street_shape sh;
	if (!street_shape_find(norm, nlen, &sh))
		return;
	size_t a = map[sh.start], b = map[sh.end];
	while (b > a && strchr(" .,!?", text[b - 1]))
		b--;
	char raw[3 * 128 + 4];
	size_t rl = utf8_sanitize(text + a, b - a > 120 ? 120 : b - a, raw, sizeof(raw));
	copy_str(out->street, sizeof(out->street), raw, rl);
	copy_str(out->house_number, sizeof(out->house_number), sh.house_number,
	         strlen(sh.house_number));
	out->street_guessed = 1;
}

/* "12b" -> "12B": Danish house letters are written in capitals. */
static void house_letter_upper(char *h)
{
	for (; *h; h++)
		if (*h >= 'a' && *h <= 'z')
			*h = (char)(*h - 'a' + 'A');
}

static void fill_slots(const struct intent_engine *e, const struct intent_def *d, const char *text,
                       const char *norm, size_t nlen, const uint16_t *map, const uint64_t *may,
                       pcre2_match_data *md, struct intent_result *out)
{
	struct streets_match sm;

	for (int k = 0; k < 2; k++) {
		const pcre2_code *re = k ? d->sl.code : d->re.code;
		if (!k && d->re.nlines) { /* split: the line the whole would have matched */
			long length, i = split_best(e, &d->re, may, norm, nlen, md, &length);
			re = i >= 0 ? d->re.line_code[i] : NULL;
		}
		if (!re || pcre2_match(re, (PCRE2_SPTR)norm, nlen, 0, e->jit ? 0 : PCRE2_NO_JIT, md,
		                       e->mctx) <= 0)
			continue;
		named_slot(re, md, "pole_number", text, map, out->pole_number,
		           sizeof(out->pole_number));
		named_slot(re, md, "street", text, map, out->street, sizeof(out->street));
		named_slot(re, md, "house_number", text, map, out->house_number,
		           sizeof(out->house_number));
	}
	if (!streets_find(e->streets, norm, nlen, &sm) || !sm.street) {
		if (!out->street[0])
			street_guess(text, norm, nlen, map, out);
	}
	if (sm.street || (sm.area && !out->street_guessed)) {
		if (sm.street) {
			copy_str(out->street, sizeof(out->street), sm.street, strlen(sm.street));
			if (sm.house_number[0] && strcmp(sm.house_number, out->pole_number) != 0)
				copy_str(out->house_number, sizeof(out->house_number),
				         sm.house_number, strlen(sm.house_number));
		}
		if (sm.area)
			copy_str(out->area, sizeof(out->area), sm.area, strlen(sm.area));
	}
	house_letter_upper(out->house_number);
}

static int is_slot_name(const char *name)
{
	return !strcmp(name, "street") || !strcmp(name, "house_number") ||
	       !strcmp(name, "pole_number") || !strcmp(name, "area");
}

/* The kind of a winner: of the named groups its slot patterns
 * set anywhere in the text, the one defined first in the file (so the file's
 * order is the precedence). */
static void fill_kind(const struct intent_engine *e, const struct intent_def *d, const char *norm,
                      size_t nlen, pcre2_match_data *md, struct intent_result *out)
{
	const pcre2_code *re = d->sl.code;
	uint32_t count = 0, size = 0, best = UINT32_MAX;
	PCRE2_SPTR table = NULL, name = NULL;
	PCRE2_SIZE at = 0;

	if (!re || pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count) || !count ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size) ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table))
		return;
	while (at < nlen && pcre2_match(re, (PCRE2_SPTR)norm, nlen, at, e->jit ? 0 : PCRE2_NO_JIT,
	                                md, e->mctx) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		uint32_t pairs = pcre2_get_ovector_count(md);
		for (uint32_t i = 0; i < count; i++) {
			PCRE2_SPTR t = table + (size_t)i * size;
			uint32_t g = ((uint32_t)t[0] << 8) | t[1];
			if (g < pairs && ov[(size_t)2 * g] != PCRE2_UNSET && g < best &&
			    !is_slot_name((const char *)t + 2))
				best = g, name = t + 2;
		}
		at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	if (name)
		copy_str(out->kind, sizeof(out->kind), (const char *)name,
		         strlen((const char *)name));
}

static void set_name(char dst[32], const char *name)
{
	copy_str(dst, 32, name, strlen(name));
}

int intent_classify(const struct intent_engine *e, const char *text, size_t len,
                    struct intent_result *out)
{
	char norm[NORMALIZE_OUT_SIZE];
	uint16_t map[NORMALIZE_OUT_SIZE];
	struct candidate best = {NULL, 0}, second = {NULL, 0};
	uint64_t may[PREFILTER_WORDS];
	pcre2_match_data *md;
	size_t nlen;
	int angry;

	memset(out, 0, sizeof(*out));
	set_name(out->intent, "none");
	if (len > NORMALIZE_MAX_INPUT)
		len = NORMALIZE_MAX_INPUT;
	nlen = normalize_text(text, len, norm, sizeof(norm), map);
	prefilter_scan(e->pf, norm, nlen, may);
	if (!(md = pcre2_match_data_create(64, NULL)))
		return -1;
	for (size_t i = 0; i < e->ndefs; i++) {
		const struct intent_def *d = &e->defs[e->order[i]];
		long s;
		/* a lower priority can neither win nor make a close second */
		if (best.def && d->priority < best.def->priority)
			break;
		if ((s = match_both(e, &d->re, &d->re_anch, may, norm, nlen, md)) < 0)
			continue;
		if (match_both(e, &d->ex, &d->ex_anch, may, norm, nlen, md) >= 0)
			continue;
		struct candidate c = {d, (size_t)s};
		if (!best.def || better(&c, &best))
			second = best, best = c;
		else if (!second.def || better(&c, &second))
			second = c;
	}
	angry = anger(e, text, len, norm, nlen, may, md);
	out->angry = angry > 0;
	if (angry == 2 && e->fallback_angry &&
	    (!best.def || best.def->priority < e->fallback_angry->priority))
		best = (struct candidate){e->fallback_angry, 0}, second.def = NULL;
	if (best.def) {
		set_name(out->intent, best.def->name);
		if (best.def->routine && second.def && second.def->routine &&
		    second.def->priority == best.def->priority &&
		    (double)second.score >= CLOSE_RATIO * (double)best.score) {
			out->needs_clarification = 1;
			set_name(out->alt_intents[0], best.def->name);
			set_name(out->alt_intents[1], second.def->name);
		}
		if (best.def->routine)
			fill_slots(e, best.def, text, norm, nlen, map, may, md, out);
		fill_kind(e, best.def, norm, nlen, md, out);
	}
	copy_str(out->lang, sizeof(out->lang), intent_language(norm, nlen), 2);
	pcre2_match_data_free(md);
	return 0;
}

int intent_find_place(const struct intent_engine *e, const char *text, size_t len,
                      struct intent_result *out)
{
	char norm[NORMALIZE_OUT_SIZE];
	uint16_t map[NORMALIZE_OUT_SIZE];
	struct streets_match sm;

	memset(out, 0, sizeof(*out));
	set_name(out->intent, "none");
	if (len > NORMALIZE_MAX_INPUT)
		len = NORMALIZE_MAX_INPUT;
	size_t nlen = normalize_text(text, len, norm, sizeof(norm), map);
	if (!streets_find(e->streets, norm, nlen, &sm) || !sm.street) {
		street_guess(text, norm, nlen, map, out); /* "Lærkevænget 14" */
		if (out->street_guessed) {
			house_letter_upper(out->house_number);
			return 1;
		}
		if (!sm.area)
			return 0;
	}
	if (sm.street) {
		copy_str(out->street, sizeof(out->street), sm.street, strlen(sm.street));
		copy_str(out->house_number, sizeof(out->house_number), sm.house_number,
		         strlen(sm.house_number));
	}
	if (sm.area)
		copy_str(out->area, sizeof(out->area), sm.area, strlen(sm.area));
	house_letter_upper(out->house_number);
	return 1;
}

/* --- answers -------------------------------------------------------------- */

const char *intent_answer(const struct intent_engine *e, const char *intent, unsigned variant_seed)
{
	const struct intent_def *d = find_def(e, intent);

	if (!d || !d->answers.n)
		return NULL;
	return d->answers.v[variant_seed % d->answers.n].text;
}

const char *intent_action(const struct intent_engine *e, const char *intent)
{
	const struct intent_def *d = find_def(e, intent);

	return d ? d->action : NULL;
}

const char *intent_title(const struct intent_engine *e, const char *intent)
{
	const struct intent_def *d = find_def(e, intent);

	return d ? d->title : NULL;
}

int intent_is_routine(const struct intent_engine *e, const char *intent)
{
	const struct intent_def *d = find_def(e, intent);

	return d && d->routine;
}

size_t intent_count(const struct intent_engine *e)
{
	return e->ndefs;
}

const char *intent_name(const struct intent_engine *e, size_t i)
{
	return i < e->ndefs ? e->defs[i].name : NULL;
}

static const char *slot_value(const struct intent_result *r, const char *name, size_t n)
{
	if (n == 6 && !strncmp(name, "street", n))
		return r->street;
	if (n == 12 && !strncmp(name, "house_number", n))
		return r->house_number;
	if (n == 11 && !strncmp(name, "pole_number", n))
		return r->pole_number;
	if (n == 4 && !strncmp(name, "area", n))
		return r->area;
	return NULL;
}

/* Fill template t into buf. Returns 1 if every placeholder had a value. */
static int fill_template(const char *t, const struct intent_result *r, char *buf, size_t buflen)
{
	size_t o = 0;
	int complete = 1;

	for (const char *p = t; *p && o + 1 < buflen; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		const char *v = close ? slot_value(r, p + 1, (size_t)(close - p - 1)) : NULL;
		if (close && v) {
			complete &= v[0] != 0;
			size_t n = strlen(v);
			if (o + n >= buflen)
				n = buflen - o - 1;
			memcpy(buf + o, v, n);
			o += n;
			p = close;
			continue;
		}
		buf[o++] = *p;
	}
	buf[o] = 0;
	return complete;
}

int intent_render_answer(const struct intent_engine *e, const struct intent_result *r,
                         unsigned variant_seed, char *buf, size_t buflen)
{
	const struct intent_def *d = find_def(e, r->intent);

	if (!d || !d->answers.n || buflen == 0)
		return -1;
	for (size_t k = 0; k < d->answers.n; k++) {
		const char *t = d->answers.v[(variant_seed + k) % d->answers.n].text;
		if (fill_template(t, r, buf, buflen))
			return (int)strlen(buf);
	}
	/* no variant without a missing slot: use the one asked for, gaps and all */
	fill_template(d->answers.v[variant_seed % d->answers.n].text, r, buf, buflen);
	return (int)strlen(buf);
}
