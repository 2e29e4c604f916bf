/*
 * case_cli.c - `borgerbot cases` and `borgerbot apikey`: staff and operators
 * work on cases and API keys directly in the database (docs/staff-api.md).
 *
 *   borgerbot cases list [--status S[,S]] [--category C] [--street NAME]
 *   borgerbot cases show REF
 *   borgerbot cases set-status REF STATUS [--note TEXT] [--actor NAME]
 *   borgerbot apikey create NAME --scope cases,gritting,open311
 *   borgerbot apikey list
 *   borgerbot apikey revoke NAME
 * Common options: --db PATH, --config FILE (db and municipality_dir from a
 * config file), --municipality-dir DIR. Output is one JSON object per line
 * (list) or an indented JSON object (show, set-status). A status change runs
 * in one transaction and queues the citizens' notices; a running server's
 * worker delivers them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/apikey.h"
#include "domain/case.h"
#include "domain/case_json.h"
#include "domain/case_notify.h"
#include "cli.h"
#include "core/config.h"
#include "domain/content_data.h"
#include "store/store.h"

struct opts {
	struct config cfg;
	const char *args[3]; /* positional: action and up to two more */
	int nargs;
	const char *status, *category, *street, *note, *actor, *scope;
	struct store *store; /* open while a command runs */
};

static int fail(const char *msg)
{
	fprintf(stderr, "borgerbot: error: %s\n", msg);
	return 1;
}

static int parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
	static const char *const named[] = {"--status", "--category", "--street",
	                                    "--note",   "--actor",    "--scope"};
	memset(o, 0, sizeof(*o));
	config_defaults(&o->cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (!strcmp(a, "--config") && has) {
			if (config_load_file(&o->cfg, argv[++i], err, errlen) < 0)
				return -1;
		} else if (!strcmp(a, "--db") && has) {
			if (config_set(&o->cfg, "db", argv[++i], err, errlen) < 0)
				return -1;
		} else if (!strcmp(a, "--municipality-dir") && has) {
			if (config_set(&o->cfg, "municipality_dir", argv[++i], err, errlen) < 0)
				return -1;
		} else if (a[0] == '-' && a[1] == '-') {
			size_t k;
			for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
				if (!strcmp(a, named[k]))
					break;
			if (k == sizeof(named) / sizeof(named[0]) || !has) {
				snprintf(err, errlen, "unknown option or missing value: %s", a);
				return -1;
			}
			const char **dst[] = {&o->status, &o->category, &o->street,
			                      &o->note,   &o->actor,    &o->scope};
			*dst[k] = argv[++i];
		} else if (o->nargs < 3) {
			o->args[o->nargs++] = a;
		} else {
			snprintf(err, errlen, "too many arguments");
			return -1;
		}
	}
	return 0;
}

/* Opens the store (creating and migrating the database if needed) and this
 * thread's connection to it; store_close(o->store) closes both. */
static sqlite3 *open_db(struct opts *o)
{
	char err[600];
	sqlite3 *db = NULL;
	if ((o->store = store_open(o->cfg.db_path, 5000, err, sizeof(err))) &&
	    !(db = store_thread_db(o->store, err, sizeof(err)))) {
		store_close(o->store);
		o->store = NULL;
	}
	if (!db)
		fail(err);
	return db;
}

static void print_json(json_t *v, int indent)
{
	char *s = v ? json_dumps(v, (indent ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER)
	            : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(v);
}

/* ---- cases -------------------------------------------------------------- */

static int print_row(void *arg, const struct case_row *row)
{
	(void)arg;
	print_json(case_row_json(row), 0);
	return 0;
}

static int cases_list(sqlite3 *db, const struct opts *o)
{
	struct case_filter f = {0};
	if (o->status) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", o->status);
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			int bit = case_status_bit(t);
			if (!bit)
				return fail("--status: open, in_progress, resolved or rejected");
			f.status_mask |= bit;
		}
	}
	f.category = o->category;
	f.street = o->street;
	f.limit = 100000;
	return case_list(db, &f, print_row, NULL) < 0 ? fail(sqlite3_errmsg(db)) : 0;
}

static void add_history(void *arg, long long at, const char *actor, const char *old_status,
                        const char *new_status, const char *note)
{
	char when[40];
	content_iso8601(at, when, sizeof(when));
	json_array_append_new(arg,
	                      json_pack("{s:s, s:s?, s:s, s:s, s:s?}", "at", when, "actor", actor,
	                                "from", old_status, "to", new_status, "note", note));
}

static int cases_show(sqlite3 *db, const char *ref)
{
	struct case_row row;
	int found = case_get(db, ref, &row);
	if (found < 0)
		return fail(sqlite3_errmsg(db));
	if (!found) {
		fprintf(stderr, "borgerbot: error: no case with reference '%s'\n", ref);
		return 1;
	}
	json_t *v = case_row_json(&row);
	json_t *hist = json_array();
	case_history(db, row.id, add_history, hist);
	json_object_set_new(v, "history", hist);
	case_row_clear(&row);
	print_json(v, 1);
	return 0;
}

