/*
 * civetweb_build.c - CivetWeb's civetweb.c compiled with three additions
 * (see server/http/civetweb_hooks.h): accept() goes through the accept hook,
 * so the connection gate (server/http/gate.c) can refuse a socket in the
 * master thread before a worker thread is given it; strtoul() is bounded,
 * so a huge chunk size cannot overflow CivetWeb's body length; and
 * accessors for a connection's socket and its must-close flag, which need
 * CivetWeb's private struct. Also gmtime() and localtime() become their
 * thread-safe _r forms: CivetWeb's worker threads format the Date header of
 * every error reply with gmtime(), whose static result another worker can
 * overwrite meanwhile (ThreadSanitizer found it under the intake attack
 * test: a garbled Date header at best).
 *
 * This file belongs to the civetweb target (civetweb.cmake), compiled
 * like civetweb.c itself without the project's warning flags. The one
 * accept() call in civetweb.c is in accept_new_connection(), whose context
 * parameter is named ctx; the macro relies on that, and the build fails if
 * it changes (ctx undeclared).
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "http/civetweb_hooks.h"

#include <limits.h>
#include <stdlib.h>
#include <time.h>

struct mg_context;
static int hooked_accept(struct mg_context *ctx, int sock, struct sockaddr *sa, socklen_t *len);
static unsigned long bounded_strtoul(const char *s, char **end, int base);
static struct tm *thread_gmtime(const time_t *t);
static struct tm *thread_localtime(const time_t *t);

#define accept(s, a, l) hooked_accept(ctx, (s), (a), (l))
#define strtoul(s, e, b) bounded_strtoul((s), (e), (b))
#define gmtime(t) thread_gmtime(t)
#define localtime(t) thread_localtime(t)
#include "civetweb.c"
#undef accept
#undef strtoul
#undef gmtime
#undef localtime

/* One result per thread, as gmtime_r/localtime_r with a thread-local buffer. */
static _Thread_local struct tm thread_tm;

static struct tm *thread_gmtime(const time_t *t)
{
	return gmtime_r(t, &thread_tm);
}

static struct tm *thread_localtime(const time_t *t)
{
	return localtime_r(t, &thread_tm);
}

/* civetweb.c reads chunk sizes and port numbers with strtoul(). A chunk
 * size of 7fffffffffffffff makes it add INT64_MAX to the body's running
 * length (a signed overflow); no chunk or port needs more than INT_MAX, so
 * a larger value is read as "no number" (*end = s), which CivetWeb refuses
 * as a malformed chunk size or port. */
static unsigned long bounded_strtoul(const char *s, char **end, int base)
{
	char *stop = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &stop, base);
	if (errno == ERANGE || v > (unsigned long)INT_MAX) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	if (end)
		*end = stop;
	return v;
}

static int hooked_accept(struct mg_context *ctx, int sock, struct sockaddr *sa, socklen_t *len)
{
	int fd = accept(sock, sa, len);
	if (fd < 0)
		return fd;
	const struct http_accept_hook *hook = mg_get_user_data(ctx);
	if (hook && hook->fn && !hook->fn(hook->arg, fd, sa, *len)) {
		/* Refused: reset rather than linger, and let the master poll again. */
		struct linger lg = {1, 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		errno = EAGAIN;
		return -1;
	}
	return fd;
}

int http_civetweb_socket(const struct mg_connection *conn)
{
	return conn ? (int)conn->client.sock : -1;
}

void http_civetweb_must_close(struct mg_connection *conn)
{
	if (conn)
		conn->must_close = 1;
}
