/*
 * throttle.c - the login failure table (see throttle.h): open addressing
 * over a power-of-two array, FNV-1a hash, at most PROBE slots looked at.
 */
#include "throttle.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8

struct slot {
	char key[THROTTLE_KEY_MAX + 1]; /* "" = free */
	int failures;
	long long last_ms;
	long long locked_until;
};

struct throttle {
	pthread_mutex_t mu;
	unsigned mask;
	struct slot *slots;
};

struct throttle *throttle_new(unsigned slots)
{
	unsigned n = 16;
	while (n < slots && n < (1u << 20))
		n <<= 1;
	struct throttle *t = calloc(1, sizeof(*t));
	if (!t || !(t->slots = calloc(n, sizeof(struct slot)))) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t->slots);
	free(t);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot holding key, or with create the slot to put it in (a free one,
 * else the one with the oldest failure); NULL when absent. */
static struct slot *find(struct throttle *t, const char *key, int create)
{
	char k[THROTTLE_KEY_MAX + 1];
	snprintf(k, sizeof(k), "%s", key);
	uint32_t h = fnv1a(k);
	struct slot *victim = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &t->slots[(h + i) & t->mask];
		if (!strcmp(s->key, k))
			return s;
		if (!victim || (victim->key[0] && (!s->key[0] || s->last_ms < victim->last_ms)))
			victim = s;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, k, strlen(k) + 1);
	return victim;
}

long long throttle_wait_ms(struct throttle *t, const char *key, long long now_ms)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = find(t, key, 0);
	long long wait = s && s->locked_until > now_ms ? s->locked_until - now_ms : 0;
	pthread_mutex_unlock(&t->mu);
	return wait;
}

void throttle_fail(struct throttle *t, const char *key, int threshold, long long now_ms)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = find(t, key, 1);
	if (s->failures && now_ms - s->last_ms > THROTTLE_FORGET_MS && s->locked_until <= now_ms)
		s->failures = 0;
	s->failures++;
	s->last_ms = now_ms;
	if (s->failures >= threshold) {
		int extra = s->failures - threshold;
		long long lock =
		    extra >= 5 ? THROTTLE_MAX_LOCK_MS : THROTTLE_FIRST_LOCK_MS << extra;
		s->locked_until =
		    now_ms + (lock < THROTTLE_MAX_LOCK_MS ? lock : THROTTLE_MAX_LOCK_MS);
	}
	pthread_mutex_unlock(&t->mu);
}

void throttle_clear(struct throttle *t, const char *key)
{
	pthread_mutex_lock(&t->mu);
	struct slot *s = find(t, key, 0);
	if (s)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&t->mu);
}
