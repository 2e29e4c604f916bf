/*
 * winter.c - the winter service plan, gritting runs and the bot's answers
 * about them (see winter.h; formats in docs/cases.md).
 *
 * Data flow: winter_classes.csv -> classes; winter.txt -> the pavement rule
 * and the paths text; then the street register (municipality/streets.csv,
 * read once by street_register.c) adds each street with a winter class
 * through winter_add_street() (area, class and route; areas and routes are
 * collected from the streets). winter_answer() looks
 * the street (or the area's streets) up, asks gritting_runs for the newest
 * run of the street's route or class that ended in the last 24 hours, and
 * writes Danish sentences into the caller's buffer.
 */
#include "winter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content_data.h"
#include "core/clock.h"
#include "core/datafile.h"
#include "core/textbuf.h"
#include "store/db.h"

#define DAY_MS (24LL * 3600 * 1000)

struct wclass {
	char *code, *name, *promise;
	char *name_en, *promise_en; /* NULL when winter_classes.csv has no English */
};

struct wstreet {
	char *name, *area, *route;
	size_t cls;
};

struct winter_plan {
	struct wclass *classes;
	size_t nclasses;
	struct wstreet *streets;
	size_t nstreets;
	char *pavement_rule, *paths;
	char *pavement_rule_en, *paths_en; /* optional English twins */
	char *department;                  /* who runs the winter service (optional) */
};

/* ---- loading ------------------------------------------------------------ */

static long find_class(const struct winter_plan *w, const char *code)
{
	for (size_t i = 0; code && i < w->nclasses; i++)
		if (!strcasecmp(w->classes[i].code, code))
			return (long)i;
	return -1;
}

static long find_street(const struct winter_plan *w, const char *name)
{
	for (size_t i = 0; name && i < w->nstreets; i++)
		if (!strcasecmp(w->streets[i].name, name))
			return (long)i;
	return -1;
}

static int class_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct winter_plan *w = arg;
	(void)n;
	if (datafile_field_ok(f[0], 8, "class", why, whylen) < 0 ||
	    datafile_field_ok(f[1], 100, "name", why, whylen) < 0 ||
	    datafile_field_ok(f[2], 400, "promise", why, whylen) < 0 ||
	    (f[3][0] && datafile_field_ok(f[3], 100, "name_en", why, whylen) < 0) ||
	    (f[4][0] && datafile_field_ok(f[4], 400, "promise_en", why, whylen) < 0))
		return -1;
	if (find_class(w, f[0]) >= 0) {
		snprintf(why, whylen, "class '%s' is listed twice", f[0]);
		return -1;
	}
	if (w->nclasses >= 50) {
		snprintf(why, whylen, "too many classes (max 50)");
		return -1;
	}
	struct wclass *v = realloc(w->classes, (w->nclasses + 1) * sizeof(*v));
	if (!v)
		goto oom;
	w->classes = v;
	struct wclass *c = &v[w->nclasses];
	c->code = strdup(f[0]);
	c->name = strdup(f[1]);
	c->promise = strdup(f[2]);
	c->name_en = f[3][0] ? strdup(f[3]) : NULL;
	c->promise_en = f[4][0] ? strdup(f[4]) : NULL;
	w->nclasses++;
	if (c->code && c->name && c->promise && (!f[3][0] || c->name_en) &&
	    (!f[4][0] || c->promise_en))
		return 0;
oom:
	snprintf(why, whylen, "out of memory");
	return -1;
}

int winter_add_street(struct winter_plan *w, const char *street, const char *area,
                      const char *class_code, const char *route, char *why, size_t whylen)
{
	if (datafile_field_ok(street, 100, "street", why, whylen) < 0 ||
	    datafile_field_ok(area, 60, "area", why, whylen) < 0 ||
	    datafile_field_ok(route, 60, "route", why, whylen) < 0)
		return -1;
	long cls = find_class(w, class_code);
	if (cls < 0) {
		snprintf(why, whylen, "unknown winter_class '%.20s' (see winter_classes.csv)",
		         class_code);
		return -1;
	}
	if (find_street(w, street) >= 0) {
		snprintf(why, whylen, "street '%s' is listed twice", street);
		return -1;
	}
	if (w->nstreets >= 100000) {
		snprintf(why, whylen, "too many streets");
		return -1;
	}
	struct wstreet *v = realloc(w->streets, (w->nstreets + 1) * sizeof(*v));
	if (!v)
		goto oom;
	w->streets = v;
	struct wstreet *s = &v[w->nstreets];
	s->name = strdup(street);
	s->area = strdup(area);
	s->route = strdup(route);
	s->cls = (size_t)cls;
	w->nstreets++;
	if (s->name && s->area && s->route)
		return 0;
oom:
	snprintf(why, whylen, "out of memory");
	return -1;
}

