/*
 * console.c - the console's pages, login, logout and /api/me (see
 * console.h).
 *
 * Data flow of a login: POST /console/login -> gate (Host, HTTPS policy) ->
 * form body (4 KiB, urlencoded) -> login CSRF (the hidden field must equal
 * the bb_login cookie that came with the form: a double-submit token, since
 * there is no session yet) -> throttle (per username, per address: 429 with
 * Retry-After) -> one scrypt verification (for an unknown or disabled user
 * against a dummy hash, so the answer and its time are the same) -> in one
 * transaction: the session row and audit_log "login.ok" -> 303 to /console
 * with the session cookie. A failure writes "login.failed" to the audit log
 * (the username only when it exists: a password typed into the username
 * field must not be kept) and counts against both throttle keys.
 */
#include "console.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "console/live.h"
#include "console/throttle.h"
#include "core/clock.h"
#include "core/live_settings.h"
#include "core/log.h"
#include "core/text.h"
#include "core/textbuf.h"
#include "domain/audit.h"
#include "domain/conversation_live.h"
#include "domain/staff.h"
#include "domain/staff_session.h"

extern const char console_login_html[], console_shell_html[], console_css[], console_js[],
    console_inbox_js[], console_conversation_js[], console_cases_js[], console_admin_js[],
    console_canned_js[], console_insight_js[], console_panel_js[];
extern const size_t console_login_html_len, console_shell_html_len, console_css_len, console_js_len,
    console_inbox_js_len, console_conversation_js_len, console_cases_js_len, console_admin_js_len,
    console_canned_js_len, console_insight_js_len, console_panel_js_len;

/* The embedded assets under /console/assets/: console.js is the shell's core
 * (router, API calls, element builder); each page is a file of its own. */
struct console_asset {
	const char *path, *type;
	const char *data;
	const size_t *len;
};

#define CSS "text/css; charset=utf-8"
#define JS "text/javascript; charset=utf-8"
static const struct console_asset ASSETS[] = {
    {"/console/assets/console.css", CSS, console_css, &console_css_len},
    {"/console/assets/console.js", JS, console_js, &console_js_len},
    {"/console/assets/inbox.js", JS, console_inbox_js, &console_inbox_js_len},
    {"/console/assets/conversation.js", JS, console_conversation_js, &console_conversation_js_len},
    {"/console/assets/cases.js", JS, console_cases_js, &console_cases_js_len},
    {"/console/assets/admin.js", JS, console_admin_js, &console_admin_js_len},
    {"/console/assets/canned.js", JS, console_canned_js, &console_canned_js_len},
    {"/console/assets/insight.js", JS, console_insight_js, &console_insight_js_len},
    {"/console/assets/panel.js", JS, console_panel_js, &console_panel_js_len},
};
#undef CSS
#undef JS

#define LOGIN_BODY_MAX 4096
#define LOGIN_COOKIE_TLS "__Host-bb_login"
#define LOGIN_COOKIE_PLAIN "bb_login"
#define PAGE_MAX 16384
#define UNAVAILABLE "Konsollen er ikke tilgængelig lige nu.\n"
#define NOT_FOUND "Siden findes ikke.\n"

/* On every console response. 'self' only: no inline script or style, no
 * framing, forms post only here, no <base> tricks. */
#define SECURITY_HEADERS                                                                           \
	"Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "       \
	"img-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "         \
	"base-uri 'none'\r\n"                                                                      \
	"X-Frame-Options: DENY\r\n"                                                                \
	"Referrer-Policy: no-referrer\r\n"                                                         \
	"Cross-Origin-Opener-Policy: same-origin\r\n"

struct console {
	struct store *store;
	char hosts[256];
	long long idle_ms, absolute_ms;
	int max_fail_user, max_fail_addr, max_hashing;
	const struct live_settings *settings; /* NULL: the four above */
	struct throttle *throttle;
	struct live *live;
	pthread_mutex_t mu; /* guards hashing */
	int hashing;        /* scrypt verifications running now */
};

