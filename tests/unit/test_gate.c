/*
 * test_gate.c - the connection gate on real sockets (socket pairs stand in
 * for accepted connections, with chosen peer addresses): the per-client
 * bound and its release on close, IPv6 clients by /64, trusted proxies
 * exempt, the header bound shutting down the heaviest client's connection,
 * idle connections shut down when every thread is taken, and stale socket
 * numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/gate.h"
#include "http/proxy.h"

struct pair {
	int server, client;
};

static struct pair open_pair(void)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	return (struct pair){sv[0], sv[1]};
}

/* 1 if the gate shut the server end down (the client end reads EOF). */
static int was_shut(struct pair p)
{
	char c;
	return recv(p.client, &c, 1, MSG_DONTWAIT) == 0;
}

static void close_pair(struct http_gate *g, struct pair p)
{
	http_gate_closed(g, p.server);
	close(p.server);
	close(p.client);
}

static struct sockaddr_in v4(const char *addr)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(40000)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	return sa;
}

static int admit4(struct http_gate *g, struct pair p, const char *addr)
{
	struct sockaddr_in sa = v4(addr);
	return http_gate_admit(g, p.server, (struct sockaddr *)&sa, sizeof(sa));
}

static int admit6(struct http_gate *g, struct pair p, const char *addr)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, addr, &sa.sin6_addr);
	return http_gate_admit(g, p.server, (struct sockaddr *)&sa, sizeof(sa));
}

static void test_per_client_bound(void **state)
{
	(void)state;
	struct http_gate_options o = {.threads = 64, .max_per_client = 3, .max_headers = 60};
	struct http_gate *g = http_gate_new(&o);
	struct pair p[5];
	for (int i = 0; i < 5; i++)
		p[i] = open_pair();
	for (int i = 0; i < 3; i++)
		assert_int_equal(admit4(g, p[i], "192.0.2.1"), 1);
	assert_int_equal(admit4(g, p[3], "192.0.2.1"), 0); /* a fourth: refused */
	assert_int_equal(admit4(g, p[4], "192.0.2.2"), 1); /* another client is free */
	close_pair(g, p[0]);                               /* one closes: room again */
	struct pair q = open_pair();
	assert_int_equal(admit4(g, q, "192.0.2.1"), 1);
	struct http_gate_stats st;
	http_gate_stats(g, &st);
	assert_int_equal(st.open, 4);
	assert_int_equal(st.refused, 1);
	for (int i = 1; i < 5; i++)
		close_pair(g, p[i]);
	close_pair(g, q);
	http_gate_stats(g, &st);
	assert_int_equal(st.open, 0); /* p[3] was refused: never followed */
	http_gate_free(g);
}

static void test_ipv6_by_prefix_and_proxies_exempt(void **state)
{
	(void)state;
	struct http_proxies *proxies = NULL;
	char err[128];
	assert_int_equal(http_proxies_parse("10.0.0.5", &proxies, err, sizeof(err)), 0);
	struct http_gate_options o = {
	    .threads = 64, .max_per_client = 2, .max_headers = 60, .proxies = proxies};
	struct http_gate *g = http_gate_new(&o);
	struct pair p[8];
	for (int i = 0; i < 8; i++)
		p[i] = open_pair();
	/* two addresses of one /64 are one client */
	assert_int_equal(admit6(g, p[0], "2001:db8:1:2::1"), 1);
	assert_int_equal(admit6(g, p[1], "2001:db8:1:2::ffff"), 1);
	assert_int_equal(admit6(g, p[2], "2001:db8:1:2:abcd::9"), 0);
	assert_int_equal(admit6(g, p[3], "2001:db8:1:3::1"), 1); /* the next /64 */
	/* every connection through a trusted proxy comes from it: no bound */
	for (int i = 4; i < 8; i++)
		assert_int_equal(admit4(g, p[i], "10.0.0.5"), 1);
	for (int i = 0; i < 8; i++)
		close_pair(g, p[i]);
	http_gate_free(g);
	http_proxies_free(proxies);
}

