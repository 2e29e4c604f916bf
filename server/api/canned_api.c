/*
 * canned_api.c - canned replies over HTTP (see canned_api.h).
 *
 * Request flow: route by method and path -> this thread's connection ->
 * api_authorise ("conversations" to read, "admin" to change) -> body read
 * and validated (canned_validate) -> one store_write() with the change and
 * its audit row -> JSON answer.
 */
#include "canned_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/clock.h"
#include "core/log.h"
#include "domain/canned.h"

#define PREFIX "/api/canned-replies"

struct canned_api {
	struct canned_api_options opt;
	const struct staffing *staffing; /* set only in a request's copy (handler()) */
};

struct canned_api *canned_api_new(const struct canned_api_options *opt, char *err, size_t errlen)
{
	struct canned_api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->opt = *opt;
	return a;
}

void canned_api_free(struct canned_api *a)
{
	free(a);
}

static int list(struct http_req *req, sqlite3 *db, const struct api_actor *who)
{
	char dept[CANNED_DEPARTMENT_MAX + 1];
	int p = api_query(req, "department", dept, sizeof(dept));
	if (p < 0)
		return api_error(req, 400, "department too long");
	/* a staff user sees their own department's, whatever they ask for */
	const char *d = who->kind == API_ACTOR_STAFF && !who->is_admin ? who->department
	                : p > 0                                        ? dept
	                                                               : NULL;
	json_t *arr = canned_list_json(db, d);
	if (!arr)
		return api_error(req, 500, "cannot read canned replies");
	return http_reply_json(
	    req, 200,
	    json_pack("{s:i, s:o}", "count", (int)json_array_size(arr), "canned_replies", arr),
	    NULL);
}

enum op { OP_CREATE, OP_UPDATE, OP_DELETE };

struct change_txn {
	enum op op;
	long long id;
	struct canned_reply r;
	const struct api_actor *who;
	long long result;
	char err[200];
};

static int change_txn(sqlite3 *db, void *arg)
{
	struct change_txn *t = arg;
	long long now = clock_now_ms();
	char label[100], object[40];
	api_actor_label(t->who, label, sizeof(label));
	if (t->op == OP_CREATE)
		t->result = canned_create(db, &t->r, label, now, t->err, sizeof(t->err));
	else if (t->op == OP_UPDATE)
		t->result = canned_update(db, t->id, &t->r, label, now, t->err, sizeof(t->err));
	else
		t->result = canned_delete(db, t->id, t->err, sizeof(t->err));
	if (t->result < 0)
		return 1;
	snprintf(object, sizeof(object), "canned:%lld", t->op == OP_CREATE ? t->result : t->id);
	static const char *const action[] = {"canned.create", "canned.update", "canned.delete"};
	return api_audit(db, t->who, action[t->op], object, NULL) < 0 ? -1 : 0;
}

/* The body's fields into t->r (create, update); 0 or the status sent. */
static int read_reply(struct canned_api *a, struct http_req *req, json_t *body,
                      struct change_txn *t)
{
	int bad = 0;
	/* one byte over each limit, so an oversized field is named, not cut */
	t->r.title = api_member(body, "title", (size_t)4 * CANNED_TITLE_MAX, &bad);
	t->r.body = api_member(body, "body", (size_t)2 * CANNED_BODY_MAX, &bad);
	t->r.department = api_member(body, "department", (size_t)4 * CANNED_DEPARTMENT_MAX, &bad);
	if (bad)
		return api_error(req, 400, "title, body and department must be strings (or null)");
	if (canned_validate(&t->r, t->err, sizeof(t->err)) < 0)
		return api_error(req, 400, t->err);
	if (t->r.department && *t->r.department && a->staffing &&
	    !staffing_has_department(a->staffing, t->r.department))
		return api_error(req, 400, "unknown department");
	return 0;
}

static int change(struct canned_api *a, struct http_req *req, sqlite3 *db,
                  const struct api_actor *who, enum op op, long long id)
{
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	struct change_txn t = {.op = op, .id = id, .who = who};
	int rc = op == OP_DELETE ? 0 : read_reply(a, req, body, &t);
	if (rc) {
		json_decref(body);
		return rc;
	}
	int wrc = store_write(a->opt.store, db, change_txn, &t, NULL, 0);
	json_decref(body);
	if (t.result == CANNED_NOT_FOUND)
		return api_error(req, 404, "no such canned reply");
	if (t.result == CANNED_INVALID)
		return api_error(req, 400, t.err);
	if (wrc != 0 || t.result < 0)
		return api_error(req, 503, "the database is busy; try again");
	log_event(LOG_INFO, "canned_reply_changed", "actor", who->name, NULL);
	json_t *out = op == OP_CREATE ? json_pack("{s:I}", "id", (json_int_t)t.result)
	                              : json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted",
	                                          op == OP_DELETE);
	return http_reply_json(req, op == OP_CREATE ? 201 : 200, out, NULL);
}

/* "" (the collection), "/12" (update) or "/12/delete"; -1 otherwise. */
static int parse_path(const char *rest, long long *id, enum op *op)
{
	if (!*rest || !strcmp(rest, "/")) {
		*op = OP_CREATE;
		return 0;
	}
	if (rest[0] != '/' || rest[1] < '1' || rest[1] > '9')
		return -1;
	char *end;
	*id = strtoll(rest + 1, &end, 10);
	if (*id <= 0 || end - rest > 16)
		return -1;
	if (!*end)
		*op = OP_UPDATE;
	else if (!strcmp(end, "/delete"))
		*op = OP_DELETE;
	else
		return -1;
	return 0;
}

static int handler(struct http_req *req, void *cbdata)
{
	struct canned_api *a = cbdata;
	long long id = 0;
	enum op op;
	if (parse_path(http_req_path(req) + strlen(PREFIX), &id, &op) < 0)
		return api_error(req, 404, "not found");
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	if (!post && !(get && op == OP_CREATE))
		return api_error(req, 405, op == OP_CREATE ? "use GET or POST" : "use POST");
	char err[300];
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db) {
		log_event(LOG_ERROR, "canned_api_db", "error", err, NULL);
		return api_error(req, 500, "database unavailable");
	}
	struct api_actor who;
	int rc = api_authorise(req, db, get ? "conversations" : "admin", &who);
	if (rc)
		return rc;
	if (get)
		return list(req, db, &who);
	struct canned_api view = *a; /* this request's view of the data files */
	const struct municipality_data *d = municipality_hold(a->opt.data);
	view.staffing = d->staffing;
	rc = change(&view, req, db, &who, op, id);
	municipality_release(a->opt.data, d);
	return rc;
}

void canned_api_register(struct http *h, struct canned_api *a)
{
	http_route(h, PREFIX, handler, a);
}