struct console *console_new(const struct console_options *opt, char *err, size_t errlen)
{
	struct console *c = calloc(1, sizeof(*c));
	if (!c || !(c->throttle = throttle_new(4096)) ||
	    !(c->live = live_new(opt->live_max_streams, opt->live_per_session))) {
		if (c)
			throttle_free(c->throttle);
		free(c);
		text_set_err(err, errlen, "out of memory");
		return NULL;
	}
	c->store = opt->store;
	snprintf(c->hosts, sizeof(c->hosts), "%s", opt->public_host ? opt->public_host : "");
	c->idle_ms = opt->session_idle_ms > 0 ? opt->session_idle_ms : 30 * 60000LL;
	c->absolute_ms = opt->session_absolute_ms > 0 ? opt->session_absolute_ms : 12 * 3600000LL;
	c->max_fail_user = opt->max_failures_user > 0 ? opt->max_failures_user : 5;
	c->max_fail_addr = opt->max_failures_addr > 0 ? opt->max_failures_addr : 20;
	c->max_hashing = opt->max_hashing > 0 ? opt->max_hashing : 4;
	c->settings = opt->settings;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

void console_stop(struct console *c)
{
	if (c)
		live_stop(c->live);
}

void console_free(struct console *c)
{
	if (!c)
		return;
	throttle_free(c->throttle);
	live_free(c->live);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* ---- Host and scheme ------------------------------------------------------- */

int console_host_allowed(const char *host, const char *allowed)
{
	return http_host_allowed(host, allowed); /* one Host check, shared with the panel's pages */
}

/* Sends a complete reply with the security headers before extra. */
static int console_send(const struct console *c, struct http_req *req, int status, const char *type,
                        const char *body, size_t len, const char *extra)
{
	char headers[1536];
	struct textbuf t = {headers, sizeof(headers), 0};
	textbuf_put(&t, "%s", SECURITY_HEADERS);
	if (c->hosts[0] && http_req_is_tls(req))
		textbuf_put(&t, "Strict-Transport-Security: max-age=31536000\r\n");
	textbuf_put(&t, "%s", extra ? extra : "");
	if (t.len + 1 >= t.size)
		return http_reply_text(req, 500, "reply headers too long\n");
	return http_reply(req, status, type, body, len, headers);
}

static int send_text(const struct console *c, struct http_req *req, int status, const char *text)
{
	return console_send(c, req, status, "text/plain; charset=utf-8", text, strlen(text), NULL);
}

/* Host and HTTPS checks of every console request: 0 to go on, else the
 * status of the refusal sent. */
static int gate(const struct console *c, struct http_req *req)
{
	if (!console_host_allowed(http_req_header(req, "Host"), c->hosts))
		return send_text(c, req, 421, "Denne adresse hører ikke til Borgerbot.\n");
	if (c->hosts[0] && !http_req_is_tls(req))
		return send_text(c, req, 403,
		                 "Konsollen kræver HTTPS. Brug https:// i adressen.\n");
	return 0;
}

/* ---- pages --------------------------------------------------------------------- */

struct var {
	const char *name, *value;
};

static void put_escaped(struct textbuf *t, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			textbuf_put(t, "&amp;");
			break;
		case '<':
			textbuf_put(t, "&lt;");
			break;
		case '>':
			textbuf_put(t, "&gt;");
			break;
		case '"':
			textbuf_put(t, "&quot;");
			break;
		case '\'':
			textbuf_put(t, "&#39;");
			break;
		default:
			textbuf_put(t, "%c", *s);
		}
	}
}

/* Fills {{name}} fields of tmpl with HTML-escaped values into out; returns
 * the length, or -1 when it does not fit. Unknown fields become empty. */
static long render(const char *tmpl, const struct var *vars, size_t nvars, char *out, size_t size)
{
	struct textbuf t = {out, size, 0};
	out[0] = '\0';
	for (const char *p = tmpl; *p;) {
		const char *open = strstr(p, "{{");
		const char *close = open ? strstr(open, "}}") : NULL;
		if (!close) {
			textbuf_put(&t, "%s", p);
			break;
		}
		textbuf_put(&t, "%.*s", (int)(open - p), p);
		size_t n = (size_t)(close - open - 2);
		for (size_t i = 0; i < nvars; i++)
			if (strlen(vars[i].name) == n && !strncmp(vars[i].name, open + 2, n))
				put_escaped(&t, vars[i].value ? vars[i].value : "");
		p = close + 2;
	}
	return t.len + 1 >= size ? -1 : (long)t.len;
}