static int text_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	struct winter_plan *w = arg;
	(void)n;
	char **dst = !strcmp(f[0], "pavement_rule")      ? &w->pavement_rule
	             : !strcmp(f[0], "paths")            ? &w->paths
	             : !strcmp(f[0], "pavement_rule_en") ? &w->pavement_rule_en
	             : !strcmp(f[0], "paths_en")         ? &w->paths_en
	             : !strcmp(f[0], "department")       ? &w->department
	                                                 : NULL;
	if (!dst) {
		snprintf(
		    why, whylen,
		    "unknown setting '%.60s' (pavement_rule, paths, their _en twins, department)",
		    f[0]);
		return -1;
	}
	if (datafile_field_ok(f[1], 600, f[0], why, whylen) < 0)
		return -1;
	free(*dst);
	if (!(*dst = strdup(f[1]))) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

struct winter_plan *winter_load(const char *dir, char *err, size_t errlen)
{
	static const char *const class_header[] = {"class", "name", "promise", "name_en",
	                                           "promise_en"};
	static const struct datafile_format class_format = {
	    .header = class_header, .ncols = 5, .min_cols = 3};
	struct winter_plan *w = calloc(1, sizeof(*w));
	char path[1024];
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (datafile_path(path, sizeof(path), dir, "winter_classes.csv") < 0 ||
	    datafile_read(path, &class_format, class_row, w, err, errlen) < 0 ||
	    datafile_path(path, sizeof(path), dir, "winter.txt") < 0 ||
	    datafile_read_kv(path, text_row, w, err, errlen) < 0)
		goto fail;
	if (!w->pavement_rule || !w->paths) {
		snprintf(err, errlen, "%s: pavement_rule and paths are required", path);
		goto fail;
	}
	if (!w->nclasses) {
		snprintf(err, errlen, "%s/winter_classes.csv: no classes", dir);
		goto fail;
	}
	return w;
fail:
	winter_free(w);
	return NULL;
}

void winter_free(struct winter_plan *w)
{
	if (!w)
		return;
	free(w->department);
	free(w->pavement_rule_en);
	free(w->paths_en);
	for (size_t i = 0; i < w->nclasses; i++) {
		free(w->classes[i].code);
		free(w->classes[i].name);
		free(w->classes[i].promise);
		free(w->classes[i].name_en);
		free(w->classes[i].promise_en);
	}
	for (size_t i = 0; i < w->nstreets; i++) {
		free(w->streets[i].name);
		free(w->streets[i].area);
		free(w->streets[i].route);
	}
	free(w->classes);
	free(w->streets);
	free(w->pavement_rule);
	free(w->paths);
	free(w);
}

/* ---- lookups ------------------------------------------------------------ */

const char *winter_street(const struct winter_plan *w, const char *street)
{
	long i = find_street(w, street);
	return i < 0 ? NULL : w->streets[i].name;
}

const char *winter_street_area(const struct winter_plan *w, const char *street)
{
	long i = find_street(w, street);
	return i < 0 ? NULL : w->streets[i].area;
}

const char *winter_area(const struct winter_plan *w, const char *area)
{
	for (size_t i = 0; area && i < w->nstreets; i++)
		if (!strcasecmp(w->streets[i].area, area))
			return w->streets[i].area;
	return NULL;
}

const char *winter_class(const struct winter_plan *w, const char *class_code)
{
	long i = find_class(w, class_code);
	return i < 0 ? NULL : w->classes[i].code;
}

const char *winter_route(const struct winter_plan *w, const char *route)
{
	for (size_t i = 0; route && i < w->nstreets; i++)
		if (!strcasecmp(w->streets[i].route, route))
			return w->streets[i].route;
	return NULL;
}

const char *winter_department(const struct winter_plan *w)
{
	return w->department ? w->department : "";
}

void winter_each_class(const struct winter_plan *w, winter_name_fn fn, void *arg)
{
	for (size_t i = 0; i < w->nclasses; i++)
		fn(arg, w->classes[i].code, w->classes[i].name);
}

void winter_each_route(const struct winter_plan *w, winter_name_fn fn, void *arg)
{
	for (size_t i = 0; i < w->nstreets; i++) {
		const char *r = w->streets[i].route;
		size_t j = 0;
		while (j < i && strcasecmp(w->streets[j].route, r) != 0)
			j++;
		if (j == i)
			fn(arg, r, w->streets[i].area);
	}
}

