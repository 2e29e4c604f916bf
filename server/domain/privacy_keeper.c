/*
 * privacy_keeper.c - the retention purge and post-deletion WAL truncation
 * thread (see privacy_keeper.h).
 *
 * Loop: wait until the next purge is due, a checkpoint is asked for, or
 * stop -> a due purge runs in one store_write() transaction, is counted in
 * /metrics and logged with counts only -> then, if asked (or after a purge
 * that removed rows), a TRUNCATE checkpoint under the write lock. A
 * checkpoint that readers keep from finishing is tried again a second
 * later.
 */
#include "privacy_keeper.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"

#define DAY_MS (24LL * 3600 * 1000)

struct privacy_keeper {
	struct privacy_keeper_options opt;
	sqlite3 *db;
	pthread_t thread;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int checkpoint_wanted;
	int stopping;
};

struct purge_txn {
	const struct privacy_retention *r;
	long long now_ms;
	long long counts[PURGE_KIND_COUNT];
	char err[256];
};

static int purge_fn(sqlite3 *db, void *arg)
{
	struct purge_txn *t = arg;
	return privacy_purge(db, t->r, t->now_ms, t->counts, t->err, sizeof(t->err));
}

/* Returns the rows removed, or -1. */
static long long run_purge(struct privacy_keeper *k)
{
	struct purge_txn t = {.r = &k->opt.retention, .now_ms = clock_now_ms()};
	if (store_write(k->opt.store, k->db, purge_fn, &t, t.err, sizeof(t.err)) != 0) {
		log_event(LOG_ERROR, "privacy_purge_failed", "error", t.err, NULL);
		return -1;
	}
	struct metrics *m = k->opt.metrics;
	metrics_count(&m->privacy_purge_runs, 1);
	long long total = 0;
	char n[PURGE_KIND_COUNT][24];
	for (int i = 0; i < PURGE_KIND_COUNT; i++) {
		metrics_count(&m->privacy_purged[i], (unsigned long long)t.counts[i]);
		total += t.counts[i];
		snprintf(n[i], sizeof(n[i]), "%lld", t.counts[i]);
	}
	log_event(LOG_INFO, "privacy_purged", metrics_purge_kind_name(0), n[0],
	          metrics_purge_kind_name(1), n[1], metrics_purge_kind_name(2), n[2],
	          metrics_purge_kind_name(3), n[3], metrics_purge_kind_name(4), n[4], NULL);
	return total;
}

static int truncate_wal(struct privacy_keeper *k)
{
	if (store_checkpoint_truncate(k->opt.store, k->db) == 0)
		return 0;
	log_event(LOG_WARN, "privacy_checkpoint_busy", NULL);
	return -1;
}

static void *keeper_main(void *arg)
{
	struct privacy_keeper *k = arg;
	long long interval = k->opt.purge_interval_ms > 0 ? k->opt.purge_interval_ms : DAY_MS;
	long long next_purge = clock_mono_ms(); /* at start */
	pthread_mutex_lock(&k->mu);
	while (!k->stopping) {
		long long now = clock_mono_ms();
		if (now < next_purge && !k->checkpoint_wanted) {
			struct timespec ts;
			clock_deadline_after(&ts, next_purge - now);
			if (pthread_cond_timedwait(&k->cv, &k->mu, &ts) != ETIMEDOUT || k->stopping)
				continue;
		}
		int want = k->checkpoint_wanted;
		k->checkpoint_wanted = 0;
		pthread_mutex_unlock(&k->mu);
		if (clock_mono_ms() >= next_purge) {
			next_purge = clock_mono_ms() + interval;
			want |= run_purge(k) > 0;
		}
		if (want && truncate_wal(k) < 0) {
			struct timespec nap = {1, 0};
			nanosleep(&nap, NULL);
			pthread_mutex_lock(&k->mu);
			k->checkpoint_wanted = 1;
			continue;
		}
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

struct privacy_keeper *privacy_keeper_new(const struct privacy_keeper_options *opt, char *err,
                                          size_t errlen)
{
	struct privacy_keeper *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->opt = *opt;
	if (!(k->db = store_connect(opt->store, err, errlen))) {
		free(k);
		return NULL;
	}
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	return k;
}

int privacy_keeper_run(struct privacy_keeper *k, char *err, size_t errlen)
{
	if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
		snprintf(err, errlen, "privacy: cannot start thread");
		return -1;
	}
	k->running = 1;
	return 0;
}

void privacy_keeper_checkpoint(void *keeper)
{
	struct privacy_keeper *k = keeper;
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->checkpoint_wanted = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

void privacy_keeper_erased(void *keeper)
{
	struct privacy_keeper *k = keeper;
	if (!k)
		return;
	metrics_count(&k->opt.metrics->privacy_deletions, 1);
	privacy_keeper_checkpoint(k);
}

void privacy_keeper_stop(struct privacy_keeper *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	k->stopping = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	if (k->running)
		pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	store_disconnect(k->db);
	free(k);
}
