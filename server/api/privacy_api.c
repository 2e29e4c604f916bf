/*
 * privacy_api.c - export links and Meta's data-deletion callback (see
 * privacy_api.h, docs/privacy.md).
 *
 * Export: token from the path -> privacy_export_token_find (hash lookup,
 * expiry) -> privacy_export -> JSON, or HTML with every value escaped and a
 * Content-Security-Policy that allows nothing to load or run. Unknown,
 * expired and malformed tokens get the same 404.
 *
 * Callback: POST only, form-encoded, body at most CALLBACK_MAX_BODY ->
 * signed_request verified (signed_request.h) -> in one transaction:
 * privacy_delete_app_user and a receipt with a confirmation code -> the
 * WAL is truncated by the keeper -> {"url", "confirmation_code"}. Anything
 * wrong is 4xx before the database is touched.
 */
#include "privacy_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/textbuf.h"
#include "domain/privacy.h"
#include "signed_request.h"

#define EXPORT_PREFIX "/privacy/export/"
#define CALLBACK_PATH "/meta/data-deletion"
#define STATUS_PREFIX "/meta/data-deletion/"
#define CALLBACK_MAX_BODY 8192
#define HTML_MAX (2u << 20) /* an export page is cut beyond 2 MiB (the JSON is whole) */

static const char html_headers[] =
    "Content-Security-Policy: default-src 'none'; base-uri 'none'; form-action 'none';"
    " frame-ancestors 'none'\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "X-Frame-Options: DENY\r\n";

struct privacy_api {
	struct privacy_api_options opt;
	char public_url[512];
	char app_secret[256];
};

/* ---- HTML ----------------------------------------------------------------- */

static int reply_html(struct http_req *req, int status, const char *body, size_t len)
{
	return http_reply(req, status, "text/html; charset=utf-8", body, len, html_headers);
}

static void html_head(struct textbuf *t, const char *title)
{
	textbuf_put(t, "<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	textbuf_put_html(t, title);
	textbuf_put(t, "</title></head><body><h1>");
	textbuf_put_html(t, title);
	textbuf_put(t, "</h1>\n");
}

static int export_html(struct http_req *req, json_t *ex)
{
	char *buf = malloc(HTML_MAX);
	if (!buf)
		return http_reply_text(req, 500, "out of memory");
	struct textbuf t = {buf, HTML_MAX, 0};
	json_t *sum = json_object_get(ex, "summary");
	html_head(&t, "Det har Borgerbot gemt om dig");
	textbuf_put(&t,
	            "<p>Beskeder fra dig: %lld. Sager du har meldt: %lld. Sager du følger: %lld. "
	            "Rå webhook-hændelser: %lld.</p>\n<p>Nedenfor står hver række, vi har gemt, "
	            "tabel for tabel. Vil du have det slettet, så skriv \"slet mine data\" til "
	            "kommunen i Messenger.</p>\n",
	            (long long)json_integer_value(json_object_get(sum, "messages")),
	            (long long)json_integer_value(json_object_get(sum, "cases_reported")),
	            (long long)json_integer_value(json_object_get(sum, "cases_followed")),
	            (long long)json_integer_value(json_object_get(sum, "raw_events")));
	const char *name;
	json_t *rows;
	json_object_foreach(json_object_get(ex, "tables"), name, rows)
	{
		textbuf_put(&t, "<h2>");
		textbuf_put_html(&t, name);
		textbuf_put(&t, " (%zu)</h2>\n", json_array_size(rows));
		size_t i;
		json_t *row;
		json_array_foreach(rows, i, row)
		{
			char *s = json_dumps(row, JSON_INDENT(1) | JSON_SORT_KEYS);
			textbuf_put(&t, "<pre>");
			textbuf_put_html(&t, s ? s : "");
			textbuf_put(&t, "</pre>\n");
			free(s);
		}
	}
	textbuf_put(&t, "</body></html>\n");
	int rc = reply_html(req, 200, buf, t.len);
	free(buf);
	return rc;
}

/* ---- export --------------------------------------------------------------- */

static int not_found(struct http_req *req)
{
	return api_error(req, 404, "unknown or expired link");
}

static int export_handler(struct http_req *req, void *cbdata)
{
	struct privacy_api *a = cbdata;
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	const char *token = http_req_path(req) + strlen(EXPORT_PREFIX);
	char err[300] = "", page[128], psid[128], format[8] = "";
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!db)
		return api_error(req, 503, "database unavailable");
	int found = privacy_export_token_find(db, token, clock_now_ms(), page, sizeof(page), psid,
	                                      sizeof(psid));
	if (found < 0)
		return api_error(req, 500, "cannot read the link");
	if (!found)
		return not_found(req);
	json_t *ex = privacy_export(db, page, psid, err, sizeof(err));
	if (!ex)
		return api_error(req, 500, "cannot read the data");
	if (api_query(req, "format", format, sizeof(format)) == 1 && !strcmp(format, "html")) {
		int rc = export_html(req, ex);
		json_decref(ex);
		return rc;
	}
	return http_reply_json(req, 200, ex, "Referrer-Policy: no-referrer\r\n");
}