/* ---- answers ------------------------------------------------------------ */

/* End of the newest run covering route or class in the last day, or 0 (-1 on error). */
static long long last_run(sqlite3 *db, const char *route, const char *cls, long long now)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT MAX(ended_at) FROM gritting_runs WHERE ended_at >= ?1"
	                  " AND started_at <= ?2 AND (route = ?3 COLLATE NOCASE"
	                  " OR class = ?4 COLLATE NOCASE)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now - DAY_MS);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, route, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, cls, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	long long v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}

/* The texts of an answer in one language (en: English, with the Danish
 * data texts where no English twin is given). */
struct wtexts {
	int en;
	const struct winter_plan *w;
};

static const char *class_name(const struct wtexts *t, size_t cls)
{
	const struct wclass *c = &t->w->classes[cls];
	return t->en && c->name_en ? c->name_en : c->name;
}

static const char *class_promise(const struct wtexts *t, size_t cls)
{
	const struct wclass *c = &t->w->classes[cls];
	return t->en && c->promise_en ? c->promise_en : c->promise;
}

static const char *pavement_rule(const struct wtexts *t)
{
	return t->en && t->w->pavement_rule_en ? t->w->pavement_rule_en : t->w->pavement_rule;
}

static const char *paths(const struct wtexts *t)
{
	return t->en && t->w->paths_en ? t->w->paths_en : t->w->paths;
}

/* "i dag kl. 05.40" / "i går kl. 23.10" ("today at 05:40") in Copenhagen time. */
static void when_text(const struct wtexts *t, long long at, long long now, char *buf, size_t size)
{
	struct tm a, n;
	content_cph_time(at, &a);
	content_cph_time(now, &n);
	int today = a.tm_yday == n.tm_yday && a.tm_year == n.tm_year;
	if (t->en)
		snprintf(buf, size, "%s at %02d:%02d", today ? "today" : "yesterday", a.tm_hour,
		         a.tm_min);
	else
		snprintf(buf, size, "%s kl. %02d.%02d", today ? "i dag" : "i går", a.tm_hour,
		         a.tm_min);
}

static int answer_street(const struct wtexts *t, sqlite3 *db, const struct wstreet *s,
                         long long now, struct textbuf *o)
{
	const struct wclass *c = &t->w->classes[s->cls];
	textbuf_put(o,
	            t->en ? "%s is in class %s of our winter plan (%s): %s."
	                  : "%s er i klasse %s i vores vinterplan (%s): %s.",
	            s->name, c->code, class_name(t, s->cls), class_promise(t, s->cls));
	long long at = last_run(db, s->route, c->code, now);
	if (at < 0)
		return -1;
	if (at > 0) {
		char when[40];
		when_text(t, at, now, when, sizeof(when));
		textbuf_put(
		    o, t->en ? " The road was last gritted %s." : " Vejen blev senest saltet %s.",
		    when);
	}
	textbuf_put(o, " %s", pavement_rule(t));
	return WINTER_STREET;
}

/* "Rosenvej, Tulipanvej og Liljevej" for the area's streets in class cls. */
static int list_class_streets(const struct wtexts *t, const char *area, size_t cls,
                              struct textbuf *o)
{
	const struct winter_plan *w = t->w;
	int total = 0, done = 0;
	for (size_t i = 0; i < w->nstreets; i++)
		total += !strcasecmp(w->streets[i].area, area) && w->streets[i].cls == cls;
	for (size_t i = 0; i < w->nstreets; i++) {
		if (strcasecmp(w->streets[i].area, area) != 0 || w->streets[i].cls != cls)
			continue;
		textbuf_put(o, "%s%s",
		            done == 0           ? ""
		            : done == total - 1 ? (t->en ? " and " : " og ")
		                                : ", ",
		            w->streets[i].name);
		done++;
	}
	return total;
}

