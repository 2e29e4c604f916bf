/*
 * report.c - computing the proof-of-effect figures (see insight.h). One
 * prepared statement per figure, each bounded by the report's range; the
 * median and p90 are exact (the durations are read and sorted).
 */
#include "insight.h"

#include <stdlib.h>
#include <string.h>

#include "domain/content_data.h"
#include "domain/staffing.h"

#define DAY_MS 86400000LL

const long long insight_response_bounds[INSIGHT_RESPONSE_BUCKETS] = {
    0, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400}; /* 0, 5, 15, 30 min, 1, 2, 4, 8, 24 h */
const char *const insight_response_labels[INSIGHT_RESPONSE_BUCKETS] = {
    "under 5 min", "5–15 min", "15–30 min", "30–60 min", "1–2 t",
    "2–4 t",       "4–8 t",    "8–24 t",    "over 24 t"};

int insight_parse_day(const char *s, long long *start_ms, char *err, size_t errlen)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    s[4] != '-' || s[7] != '-' || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 ||
	    d > 31 || content_parse_iso8601(s, start_ms) != 0) {
		snprintf(err, errlen, "'%.40s' is not a date (use YYYY-MM-DD)", s ? s : "");
		return -1;
	}
	/* 2026-02-31 parses as 3 March: refuse what does not round-trip */
	struct tm tm;
	content_cph_time(*start_ms, &tm);
	if (tm.tm_year + 1900 != y || tm.tm_mon + 1 != m || tm.tm_mday != d) {
		snprintf(err, errlen, "'%s' is not a date of the calendar", s);
		return -1;
	}
	return 0;
}

/* The start of the Copenhagen day after the one starting at day_ms (days
 * are 23 or 25 hours when the clocks change). */
static long long next_day(long long day_ms)
{
	struct tm b;
	long long t = day_ms + DAY_MS + 2 * 3600000LL; /* inside the next day */
	content_cph_time(t, &b);
	long long into = (long long)b.tm_hour * 3600 + (long long)b.tm_min * 60 + b.tm_sec;
	return t - into * 1000LL;
}

/* The start of the day before (d - 36 h lies two days back, at noon). */
static long long prev_day(long long day_ms)
{
	return next_day(day_ms - DAY_MS - DAY_MS / 2);
}

static void day_name(long long ms, char out[11])
{
	struct tm tm;
	content_cph_time(ms, &tm);
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)(tm.tm_mon + 1) % 100u,
	         d = (unsigned)tm.tm_mday % 100u;
	snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
}

static int range(struct insight_report *r, const char *from, const char *to, long long now_ms,
                 char *err, size_t errlen)
{
	long long to_start = 0;
	if (to) {
		if (insight_parse_day(to, &to_start, err, errlen) < 0)
			return -1;
	} else {
		char today[11];
		day_name(now_ms, today);
		insight_parse_day(today, &to_start, err, errlen);
	}
	long long from_start = to_start;
	if (from) {
		if (insight_parse_day(from, &from_start, err, errlen) < 0)
			return -1;
	} else {
		for (int i = 0; i < 29; i++) /* 30 days including to */
			from_start = prev_day(from_start);
	}
	if (from_start > to_start) {
		snprintf(err, errlen, "--from is after --to");
		return -1;
	}
	r->from_ms = from_start;
	r->days = 0;
	for (long long d = from_start; d <= to_start; d = next_day(d))
		if (++r->days > INSIGHT_MAX_DAYS) {
			snprintf(err, errlen, "at most %d days in one report", INSIGHT_MAX_DAYS);
			return -1;
		}
	r->to_ms = next_day(to_start);
	day_name(from_start, r->from);
	day_name(to_start, r->to);
	return 0;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, const struct insight_report *r)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, r->from_ms);
	sqlite3_bind_int64(st, 2, r->to_ms);
	return st;
}

