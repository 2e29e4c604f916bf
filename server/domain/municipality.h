/*
 * municipality.h - the municipality's data files as one snapshot that a
 * reload (SIGHUP) replaces while the server runs.
 *
 * What a snapshot holds, all read from files at once: the case rules
 * (case_rules.h), the winter plan (winter.h), the routine content and its
 * crisis lines (content.h, crisis_lines.h), the staffed hours (staffing.h)
 * and the intent engine with its street register (intents/, filled from
 * the register file that also gives the winter plan its streets).
 *
 * Why a snapshot and not the pieces: a reload must never give one request
 * the old case rules and the new winter plan, nor free what a request still
 * reads. Every user holds the current snapshot for one unit of work (a
 * request, a job) and releases it; a reload loads the whole new set first
 * (on any error the old one stays and the error is returned, so a typo in a
 * file never takes the bot down), then swaps it in; the old snapshot is
 * freed by whoever releases it last. Holding costs one mutex round trip.
 *
 * Limits: a unit of work sees one snapshot from start to end, so a long
 * one (a live stream) must hold only around each use, never for its life.
 * The configuration file is not part of a snapshot (its values are read
 * once; admins change the live ones in the console).
 */
#ifndef BORGERBOT_MUNICIPALITY_H
#define BORGERBOT_MUNICIPALITY_H

#include <stddef.h>

struct case_rules;
struct winter_plan;
struct content;
struct crisis_lines;
struct staffing;
struct intent_engine;

/* Where a snapshot is read from. */
struct municipality_files {
	const char *dir;             /* municipality_dir: rules, winter, content ... */
	const char *intents_dir;     /* the intent definition files */
	const char *street_register; /* the street register CSV ... */
	/* ... or this one when that is not readable (NULL: none). Checked at
	 * every load, so `borgerbot streets import` and a reload take effect. */
	const char *street_register_else;
};

/* One loaded set; every member is read-only and set. */
struct municipality_data {
	const struct case_rules *cases;
	const struct winter_plan *winter;
	const struct content *content;
	const struct crisis_lines *crisis;
	const struct staffing *staffing;
	const struct intent_engine *intents;
};

struct municipality;

/* Loads the first snapshot. NULL with err set ("FILE:LINE: reason"). */
struct municipality *municipality_open(const struct municipality_files *files, char *err,
                                       size_t errlen);
/* After every holder released (the server stopped its threads). */
void municipality_close(struct municipality *m);

/* The current snapshot, held until municipality_release(). Never NULL. */
const struct municipality_data *municipality_hold(struct municipality *m);
void municipality_release(struct municipality *m, const struct municipality_data *d);

/* Reads every file again and makes the new set current. 0, or -1 with err
 * set and the current snapshot unchanged. *generation (may be NULL) counts
 * the snapshots loaded, the first one being 1. */
int municipality_reload(struct municipality *m, long long *generation, char *err, size_t errlen);

#endif
