/*
 * cli_db.c - the database of a one-shot command (see cli.h): the store and
 * its connection, or one clear error line.
 */
#include <stdio.h>

#include "cli.h"
#include "store/store.h"

struct store *cli_open_db(const char *path, sqlite3 **db)
{
	char err[600];
	struct store *store = store_open(path, 2000, err, sizeof(err));
	*db = store ? store_thread_db(store, err, sizeof(err)) : NULL;
	if (*db)
		return store;
	fprintf(stderr, "borgerbot: error: %s\n", err);
	store_close(store);
	return NULL;
}
