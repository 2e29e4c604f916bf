/*
 * insight_api.c - /api/report and /api/misunderstood (see insight_api.h).
 *
 * Request flow: route by path -> this thread's connection ->
 * api_authorise("insight") -> query or body validated (400/404/405/413/415)
 * -> the report computed from the database, or one label in one
 * store_write() -> JSON, CSV, SVG or text. Reports are rendered into a
 * memory stream (open_memstream), at most a few hundred kilobytes.
 */
#include "insight_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "domain/content_data.h"
#include "insight/insight.h"
#include "insight/misunderstood.h"
#include "intents/intent.h"

#define REPORT "/api/report"
#define QUEUE "/api/misunderstood"
#define INTENTS "/api/intents"

struct insight_api {
	struct insight_api_options opt;
	/* Set only in a request's own copy (with_data()): the current data files. */
	const struct staffing *staffing;
	const struct intent_engine *intents;
};

struct insight_api *insight_api_new(const struct insight_api_options *opt, char *err, size_t errlen)
{
	struct insight_api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->opt = *opt;
	return a;
}

void insight_api_free(struct insight_api *a)
{
	free(a);
}

/* ---- the report --------------------------------------------------------------- */

static json_t *counts_json(const struct insight_count *c, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, c[i].name, json_integer(c[i].n));
	return o;
}

static json_t *times_json(const struct insight_times *t)
{
	return json_pack("{s:I, s:f, s:f, s:I}", "count", (json_int_t)t->n, "median_seconds",
	                 t->median_s, "p90_seconds", t->p90_s, "within_target",
	                 (json_int_t)t->within_target);
}

static json_t *report_json(const struct insight_report *r)
{
	json_t *outcomes = json_object(), *days = json_array(), *cats = json_array();
	json_t *buckets = json_object(), *week = json_array();
	for (int o = 0; o < OUTCOME_COUNT; o++)
		json_object_set_new(outcomes, outcome_name(o), json_integer(r->by_outcome[o]));
	for (int b = 0; b < INSIGHT_RESPONSE_BUCKETS; b++)
		json_object_set_new(buckets, insight_response_labels[b],
		                    json_integer(r->response_buckets[b]));
	long long day = r->from_ms;
	for (int d = 0; d < r->days; d++, day += 86400000LL) {
		json_t *row = json_object();
		for (int o = 0; o < OUTCOME_COUNT; o++)
			json_object_set_new(row, outcome_name(o), json_integer(r->daily[d][o]));
		json_array_append_new(days, row);
	}
	for (int d = 0; d < 7; d++) {
		json_t *row = json_array();
		for (int h = 0; h < 24; h++)
			json_array_append_new(row, json_integer(r->hour_of_week[d][h]));
		json_array_append_new(week, row);
	}
	for (size_t i = 0; i < r->n_categories; i++)
		json_array_append_new(
		    cats, json_pack("{s:s, s:I, s:I, s:f}", "category", r->categories[i].name,
		                    "filed", (json_int_t)r->categories[i].filed, "resolved",
		                    (json_int_t)r->categories[i].resolved, "median_resolve_seconds",
		                    r->categories[i].median_resolve_s));
	json_t *panel = json_array();
	for (size_t i = 0; i < r->n_consultations; i++)
		json_array_append_new(
		    panel, json_pack("{s:s, s:I, s:I}", "consultation", r->consultations[i].id,
		                     "offered", (json_int_t)r->consultations[i].offered, "answered",
		                     (json_int_t)r->consultations[i].answered));
	json_t *out = json_pack(
	    "{s:s, s:s, s:i, s:I, s:I, s:I, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:I,"
	    " s:I, s:o, s:o, s:o}",
	    "from", r->from, "to", r->to, "days", r->days, "conversations",
	    (json_int_t)r->conversations, "automated_conversations",
	    (json_int_t)r->automated_conversations, "messages", (json_int_t)r->messages, "outcomes",
	    outcomes, "after_hours", (json_int_t)r->after_hours, "not_understood",
	    (json_int_t)r->not_understood, "handovers", counts_json(r->handovers, r->n_handovers),
	    "top_intents", counts_json(r->top_intents, r->n_top_intents), "first_response",
	    times_json(&r->first_response), "resolution", times_json(&r->resolution),
	    "waiting_for_first_response", (json_int_t)r->handed_over_waiting,
	    "first_response_buckets", buckets, "cases_filed", (json_int_t)r->cases_filed,
	    "cases_joined", (json_int_t)r->cases_joined, "case_categories", cats, "daily", days,
	    "hour_of_week", week);
	if (!out) {
		json_decref(panel);
		return NULL;
	}
	json_object_set_new(out, "panel",
	                    json_pack("{s:I, s:I, s:o}", "joined", (json_int_t)r->panel_joined,
	                              "left", (json_int_t)r->panel_left, "consultations", panel));
	return out;
}

