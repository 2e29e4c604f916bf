/*
 * panelweb.c - the citizen panel's public pages (see panelweb.h,
 * docs/panel.md).
 *
 * Data flow of an answer by web: GET /panel/f/TOKEN -> gate (Host, HTTPS
 * policy) -> panel_token_find -> the consultation (open?) -> the form,
 * prefilled -> POST (a form from this origin with the CSRF field) -> every
 * field checked (ranges, UTF-8, length) -> one store_write(): the
 * response's answers replaced, state 'done' -> 303 to the form with
 * "saved". Results: only a published consultation, counted by
 * panel_results(), drawn as server-rendered SVG with a table beside it.
 */
#include "panelweb.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/text.h"
#include "core/textbuf.h"
#include "panel/panel.h"
#include "store/store.h"

extern const char panelweb_css[];
extern const size_t panelweb_css_len;

#define PAGE_MAX ((size_t)256 * 1024)
#define BODY_MAX ((size_t)32 * 1024)
#define TEXT_MAX 1000 /* bytes of a free-text answer */
#define FORM_PREFIX "/panel/f/"
#define RESULTS_PREFIX "/panel/results/"

#define SECURITY_HEADERS                                                                           \
	"Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self'; "          \
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'\r\n"                          \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"Referrer-Policy: same-origin\r\n"                                                         \
	"X-Frame-Options: DENY\r\n"

struct panelweb {
	struct store *store;
	char hosts[256];
};

struct panelweb *panelweb_new(const struct panelweb_options *opt, char *err, size_t errlen)
{
	struct panelweb *w = calloc(1, sizeof(*w));
	if (!w) {
		text_set_err(err, errlen, "panelweb: out of memory");
		return NULL;
	}
	w->store = opt->store;
	snprintf(w->hosts, sizeof(w->hosts), "%s", opt->public_host ? opt->public_host : "");
	return w;
}

void panelweb_free(struct panelweb *w)
{
	free(w);
}

/* ---- replies ------------------------------------------------------------- */

static int send(const struct panelweb *w, struct http_req *req, int status, const char *type,
                const char *body, size_t len, const char *extra)
{
	char headers[1024];
	struct textbuf t = {headers, sizeof(headers), 0};
	textbuf_put(&t, "%s", SECURITY_HEADERS);
	if (w->hosts[0] && http_req_is_tls(req))
		textbuf_put(&t, "Strict-Transport-Security: max-age=31536000\r\n");
	textbuf_put(&t, "%s", extra ? extra : "");
	return http_reply(req, status, type, body, len, headers);
}

