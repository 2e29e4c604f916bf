/*
 * outcome.h - what became of each citizen message: the one record the
 * effect figures (`borgerbot report`, the console's overview, the
 * misunderstood queue; docs/insight.md) are computed from.
 *
 * The worker writes one row per citizen message or postback in the same
 * transaction as the answer, so a figure never counts a reply that was
 * rolled back. A row holds no text and no PSID: the messages table has the
 * words (and its retention), the conversation id links the two while the
 * conversation exists; after the citizen's data is deleted the row is an
 * anonymous count.
 */
#ifndef BORGERBOT_OUTCOME_H
#define BORGERBOT_OUTCOME_H

#include <sqlite3.h>

enum message_outcome {
	OUTCOME_ANSWERED,    /* an automatic answer, nothing else needed */
	OUTCOME_CASE_FILED,  /* a case was filed or joined for it */
	OUTCOME_CLARIFIED,   /* the bot asked a question back ("where is it?") */
	OUTCOME_HANDED_OVER, /* the bot handed the conversation to staff */
	OUTCOME_CRISIS,      /* the crisis answer and an urgent hand-over */
	OUTCOME_WITH_STAFF,  /* it came while staff had the conversation */
	OUTCOME_REFUSED,     /* Meta's messaging rules refused the answer */
	OUTCOME_NO_REPLY,    /* nothing was sent (e.g. a duplicate postback) */
	OUTCOME_COUNT
};

/* "answered", "case_filed" ... (the stored names; "" out of range). */
const char *outcome_name(enum message_outcome o);
/* The Danish label for reports and the console ("Besvaret automatisk" ...). */
const char *outcome_label_da(enum message_outcome o);
/* The outcome of name, or -1. */
int outcome_parse(const char *name);

struct outcome_record {
	long long event_id, conversation_id, at_ms;
	const char *mode;   /* conversation mode when the message came */
	const char *intent; /* what the dialog acted on, "" or NULL for nothing */
	enum message_outcome outcome;
	const char *reason; /* the hand-over reason, or NULL */
	int case_joined;
	int after_hours;
};

/* Writes (or, for a retried event, replaces) the row. 0 or -1. */
int outcome_record(sqlite3 *db, const struct outcome_record *r);

#endif
