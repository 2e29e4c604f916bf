/*
 * case.c - filing cases, status changes, notices and reading cases (see
 * case.h).
 *
 * Data flow of a report: case_file() looks for an open case of the same
 * category at the same place (find_duplicate); found -> the citizen is added
 * to case_followers; not found -> the year's counter in case_counters is
 * bumped and a new row in cases gets the reference PREFIX-YYYY-NNNNN.
 * A status change updates cases, appends to case_history and, when the case
 * is closed, writes one row per citizen into notices; the worker delivers
 * notices (case_notices_*). All statements are prepared with bound values;
 * no function here begins or ends a transaction.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "case.h"
#include "case_internal.h"
#include "content_data.h"
#include "core/text.h"
#include "store/db.h"

#define WINDOW_MS (24LL * 3600 * 1000)
#define WINDOW_MARGIN_MS (10LL * 60 * 1000)

static const char *const statuses[] = {"open", "in_progress", "resolved", "rejected"};

int case_status_bit(const char *status)
{
	for (int i = 0; status && i < 4; i++)
		if (!strcmp(status, statuses[i]))
			return 1 << i;
	return 0;
}

/* "what: SQLite's message" into err (the core helper, with the connection's error). */
static void case_db_err(char *err, size_t errlen, const char *what, sqlite3 *db)
{
	text_set_err(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "invalid");
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (nz(s))
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Leading number of a house number ("12B" -> 12), or -1. */
static int house_no(const char *s)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	int v = 0;
	for (; *s >= '0' && *s <= '9' && v < 100000; s++)
		v = v * 10 + (*s - '0');
	return v;
}

/* ---- filing ------------------------------------------------------------- */

/* Cuts s at max bytes without splitting a UTF-8 sequence. */
static int utf8_cut(const char *s, int max)
{
	int n = (int)strnlen(s, (size_t)max + 1);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Every text of a report is valid UTF-8 (Open311 forms can carry anything). */
static int report_is_utf8(const struct case_report *r)
{
	const char *texts[] = {r->text, r->street, r->house_number, r->pole_number, r->photos_json};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i] && !text_utf8_valid(texts[i], strlen(texts[i])))
			return 0;
	return 1;
}

static int check_report(const struct case_rules *rules, const struct case_report *r, char *err,
                        size_t errlen)
{
	const char *why = NULL;
	if (!report_is_utf8(r))
		why = "text is not valid UTF-8";
	else if (!case_rules_find(rules, r->category))
		why = "unknown category";
	else if (r->street && strlen(r->street) > 120)
		why = "street name too long";
	else if (r->house_number && strlen(r->house_number) > 15)
		why = "house number too long";
	else if (r->pole_number && strlen(r->pole_number) > 31)
		why = "pole number too long";
	else if (r->photos_json && strlen(r->photos_json) > CASE_MAX_PHOTOS)
		why = "too many photos";
	else if (r->has_location && (!isfinite(r->lat) || !isfinite(r->lon) || fabs(r->lat) > 90 ||
	                             fabs(r->lon) > 180))
		why = "location out of range";
	else if (r->photos_json) {
		json_t *p = json_loads(r->photos_json, 0, NULL);
		if (!json_is_array(p))
			why = "photos must be a JSON array of URLs";
		json_decref(p);
	}
	if (why && err)
		snprintf(err, errlen, "%s", why);
	return why ? CASE_INVALID : CASE_OK;
}

static double metres_between(double lat1, double lon1, double lat2, double lon2)
{
	const double rad = 3.14159265358979323846 / 180.0;
	double x = (lon2 - lon1) * rad * cos((lat1 + lat2) / 2 * rad);
	double y = (lat2 - lat1) * rad;
	return sqrt(x * x + y * y) * 6371000.0;
}

