/*
 * streets.c - the street register (see streets.h).
 *
 * Data flow: streets_add() checks one street (name, abbreviation, area) ->
 * each name, abbreviation and area is normalised (normalize_text) with the
 * spaces removed ("Gl. Kongevej" -> "glkongevej") -> the key goes into an
 * open-addressing hash table that grows as streets are added, so a register
 * can be searched at any time and needs no "finish" call -> streets_find()
 * joins one to three words of the message the same way and looks them up,
 * falling back to an edit-distance scan for long words ("rosenvje"). The
 * scan looks only at keys of a near length whose first or second letter is
 * the word's (the buckets below), which every key within the distance
 * allowed has: a register of 2,000 streets costs about what 50 did.
 *
 * Keys are kept in the order they were added and the table is linear
 * probing without deletions, so a look-up finds the first street (or area)
 * that had a key: the first row wins, as in the file it came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "intent_util.h"
#include "normalize.h"
#include "streets.h"

#define KEY_MAX 128

enum key_kind { KEY_STREET, KEY_AREA };

struct key {
	char *key; /* normalised, no spaces */
	size_t len;
	enum key_kind kind;
	size_t row;       /* index into rows (street) or areas (area) */
	unsigned letters; /* which letter classes occur (letters_of) */
};

struct row {
	char *name, *area; /* area points into areas, or NULL */
};

/* Key indexes (ascending) of one length and one first (or second) letter. */
struct bucket {
	size_t *ix;
	size_t n, cap;
};
#define LETTER_CLASSES 32 /* a byte's low 5 bits: a-z apart, digits share */

struct streets {
	struct row *rows;
	size_t nrows, rcap;
	char **areas;
	size_t nareas;
	struct key *keys; /* all keys in the order added, for the fuzzy scan */
	size_t nkeys, kcap;
	size_t *table; /* hash slots: index into keys + 1, 0 = empty */
	size_t tsize;  /* a power of two, at least twice nkeys */
	/* [0]: by first letter, [1]: by second letter; allocated with the first key */
	struct bucket (*by_letter)[KEY_MAX][LETTER_CLASSES];
};

static size_t hash_key(const char *s, size_t len)
{
	size_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

/* The lookup key of a name: normalised, spaces removed. Returns its length (0: no letters). */
static size_t make_key(const char *name, size_t len, char *key, size_t keysize)
{
	char norm[2 * STREETS_MAX_NAME + 8];
	size_t n = normalize_text(name, len, norm, sizeof(norm), NULL), k = 0;

	for (size_t i = 0; i < n && k + 1 < keysize; i++)
		if (norm[i] != ' ')
			key[k++] = norm[i];
	key[k] = 0;
	return k;
}

/* The first key added with this text (a street or an area), or NULL. */
static const struct key *lookup(const struct streets *st, const char *key, size_t len)
{
	if (!st->tsize)
		return NULL;
	for (size_t h = hash_key(key, len) & (st->tsize - 1);; h = (h + 1) & (st->tsize - 1)) {
		size_t slot = st->table[h];
		if (!slot)
			return NULL;
		const struct key *k = &st->keys[slot - 1];
		if (k->len == len && memcmp(k->key, key, len) == 0)
			return k;
	}
}

/* 1 if a key with this text and kind is already in the table. */
static int has_key(const struct streets *st, const char *key, size_t len, enum key_kind kind)
{
	if (!st->tsize)
		return 0;
	for (size_t h = hash_key(key, len) & (st->tsize - 1);; h = (h + 1) & (st->tsize - 1)) {
		size_t slot = st->table[h];
		if (!slot)
			return 0;
		const struct key *k = &st->keys[slot - 1];
		if (k->kind == kind && k->len == len && memcmp(k->key, key, len) == 0)
			return 1;
	}
}

static void table_put(size_t *table, size_t tsize, const struct key *k, size_t index)
{
	size_t h = hash_key(k->key, k->len) & (tsize - 1);

	while (table[h])
		h = (h + 1) & (tsize - 1);
	table[h] = index + 1;
}

/* Makes room for one more key: the table doubles (keys re-added in order) when half full. */
static int table_reserve(struct streets *st)
{
	if (st->tsize && (st->nkeys + 1) * 2 <= st->tsize)
		return 0;
	size_t tsize = st->tsize ? st->tsize * 2 : 64;
	size_t *table = calloc(tsize, sizeof(*table));
	if (!table)
		return -1;
	for (size_t i = 0; i < st->nkeys; i++)
		table_put(table, tsize, &st->keys[i], i);
	free(st->table);
	st->table = table, st->tsize = tsize;
	return 0;
}

struct streets *streets_new(void)
{
	return calloc(1, sizeof(struct streets));
}

void streets_free(struct streets *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nrows; i++)
		free(st->rows[i].name);
	for (size_t i = 0; i < st->nareas; i++)
		free(st->areas[i]);
	for (size_t i = 0; i < st->nkeys; i++)
		free(st->keys[i].key);
	free(st->rows);
	free(st->areas);
	free(st->keys);
	free(st->table);
	for (size_t i = 0; st->by_letter && i < (size_t)2 * KEY_MAX * LETTER_CLASSES; i++)
		free((&st->by_letter[0][0][0])[i].ix);
	free(st->by_letter);
	free(st);
}

