/*
 * graph.c - the Send API client (see graph.h).
 *
 * graph_send: build the URL -> POST the body on the client's reused CURL
 * handle (keep-alive) -> collect at most MAX_RESPONSE bytes -> parse Meta's
 * JSON answer ({"message_id"} or {"error": {code, error_subcode, message}})
 * -> graph_classify(). libcurl errors are transient ("timeout" or
 * "connection"): the outbox retries them.
 */
#include "graph.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RESPONSE ((size_t)64 * 1024)

#define MAX_PAGES 32

/* The request headers for one page: content type and its bearer token. */
struct page_auth {
	char page_id[72]; /* "" = the default token, for any page */
	struct curl_slist *headers;
};

struct graph_client {
	CURL *curl;
	struct page_auth pages[MAX_PAGES];
	int npages;
	char base_url[512];
	char errbuf[CURL_ERROR_SIZE];
	char *resp;
	size_t resp_len;
	int resp_overflow;
};

static struct curl_slist *auth_headers(const char *token, size_t len)
{
	char auth[1200];
	if (len + 32 > sizeof(auth))
		return NULL;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %.*s", (int)len, token);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct curl_slist *h2 = h ? curl_slist_append(h, auth) : NULL;
	struct curl_slist *h3 = h2 ? curl_slist_append(h2, "Expect:") : NULL; /* no 100-continue */
	memset(auth, 0, sizeof(auth));
	if (!h3)
		curl_slist_free_all(h);
	return h3;
}

/* page_token is one token for every page, or "PAGE_ID=TOKEN,PAGE_ID=TOKEN"
 * (an entry without "PAGE_ID=" is the default). */
static int parse_tokens(struct graph_client *g, const char *spec, char *err, size_t errlen)
{
	const char *p = spec;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		struct page_auth *a = &g->pages[g->npages];
		if (g->npages == MAX_PAGES || (eq && (size_t)(eq - p) >= sizeof(a->page_id))) {
			snprintf(err, errlen,
			         "page token list: too many pages or page id too long");
			return -1;
		}
		const char *tok = eq ? eq + 1 : p;
		size_t toklen = n - (size_t)(tok - p);
		if (eq) {
			memcpy(a->page_id, p, (size_t)(eq - p));
			a->page_id[eq - p] = '\0';
		}
		if (toklen == 0 || !(a->headers = auth_headers(tok, toklen))) {
			snprintf(err, errlen, "page token list: empty or oversized token");
			return -1;
		}
		g->npages++;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The headers for page_id: its own token, else the default, else NULL. */
static struct curl_slist *headers_for(struct graph_client *g, const char *page_id)
{
	struct curl_slist *fallback = NULL;
	for (int i = 0; i < g->npages; i++) {
		if (!strcmp(g->pages[i].page_id, page_id))
			return g->pages[i].headers;
		if (!g->pages[i].page_id[0])
			fallback = g->pages[i].headers;
	}
	return fallback;
}

struct graph_client *graph_client_new(const struct graph_options *opt, char *err, size_t errlen)
{
	struct graph_client *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t blen = strlen(opt->base_url);
	while (blen > 0 && opt->base_url[blen - 1] == '/')
		blen--;
	if (blen >= sizeof(g->base_url)) {
		snprintf(err, errlen, "graph_url too long");
		free(g);
		return NULL;
	}
	memcpy(g->base_url, opt->base_url, blen);
	g->base_url[blen] = '\0';
	if (parse_tokens(g, opt->page_token, err, errlen) < 0) {
		graph_client_free(g);
		return NULL;
	}
	g->curl = curl_easy_init();
	if (!g->curl) {
		snprintf(err, errlen, "graph: cannot set up libcurl");
		graph_client_free(g);
		return NULL;
	}
	CURL *c = g->curl;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)opt->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)opt->timeout_ms);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, g->errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "borgerbot/" BORGERBOT_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (opt->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return g;
}

void graph_client_free(struct graph_client *g)
{
	if (!g)
		return;
	if (g->curl)
		curl_easy_cleanup(g->curl);
	for (int i = 0; i < g->npages; i++)
		curl_slist_free_all(g->pages[i].headers);
	free(g->resp);
	free(g);
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct graph_client *g = userdata;
	size_t n = size * nmemb;
	if (g->resp_len + n > MAX_RESPONSE) {
		g->resp_overflow = 1;
		return n; /* keep reading; the body is just not kept */
	}
	char *b = realloc(g->resp, g->resp_len + n + 1);
	if (!b)
		return 0;
	memcpy(b + g->resp_len, ptr, n);
	g->resp = b;
	g->resp_len += n;
	b[g->resp_len] = '\0';
	return n;
}

