/*
 * http.c - CivetWeb wrapper (see http.h).
 *
 * CivetWeb is compiled from Debian's source with the OpenSSL 3 API (see
 * cmake/civetweb.cmake). TLS contexts are configured in the init_ssl
 * callback: certificate chain and key from the configured files, TLS 1.2 as
 * the minimum. CivetWeb's own error log goes to our JSON log.
 */
#include "http.h"

#include <openssl/err.h>
#include <stdatomic.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

struct http {
	struct mg_context *ctx;
	atomic_int starting; /* while set, CivetWeb's errors are kept, not logged */
	char start_error[256];
	char cert[512];
	char key[512];
};

static int load_tls(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "tls_cert %s: not a readable PEM certificate (%s)", cert,
		         ERR_reason_error_string(ERR_get_error()));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		const char *why = ERR_reason_error_string(ERR_get_error());
		if (why && strstr(why, "mismatch"))
			snprintf(err, errlen, "tls_key %s does not match the certificate %s", key,
			         cert);
		else
			snprintf(err, errlen, "tls_key %s: not a readable PEM private key (%s)",
			         key, why ? why : "unknown error");
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "tls_key %s does not match the certificate %s", key, cert);
		return -1;
	}
	return 0;
}

int http_check_tls_files(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	int rc = load_tls(ctx, cert, key, err, errlen);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

static int init_ssl(void *ssl_ctx, void *user_data)
{
	struct http *h = user_data;
	char err[1200]; /* room for both paths (tls_cert, tls_key) and the reason */
	if (load_tls(ssl_ctx, h->cert, h->key, err, sizeof(err)) < 0) {
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

struct http *http_start(const struct http_options *opt, char *err, size_t errlen)
{
	struct http *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char ports[300] = "";
	if (opt->listen[0])
		snprintf(ports, sizeof(ports), "%s", opt->listen);
	if (opt->listen_tls[0]) {
		size_t n = strlen(ports);
		snprintf(ports + n, sizeof(ports) - n, "%s%ss", n ? "," : "", opt->listen_tls);
		snprintf(h->cert, sizeof(h->cert), "%s", opt->tls_cert);
		snprintf(h->key, sizeof(h->key), "%s", opt->tls_key);
	}
	char threads[16];
	snprintf(threads, sizeof(threads), "%d", opt->threads);
	const char *options[] = {
	    "listening_ports",
	    ports,
	    "num_threads",
	    threads,
	    "enable_keep_alive",
	    "yes",
	    "keep_alive_timeout_ms",
	    "30000",
	    "request_timeout_ms",
	    "10000",
	    "tcp_nodelay",
	    "1",
	    "ssl_protocol_version",
	    "4", /* TLS 1.2 and newer */
	    "enable_directory_listing",
	    "no",
	    NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof(cb));
	cb.init_ssl = init_ssl;
	cb.log_message = log_civetweb;
	struct mg_init_data init = {
	    .callbacks = &cb, .user_data = h, .configuration_options = options};
	char mgerr[256] = "";
	struct mg_error_data error = {.text = mgerr, .text_buffer_size = sizeof(mgerr)};
	h->starting = 1;
	h->ctx = mg_start2(&init, &error);
	h->starting = 0;
	if (!h->ctx) {
		snprintf(err, errlen, "cannot listen on %s%s%s%s: %s", opt->listen,
		         opt->listen[0] && opt->listen_tls[0] ? " and " : "", opt->listen_tls,
		         opt->listen_tls[0] ? " (TLS)" : "",
		         h->start_error[0] ? h->start_error
		         : mgerr[0]        ? mgerr
		                           : "start failed");
		free(h);
		return NULL;
	}
	return h;
}

void http_route(struct http *h, const char *uri, mg_request_handler handler, void *cbdata)
{
	mg_set_request_handler(h->ctx, uri, handler, cbdata);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	mg_stop(h->ctx);
	free(h);
}

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

int http_reply(struct mg_connection *conn, int status, const char *content_type, const char *body,
               size_t len, const char *extra_headers)
{
	char head[1024];
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
	/* One write for small responses: head and body leave in one segment. */
	if (len <= 4096) {
		char buf[sizeof(head) + 4096];
		memcpy(buf, head, (size_t)n);
		if (len)
			memcpy(buf + n, body, len);
		mg_write(conn, buf, (size_t)n + len);
	} else {
		mg_write(conn, head, (size_t)n);
		mg_write(conn, body, len);
	}
	return status;
}

int http_reply_text(struct mg_connection *conn, int status, const char *text)
{
	return http_reply(conn, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

enum http_body http_read_body(struct mg_connection *conn, size_t max, char **out, size_t *len)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
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
		int r = mg_read(conn, buf + n, cap - n - 1);
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
