/*
 * proxy.h - the client's address behind trusted reverse proxies (private to
 * http/; the setting is http_options.trusted_proxies).
 */
#ifndef BORGERBOT_HTTP_PROXY_H
#define BORGERBOT_HTTP_PROXY_H

#include <stddef.h>

struct http_proxies;

/* "10.0.0.0/8, 192.0.2.7, ::1" (at most 16). *out NULL for an empty list.
 * 0, or -1 with err set. */
int http_proxies_parse(const char *list, struct http_proxies **out, char *err, size_t errlen);
void http_proxies_free(struct http_proxies *p);

/* 1 if addr (text) is in the list. */
int http_proxies_trusts(const struct http_proxies *p, const char *addr);

/* The client: peer itself, unless peer is a trusted proxy and the headers
 * name a client (then written to buf). Never NULL. */
const char *http_proxies_client(const struct http_proxies *p, const char *peer, const char *xff,
                                const char *forwarded, char *buf, size_t size);

#endif
