/*
 * envelope.h - turns a verified webhook body into a list of events to store.
 *
 * Meta's body is {"object":"page","entry":[{"id","time","messaging"|"standby"|
 * "changes":[...]}]}. Each item of those arrays becomes one struct event with
 * the fields the store indexes (page, citizen, Meta's timestamp, a kind name
 * and a de-duplication key) plus the item itself as compact JSON.
 */
#ifndef BORGERBOT_ENVELOPE_H
#define BORGERBOT_ENVELOPE_H

#include <stddef.h>

struct event {
	char *page_id;
	const char *source; /* "messaging", "standby" or "changes" (static) */
	const char *kind;   /* "message", "echo", "postback", ... (static) */
	char *sender_id;    /* may be "" */
	char *recipient_id; /* may be "" */
	char *citizen_id;   /* the citizen the event is about, "" if none */
	long long ts_ms;    /* Meta's timestamp in milliseconds */
	char *dedup_key;    /* "m:<mid>" or "h:<sha256 of the event>" */
	char *payload;      /* the item as compact JSON */
};

struct event_list {
	struct event *items;
	size_t count;
	size_t cap;
};

enum envelope_status {
	ENVELOPE_OK = 0,
	ENVELOPE_NOT_JSON, /* body is not a JSON object */
	ENVELOPE_NOT_PAGE, /* object is not "page" or entry is not an array */
	ENVELOPE_NO_MEMORY,
};

/* A timestamp further ahead of the server's clock than this is replaced by now. */
#define ENVELOPE_FUTURE_MS (10LL * 60 * 1000)

/* Parses body into out (which must be zeroed) at now_ms (the server's clock,
 * for clamping timestamps; 0 = no clamping of future ones). On failure out
 * is empty and err says why, without quoting the body. An entry or item that
 * is not an object refuses the whole body (ENVELOPE_NOT_PAGE). A body with
 * no events at all is ENVELOPE_OK with count 0. */
enum envelope_status envelope_parse(const char *body, size_t len, long long now_ms,
                                    struct event_list *out, char *err, size_t errlen);

void event_list_free(struct event_list *list);

#endif
