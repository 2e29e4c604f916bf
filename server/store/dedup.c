/*
 * dedup.c - recent de-duplication keys (see dedup.h).
 *
 * Each generation is an open-addressing hash table of strdup'd keys (FNV-1a,
 * linear probing, at most half full). Lookups check the young generation,
 * then the old one; inserts go to the young one. Nothing is ever deleted
 * from a table, only whole generations, so no tombstones are needed.
 */
#include "dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct generation {
	char **slots;
	size_t mask;  /* slots - 1 (a power of two) */
	size_t count; /* keys stored */
};

struct dedup_cache {
	struct generation gen[2]; /* [0] young, [1] old */
	size_t per_generation;    /* keys a generation holds before it ages */
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int gen_init(struct generation *g, size_t keys)
{
	size_t n = 16;
	while (n < keys * 2)
		n <<= 1;
	g->slots = calloc(n, sizeof(*g->slots));
	g->mask = n - 1;
	g->count = 0;
	return g->slots ? 0 : -1;
}

static void gen_empty(struct generation *g)
{
	for (size_t i = 0; i <= g->mask; i++) {
		free(g->slots[i]);
		g->slots[i] = NULL;
	}
	g->count = 0;
}

static int gen_has(const struct generation *g, const char *key, uint64_t h)
{
	for (size_t i = h & g->mask;; i = (i + 1) & g->mask) {
		if (!g->slots[i])
			return 0;
		if (strcmp(g->slots[i], key) == 0)
			return 1;
	}
}

static int gen_put(struct generation *g, const char *key, uint64_t h)
{
	size_t i = h & g->mask;
	while (g->slots[i]) {
		if (strcmp(g->slots[i], key) == 0)
			return 0;
		i = (i + 1) & g->mask;
	}
	if (!(g->slots[i] = strdup(key)))
		return -1;
	g->count++;
	return 0;
}

struct dedup_cache *dedup_new(size_t capacity)
{
	struct dedup_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->per_generation = capacity / 2 ? capacity / 2 : 1;
	if (gen_init(&c->gen[0], c->per_generation) < 0 ||
	    gen_init(&c->gen[1], c->per_generation) < 0) {
		dedup_free(c);
		return NULL;
	}
	return c;
}

void dedup_free(struct dedup_cache *c)
{
	if (!c)
		return;
	for (int g = 0; g < 2; g++) {
		if (c->gen[g].slots)
			gen_empty(&c->gen[g]);
		free(c->gen[g].slots);
	}
	free(c);
}

int dedup_seen(const struct dedup_cache *c, const char *key)
{
	uint64_t h = fnv1a(key);
	return gen_has(&c->gen[0], key, h) || gen_has(&c->gen[1], key, h);
}

int dedup_add(struct dedup_cache *c, const char *key)
{
	if (c->gen[0].count >= c->per_generation) {
		/* the young generation ages; the old one is forgotten */
		struct generation old = c->gen[1];
		gen_empty(&old);
		c->gen[1] = c->gen[0];
		c->gen[0] = old;
	}
	return gen_put(&c->gen[0], key, fnv1a(key));
}

void dedup_clear(struct dedup_cache *c)
{
	gen_empty(&c->gen[0]);
	gen_empty(&c->gen[1]);
}
