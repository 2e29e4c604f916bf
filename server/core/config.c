/*
 * config.c - parses and validates the server's settings (see config.h).
 *
 * The table `settings` maps each config-file key to a field and a parser, so
 * the file, the flags and the docs (docs/configuration.md) name the same
 * keys. Values are checked on the way in; config_validate() checks what
 * depends on several settings.
 */
#include "config.h"

#include "log.h"
#include "text.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { K_STRING, K_INT, K_SIZE, K_BOOL };

struct setting {
	const char *key;
	enum kind kind;
	size_t offset;
	size_t size; /* for strings: buffer size */
	long long min, max;
};

#define STR(field)                                                                                 \
	K_STRING, offsetof(struct config, field), sizeof(((struct config *)0)->field), 0, 0
#define INT(field, lo, hi) K_INT, offsetof(struct config, field), sizeof(int), lo, hi
#define SIZE(field, lo, hi) K_SIZE, offsetof(struct config, field), sizeof(size_t), lo, hi
#define BOOL(field) K_BOOL, offsetof(struct config, field), sizeof(int), 0, 1

static const struct setting settings[] = {
    {"listen", STR(listen)},
    {"listen_tls", STR(listen_tls)},
    {"tls_cert", STR(tls_cert)},
    {"tls_key", STR(tls_key)},
    {"db", STR(db_path)},
    {"log_level", STR(log_level)},
    {"max_body_bytes", SIZE(max_body_bytes, 1024, 64LL << 20)},
    {"http_threads", INT(http_threads, 2, 1024)},
    {"http_keep_alive_ms", INT(http_keep_alive_ms, 0, 60000)},
    {"http_request_timeout_ms", INT(http_request_timeout_ms, 500, 60000)},
    {"http_max_client_connections", INT(http_max_client_connections, 1, 100000)},
    {"http_max_header_connections", INT(http_max_header_connections, 0, 100000)},
    {"db_busy_timeout_ms", INT(db_busy_timeout_ms, 0, 4000)},
    {"ingest_max_batch", INT(ingest_max_batch, 1, 100000)},
    {"worker_max_attempts", INT(worker_max_attempts, 1, 1000)},
    {"worker_retry_base_ms", INT(worker_retry_base_ms, 1, 3600000)},
    {"worker_retry_max_ms", INT(worker_retry_max_ms, 1, 86400000)},
    {"worker_batch", INT(worker_batch, 1, 10000)},
    {"worker_yield_slice_ms", INT(worker_yield_slice_ms, 1, 1000)},
    {"worker_yield_wait_ms", INT(worker_yield_wait_ms, 0, 10000)},
    {"sandbox", BOOL(sandbox)},
    {"sandbox_allow_remote", BOOL(sandbox_allow_remote)},
    {"municipality_dir", STR(municipality_dir)},
    {"intents_dir", STR(intents_dir)},
    {"streets_file", STR(streets_file)},
    {"api_max_body_bytes", SIZE(api_max_body_bytes, 1024, 1LL << 20)},
    {"open311_public_read", BOOL(open311_public_read)},
    /* issue 9: conversations (docs/conversations.md) */
    {"app_id", STR(app_id)},
    {"trusted_proxies", STR(trusted_proxies)},
    {"pass_thread_to_page_inbox", BOOL(pass_thread_to_page_inbox)},
    {"not_understood_retries", INT(not_understood_retries, 0, 5)},
    {"anger_hands_over", BOOL(anger_hands_over)},
    {"staff_idle_return_minutes", INT(staff_idle_return_minutes, 0, 10080)},
    {"conversation_sweep_s", INT(conversation_sweep_s, 1, 3600)},
    /* issue 12: data rights and retention (docs/privacy.md) */
    {"public_url", STR(public_url)},
    {"privacy_export_days", INT(privacy_export_days, 1, 30)},
    {"retention_messages_days", INT(retention_messages_days, 0, 36500)},
    {"retention_events_days", INT(retention_events_days, 0, 36500)},
    {"retention_closed_case_days", INT(retention_closed_case_days, 0, 36500)},
    {"retention_panel_days", INT(retention_panel_days, 0, 36500)},
    {"privacy_purge_interval_s", INT(privacy_purge_interval_s, 1, 604800)},
    /* issue 11: the citizen panel (docs/panel.md) */
    {"panel_enabled", BOOL(panel_enabled)},
    {"panel_invite_after_cases", INT(panel_invite_after_cases, 0, 100)},
    {"panel_invite_on_thanks", BOOL(panel_invite_on_thanks)},
    /* issue 3: outbox and Graph API (docs/configuration.md) */
    {"bot_answers", BOOL(bot_answers)},
    {"send_rate_per_sec", INT(send_rate_per_sec, 1, 10000)},
    {"graph_connect_timeout_ms", INT(graph_connect_timeout_ms, 100, 60000)},
    {"graph_timeout_ms", INT(graph_timeout_ms, 100, 120000)},
    {"outbox_senders", INT(outbox_senders, 1, 64)},
    {"outbox_max_attempts", INT(outbox_max_attempts, 1, 100000)},
    {"outbox_retry_base_ms", INT(outbox_retry_base_ms, 1, 3600000)},
    {"outbox_retry_max_ms", INT(outbox_retry_max_ms, 1, 86400000)},
    /* issue 10: the staff console (docs/console.md) */
    {"public_host", STR(public_host)},
    {"console_session_idle_minutes", INT(console_session_idle_minutes, 1, 1440)},
    {"console_session_hours", INT(console_session_hours, 1, 168)},
    {"console_login_max_failures", INT(console_login_max_failures, 3, 100)},
    {"console_live_max_streams", INT(console_live_max_streams, 1, 256)},
    {"console_live_per_session", INT(console_live_per_session, 1, 16)},
};

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->db_path, sizeof(cfg->db_path), "data/borgerbot.db");
	snprintf(cfg->log_level, sizeof(cfg->log_level), "info");
	snprintf(cfg->graph_url, sizeof(cfg->graph_url), "%s", CONFIG_DEFAULT_GRAPH_URL);
	cfg->max_body_bytes = (size_t)1 << 20;
	cfg->http_threads = 64;
	cfg->http_keep_alive_ms = 2000;
	cfg->http_request_timeout_ms = 5000;
	cfg->http_max_client_connections = 32;
	cfg->http_max_header_connections = 0; /* a quarter of http_threads */
	cfg->db_busy_timeout_ms = 2000;
	cfg->ingest_max_batch = 1024;
	cfg->worker_max_attempts = 5;
	cfg->worker_retry_base_ms = 1000;
	cfg->worker_retry_max_ms = 300000;
	cfg->worker_batch = 64;
	cfg->worker_yield_slice_ms = 2;
	cfg->worker_yield_wait_ms = 50;
	snprintf(cfg->intents_dir, sizeof(cfg->intents_dir), "%s/intents/defs",
	         BORGERBOT_SOURCE_DIR);
	snprintf(cfg->municipality_dir, sizeof(cfg->municipality_dir), "%s/municipality",
	         BORGERBOT_SOURCE_DIR);
	cfg->api_max_body_bytes = (size_t)16 * 1024;
	cfg->bot_answers = 1;
	cfg->not_understood_retries = 1;
	cfg->anger_hands_over = 1;
	cfg->staff_idle_return_minutes = 240;
	cfg->conversation_sweep_s = 30;
	cfg->send_rate_per_sec = 20;
	cfg->graph_connect_timeout_ms = 3000;
	cfg->graph_timeout_ms = 10000;
	cfg->outbox_senders = 4;
	cfg->outbox_max_attempts = 100;
	cfg->outbox_retry_base_ms = 1000;
	cfg->outbox_retry_max_ms = 300000;
	cfg->privacy_export_days = 7;
	cfg->retention_messages_days = 90;
	cfg->retention_events_days = 30;
	cfg->retention_closed_case_days = 180;
	cfg->retention_panel_days = 0;
	cfg->privacy_purge_interval_s = 86400;
	cfg->panel_enabled = 1;
	cfg->panel_invite_after_cases = 0; /* inviting is the municipality's choice */
	cfg->panel_invite_on_thanks = 0;
	cfg->console_session_idle_minutes = 30;
	cfg->console_session_hours = 12;
	cfg->console_login_max_failures = 5;
	cfg->console_live_max_streams = 16;
	cfg->console_live_per_session = 3;
}

