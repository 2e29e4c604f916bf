/*
 * test_staff.c - staff accounts, password hashes, sessions and the audit
 * log on an in-memory database: scrypt against RFC 7914's vector, hash
 * strings made and refused, password and username rules, sessions expiring
 * idle and absolute at the times the test chooses, revocation, CSRF
 * comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"
#include "domain/audit.h"
#include "domain/staff.h"
#include "domain/staff_session.h"
#include "store/db.h"

#define T0 1700000000000LL
#define MIN 60000LL

static int setup(void **state)
{
	char err[300];
	sqlite3 *db = db_open(":memory:", 1000, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(db_migrate(db, err, sizeof(err)), 0);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

/* A user with a cheap hash (ln=10), so the tests stay fast. */
static long long add_user(sqlite3 *db, const char *name, enum staff_role role)
{
	char hash[STAFF_HASH_MAX], err[200];
	assert_int_equal(
	    staff_hash_password_with("korrekt hest batteri", 10, 8, 1, hash, sizeof(hash)), 0);
	struct staff_new u = {name, "Mette Hansen", "Teknik og Miljø", role, hash, T0};
	long long id = staff_add(db, &u, err, sizeof(err));
	assert_true(id > 0);
	return id;
}

static void test_scrypt_known_answer(void **state)
{
	(void)state;
	/* RFC 7914 section 12, the second vector. */
	static const char want[] =
	    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
	    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640";
	unsigned char out[64];
	char hex[129];
	assert_int_equal(
	    staff_scrypt("password", 8, (const unsigned char *)"NaCl", 4, 1024, 8, 16, out, 64), 0);
	hex_encode(out, 64, hex);
	assert_string_equal(hex, want);
}

static void test_hash_round_trip(void **state)
{
	(void)state;
	char a[STAFF_HASH_MAX], b[STAFF_HASH_MAX];
	assert_int_equal(staff_hash_password("korrekt hest batteri", a, sizeof(a)), 0);
	assert_true(strncmp(a, "$scrypt$ln=15,r=8,p=1$", 22) == 0);
	assert_int_equal(strlen(a), 22 + 32 + 1 + 64);
	assert_int_equal(staff_verify_password("korrekt hest batteri", a), 1);
	assert_int_equal(staff_verify_password("korrekt hest batterI", a), 0);
	assert_int_equal(staff_verify_password("", a), 0);
	/* a fresh salt each time; other parameters still verify */
	assert_int_equal(staff_hash_password_with("korrekt hest batteri", 11, 4, 2, b, sizeof(b)),
	                 0);
	assert_string_not_equal(a, b);
	assert_true(strncmp(b, "$scrypt$ln=11,r=4,p=2$", 22) == 0);
	assert_int_equal(staff_verify_password("korrekt hest batteri", b), 1);
	assert_int_equal(staff_verify_dummy("korrekt hest batteri"), 0);
	assert_int_equal(staff_verify_dummy(NULL), 0);
	/* parameters out of bounds are refused when hashing, too */
	assert_int_equal(staff_hash_password_with("x", 9, 8, 1, b, sizeof(b)), -1);
	assert_int_equal(staff_hash_password_with("x", 15, 8, 5, b, sizeof(b)), -1);
	assert_int_equal(staff_hash_password_with("x", 15, 8, 1, b, 20), -1);
}

