/*
 * conversation_api.c - the staff conversation API (see conversation_api.h).
 *
 * Request flow: route by method and path -> this thread's connection ->
 * api_authorise("conversations") -> id and body validated (400/404/405/
 * 413/415) -> read, or one action in one store_write() -> JSON answer.
 */
#include "conversation_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "domain/conversation_json.h"
#include "domain/staffing.h"

#define PREFIX "/api/conversations"
#define DEPARTMENTS "/api/departments"
#define Q_MAX 200 /* bytes of a search */

struct conversation_api {
	struct conversation_api_options opt;
};

struct conversation_api *conversation_api_new(const struct conversation_api_options *opt, char *err,
                                              size_t errlen)
{
	struct conversation_api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->opt = *opt;
	return a;
}

void conversation_api_free(struct conversation_api *a)
{
	free(a);
}

/* ---- reads ------------------------------------------------------------------ */

/* "waiting_for_staff,staff" -> ",waiting_for_staff,staff,"; -1 if a name is unknown. */
static int modes_param(const char *list, char *out, size_t size)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", list);
	size_t n = (size_t)snprintf(out, size, ",");
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum conversation_mode m;
		if (conversation_mode_parse(t, &m) < 0 || n + strlen(t) + 2 > size)
			return -1;
		n += (size_t)snprintf(out + n, size - n, "%s,", t);
	}
	return n > 1 ? 0 : -1;
}

/* A console user who is not an admin sees their department's conversations
 * and those assigned to them (docs/console.md, "Who sees what"); an API key
 * or an admin sees all. */
static void visibility(const struct api_actor *who, const char **dept, const char **user)
{
	int limited = who->kind == API_ACTOR_STAFF && !who->is_admin;
	*dept = limited ? who->department : NULL;
	*user = limited ? who->name : NULL;
}

/* "TM-2026-00012" (any case): letters, a dash, a year, a dash, digits. */
static int looks_like_reference(const char *q)
{
	size_t i = 0, n;
	for (n = 0; (q[i] >= 'A' && q[i] <= 'Z') || (q[i] >= 'a' && q[i] <= 'z'); i++)
		n++;
	if (!n || n > 8 || q[i++] != '-')
		return 0;
	for (n = 0; q[i] >= '0' && q[i] <= '9'; i++)
		n++;
	if (n != 4 || q[i++] != '-')
		return 0;
	for (n = 0; q[i] >= '0' && q[i] <= '9'; i++)
		n++;
	return n >= 1 && n <= 8 && !q[i];
}

/* The q parameter into f (a case reference, else a text to find); 0, or
 * the status of the error sent. */
static int search_param(struct http_req *req, struct conversation_filter *f, char *q, char *like,
                        size_t size)
{
	int p = api_query(req, "q", q, Q_MAX + 1);
	if (p == 0)
		return 0;
	if (p < 0 || !text_utf8_valid(q, strlen(q)))
		return api_error(req, 400, "q must be UTF-8 text of at most 200 bytes");
	q = text_trim(q);
	if (strlen(q) < 2)
		return api_error(req, 400, "q must hold at least 2 characters");
	if (looks_like_reference(q)) {
		for (char *c = q; *c; c++)
			if (*c >= 'a' && *c <= 'z')
				*c = (char)(*c - 'a' + 'A');
		f->case_reference = q;
	} else if (text_like_pattern(q, like, size) == 0) {
		f->text_like = like;
	} else {
		return api_error(req, 400, "q is too long");
	}
	return 0;
}

