/*
 * panel.c - the citizen panel's tables (see panel.h, docs/panel.md).
 *
 * Every statement is prepared and bound ("s" text, "i" integer in the bind
 * strings of bind()); nothing begins or commits: callers run writes in
 * their transaction. Status words in the database are the English names of
 * the enums, so `sqlite3` shows them readably.
 */
#include "panel.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/text.h"

static const char *const member_names[] = {"", "invited", "asked", "member", "declined", "left"};
static const char *const state_names[] = {"offered", "declined", "answering", "done", "ended"};
static const char *const status_names[] = {"open", "closed", "published"};

const char *panel_status_name(enum panel_status s)
{
	return (unsigned)s < 3 ? status_names[s] : "?";
}

static int index_of(const char *word, const char *const *names, int n)
{
	for (int i = 0; word && i < n; i++)
		if (!strcmp(word, names[i]))
			return i;
	return -1;
}

/* ---- statements ------------------------------------------------------------ */

/* Prepares sql and binds the variable arguments as types says ('s' text or
 * NULL, 'i' long long). NULL on error. */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	va_list ap;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 's') {
			const char *v = va_arg(ap, const char *);
			if (v)
				sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
		}
	}
	va_end(ap);
	return st;
}

/* Steps st to its end and finalises it: changes made, or -1. */
static long long done(sqlite3 *db, sqlite3_stmt *st)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}

/* The first column of the first row as an integer (0 when no row), -1 error. */
static long long one(sqlite3_stmt *st)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	long long v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? v : -1;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", s ? s : "");
}

/* ---- consultations --------------------------------------------------------- */

static int store_questions(sqlite3 *db, const struct panel_consultation *c)
{
	for (int i = 0; i < c->nquestions; i++) {
		const struct panel_question *q = &c->q[i];
		char options[PANEL_MAX_OPTIONS * sizeof(q->option[0])] = "";
		size_t n = 0;
		for (int o = 0; o < q->noptions; o++)
			n += (size_t)snprintf(options + n, sizeof(options) - n, "%s%s",
			                      o ? "\n" : "", q->option[o]);
		if (done(db, prep(db,
		                  "INSERT INTO panel_questions (consultation_id, qno, kind, text, "
		                  "options)"
		                  " VALUES (?1, ?2, ?3, ?4, ?5)",
		                  "sisss", c->id, (long long)i, panel_kind_name(q->kind), q->text,
		                  options)) < 0)
			return -1;
	}
	return 0;
}

int panel_store(sqlite3 *db, const struct panel_consultation *c, long long now_ms, char *err,
                size_t errlen)
{
	long long exists =
	    one(prep(db, "SELECT COUNT(*) FROM panel_consultations WHERE id = ?1", "s", c->id));
	long long answered = one(
	    prep(db, "SELECT COUNT(*) FROM panel_answers WHERE consultation_id = ?1", "s", c->id));
	if (exists < 0 || answered < 0)
		goto db_error;
	if (answered > 0) {
		text_set_err(err, errlen,
		             "consultation %s is already loaded and has answers; give the new one "
		             "another id",
		             c->id);
		return -1;
	}
	if (exists &&
	    (done(db, prep(db, "DELETE FROM panel_questions WHERE consultation_id = ?1", "s",
	                   c->id)) < 0 ||
	     done(db, prep(db, "DELETE FROM panel_responses WHERE consultation_id = ?1", "s",
	                   c->id)) < 0 ||
	     done(db, prep(db, "DELETE FROM panel_consultations WHERE id = ?1", "s", c->id)) < 0))
		goto db_error;
	if (done(db, prep(db,
	                  "INSERT INTO panel_consultations (id, title, intro, target, target_value,"
	                  " opens_at, closes_at, status, loaded_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8)",
	                  "sssssiii", c->id, c->title, c->intro, panel_target_name(c->target),
	                  c->target_value, c->opens_ms, c->closes_ms, now_ms)) < 0 ||
	    store_questions(db, c) < 0)
		goto db_error;
	return exists ? 1 : 0;
db_error:
	text_set_err(err, errlen, "panel: %s", sqlite3_errmsg(db));
	return -1;
}

static enum panel_status status_of(const char *word, long long closes_ms, long long now_ms)
{
	int s = index_of(word, status_names, 3);
	if (s == PANEL_OPEN && now_ms >= closes_ms)
		return PANEL_CLOSED;
	return s < 0 ? PANEL_CLOSED : (enum panel_status)s;
}

