/*
 * dedup.h - the de-duplication keys of recently stored webhook events, in
 * memory.
 *
 * The events table is unique on (Meta's timestamp, key), which keeps its
 * index append-only and ingest fast; a redelivery repeats the timestamp and
 * so collides there. This cache adds the rule "the same key is stored once"
 * even when a redelivery carried another timestamp: the ingest writer looks
 * every key up here first. It holds the newest `capacity` keys (two
 * generations: when the young one is full it becomes the old one and the
 * previous old one is dropped), and is filled from the database at start.
 * It keeps a 128-bit hash of each key, not the key (16 bytes a key; see
 * dedup.c for what that costs).
 * Used by one thread (the ingest writer); not thread-safe.
 */
#ifndef BORGERBOT_DEDUP_H
#define BORGERBOT_DEDUP_H

#include <stddef.h>

struct dedup_cache;

struct dedup_cache *dedup_new(size_t capacity);
void dedup_free(struct dedup_cache *c);

/* 1 if key is among the remembered keys. */
int dedup_seen(const struct dedup_cache *c, const char *key);

/* Remembers key (its hash). Returns 0: dedup_new() allocated the tables. */
int dedup_add(struct dedup_cache *c, const char *key);

/* Forgets every key (e.g. after a rolled-back batch, before re-filling). */
void dedup_clear(struct dedup_cache *c);

#endif
