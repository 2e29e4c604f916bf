/*
 * content.c - routine answers from content files (see content.h).
 *
 * Data flow: municipality.txt -> a small key/value table (known keys only,
 * so a typo is reported at start-up); waste.csv -> one row per area. The
 * answer functions fill the caller's buffer with Danish text built from
 * those values; nothing is kept between calls.
 *
 * English: each answer has an English frame, and a text value has an
 * optional English twin (municipality.txt "phone_hours_en", waste.csv
 * "residual_en" ...). A twin left out falls back to the Danish value, so an
 * English answer may carry Danish words until staff add them.
 */
#include "content.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content_data.h"
#include "core/datafile.h"
#include "core/textbuf.h"

static const char *const keys[] = {
    "name",
    "phone",
    "email",
    "address",
    "web",
    "citizen_service",
    "citizen_service_hours",
    "phone_hours",
    "recycling_centre",
    "recycling_hours",
    "jurisdiction_id",
    /* English twins of the texts above (optional) */
    "citizen_service_en",
    "citizen_service_hours_en",
    "phone_hours_en",
    "recycling_centre_en",
    "recycling_hours_en",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

#define WASTE_TEXTS 3 /* residual, recycling, bulky */

struct waste_area {
	char *area;
	char *text[2][WASTE_TEXTS]; /* [0] Danish, [1] English (NULL when not given) */
};

static int is_en(const char *lang)
{
	return lang && !strcmp(lang, "en");
}

struct content {
	char *values[NKEYS];
	struct waste_area *areas;
	size_t nareas;
};

static int kv_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct content *c = arg;
	(void)n;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(f[0], keys[i]) != 0)
			continue;
		if (datafile_field_ok(f[1], 400, f[0], why, whylen) < 0)
			return -1;
		free(c->values[i]);
		if (!(c->values[i] = strdup(f[1]))) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		return 0;
	}
	snprintf(why, whylen, "unknown setting '%.60s'", f[0]);
	return -1;
}

/* The columns of waste.csv; the English ones are optional. */
static const char *const waste_header[] = {"area",        "residual",     "recycling", "bulky",
                                           "residual_en", "recycling_en", "bulky_en"};

static int waste_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct content *c = arg;
	for (int i = 0; i < n; i++)
		if ((i < 4 || f[i][0]) &&
		    datafile_field_ok(f[i], 200, waste_header[i], why, whylen) < 0)
			return -1;
	for (size_t i = 0; i < c->nareas; i++)
		if (!strcasecmp(c->areas[i].area, f[0])) {
			snprintf(why, whylen, "area '%s' is listed twice", f[0]);
			return -1;
		}
	if (c->nareas >= 1000) {
		snprintf(why, whylen, "too many areas");
		return -1;
	}
	struct waste_area *v = realloc(c->areas, (c->nareas + 1) * sizeof(*v));
	if (!v) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	c->areas = v;
	struct waste_area *a = &v[c->nareas++];
	memset(a, 0, sizeof(*a));
	int ok = (a->area = strdup(f[0])) != NULL;
	for (int i = 0; i < WASTE_TEXTS; i++) {
		ok = ok && (a->text[0][i] = strdup(f[1 + i])) != NULL;
		ok = ok && (!f[4 + i][0] || (a->text[1][i] = strdup(f[4 + i])) != NULL);
	}
	if (!ok) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

static const struct datafile_format waste_format = {
    .header = waste_header, .ncols = 7, .min_cols = 4};

struct content *content_load(const char *dir, char *err, size_t errlen)
{
	struct content *c = calloc(1, sizeof(*c));
	char path[1024];
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (datafile_path(path, sizeof(path), dir, "municipality.txt") < 0 ||
	    datafile_read_kv(path, kv_row, c, err, errlen) < 0)
		goto fail;
	for (size_t i = 0; i < 4; i++) /* name, phone, email, address are required */
		if (!c->values[i]) {
			snprintf(err, errlen, "%s: '%s' is required", path, keys[i]);
			goto fail;
		}
	if (datafile_path(path, sizeof(path), dir, "waste.csv") < 0 ||
	    datafile_read(path, &waste_format, waste_row, c, err, errlen) < 0)
		goto fail;
	return c;
fail:
	content_free(c);
	return NULL;
}

void content_free(struct content *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		free(c->values[i]);
	for (size_t i = 0; i < c->nareas; i++) {
		free(c->areas[i].area);
		for (int l = 0; l < 2; l++)
			for (int t = 0; t < WASTE_TEXTS; t++)
				free(c->areas[i].text[l][t]);
	}
	free(c->areas);
	free(c);
}

const char *content_get(const struct content *c, const char *key)
{
	for (size_t i = 0; key && i < NKEYS; i++)
		if (!strcmp(keys[i], key))
			return c->values[i];
	return NULL;
}

