/*
 * tls.c - certificate loading and reloading for the HTTPS listener (see
 * tls.h).
 *
 * Every context gets the same settings: TLS 1.2 as the minimum, and for
 * TLS 1.2 only suites with forward secrecy and AEAD (no CBC, no SHA-1
 * MACs); TLS 1.3's suites are all AEAD already. The mutex guards only the
 * pointer swap and the reference a new handshake takes, never file I/O.
 */
#include "tls.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

static int load_files(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:"
	                                 "!aNULL:!eNULL:!PSK:!SRP") != 1) {
		snprintf(err, errlen, "cannot set the TLS cipher list");
		return -1;
	}
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

/* A new handshake: use the newest certificate, if one was reloaded. This
 * replaces CivetWeb's own server-name callback, which only picks among
 * authentication domains (none are configured here) and would switch the
 * handshake back to the context from start. */
/* NOLINTNEXTLINE(readability-non-const-parameter): OpenSSL's callback type */
static int server_name(SSL *ssl, int *alert, void *arg)
{
	struct http_tls *t = arg;
	(void)alert;
	pthread_mutex_lock(&t->mu);
	if (t->current && SSL_get_SSL_CTX(ssl) != t->current)
		SSL_set_SSL_CTX(ssl, t->current); /* takes its own reference */
	pthread_mutex_unlock(&t->mu);
	return SSL_TLSEXT_ERR_OK;
}

void http_tls_init(struct http_tls *t, const char *cert, const char *key)
{
	pthread_mutex_init(&t->mu, NULL);
	t->current = NULL;
	snprintf(t->cert, sizeof(t->cert), "%s", cert ? cert : "");
	snprintf(t->key, sizeof(t->key), "%s", key ? key : "");
}

int http_tls_configure(struct http_tls *t, SSL_CTX *ctx, char *err, size_t errlen)
{
	if (load_files(ctx, t->cert, t->key, err, errlen) < 0)
		return -1;
	SSL_CTX_set_tlsext_servername_callback(ctx, server_name);
	SSL_CTX_set_tlsext_servername_arg(ctx, t);
	return 0;
}

int http_tls_reload(struct http_tls *t, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	if (load_files(ctx, t->cert, t->key, err, errlen) < 0) {
		SSL_CTX_free(ctx);
		ERR_clear_error();
		return -1;
	}
	pthread_mutex_lock(&t->mu);
	SSL_CTX *old = t->current;
	t->current = ctx;
	pthread_mutex_unlock(&t->mu);
	SSL_CTX_free(old); /* freed when its last connection is */
	return 0;
}

void http_tls_free(struct http_tls *t)
{
	SSL_CTX_free(t->current);
	t->current = NULL;
	pthread_mutex_destroy(&t->mu);
}

int http_tls_check_files(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	int rc = load_files(ctx, cert, key, err, errlen);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}
