/*
 * admin_api.c - users, the audit log and the settings view for admins
 * (see admin_api.h, docs/staff-api.md).
 *
 * Request flow: route -> this thread's connection -> api_authorise(scope
 * "admin": the admin role; CSRF on POST) -> body or
 * query validated -> the CLI's domain function inside store_write() with
 * its audit row (actor "staff:NAME") -> JSON. Passwords are hashed before
 * the transaction (scrypt takes 0.2 s; the write lock is not held for it)
 * and wiped after.
 */
#include "admin_api.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/clock.h"
#include "core/live_settings.h"
#include "core/log.h"
#include "domain/audit.h"
#include "domain/content_data.h"
#include "domain/setting_overrides.h"
#include "domain/staff.h"
#include "domain/winter.h"

#define USERS_PATH "/api/admin/users"
#define AUDIT_PATH "/api/admin/audit"
#define SETTINGS_PATH "/api/admin/settings"

struct admin_api {
	struct admin_api_options opt;
	pthread_mutex_t mu; /* a setting's commit and its value in force, together */
};

struct admin_api *admin_api_new(const struct admin_api_options *opt, char *err, size_t errlen)
{
	struct admin_api *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->opt = *opt;
	pthread_mutex_init(&a->mu, NULL);
	return a;
}

void admin_api_free(struct admin_api *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
	free(a);
}

/* The connection and the admin, or the status of the error reply sent. */
static int admin_begin(struct admin_api *a, struct http_req *req, sqlite3 **db,
                       struct api_actor *who)
{
	char err[300];
	*db = store_thread_db(a->opt.store, err, sizeof(err));
	if (!*db) {
		log_event(LOG_ERROR, "admin_api_db", "error", err, NULL);
		return api_error(req, 500, "database unavailable");
	}
	return api_authorise(req, *db, "admin", who);
}

static json_t *iso_or_null(long long ms)
{
	char buf[40];
	if (ms <= 0)
		return json_null();
	content_iso8601(ms, buf, sizeof(buf));
	return json_string(buf);
}

/* ---- users ---------------------------------------------------------------- */

struct user_list {
	sqlite3 *db;
	json_t *arr;
};

static void append_user(void *arg, const struct staff_user *u)
{
	struct user_list *l = arg;
	char object[100];
	snprintf(object, sizeof(object), "staff:%s", u->username);
	long long last = audit_last(l->db, "login.ok", object);
	json_array_append_new(
	    l->arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o}", "username", u->username,
	                      "name", u->display_name, "department", u->department, "role",
	                      staff_role_name(u->role), "disabled", u->disabled_at != 0,
	                      "disabled_at", iso_or_null(u->disabled_at), "created_at",
	                      iso_or_null(u->created_at), "last_login_at", iso_or_null(last)));
}

static int list_users(struct http_req *req, sqlite3 *db)
{
	struct user_list l = {db, json_array()};
	if (staff_list(db, append_user, &l) < 0) {
		json_decref(l.arr);
		return api_error(req, 500, "cannot read the users");
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "users", l.arr), NULL);
}

/* One account change, in one transaction with its audit row. */
struct user_txn {
	const struct api_actor *who;
	const char *username;
	struct staff_new add;           /* add: username set */
	struct staff_change_set change; /* update */
	int set_disabled;               /* -1 keep, 0 enable, 1 disable */
	const char *hash;               /* update: a new password's hash, or NULL */
	int status;                     /* HTTP status of a refusal, 0 = done */
	char err[300];
	long long now;
};

static int audit_user(sqlite3 *db, struct user_txn *t, const char *action, const char *detail)
{
	char object[100];
	snprintf(object, sizeof(object), "staff:%s", t->username);
	return api_audit(db, t->who, action, object, detail);
}

static int refuse(struct user_txn *t, int status, const char *msg)
{
	t->status = status;
	if (msg != t->err)
		snprintf(t->err, sizeof(t->err), "%s", msg);
	return 1;
}