static void test_malformed_hashes(void **state)
{
	(void)state;
	char good[STAFF_HASH_MAX];
	assert_int_equal(staff_hash_password_with("pw", 10, 8, 1, good, sizeof(good)), 0);
	const char *salt = good + strlen("$scrypt$ln=10,r=8,p=1$");
	char bad[400];
	const char *const forms[] = {
	    "",
	    "scrypt",
	    "$scrypt$",
	    "$bcrypt$ln=10,r=8,p=1$%s",
	    "$scrypt$ln=10,r=8$%s",
	    "$scrypt$ln=9,r=8,p=1$%s",  /* too cheap */
	    "$scrypt$ln=21,r=8,p=1$%s", /* too dear: a planted hash must not eat memory */
	    "$scrypt$ln=10,r=33,p=1$%s",
	    "$scrypt$ln=10,r=8,p=5$%s",
	    "$scrypt$ln=010,r=8,p=1$%s", /* leading zero */
	    "$scrypt$ln=100,r=8,p=1$%s",
	    "$scrypt$ln=-1,r=8,p=1$%s",
	    "$scrypt$ln=10,p=1,r=8$%s",
	    "$scrypt$ln=10,r=8,p=1$$",
	    "$scrypt$ln=10,r=8,p=1$zz%s",
	    "$scrypt$ln=10,r=8,p=1$%s00",
	    "$scrypt$ln=10,r=8,p=1$%s$",
	    "$scrypt$ln=10,r=8,p=1$0011$00",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(bad, sizeof(bad), forms[i], salt);
		assert_int_equal(staff_verify_password("pw", bad), -1);
	}
	/* a short salt (under 16 bytes) */
	snprintf(bad, sizeof(bad), "$scrypt$ln=10,r=8,p=1$00112233$%s", strchr(salt, '$') + 1);
	assert_int_equal(staff_verify_password("pw", bad), -1);
	assert_int_equal(staff_verify_password("pw", NULL), -1);
	assert_int_equal(staff_verify_password(NULL, good), -1);
	assert_int_equal(staff_verify_password("pw", good), 1);
}

