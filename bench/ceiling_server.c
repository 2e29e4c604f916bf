/*
 * ceiling_server.c - the ingest benchmark's ceiling: CivetWeb doing nothing.
 *
 * Same CivetWeb build (target `civetweb`) and the same HTTP options as
 * server/http.c (keep-alive, tcp_nodelay 1, 64 worker threads by default),
 * and a /webhook handler that reads the whole body and answers 200
 * "EVENT_RECEIVED" in one write, checking nothing and storing nothing. What
 * the real server reaches is compared with this, measured in the same run on
 * the same machine (see bench/ingest_bench.py and docs/benchmarks.md).
 *
 * usage: ceiling_server [--threads N] HOST:PORT
 * Runs until SIGTERM or SIGINT. Prints one line "ready HOST:PORT" on stdout
 * once it listens.
 */
#include <civetweb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int webhook(struct mg_connection *conn, void *cbdata)
{
	(void)cbdata;
	char buf[16384];
	/* Read (and drop) the body, as the real handler reads it. */
	while (mg_read(conn, buf, sizeof(buf)) > 0)
		;
	static const char reply[] = "HTTP/1.1 200 OK\r\n"
	                            "Content-Type: text/plain; charset=utf-8\r\n"
	                            "Content-Length: 14\r\n"
	                            "Cache-Control: no-store\r\n"
	                            "X-Content-Type-Options: nosniff\r\n"
	                            "\r\n"
	                            "EVENT_RECEIVED";
	mg_write(conn, reply, sizeof(reply) - 1);
	return 200;
}

static int quiet(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	fprintf(stderr, "ceiling_server: %s\n", message);
	return 1;
}

int main(int argc, char **argv)
{
	const char *threads = "64";
	const char *listen = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = argv[++i];
		else if (argv[i][0] != '-' && !listen)
			listen = argv[i];
		else {
			listen = NULL;
			break;
		}
	}
	if (!listen) {
		fprintf(stderr, "usage: ceiling_server [--threads N] HOST:PORT\n");
		return 2;
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	const char *options[] = {
	    "listening_ports",
	    listen,
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
	    "enable_directory_listing",
	    "no",
	    NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof(cb));
	cb.log_message = quiet;
	mg_init_library(0);
	struct mg_context *ctx = mg_start(&cb, NULL, options);
	if (!ctx) {
		fprintf(stderr, "ceiling_server: cannot listen on %s\n", listen);
		return 1;
	}
	mg_set_request_handler(ctx, "/webhook$", webhook, NULL);
	printf("ready %s\n", listen);
	fflush(stdout);

	int sig = 0;
	sigwait(&set, &sig);
	mg_stop(ctx);
	mg_exit_library();
	return 0;
}
