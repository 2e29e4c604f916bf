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
#include "domain/conversation_json.h"

#define PREFIX "/api/conversations"

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

static int list(struct conversation_api *a, struct http_req *req, sqlite3 *db)
{
	char mode[128], modes[140], dept[80], assignee[80];
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
	json_t *out = conversation_list_json(db, a->opt.env, &f, clock_now_ms());
	if (!out)
		return api_error(req, 500, "cannot read conversations");
	return http_reply_json(req, 200, out, NULL);
}

static int show(struct conversation_api *a, struct http_req *req, sqlite3 *db, long long id)
{
	int found = 0;
	json_t *out = conversation_detail_json(db, a->opt.env, id, clock_now_ms(), &found);
	if (!out)
		return found == 0 ? api_error(req, 404, "no such conversation")
		                  : api_error(req, 500, "cannot read the conversation");
	return http_reply_json(req, 200, out, NULL);
}

/* ---- actions ---------------------------------------------------------------- */

typedef int (*action_fn)(sqlite3 *db, const struct conversation_env *env, long long id,
                         const struct staff_action *a, struct staff_result *res, char *err,
                         size_t errlen);

static const struct {
	const char *name;
	action_fn fn;
	const char *audit; /* log event */
} actions[] = {
    {"take", conversation_staff_take, "conversation_taken"},
    {"reply", conversation_staff_reply, "conversation_replied"},
    {"handback", conversation_staff_hand_back, "conversation_handed_back"},
    {"close", conversation_staff_close, "conversation_closed"},
    {"transfer", conversation_staff_transfer, "conversation_transferred"},
    {"notes", conversation_staff_note, "conversation_note"},
};

struct action_txn {
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
	t->rc = t->fn(db, t->env, t->id, &t->act, &t->res, t->err, sizeof(t->err));
	return t->rc == CONVERSATION_OK ? 0 : 1;
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
	struct action_txn t = {.env = a->opt.env, .fn = actions[which].fn, .id = id};
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
	log_event(LOG_INFO, actions[which].audit, "conversation", conv, "actor", who->name, "mode",
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

static int handler(struct http_req *req, void *cbdata)
{
	struct conversation_api *a = cbdata;
	const char *rest = http_req_path(req) + strlen(PREFIX);
	long long id = 0;
	int which = -1;
	int is_list = !*rest || !strcmp(rest, "/");
	if (!is_list && parse_path(rest, &id, &which) < 0)
		return api_error(req, 404, "not found");
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	if ((which >= 0 && !post) || (which < 0 && !get))
		return api_error(req, 405, which >= 0 ? "use POST" : "use GET");
	char err[300];
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db) {
		log_event(LOG_ERROR, "conversation_api_db", "error", err, NULL);
		return api_error(req, 500, "database unavailable");
	}
	struct api_actor who;
	int rc = api_authorise(req, db, "conversations", &who);
	if (rc != 0)
		return rc;
	if (is_list)
		return list(a, req, db);
	if (which < 0)
		return show(a, req, db, id);
	return act(a, req, db, &who, id, (size_t)which);
}

void conversation_api_register(struct http *h, struct conversation_api *a)
{
	http_route(h, PREFIX, handler, a);
}
