/*
 * content.c - routine answers from content files (see content.h).
 *
 * Data flow: municipality.txt -> a small key/value table (known keys only,
 * so a typo is reported at start-up); waste.csv -> one row per area. The
 * answer functions fill the caller's buffer with Danish text built from
 * those values; nothing is kept between calls.
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
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct waste_area {
	char *area, *residual, *recycling, *bulky;
};

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

/* The columns of waste.csv. */
static const char *const waste_header[] = {"area", "residual", "recycling", "bulky"};

static int waste_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct content *c = arg;
	(void)n;
	for (int i = 0; i < 4; i++)
		if (datafile_field_ok(f[i], 200, waste_header[i], why, whylen) < 0)
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
	a->area = strdup(f[0]);
	a->residual = strdup(f[1]);
	a->recycling = strdup(f[2]);
	a->bulky = strdup(f[3]);
	if (!a->area || !a->residual || !a->recycling || !a->bulky) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

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
	    datafile_read_csv(path, waste_header, 4, waste_row, c, err, errlen) < 0)
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
		free(c->areas[i].residual);
		free(c->areas[i].recycling);
		free(c->areas[i].bulky);
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

int content_waste_answer(const struct content *c, const char *area, char *buf, size_t buflen)
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
		    "I %s henter vi restaffald og madaffald %s, papir, plast og metal %s, "
		    "og storskrald %s. Er dit affald ikke blevet hentet, så skriv din adresse, "
		    "så sender vi besked til skraldebilen.",
		    a->area, a->residual, a->recycling, a->bulky);
		return CONTENT_ANSWERED;
	}
	textbuf_put(
	    &o, "Tømningsdagene afhænger af, hvor du bor. Skriv din adresse (vej og husnummer), "
	        "så finder jeg dine tømningsdage.");
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
	int recycling =
	    contains(text, "genbrug") || contains(text, "lossepl") || contains(text, "storskrald");
	int service = contains(text, "borgerservice") || contains(text, "pas") ||
	              contains(text, "kørekort") || contains(text, "rådhus") ||
	              contains(text, "telefon") || contains(text, "ringe");
	if (recycling && !service)
		return CONTENT_TOPIC_RECYCLING;
	if (service && !recycling)
		return CONTENT_TOPIC_CITIZEN_SERVICE;
	return CONTENT_TOPIC_ALL;
}

static const char *val(const struct content *c, const char *key, const char *fallback)
{
	const char *v = content_get(c, key);
	return v ? v : fallback;
}

int content_opening_hours_answer(const struct content *c, enum content_topic topic, char *buf,
                                 size_t buflen)
{
	struct textbuf o = {buf, buflen, 0};
	if (buflen)
		buf[0] = '\0';
	if (topic != CONTENT_TOPIC_RECYCLING) {
		if (content_get(c, "citizen_service_hours"))
			textbuf_put(&o, "%s (%s) har åbent %s.",
			            val(c, "citizen_service", "Borgerservice"),
			            val(c, "address", ""), content_get(c, "citizen_service_hours"));
		textbuf_put(&o, "%sDu kan ringe på %s%s%s.", o.len ? " " : "", val(c, "phone", ""),
		            content_get(c, "phone_hours") ? " " : "",
		            content_get(c, "phone_hours") ? content_get(c, "phone_hours") : "");
	}
	if (topic != CONTENT_TOPIC_CITIZEN_SERVICE && content_get(c, "recycling_hours"))
		textbuf_put(&o, "%s%s har åbent %s.", o.len ? " " : "",
		            val(c, "recycling_centre", "Genbrugspladsen"),
		            content_get(c, "recycling_hours"));
	if (!o.len)
		textbuf_put(&o, "Du kan ringe til %s på %s.", val(c, "name", "kommunen"),
		            val(c, "phone", ""));
	return CONTENT_ANSWERED;
}
