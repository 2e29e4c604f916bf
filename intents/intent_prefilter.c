/*
 * intent_prefilter.c - decides, before any regex runs, which of the engine's
 * regexes cannot match a folded message, so that intent.c skips them.
 *
 * Load time:  the folded source of each compiled regex -> parsed (a subset of
 *             PCRE2 syntax; anything else means "no literals") -> a set of
 *             literal strings of which every match must contain at least one
 *             ("lys", "lygte", "sluk" ...) -> all literals of all regexes go
 *             into one Aho-Corasick automaton, a DFA over the bytes of folded
 *             text whose states carry the set of regexes a literal ending
 *             there belongs to.
 * Match time: one pass over the folded text ORs those sets into a bit set. A
 *             regex whose bit is clear contains none of its literals and
 *             cannot match; regexes without literals (id -1) always run.
 *
 * The analysis only ever proves "cannot match", so skipping never changes a
 * result. Folded text is lower-case ASCII letters, digits and spaces (plus
 * copied non-Latin letters, which no ASCII literal matches even caselessly),
 * so literals are compared byte for byte. Immutable after prefilter_build();
 * prefilter_scan() may run in any number of threads.
 */
#include <stdlib.h>
#include <string.h>

#include "intent_internal.h"

#define EXACT_MAX 64     /* strings in an exact set before it counts as unknown */
#define LIT_MAX_LEN 40   /* bytes in an exact string before it counts as unknown */
#define REQ_MAX 2048     /* strings in a required set before it counts as none */
#define MAX_DEPTH 64     /* group nesting the parser follows */
#define ARENA_BLOCK 8192 /* bytes per arena block (bigger requests get their own) */

/* --- scratch memory for one analysis --------------------------------------- */

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[]; /* 8-byte aligned: follows a pointer and two size_t */
};

struct arena {
	struct arena_block *head;
	int failed;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if (!(b = malloc(sizeof(*b) + cap))) {
			a->failed = 1;
			return NULL;
		}
		b->next = a->head, b->used = 0, b->cap = cap;
		a->head = b;
	}
	b->used += n;
	return b->data + b->used - n;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* --- sets of literal strings --------------------------------------------- */

/*
 * As an exact set: the strings a part of the pattern can match (none = not
 * known). As a required set: every match contains one of them (none = no
 * literal is required).
 */
struct litset {
	int none;
	size_t n;
	const char **v;
};

static const struct litset NO_SET = {1, 0, NULL};

static struct litset set_of(struct arena *a, const char *s, size_t len)
{
	struct litset r = {0, 1, arena_alloc(a, sizeof(char *))};
	char *copy = arena_alloc(a, len + 1);

	if (!r.v || !copy)
		return NO_SET;
	memcpy(copy, s, len);
	copy[len] = 0;
	r.v[0] = copy;
	return r;
}

static struct litset set_union(struct arena *a, struct litset x, struct litset y, size_t max)
{
	struct litset r = {0, 0, NULL};

	if (x.none || y.none || x.n + y.n > max)
		return NO_SET;
	if (!(r.v = arena_alloc(a, (x.n + y.n) * sizeof(char *))))
		return NO_SET;
	for (size_t k = 0; k < x.n + y.n; k++) {
		const char *s = k < x.n ? x.v[k] : y.v[k - x.n];
		size_t j = 0;
		while (j < r.n && strcmp(r.v[j], s) != 0)
			j++;
		if (j == r.n)
			r.v[r.n++] = s;
	}
	return r;
}

/* Every x followed by every y; none when too many or too long. */
static struct litset set_cross(struct arena *a, struct litset x, struct litset y)
{
	struct litset r = {0, 0, NULL};

	if (x.none || y.none || x.n * y.n > EXACT_MAX)
		return NO_SET;
	if (!(r.v = arena_alloc(a, x.n * y.n * sizeof(char *))))
		return NO_SET;
	for (size_t i = 0; i < x.n; i++) {
		for (size_t j = 0; j < y.n; j++) {
			size_t lx = strlen(x.v[i]), ly = strlen(y.v[j]);
			char *s;
			if (lx + ly > LIT_MAX_LEN || !(s = arena_alloc(a, lx + ly + 1)))
				return NO_SET;
			memcpy(s, x.v[i], lx);
			memcpy(s + lx, y.v[j], ly + 1);
			r.v[r.n++] = s;
		}
	}
	return r;
}