/* "Set-Cookie: NAME=VALUE; ..." for the request's scheme; max_age < 0 for
 * a cookie that lives until the browser closes, 0 to delete it. */
static void put_cookie(struct textbuf *t, const struct http_req *req, const char *tls_name,
                       const char *plain_name, const char *value, int max_age)
{
	int tls = http_req_is_tls(req);
	textbuf_put(t, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Strict%s",
	            tls ? tls_name : plain_name, value, tls ? "; Secure" : "");
	if (max_age >= 0)
		textbuf_put(t, "; Max-Age=%d", max_age);
	textbuf_put(t, "\r\n");
}

/* The login page with a fresh login token (cookie and hidden field), an
 * optional message (error or info) and extra headers. */
static int login_page(const struct console *c, struct http_req *req, int status,
                      const char *message, int is_error, const char *username, const char *extra)
{
	char token[STAFF_TOKEN_LEN + 1], page[PAGE_MAX], headers[768];
	if (staff_random_token(token) < 0)
		return send_text(c, req, 500, "Der skete en fejl. Prøv igen om lidt.\n");
	struct var vars[] = {{"csrf", token},
	                     {"message", message ? message : ""},
	                     {"status_class", is_error ? "error" : "info"},
	                     {"username", username ? username : ""}};
	long len =
	    render(console_login_html, vars, sizeof(vars) / sizeof(vars[0]), page, sizeof(page));
	struct textbuf t = {headers, sizeof(headers), 0};
	put_cookie(&t, req, LOGIN_COOKIE_TLS, LOGIN_COOKIE_PLAIN, token, 3600);
	textbuf_put(&t, "%s", extra ? extra : "");
	if (len < 0 || t.len + 1 >= t.size)
		return send_text(c, req, 500, "Der skete en fejl. Prøv igen om lidt.\n");
	return console_send(c, req, status, "text/html; charset=utf-8", page, (size_t)len, headers);
}

static int shell_page(const struct console *c, struct http_req *req, const struct staff_session *s)
{
	char page[PAGE_MAX];
	struct var vars[] = {
	    {"csrf", s->csrf}, {"name", s->user.display_name}, {"department", s->user.department}};
	long len =
	    render(console_shell_html, vars, sizeof(vars) / sizeof(vars[0]), page, sizeof(page));
	if (len < 0)
		return send_text(c, req, 500, "Der skete en fejl. Prøv igen om lidt.\n");
	return console_send(c, req, 200, "text/html; charset=utf-8", page, (size_t)len, NULL);
}

/* ---- sessions ------------------------------------------------------------------- */

struct touch_arg {
	const struct staff_session *s;
	long long now;
};

static int touch_txn(sqlite3 *db, void *arg)
{
	struct touch_arg *t = arg;
	return staff_session_touch(db, t->s, t->now) < 0 ? -1 : 0;
}

/* The request's session: STAFF_SESSION_OK with *s filled and its use
 * recorded, or why not. */
static enum staff_session_status current_session(struct console *c, struct http_req *req,
                                                 sqlite3 *db, struct staff_session *s)
{
	char token[STAFF_TOKEN_LEN + 1];
	if (!api_session_cookie(req, token, sizeof(token)))
		return STAFF_SESSION_NONE;
	long long now = clock_now_ms();
	enum staff_session_status st = staff_session_check(db, token, now, s);
	if (st == STAFF_SESSION_OK && now - s->last_seen_at >= STAFF_SESSION_TOUCH_MS) {
		struct touch_arg t = {s, now};
		store_write(c->store, db, touch_txn, &t, NULL, 0);
	}
	return st;
}

static sqlite3 *request_db(struct console *c)
{
	char err[300];
	sqlite3 *db = store_thread_db(c->store, err, sizeof(err));
	if (!db)
		log_event(LOG_ERROR, "console_db", "error", err, NULL);
	return db;
}

/* What every console handler does first: the gate, the exact path (NULL:
 * the handler checks), the method (GET also allows HEAD; else 405 with
 * Allow) and, when db is not NULL, this thread's connection. 0 to go on,
 * else the status of the reply sent. */