static int list(struct conversation_api *a, struct http_req *req, sqlite3 *db,
                const struct api_actor *who)
{
	char mode[128], modes[140], dept[80], assignee[80], q[Q_MAX + 1], like[2 * Q_MAX + 3];
	struct conversation_filter f = {
	    .modes = ",waiting_for_staff,staff,", .urgent = -1, .limit = 100};
	int p;
	if ((p = api_query(req, "mode", mode, sizeof(mode))) < 0 ||
	    (p > 0 && modes_param(mode, modes, sizeof(modes)) < 0))
		return api_error(
		    req, 400,
		    "mode must be bot, waiting_for_staff, staff or closed (comma-separated)");
	if (p > 0)
		f.modes = modes;
	if ((p = api_query(req, "department", dept, sizeof(dept))) < 0)
		return api_error(req, 400, "department too long");
	f.department = p ? dept : NULL;
	if ((p = api_query(req, "assignee", assignee, sizeof(assignee))) < 0)
		return api_error(req, 400, "assignee too long");
	f.assignee = p ? assignee : NULL;
	if (api_query_int(req, "urgent", 0, 1, &f.urgent) < 0)
		return api_error(req, 400, "urgent must be 0 or 1");
	if (api_query_int(req, "limit", 1, 500, &f.limit) < 0)
		return api_error(req, 400, "limit must be 1-500");
	if (api_query_int(req, "offset", 0, 100000000, &f.offset) < 0)
		return api_error(req, 400, "offset must be a number >= 0");
	int rc = search_param(req, &f, q, like, sizeof(like));
	if (rc)
		return rc;
	visibility(who, &f.visible_department, &f.visible_user);
	json_t *out = conversation_list_json(db, a->opt.env, &f, clock_now_ms());
	if (!out)
		return api_error(req, 500, "cannot read conversations");
	return http_reply_json(req, 200, out, NULL);
}

/* 1 visible to who, 0 not (or no such conversation), -1 database error. */
static int may_see(sqlite3 *db, const struct api_actor *who, long long id)
{
	struct conversation_row row;
	int found = conversation_get(db, id, &row);
	if (found != 1)
		return found;
	const char *vd, *vu;
	visibility(who, &vd, &vu);
	return conversation_visible(row.department, row.assignee, vd, vu);
}

struct read_audit {
	const struct api_actor *who;
	const char *object;
};

static int audit_read_txn(sqlite3 *db, void *arg)
{
	struct read_audit *r = arg;
	return api_audit(db, r->who, "conversation.read", r->object, NULL);
}

static int show(struct conversation_api *a, struct http_req *req, sqlite3 *db,
                const struct api_actor *who, long long id)
{
	int found = may_see(db, who, id);
	if (found < 0)
		return api_error(req, 500, "cannot read the conversation");
	if (!found) /* 404, not 403: ids are sequential, so a 403 would say it exists */
		return api_error(req, 404, "no such conversation");
	json_t *out = conversation_detail_json(db, a->opt.env, id, clock_now_ms(), &found);
	if (!out)
		return found == 0 ? api_error(req, 404, "no such conversation")
		                  : api_error(req, 500, "cannot read the conversation");
	char object[40];
	snprintf(object, sizeof(object), "conversation:%lld", id);
	struct read_audit ra = {who, object};
	if (store_write(a->opt.store, db, audit_read_txn, &ra, NULL, 0) != 0) {
		json_decref(out); /* no record of the read, no read */
		return api_error(req, 503, "the database is busy; try again");
	}
	return http_reply_json(req, 200, out, NULL);
}

static int departments(struct conversation_api *a, struct http_req *req)
{
	json_t *arr = json_array();
	const char *d;
	for (size_t i = 0; (d = staffing_department_at(a->opt.env->staffing, i)); i++)
		json_array_append_new(arr, json_string(d));
	return http_reply_json(req, 200, json_pack("{s:o}", "departments", arr), NULL);
}

/* ---- actions ---------------------------------------------------------------- */

typedef int (*action_fn)(sqlite3 *db, const struct conversation_env *env, long long id,
                         const struct staff_action *a, struct staff_result *res, char *err,
                         size_t errlen);