/* An exact set as a requirement: none if it can match the empty string. */
static struct litset required(struct litset exact)
{
	for (size_t i = 0; i < exact.n; i++)
		if (!exact.v[i][0])
			return NO_SET;
	return exact;
}

/* Drop strings that contain another member: requiring the shorter suffices.
 * (Of equal strings the first stays.) Small sets compare every pair; a large
 * one (an alternation of hundreds of words) looks each string's proper
 * substrings up in a hash table of the members instead: at most
 * LIT_MAX_LEN^2 / 2 lookups a string rather than a strstr against each of
 * the others. Both give the same result in the same order. */
static size_t lit_hash_n(const char *s, size_t len)
{
	size_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The index in v of the first member equal to p[0..len), or -1. */
static long member_index(const char *const *v, const size_t *tab, size_t mask, const char *p,
                         size_t len)
{
	for (size_t h = lit_hash_n(p, len) & mask; tab[h]; h = (h + 1) & mask) {
		const char *m = v[tab[h] - 1];
		if (!strncmp(m, p, len) && m[len] == 0)
			return (long)tab[h] - 1;
	}
	return -1;
}

static void set_minimize_hashed(struct litset *s)
{
	size_t slots = 16;
	while (slots < 2 * s->n)
		slots *= 2;
	size_t *tab = calloc(slots, sizeof(*tab)), mask = slots - 1;
	const char **orig = malloc(s->n * sizeof(*orig)); /* s->v is compacted below */
	if (!tab || !orig) {
		free(tab);
		free(orig);
		return; /* keeping every string is only less selective */
	}
	memcpy(orig, s->v, s->n * sizeof(*orig));
	for (size_t i = 0; i < s->n; i++) {
		size_t len = strlen(orig[i]);
		if (member_index(orig, tab, mask, orig[i], len) >= 0)
			continue;
		size_t h = lit_hash_n(orig[i], len) & mask;
		while (tab[h])
			h = (h + 1) & mask;
		tab[h] = i + 1;
	}
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *v = orig[i];
		size_t len = strlen(v);
		int redundant = member_index(orig, tab, mask, v, len) < (long)i;
		for (size_t a = 0; a < len && !redundant; a++)
			for (size_t l = 1; a + l <= len && l < len && !redundant; l++)
				redundant = member_index(orig, tab, mask, v + a, l) >= 0;
		if (!redundant)
			s->v[o++] = v;
	}
	s->n = o;
	free(orig);
	free(tab);
}

static void set_minimize(struct litset *s)
{
	size_t o = 0;

	if (s->n > 32) {
		set_minimize_hashed(s);
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		int redundant = 0;
		for (size_t j = 0; j < s->n && !redundant; j++)
			redundant = j != i && strstr(s->v[i], s->v[j]) &&
			            (strcmp(s->v[i], s->v[j]) != 0 || j < i);
		if (!redundant)
			s->v[o++] = s->v[i];
	}
	s->n = o;
}

/* How selective a required set is: its shortest string (up to 4), then fewer strings. */
static long set_score(struct litset s)
{
	size_t shortest = LIT_MAX_LEN;

	if (s.none)
		return -1;
	for (size_t i = 0; i < s.n; i++)
		if (strlen(s.v[i]) < shortest)
			shortest = strlen(s.v[i]);
	return (long)(shortest < 4 ? shortest : 4) * 100000 - (long)s.n;
}

static struct litset pick(struct litset x, struct litset y)
{
	return set_score(y) > set_score(x) ? y : x;
}

/* --- the pattern parser --------------------------------------------------- */

struct node {
	struct litset exact, req;
};

struct parser {
	const char *p;
	struct arena *a;
	int failed; /* syntax outside the subset understood here */
	int depth;
};

static struct node node_exact(struct litset s)
{
	struct node n = {s, required(s)};
	return n;
}

static struct node node_unknown(void)
{
	struct node n = {NO_SET, NO_SET};
	return n;
}

static struct node parse_alt(struct parser *ps);

/* After '(': the group's kind. Returns 1 for a capturing/non-capturing group, 0 for a
 * zero-width assertion, -1 for syntax not understood. */
