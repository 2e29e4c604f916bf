/*
 * staffing.h - when people answer chats, and how fast they promise to:
 * staffed hours per department, Danish public holidays, SLA targets.
 *
 * Read at start-up and on each reload (municipality.h) from the
 * municipality's data folder (docs/conversations.md has the formats):
 *   departments.csv  department, first_response_minutes, resolution_hours,
 *                    chat_default (yes for the department that receives
 *                    hand-overs no category routes elsewhere)
 *   staffed_hours.csv department, days ("man-fre", "lør,søn"), opens, closes
 *   closed_days.csv  extra closed days: "YYYY-MM-DD" once, "MM-DD" every year
 * The statutory Danish holidays (nytårsdag, skærtorsdag, langfredag, påske,
 * 2. påskedag, Kristi himmelfart, pinse, 2. pinsedag, juledag, 2. juledag)
 * are computed from the date of Easter, so no file goes stale. Times are
 * Copenhagen local time (content_data.h). All three files are optional:
 * without staffed_hours.csv a person is always said to be there; a
 * department without rows is staffed like the chat_default one.
 *
 * Read-only after loading, shared by threads.
 */
#ifndef BORGERBOT_STAFFING_H
#define BORGERBOT_STAFFING_H

#include <stddef.h>

struct staffing;

/* Loads dir's files (missing files are defaults, broken ones errors:
 * "FILE:LINE: reason"). Returns NULL with err set. */
struct staffing *staffing_load(const char *dir, char *err, size_t errlen);
void staffing_free(struct staffing *s);

/* The department that receives general hand-overs ("" if none is set). */
const char *staffing_default_department(const struct staffing *s);
/* 1 if name is a department of departments.csv or staffed_hours.csv. */
int staffing_has_department(const struct staffing *s, const char *name);

/* The i-th department name (departments.csv first, then names only in
 * staffed_hours.csv, each once), or NULL past the end: the list the console
 * offers for a transfer. */
const char *staffing_department_at(const struct staffing *s, size_t i);

/* 1 if (year, month 1-12, day) is a Danish public holiday or a closed day. */
int staffing_is_closed_day(const struct staffing *s, int year, int month, int day);

/* The first moment at or after now_ms when department is staffed: now_ms
 * itself while it is open, -1 when it has no staffed hours in the next 21
 * days. With no staffed_hours.csv at all, always now_ms. */
long long staffing_next_open(const struct staffing *s, const char *department, long long now_ms);

/* The department's targets in ms (0 = none): first staff response after a
 * hand-over, and back to the bot or closed after it. */
void staffing_targets(const struct staffing *s, const char *department, long long *first_ms,
                      long long *resolve_ms);

/* What the console's settings page shows of a department: its name, its
 * targets in ms (0 = none), whether it is the chat default, and its staffed
 * hours as text ("man-tor 07:00-15:00; fre 07:00-12:00", "" = like the
 * default department, or always when there is no staffed_hours.csv). */
struct staffing_department {
	const char *name;
	long long first_ms, resolve_ms;
	int is_default;
	const char *hours;
};

/* Calls fn for every department of departments.csv, then for those only in
 * staffed_hours.csv, in file order. */
typedef void (*staffing_fn)(void *arg, const struct staffing_department *d);
void staffing_each(const struct staffing *s, staffing_fn fn, void *arg);

/* A phrase for at_ms as seen at now_ms: "i dag kl. 13.00",
 * "i morgen kl. 8.00", "mandag kl. 8.00" (within a week), else
 * "mandag den 4. januar kl. 8.00"; with lang "en": "today at 13:00",
 * "tomorrow at 8:00", "on Monday at 8:00", "on Monday 4 January at 8:00". */
void staffing_when_text(long long now_ms, long long at_ms, const char *lang, char *buf,
                        size_t size);

#endif
