/*
 * privacy.c - deletion, export, export links, deletion receipts and the
 * retention purge of citizens' personal data (see privacy.h and
 * docs/privacy.md).
 *
 * Why generic: tables are added by several issues (conversation
 * transitions, staff notes, the panel ...). Deletion and export therefore
 * walk the schema (sqlite_master, pragma_table_info, pragma_foreign_key_list)
 * instead of a fixed list: every table with a `psid` column loses the
 * citizen's rows, every table with a `conversation_id` column (or a foreign
 * key to conversations) loses the rows of their conversations, and every
 * reference to a deleted event is cleared. Only the exceptions are named
 * here: `cases` (kept, anonymised), `outbox` (a confirmation may still be
 * on its way), `events` (keyed by citizen_id), `conversations` and
 * `citizens` (last, they are what the others point to). Table and column
 * names spliced into SQL come from the schema itself, never from input,
 * and are quoted; every value is bound.
 */
#include "privacy.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

#define MAX_TABLES 128
#define NAME_MAX_LEN 64
#define MAX_PAGES 16
#define TOMBSTONE_MS (48LL * 3600 * 1000) /* Meta's echoes and receipts come within seconds */
#define DAY_MS (24LL * 3600 * 1000)

/* ---- the schema --------------------------------------------------------- */

struct tables {
	int n;
	char name[MAX_TABLES][NAME_MAX_LEN];
};

static int list_tables(sqlite3 *db, struct tables *t)
{
	sqlite3_stmt *st;
	t->n = 0;
	if (sqlite3_prepare_v2(db,
	                       "SELECT name FROM sqlite_master WHERE type = 'table'"
	                       " AND name NOT LIKE 'sqlite_%' ORDER BY name",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW && t->n < MAX_TABLES) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		/* a name that cannot be quoted safely is never spliced */
		if (!name || strlen(name) >= NAME_MAX_LEN || strchr(name, '"'))
			continue;
		snprintf(t->name[t->n++], NAME_MAX_LEN, "%s", name);
	}
	sqlite3_finalize(st);
	return 0;
}

static int has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st;
	int found = 0;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
	                       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The column of table that refers to target (a foreign key), else "". */
static void fk_column(sqlite3 *db, const char *table, const char *target, char *col, size_t n)
{
	sqlite3_stmt *st;
	col[0] = '\0';
	if (sqlite3_prepare_v2(db,
	                       "SELECT \"from\" FROM pragma_foreign_key_list(?1)"
	                       " WHERE \"table\" = ?2 LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		if (c && !strchr(c, '"'))
			snprintf(col, n, "%s", c);
	}
	sqlite3_finalize(st);
}

/* The column linking table to a conversation, else "". */
static void conversation_column(sqlite3 *db, const char *table, char *col, size_t n)
{
	if (has_column(db, table, "conversation_id"))
		snprintf(col, n, "conversation_id");
	else
		fk_column(db, table, "conversations", col, n);
}

static int is_one_of(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

/* ---- statements ----------------------------------------------------------- */

struct binds {
	const char *page_id, *psid;
	long long n3, n4;
	const char *t4;
};

static int run_sql(sqlite3 *db, const char *sql, const struct binds *b, long long *changes,
                   char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "privacy: %s", sqlite3_errmsg(db));
		return -1;
	}
	int params = sqlite3_bind_parameter_count(st);
	if (params >= 1)
		sqlite3_bind_text(st, 1, b->page_id, -1, SQLITE_STATIC);
	if (params >= 2)
		sqlite3_bind_text(st, 2, b->psid, -1, SQLITE_STATIC);
	if (params >= 3)
		sqlite3_bind_int64(st, 3, b->n3);
	if (params >= 4 && b->t4)
		sqlite3_bind_text(st, 4, b->t4, -1, SQLITE_STATIC);
	else if (params >= 4)
		sqlite3_bind_int64(st, 4, b->n4);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "privacy: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (changes)
		*changes += sqlite3_changes(db);
	return 0;
}

static void sha256_hex(const char *s, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)s, strlen(s), d);
	hex_encode(d, sizeof(d), out);
}