/* An area's text t in the language (the Danish one when no English is given). */
static const char *waste_text(const struct waste_area *a, int t, const char *lang)
{
	return is_en(lang) && a->text[1][t] ? a->text[1][t] : a->text[0][t];
}

int content_waste_answer(const struct content *c, const char *area, const char *lang, char *buf,
                         size_t buflen)
{
	struct textbuf o = {buf, buflen, 0};
	if (buflen)
		buf[0] = '\0';
	for (size_t i = 0; area && i < c->nareas; i++) {
		const struct waste_area *a = &c->areas[i];
		if (strcasecmp(a->area, area) != 0)
			continue;
		textbuf_put(
		    &o,
		    is_en(lang)
		        ? "In %s we collect residual and food waste %s, paper, plastic and "
		          "metal %s, and bulky waste %s. If your waste was not collected, "
		          "write your address and we will tell the collection crew."
		        : "I %s henter vi restaffald og madaffald %s, papir, plast og metal "
		          "%s, og storskrald %s. Er dit affald ikke blevet hentet, så skriv "
		          "din adresse, så sender vi besked til skraldebilen.",
		    a->area, waste_text(a, 0, lang), waste_text(a, 1, lang),
		    waste_text(a, 2, lang));
		return CONTENT_ANSWERED;
	}
	textbuf_put(&o, is_en(lang) ? "Collection days depend on where you live. Write your "
	                              "address (street and house number), and I will find "
	                              "your collection days."
	                            : "Tømningsdagene afhænger af, hvor du bor. Skriv din adresse "
	                              "(vej og husnummer), så finder jeg dine tømningsdage.");
	return CONTENT_NEED_AREA;
}

/* Case-insensitive (ASCII) substring search. */
static int contains(const char *text, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = text; p && *p; p++)
		if (!strncasecmp(p, word, n))
			return 1;
	return 0;
}

enum content_topic content_topic_of(const char *text)
{
	if (!text)
		return CONTENT_TOPIC_ALL;
	int recycling = contains(text, "genbrug") || contains(text, "lossepl") ||
	                contains(text, "storskrald") || contains(text, "recycling") ||
	                contains(text, "dump");
	int service = contains(text, "borgerservice") || contains(text, "pas") ||
	              contains(text, "kørekort") || contains(text, "rådhus") ||
	              contains(text, "telefon") || contains(text, "ringe") ||
	              contains(text, "citizen service") || contains(text, "town hall") ||
	              contains(text, "phone") || contains(text, "call");
	if (recycling && !service)
		return CONTENT_TOPIC_RECYCLING;
	if (service && !recycling)
		return CONTENT_TOPIC_CITIZEN_SERVICE;
	return CONTENT_TOPIC_ALL;
}

/* The value of key in the language (key_en first for English), or NULL. */
static const char *get(const struct content *c, const char *key, const char *lang)
{
	char twin[64];
	const char *v = NULL;
	if (is_en(lang) && (size_t)snprintf(twin, sizeof(twin), "%s_en", key) < sizeof(twin))
		v = content_get(c, twin);
	return v ? v : content_get(c, key);
}

static const char *val(const struct content *c, const char *key, const char *lang,
                       const char *fallback)
{
	const char *v = get(c, key, lang);
	return v ? v : fallback;
}

int content_opening_hours_answer(const struct content *c, enum content_topic topic,
                                 const char *lang, char *buf, size_t buflen)
{
	struct textbuf o = {buf, buflen, 0};
	int en = is_en(lang);
	const char *open = en ? "%s (%s) is open %s." : "%s (%s) har åbent %s.";
	if (buflen)
		buf[0] = '\0';
	if (topic != CONTENT_TOPIC_RECYCLING) {
		const char *hours = get(c, "citizen_service_hours", lang);
		const char *phone_hours = get(c, "phone_hours", lang);
		if (hours)
			textbuf_put(&o, open,
			            val(c, "citizen_service", lang,
			                en ? "Citizen service" : "Borgerservice"),
			            val(c, "address", lang, ""), hours);
		textbuf_put(&o, en ? "%sYou can call %s%s%s." : "%sDu kan ringe på %s%s%s.",
		            o.len ? " " : "", val(c, "phone", lang, ""), phone_hours ? " " : "",
		            phone_hours ? phone_hours : "");
	}
	const char *recycling = get(c, "recycling_hours", lang);
	if (topic != CONTENT_TOPIC_CITIZEN_SERVICE && recycling)
		textbuf_put(&o, en ? "%s%s is open %s." : "%s%s har åbent %s.", o.len ? " " : "",
		            val(c, "recycling_centre", lang,
		                en ? "The recycling centre" : "Genbrugspladsen"),
		            recycling);
	if (!o.len)
		textbuf_put(&o, en ? "You can call %s on %s." : "Du kan ringe til %s på %s.",
		            val(c, "name", lang, en ? "the municipality" : "kommunen"),
		            val(c, "phone", lang, ""));
	return CONTENT_ANSWERED;
}
