/*
 * staff_api.c - the staff JSON API (see staff_api.h, docs/staff-api.md).
 *
 * Request flow: route by method and path -> this HTTP thread's connection
 * (store_thread_db) -> API key
 * from the Bearer header checked for the route's scope (401/403) -> query
 * or body validated (400/413/415) -> read, or write in one store_write()
 * transaction -> JSON answer. Errors are
 * {"error": {"status": N, "message": "..."}}.
 */
#include "staff_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "domain/case_json.h"
#include "domain/case_notify.h"
#include "domain/content_data.h"
#include "store/db.h"
#include "core/clock.h"
#include "core/log.h"

#define CASES_PREFIX "/api/cases"
#define RUNS_PATH "/api/gritting/runs"
#define PLAN_PATH "/api/gritting/plan"

struct staff_api {
	struct staff_api_options opt;
};

struct staff_api *staff_api_new(const struct staff_api_options *opt, char *err, size_t errlen)
{
	struct staff_api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->opt = *opt;
	return a;
}

void staff_api_free(struct staff_api *a)
{
	free(a);
}

/* ---- request helpers ---------------------------------------------------- */

static sqlite3 *open_db(struct staff_api *a)
{
	char err[300];
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db)
		log_event(LOG_ERROR, "staff_api_db", "error", err, NULL);
	return db;
}

/* ---- /api/cases --------------------------------------------------------- */

static int parse_status_list(const char *s, int *mask)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int bit = case_status_bit(t);
		if (!bit)
			return -1;
		*mask |= bit;
	}
	return *mask ? 0 : -1;
}

static int append_case(void *arg, const struct case_row *row)
{
	json_array_append_new(arg, case_row_json(row));
	return 0;
}

/* 1 if name is the department of a case category (the cases' own
 * departments). */
static int is_case_department(const struct case_rules *rules, const char *name)
{
	const struct case_category *c;
	for (size_t i = 0; (c = case_rules_at(rules, i)); i++)
		if (!strcmp(c->department, name))
			return 1;
	return 0;
}

static int list_cases(struct http_req *req, sqlite3 *db, const struct case_rules *rules)
{
	char status[128], category[64], street[128], since[48], until[48], department[96];
	struct case_filter f = {0};
	int p;
	f.limit = 100;
	if ((p = api_query(req, "status", status, sizeof(status))) < 0 ||
	    (p > 0 && parse_status_list(status, &f.status_mask) < 0))
		return api_error(req, 400,
		                 "status must be open, in_progress, resolved or "
		                 "rejected (comma-separated)");
	if ((p = api_query(req, "category", category, sizeof(category))) < 0 ||
	    (p > 0 && !case_rules_find(rules, category)))
		return api_error(req, 400, "category must be one of categories.csv's codes");
	f.category = p ? category : NULL;
	if ((p = api_query(req, "department", department, sizeof(department))) < 0 ||
	    (p > 0 && !is_case_department(rules, department)))
		return api_error(req, 400, "department must be a department of categories.csv");
	f.department = p ? department : NULL;
	if ((p = api_query(req, "street", street, sizeof(street))) < 0)
		return api_error(req, 400, "street too long");
	f.street = p ? street : NULL;
	if ((p = api_query(req, "since", since, sizeof(since))) < 0 ||
	    (p && content_parse_iso8601(since, &f.since_ms) < 0))
		return api_error(req, 400, "since must be an ISO 8601 time");
	if ((p = api_query(req, "until", until, sizeof(until))) < 0 ||
	    (p && content_parse_iso8601(until, &f.until_ms) < 0))
		return api_error(req, 400, "until must be an ISO 8601 time");
	if (api_query_int(req, "limit", 1, 1000, &f.limit) < 0)
		return api_error(req, 400, "limit must be 1-1000");
	if (api_query_int(req, "offset", 0, 100000000, &f.offset) < 0)
		return api_error(req, 400, "offset must be a number >= 0");
	json_t *arr = json_array();
	if (case_list(db, &f, append_case, arr) < 0) {
		json_decref(arr);
		return api_error(req, 500, "cannot read cases");
	}
	return http_reply_json(
	    req, 200, json_pack("{s:i, s:o}", "count", (int)json_array_size(arr), "cases", arr),
	    NULL);
}