static int done(sqlite3 *db, sqlite3_stmt *st, int rc, char *err, size_t errlen)
{
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static void put_name(char *dst, size_t size, const unsigned char *s)
{
	snprintf(dst, size, "%s", s ? (const char *)s : "");
}

/* Messages by outcome, per day, per hour of week, after hours, not understood. */
static int messages(sqlite3 *db, struct insight_report *r, char *err, size_t errlen)
{
	sqlite3_stmt *st =
	    prepare(db,
	            "SELECT at, outcome, after_hours, intent, mode FROM message_outcomes"
	            " WHERE at >= ?1 AND at < ?2 ORDER BY at",
	            r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	int rc, day = 0;
	long long day_end = next_day(r->from_ms);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long at = sqlite3_column_int64(st, 0);
		int o = outcome_parse((const char *)sqlite3_column_text(st, 1));
		if (o < 0)
			continue;
		while (at >= day_end && day < r->days - 1) {
			day++;
			day_end = next_day(day_end);
		}
		r->messages++;
		r->by_outcome[o]++;
		r->daily[day][o]++;
		struct tm tm;
		content_cph_time(at, &tm);
		r->hour_of_week[(tm.tm_wday + 6) % 7][tm.tm_hour]++;
		r->after_hours += sqlite3_column_int(st, 2) != 0;
		const char *in = (const char *)sqlite3_column_text(st, 3);
		const char *mode = (const char *)sqlite3_column_text(st, 4);
		r->not_understood += mode && !strcmp(mode, "bot") && o != OUTCOME_CRISIS &&
		                     (!in || !*in || !strcmp(in, "none"));
	}
	return done(db, st, rc, err, errlen);
}

/* Conversations with a citizen message in the range, and those of them that
 * no person had to answer (no hand-over, crisis or staff turn in the range). */
static int conversations(sqlite3 *db, struct insight_report *r, char *err, size_t errlen)
{
	sqlite3_stmt *st =
	    prepare(db,
	            "SELECT count(*), coalesce(sum(people = 0), 0) FROM (SELECT conversation_id,"
	            " sum(outcome IN ('handed_over', 'crisis', 'with_staff')) AS people"
	            " FROM message_outcomes WHERE at >= ?1 AND at < ?2 GROUP BY conversation_id)",
	            r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->conversations = sqlite3_column_int64(st, 0);
		r->automated_conversations = sqlite3_column_int64(st, 1);
		rc = sqlite3_step(st);
	}
	return done(db, st, rc, err, errlen);
}

static int counts(sqlite3 *db, struct insight_report *r, const char *sql, struct insight_count *out,
                  size_t max, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db, sql, r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (*n < max) {
			put_name(out[*n].name, sizeof(out[*n].name), sqlite3_column_text(st, 0));
			out[(*n)++].n = sqlite3_column_int64(st, 1);
		}
	return done(db, st, rc, err, errlen);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, long long n, int pct)
{
	long long rank = (pct * n + 99) / 100;
	return v[rank > 0 ? rank - 1 : 0];
}

static double median(const double *v, long long n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct durations {
	double *v;
	long long n, cap;
};

static int push(struct durations *d, double s)
{
	if (d->n == d->cap) {
		long long cap = d->cap ? d->cap * 2 : 256;
		double *v = realloc(d->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -1;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = s;
	return 0;
}

static void summarise(struct durations *d, struct insight_times *t)
{
	t->n = d->n;
	if (!d->n)
		return;
	qsort(d->v, (size_t)d->n, sizeof(double), cmp_double);
	t->median_s = median(d->v, d->n);
	t->p90_s = percentile(d->v, d->n, 90);
}

static void bucket(struct insight_report *r, double s)
{
	int b = INSIGHT_RESPONSE_BUCKETS - 1;
	while (b > 0 && s < (double)insight_response_bounds[b])
		b--;
	r->response_buckets[b]++;
}

/* Staff times for the hand-overs in the range (every move from the bot to
 * the staff queue): the first staff reply written in Borgerbot after it
 * (outbox rows with an author; the "you are now writing with" notice has
 * none), and its end (the first move back to the bot or to closed after
 * it), each against the department's target. */
static int people(sqlite3 *db, const struct staffing *s, struct insight_report *r, char *err,
                  size_t errlen)
{
	sqlite3_stmt *st =
	    prepare(db,
	            "SELECT h.at, (SELECT min(o.created_at) FROM outbox o WHERE o.conversation_id ="
	            "  h.conversation_id AND o.origin = 'staff' AND o.kind = 'message'"
	            "  AND o.author IS NOT NULL AND o.created_at >= h.at"
	            "  AND o.created_at < coalesce(h.ended, 9223372036854775807)),"
	            " coalesce(h.department, ''), h.ended FROM (SELECT t.conversation_id, t.at,"
	            "  t.department, (SELECT min(e.at) FROM conversation_transitions e"
	            "   WHERE e.conversation_id = t.conversation_id AND e.id > t.id"
	            "   AND e.to_mode IN ('bot', 'closed')) AS ended"
	            "  FROM conversation_transitions t WHERE t.from_mode = 'bot'"
	            "  AND t.to_mode = 'waiting_for_staff' AND t.at >= ?1 AND t.at < ?2) h",
	            r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	struct durations first = {0}, resolve = {0};
	int rc, oom = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long at = sqlite3_column_int64(st, 0);
		long long first_ms = 0, resolve_ms = 0;
		if (s)
			staffing_targets(s, (const char *)sqlite3_column_text(st, 2), &first_ms,
			                 &resolve_ms);
		if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
			r->handed_over_waiting++;
		} else {
			long long ms = sqlite3_column_int64(st, 1) - at;
			oom |= push(&first, (double)ms / 1000.0);
			bucket(r, (double)ms / 1000.0);
			r->first_response.within_target += !first_ms || ms <= first_ms;
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			long long ms = sqlite3_column_int64(st, 3) - at;
			oom |= push(&resolve, (double)ms / 1000.0);
			r->resolution.within_target += !resolve_ms || ms <= resolve_ms;
		}
	}
	if (!oom) {
		summarise(&first, &r->first_response);
		summarise(&resolve, &r->resolution);
	}
	free(first.v);
	free(resolve.v);
	if (oom) {
		sqlite3_finalize(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return done(db, st, rc, err, errlen);
}

/* Cases created in the range, per category: filed, resolved, median time to
 * resolved; and the Messenger reports that joined an open case. */
static int cases(sqlite3 *db, struct insight_report *r, char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db,
	                           "SELECT category, status, created_at, closed_at FROM cases"
	                           " WHERE created_at >= ?1 AND created_at < ?2 ORDER BY category",
	                           r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	struct durations d = {0};
	int rc, oom = 0;
	struct insight_category *cur = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cat = (const char *)sqlite3_column_text(st, 0);
		if (!cur || strcmp(cur->name, cat ? cat : "") != 0) {
			if (cur && d.n) {
				qsort(d.v, (size_t)d.n, sizeof(double), cmp_double);
				cur->median_resolve_s = median(d.v, d.n);
			}
			d.n = 0;
			if (r->n_categories == INSIGHT_MAX_CATEGORIES) {
				cur = NULL;
				break;
			}
			cur = &r->categories[r->n_categories++];
			put_name(cur->name, sizeof(cur->name), (const unsigned char *)cat);
		}
		cur->filed++;
		r->cases_filed++;
		const char *status = (const char *)sqlite3_column_text(st, 1);
		if (status && !strcmp(status, "resolved") &&
		    sqlite3_column_type(st, 3) != SQLITE_NULL) {
			cur->resolved++;
			oom |= push(&d, (double)(sqlite3_column_int64(st, 3) -
			                         sqlite3_column_int64(st, 2)) /
			                    1000.0);
		}
	}
	if (rc == SQLITE_ROW) /* more categories than fit: the rest are not listed */
		rc = SQLITE_DONE;
	if (cur && d.n && !oom) {
		qsort(d.v, (size_t)d.n, sizeof(double), cmp_double);
		cur->median_resolve_s = median(d.v, d.n);
	}
	free(d.v);
	if (oom) {
		sqlite3_finalize(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (done(db, st, rc, err, errlen) < 0)
		return -1;
	st = prepare(db,
	             "SELECT count(*) FROM message_outcomes WHERE at >= ?1 AND at < ?2"
	             " AND outcome = 'case_filed' AND case_joined = 1",
	             r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->cases_joined = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	return done(db, st, rc, err, errlen);
}

/* The panel's members and the response rate of each consultation open in
 * the range (opens before its end, closes after its start). */
static int panel(sqlite3 *db, struct insight_report *r, char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare(db,
	                           "SELECT coalesce(sum(joined_at >= ?1 AND joined_at < ?2), 0),"
	                           " coalesce(sum(left_at >= ?1 AND left_at < ?2), 0)"
	                           " FROM panel_members",
	                           r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->panel_joined = sqlite3_column_int64(st, 0);
		r->panel_left = sqlite3_column_int64(st, 1);
		rc = sqlite3_step(st);
	}
	if (done(db, st, rc, err, errlen) < 0)
		return -1;
	st = prepare(db,
	             "SELECT c.id, count(p.id), coalesce(sum(p.state = 'done'), 0)"
	             " FROM panel_consultations c LEFT JOIN panel_responses p"
	             " ON p.consultation_id = c.id WHERE c.opens_at < ?2 AND c.closes_at > ?1"
	             " GROUP BY c.id ORDER BY c.opens_at DESC, c.id LIMIT 8",
	             r);
	if (!st)
		return done(db, st, SQLITE_ERROR, err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       r->n_consultations < INSIGHT_MAX_CONSULTATIONS) {
		struct insight_consultation *c = &r->consultations[r->n_consultations++];
		put_name(c->id, sizeof(c->id), sqlite3_column_text(st, 0));
		c->offered = sqlite3_column_int64(st, 1);
		c->answered = sqlite3_column_int64(st, 2);
	}
	return done(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, err, errlen);
}

int insight_compute(sqlite3 *db, const struct staffing *staffing, const char *from, const char *to,
                    long long now_ms, struct insight_report *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (range(r, from, to, now_ms, err, errlen) < 0)
		return -1;
	if (messages(db, r, err, errlen) < 0 || conversations(db, r, err, errlen) < 0 ||
	    counts(db, r,
	           "SELECT coalesce(reason, 'other'), count(*) FROM message_outcomes"
	           " WHERE at >= ?1 AND at < ?2 AND outcome IN ('handed_over', 'crisis')"
	           " GROUP BY 1 ORDER BY 2 DESC, 1",
	           r->handovers, INSIGHT_MAX_REASONS, &r->n_handovers, err, errlen) < 0 ||
	    counts(db, r,
	           "SELECT intent, count(*) FROM message_outcomes WHERE at >= ?1 AND at < ?2"
	           " AND intent NOT IN ('', 'none') GROUP BY 1 ORDER BY 2 DESC, 1",
	           r->top_intents, INSIGHT_TOP_INTENTS, &r->n_top_intents, err, errlen) < 0 ||
	    people(db, staffing, r, err, errlen) < 0 || cases(db, r, err, errlen) < 0 ||
	    panel(db, r, err, errlen) < 0)
		return -1;
	return 0;
}
