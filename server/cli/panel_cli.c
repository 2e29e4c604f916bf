/*
 * panel_cli.c - `borgerbot panel`: the citizen panel from the operator's
 * side (docs/panel.md).
 *
 *   borgerbot panel load FILE [--check]   parse a consultation file and store it
 *   borgerbot panel list                  consultations, status, answers
 *   borgerbot panel results ID [--csv]    counts per question (CSV: every answer,
 *                                         by respondent number, never by who)
 *   borgerbot panel close ID              no more answers; the links stop working
 *   borgerbot panel publish ID            the results page /panel/results/ID
 *   borgerbot panel members               member counts
 * Each takes --db PATH and --config FILE like the other commands. A bad
 * file is one "FILE:LINE:COL: what" line on stderr and exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "panel/panel.h"
#include "store/store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: borgerbot panel load FILE [--check]\n"
	             "       borgerbot panel list\n"
	             "       borgerbot panel results ID [--csv]\n"
	             "       borgerbot panel close ID | publish ID\n"
	             "       borgerbot panel members\n"
	             "options: --db PATH, --config FILE\n");
}

struct panel_opts {
	struct config cfg;
	const char *action, *arg;
	int csv, check;
};

static int parse(int argc, char **argv, struct panel_opts *o)
{
	char err[600];
	memset(o, 0, sizeof(*o));
	config_defaults(&o->cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (!strcmp(a, "--config") || !strcmp(a, "--db")) {
			if (!has)
				return usage(stderr), 2;
			const char *v = argv[++i];
			int r = !strcmp(a, "--db") ? config_set(&o->cfg, "db", v, err, sizeof(err))
			                           : config_load_file(&o->cfg, v, err, sizeof(err));
			if (r < 0) {
				fprintf(stderr, "borgerbot: error: %s\n", err);
				return 2;
			}
		} else if (!strcmp(a, "--csv"))
			o->csv = 1;
		else if (!strcmp(a, "--check"))
			o->check = 1;
		else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout), 1;
		else if (a[0] == '-' || (o->action && o->arg))
			return usage(stderr), 2;
		else if (!o->action)
			o->action = a;
		else
			o->arg = a;
	}
	return 0;
}

/* ---- load ------------------------------------------------------------------ */

struct load_txn {
	const struct panel_consultation *c;
	int replaced;
	char err[600];
};

static int load_fn(sqlite3 *db, void *arg)
{
	struct load_txn *t = arg;
	t->replaced = panel_store(db, t->c, clock_now_ms(), t->err, sizeof(t->err));
	return t->replaced < 0 ? -1 : 0;
}

