/*
 * http.h - the HTTP(S) front door: server set-up, routes, requests, replies.
 *
 * http_start() listens on plain HTTP and/or HTTPS (TLS 1.2+, certificate and
 * key loaded here, not by CivetWeb) with short keep-alive and TCP_NODELAY,
 * bounds connections per client and slow ones (gate.h), and never grants
 * CORS. Modules add their routes with http_route(); a handler
 * gets a struct http_req, reads it through the http_req_* accessors and
 * answers with one http_reply*() call, so each response leaves in a single
 * write. This folder is the only code that knows CivetWeb is underneath.
 */
#ifndef BORGERBOT_HTTP_H
#define BORGERBOT_HTTP_H

#include <jansson.h>
#include <stddef.h>

struct http_options {
	const char *listen;     /* "HOST:PORT" or "" */
	const char *listen_tls; /* "HOST:PORT" or "" */
	const char *tls_cert;
	const char *tls_key;
	int threads;
	/* Reverse proxies allowed to name the client (X-Forwarded-For,
	 * Forwarded, X-Forwarded-Proto): "10.0.0.5, 192.168.0.0/16"; NULL or ""
	 * = none, the headers are ignored. */
	const char *trusted_proxies;
	/* The connection gate (gate.h, docs/operations.md "Intake under attack"). */
	int keep_alive_ms;          /* idle keep-alive before CivetWeb closes; 0 = no keep-alive */
	int request_timeout_ms;     /* TLS handshake and request headers together; body reads */
	int max_client_connections; /* per client address; 0 = no bound */
	int max_header_connections; /* short of complete headers; 0 = threads / 4 */
	struct metrics *metrics;    /* the gate's counters, or NULL */
};

/* Request bodies announced larger than this are refused (413) before
 * CivetWeb reads or discards them; no route accepts more. */
#define HTTP_MAX_CONTENT_LENGTH (64LL << 20)

struct http;
struct metrics;

/* One request being answered; valid only during the handler call. */
struct http_req;

/* Answers req completely and returns the HTTP status it sent. */
typedef int (*http_handler)(struct http_req *req, void *cbdata);

struct http *http_start(const struct http_options *opt, char *err, size_t errlen);

/* Sends requests whose path matches uri to fn. uri is a CivetWeb pattern: a
 * prefix ("/api"), or exact with a trailing '$' ("/webhook$"); the first
 * registered match wins, so register specific routes first. */
void http_route(struct http *h, const char *uri, http_handler fn, void *cbdata);

/* Stops accepting, waits for running handlers, frees h. */
void http_stop(struct http *h);

/* Loads tls_cert and tls_key again for the next TLS handshakes (SIGHUP
 * after a renewal); open connections keep theirs. 0: reloaded, 1: no HTTPS
 * listener, -1: err says why, and the certificate in use stays. */
int http_reload_tls(struct http *h, char *err, size_t errlen);

/* Checks that cert and key load and match; err names the file at fault. */
int http_check_tls_files(const char *cert, const char *key, char *err, size_t errlen);

/* ---- the request ---------------------------------------------------------- */

const char *http_req_method(const struct http_req *req); /* "GET", "POST", ... */
int http_req_method_is(const struct http_req *req, const char *method);
/* The path, URL-decoded, without the query string. */
const char *http_req_path(const struct http_req *req);
/* The raw query string after '?', or NULL if there is none. */
const char *http_req_query(const struct http_req *req);
/* A request header's value (name in any case), or NULL if absent. */
const char *http_req_header(const struct http_req *req, const char *name);
/* 1 if the Content-Type header is media_type (any case), alone or followed
 * by parameters ("application/json; charset=utf-8"); 0 otherwise. */
int http_req_content_type_is(const struct http_req *req, const char *media_type);
/* The client's address as text ("127.0.0.1", "::1"): the peer, or, when
 * the peer is a trusted proxy, the client its X-Forwarded-For / Forwarded
 * names (the nearest address that is not itself a trusted proxy). Never NULL. */
const char *http_req_remote_addr(const struct http_req *req);
/* TLS to this server, or to a trusted proxy that says X-Forwarded-Proto: https. */
int http_req_is_tls(const struct http_req *req);
/* The value of cookie name (exact, case-sensitive) from the Cookie header
 * into buf, not decoded: its length; -1 when absent; -2 when it does not fit
 * in size bytes or the name appears twice (a planted duplicate). */
int http_req_cookie(const struct http_req *req, const char *name, char *buf, size_t size);
/* The same on a Cookie header's text (NULL: absent). */
int http_cookie_value(const char *header, const char *name, char *buf, size_t size);

/* A query-string variable, decoded into buf; see http_form_var(). */
int http_req_query_var(const struct http_req *req, const char *name, char *buf, size_t size);

/* ---- form-encoded data ("a=1&b=x%20y", query strings and form bodies) ----- */

/* Finds the first pair whose URL-decoded name equals name (any case) in
 * data[0..len) and URL-decodes its value into buf ('+' is a space; a pair
 * without '=' has the empty value; names over 127 bytes never match).
 * Returns the value's length; -1 if the name is absent (buf is ""); -2 if
 * the value does not fit in size bytes with its NUL or holds a NUL byte
 * (%00). data may be NULL when len is 0. */
int http_form_var(const char *data, size_t len, const char *name, char *buf, size_t size);

/* URL-decodes src[0..len) into dst ('+' is a space); returns the decoded
 * length, or -1 if it does not fit in size bytes with its NUL. */
int http_url_decode(const char *src, size_t len, char *dst, size_t size);

/* 1 if host (a Host header: name, optional :port, [v6]) is a loopback name
 * or one of the comma-separated names in allowed (any case); else 0. The
 * Host check of the console and the panel's public pages (DNS rebinding). */
int http_host_allowed(const char *host, const char *allowed);

/* ---- the reply ------------------------------------------------------------- */

/* Sends a complete response; extra_headers are "Name: value\r\n" lines or NULL.
 * Every reply has Cache-Control: no-store and X-Content-Type-Options: nosniff.
 * Returns status. */
int http_reply(struct http_req *req, int status, const char *content_type, const char *body,
               size_t len, const char *extra_headers);
int http_reply_text(struct http_req *req, int status, const char *text);
/* Sends v as compact JSON and releases it (v may be NULL: then, or when it
 * cannot be written, the reply is 500 "out of memory"). */
int http_reply_json(struct http_req *req, int status, json_t *v, const char *extra_headers);

/* ---- a streamed reply (Server-Sent Events) ---------------------------------- */

/* Starts a 200 reply whose body follows in pieces (chunked transfer
 * encoding, so the connection stays usable afterwards): content_type and
 * extra_headers as for http_reply(). Then http_stream_write() each piece
 * (0, or -1 once the client has gone) and http_stream_end() once. The
 * handler holds its CivetWeb worker thread meanwhile: callers cap how many
 * streams run at once. Returns 0 or -1. */
int http_stream_begin(struct http_req *req, const char *content_type, const char *extra_headers);
int http_stream_write(struct http_req *req, const char *data, size_t len);
/* Ends the stream; returns status (200) for the handler to return. */
int http_stream_end(struct http_req *req);

enum http_body { HTTP_BODY_OK, HTTP_BODY_TOO_LARGE, HTTP_BODY_ERROR };

/* Reads the whole request body (at most max bytes) into a malloc'd buffer,
 * NUL-terminated for convenience; *len excludes the NUL. */
enum http_body http_read_body(struct http_req *req, size_t max, char **out, size_t *len);

#endif
