/*
 * live_settings.h - the settings an admin may change while the server runs.
 *
 * Most settings (listeners, TLS, database, threads, retention) are the
 * operator's and need a restart: they stay in borgerbot.conf. A few are the
 * municipality's day-to-day choices - how often the bot asks again, whether
 * anger hands over, when an idle staff chat returns, the panel invitations,
 * console sessions - and those an admin changes in the console. This module
 * holds their current values for every thread: a read is one relaxed atomic
 * load, so the worker, the sweep and the console read them on every use
 * without a lock, and a change takes effect at the next use.
 *
 * The keys are config-file keys, and their ranges are config.c's: a value is
 * checked by the same parser as the file's, so the console can never accept
 * what the file would refuse. Where a change is kept (the database table
 * setting_overrides, domain/setting_overrides.h) is not this module's
 * business; it only knows the file's value and the one in force.
 */
#ifndef BORGERBOT_LIVE_SETTINGS_H
#define BORGERBOT_LIVE_SETTINGS_H

#include <stddef.h>

struct config;

enum live_key {
	LIVE_NOT_UNDERSTOOD_RETRIES,
	LIVE_ANGER_HANDS_OVER,
	LIVE_STAFF_IDLE_RETURN_MINUTES,
	LIVE_PANEL_ENABLED,
	LIVE_PANEL_INVITE_AFTER_CASES,
	LIVE_PANEL_INVITE_ON_THANKS,
	LIVE_CONSOLE_SESSION_IDLE_MINUTES,
	LIVE_CONSOLE_SESSION_HOURS,
	LIVE_CONSOLE_LOGIN_MAX_FAILURES,
	LIVE_COUNT
};

/* One setting's description, for the settings view. */
struct live_setting_info {
	const char *key;      /* the config-file key */
	int is_bool;          /* yes/no; else an integer */
	long long min, max;   /* the allowed range (0..1 for yes/no) */
	long long value;      /* in force now */
	long long file_value; /* from defaults, borgerbot.conf and flags */
};

struct live_settings;

/* The file's values of every live key; NULL only when out of memory. */
struct live_settings *live_settings_new(const struct config *cfg);
void live_settings_free(struct live_settings *l);

/* The value in force. With l NULL (unit tests, tools without a server)
 * returns fallback, so callers need not know whether a server runs. */
long long live_settings_or(const struct live_settings *l, enum live_key key, long long fallback);

/* The key's index, or -1 if it is not a live setting. */
int live_settings_find(const char *key);

/* Checks text as the config file would ("yes"/"no", a number in range)
 * and stores the parsed value in *value. 0, or -1 with err set. */
int live_settings_parse(enum live_key key, const char *text, long long *value, char *err,
                        size_t errlen);

/* Puts a parsed value in force. */
void live_settings_set(struct live_settings *l, enum live_key key, long long value);

/* Back to the file's value. */
void live_settings_reset(struct live_settings *l, enum live_key key);

/* The key's description; with l NULL only key, is_bool and the range. */
void live_settings_info(const struct live_settings *l, enum live_key key,
                        struct live_setting_info *out);

#endif
