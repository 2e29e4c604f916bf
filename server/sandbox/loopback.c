/*
 * loopback.c - webhook events for the sandbox and `borgerbot chat`, and
 * the signed poster that delivers them (see loopback.h).
 *
 * An event is {"object": "page", "entry": [{"id": PAGE, "time": T,
 * "messaging": [ITEM]}]} with ITEM = {"sender": {"id": PSID}, "recipient":
 * {"id": PAGE}, "timestamp": T} plus "message": {"mid", "text"[,
 * "quick_reply": {"payload"}]} or "postback": {"mid", "payload", "title"},
 * the shapes inbox/envelope.c reads. It is written ASCII-only, so the
 * signature covers exactly the bytes sent whatever the terminal's encoding.
 */
#include "loopback.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hex.h"
#include "inbox/signature.h"

#define MID_RANDOM_BYTES 12
#define MAX_REPLY_BYTES ((size_t)4 * 1024 * 1024)

/* ---- events ------------------------------------------------------------- */

/* prefix + 2 * MID_RANDOM_BYTES hex digits into out; -1 without randomness. */
static int new_mid(const char *prefix, char *out, size_t size)
{
	unsigned char r[MID_RANDOM_BYTES];
	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	size_t n = strlen(prefix);
	if (n + 2 * sizeof(r) + 1 > size)
		return -1;
	memcpy(out, prefix, n + 1); /* hex_encode writes on from the NUL */
	hex_encode(r, sizeof(r), out + n);
	return 0;
}

/* A JSON string of text, or U+FFFD if text is not valid UTF-8. */
static json_t *text_or_replacement(const char *text)
{
	json_t *s = json_string(text ? text : "");
	return s ? s : json_string("\xef\xbf\xbd");
}

static json_t *event_body(const struct loopback_event *ev, const char *mid)
{
	if (ev->postback)
		return json_pack("{s:s, s:s?, s:o}", "mid", mid, "payload", ev->payload, "title",
		                 text_or_replacement(ev->text));
	json_t *msg = json_pack("{s:s, s:o}", "mid", mid, "text", text_or_replacement(ev->text));
	if (msg && ev->payload)
		json_object_set_new(msg, "quick_reply", json_pack("{s:s}", "payload", ev->payload));
	return msg;
}

char *loopback_event_json(const struct loopback_event *ev)
{
	char mid[128];
	if (new_mid(ev->mid_prefix ? ev->mid_prefix : "m_", mid, sizeof(mid)) < 0)
		return NULL;
	json_int_t now = (json_int_t)(ev->time_ms ? ev->time_ms : clock_now_ms());
	json_t *body = event_body(ev, mid);
	if (!body)
		return NULL;
	json_t *item =
	    json_pack("{s:{s:s}, s:{s:s}, s:I, s:o}", "sender", "id", ev->psid, "recipient", "id",
	              ev->page_id, "timestamp", now, ev->postback ? "postback" : "message", body);
	json_t *root = json_pack("{s:s, s:[{s:s, s:I, s:[o]}]}", "object", "page", "entry", "id",
	                         ev->page_id, "time", now, "messaging", item);
	char *s = root ? json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	json_decref(root);
	return s;
}

/* ---- the poster ---------------------------------------------------------- */

struct loopback {
	struct loopback_options opt;
	char server_url[300];
	char app_secret[256];
	CURL *curl;
};

struct reply_buf {
	char *data;
	size_t len;
};

int loopback_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void loopback_global_cleanup(void)
{
	curl_global_cleanup();
}

struct loopback *loopback_new(const struct loopback_options *opt)
{
	struct loopback *lb = calloc(1, sizeof(*lb));
	if (!lb)
		return NULL;
	lb->opt = *opt;
	snprintf(lb->server_url, sizeof(lb->server_url), "%s", opt->server_url);
	snprintf(lb->app_secret, sizeof(lb->app_secret), "%s",
	         opt->app_secret ? opt->app_secret : "");
	lb->opt.server_url = lb->server_url;
	lb->opt.app_secret = lb->app_secret;
	lb->curl = curl_easy_init();
	if (!lb->curl) {
		free(lb);
		return NULL;
	}
	return lb;
}

void loopback_free(struct loopback *lb)
{
	if (!lb)
		return;
	curl_easy_cleanup(lb->curl);
	free(lb);
}

/* libcurl write callback: ptr stays non-const to match curl_write_callback. */
// NOLINTNEXTLINE(readability-non-const-parameter)
static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct reply_buf *b = userdata;
	size_t n = size * nmemb;
	if (!b)
		return n; /* answer not wanted */
	if (b->len + n > MAX_REPLY_BYTES)
		return 0; /* refuse absurd answers */
	char *d = realloc(b->data, b->len + n + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, ptr, n);
	b->len += n;
	d[b->len] = '\0';
	b->data = d;
	return n;
}

/* One request on the reused handle; headers and body only for a POST. */
static long perform(struct loopback *lb, const char *path, struct curl_slist *headers,
                    const char *body, struct reply_buf *out)
{
	char url[700];
	snprintf(url, sizeof(url), "%s%s", lb->server_url, path);
	CURL *c = lb->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, lb->opt.timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* this server, never via a proxy */
	if (lb->opt.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (body) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

long loopback_post_event(struct loopback *lb, const char *body)
{
	char sig[80], header[128];
	signature_sign(lb->app_secret, body, strlen(body), sig);
	snprintf(header, sizeof(header), "X-Hub-Signature-256: %s", sig);
	struct curl_slist *headers = curl_slist_append(NULL, header);
	struct curl_slist *both =
	    headers ? curl_slist_append(headers, "Content-Type: application/json") : NULL;
	if (!both) {
		curl_slist_free_all(headers);
		return 0;
	}
	long status = perform(lb, "/webhook", both, body, NULL);
	curl_slist_free_all(both);
	return status;
}

long loopback_get(struct loopback *lb, const char *path, char **reply)
{
	struct reply_buf b = {0};
	long status = perform(lb, path, NULL, NULL, &b);
	if (status == 0) {
		free(b.data);
		b.data = NULL;
	}
	*reply = b.data;
	return status;
}