size_t streets_count(const struct streets *st)
{
	return st ? st->nrows : 0;
}

/* --- building ------------------------------------------------------------- */

/* NULL, or why a field cannot be in the register. */
static const char *check_field(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (len > STREETS_MAX_NAME)
		return "is longer than 100 bytes";
	for (size_t i = 0; i < len;) {
		int n = utf8_seq_len(u + i, len - i);
		if (n == 0)
			return "is not valid UTF-8";
		if (n == 1 && (u[i] < 0x20 || u[i] == 0x7F))
			return "has a control character";
		i += (size_t)n;
	}
	return NULL;
}

/* Adds the key of name (ignored when it has no letters or is already there). 0, or -1: no
 * memory. */
/* The letter classes of s as bits. One edit adds at most one class to a
 * word and removes at most one, so two words within distance d differ in at
 * most d classes each way: a cheap test before the edit distance. */
static unsigned letters_of(const char *s, size_t len)
{
	unsigned m = 0;
	for (size_t i = 0; i < len; i++)
		m |= 1U << ((unsigned char)s[i] % LETTER_CLASSES);
	return m;
}

/* Files key index i (of k) under its length and its first and second letter. */
static int bucket_add(struct streets *st, const struct key *k, size_t i)
{
	if (!st->by_letter && !(st->by_letter = calloc(2, sizeof(*st->by_letter))))
		return -1;
	for (int w = 0; w < 2; w++) {
		struct bucket *b =
		    &st->by_letter[w][k->len][(unsigned char)k->key[w] % LETTER_CLASSES];
		size_t *ix = intent_grow(b->ix, b->n, &b->cap, sizeof(*ix));
		if (!ix)
			return -1;
		b->ix = ix;
		b->ix[b->n++] = i;
	}
	return 0;
}

static int push_key(struct streets *st, const char *name, enum key_kind kind, size_t row)
{
	char key[KEY_MAX];
	size_t len = make_key(name, strlen(name), key, sizeof(key));

	if (len == 0 || has_key(st, key, len, kind))
		return 0; /* nothing to look up, or nothing new */
	struct key *keys = intent_grow(st->keys, st->nkeys, &st->kcap, sizeof(*keys));
	if (!keys)
		return -1;
	st->keys = keys;
	if (table_reserve(st) < 0)
		return -1;
	struct key *k = &st->keys[st->nkeys];
	*k = (struct key){strdup(key), len, kind, row, letters_of(key, len)};
	if (!k->key)
		return -1;
	table_put(st->table, st->tsize, k, st->nkeys);
	if (bucket_add(st, k, st->nkeys) < 0)
		return -1;
	st->nkeys++;
	return 0;
}

/* The index of area in areas (added if new), or -1: no memory. */
static ssize_t area_index(struct streets *st, const char *area)
{
	for (size_t i = 0; i < st->nareas; i++)
		if (strcmp(st->areas[i], area) == 0)
			return (ssize_t)i;
	char **a = realloc(st->areas, (st->nareas + 1) * sizeof(*a));
	if (!a)
		return -1;
	st->areas = a;
	if (!(a[st->nareas] = strdup(area)))
		return -1;
	return (ssize_t)st->nareas++;
}

