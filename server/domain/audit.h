/*
 * audit.h - the audit log: who read and did what, when (table audit_log).
 *
 * One row per act: when (ms), the actor ("staff:mette", "key:crm",
 * "cli"), the action ("login.ok", "login.failed", "logout",
 * "staff.add", "staff.disable", "staff.set_password", "conversation.read",
 * "conversation.reply", ...), the object it concerns ("staff:mette",
 * "conversation:42", "case:TM-2026-0001") and a short detail. Never citizen
 * text or passwords: ids and outcomes only (the reply itself is in the
 * messages table). Runs in the caller's transaction, like the act it
 * records, so the act and its record commit together.
 */
#ifndef BORGERBOT_AUDIT_H
#define BORGERBOT_AUDIT_H

#include <sqlite3.h>

#define AUDIT_FIELD_MAX 200 /* bytes kept of each text field */

/* Writes one row; object and detail may be NULL. Returns 0 or -1. */
int audit_write(sqlite3 *db, long long now_ms, const char *actor, const char *action,
                const char *object, const char *detail);

/* One row as audit_list() reads it; the strings live until fn returns. */
struct audit_row {
	long long id, at;
	const char *actor, *action, *object, *detail;
};

/* What the DPO's viewer asks for: every field may be NULL/0 for "any".
 * actor and action match exactly, or as a prefix when they end in '*'
 * ("staff:*", "case.*"); object exactly. Newest first, at most limit rows
 * (1-1000) with id < before_id when before_id > 0 (paging). */
struct audit_filter {
	const char *actor, *action, *object;
	long long since_ms, until_ms, before_id;
	int limit;
};

/* Calls fn for each matching row; returns the number of rows or -1. */
typedef void (*audit_fn)(void *arg, const struct audit_row *row);
int audit_list(sqlite3 *db, const struct audit_filter *f, audit_fn fn, void *arg);

/* When the newest row with this action and object was written (ms), 0 when
 * there is none, -1 on error: e.g. a user's last "login.ok". */
long long audit_last(sqlite3 *db, const char *action, const char *object);

#endif
