/*
 * staff_api.h - the staff JSON API under /api/ (docs/staff-api.md).
 *
 *   GET  /api/cases[?status=open,in_progress&category=&street=&since=&until=&limit=&offset=]
 *   GET  /api/cases/{reference}
 *   POST /api/cases/{reference}/status   {"status": "resolved", "note": "..."}
 *   GET  /api/gritting/runs[?since=ISO8601]
 *   POST /api/gritting/runs              {"route"|"class", "started_at", "ended_at"}
 *
 * Every request needs "Authorization: Bearer KEY" with the scope "cases" or
 * "gritting" (401 without a valid key, 403 without the scope). Each request
 * opens its own database connection; writes run in one transaction under
 * the process-wide write lock. A status change queues a notice per citizen;
 * those inside their 24-hour window go to the outbox in the same
 * transaction (case_notify.h) and the notify callback wakes the sender.
 */
#ifndef BORGERBOT_STAFF_API_H
#define BORGERBOT_STAFF_API_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "domain/case.h"
#include "http/http.h"
#include "store/store.h"
#include "domain/municipality.h"
#include "domain/winter.h"

struct staff_api_options {
	struct store *store;       /* requests use one connection per HTTP thread */
	struct municipality *data; /* case rules and winter plan, per request (reloads) */
	size_t max_body_bytes;     /* POST bodies above this get 413 */
	void (*notify)(void *arg); /* called after notices went to the outbox; may be NULL */
	void *notify_arg;
};

struct staff_api;

struct staff_api *staff_api_new(const struct staff_api_options *opt, char *err, size_t errlen);
void staff_api_register(struct http *h, struct staff_api *a);
void staff_api_free(struct staff_api *a);

#endif