static void tombstone_key(const char *page_id, const char *psid,
                          char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	char buf[300];
	snprintf(buf, sizeof(buf), "%s\n%s", page_id, psid);
	sha256_hex(buf, out);
}

/* ---- deletion ------------------------------------------------------------- */

/* Events of the citizen that go: all but their later pending ones. */
#define DOOMED_EVENTS                                                                              \
	" FROM events WHERE page_id = ?1 AND (citizen_id = ?2 OR sender_id = ?2 OR"                \
	" recipient_id = ?2) AND (status <> 0 OR ?3 = 0 OR id = ?3)"
#define THEIR_CONVERSATIONS "(SELECT id FROM conversations WHERE page_id = ?1 AND psid = ?2)"

/* Tables handled by name below; every other table is handled by its columns. */
static const char *const named_tables[] = {"cases",  "conversations", "citizens",
                                           "outbox", "events",        NULL};

static int delete_linked(sqlite3 *db, const struct tables *t, const struct binds *b,
                         struct privacy_counts *c, char *err, size_t errlen)
{
	char sql[400], col[NAME_MAX_LEN];
	for (int i = 0; i < t->n; i++) {
		const char *name = t->name[i];
		if (!strcmp(name, "conversations"))
			continue;
		conversation_column(db, name, col, sizeof(col));
		if (col[0]) {
			snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE \"%s\" IN %s", name,
			         col, THEIR_CONVERSATIONS);
			if (run_sql(db, sql, b, &c->rows_deleted, err, errlen) < 0)
				return -1;
		}
		if (is_one_of(name, named_tables) || !has_column(db, name, "psid"))
			continue;
		if (has_column(db, name, "page_id"))
			snprintf(sql, sizeof(sql),
			         "DELETE FROM \"%s\" WHERE page_id = ?1 AND psid = ?2", name);
		else
			snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE psid = ?2", name);
		if (run_sql(db, sql, b, &c->rows_deleted, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Clears every reference to the events about to go, then deletes them. */
static int delete_events(sqlite3 *db, const struct tables *t, const char *which,
                         const struct binds *b, struct privacy_counts *c, char *err, size_t errlen)
{
	char sql[600], col[NAME_MAX_LEN];
	for (int i = 0; i < t->n; i++) {
		fk_column(db, t->name[i], "events", col, sizeof(col));
		if (!col[0])
			continue;
		snprintf(sql, sizeof(sql),
		         "UPDATE \"%s\" SET \"%s\" = NULL WHERE \"%s\" IN (SELECT id%s)",
		         t->name[i], col, col, which);
		if (run_sql(db, sql, b, NULL, err, errlen) < 0)
			return -1;
	}
	long long before = c->rows_deleted;
	snprintf(sql, sizeof(sql), "DELETE%s", which);
	if (run_sql(db, sql, b, &c->rows_deleted, err, errlen) < 0)
		return -1;
	c->events_deleted += c->rows_deleted - before;
	return 0;
}

static int anonymise_cases(sqlite3 *db, const char *where, const struct binds *b,
                           struct privacy_counts *c, char *err, size_t errlen)
{
	char sql[500];
	snprintf(sql, sizeof(sql),
	         "UPDATE cases SET page_id = NULL, psid = NULL, photos = NULL,"
	         " description = CASE WHEN description IS NULL THEN NULL ELSE ?4 END"
	         " WHERE %s",
	         where);
	struct binds bb = *b;
	bb.t4 = PRIVACY_REMOVED_MARKER;
	return run_sql(db, sql, &bb, &c->cases_anonymised, err, errlen);
}

static int delete_on_page(sqlite3 *db, const struct tables *t, const char *page_id,
                          const char *psid, const struct privacy_delete_options *o,
                          struct privacy_counts *c, char *err, size_t errlen)
{
	struct binds b = {.page_id = page_id, .psid = psid, .n3 = o->keep_outbox_from};
	/* the confirmation on its way: detached, deleted by the sender once done */
	if (o->keep_outbox_from > 0 &&
	    run_sql(db,
	            "UPDATE outbox SET erase_when_done = 1, conversation_id = NULL,"
	            " cause_event_id = NULL, inbound_at = (SELECT last_inbound_at FROM citizens"
	            " WHERE page_id = ?1 AND psid = ?2)"
	            " WHERE page_id = ?1 AND psid = ?2 AND id >= ?3",
	            &b, NULL, err, errlen) < 0)
		return -1;
	if (delete_linked(db, t, &b, c, err, errlen) < 0 ||
	    run_sql(db,
	            "DELETE FROM outbox WHERE page_id = ?1 AND psid = ?2 AND erase_when_done = 0",
	            &b, &c->rows_deleted, err, errlen) < 0 ||
	    anonymise_cases(db, "page_id = ?1 AND psid = ?2", &b, c, err, errlen) < 0)
		return -1;
	b.n3 = o->current_event_id;
	if (delete_events(db, t, DOOMED_EVENTS, &b, c, err, errlen) < 0 ||
	    run_sql(db, "DELETE FROM conversations WHERE page_id = ?1 AND psid = ?2", &b,
	            &c->rows_deleted, err, errlen) < 0 ||
	    run_sql(db, "DELETE FROM citizens WHERE page_id = ?1 AND psid = ?2", &b,
	            &c->rows_deleted, err, errlen) < 0)
		return -1;
	if (!o->tombstone)
		return 0;
	char key[2 * SHA256_DIGEST_LENGTH + 1];
	tombstone_key(page_id, psid, key);
	struct binds tb = {.page_id = key, .psid = "", .n3 = o->now_ms + TOMBSTONE_MS};
	return run_sql(db,
	               "INSERT INTO privacy_tombstones (key_hash, until_ms) VALUES (?1, ?3)"
	               " ON CONFLICT (key_hash) DO UPDATE SET until_ms = excluded.until_ms",
	               &tb, NULL, err, errlen);
}

/* The pages psid appears on (page_id NULL in the calls above). */
static int pages_of(sqlite3 *db, const struct tables *t, const char *psid,
                    char pages[MAX_PAGES][NAME_MAX_LEN], int *n)
{
	*n = 0;
	char sql[300];
	for (int i = 0; i <= t->n && *n < MAX_PAGES; i++) {
		if (i == t->n)
			snprintf(sql, sizeof(sql),
			         "SELECT DISTINCT page_id FROM events WHERE citizen_id = ?1");
		else if (has_column(db, t->name[i], "psid") &&
		         has_column(db, t->name[i], "page_id"))
			snprintf(sql, sizeof(sql),
			         "SELECT DISTINCT page_id FROM \"%s\" WHERE psid = ?1", t->name[i]);
		else
			continue;
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(st, 1, psid, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW && *n < MAX_PAGES) {
			const char *p = (const char *)sqlite3_column_text(st, 0);
			int seen = !p || strlen(p) >= NAME_MAX_LEN;
			for (int k = 0; k < *n && !seen; k++)
				seen = !strcmp(pages[k], p);
			if (!seen)
				snprintf(pages[(*n)++], NAME_MAX_LEN, "%s", p);
		}
		sqlite3_finalize(st);
	}
	return 0;
}

int privacy_delete(sqlite3 *db, const char *page_id, const char *psid,
                   const struct privacy_delete_options *opt, struct privacy_counts *counts,
                   char *err, size_t errlen)
{
	struct privacy_counts local = {0};
	struct privacy_counts *c = counts ? counts : &local;
	struct privacy_delete_options none = {0};
	const struct privacy_delete_options *o = opt ? opt : &none;
	struct tables *tp = malloc(sizeof(*tp)); /* large: not on the stack */
	if (!tp || !psid || !psid[0]) {
		free(tp);
		snprintf(err, errlen, tp ? "privacy: no psid" : "out of memory");
		return -1;
	}
	int rc = list_tables(db, tp);
	if (rc == 0 && page_id) {
		rc = delete_on_page(db, tp, page_id, psid, o, c, err, errlen);
	} else if (rc == 0) {
		char pages[MAX_PAGES][NAME_MAX_LEN];
		int n = 0;
		rc = pages_of(db, tp, psid, pages, &n);
		for (int i = 0; i < n && rc == 0; i++)
			rc = delete_on_page(db, tp, pages[i], psid, o, c, err, errlen);
	}
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "privacy: %s", sqlite3_errmsg(db));
	free(tp);
	return rc;
}

int privacy_delete_app_user(sqlite3 *db, const char *user_id, long long now_ms,
                            struct privacy_counts *c, char *err, size_t errlen)
{
	struct binds b = {.page_id = user_id, .psid = user_id};
	struct tables *t = malloc(sizeof(*t));
	if (!t || list_tables(db, t) < 0) {
		free(t);
		snprintf(err, errlen, "privacy: cannot read the schema");
		return -1;
	}
	int rc = run_sql(db, "DELETE FROM feed_comments WHERE from_id = ?1", &b, &c->rows_deleted,
	                 err, errlen);
	if (rc == 0)
		rc = delete_events(db, t,
		                   " FROM events WHERE source = 'changes' AND citizen_id = ?1"
		                   "",
		                   &b, c, err, errlen);
	free(t);
	if (rc < 0)
		return -1;
	struct privacy_delete_options o = {.now_ms = now_ms};
	return privacy_delete(db, NULL, user_id, &o, c, err, errlen);
}

int privacy_tombstoned(sqlite3 *db, const char *page_id, const char *psid, long long now_ms)
{
	char key[2 * SHA256_DIGEST_LENGTH + 1];
	tombstone_key(page_id, psid, key);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "SELECT 1 FROM privacy_tombstones WHERE key_hash = ?1"
	                       " AND until_ms > ?2",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ---- export ----------------------------------------------------------------- */

static json_t *column_json(sqlite3_stmt *st, int i, int parse_json)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	default: {
		const char *s = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		json_error_t e;
		json_t *v = parse_json ? json_loadb(s, n, JSON_DECODE_ANY, &e) : NULL;
		if (!v)
			v = json_stringn(s, n);
		return v ? v : json_string("(not valid UTF-8)");
	}
	}
}

/* Appends the rows of sql (bound like run_sql) to tables[name]. */
static int export_rows(sqlite3 *db, json_t *tables, const char *name, const char *sql,
                       const struct binds *b, long long *count)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, b->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->psid, -1, SQLITE_STATIC);
	json_t *rows = json_object_get(tables, name);
	if (!rows) {
		rows = json_array();
		json_object_set_new(tables, name, rows);
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_object();
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *col = sqlite3_column_name(st, i);
			int js = !strcmp(col, "payload") || !strcmp(col, "body") ||
			         !strcmp(col, "photos") || !strcmp(col, "attachments");
			json_object_set_new(row, col, column_json(st, i, js));
		}
		json_array_append_new(rows, row);
		if (count)
			(*count)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int export_page(sqlite3 *db, const struct tables *t, const char *page_id, const char *psid,
                       json_t *tables)
{
	struct binds b = {.page_id = page_id, .psid = psid};
	char sql[400], col[NAME_MAX_LEN];
	for (int i = 0; i < t->n; i++) {
		const char *name = t->name[i];
		if (!strcmp(name, "privacy_exports") || !strcmp(name, "events"))
			continue; /* link hashes are not data about them; events below */
		conversation_column(db, name, col, sizeof(col));
		if (col[0] && strcmp(name, "conversations") != 0)
			snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" WHERE \"%s\" IN %s", name,
			         col, THEIR_CONVERSATIONS);
		else if (has_column(db, name, "psid") && has_column(db, name, "page_id"))
			snprintf(sql, sizeof(sql),
			         "SELECT * FROM \"%s\" WHERE page_id = ?1 AND psid = ?2", name);
		else
			continue;
		if (export_rows(db, tables, name, sql, &b, NULL) < 0)
			return -1;
	}
	return export_rows(db, tables, "events",
	                   "SELECT id, kind, source, ts_ms, received_at, payload FROM events"
	                   " WHERE page_id = ?1 AND citizen_id = ?2 ORDER BY ts_ms, id",
	                   &b, NULL);
}

