/*
 * civetweb_hooks.h - what http/ adds to CivetWeb's own translation unit
 * (cmake/civetweb_build.c; private to http/).
 *
 * CivetWeb 1.15 has no callback between accept() and queueing the socket
 * for a worker thread, and no accessor for a connection's socket. Both are
 * needed to bound connections before a worker thread is parked on a slow
 * client (gate.c). cmake/civetweb_build.c compiles civetweb.c with accept()
 * routed through the hook below and defines the two accessors, with
 * CivetWeb's struct definitions in scope.
 */
#ifndef BORGERBOT_HTTP_CIVETWEB_HOOKS_H
#define BORGERBOT_HTTP_CIVETWEB_HOOKS_H

#include <sys/socket.h>

struct mg_connection;

/* The user data given to mg_start2() must begin with this struct. After
 * every accept() CivetWeb's master thread calls fn(arg, fd, peer); 0 means
 * "refuse": the socket is closed at once and never reaches a worker. A NULL
 * fn admits everything. */
struct http_accept_hook {
	int (*fn)(void *arg, int fd, const struct sockaddr *peer, socklen_t len);
	void *arg;
};

/* The connection's socket (valid until CivetWeb closes it, which happens
 * after the connection_close callback), or -1. */
int http_civetweb_socket(const struct mg_connection *conn);

/* Makes CivetWeb close the connection after the current request instead of
 * keeping it alive (and so skip its keep-alive arithmetic on the request's
 * Content-Length). */
void http_civetweb_must_close(struct mg_connection *conn);

#endif
