/*
 * streets.c - the street register (see streets.h for the CSV format).
 *
 * Data flow: CSV -> rows validated line by line -> each name and abbreviation
 * normalised (normalize_text) with the spaces removed ("Gl. Kongevej" ->
 * "glkongevej") -> open-addressing hash of keys -> streets_find() joins one to
 * three words of the message the same way and looks them up, falling back to
 * an edit-distance scan for long words ("rosenvje").
 */
#include <errno.h>
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
	size_t row; /* index into rows (street) or areas (area) */
};

struct row {
	char *name, *area;
};

struct streets {
	struct row *rows;
	size_t nrows;
	char **areas;
	size_t nareas;
	struct key *keys; /* all keys, for the fuzzy scan */
	size_t nkeys;
	size_t *table; /* hash slots: index into keys + 1, 0 = empty */
	size_t tsize;
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
	free(st);
}

size_t streets_count(const struct streets *st)
{
	return st ? st->nrows : 0;
}

/* --- CSV parsing ---------------------------------------------------------- */

/* Split one CSV line into at most 3 fields (quotes allowed). Returns the field count or -1. */
static int split_csv(const char *line, char fields[3][STREETS_MAX_NAME + 1], const char **why)
{
	int nf = 0;
	const char *p = line;

	for (;;) {
		size_t n = 0;
		int quoted = (*p == '"');
		if (nf == 3) {
			*why = "too many fields (expected name,abbreviation,area)";
			return -1;
		}
		if (quoted)
			p++;
		while (*p && (quoted || *p != ',')) {
			if (quoted && *p == '"') {
				if (p[1] != '"')
					break;
				p++;
			}
			if (n == STREETS_MAX_NAME) {
				*why = "field longer than 100 bytes";
				return -1;
			}
			fields[nf][n++] = *p++;
		}
		if (quoted) {
			if (*p != '"') {
				*why = "unterminated quote";
				return -1;
			}
			p++;
			if (*p && *p != ',') {
				*why = "text after a closing quote";
				return -1;
			}
		}
		fields[nf][n] = 0;
		/* trim spaces */
		char *f = fields[nf];
		size_t b = 0;
		while (f[b] == ' ')
			b++;
		memmove(f, f + b, strlen(f + b) + 1);
		n = strlen(f);
		while (n && f[n - 1] == ' ')
			f[--n] = 0;
		nf++;
		if (!*p)
			return nf;
		p++; /* ',' */
	}
}

static const char *check_text(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;

	for (size_t i = 0; i < len;) {
		int n = utf8_seq_len(s + i, len - i);
		if (n == 0)
			return "invalid UTF-8";
		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7F))
			return "control character";
		i += (size_t)n;
	}
	return NULL;
}

static int push_key(struct streets *st, size_t *cap, const char *name, enum key_kind kind,
                    size_t row)
{
	char key[KEY_MAX];
	size_t len = make_key(name, strlen(name), key, sizeof(key));

	if (len == 0)
		return 1;                      /* nothing to look up */
	for (size_t i = 0; i < st->nkeys; i++) /* only at load; registers are small */
		if (st->keys[i].len == len && st->keys[i].kind == kind &&
		    memcmp(st->keys[i].key, key, len) == 0)
			return 1;
	if (st->nkeys == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct key *k = realloc(st->keys, ncap * sizeof(*k));
		if (!k)
			return 0;
		st->keys = k, *cap = ncap;
	}
	st->keys[st->nkeys] = (struct key){strdup(key), len, kind, row};
	if (!st->keys[st->nkeys].key)
		return 0;
	st->nkeys++;
	return 1;
}

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

static int build_table(struct streets *st)
{
	st->tsize = 16;
	while (st->tsize < st->nkeys * 2)
		st->tsize *= 2;
	st->table = calloc(st->tsize, sizeof(*st->table));
	if (!st->table)
		return 0;
	for (size_t i = 0; i < st->nkeys; i++) {
		size_t h = hash_key(st->keys[i].key, st->keys[i].len) & (st->tsize - 1);
		while (st->table[h]) {
			const struct key *o = &st->keys[st->table[h] - 1];
			if (o->len == st->keys[i].len && !memcmp(o->key, st->keys[i].key, o->len))
				break; /* same key as a street and an area: first one wins */
			h = (h + 1) & (st->tsize - 1);
		}
		if (!st->table[h])
			st->table[h] = i + 1;
	}
	return 1;
}

