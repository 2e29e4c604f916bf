/*
 * envelope.c - parses Meta's webhook envelope into events (see envelope.h).
 *
 * Flow: body -> jansson -> for each entry, for each item of messaging[],
 * standby[] and changes[] (objects only, else the whole body is refused)
 * -> classify the item's kind, pick the citizen (the
 * sender, or the recipient for the page's own echoes), the timestamp (ms; a
 * seconds value is scaled) and a de-duplication key -> struct event. Unknown
 * kinds are kept as "unknown": they are stored and ignored, never rejected.
 */
#include "envelope.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

/* Keys of a messaging item that name its kind, checked in this order. */
static const struct {
	const char *key;
	const char *kind;
} kinds[] = {
    {"message", "message"},
    {"postback", "postback"},
    {"reaction", "reaction"},
    {"message_edit", "edit"},
    {"delivery", "delivery"},
    {"read", "read"},
    {"referral", "referral"},
    {"optin", "optin"},
    {"pass_thread_control", "pass_thread_control"},
    {"take_thread_control", "take_thread_control"},
    {"request_thread_control", "request_thread_control"},
    {"app_roles", "app_roles"},
    {"policy_enforcement", "policy_enforcement"},
    {"account_linking", "account_linking"},
    {"messaging_feedback", "feedback"},
    {"response_feedback", "feedback"},
};

static const char *item_kind(json_t *item)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		json_t *v = json_object_get(item, kinds[i].key);
		if (!v)
			continue;
		if (strcmp(kinds[i].kind, "message") == 0 &&
		    json_is_true(json_object_get(v, "is_echo")))
			return "echo";
		return kinds[i].kind;
	}
	return "unknown";
}

static const char *str_or_empty(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "";
}

/* An id may come as a string or, from some test tools, as a number. */
static char *id_dup(json_t *v)
{
	char buf[32];
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	return strdup(str_or_empty(v));
}

static char *party_id(json_t *item, const char *role)
{
	json_t *p = json_object_get(item, role);
	json_t *id = json_object_get(p, "id");
	if (!id)
		id = json_object_get(p, "user_ref");
	return id_dup(id);
}

/* Meta's timestamp in ms: an integer (Messenger sends milliseconds,
 * generic Graph webhooks seconds), clamped to now_ms when it is missing,
 * not a positive integer or more than ENVELOPE_FUTURE_MS ahead, so a forged
 * 1e300 or INT64_MAX cannot hold Meta's 24-hour window open for ever. */
static long long to_ms(json_t *v, long long now_ms)
{
	long long t = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
	if (t > 0 && t < 100000000000LL)
		t *= 1000;
	if (t <= 0 || (now_ms > 0 && t > now_ms + ENVELOPE_FUTURE_MS))
		return now_ms;
	return t;
}

static char *hash_key(const char *payload, const char *kind, const char *page)
{
	unsigned char d[32];
	unsigned int dlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return NULL;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, kind, strlen(kind) + 1);
	EVP_DigestUpdate(ctx, page, strlen(page) + 1);
	EVP_DigestUpdate(ctx, payload, strlen(payload));
	EVP_DigestFinal_ex(ctx, d, &dlen);
	EVP_MD_CTX_free(ctx);
	char *out = malloc(2 + 2 * sizeof(d) + 1);
	if (!out)
		return NULL;
	out[0] = 'h';
	out[1] = ':';
	hex_encode(d, sizeof(d), out + 2);
	return out;
}

static char *prefixed(const char *prefix, const char *value)
{
	size_t n = strlen(prefix) + strlen(value) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s", prefix, value);
	return s;
}

/* Message-like events carry Meta's own id; the rest are keyed by content. */
static char *dedup_key(json_t *item, const char *kind, const char *page, const char *payload)
{
	if (!strcmp(kind, "message") || !strcmp(kind, "echo")) {
		const char *mid =
		    str_or_empty(json_object_get(json_object_get(item, "message"), "mid"));
		if (*mid)
			return prefixed("m:", mid);
	}
	if (!strcmp(kind, "postback")) {
		const char *mid =
		    str_or_empty(json_object_get(json_object_get(item, "postback"), "mid"));
		if (*mid)
			return prefixed("p:", mid);
	}
	return hash_key(payload, kind, page);
}

static int list_push(struct event_list *list, struct event *ev)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct event *items = realloc(list->items, cap * sizeof(*items));
		if (!items)
			return -1;
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = *ev;
	return 0;
}

static void event_free(struct event *ev)
{
	free(ev->page_id);
	free(ev->sender_id);
	free(ev->recipient_id);
	free(ev->citizen_id);
	free(ev->dedup_key);
	free(ev->payload);
}

