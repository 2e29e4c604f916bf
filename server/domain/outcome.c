/*
 * outcome.c - the message_outcomes rows (see outcome.h).
 */
#include "outcome.h"

#include <string.h>

static const char *const NAMES[OUTCOME_COUNT] = {"answered",    "case_filed", "clarified",
                                                 "handed_over", "crisis",     "with_staff",
                                                 "refused",     "no_reply"};

static const char *const LABELS_DA[OUTCOME_COUNT] = {
    "Besvaret automatisk",   "Sag oprettet",    "Opklarende spørgsmål",
    "Givet til medarbejder", "Krise",           "Hos medarbejder",
    "Ikke tilladt at svare", "Intet svar sendt"};

const char *outcome_name(enum message_outcome o)
{
	return o >= 0 && o < OUTCOME_COUNT ? NAMES[o] : "";
}

const char *outcome_label_da(enum message_outcome o)
{
	return o >= 0 && o < OUTCOME_COUNT ? LABELS_DA[o] : "";
}

int outcome_parse(const char *name)
{
	for (int i = 0; name && i < OUTCOME_COUNT; i++)
		if (!strcmp(NAMES[i], name))
			return i;
	return -1;
}

int outcome_record(sqlite3 *db, const struct outcome_record *r)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO message_outcomes (event_id, conversation_id, at, mode, intent,"
	    " outcome, reason, case_joined, after_hours) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9)";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, r->event_id);
	sqlite3_bind_int64(st, 2, r->conversation_id);
	sqlite3_bind_int64(st, 3, r->at_ms);
	sqlite3_bind_text(st, 4, r->mode ? r->mode : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->intent ? r->intent : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, outcome_name(r->outcome), -1, SQLITE_STATIC);
	if (r->reason)
		sqlite3_bind_text(st, 7, r->reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int(st, 8, r->case_joined != 0);
	sqlite3_bind_int(st, 9, r->after_hours != 0);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