static int read_questions(sqlite3 *db, struct panel_consultation *c)
{
	sqlite3_stmt *st = prep(db,
	                        "SELECT kind, text, options FROM panel_questions"
	                        " WHERE consultation_id = ?1 ORDER BY qno",
	                        "s", c->id);
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW && c->nquestions < PANEL_MAX_QUESTIONS) {
		struct panel_question *q = &c->q[c->nquestions++];
		int k = panel_kind_from((const char *)sqlite3_column_text(st, 0));
		q->kind = k < 0 ? PANEL_TEXT : (enum panel_kind)k;
		copy_col(st, 1, q->text, sizeof(q->text));
		const char *opts = (const char *)sqlite3_column_text(st, 2);
		while (opts && *opts && q->noptions < PANEL_MAX_OPTIONS) {
			const char *nl = strchr(opts, '\n');
			size_t n = nl ? (size_t)(nl - opts) : strlen(opts);
			snprintf(q->option[q->noptions++], sizeof(q->option[0]), "%.*s", (int)n,
			         opts);
			opts = nl ? nl + 1 : opts + n;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

int panel_get(sqlite3 *db, const char *id, long long now_ms, struct panel_consultation *c,
              enum panel_status *status)
{
	memset(c, 0, sizeof(*c));
	sqlite3_stmt *st =
	    prep(db,
	         "SELECT id, title, intro, target, target_value, opens_at, closes_at,"
	         " status FROM panel_consultations WHERE id = ?1",
	         "s", id);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		copy_col(st, 0, c->id, sizeof(c->id));
		copy_col(st, 1, c->title, sizeof(c->title));
		copy_col(st, 2, c->intro, sizeof(c->intro));
		int t = panel_target_from((const char *)sqlite3_column_text(st, 3));
		c->target = t < 0 ? PANEL_TARGET_ALL : (enum panel_target)t;
		copy_col(st, 4, c->target_value, sizeof(c->target_value));
		c->opens_ms = sqlite3_column_int64(st, 5);
		c->closes_ms = sqlite3_column_int64(st, 6);
		if (status)
			*status = status_of((const char *)sqlite3_column_text(st, 7), c->closes_ms,
			                    now_ms);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	return read_questions(db, c) < 0 ? -1 : 1;
}

int panel_list(sqlite3 *db, long long now_ms, panel_summary_fn fn, void *arg)
{
	sqlite3_stmt *st =
	    prep(db,
	         "SELECT c.id, c.title, c.status, c.opens_at, c.closes_at,"
	         " (SELECT COUNT(DISTINCT a.response_id) FROM panel_answers a"
	         "   WHERE a.consultation_id = c.id),"
	         " (SELECT COUNT(*) FROM panel_responses r WHERE r.consultation_id = c.id"
	         "   AND r.state = 'done')"
	         " FROM panel_consultations c ORDER BY c.opens_at, c.id",
	         "");
	if (!st)
		return -1;
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct panel_summary s = {0};
		copy_col(st, 0, s.id, sizeof(s.id));
		copy_col(st, 1, s.title, sizeof(s.title));
		s.opens_ms = sqlite3_column_int64(st, 3);
		s.closes_ms = sqlite3_column_int64(st, 4);
		s.status = status_of((const char *)sqlite3_column_text(st, 2), s.closes_ms, now_ms);
		s.responses = sqlite3_column_int64(st, 5);
		s.completed = sqlite3_column_int64(st, 6);
		n++;
		if (fn(arg, &s) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int panel_close(sqlite3 *db, const char *id, long long now_ms)
{
	long long n = done(db, prep(db,
	                            "UPDATE panel_consultations SET status = 'closed',"
	                            " closes_at = MIN(closes_at, ?2)"
	                            " WHERE id = ?1 AND status = 'open'",
	                            "si", id, now_ms));
	if (n < 0)
		return -1;
	if (n > 0)
		return 1;
	return (int)one(
	    prep(db, "SELECT COUNT(*) FROM panel_consultations WHERE id = ?1", "s", id));
}

int panel_publish(sqlite3 *db, const char *id, long long now_ms)
{
	struct panel_consultation *c = malloc(sizeof(*c));
	enum panel_status s;
	int found = c ? panel_get(db, id, now_ms, c, &s) : -1;
	free(c);
	if (found <= 0)
		return found;
	if (s == PANEL_OPEN)
		return 2;
	return done(db, prep(db,
	                     "UPDATE panel_consultations SET status = 'published',"
	                     " published_at = COALESCE(published_at, ?2) WHERE id = ?1",
	                     "si", id, now_ms)) < 0
	           ? -1
	           : 1;
}

/* ---- results ----------------------------------------------------------------- */

/* The SQL condition "member m is in c's target group". */
#define IN_TARGET                                                                                  \
	"(?2 = 'all' OR (?2 = 'area' AND m.area = ?3) OR"                                          \
	" (?2 = 'topic' AND (',' || COALESCE(m.topics, '') || ',') LIKE ('%,' || ?3 || ',%')))"

int panel_results(sqlite3 *db, const struct panel_consultation *c, struct panel_results *r)
{
	memset(r, 0, sizeof(*r));
	r->responses = one(prep(
	    db, "SELECT COUNT(DISTINCT response_id) FROM panel_answers WHERE consultation_id = ?1",
	    "s", c->id));
	r->completed = one(prep(
	    db,
	    "SELECT COUNT(*) FROM panel_responses WHERE consultation_id = ?1 AND state = 'done'",
	    "s", c->id));
	r->members = one(prep(db,
	                      "SELECT COUNT(*) FROM panel_members m WHERE m.status = 'member'"
	                      " AND ?1 IS NOT NULL AND " IN_TARGET,
	                      "sss", c->id, panel_target_name(c->target), c->target_value));
	if (r->responses < 0 || r->completed < 0 || r->members < 0)
		return -1;
	sqlite3_stmt *st = prep(db,
	                        "SELECT qno, choice, COUNT(*), COUNT(DISTINCT response_id)"
	                        " FROM panel_answers WHERE consultation_id = ?1"
	                        " GROUP BY qno, choice",
	                        "s", c->id);
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int qno = sqlite3_column_int(st, 0), choice = sqlite3_column_int(st, 1);
		long long n = sqlite3_column_int64(st, 2);
		if (qno < 0 || qno >= c->nquestions)
			continue;
		const struct panel_question *q = &c->q[qno];
		struct panel_question_result *qr = &r->q[qno];
		if (q->kind == PANEL_SCALE && choice >= 1 && choice <= 5) {
			qr->count[choice - 1] += n;
			qr->sum += n * choice;
		} else if (q->kind != PANEL_SCALE && q->kind != PANEL_TEXT && choice >= 0 &&
		           choice < q->noptions) {
			qr->count[choice] += n;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	for (int i = 0; i < c->nquestions; i++)
		r->q[i].answered = one(prep(db,
		                            "SELECT COUNT(DISTINCT response_id) FROM panel_answers"
		                            " WHERE consultation_id = ?1 AND qno = ?2",
		                            "si", c->id, (long long)i));
	return 0;
}

int panel_answers_each(sqlite3 *db, const char *id, panel_answer_fn fn, void *arg)
{
	/* respondents numbered in the order of a hash of the response id, so
	 * the numbers do not follow the order members joined or answered */
	sqlite3_stmt *st = prep(db,
	                        "SELECT DENSE_RANK() OVER (ORDER BY (a.response_id * 2654435761)"
	                        " % 4294967291, a.response_id), a.qno, a.choice, a.text"
	                        " FROM panel_answers a WHERE a.consultation_id = ?1"
	                        " ORDER BY 1, a.qno, a.choice",
	                        "s", id);
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		       sqlite3_column_int(st, 2), (const char *)sqlite3_column_text(st, 3)) != 0)
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ---- members ------------------------------------------------------------------- */

int panel_member_get(sqlite3 *db, const char *page_id, const char *psid,
                     struct panel_member_info *m)
{
	memset(m, 0, sizeof(*m));
	sqlite3_stmt *st = prep(db,
	                        "SELECT status, area, topics, profile_step, invited_at"
	                        " FROM panel_members WHERE page_id = ?1 AND psid = ?2",
	                        "ss", page_id, psid);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int s = index_of((const char *)sqlite3_column_text(st, 0), member_names, 6);
		m->status = s < 0 ? PANEL_NONE : (enum panel_member)s;
		copy_col(st, 1, m->area, sizeof(m->area));
		copy_col(st, 2, m->topics, sizeof(m->topics));
		m->profile_step = sqlite3_column_int(st, 3);
		m->invited_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int panel_member_set(sqlite3 *db, const char *page_id, const char *psid, enum panel_member status,
                     long long now_ms)
{
	if (status == PANEL_NONE)
		return done(db,
		            prep(db, "DELETE FROM panel_members WHERE page_id = ?1 AND psid = ?2",
		                 "ss", page_id, psid)) < 0
		           ? -1
		           : 0;
	return done(db,
	            prep(db,
	                 "INSERT INTO panel_members (page_id, psid, status, invited_at,"
	                 " joined_at, left_at, updated_at)"
	                 " VALUES (?1, ?2, ?3, CASE WHEN ?3 = 'invited' THEN ?4 END,"
	                 "  CASE WHEN ?3 = 'member' THEN ?4 END,"
	                 "  CASE WHEN ?3 = 'left' THEN ?4 END, ?4)"
	                 " ON CONFLICT (page_id, psid) DO UPDATE SET status = ?3,"
	                 "  invited_at = CASE WHEN ?3 = 'invited' THEN ?4 ELSE invited_at END,"
	                 "  joined_at = CASE WHEN ?3 = 'member' THEN ?4 ELSE joined_at END,"
	                 "  left_at = CASE WHEN ?3 = 'left' THEN ?4 ELSE left_at END,"
	                 "  profile_step = CASE WHEN ?3 = 'member' THEN 0 ELSE profile_step END,"
	                 "  updated_at = ?4",
	                 "sssi", page_id, psid, member_names[status], now_ms)) < 0
	           ? -1
	           : 0;
}

int panel_consent(sqlite3 *db, const char *page_id, const char *psid, const char *version,
                  const char *answer, long long now_ms)
{
	enum panel_member to = !strcmp(answer, "yes")  ? PANEL_MEMBER
	                       : !strcmp(answer, "no") ? PANEL_DECLINED
	                                               : PANEL_LEFT;
	if (done(db, prep(db,
	                  "INSERT INTO panel_consents (page_id, psid, version, answer, at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5)",
	                  "ssssi", page_id, psid, version, answer, now_ms)) < 0)
		return -1;
	return panel_member_set(db, page_id, psid, to, now_ms);
}

int panel_profile_set(sqlite3 *db, const char *page_id, const char *psid, int step,
                      const char *field, const char *value)
{
	const char *sql = field && !strcmp(field, "area")
	                      ? "UPDATE panel_members SET profile_step = ?3, area = ?4"
	                        " WHERE page_id = ?1 AND psid = ?2"
	                  : field && !strcmp(field, "topics")
	                      ? "UPDATE panel_members SET profile_step = ?3, topics = ?4"
	                        " WHERE page_id = ?1 AND psid = ?2"
	                      : "UPDATE panel_members SET profile_step = ?3"
	                        " WHERE page_id = ?1 AND psid = ?2 AND ?4 IS NULL";
	return done(db,
	            prep(db, sql, "ssis", page_id, psid, (long long)step, field ? value : NULL)) < 0
	           ? -1
	           : 0;
}

#define OPEN_CONSULTATIONS                                                                         \
	"(SELECT id FROM panel_consultations WHERE status = 'open' AND closes_at > ?3)"

int panel_leave(sqlite3 *db, const char *page_id, const char *psid, const char *version,
                long long now_ms, struct panel_leave_result *r)
{
	*r = (struct panel_leave_result){0};
	long long a =
	    done(db, prep(db,
	                  "DELETE FROM panel_answers WHERE page_id = ?1 AND psid = ?2"
	                  " AND (text IS NOT NULL OR consultation_id IN " OPEN_CONSULTATIONS ")",
	                  "ssi", page_id, psid, now_ms));
	long long e = done(db, prep(db,
	                            "UPDATE panel_responses SET state = 'ended', token_hash = NULL,"
	                            " updated_at = ?3 WHERE page_id = ?1 AND psid = ?2",
	                            "ssi", page_id, psid, now_ms));
	r->kept =
	    one(prep(db, "SELECT COUNT(*) FROM panel_answers WHERE page_id = ?1 AND psid = ?2",
	             "ss", page_id, psid));
	if (a < 0 || e < 0 || r->kept < 0)
		return -1;
	r->deleted = a;
	return panel_consent(db, page_id, psid, version, "left", now_ms);
}

long long panel_answers_forget(sqlite3 *db, const char *page_id, const char *psid, int delete)
{
	long long n =
	    done(db, prep(db,
	                  delete ? "DELETE FROM panel_answers WHERE page_id = ?1 AND psid = ?2"
	                         : "UPDATE panel_answers SET page_id = NULL, psid = NULL"
	                           " WHERE page_id = ?1 AND psid = ?2",
	                  "ss", page_id, psid));
	if (n < 0)
		return -1;
	/* the responses go too: their answers are gone or no longer theirs */
	if (done(db,
	         prep(db,
	              "UPDATE panel_responses SET page_id = NULL, psid = NULL, token_hash = NULL"
	              " WHERE page_id = ?1 AND psid = ?2 AND state IN ('done', 'ended')",
	              "ss", page_id, psid)) < 0)
		return -1;
	return n;
}

int panel_member_counts(sqlite3 *db, struct panel_member_counts *n)
{
	memset(n, 0, sizeof(*n));
	sqlite3_stmt *st =
	    prep(db, "SELECT status, COUNT(*) FROM panel_members GROUP BY status", "");
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long c = sqlite3_column_int64(st, 1);
		switch (index_of((const char *)sqlite3_column_text(st, 0), member_names, 6)) {
		case PANEL_MEMBER:
			n->members = c;
			break;
		case PANEL_LEFT:
			n->left = c;
			break;
		case PANEL_DECLINED:
			n->declined = c;
			break;
		case PANEL_INVITED:
			n->invited = c;
			break;
		case PANEL_ASKED:
			n->asked = c;
			break;
		default:
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- responses ---------------------------------------------------------------- */

static int read_response(sqlite3_stmt *st, struct panel_response *r)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		copy_col(st, 1, r->consultation_id, sizeof(r->consultation_id));
		int s = index_of((const char *)sqlite3_column_text(st, 2), state_names, 5);
		r->state = s < 0 ? PANEL_ENDED : (enum panel_state)s;
		r->next_q = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int panel_current(sqlite3 *db, const char *page_id, const char *psid, long long now_ms,
                  struct panel_response *r)
{
	memset(r, 0, sizeof(*r));
	return read_response(prep(db,
	                          "SELECT id, consultation_id, state, next_q FROM panel_responses"
	                          " WHERE page_id = ?1 AND psid = ?2"
	                          " AND state IN ('offered', 'answering')"
	                          " AND consultation_id IN " OPEN_CONSULTATIONS
	                          " ORDER BY updated_at DESC LIMIT 1",
	                          "ssi", page_id, psid, now_ms),
	                     r);
}

int panel_next(sqlite3 *db, const char *page_id, const char *psid, long long now_ms,
               struct panel_response *r)
{
	int found = panel_current(db, page_id, psid, now_ms, r);
	if (found != 0)
		return found;
	sqlite3_stmt *st = prep(db,
	                        "SELECT c.id FROM panel_consultations c, panel_members m"
	                        " WHERE m.page_id = ?1 AND m.psid = ?2 AND m.status = 'member'"
	                        " AND c.status = 'open' AND c.opens_at <= ?3 AND c.closes_at > ?3"
	                        " AND (c.target = 'all' OR (c.target = 'area' AND"
	                        "  m.area = c.target_value) OR (c.target = 'topic' AND"
	                        "  (',' || COALESCE(m.topics, '') || ',') LIKE"
	                        "  ('%,' || c.target_value || ',%')))"
	                        " AND NOT EXISTS (SELECT 1 FROM panel_responses x"
	                        "  WHERE x.consultation_id = c.id AND x.page_id = ?1"
	                        "  AND x.psid = ?2)"
	                        " ORDER BY c.opens_at, c.id LIMIT 1",
	                        "ssi", page_id, psid, now_ms);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		copy_col(st, 0, r->consultation_id, sizeof(r->consultation_id));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int panel_offer(sqlite3 *db, const char *consultation_id, const char *page_id, const char *psid,
                long long now_ms, struct panel_response *r)
{
	if (done(db, prep(db,
	                  "INSERT INTO panel_responses (consultation_id, page_id, psid, state,"
	                  " created_at, updated_at) VALUES (?1, ?2, ?3, 'offered', ?4, ?4)",
	                  "sssi", consultation_id, page_id, psid, now_ms)) < 0)
		return -1;
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_last_insert_rowid(db);
	snprintf(r->consultation_id, sizeof(r->consultation_id), "%s", consultation_id);
	r->state = PANEL_OFFERED;
	return 0;
}

int panel_response_set(sqlite3 *db, long long response_id, enum panel_state state, int next_q,
                       long long now_ms)
{
	return done(db, prep(db,
	                     "UPDATE panel_responses SET state = ?2, next_q = ?3, updated_at = ?4"
	                     " WHERE id = ?1",
	                     "isii", response_id, state_names[state], (long long)next_q, now_ms)) <
	               0
	           ? -1
	           : 0;
}

int panel_answer(sqlite3 *db, long long response_id, const struct panel_question *q, int qno,
                 int choice, const char *text, long long now_ms)
{
	if (q->kind != PANEL_MULTIPLE &&
	    done(db, prep(db, "DELETE FROM panel_answers WHERE response_id = ?1 AND qno = ?2", "ii",
	                  response_id, (long long)qno)) < 0)
		return -1;
	if (q->kind == PANEL_MULTIPLE &&
	    done(db, prep(db,
	                  "DELETE FROM panel_answers WHERE response_id = ?1 AND qno = ?2"
	                  " AND choice = ?3",
	                  "iii", response_id, (long long)qno, (long long)choice)) < 0)
		return -1;
	return done(db,
	            prep(db,
	                 "INSERT INTO panel_answers (response_id, consultation_id, qno, choice,"
	                 " text, page_id, psid, created_at)"
	                 " SELECT id, consultation_id, ?2, ?3, ?4, page_id, psid, ?5"
	                 " FROM panel_responses WHERE id = ?1",
	                 "iiisi", response_id, (long long)qno, (long long)choice, text, now_ms)) < 0
	           ? -1
	           : 0;
}

int panel_chosen(sqlite3 *db, long long response_id, int qno, unsigned *bits)
{
	*bits = 0;
	sqlite3_stmt *st =
	    prep(db, "SELECT choice FROM panel_answers WHERE response_id = ?1 AND qno = ?2", "ii",
	         response_id, (long long)qno);
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int c = sqlite3_column_int(st, 0);
		if (c >= 0 && c < 32)
			*bits |= 1u << c;
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- links ------------------------------------------------------------------------ */

static void token_hash(const char *token, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)token, strlen(token), md);
	hex_encode(md, sizeof(md), out);
}

int panel_token_new(sqlite3 *db, long long response_id, char *token, size_t size)
{
	unsigned char raw[PANEL_TOKEN_HEX / 2];
	char hash[65];
	if (size < PANEL_TOKEN_HEX + 1 || RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	hex_encode(raw, sizeof(raw), token);
	token_hash(token, hash);
	return done(db, prep(db, "UPDATE panel_responses SET token_hash = ?2 WHERE id = ?1", "is",
	                     response_id, hash)) == 1
	           ? 0
	           : -1;
}

int panel_token_find(sqlite3 *db, const char *token, struct panel_link *l)
{
	memset(l, 0, sizeof(*l));
	if (strlen(token) != PANEL_TOKEN_HEX ||
	    strspn(token, "0123456789abcdef") != PANEL_TOKEN_HEX)
		return 0;
	char hash[65];
	token_hash(token, hash);
	struct panel_response r;
	int found = read_response(prep(db,
	                               "SELECT r.id, r.consultation_id, r.state, r.next_q"
	                               " FROM panel_responses r JOIN panel_members m"
	                               " ON m.page_id = r.page_id AND m.psid = r.psid"
	                               " WHERE r.token_hash = ?1 AND m.status = 'member'"
	                               " AND r.state != 'ended'",
	                               "s", hash),
	                          &r);
	if (found == 1) {
		l->response_id = r.id;
		snprintf(l->consultation_id, sizeof(l->consultation_id), "%s", r.consultation_id);
		l->state = r.state;
	}
	return found;
}

int panel_response_answers(sqlite3 *db, long long response_id, panel_own_fn fn, void *arg)
{
	sqlite3_stmt *st = prep(db,
	                        "SELECT qno, choice, text FROM panel_answers WHERE response_id = ?1"
	                        " ORDER BY qno, choice",
	                        "i", response_id);
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		       (const char *)sqlite3_column_text(st, 2)) != 0)
			break;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int panel_answers_clear(sqlite3 *db, long long response_id)
{
	return done(db, prep(db, "DELETE FROM panel_answers WHERE response_id = ?1", "i",
	                     response_id)) < 0
	           ? -1
	           : 0;
}