static void page_start(struct textbuf *t, const char *title)
{
	textbuf_put(t, "<!doctype html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	               "<title>");
	textbuf_put_html(t, title);
	textbuf_put(t, "</title><link rel=\"stylesheet\" href=\"/panel/panel.css\"></head>"
	               "<body><main>\n");
}

static int send_page(const struct panelweb *w, struct http_req *req, int status, struct textbuf *t,
                     const char *extra)
{
	textbuf_put(t, "</main></body></html>\n");
	if (t->len + 1 >= t->size)
		return http_reply_text(req, 500, "page too large\n");
	return send(w, req, status, "text/html; charset=utf-8", t->buf, t->len, extra);
}

/* A short page with a heading and one paragraph. */
static int message_page(const struct panelweb *w, struct http_req *req, int status,
                        const char *title, const char *text)
{
	char page[4096];
	struct textbuf t = {page, sizeof(page), 0};
	page_start(&t, title);
	textbuf_put(&t, "<h1>");
	textbuf_put_html(&t, title);
	textbuf_put(&t, "</h1><p>");
	textbuf_put_html(&t, text);
	textbuf_put(&t, "</p>\n");
	return send_page(w, req, status, &t, NULL);
}

static int not_found(const struct panelweb *w, struct http_req *req)
{
	return message_page(
	    w, req, 404, "Siden findes ikke",
	    "Linket virker ikke. Måske er det skrevet forkert, eller du har fået et "
	    "nyt link i Messenger. Skriv til kommunen i Messenger, så hjælper vi.");
}

/* Host and HTTPS checks: 0 to go on, else the status sent. */
static int gate(const struct panelweb *w, struct http_req *req)
{
	if (!http_host_allowed(http_req_header(req, "Host"), w->hosts))
		return http_reply_text(req, 421, "unknown host\n");
	if (w->hosts[0] && !http_req_is_tls(req))
		return http_reply_text(req, 403, "HTTPS only\n");
	return 0;
}

static sqlite3 *request_db(const struct panelweb *w)
{
	char err[300];
	sqlite3 *db = store_thread_db(w->store, err, sizeof(err));
	if (!db)
		log_event(LOG_ERROR, "panelweb_db", "error", err, NULL);
	return db;
}

/* ---- the form ------------------------------------------------------------------ */

/* The form's CSRF field: derived from the link's token, which only the
 * member has, so a page elsewhere cannot post a form that is accepted. */
static void form_csrf(const char *token, char out[65])
{
	char in[PANEL_TOKEN_HEX + 16];
	unsigned char md[SHA256_DIGEST_LENGTH];
	int n = snprintf(in, sizeof(in), "panel-form\n%s", token);
	SHA256((const unsigned char *)in, (size_t)n, md);
	hex_encode(md, sizeof(md), out);
}

struct prefill {
	unsigned chosen[PANEL_MAX_QUESTIONS]; /* option bits; a scale's value as bit v */
	char *text[PANEL_MAX_QUESTIONS];
};

static int prefill_row(void *arg, int qno, int choice, const char *text)
{
	struct prefill *f = arg;
	if (qno < 0 || qno >= PANEL_MAX_QUESTIONS)
		return 0;
	if (text && !f->text[qno])
		f->text[qno] = strdup(text);
	else if (choice >= 0 && choice < 32)
		f->chosen[qno] |= 1u << choice;
	return 0;
}

static void prefill_free(struct prefill *f)
{
	for (int i = 0; i < PANEL_MAX_QUESTIONS; i++)
		free(f->text[i]);
}

static void put_choice(struct textbuf *t, const char *type, const char *name, int value,
                       const char *label, int checked)
{
	textbuf_put(t, "<label class=\"choice\"><input type=\"%s\" name=\"%s\" value=\"%d\"%s> ",
	            type, name, value, checked ? " checked" : "");
	textbuf_put_html(t, label);
	textbuf_put(t, "</label>\n");
}

static void put_question(struct textbuf *t, const struct panel_question *q, int i,
                         const struct prefill *f)
{
	char name[32], label[4];
	snprintf(name, sizeof(name), "q%d", i + 1);
	if (q->kind == PANEL_TEXT) {
		textbuf_put(t, "<div class=\"field\"><label class=\"block\" for=\"%s\">%d. ", name,
		            i + 1);
		textbuf_put_html(t, q->text);
		textbuf_put(t,
		            "</label><textarea id=\"%s\" name=\"%s\" maxlength=\"%d\" rows=\"4\">",
		            name, name, TEXT_MAX);
		textbuf_put_html(t, f->text[i] ? f->text[i] : "");
		textbuf_put(t, "</textarea></div>\n");
		return;
	}
	textbuf_put(t, "<fieldset><legend>%d. ", i + 1);
	textbuf_put_html(t, q->text);
	textbuf_put(t, "</legend>\n");
	if (q->kind == PANEL_MULTIPLE)
		textbuf_put(t, "<p class=\"hint\">Vælg gerne flere.</p>\n");
	for (int o = 0; q->kind != PANEL_SCALE && o < q->noptions; o++) {
		char cname[40];
		snprintf(cname, sizeof(cname), "q%d_%d", i + 1, o + 1);
		put_choice(t, q->kind == PANEL_MULTIPLE ? "checkbox" : "radio",
		           q->kind == PANEL_MULTIPLE ? cname : name,
		           q->kind == PANEL_MULTIPLE ? 1 : o + 1, q->option[o],
		           (f->chosen[i] >> o) & 1);
	}
	for (int v = 1; q->kind == PANEL_SCALE && v <= 5; v++) {
		snprintf(label, sizeof(label), "%d", v);
		put_choice(t, "radio", name, v, label, (f->chosen[i] >> v) & 1);
	}
	textbuf_put(t, "</fieldset>\n");
}

static int form_page(const struct panelweb *w, struct http_req *req, sqlite3 *db, const char *token,
                     const struct panel_link *l, const struct panel_consultation *c,
                     const char *error, int status)
{
	struct prefill f = {{0}, {0}};
	if (panel_response_answers(db, l->response_id, prefill_row, &f) < 0) {
		prefill_free(&f);
		return http_reply_text(req, 500, "database error\n");
	}
	char *page = malloc(PAGE_MAX), csrf[65], day[48], saved[8] = "";
	if (!page) {
		prefill_free(&f);
		return http_reply_text(req, 500, "out of memory\n");
	}
	struct textbuf t = {page, PAGE_MAX, 0};
	form_csrf(token, csrf);
	panel_closing_day(c->closes_ms, 1, day, sizeof(day));
	page_start(&t, c->title);
	textbuf_put(&t, "<h1>");
	textbuf_put_html(&t, c->title);
	textbuf_put(&t, "</h1>\n");
	if (http_req_query_var(req, "saved", saved, sizeof(saved)) >= 0)
		textbuf_put(&t,
		            "<p class=\"notice\" role=\"status\">Tak! Dine svar er gemt. Du kan "
		            "rette dem her indtil %s.</p>\n",
		            day);
	if (error) {
		textbuf_put(&t, "<p class=\"error\" role=\"alert\">");
		textbuf_put_html(&t, error);
		textbuf_put(&t, "</p>\n");
	}
	for (const char *p = c->intro; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char para[sizeof(c->intro)];
		snprintf(para, sizeof(para), "%.*s", (int)n, p);
		textbuf_put(&t, "<p>");
		textbuf_put_html(&t, para);
		textbuf_put(&t, "</p>\n");
		p += n + (nl != NULL);
	}
	textbuf_put(&t,
	            "<form method=\"post\" action=\"%s%s\">\n"
	            "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n",
	            FORM_PREFIX, token, csrf);
	for (int i = 0; i < c->nquestions; i++)
		put_question(&t, &c->q[i], i, &f);
	textbuf_put(&t,
	            "<button type=\"submit\">Gem mine svar</button>\n</form>\n"
	            "<p class=\"hint\">Du kan rette dine svar indtil %s. Svarene bruges kun "
	            "samlet og vises aldrig med dit navn.</p>\n",
	            day);
	prefill_free(&f);
	int rc = send_page(w, req, status, &t, "Cache-Control: no-store\r\n");
	free(page);
	return rc;
}

/* The answers of one form post, checked. */
struct form_answers {
	int choice[PANEL_MAX_QUESTIONS];     /* single, scale: the value; 0 none */
	unsigned multi[PANEL_MAX_QUESTIONS]; /* multiple: option bits */
	char text[PANEL_MAX_QUESTIONS][TEXT_MAX + 1];
	int given;
};

/* Reads the fields; NULL when fine, else what to tell the member. */
static const char *read_answers(const char *body, size_t len, const struct panel_consultation *c,
                                struct form_answers *a)
{
	char name[40], value[TEXT_MAX + 1];
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < c->nquestions; i++) {
		const struct panel_question *q = &c->q[i];
		snprintf(name, sizeof(name), "q%d", i + 1);
		for (int o = 0; q->kind == PANEL_MULTIPLE && o < q->noptions; o++) {
			char cname[40];
			snprintf(cname, sizeof(cname), "q%d_%d", i + 1, o + 1);
			int n = http_form_var(body, len, cname, value, sizeof(value));
			if (n >= 0 && strcmp(value, "1") != 0)
				return "Et af svarene kunne ikke læses. Prøv igen.";
			a->multi[i] |= n >= 0 ? 1u << o : 0;
		}
		a->given += a->multi[i] != 0;
		if (q->kind == PANEL_MULTIPLE)
			continue;
		int n = http_form_var(body, len, name, value, sizeof(value));
		if (n == -2)
			return "Et svar er for langt (højst 1000 tegn).";
		if (n <= 0)
			continue;
		if (q->kind == PANEL_TEXT) {
			if (!text_utf8_valid(value, (size_t)n))
				return "Et svar indeholder tegn, der ikke kan læses.";
			char *v = text_trim(value);
			snprintf(a->text[i], sizeof(a->text[i]), "%s", v);
			a->given += *v != '\0';
			continue;
		}
		char *end;
		long v = strtol(value, &end, 10);
		int max = q->kind == PANEL_SCALE ? 5 : q->noptions;
		if (*end || end == value || v < 1 || v > max)
			return "Et af svarene kunne ikke læses. Prøv igen.";
		a->choice[i] = (int)v;
		a->given++;
	}
	return a->given ? NULL : "Du har ikke svaret på noget endnu.";
}

