/*
 * console.h - the staff console's web front door (docs/console.md).
 *
 *   GET  /console                 the login page, or the shell when logged in
 *   POST /console/login           username, password, csrf (form) -> session cookie
 *   POST /console/logout          csrf (form) or X-CSRF-Token -> session revoked
 *   GET  /console/assets/NAME     console.css, console.js (embedded)
 *   GET  /api/me                  who is logged in, and the session's CSRF token
 *   GET  /api/live                Server-Sent Events: conversations that changed (live.h)
 *
 * Every response carries a strict Content-Security-Policy (no inline script
 * or style), X-Frame-Options DENY and Referrer-Policy no-referrer. The Host
 * header must name this server (public_host, or a loopback name), else 421.
 * With public_host set the console refuses plain HTTP, so a cookie is never
 * set or read over it. Logins are rate-limited per username and per client
 * address (throttle.h); at most a few scrypt verifications run at once, so
 * a flood of logins cannot exhaust memory.
 */
#ifndef BORGERBOT_CONSOLE_H
#define BORGERBOT_CONSOLE_H

#include <stddef.h>

#include "http/http.h"
#include "store/store.h"

struct console_options {
	struct store *store;
	const char *public_host;       /* comma-separated host names; "" = loopback names only */
	long long session_idle_ms;     /* a session unused this long ends */
	long long session_absolute_ms; /* a session ends this long after login */
	int max_failures_user;         /* wrong logins per username before a lockout */
	int max_failures_addr;         /* ... per client address */
	int max_hashing;               /* scrypt verifications at once (32 MiB each) */
	int live_max_streams;          /* GET /api/live streams at once (each holds a thread) */
	int live_per_session;          /* ... per session */
	/* When set, the session and login settings in force there win over
	 * the four above (admins change them in the console; new sessions and
	 * failures use the new values). */
	const struct live_settings *settings;
};

struct console;
struct live_settings;

struct console *console_new(const struct console_options *opt, char *err, size_t errlen);
/* Registers /console and /api/me; call before the staff API's /api fallback. */
void console_register(struct http *h, struct console *c);
/* Ends the live streams and refuses new ones: call before http_stop(),
 * which waits for every running handler. */
void console_stop(struct console *c);
void console_free(struct console *c);

/* 1 if host (a Host header: name, optional :port, [v6]) is a loopback name
 * or one of the comma-separated names in allowed (any case); else 0. */
int console_host_allowed(const char *host, const char *allowed);

#endif