static int group_kind(struct parser *ps)
{
	const char *p = ps->p;

	if (*p == '*')
		return -1; /* (*VERB) */
	if (*p != '?')
		return 1;
	p++;
	if (*p == ':' || *p == '>' || *p == '|') {
		ps->p = p + 1;
		return 1;
	}
	if (*p == '=' || *p == '!') {
		ps->p = p + 1;
		return 0;
	}
	if (*p == '<' && (p[1] == '=' || p[1] == '!')) {
		ps->p = p + 2;
		return 0;
	}
	if (*p == 'P')
		p++;
	if (*p == '<' || *p == '\'') {
		const char *end = strchr(p + 1, *p == '<' ? '>' : '\'');
		if (!end)
			return -1;
		ps->p = end + 1;
		return 1;
	}
	return -1; /* (?i), (?x), (?#...), recursion ...: not analysed */
}

static struct node parse_group(struct parser *ps)
{
	int kind;
	struct node n;

	ps->p++; /* '(' */
	if ((kind = group_kind(ps)) < 0 || ++ps->depth > MAX_DEPTH) {
		ps->failed = 1;
		return node_unknown();
	}
	n = parse_alt(ps);
	ps->depth--;
	if (*ps->p != ')') {
		ps->failed = 1;
		return node_unknown();
	}
	ps->p++;
	return kind ? n : node_exact(set_of(ps->a, "", 0)); /* assertions consume nothing */
}

/* After '[': skip the class. */
static struct node parse_class(struct parser *ps)
{
	const char *p = ps->p + 1;

	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '[' && p[1] == ':' && strstr(p, ":]"))
			p = strstr(p, ":]") + 1;
	}
	if (!*p) {
		ps->failed = 1;
		return node_unknown();
	}
	ps->p = p + 1;
	return node_unknown();
}

static struct node parse_escape(struct parser *ps)
{
	char c = ps->p[1];

	if (!c || (c & 0x80)) {
		ps->failed = 1;
		return node_unknown();
	}
	ps->p += 2;
	if (strchr("bBAzZG", c))
		return node_exact(set_of(ps->a, "", 0));
	if (strchr("dDwWsShHvVRX", c))
		return node_unknown();
	if ((c == 'p' || c == 'P') && *ps->p == '{' && strchr(ps->p, '}')) {
		ps->p = strchr(ps->p, '}') + 1;
		return node_unknown();
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
		ps->failed = 1; /* back references, \x, \Q, \K ...: not analysed */
		return node_unknown();
	}
	return node_exact(set_of(ps->a, &c, 1)); /* \. \- \( ...: the character itself */
}

static struct node parse_atom(struct parser *ps)
{
	unsigned char c = (unsigned char)*ps->p;

	switch (c) {
	case '(':
		return parse_group(ps);
	case '[':
		return parse_class(ps);
	case '\\':
		return parse_escape(ps);
	case '^':
	case '$':
		ps->p++;
		return node_exact(set_of(ps->a, "", 0));
	case '.':
		ps->p++;
		return node_unknown();
	case '*':
	case '+':
	case '?':
	case '{':
		ps->failed = 1;
		return node_unknown();
	default:
		break;
	}
	if (c & 0x80) { /* a non-ASCII character: skip its UTF-8 sequence */
		do
			ps->p++;
		while ((*ps->p & 0xC0) == 0x80);
		return node_unknown();
	}
	ps->p++;
	char lower = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); /* caseless */
	return node_exact(set_of(ps->a, &lower, 1));
}

/* A quantifier at ps->p into *min and *max (-1: unbounded). Returns 0 if there is none. */
static int parse_quantifier(struct parser *ps, long *min, long *max)
{
	const char *p = ps->p;
	char *end;

	switch (*p) {
	case '?':
		*min = 0, *max = 1;
		break;
	case '*':
		*min = 0, *max = -1;
		break;
	case '+':
		*min = 1, *max = -1;
		break;
	case '{':
		if (p[1] < '0' || p[1] > '9') {
			ps->failed = 1;
			return 0;
		}
		*min = *max = strtol(p + 1, &end, 10);
		if (*end == ',')
			*max = end[1] == '}' ? -1 : strtol(end + 1, &end, 10);
		if (*end != '}') {
			ps->failed = 1;
			return 0;
		}
		p = end;
		break;
	default:
		return 0;
	}
	ps->p = p + 1;
	if (*ps->p == '?' || *ps->p == '+')
		ps->p++; /* lazy or possessive: the same strings */
	return 1;
}

