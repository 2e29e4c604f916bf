/*
 * street_register.c - reads the one street register (see
 * street_register.h) and hands each row to the engine's register and the
 * winter plan.
 *
 * Data flow: streets.csv -> core/datafile (header, quotes, UTF-8, limits,
 * FILE:LINE) -> one row: street, abbreviation, area -> streets_add(); with a
 * winter class or route also street, area, class, route ->
 * winter_add_street(). The first refusal stops the read with its line.
 */
#include "street_register.h"

#include <stdio.h>

#include "core/datafile.h"

struct street_register_sink {
	struct streets *reg;
	struct winter_plan *plan;
};

static int street_register_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	const struct street_register_sink *s = arg;
	(void)n; /* always 5: the reader checks the count */
	if (s->reg && streets_add(s->reg, f[0], f[1], f[2], why, whylen) < 0)
		return -1;
	if (!s->plan || (!f[3][0] && !f[4][0]))
		return 0; /* not in the winter plan */
	if (!f[3][0]) {
		snprintf(why, whylen, "a street with a route needs a winter_class");
		return -1;
	}
	return winter_add_street(s->plan, f[0], f[2], f[3], f[4], why, whylen);
}

int street_register_read(const char *path, struct streets *reg, struct winter_plan *plan, char *err,
                         size_t errlen)
{
	static const char *const header[] = {"street", "abbreviation", "area", "winter_class",
	                                     "route"};
	const struct datafile_format fmt = {
	    .header = header, .ncols = 5, .max_bytes = STREET_REGISTER_MAX_BYTES};
	struct street_register_sink sink = {reg, plan};
	return datafile_read(path, &fmt, street_register_row, &sink, err, errlen);
}

struct streets *street_register_load(const char *path, struct winter_plan *plan, char *err,
                                     size_t errlen)
{
	struct streets *reg = streets_new();
	if (!reg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (street_register_read(path, reg, plan, err, errlen) < 0) {
		streets_free(reg);
		return NULL;
	}
	return reg;
}
