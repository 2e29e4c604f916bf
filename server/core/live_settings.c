/*
 * live_settings.c - the values in force of the settings admins change while
 * the server runs (see live_settings.h).
 *
 * Each value is a C11 atomic; readers take it with a relaxed load, since a
 * setting is one independent number and no other memory is published with
 * it. Parsing goes through config_set() on a scratch config, so a value's
 * syntax and range are defined once, in config.c's table.
 */
#include "live_settings.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *const keys[LIVE_COUNT] = {
    [LIVE_NOT_UNDERSTOOD_RETRIES] = "not_understood_retries",
    [LIVE_ANGER_HANDS_OVER] = "anger_hands_over",
    [LIVE_STAFF_IDLE_RETURN_MINUTES] = "staff_idle_return_minutes",
    [LIVE_PANEL_ENABLED] = "panel_enabled",
    [LIVE_PANEL_INVITE_AFTER_CASES] = "panel_invite_after_cases",
    [LIVE_PANEL_INVITE_ON_THANKS] = "panel_invite_on_thanks",
    [LIVE_CONSOLE_SESSION_IDLE_MINUTES] = "console_session_idle_minutes",
    [LIVE_CONSOLE_SESSION_HOURS] = "console_session_hours",
    [LIVE_CONSOLE_LOGIN_MAX_FAILURES] = "console_login_max_failures",
};

struct live_settings {
	_Atomic long long value[LIVE_COUNT];
	long long file_value[LIVE_COUNT];
};

struct live_settings *live_settings_new(const struct config *cfg)
{
	struct live_settings *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	for (int k = 0; k < LIVE_COUNT; k++) {
		long long v = 0;
		(void)config_get_int(cfg, keys[k], &v); /* every key is an int or bool key */
		l->file_value[k] = v;
		atomic_init(&l->value[k], v);
	}
	return l;
}

void live_settings_free(struct live_settings *l)
{
	free(l);
}

long long live_settings_or(const struct live_settings *l, enum live_key key, long long fallback)
{
	if (!l || key < 0 || key >= LIVE_COUNT)
		return fallback;
	/* atomic_load_explicit takes a non-const pointer in C11. */
	return atomic_load_explicit((_Atomic long long *)&l->value[key], memory_order_relaxed);
}

int live_settings_find(const char *key)
{
	for (int k = 0; k < LIVE_COUNT; k++)
		if (key && !strcmp(keys[k], key))
			return k;
	return -1;
}

int live_settings_parse(enum live_key key, const char *text, long long *value, char *err,
                        size_t errlen)
{
	if (key < 0 || key >= LIVE_COUNT) {
		snprintf(err, errlen, "not a setting that can be changed while running");
		return -1;
	}
	struct config *scratch = calloc(1, sizeof(*scratch));
	if (!scratch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = config_set(scratch, keys[key], text, err, errlen);
	if (rc == 0)
		rc = config_get_int(scratch, keys[key], value);
	free(scratch);
	return rc;
}

void live_settings_set(struct live_settings *l, enum live_key key, long long value)
{
	if (l && key >= 0 && key < LIVE_COUNT)
		atomic_store_explicit(&l->value[key], value, memory_order_relaxed);
}

void live_settings_reset(struct live_settings *l, enum live_key key)
{
	if (l && key >= 0 && key < LIVE_COUNT)
		live_settings_set(l, key, l->file_value[key]);
}

void live_settings_info(const struct live_settings *l, enum live_key key,
                        struct live_setting_info *out)
{
	*out = (struct live_setting_info){.key = keys[key]};
	(void)config_key_range(keys[key], &out->min, &out->max, &out->is_bool);
	if (!l)
		return;
	out->file_value = l->file_value[key];
	out->value = live_settings_or(l, key, out->file_value);
}
