/*
 * http.c - CivetWeb wrapper (see http.h).
 *
 * CivetWeb is compiled from Debian's source with the OpenSSL 3 API (see
 * cmake/civetweb.cmake). TLS contexts are configured in the init_ssl
 * callback by tls.c (certificate chain and key from the configured files,
 * TLS 1.2 as the minimum, AEAD only), which also reloads them on
 * http_reload_tls(). CivetWeb's own error log goes to our JSON log.
 *
 * Every route is registered with one trampoline: CivetWeb calls it with the
 * connection and the route (handler and its data), it wraps the connection
 * and its request info in a struct http_req on the stack and calls the
 * module's handler, which never sees a CivetWeb type.
 *
 * CivetWeb answers CORS preflights itself, before any handler runs, and its
 * defaults grant every origin, method and header ("*"). The three
 * access_control_* options are set empty, so an OPTIONS request reaches the
 * handler like any other and no reply carries Access-Control-Allow-Origin.
 *
 * Connections pass the gate (gate.h) at accept time and report to it from
 * begin_request, end_request and connection_close, so one client cannot
 * hold every worker thread with idle or slow connections. begin_request
 * also refuses an absurd Content-Length before CivetWeb does arithmetic on
 * it.
 */
#include "http.h"
#include "civetweb_hooks.h"
#include "gate.h"
#include "proxy.h"
#include "tls.h"

#include <civetweb.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

/* A handler and its data, owned by struct http until http_stop(). */
struct http_route_entry {
	http_handler fn;
	void *cbdata;
	const struct http *h;
	struct http_route_entry *next;
};

struct http {
	struct http_accept_hook hook; /* first: CivetWeb's user data (civetweb_hooks.h) */
	struct mg_context *ctx;
	struct http_gate *gate;
	atomic_int starting; /* while set, CivetWeb's errors are kept, not logged */
	char start_error[256];
	struct http_tls tls; /* certificate and its reloads (tls.h) */
	int has_tls;
	struct http_route_entry *routes;
	struct http_proxies *proxies; /* trusted reverse proxies, or NULL */
};

#define HTTP_PATH_MAX 2048

struct http_req {
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	int head;           /* a HEAD request: answered like GET, without the body */
	int tls;            /* TLS here, or at a trusted proxy (X-Forwarded-Proto) */
	const char *client; /* the peer, or the client a trusted proxy names */
	char client_buf[64];
	char path[HTTP_PATH_MAX]; /* the path, URL-decoded here (CivetWeb's decoding is off) */
};

int http_check_tls_files(const char *cert, const char *key, char *err, size_t errlen)
{
	return http_tls_check_files(cert, key, err, errlen);
}

static int init_ssl(void *ssl_ctx, void *user_data)
{
	struct http *h = user_data;
	char err[1200]; /* room for both paths (tls_cert, tls_key) and the reason */
	if (http_tls_configure(&h->tls, ssl_ctx, err, sizeof(err)) < 0) {
		log_event(LOG_ERROR, "tls_setup_failed", "error", err, NULL);
		return -1;
	}
	return 1; /* configured: CivetWeb must not load a certificate itself */
}

static int log_civetweb(const struct mg_connection *conn, const char *message)
{
	struct http *h = conn ? mg_get_user_data(mg_get_context(conn)) : NULL;
	if (h && h->starting) {
		/* The first error says why start-up failed (e.g. port in use). */
		if (!h->start_error[0])
			snprintf(h->start_error, sizeof(h->start_error), "%s", message);
		return 1;
	}
	log_event(LOG_WARN, "http_server", "message", message, NULL);
	return 1;
}

/* ---- the connection gate (gate.h) and the request's first check -------- */

static int gate_accept(void *arg, int fd, const struct sockaddr *peer, socklen_t len)
{
	return http_gate_admit(arg, fd, peer, len);
}

static struct http *conn_http(const struct mg_connection *conn)
{
	return mg_get_user_data(mg_get_context(conn));
}

