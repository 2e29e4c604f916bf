/*
 * content_data.h - readers for the municipality's data files, and
 * Copenhagen time.
 *
 * Two formats, both UTF-8 text that non-programmers edit (docs/cases.md):
 *   CSV:        a header line naming the columns, then one row per line;
 *               fields separated by ',', a field may be "double-quoted" (""
 *               inside quotes is a quote); '#' at the start of a line is a
 *               comment; blank lines are skipped.
 *   key: value  one setting per line, '#' comments, blank lines skipped.
 * Every problem comes back as "FILE:LINE: reason". Files are bounded
 * (CONTENT_MAX_FILE bytes, CONTENT_MAX_LINE bytes per line) and must be valid
 * UTF-8 without control characters, so a hostile file cannot smuggle bytes
 * into citizen-facing text.
 */
#ifndef BORGERBOT_CONTENT_DATA_H
#define BORGERBOT_CONTENT_DATA_H

#include <stddef.h>
#include <time.h>

#define CONTENT_MAX_FILE ((size_t)1024 * 1024)
#define CONTENT_MAX_LINE 2048
#define CONTENT_MAX_FIELDS 8

/* One data row: fields[0..n) are trimmed, NUL-terminated, valid for the call only. */
typedef int (*content_row_fn)(void *arg, char **fields, int n, char *why, size_t whylen);

/*
 * Reads a CSV file whose header must be exactly the ncols names in header
 * (case-insensitive). Each row must have ncols fields. row() returns 0, or -1
 * with a reason in why (reported as FILE:LINE: why). Returns the number of
 * rows, or -1 with err set.
 */
int content_csv_read(const char *path, const char *const *header, int ncols, content_row_fn row,
                     void *arg, char *err, size_t errlen);

/* Reads a "key: value" file; row() gets fields[0] = key, fields[1] = value (n = 2). */
int content_kv_read(const char *path, content_row_fn row, void *arg, char *err, size_t errlen);

/* Joins dir and name into buf; returns -1 if it does not fit. */
int content_path(char *buf, size_t size, const char *dir, const char *name);

/* ---- time: Europe/Copenhagen (CET/CEST, EU summer-time rules) ---------- */

/* Local broken-down time in Copenhagen of a Unix time in ms. Returns the UTC offset in seconds. */
int content_cph_time(long long ms, struct tm *out);
/* "2026-11-24T16:11:26+01:00" (Copenhagen local time with its offset). */
void content_iso8601(long long ms, char *buf, size_t size);
/* Parses ISO 8601 "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]"; without
 * an offset the time is Copenhagen local time. Returns 0 and ms, or -1. */
int content_parse_iso8601(const char *s, long long *ms);
/* "HH:MM" -> minutes after midnight, or -1. */
int content_parse_hhmm(const char *s);

#endif