static void append_history(void *arg, long long at, const char *actor, const char *old_status,
                           const char *new_status, const char *note)
{
	char when[40];
	content_iso8601(at, when, sizeof(when));
	json_array_append_new(arg, json_pack("{s:s, s:o, s:s, s:s, s:o}", "at", when, "actor",
	                                     api_str_or_null(actor), "from", old_status, "to",
	                                     new_status, "note", api_str_or_null(note)));
}

static int show_case(struct http_req *req, sqlite3 *db, const char *ref)
{
	struct case_row row;
	int found = case_get(db, ref, &row);
	if (found < 0)
		return api_error(req, 500, "cannot read the case");
	if (!found)
		return api_error(req, 404, "no case with that reference");
	json_t *obj = case_row_json(&row);
	json_t *hist = json_array();
	case_history(db, row.id, append_history, hist);
	json_object_set_new(obj, "history", hist);
	case_row_clear(&row);
	return http_reply_json(req, 200, obj, NULL);
}

/* Who may change a case's status: an API key with the scope (a team's
 * system), an admin, or staff of the case's own department. 0 allowed, or
 * the status of the error reply sent (403, 404, 500). */
static int may_change_case(struct http_req *req, sqlite3 *db, const char *ref,
                           const struct api_actor *who)
{
	if (who->kind == API_ACTOR_KEY || who->is_admin)
		return 0;
	struct case_row row;
	int found = case_get(db, ref, &row);
	if (found < 0)
		return api_error(req, 500, "cannot read the case");
	if (!found)
		return api_error(req, 404, "no case with that reference");
	int same = !strcmp(row.department, who->department);
	case_row_clear(&row);
	return same ? 0
	            : api_error(req, 403,
	                        "only staff of the case's department (or an admin) may change "
	                        "its status");
}

static int set_status(struct staff_api *a, struct http_req *req, sqlite3 *db,
                      const struct case_rules *rules, const char *ref, const struct api_actor *who)
{
	int denied = may_change_case(req, db, ref, who);
	if (denied)
		return denied;
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	char label[100];
	api_actor_label(who, label, sizeof(label));
	const char *actor = who->name;
	int bad = 0;
	const char *status = api_member(body, "status", 20, &bad);
	const char *note = api_member(body, "note", 1000, &bad);
	if (bad || !status) {
		json_decref(body);
		return api_error(req, 400,
		                 "the body needs \"status\" (open, in_progress, "
		                 "resolved, rejected) and may have a \"note\" of at "
		                 "most 1000 bytes");
	}
	struct case_status_request change = {ref, status, note, actor, label};
	struct case_status_change ch;
	int sent;
	char err[300];
	int rc = case_change_status(a->opt.store, db, rules, &change, &ch, &sent, err, sizeof(err));
	json_decref(body);
	if (rc == CASE_BUSY)
		return api_error(req, 503, "the database is busy; try again");
	if (rc != CASE_OK) {
		case_status_change_free(&ch);
		int code = rc == CASE_INVALID     ? 400
		           : rc == CASE_NOT_FOUND ? 404
		           : rc == CASE_CONFLICT  ? 409
		                                  : 500;
		return api_error(req, code, rc == CASE_ERROR ? "cannot update the case" : err);
	}
	log_event(LOG_INFO, "case_status", "reference", ch.reference, "status", ch.new_status,
	          "actor", actor, NULL);
	if (sent > 0 && a->opt.notify)
		a->opt.notify(a->opt.notify_arg);
	json_t *out = case_status_change_json(&ch, sent);
	case_status_change_free(&ch);
	return http_reply_json(req, 200, out, NULL);
}

static int cases_handler(struct http_req *req, void *cbdata)
{
	struct staff_api *a = cbdata;
	const char *rest = http_req_path(req) + strlen(CASES_PREFIX);
	char ref[40] = "";
	int is_status = 0;
	if (*rest == '/' && rest[1]) {
		const char *slash = strchr(rest + 1, '/');
		size_t n = slash ? (size_t)(slash - rest - 1) : strlen(rest + 1);
		if (n >= sizeof(ref) || (slash && strcmp(slash, "/status") != 0))
			return api_error(req, 404, "not found");
		memcpy(ref, rest + 1, n);
		ref[n] = '\0';
		is_status = slash != NULL;
	} else if (*rest && strcmp(rest, "/") != 0) {
		return api_error(req, 404, "not found");
	}
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	if ((is_status && !post) || (!is_status && !get))
		return api_error(req, 405, is_status ? "use POST" : "use GET");
	sqlite3 *db = open_db(a);
	if (!db)
		return api_error(req, 500, "database unavailable");
	struct api_actor who;
	int rc = api_authorise(req, db, "cases", &who);
	if (rc != 0)
		return rc;
	const struct municipality_data *d = municipality_hold(a->opt.data);
	rc = is_status ? set_status(a, req, db, d->cases, ref, &who)
	     : ref[0]  ? show_case(req, db, ref)
	               : list_cases(req, db, d->cases);
	municipality_release(a->opt.data, d);
	return rc;
}

