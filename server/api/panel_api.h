/*
 * panel_api.h - the citizen panel's staff JSON API, for the console's
 * panel pages (docs/panel.md, docs/staff-api.md):
 *
 *   GET /api/panel/consultations        every consultation: status, dates,
 *                                       answers, members in its target
 *                                       group, response rate
 *   GET /api/panel/consultations/ID     one: its questions, counts per
 *                                       option and the free-text answers
 *                                       (never who gave them), also while
 *                                       it is open
 * Scope "panel" (a console session may use it); api_authorise() is the one
 * door. Writing consultations stays with `borgerbot panel load` for now.
 */
#ifndef BORGERBOT_PANEL_API_H
#define BORGERBOT_PANEL_API_H

#include <stddef.h>

#include "http/http.h"
#include "store/store.h"

struct panel_api_options {
	struct store *store;
};

struct panel_api;

struct panel_api *panel_api_new(const struct panel_api_options *opt, char *err, size_t errlen);
/* Register before the staff API's /api fallback. */
void panel_api_register(struct http *h, struct panel_api *a);
void panel_api_free(struct panel_api *a);

#endif
