/*
 * process.h - applies one stored webhook event to the conversation records.
 *
 * The worker calls processor_apply() inside its own transaction (one
 * savepoint per event), so an event's effects and its "done" mark commit
 * together or not at all.
 */
#ifndef BORGERBOT_PROCESS_H
#define BORGERBOT_PROCESS_H

#include <sqlite3.h>
#include <stddef.h>

struct stored_event {
	long long id;
	const char *page_id;
	const char *source; /* messaging, standby, changes */
	const char *kind;
	const char *sender_id;
	const char *recipient_id;
	const char *citizen_id;
	const char *payload;
	long long ts_ms;
};

struct processor;

struct processor *processor_new(sqlite3 *db, char *err, size_t errlen);
void processor_free(struct processor *p);

/* Returns 0 on success, -1 with err set when the event cannot be applied. */
int processor_apply(struct processor *p, const struct stored_event *ev, char *err, size_t errlen);

#endif