static int add_messaging(struct event_list *out, const char *page, json_t *entry_time,
                         const char *source, json_t *item, long long now_ms)
{
	struct event ev = {0};
	ev.source = source;
	ev.kind = item_kind(item);
	ev.page_id = strdup(page);
	ev.sender_id = party_id(item, "sender");
	ev.recipient_id = party_id(item, "recipient");
	json_t *ts = json_object_get(item, "timestamp");
	ev.ts_ms = to_ms(ts ? ts : entry_time, now_ms);
	ev.payload = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (ev.sender_id && ev.recipient_id)
		ev.citizen_id =
		    strdup(strcmp(ev.kind, "echo") == 0 ? ev.recipient_id : ev.sender_id);
	if (ev.page_id && ev.payload)
		ev.dedup_key = dedup_key(item, ev.kind, page, ev.payload);
	if (!ev.page_id || !ev.sender_id || !ev.recipient_id || !ev.citizen_id || !ev.payload ||
	    !ev.dedup_key || list_push(out, &ev) < 0) {
		event_free(&ev);
		return -1;
	}
	return 0;
}

static int add_change(struct event_list *out, const char *page, json_t *entry_time, json_t *item,
                      long long now_ms)
{
	struct event ev = {0};
	json_t *value = json_object_get(item, "value");
	ev.source = "changes";
	ev.kind = "change";
	ev.page_id = strdup(page);
	ev.sender_id = id_dup(json_object_get(json_object_get(value, "from"), "id"));
	ev.recipient_id = strdup(page);
	ev.citizen_id = ev.sender_id ? strdup(ev.sender_id) : NULL;
	json_t *ct = json_object_get(value, "created_time");
	ev.ts_ms = to_ms(ct ? ct : entry_time, now_ms);
	ev.payload = json_dumps(item, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (ev.payload)
		ev.dedup_key = hash_key(ev.payload, ev.kind, page);
	if (!ev.page_id || !ev.sender_id || !ev.recipient_id || !ev.citizen_id || !ev.payload ||
	    !ev.dedup_key || list_push(out, &ev) < 0) {
		event_free(&ev);
		return -1;
	}
	return 0;
}

/* 1 if arr is absent or an array of objects only. */
static int items_ok(json_t *arr)
{
	size_t i;
	json_t *item;
	if (arr && !json_is_array(arr))
		return 0;
	json_array_foreach(arr, i, item)
	{
		if (!json_is_object(item))
			return 0;
	}
	return 1;
}

static int entry_ok(json_t *entry)
{
	return json_is_object(entry) && items_ok(json_object_get(entry, "messaging")) &&
	       items_ok(json_object_get(entry, "standby")) &&
	       items_ok(json_object_get(entry, "changes"));
}

static int add_entry(struct event_list *out, json_t *entry, long long now_ms)
{
	char *page = id_dup(json_object_get(entry, "id"));
	if (!page)
		return -1;
	json_t *etime = json_object_get(entry, "time");
	static const char *const arrays[] = {"messaging", "standby"};
	int rc = 0;
	for (size_t a = 0; a < 2 && rc == 0; a++) {
		json_t *arr = json_object_get(entry, arrays[a]);
		size_t i;
		json_t *item;
		json_array_foreach(arr, i, item)
		{
			if ((rc = add_messaging(out, page, etime, arrays[a], item, now_ms)) < 0)
				break;
		}
	}
	json_t *changes = json_object_get(entry, "changes");
	size_t i;
	json_t *item;
	json_array_foreach(changes, i, item)
	{
		if (rc < 0 || (rc = add_change(out, page, etime, item, now_ms)) < 0)
			break;
	}
	free(page);
	return rc;
}

enum envelope_status envelope_parse(const char *body, size_t len, long long now_ms,
                                    struct event_list *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	if (!root || !json_is_object(root)) {
		if (root)
			snprintf(err, errlen, "body is not a JSON object");
		else
			/* not jerr.text: it may quote the citizen's words */
			snprintf(err, errlen, "invalid JSON at line %d column %d", jerr.line,
			         jerr.column);
		json_decref(root);
		return ENVELOPE_NOT_JSON;
	}
	json_t *object = json_object_get(root, "object");
	json_t *entries = json_object_get(root, "entry");
	if (!json_is_string(object) || strcmp(json_string_value(object), "page") != 0 ||
	    !json_is_array(entries)) {
		snprintf(err, errlen, "not a page object with an entry array");
		json_decref(root);
		return ENVELOPE_NOT_PAGE;
	}
	size_t i;
	json_t *entry;
	json_array_foreach(entries, i, entry)
	{
		if (!entry_ok(entry)) { /* signed junk is refused whole, not parked */
			snprintf(err, errlen, "entry %zu is not an object of arrays of objects", i);
			event_list_free(out);
			json_decref(root);
			return ENVELOPE_NOT_PAGE;
		}
	}
	json_array_foreach(entries, i, entry)
	{
		if (add_entry(out, entry, now_ms) < 0) {
			snprintf(err, errlen, "out of memory");
			event_list_free(out);
			json_decref(root);
			return ENVELOPE_NO_MEMORY;
		}
	}
	json_decref(root);
	return ENVELOPE_OK;
}

void event_list_free(struct event_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		event_free(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
