/*
 * content_data.h - Copenhagen time (CET/CEST, EU summer-time rules) for the
 * municipality's data and answers: broken-down local time, ISO 8601 out and
 * in, "HH:MM". The data files themselves are read by core/datafile.h.
 */
#ifndef BORGERBOT_CONTENT_DATA_H
#define BORGERBOT_CONTENT_DATA_H

#include <stddef.h>
#include <time.h>

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