struct save_txn {
	const struct panel_link *l;
	const struct panel_consultation *c;
	const struct form_answers *a;
	long long now;
};

static int save_fn(sqlite3 *db, void *arg)
{
	const struct save_txn *s = arg;
	long long rid = s->l->response_id;
	if (panel_answers_clear(db, rid) < 0)
		return -1;
	for (int i = 0; i < s->c->nquestions; i++) {
		const struct panel_question *q = &s->c->q[i];
		int rc = 0;
		if (q->kind == PANEL_TEXT && s->a->text[i][0])
			rc = panel_answer(db, rid, q, i, -1, s->a->text[i], s->now);
		else if (q->kind == PANEL_SCALE && s->a->choice[i])
			rc = panel_answer(db, rid, q, i, s->a->choice[i], NULL, s->now);
		else if (q->kind == PANEL_SINGLE && s->a->choice[i])
			rc = panel_answer(db, rid, q, i, s->a->choice[i] - 1, NULL, s->now);
		for (int o = 0; q->kind == PANEL_MULTIPLE && o < q->noptions && rc == 0; o++)
			if ((s->a->multi[i] >> o) & 1)
				rc = panel_answer(db, rid, q, i, o, NULL, s->now);
		if (rc < 0)
			return -1;
	}
	return panel_response_set(db, rid, PANEL_DONE, s->c->nquestions, s->now);
}