static void test_password_rules(void **state)
{
	(void)state;
	char err[200];
	assert_int_equal(
	    staff_password_acceptable("mette", "korrekt hest batteri", err, sizeof(err)), 0);
	assert_int_equal(staff_password_acceptable("mette", "elleve tegn", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at least 12"));
	/* twelve characters of which some take two bytes: counted as characters */
	assert_int_equal(staff_password_acceptable("mette", "æøåæøåæøåæøå", err, sizeof(err)), 0);
	assert_int_equal(staff_password_acceptable("mette", "æøåæøåæøåæø", err, sizeof(err)), -1);
	assert_int_equal(
	    staff_password_acceptable("mettehansen12", "MetteHansen12", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "username"));
	assert_int_equal(staff_password_acceptable("mette",
	                                           "abc\xff\xfe"
	                                           "defghijklmn",
	                                           err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "UTF-8"));
	assert_int_equal(staff_password_acceptable("mette", "abcdef\tghijklmn", err, sizeof(err)),
	                 -1);
	char long_pw[STAFF_PASSWORD_MAX + 2];
	memset(long_pw, 'a', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	assert_int_equal(staff_password_acceptable("mette", long_pw, err, sizeof(err)), -1);
	long_pw[STAFF_PASSWORD_MAX] = '\0';
	assert_int_equal(staff_password_acceptable("mette", long_pw, err, sizeof(err)), 0);
}

static void test_username_rules(void **state)
{
	(void)state;
	assert_true(staff_username_valid("mette"));
	assert_true(staff_username_valid("m.hansen-2_x"));
	assert_true(staff_username_valid("42"));
	assert_false(staff_username_valid("m"));
	assert_false(staff_username_valid("Mette"));
	assert_false(staff_username_valid(".mette"));
	assert_false(staff_username_valid("mette hansen"));
	assert_false(staff_username_valid("mæt"));
	assert_false(staff_username_valid(""));
	assert_false(staff_username_valid(NULL));
	char name[80];
	memset(name, 'a', 65);
	name[65] = '\0';
	assert_false(staff_username_valid(name));
	name[64] = '\0';
	assert_true(staff_username_valid(name));
}

static void test_accounts(void **state)
{
	sqlite3 *db = *state;
	char err[200], hash[STAFF_HASH_MAX];
	long long id = add_user(db, "mette", STAFF_ROLE_ADMIN);
	struct staff_new dup = {"mette", "M", "D", STAFF_ROLE_STAFF, "x", T0};
	assert_int_equal(staff_add(db, &dup, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already exists"));
	struct staff_new bad = {"ole", "Ole\nHansen", "D", STAFF_ROLE_STAFF, "x", T0};
	assert_int_equal(staff_add(db, &bad, err, sizeof(err)), -1);
	bad.display_name = " Ole";
	assert_int_equal(staff_add(db, &bad, err, sizeof(err)), -1);
	bad.display_name = "Ole";
	bad.department = "";
	assert_int_equal(staff_add(db, &bad, err, sizeof(err)), -1);
	struct staff_user u;
	assert_int_equal(staff_find(db, "mette", &u, hash, sizeof(hash)), 1);
	assert_int_equal(u.id, id);
	assert_string_equal(u.department, "Teknik og Miljø");
	assert_int_equal(u.role, STAFF_ROLE_ADMIN);
	assert_int_equal(staff_verify_password("korrekt hest batteri", hash), 1);
	assert_int_equal(staff_find(db, "nobody", &u, NULL, 0), 0);
	assert_int_equal(staff_count_admins(db), 1);
	assert_int_equal(staff_disable(db, "mette", T0 + 1), 1);
	assert_int_equal(staff_disable(db, "mette", T0 + 2), 0);
	assert_int_equal(staff_disable(db, "nobody", T0 + 2), 0);
	assert_int_equal(staff_count_admins(db), 0);
	assert_int_equal(staff_find(db, "mette", &u, NULL, 0), 1);
	assert_int_equal(u.disabled_at, T0 + 1);
	assert_int_equal(staff_set_password(db, "nobody", "x", T0), 0);
	enum staff_role r;
	assert_int_equal(staff_role_parse("admin", &r), 0);
	assert_int_equal(r, STAFF_ROLE_ADMIN);
	assert_int_equal(staff_role_parse("Admin", &r), -1);
	assert_int_equal(staff_role_parse(NULL, &r), -1);
}

static void test_session_idle_and_absolute(void **state)
{
	sqlite3 *db = *state;
	long long id = add_user(db, "mette", STAFF_ROLE_STAFF);
	char token[STAFF_TOKEN_LEN + 1], csrf[STAFF_TOKEN_LEN + 1];
	struct staff_session s;
	assert_int_equal(staff_session_create(db, id, T0, 30 * MIN, 720 * MIN, token, csrf), 0);
	assert_int_equal(strlen(token), STAFF_TOKEN_LEN);
	assert_string_not_equal(token, csrf);
	assert_int_equal(staff_session_check(db, token, T0, &s), STAFF_SESSION_OK);
	assert_string_equal(s.user.username, "mette");
	assert_string_equal(s.csrf, csrf);
	/* idle: 29 minutes is fine, 30 is not */
	assert_int_equal(staff_session_check(db, token, T0 + 29 * MIN, &s), STAFF_SESSION_OK);
	assert_int_equal(staff_session_check(db, token, T0 + 30 * MIN, &s), STAFF_SESSION_EXPIRED);
	/* used at 29 minutes: alive until 59 */
	assert_int_equal(staff_session_check(db, token, T0 + 29 * MIN, &s), STAFF_SESSION_OK);
	assert_int_equal(staff_session_touch(db, &s, T0 + 29 * MIN), 1);
	assert_int_equal(staff_session_check(db, token, T0 + 58 * MIN, &s), STAFF_SESSION_OK);
	assert_int_equal(staff_session_touch(db, &s, T0 + 58 * MIN), 1);
	/* a touch within a minute of the last one writes nothing */
	assert_int_equal(staff_session_check(db, token, T0 + 58 * MIN + 1000, &s),
	                 STAFF_SESSION_OK);
	assert_int_equal(staff_session_touch(db, &s, T0 + 58 * MIN + 1000), 0);
	/* absolute: used every 20 minutes, but over after 12 hours */
	long long t = T0 + 78 * MIN;
	for (; t < T0 + 720 * MIN - 20 * MIN; t += 20 * MIN) {
		assert_int_equal(staff_session_check(db, token, t, &s), STAFF_SESSION_OK);
		assert_int_equal(staff_session_touch(db, &s, t), 1);
	}
	assert_int_equal(staff_session_check(db, token, T0 + 720 * MIN, &s), STAFF_SESSION_EXPIRED);
	/* a clock before the session began does not make it valid */
	assert_int_equal(staff_session_check(db, token, T0 - 1, &s), STAFF_SESSION_EXPIRED);
}

static void test_session_revoke_and_tokens(void **state)
{
	sqlite3 *db = *state;
	long long id = add_user(db, "mette", STAFF_ROLE_STAFF);
	char token[STAFF_TOKEN_LEN + 1], csrf[STAFF_TOKEN_LEN + 1];
	char token2[STAFF_TOKEN_LEN + 1], csrf2[STAFF_TOKEN_LEN + 1];
	struct staff_session s;
	assert_int_equal(staff_session_create(db, id, T0, 30 * MIN, 720 * MIN, token, csrf), 0);
	assert_int_equal(staff_session_create(db, id, T0, 30 * MIN, 720 * MIN, token2, csrf2), 0);
	/* only the hash is stored */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT count(*) FROM staff_sessions WHERE"
	                                    " token_hash = ?1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	/* malformed ids are no session */
	char upper[STAFF_TOKEN_LEN + 1];
	snprintf(upper, sizeof(upper), "%s", token);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	const char *const bad[] = {"", "x", upper, "' OR 1=1 --", NULL};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(staff_session_check(db, bad[i], T0, &s), STAFF_SESSION_NONE);
	/* logout ends one session, not the other */
	assert_int_equal(staff_session_revoke(db, token, T0 + 1), 1);
	assert_int_equal(staff_session_revoke(db, token, T0 + 2), 0);
	assert_int_equal(staff_session_revoke(db, "nonsense", T0 + 2), 0);
	assert_int_equal(staff_session_check(db, token, T0 + 3, &s), STAFF_SESSION_NONE);
	assert_int_equal(staff_session_check(db, token2, T0 + 3, &s), STAFF_SESSION_OK);
	/* a new password ends every session of the user */
	assert_int_equal(staff_set_password(db, "mette", "$scrypt$x", T0 + 4), 1);
	assert_int_equal(staff_session_check(db, token2, T0 + 5, &s), STAFF_SESSION_NONE);
	/* and so does disabling */
	assert_int_equal(staff_session_create(db, id, T0 + 6, 30 * MIN, 720 * MIN, token, csrf), 0);
	assert_int_equal(staff_disable(db, "mette", T0 + 7), 1);
	assert_int_equal(staff_session_check(db, token, T0 + 8, &s), STAFF_SESSION_NONE);
}

static void test_csrf_equal(void **state)
{
	(void)state;
	char a[STAFF_TOKEN_LEN + 1], b[STAFF_TOKEN_LEN + 1];
	memset(a, 'a', STAFF_TOKEN_LEN);
	a[STAFF_TOKEN_LEN] = '\0';
	memcpy(b, a, sizeof(a));
	assert_true(staff_csrf_equal(a, b));
	b[STAFF_TOKEN_LEN - 1] = 'b';
	assert_false(staff_csrf_equal(a, b));
	b[STAFF_TOKEN_LEN - 1] = '\0';
	assert_false(staff_csrf_equal(a, b)); /* a prefix is not enough */
	assert_false(staff_csrf_equal(a, ""));
	assert_false(staff_csrf_equal(a, NULL));
	assert_false(staff_csrf_equal(NULL, a));
	assert_false(staff_csrf_equal("", ""));
}

static void test_audit(void **state)
{
	sqlite3 *db = *state;
	char big[600];
	memset(big, 'x', sizeof(big) - 3);
	memcpy(big + sizeof(big) - 3, "ø", 3); /* two bytes and the NUL */
	big[AUDIT_FIELD_MAX - 1] = (char)0xC3; /* an ø that straddles the cut */
	big[AUDIT_FIELD_MAX] = (char)0xB8;
	assert_int_equal(
	    audit_write(db, T0, "staff:mette", "conversation.read", "conversation:42", NULL), 0);
	assert_int_equal(audit_write(db, T0 + 1, big, "login.failed", NULL, big), 0);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT length(CAST(actor AS BLOB)), object, detail"
	                                    " FROM audit_log ORDER BY id",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "conversation:42");
	assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), AUDIT_FIELD_MAX - 1); /* not inside the ø */
	assert_int_equal(sqlite3_column_type(st, 1), SQLITE_NULL);
	sqlite3_finalize(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scrypt_known_answer),
	    cmocka_unit_test(test_hash_round_trip),
	    cmocka_unit_test(test_malformed_hashes),
	    cmocka_unit_test(test_password_rules),
	    cmocka_unit_test(test_username_rules),
	    cmocka_unit_test_setup_teardown(test_accounts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_idle_and_absolute, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_revoke_and_tokens, setup, teardown),
	    cmocka_unit_test(test_csrf_equal),
	    cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
