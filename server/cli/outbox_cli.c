/*
 * outbox_cli.c - `borgerbot outbox`: a staff member's reply from the command
 * line (until the staff console exists) and an operator's view of the
 * outbox.
 *
 *   borgerbot outbox send-staff --psid ID --text TEXT|- [--page ID] [--db PATH]
 *   borgerbot outbox list [--status S] [--psid ID] [--limit N] [--db PATH]
 *   borgerbot outbox retry ID|--all-failed [--db PATH]
 *
 * send-staff queues a human reply through the same rules as the bot
 * (outbox_enqueue with origin staff): inside 24 h it goes as RESPONSE, up to
 * 7 days with the HUMAN_AGENT tag, later it is refused with the reason (exit
 * status 1). A running server sends it within a second. list prints one JSON
 * object per row, newest first; retry puts failed rows back in the queue.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store/db.h"
#include "store/store.h"
#include "outbox/outbox.h"

#define MAX_STDIN_TEXT ((size_t)64 * 1024)

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: borgerbot outbox send-staff --psid ID --text TEXT|- [--page ID] [--db PATH]\n"
	    "       borgerbot outbox list [--status pending|sent|failed|refused] [--psid ID]\n"
	    "                             [--limit N] [--db PATH]\n"
	    "       borgerbot outbox retry ID|--all-failed [--db PATH]\n"
	    "send-staff: a human reply, sent as RESPONSE inside 24 hours of the citizen's\n"
	    "last message and with the HUMAN_AGENT tag up to 7 days; refused after that.\n");
}

struct args {
	const char *db_path, *action, *psid, *page, *text, *status, *target;
	int limit;
	struct store *store;
};

static int parse(int argc, char **argv, struct args *a)
{
	*a = (struct args){.db_path = "data/borgerbot.db", .limit = 50};
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i];
		const char **dst = !strcmp(k, "--db")       ? &a->db_path
		                   : !strcmp(k, "--psid")   ? &a->psid
		                   : !strcmp(k, "--page")   ? &a->page
		                   : !strcmp(k, "--text")   ? &a->text
		                   : !strcmp(k, "--status") ? &a->status
		                                            : NULL;
		if (dst || !strcmp(k, "--limit")) {
			if (i + 1 >= argc)
				return -1;
			if (dst)
				*dst = argv[++i];
			else
				a->limit = atoi(argv[++i]);
		} else if (!a->action) {
			a->action = k;
		} else if (!a->target) {
			a->target = k;
		} else {
			return -1;
		}
	}
	return a->action ? 0 : -1;
}

static char *read_stdin(void)
{
	char *buf = malloc(MAX_STDIN_TEXT + 1);
	if (!buf)
		return NULL;
	size_t n = fread(buf, 1, MAX_STDIN_TEXT, stdin);
	buf[n] = '\0';
	return buf;
}

/* The page of the citizen's conversation when --page is not given. */
static int find_page(sqlite3 *db, const char *psid, char *page, size_t n)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT page_id FROM conversations WHERE psid = ?1 LIMIT 2", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (found++ == 0)
			snprintf(page, n, "%s", (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return found;
}

static void print_json(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* A staff reply in one transaction (a refused one is recorded too). */
struct enqueue_txn {
	const struct outbox_reply *reply;
	struct outbox_result res;
	enum outbox_status st;
	char err[300];
};

static int enqueue(sqlite3 *db, void *arg)
{
	struct enqueue_txn *t = arg;
	t->st = outbox_enqueue(db, t->reply, &t->res, t->err, sizeof(t->err));
	return t->st == OUTBOX_ERROR ? -1 : 0;
}

static int send_staff(sqlite3 *db, const struct args *a)
{
	if (!a->psid || !a->text) {
		usage(stderr);
		return 2;
	}
	char page[72];
	if (a->page) {
		snprintf(page, sizeof(page), "%s", a->page);
	} else {
		int n = find_page(db, a->psid, page, sizeof(page));
		if (n != 1) {
			fprintf(stderr, "borgerbot: error: %s\n",
			        n == 0 ? "no conversation with that citizen"
			               : "the citizen writes to several pages; give --page");
			return 1;
		}
	}
	char *stdin_text = !strcmp(a->text, "-") ? read_stdin() : NULL;
	struct outbox_reply r = {
	    .page_id = page,
	    .psid = a->psid,
	    .origin = POLICY_STAFF,
	    .text = stdin_text ? stdin_text : a->text,
	};
	struct enqueue_txn t = {&r, {0}, OUTBOX_ERROR, ""};
	if (store_write(a->store, db, enqueue, &t, t.err, sizeof(t.err)) != 0)
		t.st = OUTBOX_ERROR;
	free(stdin_text);
	enum outbox_status st = t.st;
	struct outbox_result res = t.res;
	const char *err = t.err;
	if (st == OUTBOX_ERROR) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 1;
	}
	if (st == OUTBOX_REFUSED) {
		print_json(json_pack("{s:s, s:s, s:I}", "status", "refused", "reason", res.reason,
		                     "outbox_id", (json_int_t)res.first_id));
		fprintf(stderr, "borgerbot: refused: %s\n", res.reason);
		return 1;
	}
	print_json(json_pack("{s:s, s:i, s:I, s:I, s:s, s:s?}", "status", "queued", "messages",
	                     res.rows, "first_id", (json_int_t)res.first_id, "last_id",
	                     (json_int_t)res.last_id, "messaging_type", res.messaging_type, "tag",
	                     res.tag));
	return 0;
}

static int list(sqlite3 *db, const struct args *a)
{
	sqlite3_stmt *st;
	const char *sql =
	    "SELECT id, page_id, psid, kind, origin, status, messaging_type, tag, attempts,"
	    " created_at, sent_at, error_code, error_subcode, error_message, meta_message_id, body"
	    " FROM outbox WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR psid = ?2)"
	    " ORDER BY id DESC LIMIT ?3";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "borgerbot: error: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (a->status)
		sqlite3_bind_text(st, 1, a->status, -1, SQLITE_STATIC);
	if (a->psid)
		sqlite3_bind_text(st, 2, a->psid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, a->limit > 0 ? a->limit : 50);
	static const char *const names[] = {
	    "id",      "page_id",        "psid",          "kind",          "origin",
	    "status",  "messaging_type", "tag",           "attempts",      "created_at",
	    "sent_at", "error_code",     "error_subcode", "error_message", "meta_message_id",
	    "request"};
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int c = 0; c < 16; c++) {
			json_t *v;
			switch (sqlite3_column_type(st, c)) {
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(st, c));
				break;
			case SQLITE_NULL:
				v = json_null();
				break;
			default:
				v = c == 15 ? json_loads((const char *)sqlite3_column_text(st, c),
				                         0, NULL)
				            : json_string((const char *)sqlite3_column_text(st, c));
			}
			json_object_set_new(o, names[c], v ? v : json_null());
		}
		print_json(o);
	}
	sqlite3_finalize(st);
	return 0;
}

static int retry(sqlite3 *db, const struct args *a)
{
	if (!a->target) {
		usage(stderr);
		return 2;
	}
	return db_requeue(db,
	                  "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0"
	                  " WHERE status = 'failed' AND (?1 = 0 OR id = ?1)",
	                  a->target, "--all-failed", "reply message(s)");
}

int cmd_outbox(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	struct args a;
	if (parse(argc, argv, &a) < 0) {
		usage(stderr);
		return 2;
	}
	int (*fn)(sqlite3 *, const struct args *) = !strcmp(a.action, "send-staff") ? send_staff
	                                            : !strcmp(a.action, "list")     ? list
	                                            : !strcmp(a.action, "retry")    ? retry
	                                                                            : NULL;
	if (!fn) {
		usage(stderr);
		return 2;
	}
	char err[600];
	sqlite3 *db = NULL;
	if ((a.store = store_open(a.db_path, 5000, err, sizeof(err))))
		db = store_thread_db(a.store, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		store_close(a.store);
		return 1;
	}
	int rc = fn(db, &a);
	store_close(a.store);
	return rc;
}
