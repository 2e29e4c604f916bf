/*
 * graph.h - a client for Meta's Send API (Graph API) on libcurl.
 *
 * One struct graph_client per sending thread: it owns one CURL easy handle,
 * so the TCP/TLS connection to Graph is kept open and reused between sends.
 * A send is `POST {base_url}/{page_id}/messages` with a JSON body and the
 * page's access token in an "Authorization: Bearer" header (never in the
 * URL, never logged); one token for all pages or one per page id. Connect and total timeouts come
 * from the options.
 *
 * Outbound proxies: libcurl reads the standard environment variables itself
 * (https_proxy / HTTPS_PROXY, http_proxy, ALL_PROXY, no_proxy / NO_PROXY);
 * this client never sets CURLOPT_PROXY, so they apply unchanged.
 *
 * Every answer is classified (graph_classify): sent, transient (retry later:
 * timeouts, connection errors, HTTP 5xx and 429, Meta codes 1, 2, 4, 613,
 * 80006, 1200, 2018321) or permanent (do not retry: 551, 10/2018278, 100,
 * 190, 200, other 4xx), with Meta's code, subcode and message.
 * libcurl's global state must be initialised (curl_global_init) before the
 * first client is made; the server does that once at start-up.
 */
#ifndef BORGERBOT_GRAPH_H
#define BORGERBOT_GRAPH_H

#include <stddef.h>

struct graph_options {
	const char *base_url; /* e.g. "https://graph.facebook.com/v25.0" */
	/* One page access token for every page, or a list
	 * "PAGE_ID=TOKEN,PAGE_ID=TOKEN" (an entry without "PAGE_ID=" is the
	 * default); a page without a token fails permanently (reason "token"). */
	const char *page_token;
	int connect_timeout_ms;
	int timeout_ms; /* whole request, connect included */
	int insecure;   /* skip TLS verification: sandbox on loopback only */
};

enum graph_outcome { GRAPH_SENT, GRAPH_TRANSIENT, GRAPH_PERMANENT };

struct graph_result {
	enum graph_outcome outcome;
	long http_status;     /* 0 when no HTTP answer came */
	int code;             /* Meta's error.code, 0 if none */
	int subcode;          /* Meta's error.error_subcode, 0 if none */
	const char *reason;   /* static label: "sent", "rate_limit", "window_closed" ... */
	char message[300];    /* Meta's error.message or libcurl's error */
	char message_id[128]; /* Meta's message_id on success ("" for sender actions) */
	double seconds;       /* request duration */
};

struct graph_client;

/* libcurl's process-wide state: once before any thread makes a client (the
 * Graph client or the sandbox's loopback poster), and once at the end. */
void graph_global_init(void);
void graph_global_cleanup(void);

struct graph_client *graph_client_new(const struct graph_options *opt, char *err, size_t errlen);
void graph_client_free(struct graph_client *g);

/* Sends one Send API request body (JSON) for page_id (digits, or "me").
 * Always fills res; returns 0 when sent, -1 otherwise. */
int graph_send(struct graph_client *g, const char *page_id, const char *body,
               struct graph_result *res);

/* The same for another endpoint of the page: "pass_thread_control",
 * "take_thread_control" (Conversation Routing; Meta answers {"success": true}). */
int graph_post(struct graph_client *g, const char *page_id, const char *endpoint, const char *body,
               struct graph_result *res);

/* Classifies an HTTP answer with Meta's error code/subcode (0 if none) into
 * res->outcome and res->reason. Pure; used by graph_send and unit tests. */
void graph_classify(long http_status, int code, int subcode, struct graph_result *res);

#endif
