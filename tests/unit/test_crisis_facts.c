/*
 * test_crisis_facts.c - the crisis facts file (domain/crisis_lines.c) and
 * the CPR masking of citizens' words (worker/dialog_sensitive.c): the demo
 * file, broken, hostile and oversized files named by FILE:LINE, the advice
 * per kind and language, and CPR look-alikes that must be left alone.
 */
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
#include "worker/dialog_sensitive.h"

#define DEMO BORGERBOT_SOURCE_DIR "/municipality"

static char dir[64];

static void put(const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/crisis_lines.csv", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/borgerbot-test-crisis-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/crisis_lines.csv", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void demo_file_gives_112_first_and_the_kind_s_help(void **state)
{
	(void)state;
	char err[300], buf[1200];
	struct crisis_lines *cl = crisis_lines_load(DEMO, err, sizeof(err));
	assert_non_null(cl);
	crisis_lines_text(cl, NULL, "da", buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "Er du eller en anden i fare lige nu, så ring 112.", 50), 0);
	assert_non_null(strstr(buf, "Livslinien"));
	crisis_lines_text(cl, "emergency", "da", buf, sizeof(buf));
	assert_non_null(strstr(buf, "1813"));
	assert_null(strstr(buf, "Livslinien"));
	crisis_lines_text(cl, "violence", "en", buf, sizeof(buf));
	assert_non_null(strstr(buf, "call 112"));
	assert_non_null(strstr(buf, "114"));
	crisis_lines_text(cl, "no such kind", "xx", buf, sizeof(buf)); /* defaults */
	assert_non_null(strstr(buf, "Livslinien"));
	assert_null(strstr(buf, "hele døgnet")); /* an unchecked claim, removed */
	char tiny[8];
	crisis_lines_text(cl, "violence", "da", tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), 7);
	crisis_lines_free(cl);
}

static void english_falls_back_to_danish(void **state)
{
	(void)state;
	char err[300], buf[600];
	put("kind,language,text,source\nany,da,Ring 112.,x\nself_harm,da,Ring Livslinien.,x\n");
	struct crisis_lines *cl = crisis_lines_load(dir, err, sizeof(err));
	assert_non_null(cl);
	crisis_lines_text(cl, "violence", "en", buf, sizeof(buf));
	assert_string_equal(buf, "Ring 112. Ring Livslinien.");
	crisis_lines_free(cl);
}

static void broken_files_are_named_by_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"kind,language,text,source\nself_harm,da,x,y\n", "any,da and self_harm,da"},
	    {"kind,language,text,source\nany,da,x,y\nself_harm,da,x,y\nfire,da,x,y\n",
	     ":4: unknown kind 'fire'"},
	    {"kind,language,text,source\nany,de,x,y\n", ":2: unknown language 'de'"},
	    {"kind,language,text,source\nany,da,x,y\nany,da,z,y\n", ":3: any/da is listed twice"},
	    {"kind,language,text,source\nany,da,,y\n", ":2: text must be"},
	    {"kind,language,text\nany,da,x\n", ":1:"},
	    {"kind,language,text,source\nany,da,\"x\x01\",y\n", ":2:"},
	};
	char err[300];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(bad[i].text);
		err[0] = 0;
		assert_null(crisis_lines_load(dir, err, sizeof(err)));
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].why);
	}
	char big[1200]; /* a sentence over 400 bytes */
	memset(big, 'a', 500);
	big[500] = 0;
	char file[1400];
	snprintf(file, sizeof(file), "kind,language,text,source\nany,da,%s,y\n", big);
	put(file);
	assert_null(crisis_lines_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, ":2:"));
	teardown(NULL), setup(NULL); /* no file at all */
	assert_null(crisis_lines_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "crisis_lines.csv"));
}

static void cpr_numbers_are_masked(void **state)
{
	(void)state;
	char out[200];
	assert_int_equal(dialog_mask_cpr("mit cpr er 010190-1234, tak", out, sizeof(out)), 1);
	assert_string_equal(out, "mit cpr er " DIALOG_CPR_MASK ", tak");
	assert_int_equal(dialog_mask_cpr("0101901234", out, sizeof(out)), 1);
	assert_string_equal(out, DIALOG_CPR_MASK);
	assert_int_equal(dialog_mask_cpr("311299 1234 og 010101-0001", out, sizeof(out)), 2);
	assert_string_equal(out, DIALOG_CPR_MASK " og " DIALOG_CPR_MASK);
}

static void cpr_lookalikes_are_left_alone(void **state)
{
	(void)state;
	static const char *const keep[] = {
	    "ring 22334455",   /* a phone number */
	    "lampe nr 4711",   /* a pole number */
	    "321290-1234",     /* day 32 */
	    "011390-1234",     /* month 13 */
	    "10101901234",     /* eleven digits */
	    "0101901234567",   /* thirteen */
	    "010190-123",      /* too short */
	    "sag 2026-00012",  /* a reference */
	    "æøå 010190-12x4", /* a letter inside */
	};
	char out[200];
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		assert_int_equal(dialog_mask_cpr(keep[i], out, sizeof(out)), 0);
		assert_string_equal(out, keep[i]);
	}
}

static void masking_never_overflows_or_splits_utf8(void **state)
{
	(void)state;
	char out[24];
	/* the mask does not fit: cut, NUL-terminated, whole characters only */
	assert_int_equal(dialog_mask_cpr("ææææææææææ 010190-1234", out, sizeof(out)), 1);
	assert_null(strstr(out, "1234")); /* cut, never the number itself */
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(dialog_mask_cpr("ææææææææææææ", out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 22); /* 11 whole characters, not 11.5 */
	assert_int_equal(dialog_mask_cpr("x", out, 1), 0);
	assert_string_equal(out, "");
	char big[5000];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	char *o = malloc(2 * sizeof(big) + 64);
	assert_non_null(o);
	assert_int_equal(dialog_mask_cpr(big, o, 2 * sizeof(big) + 64), 0); /* one long run */
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(demo_file_gives_112_first_and_the_kind_s_help),
	    cmocka_unit_test(english_falls_back_to_danish),
	    cmocka_unit_test(broken_files_are_named_by_line),
	    cmocka_unit_test(cpr_numbers_are_masked),
	    cmocka_unit_test(cpr_lookalikes_are_left_alone),
	    cmocka_unit_test(masking_never_overflows_or_splits_utf8),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
