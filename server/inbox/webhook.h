/*
 * webhook.h - Meta's webhook endpoint, /webhook.
 *
 * GET answers Meta's subscription check; POST verifies the signature over
 * the raw body, parses the envelope and returns 200 only after every event
 * is durably stored (ingest.h).
 */
#ifndef BORGERBOT_WEBHOOK_H
#define BORGERBOT_WEBHOOK_H

#include <stddef.h>

#include "http/http.h"
#include "ingest.h"
#include "core/metrics.h"

struct webhook {
	const char *app_secret;
	const char *verify_token;
	size_t max_body_bytes;
	struct ingest *ingest;
	struct metrics *metrics;
};

/* Registers /webhook on h; w must outlive the server. */
void webhook_register(struct http *h, struct webhook *w);

#endif