/* A POST must come from this origin when the browser says where from.
 * (Referrer-Policy same-origin, not no-referrer: under no-referrer a
 * browser sends "Origin: null" even for its own form; the link's token
 * never leaves this origin either way.) */
static int same_origin(struct http_req *req)
{
	const char *origin = http_req_header(req, "Origin");
	const char *host = http_req_header(req, "Host");
	if (!origin)
		return 1;
	char want[300];
	snprintf(want, sizeof(want), "%s://%s", http_req_is_tls(req) ? "https" : "http",
	         host ? host : "");
	return !strcmp(origin, want);
}

static int form_post(const struct panelweb *w, struct http_req *req, sqlite3 *db, const char *token,
                     const struct panel_link *l, const struct panel_consultation *c)
{
	if (!http_req_content_type_is(req, "application/x-www-form-urlencoded"))
		return http_reply_text(req, 415, "a form post is expected\n");
	if (!same_origin(req))
		return http_reply_text(req, 403, "cross-origin form post refused\n");
	char *body = NULL;
	size_t len = 0;
	enum http_body b = http_read_body(req, BODY_MAX, &body, &len);
	if (b != HTTP_BODY_OK)
		return http_reply_text(req, b == HTTP_BODY_TOO_LARGE ? 413 : 400,
		                       b == HTTP_BODY_TOO_LARGE ? "form too large\n"
		                                                : "bad body\n");
	char csrf[65], sent[80];
	form_csrf(token, csrf);
	int n = http_form_var(body, len, "csrf", sent, sizeof(sent));
	if (n != 64 || strcmp(sent, csrf) != 0) {
		free(body);
		return http_reply_text(req, 403, "the form's CSRF field is missing or wrong\n");
	}
	struct form_answers *a = malloc(sizeof(*a));
	const char *problem = a ? read_answers(body, len, c, a) : "out of memory";
	free(body);
	int rc;
	if (problem) {
		rc = form_page(w, req, db, token, l, c, problem, 400);
	} else {
		char err[300] = "";
		struct save_txn s = {l, c, a, clock_now_ms()};
		if (store_write(w->store, db, save_fn, &s, err, sizeof(err)) != 0) {
			log_event(LOG_ERROR, "panel_form_save", "error", err, NULL);
			rc = http_reply_text(req, 500, "could not save\n");
		} else {
			char loc[200];
			snprintf(loc, sizeof(loc), "Location: %s%s?saved=1\r\n", FORM_PREFIX,
			         token);
			rc = send(w, req, 303, "text/plain; charset=utf-8", "", 0, loc);
		}
	}
	free(a);
	return rc;
}

