/*
 * insight.h - the proof-of-effect report (issue 13; docs/insight.md says how
 * each figure is computed).
 *
 * Every figure is counted from the database for a range of Copenhagen
 * calendar days: message_outcomes (one row per citizen message, written by
 * the worker with the answer), conversation_transitions and conversations
 * and outbox (hand-overs, staff response and resolution times), cases (filed,
 * duplicates joined, time to resolved). Nothing is estimated or sampled.
 * A report is a plain struct: insight_compute() fills it, the writers
 * (text, CSV, HTML with inline SVG) and the three SVG plots only read it.
 * Limits: at most INSIGHT_MAX_DAYS days per report; staff response times
 * count replies written in Borgerbot (console, API, CLI), not replies typed
 * in Meta's Page Inbox, which Borgerbot sees only as echoes.
 */
#ifndef BORGERBOT_INSIGHT_H
#define BORGERBOT_INSIGHT_H

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#include "domain/outcome.h"

struct staffing;

#define INSIGHT_MAX_DAYS 400
#define INSIGHT_TOP_INTENTS 10
#define INSIGHT_MAX_REASONS 16
#define INSIGHT_MAX_CATEGORIES 16
#define INSIGHT_RESPONSE_BUCKETS 9
#define INSIGHT_MAX_CONSULTATIONS 8

struct insight_count {
	char name[40];
	long long n;
};

/* Median and 90th percentile of a set of durations (seconds); n = 0: none. */
struct insight_times {
	long long n;
	double median_s, p90_s;
	long long within_target; /* how many met the department's target */
};

struct insight_category {
	char name[40];
	long long filed, resolved;
	double median_resolve_s; /* of those resolved, created -> closed; 0 if none */
};

/* A panel consultation open during the range: offered to how many members,
 * answered by how many (all questions, in Messenger or on the form). */
struct insight_consultation {
	char id[40];
	long long offered, answered;
};

struct insight_report {
	char from[11], to[11];    /* YYYY-MM-DD, both included */
	long long from_ms, to_ms; /* [from_ms, to_ms) */
	int days;
	/* messages and conversations */
	long long messages, conversations, automated_conversations;
	long long by_outcome[OUTCOME_COUNT];
	long long after_hours, not_understood;
	struct insight_count handovers[INSIGHT_MAX_REASONS];
	size_t n_handovers;
	struct insight_count top_intents[INSIGHT_TOP_INTENTS];
	size_t n_top_intents;
	/* people */
	struct insight_times first_response, resolution;
	long long handed_over_waiting; /* handed over, no staff answer yet */
	long long response_buckets[INSIGHT_RESPONSE_BUCKETS];
	/* cases */
	long long cases_filed, cases_joined;
	struct insight_category categories[INSIGHT_MAX_CATEGORIES];
	size_t n_categories;
	/* the citizen panel: members who joined and left in the range, and the
	 * consultations open in it (the newest INSIGHT_MAX_CONSULTATIONS) */
	long long panel_joined, panel_left;
	struct insight_consultation consultations[INSIGHT_MAX_CONSULTATIONS];
	size_t n_consultations;
	/* per day (index 0 = from) and outcome; hour of week (0 = Monday 00-01) */
	long long daily[INSIGHT_MAX_DAYS][OUTCOME_COUNT];
	long long hour_of_week[7][24];
};

/* Reads "YYYY-MM-DD" (--from/--to) into a day's start (Copenhagen). 0 or -1
 * with a Danish-free English reason in err ("'2026-13-01' is not a date
 * (use YYYY-MM-DD)"). */
int insight_parse_day(const char *s, long long *start_ms, char *err, size_t errlen);

/* Fills r for the days from..to (both "YYYY-MM-DD", both included; NULL
 * from = 30 days before to, NULL to = today at now_ms). staffing gives the
 * SLA targets (NULL: none). Returns 0, or -1 with err set (bad range: to
 * before from, more than INSIGHT_MAX_DAYS days; database errors). */
int insight_compute(sqlite3 *db, const struct staffing *staffing, const char *from, const char *to,
                    long long now_ms, struct insight_report *r, char *err, size_t errlen);

/* Lower bounds of the response-time buckets, in seconds, and their labels. */
extern const long long insight_response_bounds[INSIGHT_RESPONSE_BUCKETS];
extern const char *const insight_response_labels[INSIGHT_RESPONSE_BUCKETS];

/* The renderings. Each returns 0, or -1 when writing to f failed. */
int insight_write_text(FILE *f, const struct insight_report *r);
int insight_write_csv(FILE *f, const struct insight_report *r);
int insight_write_html(FILE *f, const struct insight_report *r);

/* The plots as standalone SVG documents (also inlined by the HTML report):
 * per-day volume stacked by outcome, the hour-of-week heat map, the staff
 * first-response distribution. */
int insight_svg_daily(FILE *f, const struct insight_report *r);
int insight_svg_heatmap(FILE *f, const struct insight_report *r);
int insight_svg_response(FILE *f, const struct insight_report *r);

#endif