json_t *privacy_export(sqlite3 *db, const char *page_id, const char *psid, char *err, size_t errlen)
{
	struct tables *t = malloc(sizeof(*t));
	json_t *out = json_object(), *tables = json_object();
	char pages[MAX_PAGES][NAME_MAX_LEN];
	int n = 0, rc = t && out && tables ? list_tables(db, t) : -1;
	if (rc == 0 && page_id) {
		snprintf(pages[0], NAME_MAX_LEN, "%s", page_id);
		n = 1;
	} else if (rc == 0) {
		rc = pages_of(db, t, psid, pages, &n);
	}
	for (int i = 0; i < n && rc == 0; i++)
		rc = export_page(db, t, pages[i], psid, tables);
	free(t);
	if (rc < 0) {
		snprintf(err, errlen, "privacy: %s", sqlite3_errmsg(db));
		json_decref(out);
		json_decref(tables);
		return NULL;
	}
	struct privacy_summary s = {0};
	for (int i = 0; i < n; i++) {
		struct privacy_summary one;
		if (privacy_summarise(db, pages[i], psid, &one) == 0) {
			s.messages += one.messages;
			s.cases_reported += one.cases_reported;
			s.cases_followed += one.cases_followed;
			s.events += one.events;
		}
	}
	json_object_set_new(out, "citizen", json_pack("{s:s}", "psid", psid));
	json_object_set_new(out, "summary",
	                    json_pack("{s:I, s:I, s:I, s:I}", "messages", (json_int_t)s.messages,
	                              "cases_reported", (json_int_t)s.cases_reported,
	                              "cases_followed", (json_int_t)s.cases_followed, "raw_events",
	                              (json_int_t)s.events));
	json_object_set_new(out, "tables", tables);
	return out;
}