static int form_handler(const struct panelweb *w, struct http_req *req, const char *token)
{
	int is_post = http_req_method_is(req, "POST");
	if (!is_post && !http_req_method_is(req, "GET") && !http_req_method_is(req, "HEAD"))
		return send(w, req, 405, "text/plain; charset=utf-8", "method not allowed\n", 19,
		            "Allow: GET, HEAD, POST\r\n");
	sqlite3 *db = request_db(w);
	if (!db)
		return http_reply_text(req, 503, "database unavailable\n");
	struct panel_link l;
	int found = panel_token_find(db, token, &l);
	if (found < 0)
		return http_reply_text(req, 500, "database error\n");
	if (found == 0)
		return not_found(w, req);
	struct panel_consultation *c = malloc(sizeof(*c));
	enum panel_status s;
	int rc;
	found = c ? panel_get(db, l.consultation_id, clock_now_ms(), c, &s) : -1;
	if (found <= 0)
		rc = found < 0 ? http_reply_text(req, 500, "database error\n") : not_found(w, req);
	else if (s != PANEL_OPEN)
		rc = message_page(w, req, 410, "Undersøgelsen er slut",
		                  "Tak for din interesse. Undersøgelsen er lukket, så der kan ikke "
		                  "længere svares eller rettes i svarene.");
	else
		rc = is_post ? form_post(w, req, db, token, &l, c)
		             : form_page(w, req, db, token, &l, c, NULL, 200);
	free(c);
	return rc;
}

/* ---- results ---------------------------------------------------------------------- */

static long long pct(long long n, long long of)
{
	return of > 0 ? (n * 100 + of / 2) / of : 0;
}

