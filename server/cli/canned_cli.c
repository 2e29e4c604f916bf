/*
 * canned_cli.c - `borgerbot canned`: canned replies from the command line,
 * so an operator (and the demo's ./dev.sh start) can put the first ones in
 * before anyone logs in; the console's "Standardsvar" page does the same.
 *
 *   borgerbot canned add --title "TITLE" --body "TEXT" [--department DEPT]
 *   borgerbot canned list
 * Options: --db PATH, --config FILE. Validation is domain/canned.c's; the
 * row and its audit_log entry (actor "cli") commit together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "domain/audit.h"
#include "domain/canned.h"
#include "store/store.h"

struct canned_opts {
	struct config cfg;
	const char *action;
	struct canned_reply r;
};

static void canned_usage(FILE *out)
{
	fprintf(out,
	        "usage: borgerbot canned add --title \"TITLE\" --body \"TEXT\" [--department "
	        "DEPT]\n"
	        "       borgerbot canned list\n"
	        "Options: --db PATH  --config FILE\n"
	        "Placeholders in TEXT: {sag} {navn} {afdeling}. Without --department the reply\n"
	        "is shared by every department.\n");
}

static int canned_parse(int argc, char **argv, struct canned_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	config_defaults(&o->cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **dst = !strcmp(a, "--title")        ? &o->r.title
		                   : !strcmp(a, "--body")       ? &o->r.body
		                   : !strcmp(a, "--department") ? &o->r.department
		                                                : NULL;
		if ((dst || !strcmp(a, "--config") || !strcmp(a, "--db")) && !v) {
			snprintf(err, errlen, "%s needs a value", a);
			return -1;
		}
		if (dst) {
			*dst = argv[++i];
		} else if (!strcmp(a, "--config")) {
			if (config_load_file(&o->cfg, argv[++i], err, errlen) < 0)
				return -1;
		} else if (!strcmp(a, "--db")) {
			if (config_set(&o->cfg, "db", argv[++i], err, errlen) < 0)
				return -1;
		} else if (a[0] == '-' || o->action) {
			snprintf(err, errlen, "unknown argument: %s", a);
			return -1;
		} else {
			o->action = a;
		}
	}
	return 0;
}

struct canned_add {
	const struct canned_reply *r;
	long long id;
	char err[200];
};

static int add_txn(sqlite3 *db, void *arg)
{
	struct canned_add *t = arg;
	long long now = clock_now_ms();
	t->id = canned_create(db, t->r, "cli", now, t->err, sizeof(t->err));
	if (t->id < 0)
		return 1;
	char object[40];
	snprintf(object, sizeof(object), "canned:%lld", t->id);
	return audit_write(db, now, "cli", "canned.create", object, NULL) < 0 ? -1 : 0;
}

int cmd_canned(int argc, char **argv)
{
	struct canned_opts o;
	char err[300] = "";
	if (canned_parse(argc, argv, &o, err, sizeof(err)) < 0 || !o.action ||
	    (strcmp(o.action, "add") != 0 && strcmp(o.action, "list") != 0)) {
		if (err[0])
			fprintf(stderr, "borgerbot canned: %s\n", err);
		canned_usage(stderr);
		return 2;
	}
	sqlite3 *db;
	struct store *store = cli_open_db(o.cfg.db_path, &db);
	if (!store)
		return 1;
	int rc = 0;
	if (!strcmp(o.action, "list")) {
		json_t *arr = canned_list_json(db, NULL);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v)
		{
			char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (s)
				puts(s);
			free(s);
		}
		rc = arr ? 0 : 1;
		json_decref(arr);
	} else {
		struct canned_add t = {.r = &o.r};
		int w = store_write(store, db, add_txn, &t, err, sizeof(err));
		if (w != 0 || t.id < 0) {
			fprintf(stderr, "borgerbot canned: %s\n", t.err[0] ? t.err : err);
			rc = 1;
		} else {
			printf("%lld\n", t.id);
		}
	}
	store_close(store);
	return rc;
}