/* Reads from/to, computes the report into *out (malloc'd). 0, or the status
 * of the error reply sent. */
static int compute(struct insight_api *a, struct http_req *req, sqlite3 *db,
                   struct insight_report **out)
{
	char from[16], to[16], err[200];
	int hf = api_query(req, "from", from, sizeof(from));
	int ht = api_query(req, "to", to, sizeof(to));
	if (hf < 0 || ht < 0)
		return api_error(req, 400, "from and to are dates: YYYY-MM-DD");
	struct insight_report *r = malloc(sizeof(*r));
	if (!r)
		return api_error(req, 503, "out of memory");
	if (insight_compute(db, a->staffing, hf ? from : NULL, ht ? to : NULL, clock_now_ms(), r,
	                    err, sizeof(err)) < 0) {
		free(r);
		return api_error(req, strncmp(err, "database", 8) ? 400 : 500, err);
	}
	*out = r;
	return 0;
}

typedef int (*render_fn)(FILE *, const struct insight_report *);

static int send_rendered(struct http_req *req, const struct insight_report *r, render_fn fn,
                         const char *type, const char *headers)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int bad = !f || fn(f, r) < 0;
	if (f && fclose(f) != 0)
		bad = 1;
	int rc = bad ? api_error(req, 500, "the report could not be written")
	             : http_reply(req, 200, type, buf, len, headers);
	free(buf);
	return rc;
}

static int report(struct insight_api *a, struct http_req *req, sqlite3 *db, const char *rest)
{
	static const struct {
		const char *path;
		render_fn fn;
	} plots[] = {{"/daily.svg", insight_svg_daily},
	             {"/heatmap.svg", insight_svg_heatmap},
	             {"/response.svg", insight_svg_response}};
	render_fn plot = NULL;
	for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++)
		if (!strcmp(rest, plots[i].path))
			plot = plots[i].fn;
	if (*rest && !plot)
		return api_error(req, 404, "not found");
	char format[8];
	int has = plot ? 0 : api_query(req, "format", format, sizeof(format));
	if (has < 0)
		return api_error(req, 400, "format is json, csv or html");
	if (!has) /* an absent parameter may leave buf changed */
		snprintf(format, sizeof(format), "json");
	int csv = !strcmp(format, "csv"), html = !strcmp(format, "html");
	if (!plot && !csv && !html && strcmp(format, "json") != 0)
		return api_error(req, 400, "format is json, csv or html");
	struct insight_report *r = NULL;
	int rc = compute(a, req, db, &r);
	if (rc || !r)
		return rc ? rc : api_error(req, 500, "no report");
	if (plot)
		rc = send_rendered(req, r, plot, "image/svg+xml; charset=utf-8",
		                   "Content-Security-Policy: default-src 'none'\r\n");
	else if (csv)
		rc = send_rendered(
		    req, r, insight_write_csv, "text/csv; charset=utf-8",
		    "Content-Disposition: attachment; filename=\"borgerbot-effekt.csv\""
		    "\r\n");
	else if (html)
		rc = send_rendered(
		    req, r, insight_write_html, "text/html; charset=utf-8",
		    "Content-Disposition: attachment; filename=\"borgerbot-effekt.html\""
		    "\r\nContent-Security-Policy: default-src 'none'; img-src 'self';"
		    " sandbox\r\n");
	else
		rc = http_reply_json(req, 200, report_json(r), NULL);
	free(r);
	return rc;
}

