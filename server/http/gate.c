/*
 * gate.c - the connection gate (see gate.h).
 *
 * Connections are kept in an array indexed by socket number (the kernel
 * hands out the lowest free number, so it stays small), each in one of two
 * FIFO lists while it can be shut down: "headers" (accepted, request
 * headers not complete) and "idle" (between keep-alive requests). Clients
 * are a small hash table of address keys with their open and header counts.
 * One mutex guards it all; every operation is O(1) except choosing a victim,
 * which scans at most GATE_SCAN connections of one list.
 */
#include "gate.h"
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/metrics.h"

#define GATE_BUCKETS 512
#define GATE_SCAN 256

enum gate_state { GATE_FREE, GATE_HEADERS, GATE_BUSY, GATE_IDLE, GATE_SHUT };
enum gate_list { LIST_HEADERS, LIST_IDLE, LIST_COUNT };

struct gate_client {
	unsigned char key[8];
	int keylen;
	int open;    /* sockets from this client, shut down or not */
	int headers; /* of those, in the headers list */
	struct gate_client *next;
};

struct gate_conn {
	enum gate_state state;
	struct gate_client *client; /* NULL: a trusted proxy, or not counted */
	int prev, next;             /* neighbours in its list, -1 at the ends */
};

struct http_gate {
	pthread_mutex_t lock;
	struct http_gate_options opt;
	struct gate_conn *conns;
	int cap;
	int head[LIST_COUNT], tail[LIST_COUNT], count[LIST_COUNT];
	int open; /* followed sockets */
	int shut; /* of those, shut down and not yet closed */
	unsigned long long refused, shut_headers, shut_idle;
	struct gate_client *buckets[GATE_BUCKETS];
};

struct http_gate *http_gate_new(const struct http_gate_options *opt)
{
	struct http_gate *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->opt = *opt;
	for (int l = 0; l < LIST_COUNT; l++)
		g->head[l] = g->tail[l] = -1;
	pthread_mutex_init(&g->lock, NULL);
	return g;
}

void http_gate_free(struct http_gate *g)
{
	if (!g)
		return;
	for (int b = 0; b < GATE_BUCKETS; b++)
		while (g->buckets[b]) {
			struct gate_client *next = g->buckets[b]->next;
			free(g->buckets[b]);
			g->buckets[b] = next;
		}
	free(g->conns);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* ---- clients ------------------------------------------------------------- */

/* The client's key: an IPv4 address (also IPv4-mapped IPv6), or the /64 of
 * an IPv6 address (one subscriber usually holds a whole /64). 0 if the
 * family is neither. */
static int client_key(const struct sockaddr *sa, socklen_t len, unsigned char key[8])
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(key, a->s6_addr + 12, 4);
			return 4;
		}
		memcpy(key, a->s6_addr, 8);
		return 8;
	}
	return 0;
}

static unsigned bucket_of(const unsigned char *key, int keylen)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (int i = 0; i < keylen; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % GATE_BUCKETS;
}

static struct gate_client *client_get(struct http_gate *g, const unsigned char *key, int keylen)
{
	unsigned b = bucket_of(key, keylen);
	for (struct gate_client *c = g->buckets[b]; c; c = c->next)
		if (c->keylen == keylen && !memcmp(c->key, key, (size_t)keylen))
			return c;
	struct gate_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->key, key, (size_t)keylen);
	c->keylen = keylen;
	c->next = g->buckets[b];
	g->buckets[b] = c;
	return c;
}

static void client_release(struct http_gate *g, struct gate_client *c)
{
	if (c->open > 0)
		return;
	struct gate_client **p = &g->buckets[bucket_of(c->key, c->keylen)];
	while (*p && *p != c)
		p = &(*p)->next;
	if (*p)
		*p = c->next;
	free(c);
}

/* 1 if the peer is a trusted reverse proxy. */
static int peer_is_proxy(const struct http_gate *g, const struct sockaddr *sa)
{
	if (!g->opt.proxies)
		return 0;
	char text[INET6_ADDRSTRLEN] = "";
	const void *a = sa->sa_family == AF_INET
	                    ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
	                    : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!inet_ntop(sa->sa_family, a, text, sizeof(text)))
		return 0;
	return http_proxies_trusts(g->opt.proxies, text);
}

/* ---- lists ----------------------------------------------------------------- */

static void list_append(struct http_gate *g, enum gate_list l, int fd)
{
	struct gate_conn *c = &g->conns[fd];
	c->prev = g->tail[l];
	c->next = -1;
	if (g->tail[l] >= 0)
		g->conns[g->tail[l]].next = fd;
	else
		g->head[l] = fd;
	g->tail[l] = fd;
	g->count[l]++;
}

static void list_remove(struct http_gate *g, enum gate_list l, int fd)
{
	struct gate_conn *c = &g->conns[fd];
	if (c->prev >= 0)
		g->conns[c->prev].next = c->next;
	else
		g->head[l] = c->next;
	if (c->next >= 0)
		g->conns[c->next].prev = c->prev;
	else
		g->tail[l] = c->prev;
	c->prev = c->next = -1;
	g->count[l]--;
}

/* Takes fd out of the list its state puts it in, if any. */
static void unlist(struct http_gate *g, int fd)
{
	struct gate_conn *c = &g->conns[fd];
	if (c->state == GATE_HEADERS) {
		list_remove(g, LIST_HEADERS, fd);
		if (c->client)
			c->client->headers--;
	} else if (c->state == GATE_IDLE) {
		list_remove(g, LIST_IDLE, fd);
	}
}