static int parse_number(const char *value, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value)
		return -1;
	/* Accept a K/M suffix for sizes: 1M = 1048576. */
	const long long mib = 1LL << 20;
	if ((*end == 'K' || *end == 'k' || *end == 'M' || *end == 'm') &&
	    (v > LLONG_MAX / mib || v < -(LLONG_MAX / mib)))
		return -1;
	if (*end == 'K' || *end == 'k') {
		v *= 1024;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v *= mib;
		end++;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static const struct setting *find_setting(const char *key)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(settings[i].key, key))
			return &settings[i];
	return NULL;
}

int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	const struct setting *s = find_setting(key);
	if (!s) {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	char *field = (char *)cfg + s->offset;
	if (s->kind == K_BOOL) {
		int on = !strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "on");
		int off = !strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "off");
		if (!on && !off) {
			snprintf(err, errlen, "%s: '%s' is not yes or no", key, value);
			return -1;
		}
		*(int *)field = on;
		return 0;
	}
	if (s->kind == K_STRING) {
		if (strlen(value) >= s->size) {
			snprintf(err, errlen, "%s: value too long (max %zu bytes)", key,
			         s->size - 1);
			return -1;
		}
		memcpy(field, value, strlen(value) + 1);
		return 0;
	}
	long long v;
	if (parse_number(value, &v) < 0 || v < s->min || v > s->max) {
		snprintf(err, errlen, "%s: '%s' is not a number between %lld and %lld", key, value,
		         s->min, s->max);
		return -1;
	}
	if (s->kind == K_INT)
		*(int *)field = (int)v;
	else
		*(size_t *)field = (size_t)v;
	return 0;
}