static int enter(struct console *c, struct http_req *req, const char *path, const char *method,
                 sqlite3 **db)
{
	int rc = gate(c, req);
	if (rc)
		return rc;
	if (path && strcmp(http_req_path(req), path) != 0)
		return send_text(c, req, 404, NOT_FOUND);
	if (!http_req_method_is(req, method) &&
	    !(!strcmp(method, "GET") && http_req_method_is(req, "HEAD"))) {
		char allow[40];
		snprintf(allow, sizeof(allow), "Allow: %s\r\n", method);
		return console_send(c, req, 405, "text/plain; charset=utf-8", "", 0, allow);
	}
	if (db && !(*db = request_db(c)))
		return send_text(c, req, 503, UNAVAILABLE);
	return 0;
}

static int console_page(struct http_req *req, void *cbdata)
{
	struct console *c = cbdata;
	sqlite3 *db = NULL;
	const char *path = http_req_path(req);
	int rc = enter(c, req, strcmp(path, "/console/") ? "/console" : NULL, "GET", &db);
	if (rc)
		return rc;
	struct staff_session s;
	enum staff_session_status st = current_session(c, req, db, &s);
	if (st == STAFF_SESSION_OK)
		return shell_page(c, req, &s);
	if (st == STAFF_SESSION_ERROR)
		return send_text(c, req, 503, UNAVAILABLE);
	char headers[256] = "";
	if (st == STAFF_SESSION_EXPIRED) {
		struct textbuf t = {headers, sizeof(headers), 0};
		put_cookie(&t, req, API_SESSION_COOKIE_TLS, API_SESSION_COOKIE_PLAIN, "", 0);
	}
	return login_page(
	    c, req, 200,
	    st == STAFF_SESSION_EXPIRED
	        ? "Du er blevet logget ud, fordi der er gået et stykke tid. Log ind igen."
	        : NULL,
	    0, NULL, headers);
}

/* ---- login ------------------------------------------------------------------------ */

struct login_txn {
	long long staff_id, now, idle_ms, absolute_ms;
	const char *object; /* "staff:USERNAME", or NULL for an unknown user */
	const char *action;
	const char *detail;
	char token[STAFF_TOKEN_LEN + 1], csrf[STAFF_TOKEN_LEN + 1];
};

static int login_txn(sqlite3 *db, void *arg)
{
	struct login_txn *l = arg;
	if (l->staff_id && staff_session_create(db, l->staff_id, l->now, l->idle_ms, l->absolute_ms,
	                                        l->token, l->csrf) < 0)
		return -1;
	return audit_write(db, l->now, l->object ? l->object : "anonymous", l->action, l->object,
	                   l->detail);
}

/* Takes one of the max_hashing verification slots; 0 when all are busy. */
static int hashing_enter(struct console *c, int delta)
{
	pthread_mutex_lock(&c->mu);
	int ok = delta < 0 || c->hashing < c->max_hashing;
	if (ok)
		c->hashing += delta;
	pthread_mutex_unlock(&c->mu);
	return ok;
}

struct login_form {
	char csrf[STAFF_TOKEN_LEN + 2];
	char username[STAFF_USERNAME_MAX + 2];
	char password[STAFF_PASSWORD_MAX + 2];
};

