/*
 * staff_cli.c - `borgerbot staff`: operators manage the console's staff
 * accounts directly in the database (docs/console.md).
 *
 *   borgerbot staff add USERNAME --name "NAME" --department DEPT
 *                       [--role staff|admin] --password-stdin
 *   borgerbot staff list
 *   borgerbot staff disable USERNAME
 *   borgerbot staff set-password USERNAME --password-stdin
 * Options: --db PATH, --config FILE. The password is read from the first
 * line of stdin (never from argv, where `ps` and the shell history see it).
 * Each change and its audit_log row commit in one transaction; disabling a
 * user or setting a password ends that user's console sessions.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "domain/audit.h"
#include "domain/content_data.h"
#include "domain/staff.h"
#include "store/store.h"

struct staff_opts {
	struct config cfg;
	const char *action, *username;
	const char *name, *department, *role;
	int password_stdin;
};

static void staff_usage(FILE *out)
{
	fprintf(out,
	        "usage: borgerbot staff add USERNAME --name \"NAME\" --department DEPT\n"
	        "                           [--role staff|admin] --password-stdin\n"
	        "       borgerbot staff list\n"
	        "       borgerbot staff disable USERNAME\n"
	        "       borgerbot staff set-password USERNAME --password-stdin\n"
	        "Options: --db PATH  --config FILE\n"
	        "The password is the first line of stdin: at least %d characters, not the\n"
	        "username. Only its scrypt hash is stored.\n",
	        STAFF_PASSWORD_MIN);
}

static int staff_parse(int argc, char **argv, struct staff_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	config_defaults(&o->cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **dst = !strcmp(a, "--name")         ? &o->name
		                   : !strcmp(a, "--department") ? &o->department
		                   : !strcmp(a, "--role")       ? &o->role
		                                                : NULL;
		if (!strcmp(a, "--password-stdin")) {
			o->password_stdin = 1;
		} else if ((dst || !strcmp(a, "--config") || !strcmp(a, "--db")) && !v) {
			snprintf(err, errlen, "%s needs a value", a);
			return -1;
		} else if (dst) {
			*dst = argv[++i];
		} else if (!strcmp(a, "--config")) {
			if (config_load_file(&o->cfg, argv[++i], err, errlen) < 0)
				return -1;
		} else if (!strcmp(a, "--db")) {
			if (config_set(&o->cfg, "db", argv[++i], err, errlen) < 0)
				return -1;
		} else if (a[0] == '-') {
			snprintf(err, errlen, "unknown option: %s", a);
			return -1;
		} else if (!o->action) {
			o->action = a;
		} else if (!o->username) {
			o->username = a;
		} else {
			snprintf(err, errlen, "too many arguments");
			return -1;
		}
	}
	return 0;
}

/* The first line of stdin without its line end, into buf. */
static int read_password(char *buf, size_t size, char *err, size_t errlen)
{
	if (!fgets(buf, (int)size, stdin)) {
		snprintf(err, errlen, "no password on stdin (--password-stdin)");
		return -1;
	}
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(stdin)) {
		snprintf(err, errlen, "the password is longer than %d bytes", STAFF_PASSWORD_MAX);
		return -1;
	}
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "the password contains a NUL byte");
		return -1;
	}
	return 0;
}

struct staff_change {
	const struct staff_opts *o;
	const char *hash; /* add, set-password */
	char *err;
	size_t errlen;
};

static int apply_change(sqlite3 *db, void *arg)
{
	struct staff_change *c = arg;
	const struct staff_opts *o = c->o;
	long long now = clock_now_ms();
	char object[100];
	snprintf(object, sizeof(object), "staff:%s", o->username);
	if (!strcmp(o->action, "add")) {
		enum staff_role role = STAFF_ROLE_STAFF;
		staff_role_parse(o->role ? o->role : "staff", &role);
		struct staff_new u = {o->username, o->name, o->department, role, c->hash, now};
		if (staff_add(db, &u, c->err, c->errlen) < 0)
			return 1;
		return audit_write(db, now, "cli", "staff.add", object, staff_role_name(role));
	}
	int r = !strcmp(o->action, "disable") ? staff_disable(db, o->username, now)
	                                      : staff_set_password(db, o->username, c->hash, now);
	if (r <= 0) {
		if (r == 0)
			snprintf(c->err, c->errlen, "no %suser named '%s'",
			         !strcmp(o->action, "disable") ? "active " : "", o->username);
		return r < 0 ? -1 : 1;
	}
	return audit_write(db, now, "cli",
	                   !strcmp(o->action, "disable") ? "staff.disable" : "staff.set_password",
	                   object, NULL);
}