/* The oldest open case covering the same place; 1 found (id, ref set), 0 none, -1 error. */
static int find_duplicate(sqlite3 *db, const struct case_rules *rules, const struct case_report *r,
                          long long *id, char *ref, size_t reflen)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT id, reference, street, house_number, pole_number, lat, lon"
	                  " FROM cases WHERE category = ?1 AND status IN ('open', 'in_progress')"
	                  " AND ((?2 IS NOT NULL AND street = ?2 COLLATE NOCASE)"
	                  "   OR (?3 IS NOT NULL AND pole_number = ?3 COLLATE NOCASE)"
	                  "   OR (?4 IS NOT NULL AND lat IS NOT NULL))"
	                  " ORDER BY id";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, r->category, -1, SQLITE_TRANSIENT);
	bind_text(st, 2, r->street);
	bind_text(st, 3, r->pole_number);
	if (r->has_location)
		sqlite3_bind_int(st, 4, 1);
	int mine = house_no(r->house_number), found = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *street = (const char *)sqlite3_column_text(st, 2);
		const char *pole = (const char *)sqlite3_column_text(st, 4);
		int theirs = house_no((const char *)sqlite3_column_text(st, 3));
		int same_pole = nz(r->pole_number) && pole && !strcasecmp(pole, r->pole_number);
		int same_street = nz(r->street) && street && !strcasecmp(street, r->street) &&
		                  (mine < 0 || theirs < 0 ||
		                   abs(mine - theirs) <= case_rules_house_distance(rules));
		int near = r->has_location && sqlite3_column_type(st, 5) != SQLITE_NULL &&
		           metres_between(r->lat, r->lon, sqlite3_column_double(st, 5),
		                          sqlite3_column_double(st, 6)) <= case_rules_metres(rules);
		if (same_pole || same_street || near) {
			*id = sqlite3_column_int64(st, 0);
			snprintf(ref, reflen, "%s", (const char *)sqlite3_column_text(st, 1));
			found = 1;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

/* Adds the citizen as a follower; *already = 1 if they reported or followed it. */
static int add_follower(sqlite3 *db, long long case_id, const struct case_report *r, long long now,
                        int *already)
{
	sqlite3_stmt *st;
	*already = 0;
	if (!nz(r->page_id) || !nz(r->psid))
		return 0;
	const char *sql = "SELECT 1 FROM cases WHERE id = ?1 AND page_id = ?2 AND psid = ?3"
	                  " UNION ALL SELECT 1 FROM case_followers"
	                  " WHERE case_id = ?1 AND page_id = ?2 AND psid = ?3";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_text(st, 2, r->page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, r->psid, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) {
		*already = 1;
		return 0;
	}
	if (rc != SQLITE_DONE)
		return -1;
	sql = "INSERT INTO case_followers (case_id, page_id, psid, words, created_at)"
	      " VALUES (?1, ?2, ?3, ?4, ?5)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_text(st, 2, r->page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, r->psid, -1, SQLITE_TRANSIENT);
	if (r->text)
		sqlite3_bind_text(st, 4, r->text, utf8_cut(r->text, CASE_MAX_TEXT),
		                  SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Next sequence number of year (1, 2, ...). */
static long long next_seq(sqlite3 *db, int year)
{
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO case_counters (year, last) VALUES (?1, 1)"
	                  " ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, year);
	long long seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return seq;
}

static int insert_case(sqlite3 *db, const struct case_rules *rules, const struct case_report *r,
                       long long now, struct case_result *out)
{
	struct tm tm;
	content_cph_time(now, &tm);
	int year = tm.tm_year + 1900;
	long long seq = next_seq(db, year);
	if (seq < 0)
		return -1;
	int n = snprintf(out->reference, sizeof(out->reference), "%s-%d-%05lld",
	                 case_rules_prefix(rules), year, seq);
	if (n < 0 || (size_t)n >= sizeof(out->reference))
		return -1;
	const struct case_category *cat = case_rules_find(rules, r->category);
	snprintf(out->department, sizeof(out->department), "%s", cat->department);
	sqlite3_stmt *st;
	const char *sql =
	    "INSERT INTO cases (reference, year, seq, category, department, status, street,"
	    " house_number, pole_number, lat, lon, description, photos, source, page_id, psid,"
	    " created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
	    " ?16, ?16)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, out->reference, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, year);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_text(st, 4, r->category, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, cat->department, -1, SQLITE_TRANSIENT);
	bind_text(st, 6, r->street);
	bind_text(st, 7, r->house_number);
	bind_text(st, 8, r->pole_number);
	if (r->has_location) {
		sqlite3_bind_double(st, 9, r->lat);
		sqlite3_bind_double(st, 10, r->lon);
	}
	if (nz(r->text))
		sqlite3_bind_text(st, 11, r->text, utf8_cut(r->text, CASE_MAX_TEXT),
		                  SQLITE_TRANSIENT);
	bind_text(st, 12, r->photos_json);
	sqlite3_bind_text(st, 13, nz(r->source) ? r->source : "messenger", -1, SQLITE_TRANSIENT);
	bind_text(st, 14, r->page_id);
	bind_text(st, 15, r->psid);
	sqlite3_bind_int64(st, 16, now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	out->case_id = sqlite3_last_insert_rowid(db);
	return 0;
}

int case_file(sqlite3 *db, const struct case_rules *rules, const struct case_report *r,
              struct case_result *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	int rc = check_report(rules, r, err, errlen);
	if (rc != CASE_OK)
		return rc;
	long long now = r->now_ms ? r->now_ms : clock_now_ms();
	long long id;
	int found = find_duplicate(db, rules, r, &id, out->reference, sizeof(out->reference));
	if (found < 0) {
		case_db_err(err, errlen, "looking for duplicate cases", db);
		return CASE_ERROR;
	}
	snprintf(out->status, sizeof(out->status), "open");
	if (found) {
		out->case_id = id;
		out->existing = 1;
		snprintf(out->department, sizeof(out->department), "%s",
		         case_rules_find(rules, r->category)->department);
		if (add_follower(db, id, r, now, &out->already_following) < 0) {
			case_db_err(err, errlen, "adding a follower", db);
			return CASE_ERROR;
		}
		return CASE_OK;
	}
	if (insert_case(db, rules, r, now, out) < 0) {
		case_db_err(err, errlen, "filing a case", db);
		return CASE_ERROR;
	}
	return CASE_OK;
}

/* ---- status changes ----------------------------------------------------- */

/* Appends s to buf replacing {street} with place. */
static void render(char *buf, size_t size, const char *tmpl, const char *place)
{
	size_t n = strlen(buf);
	for (const char *p = tmpl; *p && n + 1 < size;) {
		if (!strncmp(p, "{street}", 8)) {
			int w = snprintf(buf + n, size - n, "%s", place);
			n = w < 0 ? n : n + (size_t)w >= size ? size - 1 : n + (size_t)w;
			p += 8;
		} else {
			buf[n++] = *p++;
			buf[n] = '\0';
		}
	}
}

static void capitalise_first(char *s)
{
	if (*s >= 'a' && *s <= 'z')
		*s = (char)(*s - 'a' + 'A');
}

static void notice_text(const struct case_category *cat, const struct case_row *row,
                        const char *status, const char *note, char *buf, size_t size)
{
	char place[200];
	if (row->street[0] && row->house_number[0])
		snprintf(place, sizeof(place), "%s %s", row->street, row->house_number);
	else if (row->street[0])
		snprintf(place, sizeof(place), "%s", row->street);
	else if (row->pole_number[0])
		snprintf(place, sizeof(place), "lygtepæl %s", row->pole_number);
	else
		snprintf(place, sizeof(place), "det sted, du meldte");
	buf[0] = '\0';
	if (!strcmp(status, "resolved")) {
		render(buf, size, "Godt nyt: ", place);
		size_t at = strlen(buf);
		render(buf, size, cat->resolved_text, place);
		capitalise_first(buf + at);
		size_t n = strlen(buf);
		snprintf(buf + n, size - n, " (sag %s). Tak fordi du sagde til!", row->reference);
		return;
	}
	render(buf, size, "Vi har set på din henvendelse om ", place);
	render(buf, size, cat->subject, place);
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, " (sag %s) og har lukket sagen%s%s", row->reference,
	         nz(note) ? ": " : ".", nz(note) ? note : "");
	n = strlen(buf);
	if (nz(note) && n > 0 && !strchr(".!?", buf[n - 1]) && n + 1 < size) {
		buf[n] = '.';
		buf[n + 1] = '\0';
	}
	n = strlen(buf);
	snprintf(buf + n, size - n, " Skriv endelig igen, hvis problemet ikke er løst.");
}

static int append_recipient(struct case_status_change *c, const char *page, const char *psid)
{
	for (size_t i = 0; i < c->nrecipients; i++)
		if (!strcmp(c->recipients[i].page_id, page) && !strcmp(c->recipients[i].psid, psid))
			return 0;
	struct case_recipient *v =
	    realloc(c->recipients, (c->nrecipients + 1) * sizeof(*c->recipients));
	if (!v)
		return -1;
	c->recipients = v;
	struct case_recipient *x = &v[c->nrecipients++];
	memset(x, 0, sizeof(*x));
	snprintf(x->page_id, sizeof(x->page_id), "%s", page);
	snprintf(x->psid, sizeof(x->psid), "%s", psid);
	return 0;
}

static int collect_recipients(sqlite3 *db, long long case_id, long long now,
                              struct case_status_change *c)
{
	sqlite3_stmt *st;
	const char *sql =
	    "SELECT x.page_id, x.psid, ci.last_inbound_at FROM ("
	    "  SELECT page_id, psid, 0 AS o FROM cases WHERE id = ?1 AND psid IS NOT NULL"
	    "  UNION ALL SELECT page_id, psid, 1 FROM case_followers WHERE case_id = ?1) x"
	    " LEFT JOIN citizens ci ON ci.page_id = x.page_id AND ci.psid = x.psid"
	    " ORDER BY x.o";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (append_recipient(c, (const char *)sqlite3_column_text(st, 0),
		                     (const char *)sqlite3_column_text(st, 1)) < 0)
			break;
		long long last = sqlite3_column_int64(st, 2);
		c->recipients[c->nrecipients - 1].in_window =
		    sqlite3_column_type(st, 2) != SQLITE_NULL &&
		    last > now - WINDOW_MS + WINDOW_MARGIN_MS;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int insert_notices(sqlite3 *db, long long case_id, long long now,
                          struct case_status_change *c)
{
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO notices (page_id, psid, case_id, text, created_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = SQLITE_DONE;
	for (size_t i = 0; i < c->nrecipients && rc == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, c->recipients[i].page_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, c->recipients[i].psid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, case_id);
		sqlite3_bind_text(st, 4, c->text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, now);
		rc = sqlite3_step(st);
		c->recipients[i].notice_id = sqlite3_last_insert_rowid(db);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int update_status(sqlite3 *db, long long case_id, const char *old, const char *status,
                         const char *note, const char *actor, long long now)
{
	sqlite3_stmt *st;
	const char *sql = "UPDATE cases SET status = ?2, status_note = ?3, updated_at = ?4,"
	                  " closed_at = CASE WHEN ?2 IN ('resolved', 'rejected') THEN ?4 END"
	                  " WHERE id = ?1";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
	bind_text(st, 3, note);
	sqlite3_bind_int64(st, 4, now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	sql = "INSERT INTO case_history (case_id, at, actor, old_status, new_status, note)"
	      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, actor);
	sqlite3_bind_text(st, 4, old, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_TRANSIENT);
	bind_text(st, 6, note);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int case_set_status(sqlite3 *db, const struct case_rules *rules, const char *reference,
                    const char *status, const char *note, const char *actor, long long now_ms,
                    struct case_status_change *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!case_status_bit(status)) {
		snprintf(err, errlen, "status must be open, in_progress, resolved or rejected");
		return CASE_INVALID;
	}
	if ((note && strlen(note) > 1000) || (actor && strlen(actor) > 100)) {
		snprintf(err, errlen, "note or actor too long");
		return CASE_INVALID;
	}
	long long now = now_ms ? now_ms : clock_now_ms();
	struct case_row row;
	int found = reference && strlen(reference) < 32 ? case_get(db, reference, &row) : 0;
	if (found <= 0) {
		if (found < 0)
			case_db_err(err, errlen, "reading the case", db);
		else
			snprintf(err, errlen, "no case with reference '%.40s'",
			         reference ? reference : "");
		return found < 0 ? CASE_ERROR : CASE_NOT_FOUND;
	}
	snprintf(out->reference, sizeof(out->reference), "%s", row.reference);
	snprintf(out->old_status, sizeof(out->old_status), "%s", row.status);
	snprintf(out->new_status, sizeof(out->new_status), "%s", status);
	int rc = CASE_OK;
	if (!strcmp(row.status, status)) {
		snprintf(err, errlen, "case %s is already %s", row.reference, status);
		rc = CASE_CONFLICT;
	} else if (update_status(db, row.id, row.status, status, note, actor, now) < 0) {
		case_db_err(err, errlen, "updating the case", db);
		rc = CASE_ERROR;
	} else if (!strcmp(status, "resolved") || !strcmp(status, "rejected")) {
		const struct case_category *cat = case_rules_find(rules, row.category);
		if (cat)
			notice_text(cat, &row, status, note, out->text, sizeof(out->text));
		if (cat && (collect_recipients(db, row.id, now, out) < 0 ||
		            insert_notices(db, row.id, now, out) < 0)) {
			case_db_err(err, errlen, "queueing notices", db);
			rc = CASE_ERROR;
		}
	}
	case_row_clear(&row);
	return rc;
}

void case_status_change_free(struct case_status_change *c)
{
	free(c->recipients);
	c->recipients = NULL;
	c->nrecipients = 0;
}

/* ---- notices ------------------------------------------------------------ */

static int read_notices(sqlite3_stmt *st, struct case_notice **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct case_notice *v = realloc(*out, (*n + 1) * sizeof(**out));
		if (!v)
			break;
		*out = v;
		struct case_notice *x = &v[*n];
		x->id = sqlite3_column_int64(st, 0);
		snprintf(x->page_id, sizeof(x->page_id), "%s", sqlite3_column_text(st, 1));
		snprintf(x->psid, sizeof(x->psid), "%s", sqlite3_column_text(st, 2));
		snprintf(x->reference, sizeof(x->reference), "%s",
		         sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3)
		                                    : "");
		x->text = strdup((const char *)sqlite3_column_text(st, 4));
		x->created_at = sqlite3_column_int64(st, 5);
		if (!x->text)
			break;
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		case_notices_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

#define NOTICE_COLUMNS                                                                             \
	"SELECT n.id, n.page_id, n.psid, c.reference, n.text, n.created_at FROM notices n"         \
	" LEFT JOIN cases c ON c.id = n.case_id"

int case_notices_due_for(sqlite3 *db, const char *page_id, const char *psid, size_t limit,
                         struct case_notice **out, size_t *n)
{
	sqlite3_stmt *st;
	*out = NULL;
	*n = 0;
	const char *sql = NOTICE_COLUMNS " WHERE n.delivered_at IS NULL AND n.page_id = ?1"
	                                 " AND n.psid = ?2 ORDER BY n.id LIMIT ?3";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (long long)(limit ? limit : 100));
	return read_notices(st, out, n);
}

int case_notices_within_window(sqlite3 *db, long long now_ms, size_t limit,
                               struct case_notice **out, size_t *n)
{
	sqlite3_stmt *st;
	*out = NULL;
	*n = 0;
	const char *sql = NOTICE_COLUMNS " JOIN citizens ci ON ci.page_id = n.page_id"
	                                 " AND ci.psid = n.psid WHERE n.delivered_at IS NULL"
	                                 " AND ci.last_inbound_at > ?1 ORDER BY n.id LIMIT ?2";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	long long now = now_ms ? now_ms : clock_now_ms();
	sqlite3_bind_int64(st, 1, now - WINDOW_MS + WINDOW_MARGIN_MS);
	sqlite3_bind_int64(st, 2, (long long)(limit ? limit : 100));
	return read_notices(st, out, n);
}

int case_notice_delivered(sqlite3 *db, long long notice_id, long long now_ms)
{
	sqlite3_stmt *st;
	const char *sql = "UPDATE notices SET delivered_at = ?2 WHERE id = ?1"
	                  " AND delivered_at IS NULL";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, notice_id);
	sqlite3_bind_int64(st, 2, now_ms ? now_ms : clock_now_ms());
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void case_notices_free(struct case_notice *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

/* ---- reading ------------------------------------------------------------ */

#define CASE_COLUMNS                                                                               \
	"SELECT id, reference, category, department, status, street, house_number, pole_number,"   \
	" lat, lon, source, description, photos, status_note, created_at, updated_at,"             \
	" (SELECT COUNT(*) FROM case_followers f WHERE f.case_id = cases.id) FROM cases"

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	snprintf(dst, size, "%s", s ? (const char *)s : "");
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

static void read_row(sqlite3_stmt *st, struct case_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	copy_col(st, 1, r->reference, sizeof(r->reference));
	copy_col(st, 2, r->category, sizeof(r->category));
	copy_col(st, 3, r->department, sizeof(r->department));
	copy_col(st, 4, r->status, sizeof(r->status));
	copy_col(st, 5, r->street, sizeof(r->street));
	copy_col(st, 6, r->house_number, sizeof(r->house_number));
	copy_col(st, 7, r->pole_number, sizeof(r->pole_number));
	r->has_location = sqlite3_column_type(st, 8) != SQLITE_NULL;
	r->lat = sqlite3_column_double(st, 8);
	r->lon = sqlite3_column_double(st, 9);
	copy_col(st, 10, r->source, sizeof(r->source));
	r->description = dup_col(st, 11);
	r->photos = dup_col(st, 12);
	r->status_note = dup_col(st, 13);
	r->created_at = sqlite3_column_int64(st, 14);
	r->updated_at = sqlite3_column_int64(st, 15);
	r->followers = sqlite3_column_int(st, 16);
}

void case_row_clear(struct case_row *row)
{
	free(row->description);
	free(row->photos);
	free(row->status_note);
	row->description = row->photos = row->status_note = NULL;
}

int case_get(sqlite3 *db, const char *reference, struct case_row *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, CASE_COLUMNS " WHERE reference = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, reference, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, out);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int case_latest_followed(sqlite3 *db, const char *page_id, const char *psid, const char *category,
                         struct case_row *out)
{
	sqlite3_stmt *st;
	const char *sql = CASE_COLUMNS
	    " WHERE ((page_id = ?1 AND psid = ?2)"
	    "   OR id IN (SELECT case_id FROM case_followers WHERE page_id = ?1 AND psid = ?2))"
	    " AND status IN ('open', 'in_progress') AND (?3 IS NULL OR category = ?3)"
	    " ORDER BY id DESC LIMIT 1";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_TRANSIENT);
	bind_text(st, 3, category);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, out);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int case_list(sqlite3 *db, const struct case_filter *f, case_row_fn fn, void *arg)
{
	sqlite3_stmt *st;
	const char *sql = CASE_COLUMNS
	    " WHERE (?1 = 0 OR (?1 >> (CASE status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1"
	    "   WHEN 'resolved' THEN 2 ELSE 3 END)) & 1)"
	    " AND (?2 IS NULL OR category = ?2)"
	    " AND (?3 IS NULL OR street = ?3 COLLATE NOCASE)"
	    " AND (?4 = 0 OR created_at >= ?4) AND (?5 = 0 OR created_at <= ?5)"
	    " AND (?6 IS NULL OR instr(?6, ',' || reference || ',') > 0)"
	    " AND (?9 IS NULL OR department = ?9)"
	    " ORDER BY id DESC LIMIT ?7 OFFSET ?8";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, f->status_mask);
	bind_text(st, 2, f->category);
	bind_text(st, 3, f->street);
	sqlite3_bind_int64(st, 4, f->since_ms);
	sqlite3_bind_int64(st, 5, f->until_ms);
	bind_text(st, 6, f->references);
	sqlite3_bind_int(st, 7, f->limit > 0 ? f->limit : 1000);
	sqlite3_bind_int(st, 8, f->offset > 0 ? f->offset : 0);
	bind_text(st, 9, f->department);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct case_row row;
		read_row(st, &row);
		n++;
		int stop = fn(arg, &row);
		case_row_clear(&row);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int case_history(sqlite3 *db, long long case_id, case_history_fn fn, void *arg)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT at, actor, old_status, new_status, note FROM case_history"
	                  " WHERE case_id = ?1 ORDER BY id";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
		   (const char *)sqlite3_column_text(st, 2),
		   (const char *)sqlite3_column_text(st, 3),
		   (const char *)sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- drafts ------------------------------------------------------------- */

int case_draft_save(sqlite3 *db, const char *page_id, const char *psid, const char *category,
                    const char *text, const char *photos_json, long long now_ms)
{
	sqlite3_stmt *st;
	const char *sql = "INSERT OR REPLACE INTO case_drafts (page_id, psid, category, text,"
	                  " photos, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	if (!page_id || !psid || !category || strlen(category) >= 48)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, category, -1, SQLITE_TRANSIENT);
	if (nz(text))
		sqlite3_bind_text(st, 4, text, utf8_cut(text, CASE_MAX_TEXT), SQLITE_TRANSIENT);
	if (photos_json && strlen(photos_json) <= CASE_MAX_PHOTOS)
		sqlite3_bind_text(st, 5, photos_json, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now_ms ? now_ms : clock_now_ms());
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int case_draft_take(sqlite3 *db, const char *page_id, const char *psid, long long max_age_ms,
                    long long now_ms, struct case_draft *out)
{
	sqlite3_stmt *st;
	long long now = now_ms ? now_ms : clock_now_ms();
	memset(out, 0, sizeof(*out));
	const char *sql = "DELETE FROM case_drafts WHERE page_id = ?1 AND psid = ?2"
	                  " RETURNING category, text, photos, created_at";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, page_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 3) >= now - max_age_ms) {
		copy_col(st, 0, out->category, sizeof(out->category));
		out->text = dup_col(st, 1);
		out->photos_json = dup_col(st, 2);
		out->created_at = sqlite3_column_int64(st, 3);
		found = 1;
	}
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st); /* finish the statement so the delete happens */
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		case_draft_clear(out);
		return -1;
	}
	return found;
}

void case_draft_clear(struct case_draft *d)
{
	free(d->text);
	free(d->photos_json);
	d->text = d->photos_json = NULL;
}