/* A horizontal bar chart of the question's counts, and the same as a table. */
static void put_chart(struct textbuf *t, const struct panel_question *q,
                      const struct panel_question_result *r, int i)
{
	int rows = q->kind == PANEL_SCALE ? 5 : q->noptions;
	long long max = 1;
	for (int o = 0; o < rows; o++)
		max = r->count[o] > max ? r->count[o] : max;
	/* phone first: 400 units wide, each answer's label above its bar */
	textbuf_put(t,
	            "<svg class=\"chart\" viewBox=\"0 0 400 %d\" role=\"img\" "
	            "aria-labelledby=\"q%d-title\" xmlns=\"http://www.w3.org/2000/svg\">"
	            "<title id=\"q%d-title\">Søjlediagram over svarene på spørgsmål %d</title>\n",
	            rows * 56 + 4, i + 1, i + 1, i + 1);
	for (int o = 0; o < rows; o++) {
		char label[16];
		snprintf(label, sizeof(label), "%d", o + 1);
		int y = o * 56;
		long long width = r->count[o] * 280 / max;
		width = width > 0 ? width : 2;
		textbuf_put(t, "<text x=\"0\" y=\"%d\" font-size=\"17\" fill=\"#1a1a1a\">", y + 20);
		textbuf_put_html(t, q->kind == PANEL_SCALE ? label : q->option[o]);
		textbuf_put(t,
		            "</text><rect x=\"0\" y=\"%d\" width=\"%lld\" height=\"24\" "
		            "fill=\"#0b4f8a\"></rect><text x=\"%lld\" y=\"%d\" font-size=\"17\" "
		            "fill=\"#1a1a1a\">%lld (%lld %%)</text>\n",
		            y + 28, width, width + 8, y + 46, r->count[o],
		            pct(r->count[o], r->answered));
	}
	textbuf_put(t,
	            "</svg>\n<table><caption class=\"visually-hidden\">Svar på spørgsmål %d"
	            "</caption><thead><tr><th scope=\"col\">Svar</th><th scope=\"col\" "
	            "class=\"n\">Antal</th><th scope=\"col\" class=\"n\">Andel</th></tr></thead>"
	            "<tbody>\n",
	            i + 1);
	for (int o = 0; o < rows; o++) {
		char label[16];
		snprintf(label, sizeof(label), "%d", o + 1);
		textbuf_put(t, "<tr><td>");
		textbuf_put_html(t, q->kind == PANEL_SCALE ? label : q->option[o]);
		textbuf_put(t, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld %%</td></tr>\n",
		            r->count[o], pct(r->count[o], r->answered));
	}
	textbuf_put(t, "</tbody></table>\n");
}

static int results_page(const struct panelweb *w, struct http_req *req,
                        const struct panel_consultation *c, const struct panel_results *r)
{
	char *page = malloc(PAGE_MAX), day[48];
	if (!page)
		return http_reply_text(req, 500, "out of memory\n");
	struct textbuf t = {page, PAGE_MAX, 0};
	panel_closing_day(c->closes_ms, 1, day, sizeof(day));
	page_start(&t, c->title);
	textbuf_put(&t, "<h1>Resultat: ");
	textbuf_put_html(&t, c->title);
	textbuf_put(&t,
	            "</h1>\n<p>%lld %s af borgerpanelet svarede. Undersøgelsen sluttede "
	            "%s. <a href=\"%s%s.csv\">Hent tallene som CSV</a>.</p>\n",
	            r->responses, r->responses == 1 ? "medlem" : "medlemmer", day, RESULTS_PREFIX,
	            c->id);
	for (int i = 0; i < c->nquestions; i++) {
		const struct panel_question *q = &c->q[i];
		textbuf_put(&t, "<section><h2>%d. ", i + 1);
		textbuf_put_html(&t, q->text);
		textbuf_put(&t, "</h2>\n<p class=\"hint\">%lld svar", r->q[i].answered);
		if (q->kind == PANEL_MULTIPLE)
			textbuf_put(&t, " – man kunne vælge flere");
		if (q->kind == PANEL_SCALE && r->q[i].answered)
			textbuf_put(&t, ", gennemsnit %.1f",
			            (double)r->q[i].sum / (double)r->q[i].answered);
		textbuf_put(&t, ".</p>\n");
		if (q->kind == PANEL_TEXT)
			textbuf_put(
			    &t, "<p>Svarene er skrevet med egne ord. De bliver læst af kommunen, "
			        "men vises ikke her, fordi de kan indeholde personlige "
			        "oplysninger.</p>\n");
		else
			put_chart(&t, q, &r->q[i], i);
		textbuf_put(&t, "</section>\n");
	}
	int rc = send_page(w, req, 200, &t, NULL);
	free(page);
	return rc;
}

static void csv_put(struct textbuf *t, const char *s)
{
	textbuf_put(t, "\"%s", strchr("=+-@", *s) && *s ? "'" : ""); /* no spreadsheet formulas */
	for (; *s; s++)
		textbuf_put(t, *s == '"' ? "\"\"" : "%c", *s);
	textbuf_put(t, "\"");
}

