/*
 * dedup.c - recent de-duplication keys (see dedup.h).
 *
 * Each generation is an open-addressing hash table (linear probing, at most
 * 80% full) of 128-bit key hashes stored inline: 16 bytes a slot, no
 * allocation per key. The strings themselves are not kept: at 200,000 keys
 * of ~60 bytes each, the strdup'd copies and their malloc headers were
 * ~20 MiB of the server's peak RSS; the hashes are 4 MiB in all (2 x 2^17
 * slots). At 76% full a lookup of an absent key probes ~9 slots, 144
 * contiguous bytes: nothing next to the fsync a batch waits for.
 *
 * What that costs, honestly: two different keys with the same 128-bit hash
 * would make the second look like a redelivery and be dropped. The two
 * halves are computed by different functions (FNV-1a and a multiply-xorshift
 * over 8-byte words), each finished with a full avalanche; for n = 200,000
 * remembered keys the chance that a new key hits one is about n / 2^128,
 * 6e-34 per event. The keys come from Meta's signed payloads (message ids),
 * so a sender cannot choose them to collide. Lookups check the young
 * generation, then the old one; inserts go to the young one. Nothing is ever
 * deleted from a table, only whole generations, so no tombstones are needed.
 */
#include "dedup.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct key_hash {
	uint64_t a, b; /* a == 0 && b == 0: an empty slot */
};

struct generation {
	struct key_hash *slots;
	size_t mask;  /* slots - 1 (a power of two) */
	size_t count; /* keys stored */
};

struct dedup_cache {
	struct generation gen[2]; /* [0] young, [1] old */
	size_t per_generation;    /* keys a generation holds before it ages */
};

static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static struct key_hash hash_key(const char *s)
{
	uint64_t fnv = 1469598103934665603ULL, mx = 0x9e3779b97f4a7c15ULL;
	size_t len = strlen(s), i = 0;

	for (size_t k = 0; k < len; k++) {
		fnv ^= (unsigned char)s[k];
		fnv *= 1099511628211ULL;
	}
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		mx = (mx ^ fmix64(w)) * 0x94d049bb133111ebULL;
		mx ^= mx >> 29;
	}
	uint64_t tail = 0;
	memcpy(&tail, s + i, len - i);
	mx = (mx ^ fmix64(tail ^ ((uint64_t)len << 56))) * 0x94d049bb133111ebULL;

	struct key_hash h = {fmix64(fnv), fmix64(mx ^ (mx >> 31))};
	if (!h.a && !h.b)
		h.b = 1; /* never the empty marker */
	return h;
}

static int gen_init(struct generation *g, size_t keys)
{
	size_t n = 16;
	while (n < keys + keys / 4) /* at most 80% full */
		n <<= 1;
	g->slots = calloc(n, sizeof(*g->slots));
	g->mask = n - 1;
	g->count = 0;
	return g->slots ? 0 : -1;
}

static void gen_empty(struct generation *g)
{
	if (g->count) /* an empty table's pages may never have been touched */
		memset(g->slots, 0, (g->mask + 1) * sizeof(*g->slots));
	g->count = 0;
}

static int slot_empty(const struct key_hash *k)
{
	return !k->a && !k->b;
}

static int gen_has(const struct generation *g, struct key_hash h)
{
	for (size_t i = h.a & g->mask;; i = (i + 1) & g->mask) {
		if (slot_empty(&g->slots[i]))
			return 0;
		if (g->slots[i].a == h.a && g->slots[i].b == h.b)
			return 1;
	}
}

static void gen_put(struct generation *g, struct key_hash h)
{
	size_t i = h.a & g->mask;
	while (!slot_empty(&g->slots[i])) {
		if (g->slots[i].a == h.a && g->slots[i].b == h.b)
			return;
		i = (i + 1) & g->mask;
	}
	g->slots[i] = h;
	g->count++;
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
	free(c->gen[0].slots);
	free(c->gen[1].slots);
	free(c);
}

int dedup_seen(const struct dedup_cache *c, const char *key)
{
	struct key_hash h = hash_key(key);
	return gen_has(&c->gen[0], h) || gen_has(&c->gen[1], h);
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
	gen_put(&c->gen[0], hash_key(key));
	return 0;
}

void dedup_clear(struct dedup_cache *c)
{
	gen_empty(&c->gen[0]);
	gen_empty(&c->gen[1]);
}