int config_get_int(const struct config *cfg, const char *key, long long *value)
{
	const struct setting *s = find_setting(key);
	if (!s || (s->kind != K_INT && s->kind != K_BOOL))
		return -1;
	*value = *(const int *)((const char *)cfg + s->offset);
	return 0;
}

int config_key_range(const char *key, long long *min, long long *max, int *is_bool)
{
	const struct setting *s = find_setting(key);
	if (!s || (s->kind != K_INT && s->kind != K_BOOL))
		return -1;
	*min = s->min;
	*max = s->max;
	*is_bool = s->kind == K_BOOL;
	return 0;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		char *s = text_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = text_trim(s);
		char *value = text_trim(eq + 1);
		/* Strip one pair of matching quotes. */
		size_t vlen = strlen(value);
		if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') &&
		    value[vlen - 1] == value[0]) {
			value[vlen - 1] = '\0';
			value++;
		}
		char why[256];
		if (config_set(cfg, key, value, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "config file %s: read error", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}

static int env_copy(const char *name, char *dst, size_t size, int required, char *err,
                    size_t errlen)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		if (required) {
			snprintf(err, errlen, "environment variable %s is not set", name);
			return -1;
		}
		return 0;
	}
	if (strlen(v) >= size) {
		snprintf(err, errlen, "environment variable %s is too long (max %zu bytes)", name,
		         size - 1);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int config_load_env(struct config *cfg, char *err, size_t errlen)
{
	if (env_copy("BORGERBOT_APP_SECRET", cfg->app_secret, sizeof(cfg->app_secret), 1, err,
	             errlen) < 0 ||
	    env_copy("BORGERBOT_VERIFY_TOKEN", cfg->verify_token, sizeof(cfg->verify_token), 1, err,
	             errlen) < 0 ||
	    env_copy("BORGERBOT_PAGE_TOKEN", cfg->page_token, sizeof(cfg->page_token),
	             !cfg->sandbox, err, errlen) < 0 ||
	    env_copy("BORGERBOT_GRAPH_URL", cfg->graph_url, sizeof(cfg->graph_url), 0, err,
	             errlen) < 0 ||
	    env_copy("BORGERBOT_APP_ID", cfg->app_id, sizeof(cfg->app_id), 0, err, errlen) < 0)
		return -1;
	for (const char *c = cfg->app_id; *c; c++) {
		if (*c < '0' || *c > '9') {
			snprintf(err, errlen, "app_id must be Meta's numeric app id");
			return -1;
		}
	}
	if (strncmp(cfg->graph_url, "https://", 8) != 0 &&
	    strncmp(cfg->graph_url, "http://", 7) != 0) {
		snprintf(err, errlen, "BORGERBOT_GRAPH_URL must start with https:// or http://");
		return -1;
	}
	/* Sandbox only without a real page token: a configured page never
	 * silently talks to the recorder instead of Meta. */
	cfg->sandbox_active = cfg->sandbox && !cfg->page_token[0];
	return 0;
}

int config_parse_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon;
	const char *hstart = s;
	size_t hlen;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		hstart = s + 1;
		hlen = (size_t)(close - hstart);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= hostlen)
		return -1;
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end != '\0' || p < 0 || p > 65535)
		return -1;
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	*port = (int)p;
	return 0;
}

