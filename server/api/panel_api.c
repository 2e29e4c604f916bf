/*
 * panel_api.c - the citizen panel's staff JSON API (see panel_api.h).
 *
 * Data flow: GET -> path checked (404/405) -> api_authorise("panel") ->
 * panel_list() or panel_get() + panel_results() + panel_answers_each() ->
 * JSON. No PSID ever: answers are counted, and free texts carry only an
 * anonymous respondent number.
 */
#include "panel_api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "panel/panel.h"

#define PREFIX "/api/panel/consultations"

struct panel_api {
	struct store *store;
};

struct panel_api *panel_api_new(const struct panel_api_options *opt, char *err, size_t errlen)
{
	struct panel_api *a = calloc(1, sizeof(*a));
	if (!a) {
		text_set_err(err, errlen, "panel_api: out of memory");
		return NULL;
	}
	a->store = opt->store;
	return a;
}

void panel_api_free(struct panel_api *a)
{
	free(a);
}

static double rate(long long n, long long of)
{
	return of > 0 ? (double)n / (double)of : 0.0;
}

static int list_row(void *arg, const struct panel_summary *s)
{
	json_array_append_new(
	    arg,
	    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", s->id, "title", s->title,
	              "status", panel_status_name(s->status), "opens_ms", (json_int_t)s->opens_ms,
	              "closes_ms", (json_int_t)s->closes_ms, "answered", (json_int_t)s->responses,
	              "completed", (json_int_t)s->completed));
	return 0;
}

static int list(struct http_req *req, sqlite3 *db)
{
	json_t *items = json_array();
	if (!items || panel_list(db, clock_now_ms(), list_row, items) < 0) {
		json_decref(items);
		return api_error(req, 500, "database error");
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "consultations", items), NULL);
}

static int text_row(void *arg, int respondent, int qno, int choice, const char *text)
{
	json_t *questions = arg;
	(void)choice;
	json_t *q = json_array_get(questions, (size_t)qno);
	if (text && q)
		json_array_append_new(
		    json_object_get(q, "texts"),
		    json_pack("{s:i, s:s}", "respondent", respondent, "text", text));
	return 0;
}

static json_t *question_json(const struct panel_question *q, const struct panel_question_result *r)
{
	json_t *options = json_array();
	int rows = q->kind == PANEL_SCALE ? 5 : q->noptions;
	for (int o = 0; o < rows; o++) {
		char label[16];
		snprintf(label, sizeof(label), "%d", o + 1);
		json_array_append_new(options,
		                      json_pack("{s:s, s:I}", "label",
		                                q->kind == PANEL_SCALE ? label : q->option[o],
		                                "count", (json_int_t)r->count[o]));
	}
	return json_pack("{s:s, s:s, s:I, s:o, s:[]}", "kind", panel_kind_name(q->kind), "text",
	                 q->text, "answered", (json_int_t)r->answered, "options", options, "texts");
}

static int show(struct http_req *req, sqlite3 *db, const char *id)
{
	struct panel_consultation *c = malloc(sizeof(*c));
	struct panel_results *r = malloc(sizeof(*r));
	enum panel_status s;
	int found = c && r ? panel_get(db, id, clock_now_ms(), c, &s) : -1;
	json_t *questions = NULL;
	int rc;
	if (found < 0 || (found && panel_results(db, c, r) < 0)) {
		rc = api_error(req, 500, "database error");
	} else if (!found) {
		rc = api_error(req, 404, "no such consultation");
	} else {
		questions = json_array();
		for (int i = 0; i < c->nquestions; i++)
			json_array_append_new(questions, question_json(&c->q[i], &r->q[i]));
		if (panel_answers_each(db, id, text_row, questions) < 0) {
			json_decref(questions);
			rc = api_error(req, 500, "database error");
		} else {
			rc = http_reply_json(
			    req, 200,
			    json_pack(
			        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:o}",
			        "id", c->id, "title", c->title, "status", panel_status_name(s),
			        "target", panel_target_name(c->target), "target_value",
			        c->target_value, "opens_ms", (json_int_t)c->opens_ms, "closes_ms",
			        (json_int_t)c->closes_ms, "answered", (json_int_t)r->responses,
			        "completed", (json_int_t)r->completed, "members",
			        (json_int_t)r->members, "response_rate",
			        rate(r->completed, r->members), "questions", questions),
			    NULL);
		}
	}
	free(c);
	free(r);
	return rc;
}

static int handler(struct http_req *req, void *cbdata)
{
	struct panel_api *a = cbdata;
	const char *rest = http_req_path(req) + strlen(PREFIX);
	int is_list = !*rest || !strcmp(rest, "/");
	if (!is_list &&
	    (rest[0] != '/' || strlen(rest + 1) > PANEL_ID_MAX ||
	     strspn(rest + 1, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(rest + 1)))
		return api_error(req, 404, "not found");
	if (!http_req_method_is(req, "GET") && !http_req_method_is(req, "HEAD"))
		return api_error(req, 405, "use GET");
	char err[300];
	sqlite3 *db = store_thread_db(a->store, err, sizeof(err));
	if (!db) {
		log_event(LOG_ERROR, "panel_api_db", "error", err, NULL);
		return api_error(req, 500, "database unavailable");
	}
	struct api_actor who;
	int rc = api_authorise(req, db, "panel", &who);
	if (rc != 0)
		return rc;
	return is_list ? list(req, db) : show(req, db, rest + 1);
}

void panel_api_register(struct http *h, struct panel_api *a)
{
	http_route(h, PREFIX, handler, a);
}
