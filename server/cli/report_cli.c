/*
 * report_cli.c - `borgerbot report`: the proof-of-effect figures and the
 * misunderstood queue from the operator's side (docs/insight.md).
 *
 *   borgerbot report [--from YYYY-MM-DD] [--to YYYY-MM-DD]
 *                    [--format text|csv|html] [--out FILE]
 *   borgerbot report misunderstood [--limit N] [--labelled]
 *   borgerbot report label EVENT_ID INTENT --example TEXT [--actor NAME]
 *   borgerbot report examples [--format intent|tsv]
 * Common options: --db PATH, --config FILE, --municipality-dir DIR (the SLA
 * targets come from its departments.csv). Without --from/--to the report
 * covers the last 30 days up to today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/text.h"
#include "domain/staffing.h"
#include "insight/insight.h"
#include "insight/misunderstood.h"
#include "store/store.h"

struct opts {
	struct config cfg;
	const char *args[3];
	int nargs;
	const char *from, *to, *format, *out, *example, *actor, *limit;
	int labelled;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: borgerbot report [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	           "                        [--format text|csv|html] [--out FILE]\n"
	           "       borgerbot report misunderstood [--limit N] [--labelled]\n"
	           "       borgerbot report label EVENT_ID INTENT --example TEXT [--actor NAME]\n"
	           "       borgerbot report examples [--format intent|tsv]\n"
	           "  --db PATH  --config FILE  --municipality-dir DIR\n");
}

static int parse(int argc, char **argv, struct opts *o, char *err, size_t errlen)
{
	static const char *const named[] = {"--from",    "--to",    "--format", "--out",
	                                    "--example", "--actor", "--limit"};
	const char **dst[] = {&o->from,    &o->to,    &o->format, &o->out,
	                      &o->example, &o->actor, &o->limit};
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
		} else if (!strcmp(a, "--labelled")) {
			o->labelled = 1;
		} else if (a[0] == '-' && a[1] == '-') {
			size_t k = 0;
			while (k < sizeof(named) / sizeof(named[0]) && strcmp(a, named[k]) != 0)
				k++;
			if (k == sizeof(named) / sizeof(named[0]) || !has) {
				snprintf(err, errlen, "unknown option or missing value: %s", a);
				return -1;
			}
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

static int figures(struct opts *o, sqlite3 *db)
{
	const char *format = o->format ? o->format : "text";
	if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 &&
	    strcmp(format, "html") != 0) {
		fprintf(stderr, "borgerbot: error: --format is text, csv or html\n");
		return 2;
	}
	char err[300];
	struct staffing *s = staffing_load(o->cfg.municipality_dir, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 2;
	}
	struct insight_report *r = malloc(sizeof(*r));
	int rc =
	    r ? insight_compute(db, s, o->from, o->to, clock_now_ms(), r, err, sizeof(err)) : -1;
	staffing_free(s);
	if (rc < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", r ? err : "out of memory");
		free(r);
		return r ? 2 : 1;
	}
	FILE *f = o->out ? fopen(o->out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "borgerbot: error: cannot write %s\n", o->out);
		free(r);
		return 1;
	}
	rc = !strcmp(format, "csv")    ? insight_write_csv(f, r)
	     : !strcmp(format, "html") ? insight_write_html(f, r)
	                               : insight_write_text(f, r);
	if (o->out && fclose(f) != 0)
		rc = -1;
	free(r);
	if (rc < 0) {
		fprintf(stderr, "borgerbot: error: writing the report failed\n");
		return 1;
	}
	return 0;
}

static void print_item(const struct misunderstood_item *it, void *arg)
{
	(void)arg;
	char words[MISUNDERSTOOD_TEXT_MAX + 1];
	misunderstood_anonymise(it->text ? it->text : "", words, sizeof(words));
	printf("%lld\t%s\t%s\t%s\n", it->event_id, it->label ? it->label : "-",
	       it->intent && *it->intent ? it->intent : "none", it->example ? it->example : words);
}

static int list(struct opts *o, sqlite3 *db)
{
	char *end;
	long n = o->limit ? strtol(o->limit, &end, 10) : 50;
	if (o->limit && (*end || n < 1 || n > 1000)) {
		fprintf(stderr, "borgerbot: error: --limit is 1-1000\n");
		return 2;
	}
	printf("event\tlabel\tbot's intent\twords (anonymised)\n");
	return misunderstood_list(db, o->labelled, (int)n, print_item, NULL) < 0 ? 1 : 0;
}

struct label_txn {
	long long event_id;
	const char *intent, *example, *actor;
	int done;
};

static int label_fn(sqlite3 *db, void *arg)
{
	struct label_txn *t = arg;
	t->done =
	    misunderstood_label(db, t->event_id, t->intent, t->example, t->actor, clock_now_ms());
	return t->done < 0 ? -1 : 0;
}

static int label(struct opts *o, struct store *store, sqlite3 *db)
{
	char *end;
	long long id = o->nargs >= 2 ? strtoll(o->args[1], &end, 10) : 0;
	const char *intent = o->nargs >= 3 ? o->args[2] : NULL;
	if (o->nargs < 3 || *end || id <= 0 || !o->example) {
		usage(stderr);
		return 2;
	}
	size_t il = strlen(intent), el = strlen(o->example);
	int ok = il > 0 && il < 40;
	for (size_t i = 0; ok && i < il; i++)
		ok = (intent[i] >= 'a' && intent[i] <= 'z') || intent[i] == '_';
	if (!ok) {
		fprintf(stderr, "borgerbot: error: '%s' is not an intent name (a-z and _)\n",
		        intent);
		return 2;
	}
	if (!el || el > MISUNDERSTOOD_TEXT_MAX || !text_utf8_valid(o->example, el)) {
		fprintf(stderr, "borgerbot: error: --example is 1-%d bytes of UTF-8\n",
		        MISUNDERSTOOD_TEXT_MAX);
		return 2;
	}
	struct label_txn t = {id, intent, o->example, o->actor ? o->actor : "cli", 0};
	char err[300];
	if (store_write(store, db, label_fn, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 1;
	}
	if (!t.done) {
		fprintf(stderr, "borgerbot: error: no citizen message with event id %lld\n", id);
		return 1;
	}
	printf("labelled %lld as %s\n", id, intent);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct opts o = {0};
	char err[600];
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	if (parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		usage(stderr);
		return 2;
	}
	const char *action = o.nargs ? o.args[0] : NULL;
	if (action && strcmp(action, "misunderstood") != 0 && strcmp(action, "label") != 0 &&
	    strcmp(action, "examples") != 0) {
		usage(stderr);
		return 2;
	}
	sqlite3 *db;
	struct store *store = cli_open_db(o.cfg.db_path, &db);
	if (!store)
		return 1;
	int rc;
	if (!action)
		rc = figures(&o, db);
	else if (!strcmp(action, "misunderstood"))
		rc = list(&o, db);
	else if (!strcmp(action, "label"))
		rc = label(&o, store, db);
	else {
		const char *format = o.format ? o.format : "intent";
		if (strcmp(format, "intent") != 0 && strcmp(format, "tsv") != 0) {
			fprintf(stderr, "borgerbot: error: --format is intent or tsv\n");
			rc = 2;
		} else {
			rc = misunderstood_export(db, format, stdout) < 0 ? 1 : 0;
		}
	}
	store_close(store);
	return rc;
}
