/*
 * canned.h - canned replies ("standardsvar"): short Danish texts staff put
 * into the reply box and edit before sending (table canned_replies).
 *
 * A reply belongs to one department or, with no department, to everyone.
 * Its body may hold placeholders that the console fills in the browser
 * before staff see the text: {sag} (the citizen's newest case reference),
 * {navn} (the staff member's name), {afdeling} (their department). Nothing
 * is expanded on the server and nothing is sent from here: a canned reply
 * reaches the citizen only as a staff reply (conversation_staff.h).
 *
 * Validation is here, once, for every way in: title 1-80 bytes and body
 * 1-2000 bytes of UTF-8 without control characters (a body may hold line
 * breaks), a department of at most 63 bytes, and every "{...}" in the body
 * one of the known placeholders.
 */
#ifndef BORGERBOT_CANNED_H
#define BORGERBOT_CANNED_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

#define CANNED_TITLE_MAX 80
#define CANNED_BODY_MAX 2000
#define CANNED_DEPARTMENT_MAX 63

#define CANNED_NOT_FOUND (-2)
#define CANNED_INVALID (-3)

struct canned_reply {
	const char *department; /* NULL or "": shared by every department */
	const char *title;
	const char *body;
};

/* 0 when r is acceptable, else CANNED_INVALID with a reason in err (English,
 * for the API's error). */
int canned_validate(const struct canned_reply *r, char *err, size_t errlen);

/* The replies a department sees (its own and the shared ones; department
 * NULL: all), by department then title, as a JSON array of {"id",
 * "department", "title", "body", "updated_at", "updated_by"}. NULL on a
 * database error. */
json_t *canned_list_json(sqlite3 *db, const char *department);

/* In the caller's transaction. Each returns the reply's id (create), 0
 * (update, delete), or CANNED_INVALID / CANNED_NOT_FOUND with err set, or
 * -1 on a database error. */
long long canned_create(sqlite3 *db, const struct canned_reply *r, const char *actor,
                        long long now_ms, char *err, size_t errlen);
int canned_update(sqlite3 *db, long long id, const struct canned_reply *r, const char *actor,
                  long long now_ms, char *err, size_t errlen);
int canned_delete(sqlite3 *db, long long id, char *err, size_t errlen);

#endif
