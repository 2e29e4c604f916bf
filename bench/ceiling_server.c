/*
 * ceiling_server.c - the ingest benchmark's ceiling: CivetWeb doing nothing.
 *
 * The server's own HTTP layer (server/http/http.c: the same CivetWeb build and
 * options, keep-alive, tcp_nodelay, 64 worker threads by default), and a
 * /webhook handler that reads the whole body and answers 200
 * "EVENT_RECEIVED" with the server's reply helper, checking nothing and
 * storing nothing. What
 * the real server reaches is compared with this, measured in the same run on
 * the same machine (see bench/ingest_bench.py and docs/benchmarks.md).
 *
 * usage: ceiling_server [--threads N] HOST:PORT
 * Runs until SIGTERM or SIGINT. Prints one line "ready HOST:PORT" on stdout
 * once it listens.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static int webhook(struct http_req *req, void *cbdata)
{
	(void)cbdata;
	char *body;
	size_t len;
	/* Read the body as the real handler does, then drop it. */
	if (http_read_body(req, (size_t)1 << 20, &body, &len) == HTTP_BODY_OK)
		free(body);
	return http_reply(req, 200, "text/plain; charset=utf-8", "EVENT_RECEIVED", 14, NULL);
}

int main(int argc, char **argv)
{
	int threads = 64;
	const char *listen = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !listen)
			listen = argv[i];
		else {
			listen = NULL;
			break;
		}
	}
	if (!listen || threads < 1) {
		fprintf(stderr, "usage: ceiling_server [--threads N] HOST:PORT\n");
		return 2;
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct http_options opt = {.listen = listen, .listen_tls = "", .threads = threads};
	char err[512];
	struct http *h = http_start(&opt, err, sizeof(err));
	if (!h) {
		fprintf(stderr, "ceiling_server: %s\n", err);
		return 1;
	}
	http_route(h, "/webhook$", webhook, NULL);
	printf("ready %s\n", listen);
	fflush(stdout);

	int sig = 0;
	sigwait(&set, &sig);
	http_stop(h);
	return 0;
}
