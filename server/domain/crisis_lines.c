/*
 * crisis_lines.c - reads crisis_lines.csv (see crisis_lines.h) with the one
 * data-file reader and puts the advice for a crisis kind together.
 */
#include "crisis_lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/datafile.h"

#define TEXT_MAX 400 /* bytes per sentence */

static const char *const kinds[] = {"any", "self_harm", "violence", "emergency"};
static const char *const langs[] = {"da", "en"};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

struct crisis_lines {
	char *text[NKINDS][NLANGS];
};

static int index_of(const char *const *list, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (v && !strcmp(list[i], v))
			return (int)i;
	return -1;
}

static const char *const header[] = {"kind", "language", "text", "source"};

static int row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct crisis_lines *cl = arg;
	(void)n;
	int k = index_of(kinds, NKINDS, f[0]), l = index_of(langs, NLANGS, f[1]);
	if (k < 0) {
		snprintf(why, whylen, "unknown kind '%.40s' (any, self_harm, violence, emergency)",
		         f[0]);
		return -1;
	}
	if (l < 0) {
		snprintf(why, whylen, "unknown language '%.40s' (da, en)", f[1]);
		return -1;
	}
	if (datafile_field_ok(f[2], TEXT_MAX, "text", why, whylen) < 0)
		return -1;
	if (cl->text[k][l]) {
		snprintf(why, whylen, "%s/%s is listed twice", f[0], f[1]);
		return -1;
	}
	if (!(cl->text[k][l] = strdup(f[2]))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

struct crisis_lines *crisis_lines_load(const char *dir, char *err, size_t errlen)
{
	struct crisis_lines *cl = calloc(1, sizeof(*cl));
	char path[1024];
	if (!cl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (datafile_path(path, sizeof(path), dir, "crisis_lines.csv") < 0 ||
	    datafile_read_csv(path, header, 4, row, cl, err, errlen) < 0)
		goto fail;
	if (!cl->text[0][0] || !cl->text[1][0]) {
		snprintf(err, errlen, "%s: the rows any,da and self_harm,da are required", path);
		goto fail;
	}
	return cl;
fail:
	crisis_lines_free(cl);
	return NULL;
}

void crisis_lines_free(struct crisis_lines *cl)
{
	if (!cl)
		return;
	for (size_t k = 0; k < NKINDS; k++)
		for (size_t l = 0; l < NLANGS; l++)
			free(cl->text[k][l]);
	free(cl);
}

static const char *line(const struct crisis_lines *cl, int k, int l)
{
	return cl->text[k][l] ? cl->text[k][l] : cl->text[k][0];
}

void crisis_lines_text(const struct crisis_lines *cl, const char *kind, const char *lang, char *buf,
                       size_t size)
{
	int k = index_of(kinds, NKINDS, kind), l = index_of(langs, NLANGS, lang);
	if (k <= 0 || !cl->text[k][0])
		k = 1; /* self_harm: the default, always present */
	if (l < 0)
		l = 0;
	snprintf(buf, size, "%s %s", line(cl, 0, l), line(cl, k, l));
}