static const struct {
	const char *name;
	action_fn fn;
	const char *event; /* log event */
	const char *audit; /* audit_log action */
} actions[] = {
    {"take", conversation_staff_take, "conversation_taken", "conversation.take"},
    {"reply", conversation_staff_reply, "conversation_replied", "conversation.reply"},
    {"handback", conversation_staff_hand_back, "conversation_handed_back", "conversation.handback"},
    {"close", conversation_staff_close, "conversation_closed", "conversation.close"},
    {"transfer", conversation_staff_transfer, "conversation_transferred", "conversation.transfer"},
    {"notes", conversation_staff_note, "conversation_note", "conversation.note"},
};

struct action_txn {
	const struct api_actor *who;
	const char *audit;
	const struct conversation_env *env;
	action_fn fn;
	long long id;
	struct staff_action act;
	struct staff_result res;
	int rc;
	int ran;
	char err[300];
};

static int run_action(sqlite3 *db, void *arg)
{
	struct action_txn *t = arg;
	t->ran = 1;
	int seen = may_see(db, t->who, t->id);
	if (seen <= 0) {
		t->rc = seen < 0 ? CONVERSATION_ERROR : CONVERSATION_NOT_FOUND;
		snprintf(t->err, sizeof(t->err), "no such conversation");
		return 1;
	}
	t->rc = t->fn(db, t->env, t->id, &t->act, &t->res, t->err, sizeof(t->err));
	if (t->rc != CONVERSATION_OK)
		return 1;
	char object[40], detail[100] = "";
	snprintf(object, sizeof(object), "conversation:%lld", t->id);
	if (t->act.department && t->fn == conversation_staff_transfer)
		snprintf(detail, sizeof(detail), "to %s", t->act.department);
	else if (t->res.messaging_type && t->fn == conversation_staff_reply)
		snprintf(detail, sizeof(detail), "%s%s%s", t->res.messaging_type,
		         t->res.tag ? " " : "", t->res.tag ? t->res.tag : "");
	return api_audit(db, t->who, t->audit, object, detail[0] ? detail : NULL) < 0 ? -1 : 0;
}

static int action_status(int rc)
{
	switch (rc) {
	case CONVERSATION_NOT_FOUND:
		return 404;
	case CONVERSATION_WRONG_MODE:
	case CONVERSATION_REFUSED:
		return 409;
	case CONVERSATION_INVALID:
		return 400;
	default:
		return 500;
	}
}

/* Reads the body's members into t->act; 0, or the status of the error sent. */
static int read_action(struct conversation_api *a, struct http_req *req,
                       const struct api_actor *who, json_t *body, struct action_txn *t)
{
	int bad = 0;
	const char *name = api_member(body, "name", 60, &bad);
	const char *dept = api_member(body, "department", 63, &bad);
	const char *text = api_member(body, "text", CONVERSATION_TEXT_MAX, &bad);
	const char *note = api_member(body, "note", 1000, &bad);
	(void)a;
	if (bad)
		return api_error(
		    req, 400,
		    "\"text\" (at most 4000 bytes), \"note\" (1000), \"name\" (60) and "
		    "\"department\" (63) must be strings");
	int staff = who->kind == API_ACTOR_STAFF;
	t->act = (struct staff_action){
	    .actor = who->name,
	    .actor_name = staff ? who->display_name : name,
	    .actor_department = staff ? who->department : dept,
	    .text = text,
	    .department = dept,
	    .note = note,
	    .now_ms = clock_now_ms(),
	};
	return 0;
}