/* Reads the form: 0, or the status of the refusal sent. */
static int read_login_form(struct console *c, struct http_req *req, struct login_form *f)
{
	if (!http_req_content_type_is(req, "application/x-www-form-urlencoded"))
		return send_text(c, req, 415,
		                 "Formularen skal sendes som "
		                 "application/x-www-form-urlencoded.\n");
	char *body;
	size_t len;
	enum http_body rb = http_read_body(req, LOGIN_BODY_MAX, &body, &len);
	if (rb != HTTP_BODY_OK)
		return rb == HTTP_BODY_TOO_LARGE
		           ? send_text(c, req, 413, "Formularen er for stor.\n")
		           : send_text(c, req, 400, "Formularen kunne ikke læses.\n");
	int a = http_form_var(body, len, "csrf", f->csrf, sizeof(f->csrf));
	int u = http_form_var(body, len, "username", f->username, sizeof(f->username));
	int p = http_form_var(body, len, "password", f->password, sizeof(f->password));
	OPENSSL_cleanse(body, len);
	free(body);
	if (a == -2 || u == -2 || p == -2 || !text_utf8_valid(f->username, strlen(f->username)))
		return login_page(c, req, 400,
		                  "Brugernavn eller adgangskode er for langt eller ugyldigt.", 1,
		                  NULL, NULL);
	if (u < 0 || p < 0 || !f->username[0] || !f->password[0])
		return login_page(c, req, 400, "Skriv både brugernavn og adgangskode.", 1, NULL,
		                  NULL);
	for (char *s = f->username; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	return 0;
}

/* 429 with Retry-After when either key is locked; else 0. */
static int check_throttle(struct console *c, struct http_req *req, const char *ukey,
                          const char *akey, long long now, const char *username)
{
	long long wu = throttle_wait_ms(c->throttle, ukey, now);
	long long wa = throttle_wait_ms(c->throttle, akey, now);
	long long wait = wu > wa ? wu : wa;
	if (!wait)
		return 0;
	long long secs = (wait + 999) / 1000, mins = (secs + 59) / 60;
	char msg[200], headers[64];
	snprintf(msg, sizeof(msg),
	         "For mange forkerte forsøg. Vent %lld %s, og prøv igen – eller kontakt en "
	         "administrator, hvis du har glemt din adgangskode.",
	         mins, mins == 1 ? "minut" : "minutter");
	snprintf(headers, sizeof(headers), "Retry-After: %lld\r\n", secs);
	log_event(LOG_WARN, "console_login_throttled", "addr", http_req_remote_addr(req), NULL);
	return login_page(c, req, 429, msg, 1, username, headers);
}

/* The session lengths in force now: an admin may change them while the
 * server runs; a session keeps the lengths it started with. */
static long long session_idle_ms(const struct console *c)
{
	return c->settings
	           ? live_settings_or(c->settings, LIVE_CONSOLE_SESSION_IDLE_MINUTES, 0) * 60000LL
	           : c->idle_ms;
}

static long long session_absolute_ms(const struct console *c)
{
	return c->settings
	           ? live_settings_or(c->settings, LIVE_CONSOLE_SESSION_HOURS, 0) * 3600000LL
	           : c->absolute_ms;
}

static int login_fail(struct console *c, struct http_req *req, sqlite3 *db, struct login_txn *l,
                      const char *ukey, const char *akey, const char *username)
{
	int per_user =
	    (int)live_settings_or(c->settings, LIVE_CONSOLE_LOGIN_MAX_FAILURES, c->max_fail_user);
	/* an address may try four users' worth (an office behind one NAT) */
	int per_addr = c->settings ? 4 * per_user : c->max_fail_addr;
	throttle_fail(c->throttle, ukey, per_user, l->now);
	throttle_fail(c->throttle, akey, per_addr, l->now);
	l->staff_id = 0;
	l->action = "login.failed";
	store_write(c->store, db, login_txn, l, NULL, 0);
	log_event(LOG_INFO, "console_login_failed", "addr", http_req_remote_addr(req), NULL);
	return login_page(c, req, 403, "Brugernavnet eller adgangskoden er forkert.", 1, username,
	                  NULL);
}

static int login(struct http_req *req, void *cbdata)
{
	struct console *c = cbdata;
	sqlite3 *db = NULL;
	int rc;
	if (http_req_method_is(req, "GET")) /* a bookmark of the form's target */
		return (rc = gate(c, req)) ? rc
		                           : console_send(c, req, 303, "text/plain; charset=utf-8",
		                                          "", 0, "Location: /console\r\n");
	if ((rc = enter(c, req, "/console/login", "POST", &db)))
		return rc;
	struct login_form f;
	if ((rc = read_login_form(c, req, &f)))
		return rc;
	char cookie[STAFF_TOKEN_LEN + 2];
	int n = http_req_cookie(req, http_req_is_tls(req) ? LOGIN_COOKIE_TLS : LOGIN_COOKIE_PLAIN,
	                        cookie, sizeof(cookie));
	if (n != STAFF_TOKEN_LEN || !staff_csrf_equal(cookie, f.csrf)) {
		OPENSSL_cleanse(&f, sizeof(f));
		return login_page(c, req, 403, "Siden var for gammel. Prøv at logge ind igen.", 1,
		                  NULL, NULL);
	}
	char ukey[THROTTLE_KEY_MAX], akey[THROTTLE_KEY_MAX], object[100], detail[80];
	snprintf(ukey, sizeof(ukey), "u:%s", f.username);
	snprintf(akey, sizeof(akey), "a:%s", http_req_remote_addr(req));
	snprintf(detail, sizeof(detail), "from %s", http_req_remote_addr(req));
	struct login_txn l = {.now = clock_now_ms(),
	                      .idle_ms = session_idle_ms(c),
	                      .absolute_ms = session_absolute_ms(c),
	                      .detail = detail};
	if ((rc = check_throttle(c, req, ukey, akey, l.now, f.username))) {
		OPENSSL_cleanse(&f, sizeof(f));
		return rc;
	}
	if (!hashing_enter(c, 1)) {
		rc = login_page(c, req, 503, "Der er travlt lige nu. Prøv igen om et øjeblik.", 1,
		                f.username, "Retry-After: 1\r\n");
		OPENSSL_cleanse(&f, sizeof(f));
		return rc;
	}
	struct staff_user u = {0};
	char hash[STAFF_HASH_MAX] = "";
	int found = staff_username_valid(f.username)
	                ? staff_find(db, f.username, &u, hash, sizeof(hash))
	                : 0;
	int ok = found == 1 && !u.disabled_at ? staff_verify_password(f.password, hash) == 1
	                                      : staff_verify_dummy(f.password);
	hashing_enter(c, -1);
	OPENSSL_cleanse(f.password, sizeof(f.password));
	OPENSSL_cleanse(hash, sizeof(hash));
	if (found < 0)
		return send_text(c, req, 503, UNAVAILABLE);
	snprintf(object, sizeof(object), "staff:%s", f.username);
	l.object = found == 1 ? object : NULL;
	if (!ok)
		return login_fail(c, req, db, &l, ukey, akey, f.username);
	throttle_clear(c->throttle, ukey);
	l.staff_id = u.id;
	l.action = "login.ok";
	if (store_write(c->store, db, login_txn, &l, NULL, 0) != 0)
		return send_text(c, req, 503, UNAVAILABLE);
	char headers[512];
	struct textbuf t = {headers, sizeof(headers), 0};
	put_cookie(&t, req, API_SESSION_COOKIE_TLS, API_SESSION_COOKIE_PLAIN, l.token, -1);
	put_cookie(&t, req, LOGIN_COOKIE_TLS, LOGIN_COOKIE_PLAIN, "", 0);
	textbuf_put(&t, "Location: /console\r\n");
	OPENSSL_cleanse(l.token, sizeof(l.token));
	log_event(LOG_INFO, "console_login", "staff", f.username, NULL);
	return console_send(c, req, 303, "text/plain; charset=utf-8", "", 0, headers);
}

/* ---- logout ------------------------------------------------------------------------ */

struct logout_txn {
	const char *token, *object;
	long long now;
};

static int logout_txn(sqlite3 *db, void *arg)
{
	struct logout_txn *l = arg;
	if (staff_session_revoke(db, l->token, l->now) < 0)
		return -1;
	return audit_write(db, l->now, l->object, "logout", l->object, NULL);
}

/* The CSRF token of a logout: X-CSRF-Token, else the form's csrf field. */
static void logout_csrf(struct http_req *req, char *buf, size_t size)
{
	const char *h = http_req_header(req, "X-CSRF-Token");
	buf[0] = '\0';
	if (h) {
		snprintf(buf, size, "%s", h);
		return;
	}
	char *body;
	size_t len;
	if (http_req_content_type_is(req, "application/x-www-form-urlencoded") &&
	    http_read_body(req, LOGIN_BODY_MAX, &body, &len) == HTTP_BODY_OK) {
		http_form_var(body, len, "csrf", buf, size);
		free(body);
	}
}

static int logout(struct http_req *req, void *cbdata)
{
	struct console *c = cbdata;
	sqlite3 *db = NULL;
	int rc = enter(c, req, "/console/logout", "POST", &db);
	if (rc)
		return rc;
	char token[STAFF_TOKEN_LEN + 1], given[STAFF_TOKEN_LEN + 2], object[100];
	struct staff_session s;
	int has = api_session_cookie(req, token, sizeof(token));
	enum staff_session_status st =
	    has ? staff_session_check(db, token, clock_now_ms(), &s) : STAFF_SESSION_NONE;
	if (st == STAFF_SESSION_ERROR)
		return send_text(c, req, 503, UNAVAILABLE);
	if (st == STAFF_SESSION_OK) {
		logout_csrf(req, given, sizeof(given));
		if (!staff_csrf_equal(s.csrf, given))
			return send_text(c, req, 403,
			                 "Siden var for gammel. Genindlæs den, og prøv igen.\n");
		snprintf(object, sizeof(object), "staff:%s", s.user.username);
		struct logout_txn l = {token, object, clock_now_ms()};
		if (store_write(c->store, db, logout_txn, &l, NULL, 0) != 0)
			return send_text(c, req, 503, UNAVAILABLE);
		log_event(LOG_INFO, "console_logout", "staff", s.user.username, NULL);
	}
	char headers[256];
	struct textbuf t = {headers, sizeof(headers), 0};
	put_cookie(&t, req, API_SESSION_COOKIE_TLS, API_SESSION_COOKIE_PLAIN, "", 0);
	textbuf_put(&t, "Location: /console\r\n");
	return console_send(c, req, 303, "text/plain; charset=utf-8", "", 0, headers);
}

/* ---- assets, /api/me, everything else ------------------------------------------------ */

static int assets(struct http_req *req, void *cbdata)
{
	struct console *c = cbdata;
	int rc = enter(c, req, NULL, "GET", NULL);
	if (rc)
		return rc;
	const char *path = http_req_path(req);
	for (size_t i = 0; i < sizeof ASSETS / sizeof ASSETS[0]; i++)
		if (!strcmp(path, ASSETS[i].path))
			return console_send(c, req, 200, ASSETS[i].type, ASSETS[i].data,
			                    *ASSETS[i].len, NULL);
	return send_text(c, req, 404, NOT_FOUND);
}

/* The console's own GET endpoints (/api/me, /api/live): the gate, the exact
 * path, GET only, this thread's connection and the one authoriser. 0 with
 * *db and *who set, or the status of the error reply sent. */
static int enter_api(struct console *c, struct http_req *req, const char *path, const char *scope,
                     sqlite3 **db, struct api_actor *who)
{
	int rc = gate(c, req);
	if (rc)
		return rc;
	if (strcmp(http_req_path(req), path) != 0)
		return api_error(req, 404, "no such staff endpoint");
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	if (!(*db = request_db(c)))
		return api_error(req, 503, "the database is not available");
	return api_authorise(req, *db, scope, who);
}

static int me(struct http_req *req, void *cbdata)
{
	struct console *c = cbdata;
	sqlite3 *db = NULL;
	struct api_actor who = {0};
	int rc = enter_api(c, req, "/api/me", "cases", &db, &who);
	if (rc)
		return rc;
	json_t *v =
	    who.kind == API_ACTOR_STAFF
	        ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "staff", "username", who.name,
	                    "name", who.display_name, "department", who.department, "role",
	                    who.is_admin ? "admin" : "staff", "csrf", who.csrf)
	        : json_pack("{s:s, s:s}", "kind", "key", "name", who.name);
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	if (!s)
		return api_error(req, 500, "out of memory");
	rc = console_send(c, req, 200, "application/json; charset=utf-8", s, strlen(s), NULL);
	free(s);
	return rc;
}

