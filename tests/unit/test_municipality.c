/*
 * test_municipality.c - the data files as one snapshot (domain/
 * municipality.c): a snapshot held across a reload stays whole and readable
 * until released, the next hold sees the new files, a broken file leaves
 * the current snapshot in place and names the file, and threads holding
 * and releasing while the main thread reloads (the TSan build checks it).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/crisis_lines.h"
#include "domain/municipality.h"
#include "intents/intent.h"

#define SRC BORGERBOT_SOURCE_DIR

static char dir[64], muni[96], defs[96], streets[128];

static void run(const char *cmd)
{
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/borgerbot-test-muni-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(muni, sizeof(muni), "%s/municipality", dir);
	snprintf(defs, sizeof(defs), "%s/defs", dir);
	snprintf(streets, sizeof(streets), "%s/streets.csv", muni);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp -r '%s/municipality' '%s' && cp -r '%s/intents/defs' '%s'",
	         SRC, muni, SRC, defs);
	run(cmd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	run(cmd);
	return 0;
}

static struct municipality *open_copy(void)
{
	struct municipality_files f = {
	    .dir = muni, .intents_dir = defs, .street_register = streets};
	char err[600] = "";
	struct municipality *m = municipality_open(&f, err, sizeof(err));
	if (!m)
		fail_msg("open: %s", err);
	return m;
}

/* Replaces old by new in the copy's crisis_lines.csv. */
static void edit_crisis(const char *old, const char *new)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "sed -i 's/%s/%s/' '%s/crisis_lines.csv'", old, new, muni);
	run(cmd);
}

static void self_harm_text(const struct municipality_data *d, char *buf, size_t size)
{
	crisis_lines_text(d->crisis, "self_harm", "da", buf, size);
}

static void held_snapshot_survives_a_reload(void **state)
{
	(void)state;
	struct municipality *m = open_copy();
	const struct municipality_data *old = municipality_hold(m);
	assert_non_null(old->cases);
	assert_non_null(old->winter);
	assert_non_null(old->content);
	assert_non_null(old->staffing);
	assert_true(intent_count(old->intents) > 5);
	char before[1200], after[1200];
	self_harm_text(old, before, sizeof(before));
	assert_non_null(strstr(before, "70 201 201"));

	edit_crisis("70 201 201", "70 999 999");
	char err[600] = "";
	long long generation = 0;
	assert_int_equal(municipality_reload(m, &generation, err, sizeof(err)), 0);
	assert_int_equal(generation, 2);

	const struct municipality_data *now = municipality_hold(m);
	assert_ptr_not_equal(now, old);
	self_harm_text(now, after, sizeof(after));
	assert_non_null(strstr(after, "70 999 999"));
	/* the old one is whole until released (ASan would see a free here) */
	self_harm_text(old, before, sizeof(before));
	assert_non_null(strstr(before, "70 201 201"));
	assert_true(intent_count(old->intents) > 5);
	municipality_release(m, old);
	municipality_release(m, now);
	municipality_close(m);
}

static void broken_file_keeps_the_current_snapshot(void **state)
{
	(void)state;
	struct municipality *m = open_copy();
	const struct municipality_data *first = municipality_hold(m);
	municipality_release(m, first);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "echo 'pattern: (unclosed' >> '%s/help.intent'", defs);
	run(cmd);
	char err[600] = "";
	long long generation = 0;
	assert_int_equal(municipality_reload(m, &generation, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "help.intent:"));
	assert_int_equal(generation, 0);
	const struct municipality_data *d = municipality_hold(m);
	assert_ptr_equal(d, first);
	municipality_release(m, d);
	municipality_close(m);
}

static void missing_folder_is_an_error(void **state)
{
	(void)state;
	struct municipality_files f = {
	    .dir = "/nonexistent/borgerbot", .intents_dir = defs, .street_register = streets};
	char err[600] = "";
	assert_null(municipality_open(&f, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

static void street_register_falls_back_when_the_first_is_missing(void **state)
{
	(void)state;
	struct municipality_files f = {.dir = muni,
	                               .intents_dir = defs,
	                               .street_register = "/nonexistent/streets.csv",
	                               .street_register_else = streets};
	char err[600] = "";
	struct municipality *m = municipality_open(&f, err, sizeof(err));
	assert_non_null(m);
	municipality_close(m);
}

struct reader {
	struct municipality *m;
	int stop;
	long holds;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	char buf[1200];
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		const struct municipality_data *d = municipality_hold(r->m);
		self_harm_text(d, buf, sizeof(buf));
		if (!strstr(buf, "70 "))
			abort();
		municipality_release(r->m, d);
		__atomic_add_fetch(&r->holds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void threads_hold_while_it_reloads(void **state)
{
	(void)state;
	struct reader r = {.m = open_copy()};
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, read_loop, &r), 0);
	char err[600];
	for (int i = 0; i < 8; i++)
		assert_int_equal(municipality_reload(r.m, NULL, err, sizeof(err)), 0);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_true(__atomic_load_n(&r.holds, __ATOMIC_RELAXED) > 0);
	municipality_close(r.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(held_snapshot_survives_a_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(broken_file_keeps_the_current_snapshot, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(missing_folder_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(street_register_falls_back_when_the_first_is_missing,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(threads_hold_while_it_reloads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
