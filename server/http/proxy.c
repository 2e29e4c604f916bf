/*
 * proxy.c - who the client really is behind a trusted reverse proxy (see
 * http.h: http_options.trusted_proxies, http_req_remote_addr).
 *
 * Only a peer whose address is in the trusted list may say who the client
 * is. Its X-Forwarded-For (or RFC 7239 Forwarded "for=") is read from the
 * right, skipping addresses that are themselves trusted proxies; the first
 * other address is the client. Anything malformed falls back to the peer, so
 * a client can never choose its own address by sending the headers itself.
 * X-Forwarded-Proto: https from a trusted peer marks the request as TLS (the
 * proxy terminated it).
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROXY_MAX 16

struct net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

struct http_proxies {
	struct net nets[PROXY_MAX];
	int n;
};

/* "10.0.0.0/8", "192.0.2.7", "2001:db8::/32" -> net; 0 or -1. */
static int parse_net(const char *s, struct net *out)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = 128;
	} else {
		return -1;
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || b < 0 || b > out->bits)
			return -1;
		out->bits = (int)b;
	}
	return 0;
}

int http_proxies_parse(const char *list, struct http_proxies **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!list || !*list)
		return 0;
	struct http_proxies *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t;
	     t = strtok_r(NULL, ", ", &save)) {
		if (p->n == PROXY_MAX) {
			snprintf(err, errlen, "trusted_proxies: at most %d entries", PROXY_MAX);
			free(p);
			return -1;
		}
		if (parse_net(t, &p->nets[p->n]) < 0) {
			snprintf(err, errlen, "trusted_proxies: '%.60s' is not an address or CIDR",
			         t);
			free(p);
			return -1;
		}
		p->n++;
	}
	*out = p;
	return 0;
}

void http_proxies_free(struct http_proxies *p)
{
	free(p);
}

static int net_has(const struct net *n, int family, const unsigned char *a)
{
	if (n->family != family)
		return 0;
	int full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, a, (size_t)full) != 0)
		return 0;
	return !rest || ((n->addr[full] ^ a[full]) & (0xFF << (8 - rest))) == 0;
}

int http_proxies_trusts(const struct http_proxies *p, const char *addr)
{
	unsigned char a[16] = {0};
	int family = inet_pton(AF_INET, addr, a) == 1    ? AF_INET
	             : inet_pton(AF_INET6, addr, a) == 1 ? AF_INET6
	                                                 : 0;
	for (int i = 0; p && family && i < p->n; i++)
		if (net_has(&p->nets[i], family, a))
			return 1;
	return 0;
}

/* One address out of an X-Forwarded-For item or a Forwarded "for=" value:
 * strips blanks, quotes, "[v6]" brackets and a ":port". 0 if it is an
 * address, else -1. */
static int clean_addr(const char *s, size_t len, char *out, size_t size)
{
	while (len && (*s == ' ' || *s == '"')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '"'))
		len--;
	if (len >= size || len == 0)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	if (out[0] == '[') { /* [v6]:port */
		char *close = strchr(out, ']');
		if (!close)
			return -1;
		*close = '\0';
		memmove(out, out + 1, strlen(out + 1) + 1);
	} else if (strchr(out, '.') && strchr(out, ':')) {
		*strchr(out, ':') = '\0'; /* v4:port */
	}
	unsigned char a[16] = {0};
	return inet_pton(AF_INET, out, a) == 1 || inet_pton(AF_INET6, out, a) == 1 ? 0 : -1;
}

/* The last "for=" value of one Forwarded element list, written like an
 * X-Forwarded-For list ("a, b") into buf. */
static void forwarded_to_list(const char *fwd, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const char *p = fwd; (p = strcasestr(p, "for=")) != NULL; p += 4) {
		const char *v = p + 4;
		size_t len = strcspn(v, ";,");
		if (n + len + 2 >= size)
			break;
		n += (size_t)snprintf(buf + n, size - n, "%s%.*s", n ? "," : "", (int)len, v);
	}
}

const char *http_proxies_client(const struct http_proxies *p, const char *peer, const char *xff,
                                const char *forwarded, char *buf, size_t size)
{
	if (!p || !http_proxies_trusts(p, peer))
		return peer;
	char list[1024] = "";
	if (forwarded && *forwarded)
		forwarded_to_list(forwarded, list, sizeof(list));
	else if (xff && strlen(xff) < sizeof(list))
		snprintf(list, sizeof(list), "%s", xff);
	else
		return peer;
	/* from the right: the nearest hop the proxies saw */
	size_t end = strlen(list);
	while (end > 0) {
		size_t start = end;
		while (start > 0 && list[start - 1] != ',')
			start--;
		if (clean_addr(list + start, end - start, buf, size) < 0)
			return peer; /* malformed: trust nothing from it */
		if (!http_proxies_trusts(p, buf))
			return buf;
		end = start ? start - 1 : 0;
	}
	return peer; /* every hop was a proxy */
}