/* ---- live updates (GET /api/live) ------------------------------------------------------ */

#define LIVE_POLL_MS 1000
#define LIVE_SESSION_CHECK_MS 5000
#define LIVE_HEARTBEAT_MS 15000
#define LIVE_EVENTS_PER_POLL 100

struct live_stream {
	struct http_req *req;
	int failed;
};

static int live_send(struct live_stream *ls, const char *text)
{
	if (!ls->failed && http_stream_write(ls->req, text, strlen(text)) < 0)
		ls->failed = 1;
	return ls->failed ? -1 : 0;
}

/* "event: TYPE\ndata: {...}\n\n" (the JSON has no newline). */
static int live_event(const struct live_event *e, void *arg)
{
	json_t *v =
	    json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:b}", "conversation",
	              (json_int_t)e->conversation_id, "mode", e->mode, "department", e->department,
	              "assignee", e->assignee, "reason", e->reason, "urgent", e->urgent);
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (!s)
		return -1;
	char head[40];
	snprintf(head, sizeof(head), "event: %s\ndata: ", e->type);
	struct live_stream *ls = arg;
	int rc = live_send(ls, head) < 0 || live_send(ls, s) < 0 || live_send(ls, "\n\n") < 0;
	free(s);
	return rc ? -1 : 0;
}

