/*
 * backup_cli.c - `borgerbot backup`: a consistent copy of the database while
 * the server runs (store_backup, SQLite's online backup API).
 *
 *   borgerbot backup --to FILE [--db PATH | --config FILE]
 *
 * Restoring is stopping the server and putting the copy in place of the
 * database (docs/operations.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/config.h"
#include "store/store.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: borgerbot backup --to FILE [--db PATH | --config FILE]\n"
	             "Writes a consistent copy of the database (also while the server runs);\n"
	             "FILE is replaced only by a whole, checked copy.\n");
}

int cmd_backup(int argc, char **argv)
{
	struct config cfg;
	config_defaults(&cfg);
	const char *to = NULL, *db = NULL;
	char err[700];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(argv[i], "--to")) {
			to = argv[++i];
		} else if (!strcmp(argv[i], "--db")) {
			db = argv[++i];
		} else if (!strcmp(argv[i], "--config")) {
			if (config_load_file(&cfg, argv[++i], err, sizeof(err)) < 0) {
				fprintf(stderr, "borgerbot: error: %s\n", err);
				return 2;
			}
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!to || !*to) {
		usage(stderr);
		return 2;
	}
	const char *path = db ? db : cfg.db_path;
	if (!strcmp(path, to)) {
		fprintf(stderr, "borgerbot: error: --to must not be the database itself\n");
		return 2;
	}
	if (store_backup(path, to, cfg.db_busy_timeout_ms, err, sizeof(err)) < 0) {
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 1;
	}
	printf("backed up %s to %s\n", path, to);
	return 0;
}