/* The connection of list l to shut down: of the first GATE_SCAN (oldest
 * first), one from the client holding the most (headers, or open), the
 * oldest on a tie. -1 if the list is empty. */
static int victim(const struct http_gate *g, enum gate_list l)
{
	int best = -1, best_weight = -1, n = 0;
	for (int fd = g->head[l]; fd >= 0 && n < GATE_SCAN; fd = g->conns[fd].next, n++) {
		const struct gate_client *c = g->conns[fd].client;
		/* headers list: most short of headers, then most open */
		int weight = !c                  ? 1
		             : l == LIST_HEADERS ? c->headers * 65536 + (c->open & 0xffff)
		                                 : c->open;
		if (weight > best_weight) {
			best = fd;
			best_weight = weight;
		}
	}
	return best;
}

static void shut(struct http_gate *g, int fd, atomic_ullong *counter)
{
	unlist(g, fd);
	g->conns[fd].state = GATE_SHUT;
	g->shut++;
	shutdown(fd, SHUT_RDWR); /* the worker on it wakes and closes it */
	if (counter)
		atomic_fetch_add(counter, 1);
}

/* ---- the hooks ------------------------------------------------------------- */

static int grow(struct http_gate *g, int fd)
{
	if (fd < g->cap)
		return 0;
	int cap = g->cap ? g->cap : 256;
	while (cap <= fd)
		cap *= 2;
	struct gate_conn *n = realloc(g->conns, (size_t)cap * sizeof(*n));
	if (!n)
		return -1;
	for (int i = g->cap; i < cap; i++)
		n[i] = (struct gate_conn){.state = GATE_FREE, .prev = -1, .next = -1};
	g->conns = n;
	g->cap = cap;
	return 0;
}

static void forget(struct http_gate *g, int fd)
{
	struct gate_conn *c = &g->conns[fd];
	if (c->state == GATE_FREE)
		return;
	unlist(g, fd);
	if (c->state == GATE_SHUT)
		g->shut--;
	if (c->client) {
		c->client->open--;
		client_release(g, c->client);
	}
	*c = (struct gate_conn){.state = GATE_FREE, .prev = -1, .next = -1};
	g->open--;
}

int http_gate_admit(struct http_gate *g, int fd, const struct sockaddr *peer, socklen_t len)
{
	if (fd < 0)
		return 0;
	struct metrics *m = g->opt.metrics;
	pthread_mutex_lock(&g->lock);
	if (grow(g, fd) < 0) {
		pthread_mutex_unlock(&g->lock);
		return 1; /* out of memory: admit, unfollowed (closed() ignores it) */
	}
	forget(g, fd); /* a socket number closed past the gate, now reused */
	struct gate_client *client = NULL;
	unsigned char key[8];
	int keylen = client_key(peer, len, key);
	if (keylen && !peer_is_proxy(g, peer) && (client = client_get(g, key, keylen)) &&
	    g->opt.max_per_client > 0 && client->open >= g->opt.max_per_client) {
		client_release(g, client);
		g->refused++;
		if (m)
			atomic_fetch_add(&m->http_refused, 1);
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	int v;
	if (g->opt.max_headers > 0 && g->count[LIST_HEADERS] >= g->opt.max_headers &&
	    (v = victim(g, LIST_HEADERS)) >= 0) {
		shut(g, v, m ? &m->http_shut_headers : NULL);
		g->shut_headers++;
	}
	if (g->open - g->shut >= g->opt.threads && (v = victim(g, LIST_IDLE)) >= 0) {
		shut(g, v, m ? &m->http_shut_idle : NULL);
		g->shut_idle++;
	}
	g->conns[fd] = (struct gate_conn){.state = GATE_HEADERS, .client = client};
	list_append(g, LIST_HEADERS, fd);
	if (client) {
		client->open++;
		client->headers++;
	}
	g->open++;
	pthread_mutex_unlock(&g->lock);
	return 1;
}

void http_gate_begin(struct http_gate *g, int fd)
{
	pthread_mutex_lock(&g->lock);
	if (fd >= 0 && fd < g->cap &&
	    (g->conns[fd].state == GATE_HEADERS || g->conns[fd].state == GATE_IDLE)) {
		unlist(g, fd);
		g->conns[fd].state = GATE_BUSY;
	}
	pthread_mutex_unlock(&g->lock);
}

void http_gate_end(struct http_gate *g, int fd)
{
	pthread_mutex_lock(&g->lock);
	if (fd >= 0 && fd < g->cap && g->conns[fd].state == GATE_BUSY) {
		g->conns[fd].state = GATE_IDLE;
		list_append(g, LIST_IDLE, fd);
	}
	pthread_mutex_unlock(&g->lock);
}

void http_gate_closed(struct http_gate *g, int fd)
{
	pthread_mutex_lock(&g->lock);
	if (fd >= 0 && fd < g->cap)
		forget(g, fd);
	pthread_mutex_unlock(&g->lock);
}

void http_gate_stats(struct http_gate *g, struct http_gate_stats *out)
{
	pthread_mutex_lock(&g->lock);
	*out = (struct http_gate_stats){
	    .open = g->open,
	    .headers = g->count[LIST_HEADERS],
	    .idle = g->count[LIST_IDLE],
	    .refused = g->refused,
	    .shut_headers = g->shut_headers,
	    .shut_idle = g->shut_idle,
	};
	pthread_mutex_unlock(&g->lock);
}