static void test_header_bound_sheds_heaviest_client(void **state)
{
	(void)state;
	struct http_gate_options o = {.threads = 64, .max_per_client = 0, .max_headers = 4};
	struct http_gate *g = http_gate_new(&o);
	struct pair legit = open_pair();
	assert_int_equal(admit4(g, legit, "192.0.2.10"), 1); /* the oldest */
	struct pair slow[3];
	for (int i = 0; i < 3; i++) {
		slow[i] = open_pair();
		assert_int_equal(admit4(g, slow[i], "198.51.100.7"), 1);
	}
	struct pair next = open_pair();
	assert_int_equal(admit4(g, next, "203.0.113.1"), 1); /* the fifth short of headers */
	assert_false(was_shut(legit));                       /* not the oldest: the heaviest */
	assert_true(was_shut(slow[0]));
	assert_false(was_shut(slow[1]));
	/* a connection past its headers no longer counts */
	http_gate_begin(g, legit.server);
	struct http_gate_stats st;
	http_gate_stats(g, &st);
	assert_int_equal(st.headers, 3);
	assert_int_equal(st.shut_headers, 1);
	close_pair(g, legit);
	close_pair(g, next);
	for (int i = 0; i < 3; i++)
		close_pair(g, slow[i]);
	http_gate_stats(g, &st);
	assert_int_equal(st.open, 0);
	http_gate_free(g);
}

static void test_idle_shed_when_threads_taken(void **state)
{
	(void)state;
	struct http_gate_options o = {.threads = 3, .max_per_client = 0, .max_headers = 0};
	struct http_gate *g = http_gate_new(&o);
	struct pair busy = open_pair(), idle1 = open_pair(), idle2 = open_pair();
	assert_int_equal(admit4(g, busy, "192.0.2.1"), 1);
	assert_int_equal(admit4(g, idle1, "192.0.2.2"), 1);
	assert_int_equal(admit4(g, idle2, "192.0.2.2"), 1);
	http_gate_begin(g, busy.server); /* a request runs */
	for (int i = 0; i < 2; i++) {
		struct pair p = i ? idle2 : idle1;
		http_gate_begin(g, p.server);
		http_gate_end(g, p.server); /* answered, now idle */
	}
	struct pair waiting = open_pair();
	assert_int_equal(admit4(g, waiting, "192.0.2.3"), 1);
	assert_true(was_shut(idle1)); /* the oldest idle of the heaviest client */
	assert_false(was_shut(idle2));
	assert_false(was_shut(busy)); /* a running request is never cut */
	/* an idle connection that sends a request is busy again */
	http_gate_begin(g, idle2.server);
	struct pair more = open_pair();
	assert_int_equal(admit4(g, more, "192.0.2.4"), 1);
	assert_false(was_shut(idle2));
	struct http_gate_stats st;
	http_gate_stats(g, &st);
	assert_int_equal(st.shut_idle, 1);
	struct pair all[] = {busy, idle1, idle2, waiting, more};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		close_pair(g, all[i]);
	http_gate_free(g);
}

static void test_stale_and_unknown_sockets(void **state)
{
	(void)state;
	struct http_gate_options o = {.threads = 8, .max_per_client = 1, .max_headers = 4};
	struct http_gate *g = http_gate_new(&o);
	struct pair p = open_pair();
	assert_int_equal(admit4(g, p, "192.0.2.1"), 1);
	/* the same socket number admitted again (closed past the gate): the old
	 * entry is forgotten, so the client is not counted twice */
	assert_int_equal(admit4(g, p, "192.0.2.1"), 1);
	http_gate_begin(g, 100000); /* never admitted: ignored */
	http_gate_end(g, -1);
	http_gate_closed(g, 99999);
	close_pair(g, p);
	struct http_gate_stats st;
	http_gate_stats(g, &st);
	assert_int_equal(st.open, 0);
	http_gate_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_per_client_bound),
	    cmocka_unit_test(test_ipv6_by_prefix_and_proxies_exempt),
	    cmocka_unit_test(test_header_bound_sheds_heaviest_client),
	    cmocka_unit_test(test_idle_shed_when_threads_taken),
	    cmocka_unit_test(test_stale_and_unknown_sockets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