/* The stream's loop: poll, send, heartbeat, until the client goes, the
 * session ends or the server stops. Returns why it ended. */
static const char *live_loop(struct console *c, sqlite3 *db, const struct staff_session *s,
                             const char *token, struct live_stream *ls)
{
	int limited = s->user.role != STAFF_ROLE_ADMIN;
	const char *vd = limited ? s->user.department : NULL;
	const char *vu = limited ? s->user.username : NULL;
	struct live_cursor cur;
	if (conversation_live_start(db, &cur) < 0)
		return "error";
	long long last_check = clock_mono_ms(), last_beat = last_check;
	while (!live_wait(c->live, LIVE_POLL_MS)) {
		long long now = clock_mono_ms();
		if (now - last_check >= LIVE_SESSION_CHECK_MS) {
			struct staff_session again;
			if (staff_session_check(db, token, clock_now_ms(), &again) !=
			    STAFF_SESSION_OK)
				return "session";
			last_check = now;
		}
		if (conversation_live_poll(db, &cur, vd, vu, LIVE_EVENTS_PER_POLL, live_event, ls) <
		    0)
			return ls->failed ? NULL : "error";
		if (now - last_beat >= LIVE_HEARTBEAT_MS) {
			if (live_send(ls, ": ping\n\n") < 0)
				return NULL;
			last_beat = now;
		}
	}
	return "shutdown";
}

