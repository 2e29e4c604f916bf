/*
 * privacy_api.h - the citizen- and Meta-facing privacy endpoints
 * (docs/privacy.md):
 *
 *   GET  /privacy/export/TOKEN[?format=html]  a citizen's data, JSON or HTML,
 *                                             while the personal link lives
 *   POST /meta/data-deletion                  Meta's data-deletion callback
 *                                             (signed_request, form-encoded)
 *   GET  /meta/data-deletion/CODE[?format=json]  that request's status
 *
 * None of them needs an API key: the export token (256 random bits, only
 * its hash stored) and Meta's signature are the credentials.
 */
#ifndef BORGERBOT_PRIVACY_API_H
#define BORGERBOT_PRIVACY_API_H

#include <stddef.h>

#include "http/http.h"
#include "store/store.h"

struct privacy_api_options {
	struct store *store;
	const char *app_secret; /* signs Meta's signed_request */
	const char *public_url; /* base of the status URL returned to Meta */
	/* Told after a deletion (privacy_keeper_erased); may be NULL. */
	void (*erased)(void *arg);
	void *erased_arg;
};

struct privacy_api;

struct privacy_api *privacy_api_new(const struct privacy_api_options *opt, char *err,
                                    size_t errlen);
void privacy_api_register(struct http *h, struct privacy_api *a);
void privacy_api_free(struct privacy_api *a);

#endif
