/*
 * winter.h - the winter service plan: which streets are cleared and gritted
 * when, the gritting runs actually driven, and the bot's answers about them.
 *
 * The plan is loaded from the municipality's data folder (winter_classes.csv,
 * winter.txt; see docs/cases.md); its streets come from the one street
 * register (streets.csv, street_register.h) row by row. After that it is
 * read-only, so any thread may use it. Gritting runs live in the database
 * (table gritting_runs); functions taking a sqlite3 handle run inside the
 * caller's transaction (writes) or on any connection (reads).
 */
#ifndef BORGERBOT_WINTER_H
#define BORGERBOT_WINTER_H

#include <sqlite3.h>
#include <stddef.h>

struct winter_plan;

/* The classes and texts of dir; no streets yet. NULL with "FILE:LINE: reason" in err. */
struct winter_plan *winter_load(const char *dir, char *err, size_t errlen);
/*
 * Puts a street in the plan: area (1-60 bytes), class_code (a class of
 * winter_classes.csv) and route (1-60 bytes) are required, a street is there
 * once (any letter case). Returns 0, or -1 with the reason in why. Called
 * while loading only (by street_register_read()).
 */
int winter_add_street(struct winter_plan *w, const char *street, const char *area,
                      const char *class_code, const char *route, char *why, size_t whylen);
void winter_free(struct winter_plan *w);

/* Canonical spelling of a street / area / class / route in the plan, or NULL. */
const char *winter_street(const struct winter_plan *w, const char *street);
const char *winter_street_area(const struct winter_plan *w, const char *street);
const char *winter_area(const struct winter_plan *w, const char *area);
const char *winter_class(const struct winter_plan *w, const char *class_code);
const char *winter_route(const struct winter_plan *w, const char *route);

/* The department that runs the winter service (winter.txt's optional
 * "department"), "" when none is named: the console lets that department's
 * staff (and admins) record gritting runs (docs/console.md). */
const char *winter_department(const struct winter_plan *w);

/* Every class (code, name) in file order; every route once (route, the
 * area of its first street) in street-register order. For the console's
 * gritting form. */
typedef void (*winter_name_fn)(void *arg, const char *code, const char *label);
void winter_each_class(const struct winter_plan *w, winter_name_fn fn, void *arg);
void winter_each_route(const struct winter_plan *w, winter_name_fn fn, void *arg);

enum winter_answer_kind {
	WINTER_NOT_IN_PLAN = 0, /* the street (or area) is not in the plan: hand over to a person */
	WINTER_STREET = 1,      /* answered for one street */
	WINTER_AREA = 2,        /* answered for an area: the classes of its streets */
	WINTER_GENERAL = 3,     /* no place given: the classes, and a request for the street */
};

/*
 * Composes the answer to "will you salt X" / "it is slippery on X" in lang
 * ("en": English, with the files' optional English texts; else Danish):
 * the street's class and what it promises, when a gritting run covering it
 * ended in the last 24 hours before now_ms (0 = now), and the pavement rule;
 * for an area the classes of its streets. street is preferred over area;
 * both may be NULL or "". Returns the kind (buf is "" for NOT_IN_PLAN), or
 * -1 on a database error.
 */
int winter_answer(const struct winter_plan *w, sqlite3 *db, const char *street, const char *area,
                  const char *lang, long long now_ms, char *buf, size_t buflen);

/*
 * Records a gritting run: exactly one of route or class_code (must be in the
 * plan), started_ms <= ended_ms, at most 24 hours long, not ending in the
 * future. Returns the new run id, or -1 with a reason in err (a bad input
 * when *bad is set, else a database error).
 */
long long winter_record_run(const struct winter_plan *w, sqlite3 *db, const char *route,
                            const char *class_code, long long started_ms, long long ended_ms,
                            const char *recorded_by, int *bad, char *err, size_t errlen);

#endif