static void day_text(long long ms, char *buf, size_t size)
{
	time_t s = (time_t)((ms + 3600000LL) / 1000); /* Danish standard time */
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

static int do_load(struct store *store, sqlite3 *db, const char *path)
{
	struct panel_consultation *c = malloc(sizeof(*c));
	struct load_txn t = {.c = c};
	if (!c || panel_parse_file(path, c, t.err, sizeof(t.err)) < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", c ? t.err : "out of memory");
		free(c);
		return 1;
	}
	if (!store) {
		printf("%s: consultation %s is valid (%d questions)\n", path, c->id, c->nquestions);
		free(c);
		return 0;
	}
	int rc = store_write(store, db, load_fn, &t, t.err, sizeof(t.err));
	if (rc == 0) {
		char from[16], to[16];
		day_text(c->opens_ms, from, sizeof(from));
		day_text(c->closes_ms - 1, to, sizeof(to));
		printf("%s consultation %s: %d questions, open %s to %s\n",
		       t.replaced ? "replaced" : "loaded", c->id, c->nquestions, from, to);
	} else {
		fprintf(stderr, "borgerbot: error: %s\n", t.err);
	}
	free(c);
	return rc == 0 ? 0 : 1;
}

/* ---- list, members ---------------------------------------------------------- */

static int list_row(void *arg, const struct panel_summary *s)
{
	(void)arg;
	char from[16], to[16];
	day_text(s->opens_ms, from, sizeof(from));
	day_text(s->closes_ms - 1, to, sizeof(to));
	printf("%-24s %-9s %s..%s %5lld answered %5lld complete  %s\n", s->id,
	       panel_status_name(s->status), from, to, s->responses, s->completed, s->title);
	return 0;
}

static int do_list(sqlite3 *db)
{
	int n = panel_list(db, clock_now_ms(), list_row, NULL);
	if (n < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (n == 0)
		printf("no consultations (load one with 'borgerbot panel load FILE')\n");
	return 0;
}

static int do_members(sqlite3 *db)
{
	struct panel_member_counts n;
	if (panel_member_counts(db, &n) < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	printf("members %lld\nleft %lld\ndeclined %lld\ninvited, no answer yet %lld\n"
	       "asked, no answer yet %lld\n",
	       n.members, n.left, n.declined, n.invited, n.asked);
	return 0;
}

/* ---- results -------------------------------------------------------------------- */

static void csv_field(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

struct csv_ctx {
	const struct panel_consultation *c;
};

static int csv_row(void *arg, int respondent, int qno, int choice, const char *text)
{
	const struct csv_ctx *x = arg;
	if (qno < 0 || qno >= x->c->nquestions)
		return 0;
	const struct panel_question *q = &x->c->q[qno];
	char value[16];
	const char *answer = text;
	if (q->kind == PANEL_SCALE) {
		snprintf(value, sizeof(value), "%d", choice);
		answer = value;
	} else if (q->kind != PANEL_TEXT) {
		answer = choice >= 0 && choice < q->noptions ? q->option[choice] : "";
	}
	printf("%d,%d,%s,", respondent, qno + 1, panel_kind_name(q->kind));
	csv_field(answer);
	putchar('\n');
	return 0;
}

static void print_counts(const struct panel_consultation *c, const struct panel_results *r)
{
	printf("%s: %s\nanswered by %lld (%lld complete) of %lld members in the target group\n",
	       c->id, c->title, r->responses, r->completed, r->members);
	for (int i = 0; i < c->nquestions; i++) {
		const struct panel_question *q = &c->q[i];
		const struct panel_question_result *qr = &r->q[i];
		printf("\n%d. %s (%s, %lld answers)\n", i + 1, q->text, panel_kind_name(q->kind),
		       qr->answered);
		for (int o = 0; o < q->noptions; o++)
			printf("   %5lld  %s\n", qr->count[o], q->option[o]);
		if (q->kind == PANEL_SCALE) {
			for (int v = 0; v < 5; v++)
				printf("   %5lld  %d\n", qr->count[v], v + 1);
			if (qr->answered)
				printf("   average %.2f\n", (double)qr->sum / (double)qr->answered);
		}
	}
}

static int do_results(sqlite3 *db, const char *id, int csv)
{
	struct panel_consultation *c = malloc(sizeof(*c));
	struct panel_results *r = malloc(sizeof(*r));
	enum panel_status s;
	int rc = 1, found = c && r ? panel_get(db, id, clock_now_ms(), c, &s) : -1;
	if (found == 0)
		fprintf(stderr, "borgerbot: error: no consultation %s\n", id);
	else if (found < 0)
		fprintf(stderr, "borgerbot: error: %s\n", sqlite3_errmsg(db));
	else if (csv) {
		printf("respondent,question,kind,answer\n");
		struct csv_ctx x = {c};
		rc = panel_answers_each(db, id, csv_row, &x) < 0;
	} else if (panel_results(db, c, r) == 0) {
		print_counts(c, r);
		rc = 0;
	}
	free(c);
	free(r);
	return rc;
}

/* ---- close, publish ------------------------------------------------------------- */

struct state_txn {
	const char *id;
	int publish, result;
};

static int state_fn(sqlite3 *db, void *arg)
{
	struct state_txn *t = arg;
	t->result = t->publish ? panel_publish(db, t->id, clock_now_ms())
	                       : panel_close(db, t->id, clock_now_ms());
	return t->result < 0 ? -1 : 0;
}

static int do_state(struct store *store, sqlite3 *db, const char *id, int publish)
{
	struct state_txn t = {.id = id, .publish = publish};
	char err[300] = "";
	if (store_write(store, db, state_fn, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 1;
	}
	if (t.result == 0) {
		fprintf(stderr, "borgerbot: error: no consultation %s\n", id);
		return 1;
	}
	if (t.result == 2) {
		fprintf(stderr,
		        "borgerbot: error: %s is still open; close it first "
		        "('borgerbot panel close %s')\n",
		        id, id);
		return 1;
	}
	printf(publish ? "published %s: /panel/results/%s\n" : "closed %s\n", id, id);
	return 0;
}

int cmd_panel(int argc, char **argv)
{
	struct panel_opts o;
	int prc = parse(argc, argv, &o);
	if (prc)
		return prc == 1 ? 0 : prc;
	const char *a = o.action ? o.action : "";
	int needs_arg = !strcmp(a, "load") || !strcmp(a, "results") || !strcmp(a, "close") ||
	                !strcmp(a, "publish");
	int no_arg = !strcmp(a, "list") || !strcmp(a, "members");
	if ((!needs_arg && !no_arg) || (needs_arg && !o.arg) || (no_arg && o.arg)) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(a, "load") && o.check)
		return do_load(NULL, NULL, o.arg);
	sqlite3 *db;
	struct store *store = cli_open_db(o.cfg.db_path, &db);
	if (!store)
		return 1;
	int rc = !strcmp(a, "load")      ? do_load(store, db, o.arg)
	         : !strcmp(a, "list")    ? do_list(db)
	         : !strcmp(a, "members") ? do_members(db)
	         : !strcmp(a, "results") ? do_results(db, o.arg, o.csv)
	                                 : do_state(store, db, o.arg, !strcmp(a, "publish"));
	store_close(store);
	return rc;
}
