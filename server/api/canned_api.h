/*
 * canned_api.h - canned replies over HTTP (docs/staff-api.md, "Canned
 * replies"):
 *
 *   GET  /api/canned-replies[?department=D]   staff: their department's and
 *        the shared ones; admins: all (or D's and the shared ones)
 *   POST /api/canned-replies                  admin: {"title", "body",
 *        "department" (null or absent = shared)} -> 201 {"id"}
 *   POST /api/canned-replies/{id}             admin: the same fields, replaced
 *   POST /api/canned-replies/{id}/delete      admin: {}
 *
 * Reading needs the scope "conversations" (a session or an API key, whose
 * team sees all), changes the scope "admin" (an admin's session). Every
 * change writes an audit row in its transaction. The rules for titles,
 * bodies and placeholders are domain/canned.h's.
 */
#ifndef BORGERBOT_CANNED_API_H
#define BORGERBOT_CANNED_API_H

#include <stddef.h>

#include "domain/municipality.h"
#include "domain/staffing.h"
#include "http/http.h"
#include "store/store.h"

struct canned_api_options {
	struct store *store;
	struct municipality *data; /* known departments (staffing), per request */
	size_t max_body_bytes;
};

struct canned_api;

struct canned_api *canned_api_new(const struct canned_api_options *opt, char *err, size_t errlen);
void canned_api_register(struct http *h, struct canned_api *a);
void canned_api_free(struct canned_api *a);

#endif