/* NULL, or why the street cannot be added (fields checked, room for a row). */
static const char *check_street(const struct streets *st, const char *name,
                                const char *const fields[3], char *why, size_t whylen)
{
	static const char *const what[3] = {"street", "abbreviation", "area"};
	char key[KEY_MAX];

	if (!*name)
		return "empty street name";
	for (int i = 0; i < 3; i++) {
		const char *bad = check_field(fields[i], strlen(fields[i]));
		if (bad) {
			snprintf(why, whylen, "%s %s", what[i], bad);
			return why;
		}
	}
	if (!make_key(name, strlen(name), key, sizeof(key)))
		return "street name has no letters";
	if (st->nrows == STREETS_MAX_ROWS)
		return "more than 100000 streets";
	return NULL;
}

/* Adds the row; *a is its area's index, or -1 for none. 0, or -1: no memory. */
static int add_row(struct streets *st, const char *name, const char *area, ssize_t *a)
{
	*a = -1;
	if (*area && (*a = area_index(st, area)) < 0)
		return -1;
	struct row *rows = intent_grow(st->rows, st->nrows, &st->rcap, sizeof(*rows));
	if (!rows)
		return -1;
	st->rows = rows;
	struct row *r = &st->rows[st->nrows];
	r->area = *a >= 0 ? st->areas[*a] : NULL;
	if (!(r->name = strdup(name)))
		return -1;
	st->nrows++;
	return 0;
}

