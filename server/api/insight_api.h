/*
 * insight_api.h - the proof-of-effect figures and the misunderstood queue
 * over HTTP (docs/insight.md, docs/staff-api.md), for the console's
 * "Overblik" page and for a municipality's own dashboards:
 *
 *   GET  /api/report[?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv|html]
 *   GET  /api/report/daily.svg | heatmap.svg | response.svg [?from=&to=]
 *   GET  /api/misunderstood[?labelled=1&limit=N]
 *   POST /api/misunderstood/{event_id}/label   {"intent": "...", "example": "..."}
 *   GET  /api/misunderstood/export[?format=intent|tsv]
 *   GET  /api/intents   every intent's name and Danish title (for labels)
 *
 * Authorised by api_authorise() with the scope "insight" (every console
 * session has it). Reading the queue (citizen words) and labelling write
 * audit rows. The HTML report is sent as a download: it carries its own
 * style element, which the console's CSP would (rightly) refuse inline.
 */
#ifndef BORGERBOT_INSIGHT_API_H
#define BORGERBOT_INSIGHT_API_H

#include <stddef.h>

#include "domain/municipality.h"
#include "http/http.h"
#include "store/store.h"

struct staffing;
struct intent_engine;

struct insight_api_options {
	struct store *store;
	/* SLA targets (staffing) and the names a label may use (intents): the
	 * current snapshot, per request. */
	struct municipality *data;
	size_t max_body_bytes;
};

struct insight_api;

struct insight_api *insight_api_new(const struct insight_api_options *opt, char *err,
                                    size_t errlen);
void insight_api_free(struct insight_api *a);
void insight_api_register(struct http *h, struct insight_api *a);

#endif
