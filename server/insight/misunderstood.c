/*
 * misunderstood.c - the misunderstood queue, labels and the anonymised
 * export (see misunderstood.h).
 */
#include "misunderstood.h"

#include <ctype.h>
#include <string.h>

#include "core/text.h"

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a digit group at s: digits with single spaces, dashes or dots
 * between them ("12 34 56 78", "010203-1234"), so a phone or CPR number
 * written in parts becomes one mask. */
static size_t digit_run(const char *s, int *digits)
{
	size_t i = 0, end = 0;
	*digits = 0;
	while (s[i]) {
		if (is_digit(s[i])) {
			(*digits)++;
			end = ++i;
		} else if ((s[i] == ' ' || s[i] == '-' || s[i] == '.') && is_digit(s[i + 1]) &&
		           *digits) {
			i++;
		} else {
			break;
		}
	}
	return end;
}

/* An e-mail address or a link starting at s: its length, else 0. */
static size_t address_run(const char *s, const char *start, const char **mask)
{
	if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "www.", 4)) {
		size_t n = 0;
		while (s[n] && !isspace((unsigned char)s[n]))
			n++;
		*mask = "[link]";
		return n;
	}
	/* an e-mail: the word around an '@' */
	if (s != start && !isspace((unsigned char)s[-1]))
		return 0;
	size_t n = 0;
	int at = 0;
	while (s[n] && !isspace((unsigned char)s[n]))
		at |= s[n++] == '@';
	if (!at)
		return 0;
	*mask = "[e-mail]";
	return n;
}

/* Length of s[0..n) without a last UTF-8 sequence the cut left incomplete. */
static size_t whole_sequences(const char *s, size_t n)
{
	size_t k = n;
	while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
		k--;
	if (k == 0 || (unsigned char)s[k - 1] < 0xC0)
		return n;
	unsigned char lead = (unsigned char)s[k - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	return n - (k - 1) < need ? k - 1 : n;
}

void misunderstood_anonymise(const char *in, char *out, size_t size)
{
	size_t o = 0;
	int cut = 0;
	if (!size)
		return;
	for (const char *p = in; *p;) {
		if (o + 1 >= size) {
			cut = 1;
			break;
		}
		const char *mask = NULL;
		size_t n = address_run(p, in, &mask);
		int digits = 0;
		if (!n && is_digit(*p)) {
			n = digit_run(p, &digits);
			mask = digits == 10 ? "[cpr]" : digits >= 8 ? "[telefon]" : "[tal]";
		}
		if (n) {
			size_t m = strlen(mask);
			if (o + m >= size) {
				cut = 1;
				break;
			}
			memcpy(out + o, mask, m);
			o += m;
			p += n;
			continue;
		}
		out[o++] = *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p;
		p++;
	}
	if (cut) /* never end inside a UTF-8 sequence */
		o = whole_sequences(out, o);
	out[o] = '\0';
	if (!text_utf8_valid(out, o)) { /* invalid input: keep the ASCII */
		size_t k = 0;
		for (size_t i = 0; i < o; i++)
			if (!((unsigned char)out[i] & 0x80))
				out[k++] = out[i];
		out[k] = '\0';
	}
}

int misunderstood_list(sqlite3 *db, int labelled, int limit,
                       void (*fn)(const struct misunderstood_item *, void *), void *arg)
{
	const char *sql =
	    labelled
	        ? "SELECT o.event_id, o.conversation_id, o.at, m.text, o.intent, o.label,"
	          " o.label_example, o.labelled_by FROM message_outcomes o"
	          " LEFT JOIN messages m ON m.event_id = o.event_id AND m.direction = 'in'"
	          " WHERE o.label IS NOT NULL ORDER BY o.labelled_at DESC, o.event_id DESC LIMIT ?1"
	        : "SELECT o.event_id, o.conversation_id, o.at, m.text, o.intent, NULL, NULL, NULL"
	          " FROM message_outcomes o"
	          " JOIN messages m ON m.event_id = o.event_id AND m.direction = 'in'"
	          " WHERE o.intent IN ('', 'none') AND o.label IS NULL AND o.mode = 'bot'"
	          " AND o.outcome <> 'crisis' AND m.text IS NOT NULL"
	          " ORDER BY o.at DESC, o.event_id DESC LIMIT ?1";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct misunderstood_item it = {
		    .event_id = sqlite3_column_int64(st, 0),
		    .conversation_id = sqlite3_column_int64(st, 1),
		    .at_ms = sqlite3_column_int64(st, 2),
		    .text = (const char *)sqlite3_column_text(st, 3),
		    .intent = (const char *)sqlite3_column_text(st, 4),
		    .label = (const char *)sqlite3_column_text(st, 5),
		    .example = (const char *)sqlite3_column_text(st, 6),
		    .labelled_by = (const char *)sqlite3_column_text(st, 7),
		};
		fn(&it, arg);
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -1;
}

int misunderstood_label(sqlite3 *db, long long event_id, const char *intent, const char *example,
                        const char *by, long long now_ms)
{
	char clean[MISUNDERSTOOD_TEXT_MAX + 1];
	misunderstood_anonymise(example, clean, sizeof(clean));
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "UPDATE message_outcomes SET label = ?2, label_example = ?3,"
	                       " labelled_by = ?4, labelled_at = ?5 WHERE event_id = ?1",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, event_id);
	sqlite3_bind_text(st, 2, intent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, clean, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(db) > 0;
}

int misunderstood_export(sqlite3 *db, const char *format, FILE *f)
{
	int tsv = !strcmp(format, "tsv");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "SELECT label, label_example FROM message_outcomes"
	                       " WHERE label IS NOT NULL AND label_example IS NOT NULL"
	                       " ORDER BY label, event_id",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc, n = 0;
	char last[64] = "", clean[MISUNDERSTOOD_TEXT_MAX + 1];
	if (tsv)
		fprintf(f, "# Labelled by staff in Borgerbot's misunderstood queue (anonymised).\n"
		           "# text<TAB>expected intent\n");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);
		misunderstood_anonymise((const char *)sqlite3_column_text(st, 1), clean,
		                        sizeof(clean));
		if (!clean[0])
			continue;
		if (tsv) {
			fprintf(f, "%s\t%s\n", clean, label);
		} else {
			if (strcmp(last, label) != 0) {
				fprintf(f, "%s# %s (labelled by staff, anonymised)\n",
				        n ? "\n" : "", label);
				snprintf(last, sizeof(last), "%s", label);
			}
			fprintf(f, "example: %s\n", clean);
		}
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE && !ferror(f) ? n : -1;
}
