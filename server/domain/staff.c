/*
 * staff.c - staff accounts and their password hashes (see staff.h).
 *
 * Data flow: a password from the CLI (stdin) or the login form ->
 * staff_password_acceptable (new passwords only) -> scrypt via EVP_KDF with
 * a random salt -> "$scrypt$ln=..,r=..,p=..$salt$key" in staff_users. A
 * login parses the stored string, derives the key again with its own
 * parameters and compares in constant time. Disabling a user or changing a
 * password revokes the user's sessions in the same transaction.
 */
#include "staff.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "core/text.h"

#define SALT_LEN 16
#define KEY_LEN 32
#define MAXMEM ((uint64_t)256 << 20) /* the largest parameters verify accepts */

/* A hash of no one's password: what a login for an unknown user is checked
 * against, so that it costs one scrypt like a wrong password does. */
static const char dummy_hash[] = "$scrypt$ln=15,r=8,p=1$9f3c1a7e5b2d4c6e8f0a1b3c5d7e9f11$"
                                 "5a1e3c7b9d2f4a6c8e0b1d3f5a7c9e1b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c";

const char *staff_role_name(enum staff_role role)
{
	return role == STAFF_ROLE_ADMIN ? "admin" : "staff";
}

int staff_role_parse(const char *name, enum staff_role *out)
{
	if (name && !strcmp(name, "staff"))
		*out = STAFF_ROLE_STAFF;
	else if (name && !strcmp(name, "admin"))
		*out = STAFF_ROLE_ADMIN;
	else
		return -1;
	return 0;
}

/* ---- scrypt ----------------------------------------------------------------- */

int staff_scrypt(const char *password, size_t pwlen, const unsigned char *salt, size_t saltlen,
                 uint64_t n, uint32_t r, uint32_t p, unsigned char *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	EVP_KDF_free(kdf);
	if (!ctx)
		return -1;
	uint64_t maxmem = MAXMEM;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password, pwlen),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
	    OSSL_PARAM_construct_end(),
	};
	int ok = EVP_KDF_derive(ctx, out, outlen, params) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int params_ok(int ln, int r, int p)
{
	return ln >= 10 && ln <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 4;
}

