/*
 * dialog_privacy.h - the bot's side of citizens' data rights, private to
 * the worker: "slet mine data" (explain, confirm by quick reply, delete,
 * confirm) and "hvad ved I om mig?" (a summary and a personal, expiring
 * export link). dialog.c hands these intents and payloads over; the
 * deletion itself is domain/privacy.h.
 */
#ifndef BORGERBOT_DIALOG_PRIVACY_H
#define BORGERBOT_DIALOG_PRIVACY_H

#include <sqlite3.h>
#include <stddef.h>

#include "dialog.h"

/* Quick-reply payloads of the deletion question. */
#define PRIVACY_PAYLOAD_PREFIX "PRIVACY_"
#define PRIVACY_DELETE_YES "PRIVACY_DELETE_YES"
#define PRIVACY_DELETE_NO "PRIVACY_DELETE_NO"

/* 1 when intent is one of ours ("data_deletion", "data_access"). */
int dialog_privacy_intent(const char *intent);

/* 1 when payload is one of ours (PRIVACY_ prefix). */
int dialog_privacy_owns(const char *payload);

/* Answers a data_deletion or data_access turn. 0, or -1 with err set. */
int dialog_privacy_start(sqlite3 *db, const struct dialog_knowledge *k,
                         const struct dialog_turn *turn, const char *intent,
                         struct dialog_outcome *out, char *err, size_t errlen);

/* Answers a PRIVACY_ quick reply: deletes (inside the event's savepoint)
 * and confirms, or keeps. 0, or -1 with err set. */
int dialog_privacy_payload(sqlite3 *db, const struct dialog_knowledge *k,
                           const struct dialog_turn *turn, const char *payload,
                           struct dialog_outcome *out, char *err, size_t errlen);

#endif