/* Page ids are digits; "me" addresses the token's page. Nothing else may
 * reach the URL. */
static int valid_page_id(const char *id)
{
	if (!strcmp(id, "me"))
		return 1;
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	return 1;
}

static int is_one_of(int v, const int *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return 1;
	return 0;
}

void graph_classify(long http_status, int code, int subcode, struct graph_result *res)
{
	static const int rate_codes[] = {4, 613, 80006};
	static const int temp_codes[] = {1, 2, 1200, 2018321};
	if (http_status >= 200 && http_status < 300) {
		res->outcome = GRAPH_SENT;
		res->reason = "sent";
		return;
	}
	res->outcome = GRAPH_PERMANENT;
	if (code == 613 && subcode == 2018338) {
		res->reason = "tag_limit"; /* too many tagged messages to one person */
		return;
	}
	if (is_one_of(code, rate_codes, 3)) {
		res->outcome = GRAPH_TRANSIENT;
		res->reason = "rate_limit";
		return;
	}
	if (is_one_of(code, temp_codes, 4)) {
		res->outcome = GRAPH_TRANSIENT;
		res->reason = "temporary";
		return;
	}
	if (code == 10 && (subcode == 2018278 || subcode == 2534022)) {
		res->reason = "window_closed";
		return;
	}
	if (code == 551 || subcode == 1545041 || (code == 10 && subcode == 2018108)) {
		res->reason = "unavailable";
		return;
	}
	if (code == 190) {
		res->reason = "token";
		return;
	}
	if (code == 100) {
		res->reason = "bad_request";
		return;
	}
	if (code == 10 || code == 200) {
		res->reason = "permission";
		return;
	}
	if (http_status >= 500 || http_status == 429 || http_status == 408 || http_status < 200 ||
	    (http_status >= 300 && http_status < 400)) {
		res->outcome = GRAPH_TRANSIENT;
		res->reason = http_status == 429 ? "rate_limit" : "server_error";
		return;
	}
	res->reason = "client_error";
}

static void parse_answer(struct graph_client *g, long status, struct graph_result *res)
{
	json_t *root = g->resp && !g->resp_overflow ? json_loads(g->resp, 0, NULL) : NULL;
	json_t *error = json_object_get(root, "error");
	if (json_is_object(error)) {
		json_t *code = json_object_get(error, "code");
		json_t *sub = json_object_get(error, "error_subcode");
		json_t *msg = json_object_get(error, "message");
		res->code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
		res->subcode = json_is_integer(sub) ? (int)json_integer_value(sub) : 0;
		if (json_is_string(msg))
			snprintf(res->message, sizeof(res->message), "%s", json_string_value(msg));
	}
	json_t *mid = json_object_get(root, "message_id");
	if (json_is_string(mid))
		snprintf(res->message_id, sizeof(res->message_id), "%s", json_string_value(mid));
	graph_classify(status, res->code, res->subcode, res);
	if (res->outcome != GRAPH_SENT && !res->message[0])
		snprintf(res->message, sizeof(res->message), "HTTP %ld", status);
	json_decref(root);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int graph_send(struct graph_client *g, const char *page_id, const char *body,
               struct graph_result *res)
{
	return graph_post(g, page_id, "messages", body, res);
}

int graph_post(struct graph_client *g, const char *page_id, const char *endpoint, const char *body,
               struct graph_result *res)
{
	*res = (struct graph_result){.outcome = GRAPH_PERMANENT, .reason = "bad_request"};
	if (!valid_page_id(page_id)) {
		snprintf(res->message, sizeof(res->message), "invalid page id");
		return -1;
	}
	struct curl_slist *headers = headers_for(g, page_id);
	if (!headers) {
		res->reason = "token";
		snprintf(res->message, sizeof(res->message), "no page access token for page %s",
		         page_id);
		return -1;
	}
	char url[700];
	snprintf(url, sizeof(url), "%s/%s/%s", g->base_url, page_id, endpoint);
	CURL *c = g->curl;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	g->resp_len = 0;
	g->resp_overflow = 0;
	g->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CURLcode rc = curl_easy_perform(c);
	res->seconds = seconds_since(&t0);
	if (rc != CURLE_OK) {
		res->outcome = GRAPH_TRANSIENT;
		res->reason = rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection";
		snprintf(res->message, sizeof(res->message), "%s",
		         g->errbuf[0] ? g->errbuf : curl_easy_strerror(rc));
		return -1;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	res->http_status = status;
	parse_answer(g, status, res);
	return res->outcome == GRAPH_SENT ? 0 : -1;
}

void graph_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void graph_global_cleanup(void)
{
	curl_global_cleanup();
}