static int check_listen(const char *name, const char *value, char *err, size_t errlen)
{
	char host[128];
	int port;
	if (value[0] && config_parse_hostport(value, host, sizeof(host), &port) < 0) {
		snprintf(err, errlen, "%s: '%s' is not HOST:PORT", name, value);
		return -1;
	}
	return 0;
}

static int check_readable(const char *name, const char *path, char *err, size_t errlen)
{
	if (!path[0]) {
		snprintf(err, errlen, "%s is required when listen_tls is set", name);
		return -1;
	}
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "%s %s: %s", name, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* public_url goes into links sent to citizens and to Meta: an http(s) URL
 * of printable characters without spaces or quotes, or "". */
static int check_public_url(const char *url, char *err, size_t errlen)
{
	if (!url[0])
		return 0;
	int ok = !strncmp(url, "https://", 8) || !strncmp(url, "http://", 7);
	for (const char *p = url; ok && *p; p++)
		ok = *p > ' ' && *p < 0x7f && *p != '"' && *p != '\'' && *p != '<' && *p != '>';
	if (ok)
		return 0;
	snprintf(err, errlen, "public_url: must be an http:// or https:// URL without spaces");
	return -1;
}

int config_validate(const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->listen[0] && !cfg->listen_tls[0]) {
		snprintf(err, errlen, "nothing to listen on: set --listen or --listen-tls");
		return -1;
	}
	if (check_listen("listen", cfg->listen, err, errlen) < 0 ||
	    check_listen("listen_tls", cfg->listen_tls, err, errlen) < 0)
		return -1;
	if (cfg->listen_tls[0] && (check_readable("tls_cert", cfg->tls_cert, err, errlen) < 0 ||
	                           check_readable("tls_key", cfg->tls_key, err, errlen) < 0))
		return -1;
	const char *lv = cfg->log_level;
	enum log_level level;
	if (log_parse_level(lv, &level) != 0) {
		snprintf(err, errlen, "log_level: '%s' is not debug, info, warn or error", lv);
		return -1;
	}
	if (cfg->http_max_header_connections >= cfg->http_threads) { /* 0: threads / 4 */
		snprintf(err, errlen,
		         "http_max_header_connections (%d) must be below http_threads (%d): slow "
		         "clients would hold every worker thread",
		         cfg->http_max_header_connections, cfg->http_threads);
		return -1;
	}
	if (!cfg->db_path[0]) {
		snprintf(err, errlen, "db: a database path is required");
		return -1;
	}
	return check_public_url(cfg->public_url, err, errlen);
}