/* ---- /api/gritting/runs ------------------------------------------------- */

static int time_member(json_t *obj, const char *key, long long *ms)
{
	int bad = 0;
	const char *s = api_member(obj, key, 40, &bad);
	return !bad && s && content_parse_iso8601(s, ms) == 0 ? 0 : -1;
}

/* A gritting run, in one transaction. */
struct run_txn {
	const struct winter_plan *winter;
	const char *route, *cls;
	long long started, ended;
	const struct api_actor *who;
	int ran, bad;
	long long id;
	char err[200];
};

static int insert_run(sqlite3 *db, void *arg)
{
	struct run_txn *t = arg;
	t->ran = 1;
	t->id = winter_record_run(t->winter, db, t->route, t->cls, t->started, t->ended,
	                          t->who->name, &t->bad, t->err, sizeof(t->err));
	if (t->id <= 0)
		return 1;
	char object[40], detail[100];
	snprintf(object, sizeof(object), "gritting_run:%lld", t->id);
	snprintf(detail, sizeof(detail), "%s %s", t->route ? "route" : "class",
	         t->route ? t->route : t->cls);
	if (api_audit(db, t->who, "gritting.run", object, detail) < 0) {
		t->id = -1;
		return 1;
	}
	return 0;
}

/* Who may record a gritting run: an API key with the scope (the
 * contractor's system), an admin, or staff of winter.txt's department. */
static int may_record_run(const struct winter_plan *winter, const struct api_actor *who)
{
	const char *dept = winter_department(winter);
	return who->kind == API_ACTOR_KEY || who->is_admin ||
	       (dept[0] && !strcmp(dept, who->department));
}

static int record_run(struct staff_api *a, struct http_req *req, sqlite3 *db,
                      const struct winter_plan *winter, const struct api_actor *who)
{
	if (!may_record_run(winter, who))
		return api_error(req, 403,
		                 "only staff of the winter service's department (or an admin) may "
		                 "record gritting runs");
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	int bad = 0;
	const char *route = api_member(body, "route", 60, &bad);
	const char *cls = api_member(body, "class", 8, &bad);
	long long started, ended;
	if (bad || time_member(body, "started_at", &started) < 0 ||
	    time_member(body, "ended_at", &ended) < 0) {
		json_decref(body);
		return api_error(req, 400,
		                 "the body needs \"route\" or \"class\" and "
		                 "\"started_at\", \"ended_at\" as ISO 8601 times");
	}
	struct run_txn t = {winter, route, cls, started, ended, who, 0, 0, 0, ""};
	if (store_write(a->opt.store, db, insert_run, &t, NULL, 0) != 0 && t.id > 0)
		t.id = -1; /* the commit failed */
	if (!t.ran) {
		json_decref(body);
		return api_error(req, 503, "the database is busy; try again");
	}
	long long id = t.id;
	bad = t.bad;
	const char *err = t.err;
	json_t *out = NULL;
	if (id > 0) {
		char s[40], e[40];
		content_iso8601(started, s, sizeof(s));
		content_iso8601(ended, e, sizeof(e));
		out = json_pack("{s:I, s:o, s:o, s:s, s:s}", "id", (json_int_t)id, "route",
		                api_str_or_null(route), "class", api_str_or_null(cls), "started_at",
		                s, "ended_at", e);
	}
	json_decref(body);
	if (id <= 0)
		return api_error(req, bad ? 400 : 500, bad ? err : "cannot record the run");
	return http_reply_json(req, 201, out, NULL);
}

