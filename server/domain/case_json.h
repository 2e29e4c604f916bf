/*
 * case_json.h - a case row as JSON: reference, category, department, status,
 * place, description, photos, source, status note, ISO 8601 times and the
 * number of followers (docs/staff-api.md lists the fields).
 */
#ifndef BORGERBOT_CASE_JSON_H
#define BORGERBOT_CASE_JSON_H

#include <jansson.h>

#include "case.h"

/* A new object (the caller owns the reference), or NULL when out of memory. */
json_t *case_row_json(const struct case_row *row);

/* The answer to a status change: reference, old and new status, and the
 * notices (queued, in the window, sent now, their text). */
json_t *case_status_change_json(const struct case_status_change *ch, int sent_now);

#endif