int streets_add(struct streets *st, const char *name, const char *abbreviation, const char *area,
                char *err, size_t errlen)
{
	const char *const f[3] = {name ? name : "", abbreviation ? abbreviation : "",
	                          area ? area : ""};
	char why[80];
	const char *bad = check_street(st, f[0], f, why, sizeof(why));

	if (bad) {
		intent_set_err(err, errlen, "%s", bad);
		return -1;
	}
	size_t r = st->nrows;
	ssize_t a;
	if (add_row(st, f[0], f[2], &a) < 0 || push_key(st, f[0], KEY_STREET, r) < 0 ||
	    (f[1][0] && push_key(st, f[1], KEY_STREET, r) < 0) ||
	    (a >= 0 && push_key(st, f[2], KEY_AREA, (size_t)a) < 0)) {
		intent_set_err(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* --- lookup --------------------------------------------------------------- */

int streets_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int max)
{
	int rows[3][KEY_MAX + 1]; /* rolling rows i-2, i-1, i; columns over b */

	if (alen > KEY_MAX || blen > KEY_MAX)
		return max + 1;
	if ((alen > blen ? alen - blen : blen - alen) > (size_t)max)
		return max + 1;
	for (size_t j = 0; j <= blen; j++)
		rows[0][j] = (int)j;
	for (size_t i = 1; i <= alen; i++) {
		int *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *pp = rows[(i - 2) % 3];
		int best = cur[0] = (int)i;
		for (size_t j = 1; j <= blen; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return rows[alen % 3][blen] > max ? max + 1 : rows[alen % 3][blen];
}

/* Street-like word endings that make a long word worth a fuzzy look-up. */
static int street_like(const char *key, size_t len)
{
	static const char *const suffixes[] = {
	    "vej",   "vje",  "gade",   "ale",    "sti",     "stien",     "vanget", "parken",
	    "plads", "torv", "bakken", "strade", "kvarter", "kvarteret", "haven",  "toften"};
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && memcmp(key + len - n, suffixes[i], n) == 0)
			return 1;
	}
	return 0;
}

/* The key within the edit distance allowed for len of key, the nearest, the
 * first added on a tie (as a scan of all keys in order would find), or NULL. */
static const struct key *fuzzy(const struct streets *st, const char *key, size_t len)
{
	int max = len >= 10 ? 2 : 1, best = max + 1;
	size_t hit = 0, found = 0;

	if (len < 6 || !street_like(key, len) || !st->by_letter)
		return NULL;
	unsigned letters = letters_of(key, len);
	for (size_t l = len - (size_t)max; l <= len + (size_t)max && l < KEY_MAX; l++) {
		for (int w = 0; w < 2; w++) {
			const struct bucket *b =
			    &st->by_letter[w][l][(unsigned char)key[w] % LETTER_CLASSES];
			for (size_t j = 0; j < b->n; j++) {
				const struct key *k = &st->keys[b->ix[j]];
				if (k->key[0] != key[0] && k->key[1] != key[1])
					continue; /* another letter of the same class */
				if (w == 1 && k->key[0] == key[0])
					continue; /* seen in the first-letter bucket */
				if (found && b->ix[j] > hit && best == 1)
					continue; /* cannot win: distance 0 is an exact key */
				if (__builtin_popcount(letters & ~k->letters) > max ||
				    __builtin_popcount(k->letters & ~letters) > max)
					continue;
				int d = streets_edit_distance(key, len, k->key, k->len, best);
				if (d < best || (d == best && d <= max && b->ix[j] < hit)) {
					best = d, hit = b->ix[j], found = 1;
				}
			}
		}
	}
	return found ? &st->keys[hit] : NULL;
}

struct word {
	size_t start, end;
};

static size_t split_words(const char *norm, size_t len, struct word *w, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < max;) {
		while (i < len && norm[i] == ' ')
			i++;
		if (i >= len)
			break;
		w[n].start = i;
		while (i < len && norm[i] != ' ')
			i++;
		w[n++].end = i;
	}
	return n;
}

static int is_house_number(const char *s, size_t len)
{
	size_t d = 0;

	while (d < len && s[d] >= '0' && s[d] <= '9')
		d++;
	return d >= 1 && d <= 4 && (len == d || (len == d + 1 && s[d] >= 'a' && s[d] <= 'z'));
}

/* Join words [i, i+n) without spaces into key. Returns the key length, 0 if too long. */
static size_t join_words(const char *norm, const struct word *w, size_t i, size_t n, char *key)
{
	size_t k = 0;

	for (size_t j = i; j < i + n; j++) {
		size_t wl = w[j].end - w[j].start;
		if (k + wl >= KEY_MAX)
			return 0;
		memcpy(key + k, norm + w[j].start, wl);
		k += wl;
	}
	key[k] = 0;
	return k;
}

static void take_house_number(const char *norm, const struct word *w, size_t nw, size_t after,
                              struct streets_match *out)
{
	size_t j = after;

	if (j < nw && w[j].end - w[j].start == 2 && memcmp(norm + w[j].start, "nr", 2) == 0)
		j++;
	if (j < nw && is_house_number(norm + w[j].start, w[j].end - w[j].start)) {
		size_t l = w[j].end - w[j].start;
		memcpy(out->house_number, norm + w[j].start, l);
		out->house_number[l] = 0;
	}
}

int streets_find(const struct streets *st, const char *norm, size_t len, struct streets_match *out)
{
	struct word w[128];
	size_t nw = split_words(norm, len, w, 128);
	char key[KEY_MAX];

	memset(out, 0, sizeof(*out));
	if (!st)
		return 0;
	for (size_t i = 0; i < nw && !out->street; i++) {
		for (size_t n = 3; n >= 1; n--) {
			const struct key *k;
			size_t kl;
			if (i + n > nw || !(kl = join_words(norm, w, i, n, key)))
				continue;
			if (!(k = lookup(st, key, kl)) && n <= 2)
				k = fuzzy(st, key, kl);
			if (!k)
				continue;
			if (k->kind == KEY_AREA) {
				if (!out->area)
					out->area = st->areas[k->row];
				break;
			}
			out->street = st->rows[k->row].name;
			if (st->rows[k->row].area)
				out->area = st->rows[k->row].area;
			out->street_end = w[i + n - 1].end;
			take_house_number(norm, w, nw, i + n, out);
			break;
		}
	}
	if (out->street && !out->house_number[0]) /* "ved nr 22 på Duevej" */
		for (size_t i = 0; i + 1 < nw && !out->house_number[0]; i++)
			if (w[i].end - w[i].start == 2 && !memcmp(norm + w[i].start, "nr", 2))
				take_house_number(norm, w, nw, i, out);
	return out->street || out->area;
}

/* ---- street-shaped names not in the register ------------------------------ */

/* Folded endings of Danish street names (normalize.h: "stræde" is "strade", "allé" "ale"). */
static const char *const shape_suffix[] = {
    "vej",    "vejen",  "gade",  "strade", "ale",     "vanget", "vange",
    "bakken", "parken", "stien", "plads",  "pladsen", "torv",   "torvet",
};
/* Folded common words that end like a street but name none. */
static const char *const shape_noun[] = {
    "cykelsti",     "cykelstien",      "gangsti",
    "gangstien",    "motorvej",        "motorvejen",
    "landevej",     "landevejen",      "hovedvej",
    "hovedvejen",   "sidevej",         "sidevejen",
    "grusvej",      "grusvejen",       "omvej",
    "omvejen",      "legeplads",       "legepladsen",
    "arbejdsplads", "parkeringsplads", "parkeringspladsen",
    "boldplads",    "holdeplads",      "holdepladsen",
    "hjemvej",      "hjemvejen",       "skolevejen",
    "busvej",       "villavej",        "villavejen",
    "boligvej",     "boligvejen",      "privatvej",
    "privatvejen",  "fallesvej",       "fallesvejen",
    "skovsti",      "skovstien",       "natursti",
    "naturstien",   "trampesti",       "brigade",
    "brigaden",     "kommunale",       "lokale",
    "sociale",      "centrale",        "normale",
    "finale",       "skandale",        "totale",
    "brutale",      "ideale",          "regionale",
    "nationale",    "digitale",        "globale",
    "radikale",     "mentale",         "generale",
    "materiale",    "personale",       "potentiale",
    "signale",      "moderate",
};
/* Separate words that finish a name ("H.C. Andersens Vej"). */
static const char *const shape_tail[] = {"vej", "gade", "ale", "alle", "plads", "strade", "torv"};
/* Words that may start a name ("Gammel Kongevej", "Ny Adelgade"). */
static const char *const shape_head[] = {"gammel", "gl",    "ny",    "nye",    "sankt",  "skt",
                                         "store",  "lille", "norre", "sondre", "vestre", "ostre"};

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], s, n))
			return 1;
	return 0;
}
#define IN(s, n, list) in_list(s, n, list, sizeof(list) / sizeof((list)[0]))

