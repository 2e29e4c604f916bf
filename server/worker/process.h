/*
 * process.h - applies one stored webhook event to the conversation records.
 *
 * The worker calls processor_apply() inside its own transaction (one
 * savepoint per event), so an event's effects and its "done" mark commit
 * together or not at all. That includes the bot's answer: an inbound
 * message in a conversation in mode 'bot' gets its reply queued in the
 * outbox (dialog.h, outbox.h) in the same savepoint. The caller passes the
 * time (now_ms) the event is applied at; the processor never reads the
 * clock.
 */
#ifndef BORGERBOT_PROCESS_H
#define BORGERBOT_PROCESS_H

#include <sqlite3.h>
#include <stddef.h>

#include "core/metrics.h"
#include "dialog.h"

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

struct conversation_env;
struct municipality;

struct processor_options {
	int answer;              /* let the bot answer citizens (config bot_answers) */
	struct metrics *metrics; /* may be NULL */
	/* What the bot knows (dialog.h); required, with its intent engine, when
	 * answer is set. May be NULL when the bot stays silent. */
	const struct dialog_knowledge *knowledge;
	/* When set, each event gets the current snapshot of the data files
	 * (municipality.h) in place of knowledge's intents, case rules, winter
	 * plan, content, crisis lines and staffing, and env's staffing: a
	 * reload takes effect at the next event. */
	struct municipality *data;
	/* This app's Meta app id (config app_id): an echo or thread-control
	 * change naming another app means a person (Page Inbox) took over. NULL
	 * or "": echoes cannot be told apart and never change the mode. */
	const char *app_id;
	/* The staff side's settings, for telling the citizen the bot is back
	 * when Meta returns thread control; may be NULL (then nothing is said). */
	const struct conversation_env *env;
};

/* Fails (NULL, err set) on a database error, or when answer is set without
 * an intent engine: there is no answering without one. */
struct processor *processor_new(sqlite3 *db, const struct processor_options *opt, char *err,
                                size_t errlen);
void processor_free(struct processor *p);

/* Applies ev at now_ms (ms since the epoch: the records' timestamps, Meta's
 * 24-hour window, the dialog's time). Returns 0 on success, -1 with err set
 * when the event cannot be applied. */
int processor_apply(struct processor *p, const struct stored_event *ev, long long now_ms, char *err,
                    size_t errlen);

/* Outbox rows queued since the last call (the worker wakes the sender after
 * its commit when this is non-zero). Rows of a rolled-back event count too:
 * a needless wake-up is harmless. */
int processor_take_queued(struct processor *p);

#endif
