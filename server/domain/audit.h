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

#endif