static int act(struct conversation_api *a, struct http_req *req, sqlite3 *db,
               const struct api_actor *who, long long id, size_t which)
{
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	struct action_txn t = {.who = who,
	                       .audit = actions[which].audit,
	                       .env = a->opt.env,
	                       .fn = actions[which].fn,
	                       .id = id};
	int rc = read_action(a, req, who, body, &t);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	char err[300] = "";
	int wrc = store_write(a->opt.store, db, run_action, &t, err, sizeof(err));
	json_decref(body);
	if (!t.ran)
		return api_error(req, 503, "the database is busy; try again");
	if (t.rc != CONVERSATION_OK)
		return api_error(req, action_status(t.rc),
		                 t.rc == CONVERSATION_ERROR ? "cannot change the conversation"
		                                            : t.err);
	if (wrc != 0)
		return api_error(req, 500, "cannot save the change");
	char conv[24];
	snprintf(conv, sizeof(conv), "%lld", id);
	log_event(LOG_INFO, actions[which].event, "conversation", conv, "actor", who->name, "mode",
	          conversation_mode_name(t.res.to), NULL);
	if (t.res.queued > 0 && a->opt.notify)
		a->opt.notify(a->opt.notify_arg);
	json_t *out = conversation_action_json(id, &t.res);
	if (out && t.res.note_id > 0)
		json_object_set_new(out, "note_id", json_integer(t.res.note_id));
	return http_reply_json(req, 200, out, NULL);
}

/* ---- routing ------------------------------------------------------------------ */

/* "/123" or "/123/take": id and the action's index (-1: none). 0 or -1. */
static int parse_path(const char *rest, long long *id, int *which)
{
	*which = -1;
	if (*rest != '/' || rest[1] < '1' || rest[1] > '9')
		return -1;
	char *end;
	*id = strtoll(rest + 1, &end, 10);
	if (*id <= 0 || end - rest > 16)
		return -1;
	if (!*end)
		return 0;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (end[0] == '/' && !strcmp(end + 1, actions[i].name)) {
			*which = (int)i;
			return 0;
		}
	return -1;
}

static sqlite3 *thread_db(struct conversation_api *a)
{
	char err[300];
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db)
		log_event(LOG_ERROR, "conversation_api_db", "error", err, NULL);
	return db;
}

static int departments_route(struct conversation_api *a, struct http_req *req)
{
	if (strcmp(http_req_path(req), DEPARTMENTS) != 0)
		return api_error(req, 404, "not found");
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	sqlite3 *db = thread_db(a);
	if (!db)
		return api_error(req, 500, "database unavailable");
	struct api_actor who;
	int rc = api_authorise(req, db, "conversations", &who);
	return rc ? rc : departments(a, req);
}

static int route(struct conversation_api *a, struct http_req *req)
{
	const char *rest = http_req_path(req) + strlen(PREFIX);
	long long id = 0;
	int which = -1;
	int is_list = !*rest || !strcmp(rest, "/");
	if (!is_list && parse_path(rest, &id, &which) < 0)
		return api_error(req, 404, "not found");
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	if ((which >= 0 && !post) || (which < 0 && !get))
		return api_error(req, 405, which >= 0 ? "use POST" : "use GET");
	sqlite3 *db = thread_db(a);
	if (!db)
		return api_error(req, 500, "database unavailable");
	struct api_actor who;
	int rc = api_authorise(req, db, "conversations", &who);
	if (rc != 0)
		return rc;
	if (is_list)
		return list(a, req, db, &who);
	if (which < 0)
		return show(a, req, db, &who, id);
	return act(a, req, db, &who, id, (size_t)which);
}

/* Runs fn on a copy of the module whose env sees the current data files. */
static int with_data(struct http_req *req, const struct conversation_api *shared,
                     int (*fn)(struct conversation_api *, struct http_req *))
{
	struct conversation_env env;
	const struct municipality_data *held = conversation_env_hold(shared->opt.env, &env);
	struct conversation_api view = *shared;
	view.opt.env = &env;
	int rc = fn(&view, req);
	conversation_env_release(shared->opt.env, held);
	return rc;
}

static int handler(struct http_req *req, void *cbdata)
{
	return with_data(req, cbdata, route);
}

static int departments_handler(struct http_req *req, void *cbdata)
{
	return with_data(req, cbdata, departments_route);
}

void conversation_api_register(struct http *h, struct conversation_api *a)
{
	http_route(h, PREFIX, handler, a);
	http_route(h, DEPARTMENTS, departments_handler, a);
}