static void print_user(void *arg, const struct staff_user *u)
{
	char created[40], disabled[40];
	(void)arg;
	content_iso8601(u->created_at, created, sizeof(created));
	if (u->disabled_at)
		content_iso8601(u->disabled_at, disabled, sizeof(disabled));
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "username", u->username, "name",
	                      u->display_name, "department", u->department, "role",
	                      staff_role_name(u->role), "created_at", created, "disabled_at",
	                      u->disabled_at ? disabled : NULL);
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(v);
}

/* Checks what the action needs before the database is opened. */
static int staff_check(const struct staff_opts *o, char *err, size_t errlen)
{
	enum staff_role role;
	const char *a = o->action ? o->action : "";
	int add = !strcmp(a, "add"), setpw = !strcmp(a, "set-password");
	if (!strcmp(a, "list"))
		return o->username ? (snprintf(err, errlen, "list takes no username"), -1) : 0;
	if (!add && !setpw && strcmp(a, "disable") != 0)
		return -1;
	if (!o->username)
		return snprintf(err, errlen, "%s needs a USERNAME", a), -1;
	if (!staff_username_valid(o->username))
		return snprintf(err, errlen,
		                "the username must be 2-%d characters of a-z 0-9 . _ - (lower "
		                "case), starting with a letter or digit",
		                STAFF_USERNAME_MAX),
		       -1;
	if ((add || setpw) && !o->password_stdin)
		return snprintf(err, errlen, "%s needs --password-stdin", a), -1;
	if (add && (!o->name || !o->department))
		return snprintf(err, errlen, "add needs --name and --department"), -1;
	if (add && o->role && staff_role_parse(o->role, &role) < 0)
		return snprintf(err, errlen, "--role must be staff or admin"), -1;
	return 0;
}

static int staff_run(struct staff_opts *o, const char *hash)
{
	char err[600] = "";
	struct store *store = store_open(o->cfg.db_path, 5000, err, sizeof(err));
	sqlite3 *db = store ? store_thread_db(store, err, sizeof(err)) : NULL;
	int rc = 0;
	if (!db) {
		rc = 1;
	} else if (!strcmp(o->action, "list")) {
		rc = staff_list(db, print_user, NULL) < 0
		         ? (snprintf(err, sizeof(err), "%s", sqlite3_errmsg(db)), 1)
		         : 0;
	} else {
		struct staff_change c = {o, hash, err, sizeof(err)};
		int w = store_write(store, db, apply_change, &c, err, sizeof(err));
		if (w == 0)
			printf("%s %s\n",
			       !strcmp(o->action, "add")       ? "added"
			       : !strcmp(o->action, "disable") ? "disabled"
			                                       : "password set for",
			       o->username);
		rc = w == 0 ? 0 : 1;
	}
	if (rc)
		fprintf(stderr, "borgerbot: error: %s\n", err);
	if (store)
		store_close(store);
	return rc;
}

int cmd_staff(int argc, char **argv)
{
	struct staff_opts o;
	char err[600] = "";
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			staff_usage(stdout);
			return 0;
		}
	if (staff_parse(argc, argv, &o, err, sizeof(err)) < 0 ||
	    staff_check(&o, err, sizeof(err)) < 0) {
		if (err[0])
			fprintf(stderr, "borgerbot: error: %s\n", err);
		else
			staff_usage(stderr);
		return 2;
	}
	char password[STAFF_PASSWORD_MAX + 3], hash[STAFF_HASH_MAX];
	const char *h = NULL;
	if (o.password_stdin) {
		int bad = read_password(password, sizeof(password), err, sizeof(err)) < 0 ||
		          staff_password_acceptable(o.username, password, err, sizeof(err)) < 0;
		if (!bad && staff_hash_password(password, hash, sizeof(hash)) < 0) {
			snprintf(err, sizeof(err), "cannot hash the password");
			bad = 1;
		}
		OPENSSL_cleanse(password, sizeof(password));
		if (bad) {
			fprintf(stderr, "borgerbot: error: %s\n", err);
			return 2;
		}
		h = hash;
	}
	return staff_run(&o, h);
}