/* Replies on conn before any handler and closes the connection after it. */
static int refuse_early(struct mg_connection *conn, int status, const char *text)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n"
	                 "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n",
	                 status, status == 413 ? "Payload Too Large" : "Bad Request", strlen(text));
	http_civetweb_must_close(conn); /* nothing of the body is read or discarded */
	mg_write(conn, head, (size_t)n);
	mg_write(conn, text, strlen(text));
	return status;
}

/* CivetWeb's begin_request: the headers are complete. A Content-Length
 * beyond any route's limit is refused here, before CivetWeb reads, discards
 * or adds to it (strtoll saturates "99999999999999999999" at INT64_MAX, and
 * CivetWeb's keep-alive check adds the header length to it: a signed
 * overflow). Chunk sizes are bounded in cmake/civetweb_build.c. */
static int begin_request(struct mg_connection *conn)
{
	struct http *h = conn_http(conn);
	http_gate_begin(h->gate, http_civetweb_socket(conn));
	const char *cl = mg_get_header(conn, "Content-Length");
	const struct mg_request_info *ri = mg_get_request_info(conn);
	if (cl && ri->content_length > HTTP_MAX_CONTENT_LENGTH)
		return refuse_early(conn, 413, "Payload Too Large\n");
	return 0; /* CivetWeb goes on to the routes */
}

static void end_request(const struct mg_connection *conn, int status)
{
	(void)status;
	http_gate_end(conn_http(conn)->gate, http_civetweb_socket(conn));
}

static void connection_close(const struct mg_connection *conn)
{
	http_gate_closed(conn_http(conn)->gate, http_civetweb_socket(conn));
}

/* CivetWeb names a TLS listener "HOST:PORTs" in its messages ("cannot bind
 * to 127.0.0.1:8443s: 98 (Address already in use)"); operators wrote
 * HOST:PORT, so say it their way: drop an 's' that follows a port's digits. */
static void untag_tls_ports(char *msg)
{
	char *w = msg;
	for (const char *r = msg; *r; r++) {
		if (*r == 's' && r > msg && r[-1] >= '0' && r[-1] <= '9' &&
		    (r[1] == ':' || r[1] == ',' || r[1] == ' ' || r[1] == '\0'))
			continue;
		*w++ = *r;
	}
	*w = '\0';
}