/* ---- Meta's data-deletion callback ------------------------------------------- */

struct callback_txn {
	const char *user_id;
	long long now_ms;
	struct privacy_counts counts;
	char code[PRIVACY_CODE_LEN + 1];
	char err[300];
};

static int callback_fn(sqlite3 *db, void *arg)
{
	struct callback_txn *t = arg;
	if (privacy_delete_app_user(db, t->user_id, t->now_ms, &t->counts, t->err, sizeof(t->err)) <
	    0)
		return -1;
	return privacy_request_record(db, "meta_callback", &t->counts,
	                              "app-scoped user id from Meta's data-deletion callback",
	                              t->now_ms, t->code, sizeof(t->code));
}

static int callback_status(enum signed_request_result r)
{
	return r == SIGNED_REQUEST_BAD_SIGNATURE ? 403 : 400;
}

static int callback_handler(struct http_req *req, void *cbdata)
{
	struct privacy_api *a = cbdata;
	if (!http_req_method_is(req, "POST"))
		return api_error(req, 405, "use POST");
	if (!http_req_content_type_is(req, "application/x-www-form-urlencoded"))
		return api_error(req, 415,
		                 "Content-Type must be application/x-www-form-urlencoded");
	char *body;
	size_t len;
	enum http_body rb = http_read_body(req, CALLBACK_MAX_BODY, &body, &len);
	if (rb != HTTP_BODY_OK)
		return api_error(req, rb == HTTP_BODY_TOO_LARGE ? 413 : 400,
		                 rb == HTTP_BODY_TOO_LARGE ? "request body too large"
		                                           : "cannot read the request body");
	char *srbuf = malloc(SIGNED_REQUEST_MAX + 1);
	int n =
	    srbuf ? http_form_var(body, len, "signed_request", srbuf, SIGNED_REQUEST_MAX + 1) : -3;
	free(body);
	if (n < 0) {
		free(srbuf);
		return api_error(req, n == -3 ? 500 : 400,
		                 n == -1 ? "signed_request is missing"
		                         : "signed_request is too long");
	}
	char user_id[SIGNED_REQUEST_USER_MAX + 1];
	enum signed_request_result r =
	    signed_request_parse(a->app_secret, srbuf, (size_t)n, user_id, sizeof(user_id));
	free(srbuf);
	if (r != SIGNED_REQUEST_OK) {
		log_event(LOG_WARN, "data_deletion_refused", "reason",
		          signed_request_result_name(r), NULL);
		return api_error(req, callback_status(r), "invalid signed_request");
	}
	struct callback_txn t = {.user_id = user_id, .now_ms = clock_now_ms()};
	sqlite3 *db = store_thread_db(a->opt.store, t.err, sizeof(t.err));
	if (!db || store_write(a->opt.store, db, callback_fn, &t, t.err, sizeof(t.err)) != 0) {
		log_event(LOG_ERROR, "data_deletion_failed", "error", t.err, NULL);
		return api_error(req, 503, "cannot record the request now; please retry");
	}
	if (a->opt.erased)
		a->opt.erased(a->opt.erased_arg);
	char rows[24], url[700];
	snprintf(rows, sizeof(rows), "%lld", t.counts.rows_deleted);
	log_event(LOG_INFO, "privacy_deleted", "source", "meta_callback", "code", t.code, "rows",
	          rows, NULL);
	snprintf(url, sizeof(url), "%s%s%s", a->public_url, STATUS_PREFIX, t.code);
	return http_reply_json(
	    req, 200, json_pack("{s:s, s:s}", "url", url, "confirmation_code", t.code), NULL);
}