static int results_csv(const struct panelweb *w, struct http_req *req,
                       const struct panel_consultation *c, const struct panel_results *r)
{
	char *page = malloc(PAGE_MAX), label[16];
	if (!page)
		return http_reply_text(req, 500, "out of memory\n");
	struct textbuf t = {page, PAGE_MAX, 0};
	textbuf_put(&t, "question,question_text,kind,answer,count\r\n");
	for (int i = 0; i < c->nquestions; i++) {
		const struct panel_question *q = &c->q[i];
		int rows = q->kind == PANEL_SCALE ? 5 : q->kind == PANEL_TEXT ? 1 : q->noptions;
		for (int o = 0; o < rows; o++) {
			snprintf(label, sizeof(label), "%d", o + 1);
			textbuf_put(&t, "%d,", i + 1);
			csv_put(&t, q->text);
			textbuf_put(&t, ",%s,", panel_kind_name(q->kind));
			csv_put(&t, q->kind == PANEL_SCALE  ? label
			            : q->kind == PANEL_TEXT ? "(free text, not published)"
			                                    : q->option[o]);
			textbuf_put(&t, ",%lld\r\n",
			            q->kind == PANEL_TEXT ? r->q[i].answered : r->q[i].count[o]);
		}
	}
	char disp[120];
	snprintf(disp, sizeof(disp), "Content-Disposition: attachment; filename=\"%s.csv\"\r\n",
	         c->id);
	int rc = t.len + 1 >= t.size
	             ? http_reply_text(req, 500, "too large\n")
	             : send(w, req, 200, "text/csv; charset=utf-8", page, t.len, disp);
	free(page);
	return rc;
}

static int results_handler(const struct panelweb *w, struct http_req *req, const char *rest)
{
	if (!http_req_method_is(req, "GET") && !http_req_method_is(req, "HEAD"))
		return send(w, req, 405, "text/plain; charset=utf-8", "method not allowed\n", 19,
		            "Allow: GET, HEAD\r\n");
	char id[PANEL_ID_MAX + 8];
	size_t n = strlen(rest);
	int csv = n > 4 && !strcmp(rest + n - 4, ".csv");
	if (csv)
		n -= 4;
	if (n == 0 || n > PANEL_ID_MAX || strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789-") < n)
		return not_found(w, req);
	snprintf(id, sizeof(id), "%.*s", (int)n, rest);
	sqlite3 *db = request_db(w);
	if (!db)
		return http_reply_text(req, 503, "database unavailable\n");
	struct panel_consultation *c = malloc(sizeof(*c));
	struct panel_results *r = malloc(sizeof(*r));
	enum panel_status s;
	int rc, found = c && r ? panel_get(db, id, clock_now_ms(), c, &s) : -1;
	if (found < 0 || (found && s == PANEL_PUBLISHED && panel_results(db, c, r) < 0))
		rc = http_reply_text(req, 500, "database error\n");
	else if (!found || s != PANEL_PUBLISHED) /* nothing public before publish */
		rc = not_found(w, req);
	else
		rc = csv ? results_csv(w, req, c, r) : results_page(w, req, c, r);
	free(c);
	free(r);
	return rc;
}

/* ---- routing ----------------------------------------------------------------------- */

static int panel_handler(struct http_req *req, void *cbdata)
{
	const struct panelweb *w = cbdata;
	int g = gate(w, req);
	if (g)
		return g;
	const char *path = http_req_path(req);
	if (!strncmp(path, FORM_PREFIX, strlen(FORM_PREFIX)))
		return form_handler(w, req, path + strlen(FORM_PREFIX));
	if (!strncmp(path, RESULTS_PREFIX, strlen(RESULTS_PREFIX)))
		return results_handler(w, req, path + strlen(RESULTS_PREFIX));
	if (!strcmp(path, "/panel/panel.css") &&
	    (http_req_method_is(req, "GET") || http_req_method_is(req, "HEAD")))
		return send(w, req, 200, "text/css; charset=utf-8", panelweb_css, panelweb_css_len,
		            "Cache-Control: max-age=3600\r\n");
	return not_found(w, req);
}

void panelweb_register(struct http *h, struct panelweb *w)
{
	http_route(h, "/panel/", panel_handler, w);
}