/* ---- the misunderstood queue ---------------------------------------------------- */

static void item_json(const struct misunderstood_item *it, void *arg)
{
	char when[40], suggestion[MISUNDERSTOOD_TEXT_MAX + 1];
	content_iso8601(it->at_ms, when, sizeof(when));
	misunderstood_anonymise(it->text ? it->text : "", suggestion, sizeof(suggestion));
	json_array_append_new(
	    arg,
	    json_pack("{s:I, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "event_id",
	              (json_int_t)it->event_id, "conversation_id", (json_int_t)it->conversation_id,
	              "at", when, "text", api_str_or_null(it->text), "intent",
	              it->intent && *it->intent ? it->intent : "none", "suggestion", suggestion,
	              "label", api_str_or_null(it->label), "example", api_str_or_null(it->example),
	              "labelled_by", api_str_or_null(it->labelled_by)));
}

static int queue_list(struct insight_api *a, struct http_req *req, sqlite3 *db,
                      const struct api_actor *who)
{
	int labelled = 0, limit = 100;
	if (api_query_int(req, "labelled", 0, 1, &labelled) < 0 ||
	    api_query_int(req, "limit", 1, 500, &limit) < 0)
		return api_error(req, 400, "labelled is 0 or 1, limit 1-500");
	json_t *items = json_array();
	int n = misunderstood_list(db, labelled, limit, item_json, items);
	if (n < 0) {
		json_decref(items);
		return api_error(req, 500, "database error");
	}
	/* the citizens' own words were read: the DPO can see by whom */
	if (api_audit(db, who, "misunderstood.read", labelled ? "labelled" : "queue", NULL) < 0)
		log_event(LOG_WARN, "audit_failed", "action", "misunderstood.read", NULL);
	json_t *names = json_array(); /* what a label may say */
	for (size_t i = 0; a->intents && i < intent_count(a->intents); i++)
		if (strcmp(intent_name(a->intents, i), "none") != 0)
			json_array_append_new(names, json_string(intent_name(a->intents, i)));
	return http_reply_json(
	    req, 200, json_pack("{s:i, s:o, s:o}", "count", n, "items", items, "intents", names),
	    NULL);
}

static int known_intent(const struct intent_engine *e, const char *name)
{
	for (size_t i = 0; e && i < intent_count(e); i++)
		if (!strcmp(intent_name(e, i), name))
			return strcmp(name, "none") != 0;
	return 0;
}

struct label_txn {
	long long event_id;
	const char *intent, *example;
	const struct api_actor *who;
	int done;
};

static int label_fn(sqlite3 *db, void *arg)
{
	struct label_txn *t = arg;
	char actor[100], object[40];
	api_actor_label(t->who, actor, sizeof(actor));
	t->done =
	    misunderstood_label(db, t->event_id, t->intent, t->example, actor, clock_now_ms());
	if (t->done <= 0)
		return t->done;
	snprintf(object, sizeof(object), "event:%lld", t->event_id);
	return api_audit(db, t->who, "misunderstood.label", object, t->intent);
}

static int queue_label(struct insight_api *a, struct http_req *req, sqlite3 *db,
                       const struct api_actor *who, long long id)
{
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	int bad = 0;
	const char *intent = api_member(body, "intent", 40, &bad);
	const char *example = api_member(body, "example", MISUNDERSTOOD_TEXT_MAX, &bad);
	int rc;
	if (bad || !intent || !example || !*example)
		rc = api_error(req, 400, "give intent and example (1-2000 bytes of text)");
	else if (!known_intent(a->intents, intent))
		rc = api_error(req, 400, "intent is not one of the bot's intents");
	else if (!text_utf8_valid(example, strlen(example)))
		rc = api_error(req, 400, "example is not UTF-8");
	else {
		struct label_txn t = {id, intent, example, who, 0};
		char err[300];
		if (store_write(a->opt.store, db, label_fn, &t, err, sizeof(err)) != 0)
			rc = api_error(req, 503, "the label could not be stored; try again");
		else if (!t.done)
			rc = api_error(req, 404, "no such citizen message");
		else
			rc = http_reply_json(
			    req, 200,
			    json_pack("{s:I, s:s}", "event_id", (json_int_t)id, "label", intent),
			    NULL);
	}
	json_decref(body);
	return rc;
}

