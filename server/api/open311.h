/*
 * open311.h - Open311 GeoReport v2 under /open311/v2/ (docs/open311.md).
 *
 *   GET  discovery.json, services.json, services/{service_code}.json
 *   GET  requests.json (service_request_id, service_code, status, start_date,
 *        end_date), requests/{id}.json   - API key unless open311_public_read
 *   POST requests.json (form-encoded or JSON, api_key required)
 *
 * Services are the case categories (case_rules); a POST files a case through
 * case_file(), so duplicates join the open case and staff see one list.
 * Statuses: open/in_progress -> "open", resolved/rejected -> "closed".
 * Only the JSON format is served. Errors are [{"code": N, "description": ...}];
 * a missing or invalid api_key is 403 as the specification says.
 */
#ifndef BORGERBOT_OPEN311_H
#define BORGERBOT_OPEN311_H

#include <pthread.h>
#include <stddef.h>

#include "domain/case.h"
#include "domain/content.h"
#include "http/http.h"
#include "store/store.h"
#include "domain/municipality.h"
#include "domain/winter.h"

struct open311_options {
	struct store *store; /* requests use one connection per HTTP thread */
	/* Case rules, canonical street names (winter plan), contact and
	 * jurisdiction_id (content): the current snapshot, per request. */
	struct municipality *data;
	size_t max_body_bytes;
	int public_read; /* GET requests without a key */
};

struct open311;

struct open311 *open311_new(const struct open311_options *opt, char *err, size_t errlen);
void open311_register(struct http *h, struct open311 *o);
void open311_free(struct open311 *o);

#endif