static int parse_row(struct streets *st, size_t *kcap, const char *line, const char **why)
{
	char f[3][STREETS_MAX_NAME + 1];
	int nf = split_csv(line, f, why);
	ssize_t area = -1;

	if (nf < 0)
		return 0;
	if (nf < 1 || !f[0][0]) {
		*why = "empty street name";
		return 0;
	}
	char key[KEY_MAX];
	if (!make_key(f[0], strlen(f[0]), key, sizeof(key))) {
		*why = "street name has no letters";
		return 0;
	}
	if (nf == 3 && f[2][0] && (area = area_index(st, f[2])) < 0) {
		*why = "out of memory";
		return 0;
	}
	size_t r = st->nrows;
	st->rows[r].name = strdup(f[0]);
	st->rows[r].area = area >= 0 ? st->areas[area] : NULL;
	if (!st->rows[r].name) {
		*why = "out of memory";
		return 0;
	}
	st->nrows++;
	if (!push_key(st, kcap, f[0], KEY_STREET, r) ||
	    (nf >= 2 && f[1][0] && !push_key(st, kcap, f[1], KEY_STREET, r)) ||
	    (area >= 0 && !push_key(st, kcap, f[2], KEY_AREA, (size_t)area))) {
		*why = "out of memory";
		return 0;
	}
	return 1;
}

struct streets *streets_parse(const char *name, const char *data, size_t len, char *err,
                              size_t errlen)
{
	struct streets *st = calloc(1, sizeof(*st));
	size_t kcap = 0, lineno = 0, rcap = 0;
	const char *p = data, *end = data + len;
	char line[STREETS_MAX_LINE + 1];

	if (!st)
		goto oom;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *why = NULL;

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n > STREETS_MAX_LINE) {
			intent_set_err(err, errlen, "%s:%zu: line longer than %d bytes", name,
			               lineno, STREETS_MAX_LINE);
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = 0;
		p = nl ? nl + 1 : end;
		if ((why = check_text(line, n))) {
			intent_set_err(err, errlen, "%s:%zu: %s", name, lineno, why);
			goto fail;
		}
		if (lineno == 1) {
			if (strncmp(line, "\xEF\xBB\xBF", 3) == 0)
				memmove(line, line + 3, n - 2);
			if (strcmp(line, "name,abbreviation,area") != 0) {
				intent_set_err(err, errlen,
				               "%s:1: expected the header 'name,abbreviation,area'",
				               name);
				goto fail;
			}
			continue;
		}
		if (n == 0 || line[0] == '#')
			continue;
		if (st->nrows == STREETS_MAX_ROWS) {
			intent_set_err(err, errlen, "%s:%zu: more than %d streets", name, lineno,
			               STREETS_MAX_ROWS);
			goto fail;
		}
		if (st->nrows == rcap) {
			rcap = rcap ? rcap * 2 : 64;
			struct row *r = realloc(st->rows, rcap * sizeof(*r));
			if (!r)
				goto oom;
			st->rows = r;
		}
		if (!parse_row(st, &kcap, line, &why)) {
			intent_set_err(err, errlen, "%s:%zu: %s", name, lineno, why);
			goto fail;
		}
	}
	if (lineno == 0) {
		intent_set_err(err, errlen,
		               "%s: empty file (expected the header 'name,abbreviation,area')",
		               name);
		goto fail;
	}
	if (!build_table(st))
		goto oom;
	return st;
oom:
	intent_set_err(err, errlen, "%s: out of memory", name);
fail:
	streets_free(st);
	return NULL;
}

struct streets *streets_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct streets *st;

	if (!f) {
		intent_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)64 << 20) {
				intent_set_err(err, errlen, "%s: file larger than 64 MB", path);
				goto fail;
			}
			char *nb = realloc(buf, cap);
			if (!nb) {
				intent_set_err(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		intent_set_err(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	st = streets_parse(path, buf, len, err, errlen);
	free(buf);
	return st;
fail:
	fclose(f);
	free(buf);
	return NULL;
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

static const struct key *fuzzy(const struct streets *st, const char *key, size_t len)
{
	int max = len >= 10 ? 2 : 1, best = max + 1;
	const struct key *hit = NULL;

	if (len < 6 || !street_like(key, len))
		return NULL;
	for (size_t i = 0; i < st->nkeys; i++) {
		const struct key *k = &st->keys[i];
		if (k->key[0] != key[0] && k->key[1] != key[1])
			continue;
		int d = streets_edit_distance(key, len, k->key, k->len, best - 1);
		if (d < best)
			best = d, hit = k;
		if (best == 0)
			break;
	}
	return hit;
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