static int live(struct http_req *req, void *cbdata)
{
	struct console *c = cbdata;
	sqlite3 *db = NULL;
	struct api_actor who = {0};
	int rc = enter_api(c, req, "/api/live", "conversations", &db, &who);
	if (rc)
		return rc;
	char token[STAFF_TOKEN_LEN + 1];
	struct staff_session s;
	if (who.kind != API_ACTOR_STAFF || !api_session_cookie(req, token, sizeof(token)) ||
	    staff_session_check(db, token, clock_now_ms(), &s) != STAFF_SESSION_OK)
		return api_error(req, 403, "live updates are for console sessions");
	enum live_slot slot = live_acquire(c->live, s.id);
	if (slot != LIVE_OK) {
		log_event(LOG_WARN, "console_live_refused", "staff", s.user.username, "why",
		          slot == LIVE_SESSION_FULL ? "session" : "full", NULL);
		return http_reply_json(
		    req, slot == LIVE_STOPPING ? 503 : 429,
		    json_pack("{s:{s:i, s:s}}", "error", "status",
		              slot == LIVE_STOPPING ? 503 : 429, "message",
		              slot == LIVE_SESSION_FULL
		                  ? "this session has as many live streams as it may; poll instead"
		                  : "too many live streams; poll instead"),
		    "Retry-After: 30\r\n");
	}
	char headers[1024];
	struct textbuf t = {headers, sizeof(headers), 0};
	textbuf_put(&t, "%s", SECURITY_HEADERS);
	struct live_stream ls = {req, 0};
	const char *why = "error";
	if (http_stream_begin(req, "text/event-stream; charset=utf-8", headers) == 0 &&
	    live_send(&ls, "retry: 5000\n\nevent: hello\ndata: {}\n\n") == 0)
		why = live_loop(c, db, &s, token, &ls);
	if (why && !ls.failed) {
		char end[80];
		snprintf(end, sizeof(end), "event: end\ndata: {\"reason\":\"%s\"}\n\n", why);
		live_send(&ls, end);
	}
	live_release(c->live, s.id);
	OPENSSL_cleanse(token, sizeof(token));
	return ls.failed ? 200 : http_stream_end(req);
}

void console_register(struct http *h, struct console *c)
{
	/* CivetWeb tries exact URIs first, then "URI/..." prefixes in the order
	 * registered: assets before the /console that catches the rest. */
	http_route(h, "/console/login", login, c);
	http_route(h, "/console/logout", logout, c);
	http_route(h, "/console/assets", assets, c);
	http_route(h, "/console", console_page, c);
	http_route(h, "/api/me", me, c);
	http_route(h, "/api/live", live, c);
}