static int answer_area(const struct wtexts *t, sqlite3 *db, const char *area, long long now,
                       struct textbuf *o)
{
	const struct winter_plan *w = t->w;
	textbuf_put(o,
	            t->en ? "This is how %s is covered by our winter plan:"
	                  : "Sådan er %s med i vores vinterplan:",
	            area);
	long long newest = 0;
	for (size_t c = 0; c < w->nclasses; c++) {
		size_t mark = o->len;
		textbuf_put(o, "\n• ");
		if (list_class_streets(t, area, c, o) == 0) {
			o->len = mark;
			o->buf[mark] = '\0';
			continue;
		}
		textbuf_put(o, t->en ? ": class %s (%s) – %s." : ": klasse %s (%s) – %s.",
		            w->classes[c].code, class_name(t, c), class_promise(t, c));
	}
	for (size_t i = 0; i < w->nstreets; i++) {
		if (strcasecmp(w->streets[i].area, area) != 0)
			continue;
		long long at =
		    last_run(db, w->streets[i].route, w->classes[w->streets[i].cls].code, now);
		if (at < 0)
			return -1;
		if (at > newest)
			newest = at;
	}
	if (newest > 0) {
		char when[40];
		when_text(t, newest, now, when, sizeof(when));
		textbuf_put(o,
		            t->en ? "\nThe area was last gritted %s."
		                  : "\nDer blev senest saltet i området %s.",
		            when);
	}
	textbuf_put(o, "\n%s %s", paths(t), pavement_rule(t));
	return WINTER_AREA;
}

static int answer_general(const struct wtexts *t, struct textbuf *o)
{
	const struct winter_plan *w = t->w;
	textbuf_put(o,
	            t->en ? "Our winter plan puts the roads in %zu classes:"
	                  : "Vores vinterplan deler vejene i %zu klasser:",
	            w->nclasses);
	for (size_t c = 0; c < w->nclasses; c++)
		textbuf_put(o, t->en ? "\n• Class %s (%s): %s." : "\n• Klasse %s (%s): %s.",
		            w->classes[c].code, class_name(t, c), class_promise(t, c));
	textbuf_put(o,
	            t->en ? "\n%s Write the name of your street, and I can tell you what applies "
	                    "there."
	                  : "\n%s Skriv navnet på din vej, så kan jeg fortælle, hvad der gælder "
	                    "netop der.",
	            pavement_rule(t));
	return WINTER_GENERAL;
}

int winter_answer(const struct winter_plan *w, sqlite3 *db, const char *street, const char *area,
                  const char *lang, long long now_ms, char *buf, size_t buflen)
{
	struct textbuf o = {buf, buflen, 0};
	const struct wtexts t = {lang && !strcmp(lang, "en"), w};
	long long now = now_ms ? now_ms : clock_now_ms();
	if (buflen)
		buf[0] = '\0';
	if (street && *street) {
		long i = find_street(w, street);
		return i < 0 ? WINTER_NOT_IN_PLAN : answer_street(&t, db, &w->streets[i], now, &o);
	}
	if (area && *area) {
		const char *a = winter_area(w, area);
		return a ? answer_area(&t, db, a, now, &o) : WINTER_NOT_IN_PLAN;
	}
	return answer_general(&t, &o);
}

/* ---- gritting runs ------------------------------------------------------ */

long long winter_record_run(const struct winter_plan *w, sqlite3 *db, const char *route,
                            const char *class_code, long long started_ms, long long ended_ms,
                            const char *recorded_by, int *bad, char *err, size_t errlen)
{
	*bad = 1;
	int has_route = route && *route, has_class = class_code && *class_code;
	const char *r = has_route ? winter_route(w, route) : NULL;
	const char *c = has_class ? winter_class(w, class_code) : NULL;
	long long now = clock_now_ms();
	if (has_route == has_class)
		snprintf(err, errlen, "give either route or class");
	else if (has_route && !r)
		snprintf(err, errlen, "route '%.60s' is not in the winter plan", route);
	else if (has_class && !c)
		snprintf(err, errlen, "class '%.20s' is not in the winter plan", class_code);
	else if (ended_ms < started_ms)
		snprintf(err, errlen, "ended_at is before started_at");
	else if (ended_ms - started_ms > DAY_MS)
		snprintf(err, errlen, "a run cannot be longer than 24 hours");
	else if (ended_ms > now + 5LL * 60 * 1000)
		snprintf(err, errlen, "ended_at is in the future");
	else
		*bad = 0;
	if (*bad)
		return -1;
	sqlite3_stmt *st;
	const char *sql = "INSERT INTO gritting_runs (route, class, started_at, ended_at,"
	                  " recorded_at, recorded_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (r)
		sqlite3_bind_text(st, 1, r, -1, SQLITE_TRANSIENT);
	if (c)
		sqlite3_bind_text(st, 2, c, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, started_ms);
	sqlite3_bind_int64(st, 4, ended_ms);
	sqlite3_bind_int64(st, 5, now);
	if (recorded_by)
		sqlite3_bind_text(st, 6, recorded_by, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_last_insert_rowid(db);
}