static int list_runs(struct http_req *req, sqlite3 *db)
{
	char since[48];
	long long since_ms = clock_now_ms() - 7LL * 24 * 3600 * 1000;
	int p = api_query(req, "since", since, sizeof(since));
	if (p < 0 || (p && content_parse_iso8601(since, &since_ms) < 0))
		return api_error(req, 400, "since must be an ISO 8601 time");
	sqlite3_stmt *st;
	const char *sql = "SELECT id, route, class, started_at, ended_at, recorded_by"
	                  " FROM gritting_runs WHERE ended_at >= ?1 ORDER BY ended_at DESC"
	                  " LIMIT 1000";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return api_error(req, 500, "cannot read runs");
	sqlite3_bind_int64(st, 1, since_ms);
	json_t *arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char s[40], e[40];
		content_iso8601(sqlite3_column_int64(st, 3), s, sizeof(s));
		content_iso8601(sqlite3_column_int64(st, 4), e, sizeof(e));
		json_array_append_new(
		    arr,
		    json_pack("{s:I, s:o, s:o, s:s, s:s, s:o}", "id",
		              (json_int_t)sqlite3_column_int64(st, 0), "route",
		              api_str_or_null((const char *)sqlite3_column_text(st, 1)), "class",
		              api_str_or_null((const char *)sqlite3_column_text(st, 2)),
		              "started_at", s, "ended_at", e, "recorded_by",
		              api_str_or_null((const char *)sqlite3_column_text(st, 5))));
	}
	sqlite3_finalize(st);
	return http_reply_json(req, 200, json_pack("{s:o}", "runs", arr), NULL);
}

static int runs_handler(struct http_req *req, void *cbdata)
{
	struct staff_api *a = cbdata;
	if (strcmp(http_req_path(req), RUNS_PATH) != 0)
		return api_error(req, 404, "not found");
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	if (!get && !post)
		return api_error(req, 405, "use GET or POST");
	sqlite3 *db = open_db(a);
	if (!db)
		return api_error(req, 500, "database unavailable");
	struct api_actor who;
	int rc = api_authorise(req, db, "gritting", &who);
	if (rc != 0 || !post)
		return rc ? rc : list_runs(req, db);
	const struct municipality_data *d = municipality_hold(a->opt.data);
	rc = record_run(a, req, db, d->winter, &who);
	municipality_release(a->opt.data, d);
	return rc;
}

/* winter_each_* into an array of {k1: code, k2: label}. */
struct name_list {
	json_t *arr;
	const char *k1, *k2;
};

static void append_name(void *arg, const char *code, const char *label)
{
	struct name_list *l = arg;
	json_array_append_new(l->arr, json_pack("{s:s, s:s}", l->k1, code, l->k2, label));
}

/* The routes, the classes, the winter department and whether this user
 * may record a run: what the console's gritting form needs. */
static json_t *plan_json(const struct winter_plan *winter, const struct api_actor *who)
{
	struct name_list routes = {json_array(), "route", "area"};
	struct name_list classes = {json_array(), "class", "name"};
	winter_each_route(winter, append_name, &routes);
	winter_each_class(winter, append_name, &classes);
	return json_pack("{s:o, s:b, s:o, s:o}", "department",
	                 api_str_or_null(winter_department(winter)), "may_record",
	                 may_record_run(winter, who), "routes", routes.arr, "classes", classes.arr);
}

static int plan_handler(struct http_req *req, void *cbdata)
{
	struct staff_api *a = cbdata;
	if (strcmp(http_req_path(req), PLAN_PATH) != 0)
		return api_error(req, 404, "not found");
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	sqlite3 *db = open_db(a);
	if (!db)
		return api_error(req, 500, "database unavailable");
	struct api_actor who;
	int rc = api_authorise(req, db, "gritting", &who);
	if (rc != 0)
		return rc;
	const struct municipality_data *d = municipality_hold(a->opt.data);
	json_t *plan = plan_json(d->winter, &who);
	municipality_release(a->opt.data, d);
	return http_reply_json(req, 200, plan, NULL);
}

static int api_fallback(struct http_req *req, void *cbdata)
{
	(void)cbdata;
	return api_error(req, 404, "not found");
}

void staff_api_register(struct http *h, struct staff_api *a)
{
	/* CivetWeb takes the first registered prefix that matches: specific first. */
	http_route(h, CASES_PREFIX, cases_handler, a);
	http_route(h, RUNS_PATH, runs_handler, a);
	http_route(h, PLAN_PATH, plan_handler, a);
	http_route(h, "/api", api_fallback, a);
}
