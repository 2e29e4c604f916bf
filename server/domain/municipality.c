/*
 * municipality.c - the municipality's data files as one reference-counted
 * snapshot (see municipality.h for what and why).
 *
 * The current snapshot carries one reference of its own; each hold adds one.
 * A reload builds the next snapshot outside the lock, then swaps the
 * pointer and drops the old snapshot's own reference under it; whoever
 * drops the last reference frees that snapshot, outside the lock.
 */
#include "municipality.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "case.h"
#include "content.h"
#include "crisis_lines.h"
#include "intents/intent.h"
#include "staffing.h"
#include "street_register.h"
#include "winter.h"

/* One loaded set: the public view first, so a held pointer converts back. */
struct snapshot {
	struct municipality_data data;
	struct case_rules *cases;
	struct winter_plan *winter;
	struct content *content;
	struct crisis_lines *crisis;
	struct staffing *staffing;
	struct intent_engine *intents;
	int refs; /* under municipality.lock */
};

struct municipality {
	struct municipality_files files;
	pthread_mutex_t lock;
	struct snapshot *current;
	long long generation; /* snapshots loaded */
};

static void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	intent_engine_free(s->intents);
	staffing_free(s->staffing);
	crisis_lines_free(s->crisis);
	content_free(s->content);
	winter_free(s->winter);
	case_rules_free(s->cases);
	free(s);
}

/* The street register: its rows fill the engine's register and the winter
 * plan's streets, so it is read after the plan and before the engine. */
static int load_intents(const struct municipality_files *f, struct snapshot *s, char *err,
                        size_t errlen)
{
	const char *path = f->street_register;
	if (f->street_register_else && access(path, R_OK) != 0)
		path = f->street_register_else;
	struct streets *reg = street_register_load(path, s->winter, err, errlen);
	if (!reg)
		return -1;
	char why[512];
	if (!(s->intents = intent_engine_load(f->intents_dir, reg, why, sizeof(why)))) {
		snprintf(err, errlen, "intents: %s", why);
		return -1;
	}
	return 0;
}

static struct snapshot *snapshot_load(const struct municipality_files *f, char *err, size_t errlen)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	const char *dir = f->dir;
	if (!(s->cases = case_rules_load(dir, err, errlen)) ||
	    !(s->winter = winter_load(dir, err, errlen)) ||
	    !(s->content = content_load(dir, err, errlen)) ||
	    !(s->crisis = crisis_lines_load(dir, err, errlen)) ||
	    !(s->staffing = staffing_load(dir, err, errlen)) ||
	    load_intents(f, s, err, errlen) < 0) {
		snapshot_free(s);
		return NULL;
	}
	s->data = (struct municipality_data){s->cases,  s->winter,   s->content,
	                                     s->crisis, s->staffing, s->intents};
	s->refs = 1;
	return s;
}

struct municipality *municipality_open(const struct municipality_files *files, char *err,
                                       size_t errlen)
{
	struct municipality *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->files = *files;
	if (!(m->current = snapshot_load(files, err, errlen))) {
		free(m);
		return NULL;
	}
	m->generation = 1;
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void municipality_close(struct municipality *m)
{
	if (!m)
		return;
	snapshot_free(m->current); /* every holder released: only its own reference */
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const struct municipality_data *municipality_hold(struct municipality *m)
{
	pthread_mutex_lock(&m->lock);
	struct snapshot *s = m->current;
	s->refs++;
	pthread_mutex_unlock(&m->lock);
	return &s->data;
}

/* Drops one reference; frees the snapshot when it was the last. */
static void drop(struct municipality *m, struct snapshot *s)
{
	pthread_mutex_lock(&m->lock);
	int last = --s->refs == 0;
	pthread_mutex_unlock(&m->lock);
	if (last)
		snapshot_free(s);
}

void municipality_release(struct municipality *m, const struct municipality_data *d)
{
	if (d)
		drop(m, (struct snapshot *)(void *)d); /* data is the first member */
}

int municipality_reload(struct municipality *m, long long *generation, char *err, size_t errlen)
{
	struct snapshot *next = snapshot_load(&m->files, err, errlen);
	if (!next)
		return -1;
	pthread_mutex_lock(&m->lock);
	struct snapshot *old = m->current;
	m->current = next;
	long long g = ++m->generation;
	pthread_mutex_unlock(&m->lock);
	drop(m, old);
	if (generation)
		*generation = g;
	return 0;
}