static int queue_export(struct http_req *req, sqlite3 *db)
{
	char format[8];
	int has = api_query(req, "format", format, sizeof(format));
	if (has == 0)
		snprintf(format, sizeof(format), "intent");
	if (has < 0 || (strcmp(format, "intent") != 0 && strcmp(format, "tsv") != 0))
		return api_error(req, 400, "format is intent or tsv");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = f ? misunderstood_export(db, format, f) : -1;
	if (f && fclose(f) != 0)
		n = -1;
	int rc = n < 0 ? api_error(req, 500, "the export could not be written")
	               : http_reply(req, 200, "text/plain; charset=utf-8", buf, len, NULL);
	free(buf);
	return rc;
}

/* "/123/label" -> 123; -1 for anything else. */
static long long label_path(const char *rest)
{
	if (*rest++ != '/')
		return -1;
	char *end;
	if (*rest < '1' || *rest > '9')
		return -1;
	long long id = strtoll(rest, &end, 10);
	return strcmp(end, "/label") == 0 && id > 0 ? id : -1;
}

static int route(struct insight_api *a, struct http_req *req)
{
	const char *path = http_req_path(req);
	int is_report = !strncmp(path, REPORT, strlen(REPORT));
	const char *rest = path + strlen(is_report ? REPORT : QUEUE);
	long long id = is_report ? -1 : label_path(rest);
	int post = id > 0;
	if (!is_report && !post && *rest && strcmp(rest, "/export") != 0)
		return api_error(req, 404, "not found");
	if (post ? !http_req_method_is(req, "POST") : !http_req_method_is(req, "GET"))
		return api_error(req, 405, post ? "use POST" : "use GET");
	char err[300];
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db) {
		log_event(LOG_ERROR, "insight_api_db", "error", err, NULL);
		return api_error(req, 500, "database unavailable");
	}
	struct api_actor who;
	int rc = api_authorise(req, db, "insight", &who);
	if (rc != 0)
		return rc;
	if (is_report)
		return report(a, req, db, rest);
	if (post)
		return queue_label(a, req, db, &who, id);
	return *rest ? queue_export(req, db) : queue_list(a, req, db, &who);
}

/* GET /api/intents: what the bot can recognise, with the titles staff read. */
static int intents_route(struct insight_api *a, struct http_req *req)
{
	const struct intent_engine *e = a->intents;
	if (strcmp(http_req_path(req), INTENTS) != 0)
		return api_error(req, 404, "not found");
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	char err[300];
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db) {
		log_event(LOG_ERROR, "insight_api_db", "error", err, NULL);
		return api_error(req, 500, "database unavailable");
	}
	struct api_actor who;
	int rc = api_authorise(req, db, "insight", &who);
	if (rc != 0)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; e && i < intent_count(e); i++) {
		const char *name = intent_name(e, i), *title = intent_title(e, name);
		json_array_append_new(items, json_pack("{s:s, s:s, s:b}", "name", name, "title",
		                                       title ? title : name, "routine",
		                                       intent_is_routine(e, name)));
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "intents", items), NULL);
}

/* Runs fn on a copy of the module that sees the current data files. */
static int with_data(struct http_req *req, const struct insight_api *shared,
                     int (*fn)(struct insight_api *, struct http_req *))
{
	struct insight_api view = *shared;
	const struct municipality_data *d = municipality_hold(shared->opt.data);
	view.staffing = d->staffing;
	view.intents = d->intents;
	int rc = fn(&view, req);
	municipality_release(shared->opt.data, d);
	return rc;
}

static int handler(struct http_req *req, void *cbdata)
{
	return with_data(req, cbdata, route);
}

static int intents_handler(struct http_req *req, void *cbdata)
{
	return with_data(req, cbdata, intents_route);
}

void insight_api_register(struct http *h, struct insight_api *a)
{
	http_route(h, INTENTS, intents_handler, a);
	http_route(h, REPORT, handler, a);
	http_route(h, QUEUE, handler, a);
}