static int ends_like_street(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(shape_suffix) / sizeof(shape_suffix[0]); i++) {
		size_t l = strlen(shape_suffix[i]);
		if (n >= l + 3 && !memcmp(s + n - l, shape_suffix[i], l))
			return !IN(s, n, shape_noun);
	}
	return 0;
}

static int is_name_word(const char *s, size_t n)
{
	if (n < 3)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 0;
	return 1;
}

int street_shape_find(const char *norm, size_t len, struct street_shape *out)
{
	struct word w[128];
	size_t nw = split_words(norm, len, w, 128);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < nw; i++) {
		const char *s = norm + w[i].start;
		size_t n = w[i].end - w[i].start, first = i, last = i;
		if (ends_like_street(s, n))
			;
		else if (i > 0 && IN(s, n, shape_tail) &&
		         is_name_word(norm + w[i - 1].start, w[i - 1].end - w[i - 1].start) &&
		         norm[w[i - 1].end - 1] == 's') /* "andersens vej", "kongens gade" */
			first = i - 1;
		else
			continue;
		while (first > 0) { /* "gammel", "sankt" before it */
			size_t pl = w[first - 1].end - w[first - 1].start;
			if (!IN(norm + w[first - 1].start, pl, shape_head))
				break;
			first--;
		}
		size_t initials = 0; /* "h c" (H.C.): two or more single letters */
		while (first > initials &&
		       w[first - initials - 1].end - w[first - initials - 1].start == 1)
			initials++;
		if (initials >= 2)
			first -= initials;
		out->start = w[first].start;
		out->end = w[last].end;
		struct streets_match m = {0};
		take_house_number(norm, w, nw, last + 1, &m);
		memcpy(out->house_number, m.house_number, sizeof(out->house_number));
		return 1;
	}
	return 0;
}
