/*
 * admin_api.h - the console's administration API, for admins only
 * (docs/staff-api.md, "Administration"):
 *
 *   GET  /api/admin/users                 the staff users, with last login
 *   POST /api/admin/users                 {"username","name","department","role","password"}
 *   POST /api/admin/users/{username}      {"disabled"?, "password"?, "role"?,
 *                                          "department"?, "name"?}
 *   GET  /api/admin/audit[?actor=&action=&object=&since=&until=&before=&limit=]
 *   GET  /api/admin/settings              the effective settings staff care about
 *   POST /api/admin/settings              {"key", "value"} changes one live setting
 *                                         (core/live_settings.h) at once and keeps
 *                                         it in the database; "value": null goes
 *                                         back to borgerbot.conf's value
 *
 * Every request needs a console session of an admin (api_authorise, scope
 * "admin"; `borgerbot apikey` grants no such scope, so a key gets 403);
 * state changes need the CSRF token. Account
 * changes reuse the CLI's domain functions (domain/staff.h), so the rules
 * are the same, and each change and its audit row commit together.
 */
#ifndef BORGERBOT_ADMIN_API_H
#define BORGERBOT_ADMIN_API_H

#include <stddef.h>

#include "core/config.h"
#include "core/live_settings.h"
#include "domain/municipality.h"
#include "domain/staffing.h"
#include "http/http.h"
#include "store/store.h"

struct admin_api_options {
	struct store *store;
	const struct config *cfg;   /* for the settings view; never its secrets */
	struct live_settings *live; /* what admins may change here; NULL = read-only view */
	/* Departments, hours, SLA targets (staffing) and winter.txt's department:
	 * the current snapshot, read at every request. */
	struct municipality *data;
	size_t max_body_bytes;
};

struct admin_api;

struct admin_api *admin_api_new(const struct admin_api_options *opt, char *err, size_t errlen);
/* Register before the staff API, whose "/api" fallback would take these. */
void admin_api_register(struct http *h, struct admin_api *a);
void admin_api_free(struct admin_api *a);

#endif
