/*
 * staff.h - staff accounts for the console: users, password hashes, rules.
 *
 * A staff user (table staff_users) has a username (login), a display name
 * (what citizens and colleagues see, "Mette Hansen"), a department ("Teknik
 * og Miljø"), a role (staff or admin) and a password hash. Passwords are
 * hashed with scrypt through OpenSSL 3's EVP_KDF into a self-describing
 * string:
 *
 *     $scrypt$ln=15,r=8,p=1$<32 hex salt>$<64 hex key>
 *
 * (N = 2^ln). Verifying parses that string strictly, so a hash made with
 * other parameters still verifies after the defaults change, and compares
 * the derived key with CRYPTO_memcmp. The default costs 32 MiB and about
 * 0.2 s of one core per hash on the development machine (docs/console.md).
 *
 * Functions that take a sqlite3 * never begin or commit: the caller runs
 * them inside store_write() (or in autocommit, in the CLI).
 */
#ifndef BORGERBOT_STAFF_H
#define BORGERBOT_STAFF_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define STAFF_HASH_MAX 200      /* bytes of a hash string, with its NUL */
#define STAFF_PASSWORD_MIN 12   /* characters (code points) */
#define STAFF_PASSWORD_MAX 1024 /* bytes */
#define STAFF_USERNAME_MAX 64   /* bytes */
#define STAFF_TEXT_MAX 80       /* bytes of a display name or department */

/* The default cost: N = 2^15, r = 8, p = 1 (32 MiB, docs/console.md). */
#define STAFF_SCRYPT_LN 15
#define STAFF_SCRYPT_R 8
#define STAFF_SCRYPT_P 1

enum staff_role { STAFF_ROLE_STAFF, STAFF_ROLE_ADMIN };

struct staff_user {
	long long id;
	char username[STAFF_USERNAME_MAX + 1];
	char display_name[STAFF_TEXT_MAX + 1];
	char department[STAFF_TEXT_MAX + 1];
	enum staff_role role;
	long long created_at;
	long long disabled_at; /* 0 = active */
};

/* "staff"/"admin" <-> enum; parse returns -1 for anything else. */
const char *staff_role_name(enum staff_role role);
int staff_role_parse(const char *name, enum staff_role *out);

/* ---- passwords -------------------------------------------------------------- */

/* scrypt itself (EVP_KDF "SCRYPT", memory up to 256 MiB): outlen bytes of
 * key from password, salt, N, r, p. Returns 0 or -1. For the hash functions
 * below and the known-answer test. */
int staff_scrypt(const char *password, size_t pwlen, const unsigned char *salt, size_t saltlen,
                 uint64_t n, uint32_t r, uint32_t p, unsigned char *out, size_t outlen);

/* Hashes password with scrypt N = 2^ln, r, p and a fresh 16-byte salt into
 * out (STAFF_HASH_MAX bytes). Returns 0, or -1 (bad parameters, no
 * randomness, KDF failure). */
int staff_hash_password_with(const char *password, int ln, int r, int p, char *out, size_t size);

/* The same with the default parameters. */
int staff_hash_password(const char *password, char *out, size_t size);

/* 1 when password matches the hash string, 0 when it does not, -1 when the
 * string is malformed or its parameters are out of bounds (ln 10-20, r 1-32,
 * p 1-4, salt 16-64 bytes, key 32 bytes). The key comparison is constant
 * time. */
int staff_verify_password(const char *password, const char *hash);

/* The time staff_verify_password takes for a missing user: it hashes
 * password against a fixed hash with the default parameters and always
 * answers 0, so "unknown user" and "wrong password" cost the same. */
int staff_verify_dummy(const char *password);

/* Checks a new password: valid UTF-8 without control characters, at least
 * STAFF_PASSWORD_MIN characters, at most STAFF_PASSWORD_MAX bytes, not the
 * username (in any case). Returns 0, or -1 with err set (English). */
int staff_password_acceptable(const char *username, const char *password, char *err, size_t errlen);

/* 1 if name is a valid username: 2-64 of a-z 0-9 . _ - (lower case, so
 * logins are not case-sensitive surprises), starting with a letter or digit. */
int staff_username_valid(const char *name);

/* ---- accounts ------------------------------------------------------------- */

struct staff_new {
	const char *username;
	const char *display_name; /* 1-80 bytes of UTF-8 text */
	const char *department;   /* 1-80 bytes of UTF-8 text */
	enum staff_role role;
	const char *password_hash; /* from staff_hash_password */
	long long now_ms;
};

/* Inserts a user. Returns its id, or -1 with err set (invalid field, the
 * username exists, database error). */
long long staff_add(sqlite3 *db, const struct staff_new *u, char *err, size_t errlen);

/* Finds a user by username (active or not). 1 found, 0 not, -1 error.
 * hash (may be NULL) gets the password hash (STAFF_HASH_MAX bytes). */
int staff_find(sqlite3 *db, const char *username, struct staff_user *out, char *hash,
               size_t hashlen);

/* Disables a user and revokes their sessions. 1 done, 0 no active user of
 * that name, -1 error. */
int staff_disable(sqlite3 *db, const char *username, long long now_ms);

/* Replaces a user's password hash and revokes their sessions. 1 done, 0 no
 * such user, -1 error. */
int staff_set_password(sqlite3 *db, const char *username, const char *password_hash,
                       long long now_ms);

/* Enables a disabled user again (their old sessions stay ended). 1 done,
 * 0 no disabled user of that name, -1 error. */
int staff_enable(sqlite3 *db, const char *username, long long now_ms);

/* What an admin may change about a user: any field NULL keeps it. */
struct staff_change_set {
	const char *display_name; /* 1-80 bytes of UTF-8 text */
	const char *department;   /* 1-80 bytes of UTF-8 text */
	const enum staff_role *role;
};

/* Changes a user's name, department or role (the same field rules as
 * staff_add); a changed role or department ends the user's sessions, so
 * their next request sees the new rights. Returns 1 done, 0 no such user,
 * -1 with err set (invalid field or database error). */
int staff_update(sqlite3 *db, const char *username, const struct staff_change_set *c,
                 long long now_ms, char *err, size_t errlen);

/* 1 when username is an active admin and the only one (disabling or
 * demoting them would leave nobody to manage users), 0 if not, -1 error. */
int staff_is_last_admin(sqlite3 *db, const char *username);

/* Calls fn for every user, by username. Returns 0 or -1. */
typedef void (*staff_fn)(void *arg, const struct staff_user *u);
int staff_list(sqlite3 *db, staff_fn fn, void *arg);

/* The columns staff_read_user() reads, in order, with table prefix p ("u."). */
#define STAFF_USER_COLUMNS(p)                                                                      \
	p "id, " p "username, " p "display_name, " p "department, " p "role, " p "created_at, " p  \
	  "disabled_at"

/* Reads a user from st's columns col.. (STAFF_USER_COLUMNS order); for
 * staff_session.c, which joins the user to the session. */
void staff_read_user(sqlite3_stmt *st, int col, struct staff_user *u);

/* Number of active admins, or -1 on error (dev.sh makes a demo admin when 0). */
int staff_count_admins(sqlite3 *db);

#endif