static int add_in_txn(sqlite3 *db, void *arg)
{
	struct user_txn *t = arg;
	t->status = 500;
	if (staff_add(db, &t->add, t->err, sizeof(t->err)) < 0)
		return refuse(t, strstr(t->err, "already exists") ? 409 : 400, t->err);
	if (audit_user(db, t, "staff.add", staff_role_name(t->add.role)) < 0)
		return 1;
	t->status = 0;
	return 0;
}

/* Would this change leave no active admin? Only when the user is the last
 * one and is disabled or demoted. */
static int leaves_no_admin(sqlite3 *db, const struct user_txn *t)
{
	int demote = t->change.role && *t->change.role != STAFF_ROLE_ADMIN;
	if (t->set_disabled != 1 && !demote)
		return 0;
	return staff_is_last_admin(db, t->username);
}

static int update_in_txn(sqlite3 *db, void *arg)
{
	struct user_txn *t = arg;
	t->status = 500;
	int last = leaves_no_admin(db, t);
	if (last < 0)
		return 1;
	if (last)
		return refuse(t, 409, "this is the last active admin; make another admin first");
	int r = staff_update(db, t->username, &t->change, t->now, t->err, sizeof(t->err));
	if (r <= 0)
		return r == 0 ? refuse(t, 404, "no user with that username")
		              : refuse(t, 400, t->err);
	if ((t->change.display_name || t->change.department || t->change.role) &&
	    audit_user(db, t, "staff.update",
	               t->change.role ? staff_role_name(*t->change.role) : NULL) < 0)
		return 1;
	if (t->hash && (staff_set_password(db, t->username, t->hash, t->now) < 0 ||
	                audit_user(db, t, "staff.set_password", NULL) < 0))
		return 1;
	if (t->set_disabled >= 0) {
		r = t->set_disabled ? staff_disable(db, t->username, t->now)
		                    : staff_enable(db, t->username, t->now);
		if (r < 0 ||
		    (r > 0 && audit_user(db, t, t->set_disabled ? "staff.disable" : "staff.enable",
		                         NULL) < 0))
			return 1;
	}
	t->status = 0;
	return 0;
}

/* Checks and hashes a password for username into hash. 0, or the status
 * of the error reply sent. */
static int hash_new_password(struct http_req *req, const char *username, const char *password,
                             char *hash, size_t size)
{
	char err[200];
	if (staff_password_acceptable(username, password, err, sizeof(err)) < 0)
		return api_error(req, 400, err);
	if (staff_hash_password(password, hash, size) < 0)
		return api_error(req, 500, "cannot hash the password");
	return 0;
}

static int run_user_txn(struct admin_api *a, struct http_req *req, sqlite3 *db,
                        int (*fn)(sqlite3 *, void *), struct user_txn *t, int ok_status)
{
	char err[300];
	int w = store_write(a->opt.store, db, fn, t, err, sizeof(err));
	if (w != 0 && t->status == 0)
		t->status = 503;
	if (t->status)
		return api_error(req, t->status,
		                 t->status == 500   ? "cannot change the user"
		                 : t->status == 503 ? "the database is busy; try again"
		                                    : t->err);
	struct staff_user u;
	if (staff_find(db, t->username, &u, NULL, 0) != 1)
		return api_error(req, 500, "cannot read the user");
	struct user_list l = {db, json_array()};
	append_user(&l, &u);
	json_t *one = json_incref(json_array_get(l.arr, 0));
	json_decref(l.arr);
	return http_reply_json(req, ok_status, one, NULL);
}