static void format_day(long long ms, char *out, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	if (!gmtime_r(&s, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm))
		snprintf(out, n, "?");
}

static int status_handler(struct http_req *req, void *cbdata)
{
	struct privacy_api *a = cbdata;
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	const char *code = http_req_path(req) + strlen(STATUS_PREFIX);
	unsigned char raw[PRIVACY_CODE_LEN / 2];
	char err[300] = "", format[8] = "";
	if (strlen(code) != PRIVACY_CODE_LEN ||
	    hex_decode(code, PRIVACY_CODE_LEN, raw, sizeof(raw)) < 0)
		return api_error(req, 404, "unknown confirmation code");
	sqlite3 *db = store_thread_db(a->opt.store, err, sizeof(err));
	sqlite3_stmt *st;
	if (!db || sqlite3_prepare_v2(db,
	                              "SELECT source, status, received_at, rows_deleted,"
	                              " cases_anonymised FROM privacy_requests WHERE code = ?1",
	                              -1, &st, NULL) != SQLITE_OK)
		return api_error(req, 503, "database unavailable");
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return api_error(req, 404, "unknown confirmation code");
	}
	char source[24], status[24], when[40];
	snprintf(source, sizeof(source), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(status, sizeof(status), "%s", (const char *)sqlite3_column_text(st, 1));
	format_day(sqlite3_column_int64(st, 2), when, sizeof(when));
	long long rows = sqlite3_column_int64(st, 3), cases = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	if (api_query(req, "format", format, sizeof(format)) == 1 && !strcmp(format, "json"))
		return http_reply_json(
		    req, 200,
		    json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "confirmation_code", code, "source",
		              source, "status", status, "received", when, "rows_deleted",
		              (json_int_t)rows, "cases_anonymised", (json_int_t)cases),
		    NULL);
	char buf[4096];
	struct textbuf t = {buf, sizeof(buf), 0};
	html_head(&t, "Sletning af dine data");
	textbuf_put(&t, "<p>Kvitteringsnummer: <code>");
	textbuf_put_html(&t, code);
	textbuf_put(&t,
	            "</code>. Anmodningen blev modtaget %s og er gennemført: %lld rækker er "
	            "slettet, og %lld sager er anonymiseret.</p>\n",
	            when, rows, cases);
	if (!strcmp(source, "meta_callback"))
		textbuf_put(
		    &t,
		    "<p>Facebook sender os et bruger-id, der gælder for kommunens app, men ikke "
		    "det "
		    "id, som dine Messenger-samtaler med kommunen er gemt under. Vi har derfor "
		    "slettet det, der var gemt under app-id'et (fx kommentarer på kommunens side), "
		    "men "
		    "vi kan ikke ud fra Facebooks anmodning finde dine Messenger-samtaler. Skriv "
		    "\"slet mine data\" til kommunen i Messenger, så sletter vi dem med det "
		    "samme.</p>"
		    "\n<p>Facebook gemmer sin egen kopi af samtalen; den sletter du i "
		    "Messenger.</p>\n");
	textbuf_put(&t, "</body></html>\n");
	return reply_html(req, 200, buf, t.len);
}

/* ---- set-up -------------------------------------------------------------------- */

struct privacy_api *privacy_api_new(const struct privacy_api_options *opt, char *err, size_t errlen)
{
	struct privacy_api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->opt = *opt;
	snprintf(a->public_url, sizeof(a->public_url), "%s",
	         opt->public_url ? opt->public_url : "");
	snprintf(a->app_secret, sizeof(a->app_secret), "%s",
	         opt->app_secret ? opt->app_secret : "");
	return a;
}

void privacy_api_register(struct http *h, struct privacy_api *a)
{
	http_route(h, STATUS_PREFIX, status_handler, a);
	http_route(h, CALLBACK_PATH "$", callback_handler, a);
	http_route(h, EXPORT_PREFIX, export_handler, a);
}

void privacy_api_free(struct privacy_api *a)
{
	free(a);
}
