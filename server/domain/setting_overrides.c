/*
 * setting_overrides.c - the table of settings changed in the console (see
 * setting_overrides.h). Prepared statements, one row per key.
 */
#include "setting_overrides.h"

#include "core/live_settings.h"
#include "core/log.h"

int setting_overrides_put(sqlite3 *db, const char *key, const char *value, long long now_ms,
                          const char *actor)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO setting_overrides (key, value, changed_at, changed_by)"
	                       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET"
	                       " value = excluded.value, changed_at = excluded.changed_at,"
	                       " changed_by = excluded.changed_by",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int setting_overrides_remove(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "DELETE FROM setting_overrides WHERE key = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes(db) > 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int setting_overrides_each(sqlite3 *db, setting_override_fn fn, void *arg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "SELECT key, value, changed_at, changed_by FROM setting_overrides"
	                       " ORDER BY key",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct setting_override o = {
		    .key = (const char *)sqlite3_column_text(st, 0),
		    .value = (const char *)sqlite3_column_text(st, 1),
		    .changed_at = sqlite3_column_int64(st, 2),
		    .changed_by = (const char *)sqlite3_column_text(st, 3),
		};
		fn(arg, &o);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

struct apply {
	struct live_settings *live;
	int applied;
};

static void apply_one(void *arg, const struct setting_override *o)
{
	struct apply *a = arg;
	char err[200];
	long long v;
	int key = live_settings_find(o->key);
	if (key < 0 || live_settings_parse(key, o->value, &v, err, sizeof(err)) < 0) {
		/* The reason names the rule, never the stored text: the row may
		 * hold anything, and the log is not the place to repeat it. */
		log_event(LOG_WARN, "setting_override_skipped", "key", o->key, "reason",
		          key < 0 ? "not a live setting" : "value outside the setting's rules",
		          "effect", "the file's value is used", NULL);
		return;
	}
	live_settings_set(a->live, key, v);
	a->applied++;
}

int setting_overrides_apply(sqlite3 *db, struct live_settings *live)
{
	struct apply a = {.live = live};
	return setting_overrides_each(db, apply_one, &a) < 0 ? -1 : a.applied;
}
