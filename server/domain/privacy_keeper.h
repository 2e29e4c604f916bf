/*
 * privacy_keeper.h - the thread that keeps the retention promises: it runs
 * the retention purge (privacy_purge) at start and then once a day, and
 * truncates the WAL soon after a citizen's data was deleted, so the deleted
 * rows do not survive in old WAL frames (docs/privacy.md).
 *
 * Anything that deletes personal data tells it with privacy_keeper_erased()
 * (a deletion on request: counted) or privacy_keeper_checkpoint() (rows of
 * an erased citizen dropped later: Meta's trailing echoes, a sent
 * confirmation). Both only signal; the thread does the work after the
 * caller's transaction, since it takes the write lock first.
 */
#ifndef BORGERBOT_PRIVACY_KEEPER_H
#define BORGERBOT_PRIVACY_KEEPER_H

#include "core/metrics.h"
#include "privacy.h"
#include "store/store.h"

struct privacy_keeper_options {
	struct store *store;
	struct metrics *metrics; /* required */
	struct privacy_retention retention;
	long long purge_interval_ms; /* 0: once a day */
};

struct privacy_keeper;

/* Opens the keeper's connection; its thread starts with privacy_keeper_run()
 * (after the server's start-up succeeded, so a failed start purges nothing).
 * The hooks below work before that too: they only signal. */
struct privacy_keeper *privacy_keeper_new(const struct privacy_keeper_options *opt, char *err,
                                          size_t errlen);

/* Starts the thread: the first purge runs at once. 0, or -1 with err set. */
int privacy_keeper_run(struct privacy_keeper *k, char *err, size_t errlen);

/* A citizen's data was deleted on request: count it, truncate the WAL soon.
 * Safe from any thread, also inside a transaction. */
void privacy_keeper_erased(void *keeper);

/* Rows of an erased citizen were dropped: truncate the WAL soon. */
void privacy_keeper_checkpoint(void *keeper);

/* Finishes the work in hand and stops. NULL is ignored. */
void privacy_keeper_stop(struct privacy_keeper *k);

#endif
