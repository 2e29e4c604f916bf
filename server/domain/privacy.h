/*
 * privacy.h - citizens' data rights: the one module that knows every
 * personal datum the server stores (docs/privacy.md).
 *
 * Delete: privacy_delete() removes, inside the caller's transaction, every
 * row that identifies one citizen (page_id, psid): messages, raw webhook
 * events, outbox rows, drafts, notices, case followers, export links,
 * conversations, the citizen row, and any row of any table linked to their
 * conversations or holding their psid (found generically from the schema,
 * so a new table cannot be forgotten). Cases are public-sector records:
 * they stay, with psid/page_id nulled and the citizen's words and photos
 * replaced by a neutral marker. Afterwards the caller runs
 * store_checkpoint_truncate() so no copy survives in the WAL (connections
 * run with secure_delete, so freed pages are zeroed too).
 *
 * Export: privacy_export() gives the same rows as JSON; export links are
 * random tokens of which only the SHA-256 is stored, valid for a while.
 *
 * Meta's data-deletion callback names an app-scoped user id, not a PSID:
 * privacy_delete_app_user() deletes what is keyed by that id (feed
 * comments and their raw events) and records the request.
 *
 * Retention: privacy_purge() applies the configured periods (see
 * privacy_purge.h for the thread that runs it daily).
 *
 * No function here begins or commits: callers use store_write().
 */
#ifndef BORGERBOT_PRIVACY_H
#define BORGERBOT_PRIVACY_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

#define PRIVACY_TOKEN_HEX 64 /* hex digits of an export token */
#define PRIVACY_CODE_LEN 20  /* characters of a deletion confirmation code */
/* What replaces a citizen's words in a case that is kept. */
#define PRIVACY_REMOVED_MARKER "[fjernet efter borgerens anmodning]"

/* What the bot needs for data requests (dialog_privacy.c, process.c). */
struct privacy_settings {
	const char *public_url; /* "https://borgerbot.kommune.dk", no trailing slash */
	long long export_ttl_ms;
	/* Told after a deletion on request (erased) and after rows of an erased
	 * citizen were dropped later (dropped); privacy_keeper.h. May be NULL. */
	void (*erased)(void *arg);
	void (*dropped)(void *arg);
	void *hook_arg;
};

/* Rows removed or anonymised by one deletion or purge. */
struct privacy_counts {
	long long rows_deleted;     /* every table together */
	long long cases_anonymised; /* cases kept without the citizen */
	long long events_deleted;   /* of rows_deleted: raw webhook events */
};

struct privacy_delete_options {
	/* The event being processed (the worker's savepoint): it is deleted
	 * with the rest, while the citizen's later pending events stay (they
	 * arrived after the request). 0: every event of the citizen goes. */
	long long current_event_id;
	/* Outbox rows with id >= this (the confirmation just queued) stay until
	 * they are sent, then the sender deletes them (erase_when_done). 0:
	 * none kept. */
	long long keep_outbox_from;
	/* Drop Meta's trailing echoes and receipts for this citizen for a
	 * while (privacy_tombstones); new messages are processed normally. */
	int tombstone;
	long long now_ms;
};

/* Deletes everything about (page_id, psid); page_id NULL means every page
 * the psid appears on. Unknown citizens are harmless (counts stay 0).
 * Returns 0, or -1 with err set. */
int privacy_delete(sqlite3 *db, const char *page_id, const char *psid,
                   const struct privacy_delete_options *opt, struct privacy_counts *counts,
                   char *err, size_t errlen);

/* Everything held about (page_id, psid) (page_id NULL: every page) as
 * {"citizen": {"psid": ...}, "tables": {"messages": [row, ...], ...},
 * "summary": {...}}; raw event payloads are parsed JSON. NULL with err set
 * on a database error. */
json_t *privacy_export(sqlite3 *db, const char *page_id, const char *psid, char *err,
                       size_t errlen);

/* Counts for the bot's summary: messages, cases reported, cases followed. */
struct privacy_summary {
	long long messages, cases_reported, cases_followed, events;
};
int privacy_summarise(sqlite3 *db, const char *page_id, const char *psid,
                      struct privacy_summary *out);

/* Creates an export link token for (page_id, psid) valid until now + ttl;
 * writes PRIVACY_TOKEN_HEX hex digits + NUL into token. 0 or -1. */
int privacy_export_token_create(sqlite3 *db, const char *page_id, const char *psid,
                                long long now_ms, long long ttl_ms, char *token, size_t tokenlen);

/* Marks the citizen's outbox rows from from_id on to be deleted by the
 * sender once sent (the reply that carries an export link: the token is
 * not kept in clear beyond its delivery). 0 or -1. */
int privacy_outbox_erase_when_sent(sqlite3 *db, const char *page_id, const char *psid,
                                   long long from_id);

/* Finds a live token: 1 found (page_id, psid written), 0 unknown, expired
 * or malformed, -1 database error. */
int privacy_export_token_find(sqlite3 *db, const char *token, long long now_ms, char *page_id,
                              size_t page_len, char *psid, size_t psid_len);

/* Records a deletion request (source "messenger", "meta_callback", "cli")
 * with its counts and a new confirmation code (PRIVACY_CODE_LEN + 1 bytes).
 * note is static text shown on the status page. 0 or -1. */
int privacy_request_record(sqlite3 *db, const char *source, const struct privacy_counts *c,
                           const char *note, long long now_ms, char *code, size_t codelen);

/* Deletes what is keyed by an app-scoped user id (Meta's callback):
 * feed comments and their events, and a citizen whose psid happens to be
 * the same id. */
int privacy_delete_app_user(sqlite3 *db, const char *user_id, long long now_ms,
                            struct privacy_counts *counts, char *err, size_t errlen);

/* 1 when (page_id, psid) has a live tombstone, 0 when not, -1 on error. */
int privacy_tombstoned(sqlite3 *db, const char *page_id, const char *psid, long long now_ms);

/* Retention periods in days; 0 keeps that kind for ever. */
struct privacy_retention {
	int messages_days;    /* messages, outbox rows, delivered notices; idle citizens */
	int events_days;      /* raw webhook events already processed or parked */
	int closed_case_days; /* personal data of cases closed this long ago */
	int panel_days;       /* panel answers older than this (panel/panel.h) */
};

/* Rows removed by one purge, by kind: the order of the purge metric's
 * labels (core/metrics.h, metrics_purge_kind_name). */
enum privacy_purge_kind {
	PURGE_MESSAGES,
	PURGE_EVENTS,
	PURGE_CITIZENS,
	PURGE_CASES,
	PURGE_OTHER, /* outbox, notices, drafts, expired links and tombstones */
	PURGE_KIND_COUNT
};

/* Applies the retention periods at now_ms inside the caller's transaction;
 * counts[PURGE_KIND_COUNT] gets the rows per kind. 0 or -1 with err set. */
int privacy_purge(sqlite3 *db, const struct privacy_retention *r, long long now_ms,
                  long long counts[PURGE_KIND_COUNT], char *err, size_t errlen);

#endif