static int cases_set_status(const struct opts *o, sqlite3 *db, const char *ref, const char *status)
{
	char err[600];
	struct case_rules *rules = case_rules_load(o->cfg.municipality_dir, err, sizeof(err));
	if (!rules)
		return fail(err);
	struct case_status_request req = {ref, status, o->note, o->actor ? o->actor : "cli", "cli"};
	struct case_status_change ch;
	int sent; /* a running server's sender picks outbox rows up within a second */
	int rc = case_change_status(o->store, db, rules, &req, &ch, &sent, err, sizeof(err));
	case_rules_free(rules);
	if (rc != CASE_OK)
		return fail(rc == CASE_BUSY ? "the database is busy; try again" : err);
	print_json(case_status_change_json(&ch, sent), 1);
	case_status_change_free(&ch);
	return 0;
}

static void cases_usage(FILE *out)
{
	fprintf(out,
	        "usage: borgerbot cases list [--status S[,S]] [--category C] [--street NAME]\n"
	        "       borgerbot cases show REFERENCE\n"
	        "       borgerbot cases set-status REFERENCE STATUS [--note TEXT] [--actor NAME]\n"
	        "STATUS: open, in_progress, resolved, rejected. Options for all:\n"
	        "  --db PATH  --config FILE  --municipality-dir DIR\n");
}

int cmd_cases(int argc, char **argv)
{
	struct opts o;
	char err[600];
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cases_usage(stdout);
			return 0;
		}
	if (parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 2;
	}
	const char *action = o.nargs ? o.args[0] : "";
	int list = !strcmp(action, "list") && o.nargs == 1;
	int show = !strcmp(action, "show") && o.nargs == 2;
	int set = !strcmp(action, "set-status") && o.nargs == 3;
	if (!list && !show && !set) {
		cases_usage(stderr);
		return 2;
	}
	sqlite3 *db = open_db(&o);
	if (!db)
		return 1;
	int rc = list   ? cases_list(db, &o)
	         : show ? cases_show(db, o.args[1])
	                : cases_set_status(&o, db, o.args[1], o.args[2]);
	store_close(o.store);
	return rc;
}

/* ---- apikey ------------------------------------------------------------- */

static void print_key(void *arg, const char *name, const char *scopes, long long created_at,
                      long long revoked_at)
{
	char c[40], r[40];
	(void)arg;
	content_iso8601(created_at, c, sizeof(c));
	if (revoked_at)
		content_iso8601(revoked_at, r, sizeof(r));
	print_json(json_pack("{s:s, s:s, s:s, s:s?}", "name", name, "scopes", scopes, "created_at",
	                     c, "revoked_at", revoked_at ? r : NULL),
	           0);
}

static void apikey_usage(FILE *out)
{
	fprintf(out, "usage: borgerbot apikey create NAME --scope cases,gritting,open311\n"
	             "       borgerbot apikey list\n"
	             "       borgerbot apikey revoke NAME\n"
	             "Options: --db PATH  --config FILE\n"
	             "The key is printed once; only its SHA-256 hash is stored.\n");
}

int cmd_apikey(int argc, char **argv)
{
	struct opts o;
	char err[600];
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			apikey_usage(stdout);
			return 0;
		}
	if (parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 2;
	}
	const char *action = o.nargs ? o.args[0] : "";
	int create = !strcmp(action, "create") && o.nargs == 2 && o.scope;
	int list = !strcmp(action, "list") && o.nargs == 1;
	int revoke = !strcmp(action, "revoke") && o.nargs == 2;
	if (!create && !list && !revoke) {
		apikey_usage(stderr);
		return 2;
	}
	if (create && !apikey_scopes_valid(o.scope)) {
		fprintf(stderr, "borgerbot: error: --scope must be a comma-separated list of "
		                "cases, gritting, open311\n");
		return 2;
	}
	sqlite3 *db = open_db(&o);
	if (!db)
		return 1;
	int rc = 0;
	if (create) {
		char key[APIKEY_LEN + 1];
		if (apikey_create(db, o.args[1], o.scope, key, sizeof(key), err, sizeof(err)) < 0)
			rc = fail(err);
		else
			printf("%s\n", key);
	} else if (list) {
		rc = apikey_list(db, print_key, NULL) < 0 ? fail(sqlite3_errmsg(db)) : 0;
	} else {
		int r = apikey_revoke(db, o.args[1]);
		if (r < 0)
			rc = fail(sqlite3_errmsg(db));
		else if (r == 0) {
			fprintf(stderr, "borgerbot: error: no active key named '%s'\n", o.args[1]);
			rc = 1;
		} else
			printf("revoked %s\n", o.args[1]);
	}
	store_close(o.store);
	return rc;
}
