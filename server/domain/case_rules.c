/*
 * case_rules.c - the case rules from the municipality's data folder (see
 * case.h and docs/cases.md for the formats).
 *
 * Data flow: categories.csv (routing table and texts), not_a_fault.csv
 * (explanations per category, place and time of day) and cases.txt
 * (reference prefix, duplicate distances) are parsed once at start-up into
 * the arrays below; afterwards the rules are read-only and shared by
 * threads.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "case.h"
#include "case_internal.h"
#include "content_data.h"
#include "core/datafile.h"
#include "store/db.h"

struct category_row {
	struct case_category c;
	char *mem[7];
};

struct not_a_fault {
	char *category; /* or "*" */
	char *place;    /* street or area, or "*" */
	int from, to;   /* minutes after local midnight; from == to: all day */
	char *text;
	char *text_en; /* NULL when not given */
};

struct case_rules {
	struct category_row *cats;
	size_t ncats;
	struct not_a_fault *naf;
	size_t nnaf;
	char prefix[8];
	int house_distance;
	int metres;
};

static int code_ok(const char *s)
{
	if (!*s || strlen(s) > 40)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static int category_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct case_rules *r = arg;
	(void)n;
	if (!code_ok(f[0])) {
		snprintf(why, whylen, "category '%.60s' must be lowercase letters, digits and _",
		         f[0]);
		return -1;
	}
	if (case_rules_find(r, f[0])) {
		snprintf(why, whylen, "category '%s' is listed twice", f[0]);
		return -1;
	}
	if (datafile_field_ok(f[1], 60, "department", why, whylen) < 0 ||
	    datafile_field_ok(f[2], 100, "name", why, whylen) < 0 ||
	    datafile_field_ok(f[3], 500, "description", why, whylen) < 0 ||
	    datafile_field_ok(f[5], 200, "subject", why, whylen) < 0 ||
	    datafile_field_ok(f[6], 300, "resolved_text", why, whylen) < 0 ||
	    (f[7][0] && datafile_field_ok(f[7], 200, "subject_en", why, whylen) < 0))
		return -1;
	int pole = !strcasecmp(f[4], "yes") || !strcasecmp(f[4], "ja");
	if (!pole && strcasecmp(f[4], "no") != 0 && strcasecmp(f[4], "nej") != 0) {
		snprintf(why, whylen, "pole_number must be yes or no");
		return -1;
	}
	if (r->ncats >= 200) {
		snprintf(why, whylen, "too many categories");
		return -1;
	}
	struct category_row *v = realloc(r->cats, (r->ncats + 1) * sizeof(*v));
	if (!v) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	r->cats = v;
	struct category_row *c = &v[r->ncats];
	memset(c, 0, sizeof(*c));
	const int idx[7] = {0, 1, 2, 3, 5, 6, 7};
	for (int i = 0; i < 7; i++)
		if (!(c->mem[i] = strdup(f[idx[i]]))) {
			for (int j = 0; j < i; j++)
				free(c->mem[j]);
			snprintf(why, whylen, "out of memory");
			return -1;
		}
	c->c = (struct case_category){
	    c->mem[0], c->mem[1], c->mem[2], c->mem[3],
	    pole,      c->mem[4], c->mem[5], c->mem[6][0] ? c->mem[6] : NULL};
	r->ncats++;
	return 0;
}

static int naf_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct case_rules *r = arg;
	(void)n;
	if (strcmp(f[0], "*") != 0 && !case_rules_find(r, f[0])) {
		snprintf(why, whylen, "unknown category '%.60s' (see categories.csv)", f[0]);
		return -1;
	}
	int from = content_parse_hhmm(f[2]), to = content_parse_hhmm(f[3]);
	if (from < 0 || to < 0) {
		snprintf(why, whylen, "from and to must be times like 01:00");
		return -1;
	}
	if (datafile_field_ok(f[1], 120, "place", why, whylen) < 0 ||
	    datafile_field_ok(f[4], 600, "explanation", why, whylen) < 0 ||
	    (f[5][0] && datafile_field_ok(f[5], 600, "explanation_en", why, whylen) < 0))
		return -1;
	if (r->nnaf >= 10000) {
		snprintf(why, whylen, "too many rules");
		return -1;
	}
	struct not_a_fault *v = realloc(r->naf, (r->nnaf + 1) * sizeof(*v));
	if (!v) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	r->naf = v;
	struct not_a_fault *x = &v[r->nnaf];
	x->category = strdup(f[0]);
	x->place = strdup(f[1]);
	x->text = strdup(f[4]);
	x->text_en = f[5][0] ? strdup(f[5]) : NULL;
	x->from = from;
	x->to = to == 24 * 60 ? 0 : to;
	r->nnaf++;
	if (!x->category || !x->place || !x->text || (f[5][0] && !x->text_en)) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

