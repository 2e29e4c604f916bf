/*
 * log.h - structured logging: one JSON object per line on stderr.
 *
 * Every line has "ts" (UTC, ms), "level" and "event" (a stable snake_case
 * name), then optional string fields given as key/value pairs ending in NULL:
 *
 *     log_event(LOG_INFO, "server_started", "listen", addr, NULL);
 *
 * Secrets are never passed here; citizen text is not logged either.
 */
#ifndef BORGERBOT_LOG_H
#define BORGERBOT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below this level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);
int log_parse_level(const char *name, enum log_level *out);

/* Key/value pairs of const char *, terminated by NULL. A NULL value is
 * written as JSON null. */
void log_event(enum log_level level, const char *event, ...);

#endif