static long long count_of(sqlite3 *db, const char *sql, const char *page_id, const char *psid)
{
	sqlite3_stmt *st;
	long long n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int privacy_summarise(sqlite3 *db, const char *page_id, const char *psid,
                      struct privacy_summary *out)
{
	out->messages = count_of(db,
	                         "SELECT COUNT(*) FROM messages WHERE direction = 'in' AND"
	                         " conversation_id IN " THEIR_CONVERSATIONS,
	                         page_id, psid);
	out->cases_reported = count_of(
	    db, "SELECT COUNT(*) FROM cases WHERE page_id = ?1 AND psid = ?2", page_id, psid);
	out->cases_followed =
	    count_of(db, "SELECT COUNT(*) FROM case_followers WHERE page_id = ?1 AND psid = ?2",
	             page_id, psid);
	out->events =
	    count_of(db, "SELECT COUNT(*) FROM events WHERE page_id = ?1 AND citizen_id = ?2",
	             page_id, psid);
	return out->messages < 0 || out->cases_reported < 0 || out->cases_followed < 0 ||
	               out->events < 0
	           ? -1
	           : 0;
}

/* ---- export links and receipts ---------------------------------------------- */

static int random_hex(size_t bytes, char *out, size_t outlen)
{
	unsigned char r[32];
	if (bytes > sizeof(r) || outlen < 2 * bytes + 1 || RAND_bytes(r, (int)bytes) != 1)
		return -1;
	hex_encode(r, bytes, out);
	return 0;
}

int privacy_export_token_create(sqlite3 *db, const char *page_id, const char *psid,
                                long long now_ms, long long ttl_ms, char *token, size_t tokenlen)
{
	char hash[2 * SHA256_DIGEST_LENGTH + 1];
	if (random_hex(PRIVACY_TOKEN_HEX / 2, token, tokenlen) < 0)
		return -1;
	sha256_hex(token, hash);
	static const char sql[] =
	    "INSERT INTO privacy_exports (page_id, psid, created_at, expires_at,"
	    " token_hash) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, psid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	sqlite3_bind_int64(st, 4, now_ms + ttl_ms);
	sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int privacy_outbox_erase_when_sent(sqlite3 *db, const char *page_id, const char *psid,
                                   long long from_id)
{
	struct binds b = {.page_id = page_id, .psid = psid, .n3 = from_id};
	char err[200];
	return run_sql(db,
	               "UPDATE outbox SET erase_when_done = 1 WHERE page_id = ?1 AND psid = ?2"
	               " AND id >= ?3",
	               &b, NULL, err, sizeof(err));
}

int privacy_export_token_find(sqlite3 *db, const char *token, long long now_ms, char *page_id,
                              size_t page_len, char *psid, size_t psid_len)
{
	unsigned char raw[PRIVACY_TOKEN_HEX / 2];
	if (!token || strlen(token) != PRIVACY_TOKEN_HEX ||
	    hex_decode(token, PRIVACY_TOKEN_HEX, raw, sizeof(raw)) < 0)
		return 0;
	char hash[2 * SHA256_DIGEST_LENGTH + 1];
	sha256_hex(token, hash);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "SELECT page_id, psid FROM privacy_exports WHERE token_hash = ?1"
	                       " AND expires_at > ?2",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now_ms);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(page_id, page_len, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(psid, psid_len, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int privacy_request_record(sqlite3 *db, const char *source, const struct privacy_counts *c,
                           const char *note, long long now_ms, char *code, size_t codelen)
{
	if (codelen < PRIVACY_CODE_LEN + 1 || random_hex(PRIVACY_CODE_LEN / 2, code, codelen) < 0)
		return -1;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "INSERT INTO privacy_requests (code, source, status, received_at,"
	                       " completed_at, rows_deleted, cases_anonymised, note)"
	                       " VALUES (?1, ?2, 'completed', ?3, ?3, ?4, ?5, ?6)",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	sqlite3_bind_int64(st, 4, c->rows_deleted);
	sqlite3_bind_int64(st, 5, c->cases_anonymised);
	if (note)
		sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- retention ---------------------------------------------------------------- */

/* Citizens idle since before cutoff who neither reported nor follow an open case. */
static int purge_idle_citizens(sqlite3 *db, long long cutoff, long long now_ms, long long *n,
                               char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(
	        db,
	        "SELECT page_id, psid FROM citizens c WHERE last_seen_at < ?1"
	        " AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.page_id = c.page_id"
	        "   AND k.psid = c.psid AND k.status IN ('open', 'in_progress'))"
	        " AND NOT EXISTS (SELECT 1 FROM case_followers f JOIN cases k ON k.id = f.case_id"
	        "   WHERE f.page_id = c.page_id AND f.psid = c.psid"
	        "   AND k.status IN ('open', 'in_progress'))"
	        " LIMIT 1",
	        -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "privacy: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, cutoff);
	for (;;) {
		sqlite3_reset(st);
		if (sqlite3_step(st) != SQLITE_ROW)
			break;
		char page[NAME_MAX_LEN], psid[NAME_MAX_LEN * 2];
		snprintf(page, sizeof(page), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(psid, sizeof(psid), "%s", (const char *)sqlite3_column_text(st, 1));
		sqlite3_reset(st);
		struct privacy_delete_options o = {.now_ms = now_ms};
		struct privacy_counts c = {0};
		if (privacy_delete(db, page, psid, &o, &c, err, errlen) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	return 0;
}

static int purge_panel_hook(sqlite3 *db, const struct privacy_retention *r, long long now_ms,
                            long long *n, char *err, size_t errlen)
{
	/* The citizen panel (panel/panel.h, docs/panel.md): a member who left
	 * and did not choose within a day keeps their choices without their
	 * name (free texts went when they left); answers older than panel_days
	 * go. */
	if (!has_column(db, "panel_answers", "created_at"))
		return 0;
	struct binds b = {.page_id = "", .psid = "", .n3 = now_ms - DAY_MS};
	if (run_sql(db,
	            "UPDATE panel_answers SET page_id = NULL, psid = NULL WHERE psid IS NOT NULL"
	            " AND EXISTS (SELECT 1 FROM panel_members m WHERE m.page_id ="
	            " panel_answers.page_id AND m.psid = panel_answers.psid AND m.status = 'left'"
	            " AND m.left_at < ?3)",
	            &b, n, err, errlen) < 0)
		return -1;
	if (r->panel_days <= 0)
		return 0;
	b.n3 = now_ms - r->panel_days * DAY_MS;
	return run_sql(db, "DELETE FROM panel_answers WHERE created_at < ?3", &b, n, err, errlen);
}

int privacy_purge(sqlite3 *db, const struct privacy_retention *r, long long now_ms,
                  long long counts[PURGE_KIND_COUNT], char *err, size_t errlen)
{
	memset(counts, 0, sizeof(counts[0]) * PURGE_KIND_COUNT);
	struct binds b = {.page_id = "", .psid = ""};
	struct privacy_counts c = {0};
	struct tables *t = malloc(sizeof(*t));
	int rc = t ? list_tables(db, t) : -1;
	if (rc == 0 && r->events_days > 0) {
		b.n3 = now_ms - r->events_days * DAY_MS;
		rc = delete_events(db, t,
		                   " FROM events WHERE status <> 0 AND received_at < ?3"
		                   "",
		                   &b, &c, err, errlen);
		counts[PURGE_EVENTS] = c.events_deleted;
	}
	free(t);
	if (rc == 0 && r->messages_days > 0) {
		b.n3 = now_ms - r->messages_days * DAY_MS;
		rc = run_sql(db, "DELETE FROM messages WHERE ts_ms < ?3", &b,
		             &counts[PURGE_MESSAGES], err, errlen);
		if (rc == 0)
			rc = run_sql(
			    db,
			    "DELETE FROM outbox WHERE status <> 'pending' AND created_at < ?3"
			    "",
			    &b, &counts[PURGE_OTHER], err, errlen);
		if (rc == 0)
			rc = run_sql(db,
			             "DELETE FROM notices WHERE delivered_at IS NOT NULL"
			             " AND delivered_at < ?3",
			             &b, &counts[PURGE_OTHER], err, errlen);
		if (rc == 0)
			rc = run_sql(db, "DELETE FROM feed_comments WHERE created_ms < ?3", &b,
			             &counts[PURGE_OTHER], err, errlen);
		if (rc == 0)
			rc = purge_idle_citizens(db, b.n3, now_ms, &counts[PURGE_CITIZENS], err,
			                         errlen);
	}
	if (rc == 0 && r->closed_case_days > 0) {
		b.n3 = now_ms - r->closed_case_days * DAY_MS;
		const char *old = "(SELECT id FROM cases WHERE closed_at IS NOT NULL AND"
		                  " closed_at < ?3)";
		char sql[300];
		snprintf(sql, sizeof(sql), "DELETE FROM case_followers WHERE case_id IN %s", old);
		rc = run_sql(db, sql, &b, &counts[PURGE_OTHER], err, errlen);
		snprintf(sql, sizeof(sql), "DELETE FROM notices WHERE case_id IN %s", old);
		if (rc == 0)
			rc = run_sql(db, sql, &b, &counts[PURGE_OTHER], err, errlen);
		struct privacy_counts cc = {0};
		if (rc == 0)
			rc = anonymise_cases(db,
			                     "closed_at IS NOT NULL AND closed_at < ?3"
			                     " AND (psid IS NOT NULL OR photos IS NOT NULL OR"
			                     " (description IS NOT NULL AND description <> ?4))",
			                     &b, &cc, err, errlen);
		counts[PURGE_CASES] = cc.cases_anonymised;
	}
	b.n3 = now_ms;
	if (rc == 0)
		rc = run_sql(db, "DELETE FROM case_drafts WHERE created_at < ?3 - 86400000", &b,
		             &counts[PURGE_OTHER], err, errlen);
	if (rc == 0)
		rc = run_sql(db, "DELETE FROM privacy_exports WHERE expires_at <= ?3", &b,
		             &counts[PURGE_OTHER], err, errlen);
	if (rc == 0)
		rc = run_sql(db, "DELETE FROM privacy_tombstones WHERE until_ms <= ?3", &b,
		             &counts[PURGE_OTHER], err, errlen);
	if (rc == 0)
		rc = purge_panel_hook(db, r, now_ms, &counts[PURGE_OTHER], err, errlen);
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "privacy: %s", sqlite3_errmsg(db));
	return rc;
}
