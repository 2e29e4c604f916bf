/*
 * setting_overrides.h - the settings an admin changed in the console, kept
 * in the database (table setting_overrides) so they survive a restart.
 *
 * A row holds the config-file key, the value as the file would spell it
 * ("yes", "3"), when and by whom (the actor as in the audit log). Without a
 * row the file's value is in force. Which keys may be overridden and what
 * their values may be is core/live_settings.h's: this module stores text
 * and leaves the checking to it, so a row that a later version no longer
 * accepts is skipped at start-up rather than trusted.
 *
 * Writes run inside the caller's store_write(), with the audit row.
 */
#ifndef BORGERBOT_SETTING_OVERRIDES_H
#define BORGERBOT_SETTING_OVERRIDES_H

#include <sqlite3.h>

/* One override as setting_overrides_each() reads it; strings live until fn
 * returns. */
struct setting_override {
	const char *key, *value, *changed_by;
	long long changed_at;
};

/* Sets or replaces the key's override. 0, or -1 on a database error. */
int setting_overrides_put(sqlite3 *db, const char *key, const char *value, long long now_ms,
                          const char *actor);

/* Removes it (the file's value applies again); 1 if there was one, 0 if
 * not, -1 on error. */
int setting_overrides_remove(sqlite3 *db, const char *key);

/* Calls fn for each override in key order; the count, or -1 on error. */
typedef void (*setting_override_fn)(void *arg, const struct setting_override *o);
int setting_overrides_each(sqlite3 *db, setting_override_fn fn, void *arg);

struct live_settings;

/* Puts every stored override in force (at start-up). A row whose key is
 * not a live setting, or whose value no longer parses, is skipped with a
 * warning naming the key. The count applied, or -1 on a database error. */
int setting_overrides_apply(sqlite3 *db, struct live_settings *live);

#endif