static int settings_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct case_rules *r = arg;
	(void)n;
	char *end;
	if (!strcmp(f[0], "reference_prefix")) {
		size_t len = strlen(f[1]);
		if (len < 1 || len > 6) {
			snprintf(why, whylen, "reference_prefix must be 1-6 letters");
			return -1;
		}
		for (size_t i = 0; i < len; i++)
			if (!isupper((unsigned char)f[1][i])) {
				snprintf(why, whylen,
				         "reference_prefix must be capital letters A-Z");
				return -1;
			}
		memcpy(r->prefix, f[1], len + 1);
	} else if (!strcmp(f[0], "duplicate_house_distance") || !strcmp(f[0], "duplicate_metres")) {
		long v = strtol(f[1], &end, 10);
		if (!*f[1] || *end || v < 0 || v > 10000) {
			snprintf(why, whylen, "%s must be a number 0-10000", f[0]);
			return -1;
		}
		if (f[0][10] == 'h')
			r->house_distance = (int)v;
		else
			r->metres = (int)v;
	} else {
		snprintf(why, whylen, "unknown setting '%.60s'", f[0]);
		return -1;
	}
	return 0;
}

struct case_rules *case_rules_load(const char *dir, char *err, size_t errlen)
{
	/* the English columns (last) are optional */
	static const char *const cat_header[] = {"category",      "department",  "name",
	                                         "description",   "pole_number", "subject",
	                                         "resolved_text", "subject_en"};
	static const char *const naf_header[] = {"category", "place",       "from",
	                                         "to",       "explanation", "explanation_en"};
	static const struct datafile_format cat_format = {
	    .header = cat_header, .ncols = 8, .min_cols = 7};
	static const struct datafile_format naf_format = {
	    .header = naf_header, .ncols = 6, .min_cols = 5};
	struct case_rules *r = calloc(1, sizeof(*r));
	char path[1024];
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(r->prefix, sizeof(r->prefix), "TM");
	r->house_distance = 10;
	r->metres = 75;
	if (datafile_path(path, sizeof(path), dir, "cases.txt") < 0 ||
	    datafile_read_kv(path, settings_row, r, err, errlen) < 0)
		goto fail;
	if (datafile_path(path, sizeof(path), dir, "categories.csv") < 0 ||
	    datafile_read(path, &cat_format, category_row, r, err, errlen) < 0)
		goto fail;
	if (datafile_path(path, sizeof(path), dir, "not_a_fault.csv") < 0 ||
	    datafile_read(path, &naf_format, naf_row, r, err, errlen) < 0)
		goto fail;
	if (r->ncats == 0) {
		snprintf(err, errlen, "%s/categories.csv: no categories", dir);
		goto fail;
	}
	return r;
fail:
	if (strlen(path) >= sizeof(path) - 1)
		snprintf(err, errlen, "data folder path too long");
	case_rules_free(r);
	return NULL;
}

void case_rules_free(struct case_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ncats; i++)
		for (int j = 0; j < 7; j++)
			free(r->cats[i].mem[j]);
	for (size_t i = 0; i < r->nnaf; i++) {
		free(r->naf[i].category);
		free(r->naf[i].place);
		free(r->naf[i].text);
		free(r->naf[i].text_en);
	}
	free(r->cats);
	free(r->naf);
	free(r);
}

size_t case_rules_count(const struct case_rules *r)
{
	return r->ncats;
}

const struct case_category *case_rules_at(const struct case_rules *r, size_t i)
{
	return i < r->ncats ? &r->cats[i].c : NULL;
}

const struct case_category *case_rules_find(const struct case_rules *r, const char *code)
{
	for (size_t i = 0; code && i < r->ncats; i++)
		if (!strcmp(r->cats[i].c.code, code))
			return &r->cats[i].c;
	return NULL;
}

const char *case_rules_prefix(const struct case_rules *r)
{
	return r->prefix;
}

int case_rules_house_distance(const struct case_rules *r)
{
	return r->house_distance;
}

int case_rules_metres(const struct case_rules *r)
{
	return r->metres;
}

static int in_window(int minute, int from, int to)
{
	if (from == to)
		return 1;
	if (from < to)
		return minute >= from && minute < to;
	return minute >= from || minute < to; /* wraps past midnight: 22:00-06:00 */
}

static int place_matches(const char *place, const char *street, const char *area)
{
	return !strcmp(place, "*") || (street && !strcasecmp(place, street)) ||
	       (area && !strcasecmp(place, area));
}

const char *case_not_a_fault(const struct case_rules *r, const char *category, const char *street,
                             const char *area, const char *lang, long long now_ms)
{
	struct tm tm;
	content_cph_time(now_ms ? now_ms : clock_now_ms(), &tm);
	int minute = tm.tm_hour * 60 + tm.tm_min;
	for (size_t i = 0; category && i < r->nnaf; i++) {
		const struct not_a_fault *x = &r->naf[i];
		if ((!strcmp(x->category, "*") || !strcmp(x->category, category)) &&
		    place_matches(x->place, street, area) && in_window(minute, x->from, x->to))
			return lang && !strcmp(lang, "en") && x->text_en ? x->text_en : x->text;
	}
	return NULL;
}