static struct node parse_quantified(struct parser *ps)
{
	struct node n = parse_atom(ps);
	long min, max;

	if (ps->failed || !parse_quantifier(ps, &min, &max))
		return n;
	if (max == 0)
		return node_exact(set_of(ps->a, "", 0));
	if (min == 0 && max == 1 && !n.exact.none)
		return node_exact(set_union(ps->a, n.exact, set_of(ps->a, "", 0), EXACT_MAX));
	if (min == 0)
		return node_unknown();
	if (max == 1)
		return n;
	n.req = n.exact.none ? n.req : required(n.exact);
	n.exact = NO_SET;
	return n;
}

/* A sequence: neighbouring exact parts are joined ("l" "y" "s" -> "lys"); the most
 * selective requirement of any part is the sequence's. */
static struct node parse_seq(struct parser *ps)
{
	struct litset acc = set_of(ps->a, "", 0), best = NO_SET;
	int unknown = 0;

	while (*ps->p && *ps->p != '|' && *ps->p != ')' && !ps->failed) {
		struct node it = parse_quantified(ps);
		if (!it.exact.none) {
			struct litset joined = set_cross(ps->a, acc, it.exact);
			if (!joined.none) {
				acc = joined;
				continue;
			}
			it.req = required(it.exact);
		}
		best = pick(best, required(acc));
		best = pick(best, it.req);
		acc = set_of(ps->a, "", 0);
		unknown = 1;
	}
	best = pick(best, required(acc));
	struct node n = {unknown ? NO_SET : acc, best};
	return n;
}

/* A required set being built from many branches: the strings in first-seen
 * order and a hash table of them, so a union with the next branch costs its
 * own size, not the size so far (an alternation of k words was k^2 / 2
 * strcmp calls and as many copied pointers: most of the engine's start-up). */
struct litacc {
	int none;
	size_t n, cap;
	const char **v;
	const char **tab; /* open addressing, mask + 1 slots, NULL = empty */
	size_t mask;
};

