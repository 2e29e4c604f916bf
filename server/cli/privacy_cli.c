/*
 * privacy_cli.c - `borgerbot privacy`: a citizen's data rights from the
 * operator's side (docs/privacy.md).
 *
 *   borgerbot privacy export PSID [--page PAGE_ID] [--db PATH]   JSON on stdout
 *   borgerbot privacy delete PSID [--page PAGE_ID] [--db PATH]   delete, print receipt
 *
 * Without --page every page the PSID appears on is covered. Delete runs
 * in one transaction, records a receipt (confirmation code, counts) and
 * truncates the WAL, so nothing of the citizen survives in it; it prints
 * counts and the code, never the citizen's data.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/clock.h"
#include "domain/privacy.h"
#include "store/store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: borgerbot privacy export PSID [--page PAGE_ID] [--db PATH]\n"
	             "       borgerbot privacy delete PSID [--page PAGE_ID] [--db PATH]\n");
}

struct delete_txn {
	const char *page_id, *psid;
	struct privacy_counts counts;
	char code[PRIVACY_CODE_LEN + 1];
	char err[300];
};

static int delete_fn(sqlite3 *db, void *arg)
{
	struct delete_txn *t = arg;
	long long now = clock_now_ms();
	struct privacy_delete_options o = {.tombstone = 1, .now_ms = now};
	if (privacy_delete(db, t->page_id, t->psid, &o, &t->counts, t->err, sizeof(t->err)) < 0)
		return -1;
	return privacy_request_record(db, "cli", &t->counts, "deleted by staff (borgerbot privacy)",
	                              now, t->code, sizeof(t->code));
}

static int do_delete(struct store *store, sqlite3 *db, const char *page_id, const char *psid)
{
	struct delete_txn t = {.page_id = page_id, .psid = psid};
	if (store_write(store, db, delete_fn, &t, t.err, sizeof(t.err)) != 0) {
		fprintf(stderr, "borgerbot: error: %s\n", t.err);
		return 1;
	}
	if (store_checkpoint_truncate(store, db) < 0)
		fprintf(stderr, "borgerbot: warning: the WAL could not be truncated now (readers); "
		                "the server truncates it within a day\n");
	printf("deleted %lld rows, anonymised %lld cases; confirmation code %s\n",
	       t.counts.rows_deleted, t.counts.cases_anonymised, t.code);
	return 0;
}

static int do_export(sqlite3 *db, const char *page_id, const char *psid)
{
	char err[300];
	json_t *ex = privacy_export(db, page_id, psid, err, sizeof(err));
	if (!ex) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 1;
	}
	char *s = json_dumps(ex, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(ex);
	if (!s)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}

int cmd_privacy(int argc, char **argv)
{
	const char *db_path = "data/borgerbot.db", *page_id = NULL;
	const char *action = NULL, *psid = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db_path = argv[++i];
		else if (!strcmp(argv[i], "--page") && i + 1 < argc)
			page_id = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!action)
			action = argv[i];
		else if (!psid)
			psid = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	int exporting = action && !strcmp(action, "export");
	int deleting = action && !strcmp(action, "delete");
	if ((!exporting && !deleting) || !psid || !psid[0] || strlen(psid) > 64 ||
	    (page_id && (!page_id[0] || strlen(page_id) > 64))) {
		usage(stderr);
		return 2;
	}
	sqlite3 *db;
	struct store *store = cli_open_db(db_path, &db);
	if (!store)
		return 1;
	int rc = exporting ? do_export(db, page_id, psid) : do_delete(store, db, page_id, psid);
	store_close(store);
	return rc;
}
