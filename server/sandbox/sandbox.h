/*
 * sandbox.h - talk to the bot without Facebook (demo and development).
 *
 * In sandbox mode the server's Graph base URL points at itself: the
 * Graph-compatible endpoint /sandbox/graph/.../messages records every Send
 * API request (text, quick replies, buttons, sender actions) per recipient in
 * memory instead of sending it to Meta. Chat clients (`borgerbot chat`, the
 * web chat at /sandbox) send signed webhook events and read the recorded
 * replies from /sandbox/api/. Everything under /sandbox answers only
 * loopback clients unless allow_remote is set.
 */
#ifndef BORGERBOT_SANDBOX_H
#define BORGERBOT_SANDBOX_H

#include <stddef.h>

#include "http/http.h"

#define SANDBOX_PAGE_ID "1000000000000001"
#define SANDBOX_PAGE_TOKEN "sandbox-page-token"

struct sandbox_options {
	const char *app_secret; /* to sign the web chat's events */
	const char *page_token; /* the token the Graph endpoint expects */
	const char *server_url; /* this server's own base URL (loopback); events go
	                         * to its /webhook */
	int allow_remote;
	size_t max_records; /* oldest records are dropped beyond this */
};

struct sandbox;

struct sandbox *sandbox_new(const struct sandbox_options *opt, char *err, size_t errlen);
void sandbox_register(struct http *h, struct sandbox *sb);
void sandbox_free(struct sandbox *sb);

/* 1 if a client address (as CivetWeb writes it) is on the loopback network:
 * 127.0.0.0/8, ::1, or 127.x mapped into IPv6. */
int sandbox_is_loopback(const char *addr);

#endif
