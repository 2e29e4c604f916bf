/*
 * case.h - citizens' fault reports as cases for the right department.
 *
 * A case has a category (the intent: streetlight_outage, road_damage,
 * waste_collection for a missed collection), a place (street, house number,
 * pole number, location), the citizen's words and photos, the department
 * from the routing table, a status (open, in_progress, resolved, rejected)
 * and a reference the citizen can quote, "TM-2026-00123" (sequential per
 * year in Copenhagen time). Citizens who report a fault that is already open
 * become followers of that case; reporter and followers are told when staff
 * resolve or reject it (notices, see case_notices_*).
 *
 * The rules (routing table, texts, "not a fault" knowledge, reference
 * prefix) are loaded from the municipality's data folder and are read-only
 * afterwards, so any thread may use them. Functions taking a sqlite3 handle
 * never begin or commit a transaction: the caller runs them inside its own
 * write transaction (the worker's savepoint, or a store_write() in the staff
 * API and CLI), so a case and whatever the
 * caller records with it commit together.
 */
#ifndef BORGERBOT_CASE_H
#define BORGERBOT_CASE_H

#include <sqlite3.h>
#include <stddef.h>

/* Return codes of the functions below. */
#define CASE_OK 0
#define CASE_ERROR (-1)     /* database error; err says which */
#define CASE_INVALID (-2)   /* bad input: unknown category or status, field too long ... */
#define CASE_NOT_FOUND (-3) /* no case with that reference */
#define CASE_CONFLICT (-4)  /* the case already has that status */
#define CASE_BUSY (-5)      /* the write transaction could not begin; try again */

#define CASE_MAX_TEXT 4000   /* bytes of the citizen's words kept */
#define CASE_MAX_PHOTOS 8192 /* bytes of the photo URL JSON array */

/* ---- rules: data/municipality folder -> read-only tables -------------- */

struct case_category {
	const char *code;          /* "streetlight_outage"; also the Open311 service_code */
	const char *department;    /* "Vej og Park" */
	const char *name;          /* Danish service name, "Gadelys" */
	const char *description;   /* one line for Open311 services.json */
	int pole_number;           /* the category has a pole-number attribute */
	const char *subject;       /* "gadelyset på {street}" */
	const char *resolved_text; /* "Gadelyset på {street} er repareret" */
	const char *subject_en;    /* "the street light on {street}", or NULL */
};

struct case_rules;

/* Loads categories.csv, not_a_fault.csv and cases.txt from dir (see
 * docs/cases.md). NULL with "FILE:LINE: reason" in err on failure. */
struct case_rules *case_rules_load(const char *dir, char *err, size_t errlen);
void case_rules_free(struct case_rules *r);
size_t case_rules_count(const struct case_rules *r);
const struct case_category *case_rules_at(const struct case_rules *r, size_t i);
const struct case_category *case_rules_find(const struct case_rules *r, const char *code);
const char *case_rules_prefix(const struct case_rules *r); /* "TM" */

/*
 * "Not a fault": the explanation (in lang: "en" gives the English one when
 * the file has it, else Danish) when this report describes something
 * the municipality does on purpose (e.g. street lights switched off 01-05 on
 * some roads), considering Copenhagen local time at now_ms (0 = now); NULL
 * when it may be a fault. street and area may be NULL.
 */
const char *case_not_a_fault(const struct case_rules *r, const char *category, const char *street,
                             const char *area, const char *lang, long long now_ms);

/* ---- filing ------------------------------------------------------------ */

struct case_report {
	const char *category;     /* a category code from the rules */
	const char *street;       /* canonical street name or NULL */
	const char *house_number; /* "12", "12B" or NULL */
	const char *pole_number;  /* or NULL */
	int has_location;         /* lat/lon below are set */
	double lat, lon;
	const char *text;        /* the citizen's words (cut at CASE_MAX_TEXT) */
	const char *photos_json; /* JSON array of photo URLs, or NULL */
	const char *source;      /* "messenger", "open311" or "staff" */
	const char *page_id;     /* the reporting citizen, or NULL (Open311) */
	const char *psid;
	long long now_ms; /* 0 = now */
};

struct case_result {
	long long case_id;
	char reference[32];
	char department[64];
	char status[16];
	int existing;          /* 1: an open case already covered it; the citizen now follows it */
	int already_following; /* 1: this citizen had already reported or followed that case */
};

/*
 * Files a report: when an open or in-progress case of the same category
 * covers the same place (same pole number; or same street with house numbers
 * at most duplicate_house_distance apart or either unknown; or locations
 * within duplicate_metres), the citizen becomes a follower of the oldest
 * such case and out->existing is 1; otherwise a new case with the next
 * reference. Runs inside the caller's transaction. Returns CASE_OK,
 * CASE_INVALID or CASE_ERROR (err set).
 */
int case_file(sqlite3 *db, const struct case_rules *rules, const struct case_report *r,
              struct case_result *out, char *err, size_t errlen);

/* ---- drafts: a report waiting for its place ------------------------------ */

/*
 * When a report lacks a place, the worker asks for it and keeps the report
 * as the citizen's draft (one per citizen; a new one replaces the old). When
 * the answer comes, case_draft_take() returns and deletes it, and the worker
 * files it with the place from the answer. Both run in the caller's
 * transaction and return 0 / 1 (take: found) or -1 on a database error.
 */
