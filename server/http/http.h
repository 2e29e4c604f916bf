/*
 * http.h - the HTTP(S) front door: CivetWeb set-up, routes, small helpers.
 *
 * http_start() listens on plain HTTP and/or HTTPS (TLS 1.2+, certificate and
 * key loaded here, not by CivetWeb) with keep-alive and TCP_NODELAY. Modules
 * add their routes with http_route(); handlers answer with http_reply() so
 * each response leaves in a single write.
 */
#ifndef BORGERBOT_HTTP_H
#define BORGERBOT_HTTP_H

#include <civetweb.h>
#include <stddef.h>

struct http_options {
	const char *listen;     /* "HOST:PORT" or "" */
	const char *listen_tls; /* "HOST:PORT" or "" */
	const char *tls_cert;
	const char *tls_key;
	int threads;
};

struct http;

struct http *http_start(const struct http_options *opt, char *err, size_t errlen);
void http_route(struct http *h, const char *uri, mg_request_handler handler, void *cbdata);
/* Stops accepting, waits for running handlers, frees h. */
void http_stop(struct http *h);

/* Checks that cert and key load and match; err names the file at fault. */
int http_check_tls_files(const char *cert, const char *key, char *err, size_t errlen);

/* Sends a complete response; extra_headers are "Name: value\r\n" lines or NULL.
 * Returns the status (CivetWeb's handler convention). */
int http_reply(struct mg_connection *conn, int status, const char *content_type, const char *body,
               size_t len, const char *extra_headers);
int http_reply_text(struct mg_connection *conn, int status, const char *text);

enum http_body { HTTP_BODY_OK, HTTP_BODY_TOO_LARGE, HTTP_BODY_ERROR };

/* Reads the whole request body (at most max bytes) into a malloc'd buffer,
 * NUL-terminated for convenience; *len excludes the NUL. */
enum http_body http_read_body(struct mg_connection *conn, size_t max, char **out, size_t *len);

#endif