static int add_user(struct admin_api *a, struct http_req *req, sqlite3 *db,
                    const struct api_actor *who)
{
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	int bad = 0;
	const char *username = api_member(body, "username", STAFF_USERNAME_MAX, &bad);
	const char *name = api_member(body, "name", STAFF_TEXT_MAX, &bad);
	const char *dept = api_member(body, "department", STAFF_TEXT_MAX, &bad);
	const char *role_s = api_member(body, "role", 10, &bad);
	const char *password = api_member(body, "password", STAFF_PASSWORD_MAX, &bad);
	enum staff_role role = STAFF_ROLE_STAFF;
	int rc;
	char hash[STAFF_HASH_MAX];
	if (bad || !username || !name || !dept || !password ||
	    (role_s && staff_role_parse(role_s, &role) < 0)) {
		rc = api_error(req, 400,
		               "the body needs \"username\", \"name\", \"department\", "
		               "\"password\" and may have \"role\" (staff or admin)");
	} else if (!staff_username_valid(username)) {
		rc = api_error(req, 400,
		               "the username must be 2-64 characters of a-z 0-9 . _ - (lower "
		               "case), starting with a letter or digit");
	} else if (!(rc = hash_new_password(req, username, password, hash, sizeof(hash)))) {
		struct user_txn t = {.who = who, .username = username, .set_disabled = -1};
		t.add = (struct staff_new){username, name, dept, role, hash, clock_now_ms()};
		rc = run_user_txn(a, req, db, add_in_txn, &t, 201);
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	json_decref(body); /* the password's copy in jansson is freed with it */
	return rc;
}

/* "disabled": true/false, or absent/null. 0 ok, -1 wrongly typed. */
static int bool_member(json_t *body, const char *key, int *out)
{
	json_t *v = json_object_get(body, key);
	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return -1;
	*out = json_is_true(v);
	return 0;
}

static int update_user(struct admin_api *a, struct http_req *req, sqlite3 *db,
                       const struct api_actor *who, const char *username)
{
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	int bad = 0, disabled = -1;
	const char *name = api_member(body, "name", STAFF_TEXT_MAX, &bad);
	const char *dept = api_member(body, "department", STAFF_TEXT_MAX, &bad);
	const char *role_s = api_member(body, "role", 10, &bad);
	const char *password = api_member(body, "password", STAFF_PASSWORD_MAX, &bad);
	enum staff_role role;
	char hash[STAFF_HASH_MAX] = "";
	int rc = 0;
	if (bad || bool_member(body, "disabled", &disabled) < 0 ||
	    (role_s && staff_role_parse(role_s, &role) < 0) ||
	    (!name && !dept && !role_s && !password && disabled < 0)) {
		rc = api_error(req, 400,
		               "the body needs one or more of \"disabled\" (true/false), "
		               "\"password\", \"role\" (staff or admin), \"department\", \"name\"");
	} else if (password) {
		rc = hash_new_password(req, username, password, hash, sizeof(hash));
	}
	if (!rc) {
		struct user_txn t = {.who = who, .username = username, .set_disabled = disabled};
		t.change = (struct staff_change_set){name, dept, role_s ? &role : NULL};
		t.hash = password ? hash : NULL;
		t.now = clock_now_ms();
		rc = run_user_txn(a, req, db, update_in_txn, &t, 200);
	}
	OPENSSL_cleanse(hash, sizeof(hash));
	json_decref(body);
	return rc;
}

static int users_handler(struct http_req *req, void *cbdata)
{
	struct admin_api *a = cbdata;
	const char *rest = http_req_path(req) + strlen(USERS_PATH);
	int one = *rest == '/' && rest[1];
	if (!one && *rest && strcmp(rest, "/") != 0)
		return api_error(req, 404, "not found");
	if (one && !staff_username_valid(rest + 1))
		return api_error(req, 404, "no user with that username");
	int get = http_req_method_is(req, "GET"), post = http_req_method_is(req, "POST");
	if ((one && !post) || (!one && !get && !post))
		return api_error(req, 405, one ? "use POST" : "use GET or POST");
	sqlite3 *db;
	struct api_actor who;
	int rc = admin_begin(a, req, &db, &who);
	if (rc)
		return rc;
	return one    ? update_user(a, req, db, &who, rest + 1)
	       : post ? add_user(a, req, db, &who)
	              : list_users(req, db);
}

/* ---- audit log -------------------------------------------------------------- */

static void append_audit(void *arg, const struct audit_row *r)
{
	json_array_append_new(
	    arg, json_pack("{s:I, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)r->id, "at",
	                   iso_or_null(r->at), "actor", r->actor ? r->actor : "", "action",
	                   r->action ? r->action : "", "object", api_str_or_null(r->object),
	                   "detail", api_str_or_null(r->detail)));
}

/* An ISO 8601 query parameter into *ms: 0 ok or absent, -1 bad. */
static int time_query(const struct http_req *req, const char *name, long long *ms)
{
	char buf[48];
	int p = api_query(req, name, buf, sizeof(buf));
	return p < 0 || (p && content_parse_iso8601(buf, ms) < 0) ? -1 : 0;
}

static int list_audit(struct http_req *req, sqlite3 *db, const struct api_actor *who)
{
	char actor[AUDIT_FIELD_MAX + 1], action[AUDIT_FIELD_MAX + 1], object[AUDIT_FIELD_MAX + 1];
	struct audit_filter f = {.limit = 100};
	int p, before = 0;
	if ((p = api_query(req, "actor", actor, sizeof(actor))) < 0)
		return api_error(req, 400, "actor too long or not text");
	f.actor = p ? actor : NULL;
	if ((p = api_query(req, "action", action, sizeof(action))) < 0)
		return api_error(req, 400, "action too long or not text");
	f.action = p ? action : NULL;
	if ((p = api_query(req, "object", object, sizeof(object))) < 0)
		return api_error(req, 400, "object too long or not text");
	f.object = p ? object : NULL;
	if (time_query(req, "since", &f.since_ms) < 0 || time_query(req, "until", &f.until_ms) < 0)
		return api_error(req, 400, "since and until must be ISO 8601 times");
	if (api_query_int(req, "limit", 1, 1000, &f.limit) < 0)
		return api_error(req, 400, "limit must be 1-1000");
	if (api_query_int(req, "before", 1, 2000000000, &before) < 0)
		return api_error(req, 400, "before must be an audit row id");
	f.before_id = before;
	json_t *arr = json_array();
	if (audit_list(db, &f, append_audit, arr) < 0) {
		json_decref(arr);
		return api_error(req, 500, "cannot read the audit log");
	}
	/* Reading the log is itself an act the DPO may want to see. */
	(void)api_audit(db, who, "audit.read", NULL, NULL);
	return http_reply_json(
	    req, 200, json_pack("{s:i, s:o}", "count", (int)json_array_size(arr), "entries", arr),
	    NULL);
}

static int audit_handler(struct http_req *req, void *cbdata)
{
	struct admin_api *a = cbdata;
	if (strcmp(http_req_path(req), AUDIT_PATH) != 0)
		return api_error(req, 404, "not found");
	if (!http_req_method_is(req, "GET"))
		return api_error(req, 405, "use GET");
	sqlite3 *db;
	struct api_actor who;
	int rc = admin_begin(a, req, &db, &who);
	return rc ? rc : list_audit(req, db, &who);
}

/* ---- settings --------------------------------------------------------------- */

static void append_department(void *arg, const struct staffing_department *d)
{
	json_array_append_new(arg, json_pack("{s:s, s:I, s:I, s:b, s:o}", "name", d->name,
	                                     "first_response_minutes",
	                                     (json_int_t)(d->first_ms / 60000), "resolution_hours",
	                                     (json_int_t)(d->resolve_ms / 3600000), "chat_default",
	                                     d->is_default, "hours", api_str_or_null(d->hours)));
}

/* One setting: its value and where it is changed. */
static json_t *setting(json_t *value, const char *where)
{
	return json_pack("{s:o, s:s, s:b}", "value", value, "where", where, "editable", 0);
}

static json_t *live_value(const struct live_setting_info *i, long long v)
{
	return i->is_bool ? json_boolean(v) : json_integer((json_int_t)v);
}

/* A stored change, when it is the one in force: a row that start-up
 * skipped (a key or value this version refuses) is not shown as one. */
static void append_override(void *arg, const struct setting_override *o)
{
	char err[200];
	long long v;
	int key = live_settings_find(o->key);
	if (key < 0 || live_settings_parse(key, o->value, &v, err, sizeof(err)) < 0)
		return;
	json_object_set_new(arg, o->key,
	                    json_pack("{s:o, s:s}", "changed_at", iso_or_null(o->changed_at),
	                              "changed_by", o->changed_by ? o->changed_by : ""));
}

/* A setting admins change here: in force, the file's, the range, and who
 * changed it when it differs from the file (a row in setting_overrides). */
static json_t *live_setting(const struct admin_api *a, enum live_key key, json_t *overrides)
{
	struct live_setting_info i;
	live_settings_info(a->opt.live, key, &i);
	json_t *o = json_object_get(overrides, i.key);
	json_t *s =
	    json_pack("{s:o, s:s, s:b, s:s, s:o, s:I, s:I}", "value", live_value(&i, i.value),
	              "where", o ? "console" : "borgerbot.conf", "editable", 1, "type",
	              i.is_bool ? "boolean" : "integer", "file_value", live_value(&i, i.file_value),
	              "min", (json_int_t)i.min, "max", (json_int_t)i.max);
	if (o)
		json_object_update(s, o);
	return s;
}

static json_t *settings_json(const struct admin_api *a, sqlite3 *db)
{
	const struct config *c = a->opt.cfg;
	const char *conf = "borgerbot.conf";
	json_t *deps = json_array();
	const struct municipality_data *d = municipality_hold(a->opt.data);
	staffing_each(d->staffing, append_department, deps);
	json_t *winter_dept = api_str_or_null(winter_department(d->winter));
	municipality_release(a->opt.data, d);
	json_t *s = json_object();
	json_object_set_new(s, "public_url", setting(api_str_or_null(c->public_url), conf));
	json_object_set_new(s, "public_host", setting(api_str_or_null(c->public_host), conf));
	json_object_set_new(s, "pass_thread_to_page_inbox",
	                    setting(json_boolean(c->pass_thread_to_page_inbox), conf));
	json_object_set_new(s, "winter_department",
	                    setting(winter_dept, "winter.txt (municipality_dir)"));
	if (a->opt.live) {
		json_t *overrides = json_object();
		(void)setting_overrides_each(db, append_override, overrides);
		for (int k = 0; k < LIVE_COUNT; k++) {
			struct live_setting_info i;
			live_settings_info(a->opt.live, k, &i);
			json_object_set_new(s, i.key, live_setting(a, k, overrides));
		}
		json_decref(overrides);
	}
	return json_pack("{s:o, s:{s:o, s:s}, s:s}", "settings", s, "departments", "value", deps,
	                 "where", "departments.csv, staffed_hours.csv (municipality_dir)",
	                 "municipality_dir", c->municipality_dir);
}

/* One change of a live setting, with its audit row. */
struct setting_txn {
	const struct api_actor *who;
	const char *key;
	const char *text; /* the value as the file spells it; NULL = back to the file */
	long long now;
};

static int setting_in_txn(sqlite3 *db, void *arg)
{
	struct setting_txn *t = arg;
	char object[100];
	snprintf(object, sizeof(object), "setting:%s", t->key);
	if (t->text)
		return setting_overrides_put(db, t->key, t->text, t->now, t->who->name) < 0 ||
		       api_audit(db, t->who, "settings.set", object, t->text) < 0;
	return setting_overrides_remove(db, t->key) < 0 ||
	       api_audit(db, t->who, "settings.reset", object, NULL) < 0;
}

/* The body's "value" as the config file would spell it: true/false for a
 * yes/no setting, an integer for the rest. 0, or -1 wrongly typed. */
static int value_text(json_t *v, int is_bool, char *buf, size_t size)
{
	if (is_bool && json_is_boolean(v))
		snprintf(buf, size, "%s", json_is_true(v) ? "yes" : "no");
	else if (!is_bool && json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else
		return -1;
	return 0;
}

/* Reads {"key": K, "value": V|null} into t and *value. 0, or the status of
 * the error reply sent. */
static int read_setting_change(struct http_req *req, json_t *body, struct setting_txn *t,
                               char *text, size_t size, long long *value)
{
	int bad = 0;
	const char *key = api_member(body, "key", 64, &bad);
	json_t *v = json_object_get(body, "value");
	if (bad || !key || !v || json_object_size(body) != 2)
		return api_error(req, 400,
		                 "the body needs \"key\" and \"value\" (null: back to "
		                 "borgerbot.conf's value), nothing else");
	int k = live_settings_find(key);
	if (k < 0)
		return api_error(req, 400,
		                 "that setting cannot be changed here; it is set in borgerbot.conf "
		                 "or the municipality's data files");
	struct live_setting_info i;
	live_settings_info(NULL, k, &i);
	t->key = i.key; /* the table's copy: lives longer than the body */
	if (json_is_null(v))
		return 0;
	char err[200];
	if (value_text(v, i.is_bool, text, size) < 0)
		return api_error(req, 400,
		                 i.is_bool ? "value must be true, false or null"
		                           : "value must be a whole number or null");
	if (live_settings_parse(k, text, value, err, sizeof(err)) < 0)
		return api_error(req, 400, err);
	t->text = text;
	return 0;
}

static int change_setting(struct admin_api *a, struct http_req *req, sqlite3 *db,
                          const struct api_actor *who)
{
	if (!a->opt.live)
		return api_error(req, 404, "not found");
	json_t *body = api_json_body(req, a->opt.max_body_bytes);
	if (!body)
		return 400;
	struct setting_txn t = {.who = who, .now = clock_now_ms()};
	char text[32], err[300];
	long long value = 0;
	int rc = read_setting_change(req, body, &t, text, sizeof(text), &value);
	json_decref(body);
	if (rc)
		return rc;
	/* The commit and the value in force change together: two admins at
	 * once end with the same value in memory as in the table. */
	pthread_mutex_lock(&a->mu);
	rc = store_write(a->opt.store, db, setting_in_txn, &t, err, sizeof(err));
	if (rc == 0) {
		int k = live_settings_find(t.key);
		if (t.text)
			live_settings_set(a->opt.live, k, value);
		else
			live_settings_reset(a->opt.live, k);
	}
	pthread_mutex_unlock(&a->mu);
	if (rc != 0)
		return api_error(req, 503, "the database is busy; try again");
	log_event(LOG_INFO, "setting_changed", "key", t.key, "by", who->name, NULL);
	return http_reply_json(req, 200, settings_json(a, db), NULL);
}

static int settings_handler(struct http_req *req, void *cbdata)
{
	struct admin_api *a = cbdata;
	if (strcmp(http_req_path(req), SETTINGS_PATH) != 0)
		return api_error(req, 404, "not found");
	int get = http_req_method_is(req, "GET");
	if (!get && !http_req_method_is(req, "POST"))
		return api_error(req, 405, "use GET or POST");
	sqlite3 *db;
	struct api_actor who;
	int rc = admin_begin(a, req, &db, &who);
	if (rc)
		return rc;
	return get ? http_reply_json(req, 200, settings_json(a, db), NULL)
	           : change_setting(a, req, db, &who);
}

void admin_api_register(struct http *h, struct admin_api *a)
{
	http_route(h, USERS_PATH, users_handler, a);
	http_route(h, AUDIT_PATH, audit_handler, a);
	http_route(h, SETTINGS_PATH, settings_handler, a);
}