struct case_draft {
	char category[48];
	char *text;        /* malloc'd or NULL */
	char *photos_json; /* malloc'd or NULL */
	long long created_at;
};

int case_draft_save(sqlite3 *db, const char *page_id, const char *psid, const char *category,
                    const char *text, const char *photos_json, long long now_ms);
/* Only a draft younger than max_age_ms counts (older ones are deleted). */
int case_draft_take(sqlite3 *db, const char *page_id, const char *psid, long long max_age_ms,
                    long long now_ms, struct case_draft *out);
void case_draft_clear(struct case_draft *d);

/* ---- status changes and notices ----------------------------------------- */

struct case_recipient {
	char page_id[64];
	char psid[72];
	long long notice_id; /* the row in notices (0 when no notice was made) */
	int in_window;       /* the citizen wrote within the last 24 hours */
};

struct case_status_change {
	char reference[32];
	char old_status[16];
	char new_status[16];
	char text[1024];                   /* the Danish notice ("" when none is sent) */
	struct case_recipient *recipients; /* reporter and followers, malloc'd */
	size_t nrecipients;
};

/*
 * Sets a case's status (open, in_progress, resolved, rejected), records the
 * change with note and actor in case_history and, for resolved and rejected,
 * queues one notice per citizen (reporter and followers) in the notices
 * table and lists them in out. Runs inside the caller's transaction.
 * Returns CASE_OK, CASE_INVALID, CASE_NOT_FOUND, CASE_CONFLICT or CASE_ERROR.
 * Free out with case_status_change_free().
 */
int case_set_status(sqlite3 *db, const struct case_rules *rules, const char *reference,
                    const char *status, const char *note, const char *actor, long long now_ms,
                    struct case_status_change *out, char *err, size_t errlen);
void case_status_change_free(struct case_status_change *c);

struct case_notice {
	long long id;
	char page_id[64];
	char psid[72];
	char reference[32];
	char *text; /* malloc'd */
	long long created_at;
};

/*
 * Pending notices of one citizen, oldest first (at most limit). The worker
 * calls this when the citizen writes, sends the texts through the outbox and
 * marks each with case_notice_delivered() in the same transaction.
 */
int case_notices_due_for(sqlite3 *db, const char *page_id, const char *psid, size_t limit,
                         struct case_notice **out, size_t *n);
/*
 * Pending notices of citizens whose 24-hour window is open at now_ms
 * (citizens.last_inbound_at later than now - 24 h + 10 min margin), oldest
 * first, at most limit. The worker sends these at once.
 */
int case_notices_within_window(sqlite3 *db, long long now_ms, size_t limit,
                               struct case_notice **out, size_t *n);
int case_notice_delivered(sqlite3 *db, long long notice_id, long long now_ms);
void case_notices_free(struct case_notice *v, size_t n);

/* ---- reading cases ------------------------------------------------------ */

struct case_row {
	long long id;
	char reference[32];
	char category[48];
	char department[64];
	char status[16];
	char street[128];
	char house_number[16];
	char pole_number[32];
	int has_location;
	double lat, lon;
	char source[16];
	char *description; /* malloc'd or NULL */
	char *photos;      /* JSON array text, malloc'd or NULL */
	char *status_note; /* malloc'd or NULL */
	long long created_at, updated_at;
	int followers; /* followers besides the reporter */
};

#define CASE_STATUS_OPEN 1
#define CASE_STATUS_IN_PROGRESS 2
#define CASE_STATUS_RESOLVED 4
#define CASE_STATUS_REJECTED 8
#define CASE_STATUS_ANY 15

struct case_filter {
	int status_mask;        /* CASE_STATUS_* bits; 0 = any */
	const char *category;   /* or NULL */
	const char *street;     /* or NULL (case-insensitive) */
	long long since_ms;     /* created at or after, 0 = no limit */
	long long until_ms;     /* created at or before, 0 = no limit */
	const char *references; /* ",TM-2026-00001,TM-2026-00002," or NULL */
	const char *department; /* or NULL (exact) */
	int limit, offset;      /* limit 0 = 1000 */
};

/* Returns the status bit of a status name, or 0. */
int case_status_bit(const char *status);

/* 1 found (out filled), 0 not found, -1 error. Clear out with case_row_clear(). */
int case_get(sqlite3 *db, const char *reference, struct case_row *out);
void case_row_clear(struct case_row *row);

/* The newest open or in-progress case the citizen (page_id, psid) reported or
 * follows, of category (NULL: any). 1 found (clear out), 0 none, -1 error. */
int case_latest_followed(sqlite3 *db, const char *page_id, const char *psid, const char *category,
                         struct case_row *out);

/* Calls fn for each matching case, newest first; fn returns non-zero to stop.
 * Returns the number of rows visited or -1. */
typedef int (*case_row_fn)(void *arg, const struct case_row *row);
int case_list(sqlite3 *db, const struct case_filter *f, case_row_fn fn, void *arg);

/* Status history of a case as a callback per entry (oldest first). */
typedef void (*case_history_fn)(void *arg, long long at, const char *actor, const char *old_status,
                                const char *new_status, const char *note);
int case_history(sqlite3 *db, long long case_id, case_history_fn fn, void *arg);

#endif
