/*
 * gate.h - the connection gate: what one client, and slow clients together,
 * can hold of CivetWeb's worker threads (private to http/; the design and
 * its limits are in docs/operations.md, "Intake under attack").
 *
 * CivetWeb gives every connection a worker thread until it closes: while it
 * completes TLS, while it sends its request headers, and while it idles
 * between keep-alive requests. The gate sees each socket in the master
 * thread right after accept() (cmake/civetweb_build.c) and follows it
 * through begin_request / end_request / connection_close:
 *
 * - a client address (IPv6: its /64) with max_per_client open connections
 *   gets no more: the new socket is reset before a worker sees it; trusted
 *   reverse proxies are exempt (every connection through one comes from it);
 * - at most max_headers connections may be short of complete request
 *   headers (TLS handshake included): one more, and one of those is shut
 *   down, from the client holding the most of them, then the most open
 *   connections (the oldest on a tie);
 * - when as many connections are open as there are worker threads, a new
 *   one shuts down an idle keep-alive connection, again from the client
 *   holding the most, so a waiting connection gets a thread.
 *
 * Shutting down (shutdown(2), not close) wakes the worker blocked on that
 * socket, which then closes it the ordinary way. All calls are thread-safe.
 */
#ifndef BORGERBOT_HTTP_GATE_H
#define BORGERBOT_HTTP_GATE_H

#include <sys/socket.h>

struct http_proxies;
struct metrics;

struct http_gate_options {
	int threads;        /* CivetWeb's worker threads */
	int max_per_client; /* open connections per client address; 0 = no bound */
	int max_headers;    /* connections not yet past their headers; 0 = no bound */
	const struct http_proxies *proxies; /* peers exempt from max_per_client, or NULL */
	struct metrics *metrics;            /* refusals and shut-downs are counted here, or NULL */
};

struct http_gate_stats {
	int open;    /* sockets the gate follows (accepted, not yet closed) */
	int headers; /* of those, short of complete headers and not shut down */
	int idle;    /* of those, idle between keep-alive requests and not shut down */
	unsigned long long refused, shut_headers, shut_idle;
};

struct http_gate;

struct http_gate *http_gate_new(const struct http_gate_options *opt);
void http_gate_free(struct http_gate *g);

/* A socket was accepted from peer: 1 to admit it, 0 to refuse it (the caller
 * closes it). May shut down other sockets (see above). */
int http_gate_admit(struct http_gate *g, int fd, const struct sockaddr *peer, socklen_t len);
/* fd's request headers are complete: a request runs. */
void http_gate_begin(struct http_gate *g, int fd);
/* fd's request was answered: idle until the next request or the close. */
void http_gate_end(struct http_gate *g, int fd);
/* fd is about to be closed. */
void http_gate_closed(struct http_gate *g, int fd);

void http_gate_stats(struct http_gate *g, struct http_gate_stats *out);

#endif