static size_t lit_hash(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int acc_put(struct litacc *c, const char *s)
{
	if (2 * (c->n + 1) > c->mask + 1) { /* keep the table at most half full */
		size_t slots = (c->mask + 1) * 2;
		const char **tab = calloc(slots, sizeof(*tab));
		if (!tab)
			return -1;
		for (size_t i = 0; i < c->n; i++) {
			size_t h = lit_hash(c->v[i]) & (slots - 1);
			while (tab[h])
				h = (h + 1) & (slots - 1);
			tab[h] = c->v[i];
		}
		free(c->tab);
		c->tab = tab;
		c->mask = slots - 1;
	}
	size_t h = lit_hash(s) & c->mask;
	for (; c->tab[h]; h = (h + 1) & c->mask)
		if (!strcmp(c->tab[h], s))
			return 0; /* already there */
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		const char **v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->tab[h] = s;
	c->v[c->n++] = s;
	return 0;
}

/* acc = set_union(acc, s, max), with set_union's rules for none and max. */
static void acc_add(struct litacc *c, struct litset s, size_t max)
{
	if (c->none || s.none || c->n + s.n > max) {
		c->none = 1;
		return;
	}
	for (size_t i = 0; i < s.n && !c->none; i++)
		c->none = acc_put(c, s.v[i]) < 0;
}

/* acc = s (its strings once each). */
static void acc_reset(struct litacc *c, struct litset s)
{
	c->none = s.none;
	c->n = 0;
	if (c->tab)
		memset(c->tab, 0, (c->mask + 1) * sizeof(*c->tab));
	for (size_t i = 0; i < s.n && !c->none; i++)
		c->none = acc_put(c, s.v[i]) < 0;
}

static struct litset acc_take(struct arena *a, struct litacc *c)
{
	struct litset r = {0, c->n, NULL};
	if (!c->none && (r.v = arena_alloc(a, (c->n ? c->n : 1) * sizeof(char *))))
		memcpy(r.v, c->v, c->n * sizeof(char *));
	else
		r = NO_SET;
	free(c->v);
	free(c->tab);
	return r;
}

/* Branches joined by '|': as if each were set_union'ed in turn into the
 * first (exact sets are at most EXACT_MAX strings, so theirs stays simple);
 * while the exact set is known the required set is required(exact), and
 * only once it is not does the required set accumulate branch by branch. */
static struct node parse_alt(struct parser *ps)
{
	struct node n = parse_seq(ps);
	if (*ps->p != '|' || ps->failed)
		return n;
	struct litacc req = {0, 0, 0, NULL, calloc(16, sizeof(const char *)), 15};
	if (!req.tab) {
		ps->failed = 1;
		return n;
	}
	int mirror = 0; /* req is required(n.exact), not the accumulator */
	acc_reset(&req, n.req);
	while (*ps->p == '|' && !ps->failed) {
		ps->p++;
		struct node m = parse_seq(ps);
		struct litset e = set_union(ps->a, n.exact, m.exact, EXACT_MAX);
		if (mirror && e.none) {
			acc_reset(&req, required(n.exact));
			mirror = 0;
		}
		n.exact = e;
		if (!e.none)
			mirror = 1;
		else
			acc_add(&req, m.req, REQ_MAX);
	}
	struct litset acc = acc_take(ps->a, &req);
	n.req = mirror ? required(n.exact) : acc;
	return n;
}

/* The required literals of a folded regex source, or none. */
static struct litset analyse(struct arena *a, const char *src)
{
	struct parser ps = {src, a, 0, 0};
	struct node n = parse_alt(&ps);

	if (ps.failed || *ps.p || a->failed || n.req.none)
		return NO_SET;
	set_minimize(&n.req);
	return n.req;
}

int prefilter_literals(const char *folded, char *out, size_t outlen)
{
	struct arena a = {NULL, 0};
	struct litset s = analyse(&a, folded);
	size_t o = 0;

	if (outlen)
		out[0] = 0;
	for (size_t i = 0; !s.none && i < s.n; i++) {
		size_t n = strlen(s.v[i]);
		if (o + n + 2 > outlen)
			break;
		if (i)
			out[o++] = '|';
		memcpy(out + o, s.v[i], n + 1);
		o += n;
	}
	arena_free(&a);
	return s.none ? 0 : (int)s.n;
}

/* --- the automaton -------------------------------------------------------- */

struct literal {
	char *s;
	int id;
};

struct prefilter {
	struct literal *lits;
	size_t nlits, litcap;
	int nids;
	/* built by prefilter_build(): */
	unsigned char cls[256]; /* byte -> column; 0 for bytes in no literal */
	size_t ncls, nstates;
	uint32_t *delta;  /* nstates x ncls: the next state */
	uint32_t *outset; /* per state: index into sets (0: no literal ends here) */
	uint64_t *sets;   /* nsets x PREFILTER_WORDS bit sets of ids */
	size_t nsets;
};

struct prefilter *prefilter_new(void)
{
	return calloc(1, sizeof(struct prefilter));
}

void prefilter_free(struct prefilter *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->nlits; i++)
		free(pf->lits[i].s);
	free(pf->lits);
	free(pf->delta);
	free(pf->outset);
	free(pf->sets);
	free(pf);
}

static int add_literal(struct prefilter *pf, const char *s, int id)
{
	if (pf->nlits == pf->litcap) {
		size_t cap = pf->litcap ? pf->litcap * 2 : 256;
		struct literal *v = realloc(pf->lits, cap * sizeof(*v));
		if (!v)
			return -1;
		pf->lits = v, pf->litcap = cap;
	}
	if (!(pf->lits[pf->nlits].s = strdup(s)))
		return -1;
	pf->lits[pf->nlits++].id = id;
	return 0;
}

int prefilter_add(struct prefilter *pf, const char *folded, int *id)
{
	struct arena a = {NULL, 0};
	struct litset s = analyse(&a, folded);
	int rc = 0;

	*id = -1;
	if (!s.none && (size_t)pf->nids < PREFILTER_WORDS * 64) {
		*id = pf->nids++;
		for (size_t i = 0; i < s.n && !rc; i++)
			rc = add_literal(pf, s.v[i], *id);
	}
	rc = rc || a.failed ? -1 : 0;
	arena_free(&a);
	return rc;
}

