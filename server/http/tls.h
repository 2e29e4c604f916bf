/*
 * tls.h - the HTTPS listener's certificate, loaded at start and again on
 * request (SIGHUP) without dropping a connection. Internal to http/.
 *
 * CivetWeb creates one SSL_CTX at start and hands it to http_tls_configure()
 * (its init_ssl callback). A reload builds a complete new SSL_CTX from the
 * files and swaps it in; from then on a client-hello callback on CivetWeb's
 * context moves each *new* handshake to the newest context
 * (SSL_set_SSL_CTX, the way SNI switches certificates). Connections already
 * open keep the certificate they shook hands with, and a context is freed
 * only when its last connection is (OpenSSL counts the references). A reload
 * that fails leaves the certificate in use as it was.
 */
#ifndef BORGERBOT_HTTP_TLS_H
#define BORGERBOT_HTTP_TLS_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stddef.h>

struct http_tls {
	pthread_mutex_t mu;
	SSL_CTX *current; /* the newest reloaded context; NULL: CivetWeb's own */
	char cert[512];
	char key[512];
};

/* Remembers the files; no TLS is set up yet. */
void http_tls_init(struct http_tls *t, const char *cert, const char *key);

/* Sets up CivetWeb's context: protocol, AEAD ciphers, the files, and the
 * server-name callback that later reloads use. */
int http_tls_configure(struct http_tls *t, SSL_CTX *ctx, char *err, size_t errlen);

/* Loads the files into a new context for the next handshakes. */
int http_tls_reload(struct http_tls *t, char *err, size_t errlen);

/* Releases the reloaded context, if any (after CivetWeb stopped). */
void http_tls_free(struct http_tls *t);

/* Checks that cert and key load and match (see http.h). */
int http_tls_check_files(const char *cert, const char *key, char *err, size_t errlen);

#endif