int staff_hash_password_with(const char *password, int ln, int r, int p, char *out, size_t size)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char salt_hex[2 * SALT_LEN + 1], key_hex[2 * KEY_LEN + 1];
	if (!password || !params_ok(ln, r, p) || RAND_bytes(salt, sizeof(salt)) != 1 ||
	    staff_scrypt(password, strlen(password), salt, sizeof(salt), (uint64_t)1 << ln,
	                 (uint32_t)r, (uint32_t)p, key, sizeof(key)) < 0)
		return -1;
	hex_encode(salt, sizeof(salt), salt_hex);
	hex_encode(key, sizeof(key), key_hex);
	OPENSSL_cleanse(key, sizeof(key));
	int n = snprintf(out, size, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", ln, r, p, salt_hex, key_hex);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int staff_hash_password(const char *password, char *out, size_t size)
{
	return staff_hash_password_with(password, STAFF_SCRYPT_LN, STAFF_SCRYPT_R, STAFF_SCRYPT_P,
	                                out, size);
}

/* Reads "NAME=" then 1-2 decimal digits (no sign, no leading zero) at *s. */
static int read_param(const char **s, const char *name, int *out)
{
	size_t n = strlen(name);
	if (strncmp(*s, name, n) != 0 || (*s)[n] != '=')
		return -1;
	const char *d = *s + n + 1;
	if (d[0] < '1' || d[0] > '9')
		return -1;
	int v = d[0] - '0', len = 1;
	if (d[1] >= '0' && d[1] <= '9') {
		v = v * 10 + (d[1] - '0');
		len = 2;
	}
	*out = v;
	*s = d + len;
	return 0;
}

struct parsed_hash {
	int ln, r, p;
	unsigned char salt[64];
	long salt_len;
	unsigned char key[KEY_LEN];
};

static int parse_hash(const char *hash, struct parsed_hash *h)
{
	static const char prefix[] = "$scrypt$";
	if (!hash || strncmp(hash, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	const char *s = hash + sizeof(prefix) - 1;
	if (read_param(&s, "ln", &h->ln) < 0 || *s++ != ',' || read_param(&s, "r", &h->r) < 0 ||
	    *s++ != ',' || read_param(&s, "p", &h->p) < 0 || *s++ != '$' ||
	    !params_ok(h->ln, h->r, h->p))
		return -1;
	const char *dollar = strchr(s, '$');
	if (!dollar)
		return -1;
	h->salt_len = hex_decode(s, (size_t)(dollar - s), h->salt, sizeof(h->salt));
	const char *k = dollar + 1;
	if (h->salt_len < 16 || strlen(k) != (size_t)2 * KEY_LEN ||
	    hex_decode(k, (size_t)2 * KEY_LEN, h->key, sizeof(h->key)) != KEY_LEN)
		return -1;
	return 0;
}

int staff_verify_password(const char *password, const char *hash)
{
	struct parsed_hash h;
	unsigned char key[KEY_LEN];
	if (!password || parse_hash(hash, &h) < 0)
		return -1;
	if (staff_scrypt(password, strlen(password), h.salt, (size_t)h.salt_len,
	                 (uint64_t)1 << h.ln, (uint32_t)h.r, (uint32_t)h.p, key, sizeof(key)) < 0)
		return -1;
	int same = CRYPTO_memcmp(key, h.key, KEY_LEN) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	return same;
}

int staff_verify_dummy(const char *password)
{
	(void)staff_verify_password(password ? password : "", dummy_hash);
	return 0;
}

/* ---- rules -------------------------------------------------------------------- */

/* Code points in s if it is valid UTF-8 without control characters, else -1. */
static long text_chars(const char *s)
{
	size_t len = strlen(s);
	long count = 0;
	for (size_t i = 0; i < len; count++) {
		unsigned char c = (unsigned char)s[i];
		int n = text_utf8_seq((const unsigned char *)s + i, len - i);
		if (!n || c < 0x20 || c == 0x7F)
			return -1;
		i += (size_t)n;
	}
	return count;
}

int staff_password_acceptable(const char *username, const char *password, char *err, size_t errlen)
{
	if (!password || strlen(password) > STAFF_PASSWORD_MAX) {
		text_set_err(err, errlen, "the password is longer than %d bytes",
		             STAFF_PASSWORD_MAX);
		return -1;
	}
	long chars = text_chars(password);
	if (chars < 0) {
		text_set_err(err, errlen,
		             "the password must be UTF-8 text without control characters");
		return -1;
	}
	if (chars < STAFF_PASSWORD_MIN) {
		text_set_err(err, errlen, "the password must have at least %d characters",
		             STAFF_PASSWORD_MIN);
		return -1;
	}
	if (username && !strcasecmp(username, password)) {
		text_set_err(err, errlen, "the password must not be the username");
		return -1;
	}
	return 0;
}

int staff_username_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 2 || n > STAFF_USERNAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

static int text_field_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= STAFF_TEXT_MAX && text_chars(s) > 0 && s[0] != ' ' && s[n - 1] != ' ';
}

/* ---- accounts ------------------------------------------------------------- */

long long staff_add(sqlite3 *db, const struct staff_new *u, char *err, size_t errlen)
{
	if (!staff_username_valid(u->username)) {
		text_set_err(err, errlen,
		             "the username must be 2-64 characters of a-z 0-9 . _ - "
		             "(lower case), starting with a letter or digit");
		return -1;
	}
	if (!text_field_ok(u->display_name) || !text_field_ok(u->department)) {
		text_set_err(err, errlen,
		             "the name and the department must be 1-%d bytes of text "
		             "without control characters or spaces at the ends",
		             STAFF_TEXT_MAX);
		return -1;
	}
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO staff_users (username, display_name, department, role,"
	                  " password_hash, created_at, password_changed_at)"
	                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		text_set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, u->username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, u->display_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, u->department, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, staff_role_name(u->role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, u->password_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, u->now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
			text_set_err(err, errlen, "a user named '%s' already exists", u->username);
		else
			text_set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_last_insert_rowid(db);
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

#define USER_COLUMNS STAFF_USER_COLUMNS("")

void staff_read_user(sqlite3_stmt *st, int col, struct staff_user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, col);
	copy_col(st, col + 1, u->username, sizeof(u->username));
	copy_col(st, col + 2, u->display_name, sizeof(u->display_name));
	copy_col(st, col + 3, u->department, sizeof(u->department));
	const unsigned char *role = sqlite3_column_text(st, col + 4);
	u->role =
	    role && !strcmp((const char *)role, "admin") ? STAFF_ROLE_ADMIN : STAFF_ROLE_STAFF;
	u->created_at = sqlite3_column_int64(st, col + 5);
	u->disabled_at = sqlite3_column_int64(st, col + 6);
}

int staff_find(sqlite3 *db, const char *username, struct staff_user *out, char *hash,
               size_t hashlen)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT " USER_COLUMNS ", password_hash FROM staff_users"
	                  " WHERE username = ?1";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), found = 0;
	if (rc == SQLITE_ROW) {
		staff_read_user(st, 0, out);
		if (hash)
			copy_col(st, 7, hash, hashlen);
		found = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

/* Ends every open session of username. 1 or -1. */
static int revoke_sessions(sqlite3 *db, const char *username, long long now_ms)
{
	sqlite3_stmt *st;
	const char *revoke = "UPDATE staff_sessions SET revoked_at = ?2 WHERE revoked_at IS NULL"
	                     " AND staff_id = (SELECT id FROM staff_users WHERE username = ?1)";
	if (sqlite3_prepare_v2(db, revoke, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 1 : -1;
}

/* Runs sql with ?1 = username, ?2 = now_ms (and ?3 = text); then revokes the
 * user's sessions if a row changed. 1, 0 or -1. */
static int update_user(sqlite3 *db, const char *sql, const char *username, long long now_ms,
                       const char *text)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now_ms);
	if (text)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(db) == 0)
		return 0;
	return revoke_sessions(db, username, now_ms);
}

int staff_disable(sqlite3 *db, const char *username, long long now_ms)
{
	return update_user(db,
	                   "UPDATE staff_users SET disabled_at = ?2 WHERE username = ?1"
	                   " AND disabled_at IS NULL",
	                   username, now_ms, NULL);
}

int staff_set_password(sqlite3 *db, const char *username, const char *password_hash,
                       long long now_ms)
{
	return update_user(db,
	                   "UPDATE staff_users SET password_hash = ?3, password_changed_at = ?2"
	                   " WHERE username = ?1",
	                   username, now_ms, password_hash);
}

int staff_enable(sqlite3 *db, const char *username, long long now_ms)
{
	sqlite3_stmt *st;
	(void)now_ms;
	if (sqlite3_prepare_v2(db,
	                       "UPDATE staff_users SET disabled_at = NULL WHERE username = ?1"
	                       " AND disabled_at IS NOT NULL",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc != SQLITE_DONE ? -1 : sqlite3_changes(db) > 0;
}

int staff_update(sqlite3 *db, const char *username, const struct staff_change_set *c,
                 long long now_ms, char *err, size_t errlen)
{
	if ((c->display_name && !text_field_ok(c->display_name)) ||
	    (c->department && !text_field_ok(c->department))) {
		text_set_err(err, errlen,
		             "the name and the department must be 1-%d bytes of text "
		             "without control characters or spaces at the ends",
		             STAFF_TEXT_MAX);
		return -1;
	}
	struct staff_user u;
	int found = staff_find(db, username, &u, NULL, 0);
	if (found <= 0) {
		if (found < 0)
			text_set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return found;
	}
	sqlite3_stmt *st;
	const char *sql = "UPDATE staff_users SET display_name = coalesce(?2, display_name),"
	                  " department = coalesce(?3, department), role = coalesce(?4, role)"
	                  " WHERE username = ?1";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		text_set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
	if (c->display_name)
		sqlite3_bind_text(st, 2, c->display_name, -1, SQLITE_TRANSIENT);
	if (c->department)
		sqlite3_bind_text(st, 3, c->department, -1, SQLITE_TRANSIENT);
	if (c->role)
		sqlite3_bind_text(st, 4, staff_role_name(*c->role), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		text_set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	int rights = (c->role && *c->role != u.role) ||
	             (c->department && strcmp(c->department, u.department) != 0);
	if (rights && revoke_sessions(db, username, now_ms) < 0) {
		text_set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 1;
}

int staff_is_last_admin(sqlite3 *db, const char *username)
{
	struct staff_user u;
	int found = staff_find(db, username, &u, NULL, 0);
	if (found <= 0)
		return found;
	if (u.role != STAFF_ROLE_ADMIN || u.disabled_at)
		return 0;
	int n = staff_count_admins(db);
	return n < 0 ? -1 : n <= 1;
}

int staff_list(sqlite3 *db, staff_fn fn, void *arg)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT " USER_COLUMNS " FROM staff_users ORDER BY username", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct staff_user u;
		staff_read_user(st, 0, &u);
		fn(arg, &u);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int staff_count_admins(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "SELECT count(*) FROM staff_users WHERE role = 'admin'"
	                       " AND disabled_at IS NULL",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return n;
}