/* The trie of all literals into pf->delta (-1: no edge yet); own ids into bits. */
static int build_trie(struct prefilter *pf, uint64_t **bits)
{
	size_t cap = 1;

	for (size_t i = 0; i < pf->nlits; i++)
		cap += strlen(pf->lits[i].s);
	pf->delta = malloc(cap * pf->ncls * sizeof(*pf->delta));
	*bits = calloc(cap, PREFILTER_WORDS * sizeof(**bits));
	if (!pf->delta || !*bits)
		return -1;
	memset(pf->delta, 0xFF, cap * pf->ncls * sizeof(*pf->delta));
	pf->nstates = 1;
	for (size_t i = 0; i < pf->nlits; i++) {
		uint32_t s = 0;
		for (const unsigned char *c = (const unsigned char *)pf->lits[i].s; *c; c++) {
			uint32_t *edge = &pf->delta[s * pf->ncls + pf->cls[*c]];
			if (*edge == UINT32_MAX)
				*edge = (uint32_t)pf->nstates++;
			s = *edge;
		}
		int id = pf->lits[i].id;
		(*bits)[s * PREFILTER_WORDS + (size_t)id / 64] |= (uint64_t)1 << (id % 64);
	}
	return 0;
}

/* Aho-Corasick: missing edges follow the failure links, and each state's set
 * includes its failure state's (breadth first, so that one is complete). */
static int build_links(struct prefilter *pf, uint64_t *bits)
{
	uint32_t *queue = malloc(pf->nstates * sizeof(*queue));
	uint32_t *fail = calloc(pf->nstates, sizeof(*fail));
	size_t head = 0, tail = 0;

	if (!queue || !fail) {
		free(queue);
		free(fail);
		return -1;
	}
	queue[tail++] = 0;
	while (head < tail) {
		uint32_t s = queue[head++];
		for (size_t c = 0; c < pf->ncls; c++) {
			uint32_t *edge = &pf->delta[s * pf->ncls + c];
			uint32_t via_fail = s ? pf->delta[fail[s] * pf->ncls + c] : 0;
			if (*edge == UINT32_MAX) {
				*edge = via_fail;
				continue;
			}
			fail[*edge] = via_fail;
			for (size_t w = 0; w < PREFILTER_WORDS; w++)
				bits[*edge * PREFILTER_WORDS + w] |=
				    bits[via_fail * PREFILTER_WORDS + w];
			queue[tail++] = *edge;
		}
	}
	free(queue);
	free(fail);
	return 0;
}

/* Each state's bit set into the shared table of distinct sets (index 0: empty). */
static int share_sets(struct prefilter *pf, const uint64_t *bits)
{
	const size_t size = PREFILTER_WORDS * sizeof(uint64_t);

	pf->outset = calloc(pf->nstates, sizeof(*pf->outset));
	pf->sets = calloc(pf->nstates + 1, size);
	if (!pf->outset || !pf->sets)
		return -1;
	pf->nsets = 1;
	for (size_t s = 0; s < pf->nstates; s++) {
		const uint64_t *b = bits + s * PREFILTER_WORDS;
		size_t k = 0;
		while (k < pf->nsets && memcmp(pf->sets + k * PREFILTER_WORDS, b, size) != 0)
			k++;
		if (k == pf->nsets)
			memcpy(pf->sets + pf->nsets++ * PREFILTER_WORDS, b, size);
		pf->outset[s] = (uint32_t)k;
	}
	return 0;
}

int prefilter_build(struct prefilter *pf)
{
	uint64_t *bits = NULL;
	int rc;

	memset(pf->cls, 0, sizeof(pf->cls));
	pf->ncls = 1;
	for (size_t i = 0; i < pf->nlits; i++)
		for (const unsigned char *c = (const unsigned char *)pf->lits[i].s; *c; c++)
			if (!pf->cls[*c])
				pf->cls[*c] = (unsigned char)pf->ncls++;
	rc = build_trie(pf, &bits) || build_links(pf, bits) || share_sets(pf, bits) ? -1 : 0;
	free(bits);
	return rc;
}

void prefilter_scan(const struct prefilter *pf, const char *text, size_t len, uint64_t *bits)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t state = 0;

	memset(bits, 0, PREFILTER_WORDS * sizeof(*bits));
	if (!pf->delta)
		return;
	for (size_t i = 0; i < len; i++) {
		state = pf->delta[state * pf->ncls + pf->cls[s[i]]];
		uint32_t k = pf->outset[state];
		if (k)
			for (size_t w = 0; w < PREFILTER_WORDS; w++)
				bits[w] |= pf->sets[k * PREFILTER_WORDS + w];
	}
}
