/*
 * live.c - caps and the stop signal for the console's live streams (see
 * live.h). The per-session counts live in a small table (one slot per
 * session with a stream open; at most max_streams are ever in use).
 */
#include "live.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/clock.h"

struct live_session {
	long long id;
	int streams;
};

struct live {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
	int max_streams, per_session, active;
	struct live_session *sessions; /* max_streams slots; id 0 = free */
};

struct live *live_new(int max_streams, int per_session)
{
	struct live *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->max_streams = max_streams > 0 ? max_streams : 16;
	l->per_session = per_session > 0 ? per_session : 3;
	l->sessions = calloc((size_t)l->max_streams, sizeof(*l->sessions));
	if (!l->sessions) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	return l;
}

void live_free(struct live *l)
{
	if (!l)
		return;
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l->sessions);
	free(l);
}

/* The slot of session id, or a free one when create; NULL if none. */
static struct live_session *find(struct live *l, long long id, int create)
{
	struct live_session *free_slot = NULL;
	for (int i = 0; i < l->max_streams; i++) {
		if (l->sessions[i].id == id)
			return &l->sessions[i];
		if (!l->sessions[i].id && !free_slot)
			free_slot = &l->sessions[i];
	}
	return create ? free_slot : NULL;
}

enum live_slot live_acquire(struct live *l, long long session_id)
{
	pthread_mutex_lock(&l->mu);
	enum live_slot r = LIVE_OK;
	struct live_session *s = NULL;
	if (l->stopping)
		r = LIVE_STOPPING;
	else if (l->active >= l->max_streams || !(s = find(l, session_id, 1)))
		r = LIVE_FULL;
	else if (s->streams >= l->per_session)
		r = LIVE_SESSION_FULL;
	if (r == LIVE_OK) {
		s->id = session_id;
		s->streams++;
		l->active++;
	}
	pthread_mutex_unlock(&l->mu);
	return r;
}

void live_release(struct live *l, long long session_id)
{
	pthread_mutex_lock(&l->mu);
	struct live_session *s = find(l, session_id, 0);
	if (s && s->streams > 0 && --s->streams == 0)
		s->id = 0;
	if (s && l->active > 0)
		l->active--;
	pthread_cond_broadcast(&l->cv); /* live_stop() may wait for the last one */
	pthread_mutex_unlock(&l->mu);
}

int live_wait(struct live *l, long long ms)
{
	struct timespec until;
	clock_deadline_after(&until, ms);
	pthread_mutex_lock(&l->mu);
	int rc = 0;
	while (!l->stopping && rc == 0)
		rc = pthread_cond_timedwait(&l->cv, &l->mu, &until);
	int stopping = l->stopping;
	pthread_mutex_unlock(&l->mu);
	return stopping;
}

void live_stop(struct live *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stopping = 1;
	pthread_cond_broadcast(&l->cv);
	/* Wait (at most 2 s) until the streams have sent their "end" event and
	 * left: once http_stop() sets CivetWeb's stop flag, writes fail, and a
	 * browser would see a dropped stream instead of a goodbye. */
	struct timespec until;
	clock_deadline_after(&until, 2000);
	int rc = 0;
	while (l->active > 0 && rc == 0)
		rc = pthread_cond_timedwait(&l->cv, &l->mu, &until);
	pthread_mutex_unlock(&l->mu);
}

int live_active(struct live *l)
{
	pthread_mutex_lock(&l->mu);
	int n = l->active;
	pthread_mutex_unlock(&l->mu);
	return n;
}