struct http *http_start(const struct http_options *opt, char *err, size_t errlen)
{
	struct http *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (http_proxies_parse(opt->trusted_proxies, &h->proxies, err, errlen) < 0) {
		free(h);
		return NULL;
	}
	char ports[300] = "";
	if (opt->listen[0])
		snprintf(ports, sizeof(ports), "%s", opt->listen);
	if (opt->listen_tls[0]) {
		size_t n = strlen(ports);
		snprintf(ports + n, sizeof(ports) - n, "%s%ss", n ? "," : "", opt->listen_tls);
		h->has_tls = 1;
	}
	http_tls_init(&h->tls, opt->tls_cert, opt->tls_key);
	int max_headers = opt->max_header_connections > 0
	                      ? opt->max_header_connections
	                      : (opt->threads / 4 > 0 ? opt->threads / 4 : 1);
	struct http_gate_options go = {
	    .threads = opt->threads,
	    .max_per_client = opt->max_client_connections,
	    .max_headers = max_headers,
	    .proxies = h->proxies,
	    .metrics = opt->metrics,
	};
	if (!(h->gate = http_gate_new(&go))) {
		http_proxies_free(h->proxies);
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->hook = (struct http_accept_hook){.fn = gate_accept, .arg = h->gate};
	char threads[16], keep_alive[16], request_timeout[16];
	snprintf(threads, sizeof(threads), "%d", opt->threads);
	snprintf(keep_alive, sizeof(keep_alive), "%d", opt->keep_alive_ms);
	snprintf(request_timeout, sizeof(request_timeout), "%d",
	         opt->request_timeout_ms > 0 ? opt->request_timeout_ms : 5000);
	const char *options[] = {
	    "listening_ports",
	    ports,
	    "num_threads",
	    threads,
	    /* CivetWeb's master thread blocks while its queue is full, and the gate
	     * can shed slow connections only when the master accepts: a long queue
	     * keeps it accepting while slow clients hold the workers. */
	    "connection_queue",
	    "1024",
	    "enable_keep_alive",
	    opt->keep_alive_ms > 0 ? "yes" : "no",
	    "keep_alive_timeout_ms",
	    keep_alive,
	    "request_timeout_ms",
	    request_timeout,
	    "tcp_nodelay",
	    "1",
	    "ssl_protocol_version",
	    "4", /* TLS 1.2 and newer */
	    "enable_directory_listing",
	    "no",
	    /* paths are decoded by http.c (trampoline), which refuses a %00 */
	    "decode_url",
	    "no",
	    /* no CORS grant: CivetWeb's defaults are "*" (see the top comment) */
	    "access_control_allow_origin",
	    "",
	    "access_control_allow_methods",
	    "",
	    "access_control_allow_headers",
	    "",
	    NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof(cb));
	cb.init_ssl = init_ssl;
	cb.log_message = log_civetweb;
	cb.begin_request = begin_request;
	cb.end_request = end_request;
	cb.connection_close = connection_close;
	struct mg_init_data init = {
	    .callbacks = &cb, .user_data = h, .configuration_options = options};
	char mgerr[256] = "";
	struct mg_error_data error = {.text = mgerr, .text_buffer_size = sizeof(mgerr)};
	h->starting = 1;
	h->ctx = mg_start2(&init, &error);
	h->starting = 0;
	if (!h->ctx) {
		untag_tls_ports(mgerr);
		untag_tls_ports(h->start_error);
		snprintf(err, errlen, "cannot listen on %s%s%s%s: %s", opt->listen,
		         opt->listen[0] && opt->listen_tls[0] ? " and " : "", opt->listen_tls,
		         opt->listen_tls[0] ? " (TLS)" : "",
		         h->start_error[0] ? h->start_error
		         : mgerr[0]        ? mgerr
		                           : "start failed");
		http_gate_free(h->gate);
		http_proxies_free(h->proxies);
		http_tls_free(&h->tls);
		free(h);
		return NULL;
	}
	return h;
}

int http_reload_tls(struct http *h, char *err, size_t errlen)
{
	if (!h->has_tls)
		return 1;
	return http_tls_reload(&h->tls, err, errlen) < 0 ? -1 : 0;
}

static int trampoline(struct mg_connection *conn, void *cbdata)
{
	const struct http_route_entry *r = cbdata;
	struct http_req *req = malloc(sizeof(*req));
	if (!req) {
		mg_send_http_error(conn, 503, "%s", "Service Unavailable");
		return 503;
	}
	*req = (struct http_req){.conn = conn, .ri = mg_get_request_info(conn)};
	req->head = strcmp(req->ri->request_method, "HEAD") == 0;
	const char *peer = req->ri->remote_addr;
	req->client = http_proxies_client(
	    r->h->proxies, peer, mg_get_header(conn, "X-Forwarded-For"),
	    mg_get_header(conn, "Forwarded"), req->client_buf, sizeof(req->client_buf));
	const char *proto = mg_get_header(conn, "X-Forwarded-Proto");
	req->tls = req->ri->is_ssl != 0 || (proto && !strcasecmp(proto, "https") &&
	                                    http_proxies_trusts(r->h->proxies, peer));
	/* Decoded here, not by CivetWeb, so a %00 cannot cut the path short
	 * ("/healthz%00.txt" is not "/healthz"). */
	const char *raw = req->ri->local_uri ? req->ri->local_uri : "";
	size_t len = strlen(raw);
	int n = len < sizeof(req->path)
	            ? mg_url_decode(raw, (int)len, req->path, (int)sizeof(req->path), 0)
	            : -1;
	int rc =
	    n < 0 || strlen(req->path) != (size_t)n
	        ? http_reply_text(req, 400, "Bad Request: the path holds a NUL or is too long\n")
	        : r->fn(req, r->cbdata);
	free(req);
	return rc;
}

void http_route(struct http *h, const char *uri, http_handler fn, void *cbdata)
{
	struct http_route_entry *r = malloc(sizeof(*r));
	if (!r) {
		log_event(LOG_ERROR, "http_route_failed", "uri", uri, "error", "out of memory",
		          NULL);
		return;
	}
	*r = (struct http_route_entry){.fn = fn, .cbdata = cbdata, .h = h, .next = h->routes};
	h->routes = r;
	mg_set_request_handler(h->ctx, uri, trampoline, r);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	mg_stop(h->ctx);
	while (h->routes) {
		struct http_route_entry *next = h->routes->next;
		free(h->routes);
		h->routes = next;
	}
	http_gate_free(h->gate); /* after mg_stop: no callback runs any more */
	http_proxies_free(h->proxies);
	http_tls_free(&h->tls);
	free(h);
}

/* ---- the request ---------------------------------------------------------- */

const char *http_req_method(const struct http_req *req)
{
	return req->ri->request_method;
}

int http_req_method_is(const struct http_req *req, const char *method)
{
	if (req->head && strcmp(method, "GET") == 0)
		return 1; /* HEAD is GET without the body (http_reply leaves it out) */
	return strcmp(req->ri->request_method, method) == 0;
}

const char *http_req_path(const struct http_req *req)
{
	return req->path;
}

const char *http_req_query(const struct http_req *req)
{
	return req->ri->query_string;
}

const char *http_req_header(const struct http_req *req, const char *name)
{
	return mg_get_header(req->conn, name);
}

int http_req_content_type_is(const struct http_req *req, const char *media_type)
{
	const char *ct = mg_get_header(req->conn, "Content-Type");
	size_t n = strlen(media_type);
	return ct && strncasecmp(ct, media_type, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

const char *http_req_remote_addr(const struct http_req *req)
{
	return req->client;
}

int http_req_is_tls(const struct http_req *req)
{
	return req->tls;
}

int http_cookie_value(const char *header, const char *name, char *buf, size_t size)
{
	size_t nlen = strlen(name);
	int found = -1;
	if (!buf || !size)
		return -2;
	buf[0] = '\0';
	for (const char *p = header; p && *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *semi = strchr(p, ';');
		const char *end = semi ? semi : p + strlen(p);
		if ((size_t)(end - p) > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t vlen = (size_t)(end - v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (found != -1 || vlen >= size) {
				buf[0] = '\0';
				return -2; /* twice (a planted duplicate) or too long */
			}
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			found = (int)vlen;
		}
		p = semi ? semi + 1 : NULL;
	}
	return found;
}

int http_req_cookie(const struct http_req *req, const char *name, char *buf, size_t size)
{
	return http_cookie_value(mg_get_header(req->conn, "Cookie"), name, buf, size);
}

int http_req_query_var(const struct http_req *req, const char *name, char *buf, size_t size)
{
	const char *q = req->ri->query_string;
	return http_form_var(q, q ? strlen(q) : 0, name, buf, size);
}

/* ---- form-encoded data ---------------------------------------------------- */

int http_url_decode(const char *src, size_t len, char *dst, size_t size)
{
	if (size == 0 || len > INT_MAX)
		return -1;
	return mg_url_decode(src, (int)len, dst, size > INT_MAX ? INT_MAX : (int)size, 1);
}

/* 1 if the encoded name in [p, end) decodes to name (any case, no NUL). */
static int name_matches(const char *p, const char *end, const char *name)
{
	char key[128];
	int n = http_url_decode(p, (size_t)(end - p), key, sizeof(key));
	return n >= 0 && strlen(key) == (size_t)n && strcasecmp(key, name) == 0;
}

int http_form_var(const char *data, size_t len, const char *name, char *buf, size_t size)
{
	if (!buf || size == 0)
		return -2;
	buf[0] = '\0';
	if (!data)
		return -1;
	const char *end = data + len;
	for (const char *p = data; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (name_matches(p, eq ? eq : stop, name)) {
			const char *v = eq ? eq + 1 : stop;
			int n = http_url_decode(v, (size_t)(stop - v), buf, size);
			if (n >= 0 && strlen(buf) == (size_t)n)
				return n;
			buf[0] = '\0';
			return -2;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return -1;
}

/* ---- the reply ------------------------------------------------------------ */

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

int http_reply(struct http_req *req, int status, const char *content_type, const char *body,
               size_t len, const char *extra_headers)
{
	char head[2048];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "Content-Length: %zu\r\n"
	                 "Cache-Control: no-store\r\n"
	                 "X-Content-Type-Options: nosniff\r\n"
	                 "%s\r\n",
	                 status, status_text(status), content_type, len,
	                 extra_headers ? extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return 500;
	if (req->head)
		len = 0; /* the Content-Length above still says what GET would send */
	/* One write for small responses: head and body leave in one segment. */
	if (len <= 4096) {
		char buf[sizeof(head) + 4096];
		memcpy(buf, head, (size_t)n);
		if (len)
			memcpy(buf + n, body, len);
		mg_write(req->conn, buf, (size_t)n + len);
	} else {
		mg_write(req->conn, head, (size_t)n);
		mg_write(req->conn, body, len);
	}
	return status;
}

int http_stream_begin(struct http_req *req, const char *content_type, const char *extra_headers)
{
	char head[2048];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 200 OK\r\n"
	                 "Content-Type: %s\r\n"
	                 "Transfer-Encoding: chunked\r\n"
	                 "Cache-Control: no-store\r\n"
	                 "X-Content-Type-Options: nosniff\r\n"
	                 "X-Accel-Buffering: no\r\n" /* a proxy must not hold events back */
	                 "%s\r\n",
	                 content_type, extra_headers ? extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	return mg_write(req->conn, head, (size_t)n) == n ? 0 : -1;
}

int http_stream_write(struct http_req *req, const char *data, size_t len)
{
	if (!len)
		return 0;
	return mg_send_chunk(req->conn, data, (unsigned)len) > 0 ? 0 : -1;
}

int http_stream_end(struct http_req *req)
{
	mg_write(req->conn, "0\r\n\r\n", 5);
	return 200;
}

int http_reply_text(struct http_req *req, int status, const char *text)
{
	return http_reply(req, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

int http_reply_json(struct http_req *req, int status, json_t *v, const char *extra_headers)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	if (!s)
		return http_reply_text(req, 500, "out of memory\n");
	int rc =
	    http_reply(req, status, "application/json; charset=utf-8", s, strlen(s), extra_headers);
	free(s);
	return rc;
}

/* ---- the body --------------------------------------------------------------- */

enum http_body http_read_body(struct http_req *req, size_t max, char **out, size_t *len)
{
	const struct mg_request_info *ri = req->ri;
	*out = NULL;
	*len = 0;
	if (ri->content_length > 0 && (unsigned long long)ri->content_length > max)
		return HTTP_BODY_TOO_LARGE;
	size_t cap = ri->content_length > 0 ? (size_t)ri->content_length + 1 : 4096;
	char *buf = malloc(cap);
	if (!buf)
		return HTTP_BODY_ERROR;
	size_t n = 0;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				free(buf);
				return HTTP_BODY_TOO_LARGE;
			}
			size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return HTTP_BODY_ERROR;
			}
			buf = nb;
			cap = ncap;
		}
		int r = mg_read(req->conn, buf + n, cap - n - 1);
		if (r < 0) {
			free(buf);
			return HTTP_BODY_ERROR;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			return HTTP_BODY_TOO_LARGE;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return HTTP_BODY_OK;
}

/* ---- the Host check --------------------------------------------------------- */

static int name_in_list(const char *name, size_t len, const char *list)
{
	for (const char *p = list; p && *p;) {
		while (*p == ' ')
			p++;
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		while (n && p[n - 1] == ' ')
			n--;
		if (n == len && n && !strncasecmp(p, name, n))
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

int http_host_allowed(const char *host, const char *allowed)
{
	if (!host || !*host || strlen(host) > 255)
		return 0;
	const char *end;
	if (host[0] == '[') {
		end = strchr(host, ']');
		if (!end)
			return 0;
		end++;
	} else {
		end = strchr(host, ':');
		if (!end)
			end = host + strlen(host);
	}
	if (*end && (*end != ':' || !end[1] || strlen(end + 1) > 5))
		return 0; /* a port, when given, is 1-5 digits */
	for (const char *d = *end ? end + 1 : end; *d; d++)
		if (*d < '0' || *d > '9')
			return 0;
	size_t len = (size_t)(end - host);
	return name_in_list(host, len, "localhost,127.0.0.1,[::1]") ||
	       name_in_list(host, len, allowed);
}
