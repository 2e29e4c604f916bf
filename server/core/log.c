/*
 * log.c - writes structured log lines (see log.h).
 *
 * Each line is built with jansson (so every value is escaped correctly) and
 * written with a single write(2) to stderr, so lines from concurrent threads
 * never interleave. The level threshold is the only state; it is set once at
 * start-up before threads run.
 */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
	min_level = level;
}

int log_parse_level(const char *name, enum log_level *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void format_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void log_event(enum log_level level, const char *event, ...)
{
	if (level < min_level)
		return;
	char ts[40];
	format_now(ts, sizeof(ts));
	json_t *obj = json_object();
	if (!obj)
		return;
	json_object_set_new(obj, "ts", json_string(ts));
	json_object_set_new(obj, "level", json_string(level_names[level]));
	json_object_set_new(obj, "event", json_string(event));

	va_list ap;
	va_start(ap, event);
	const char *key;
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		json_object_set_new(obj, key, value ? json_string(value) : json_null());
	}
	va_end(ap);

	char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (!line)
		return;
	size_t n = strlen(line);
	line[n] = '\n'; /* overwrite the terminator: written by length below */
	ssize_t rc = write(STDERR_FILENO, line, n + 1);
	(void)rc;
	free(line);
}
