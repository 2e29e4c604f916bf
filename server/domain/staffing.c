/*
 * staffing.c - staffed hours, holidays and SLA targets (see staffing.h).
 *
 * The files become three small arrays; staffing_next_open() walks forward
 * day by day in Copenhagen local time (at most 21 days), skipping closed
 * days, and takes the first interval that is open now or opens later. Local
 * times become UTC through content_parse_iso8601(), the one conversion of
 * Copenhagen time, so summer time is handled in one place.
 */
#include "staffing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "content_data.h"
#include "core/datafile.h"

#define DAY_MS (24LL * 3600 * 1000)
#define LOOKAHEAD_DAYS 21

struct department {
	char name[64];
	long long first_ms, resolve_ms;
	int is_default;
};

struct hours {
	char department[64];
	unsigned days;     /* bit 0 Monday .. bit 6 Sunday */
	int opens, closes; /* minutes after local midnight */
};

struct closed_day {
	int year; /* 0: every year */
	int month, day;
};

struct staffing {
	struct department *deps;
	size_t ndeps;
	struct hours *hours;
	size_t nhours;
	struct closed_day *closed;
	size_t nclosed;
};

/* ---- loading ---------------------------------------------------------------- */

static void *grow(void *arr, size_t n, size_t elem)
{
	return realloc(arr, (n + 1) * elem);
}

static int copy_name(char *dst, size_t size, const char *src, const char *what, char *why,
                     size_t whylen)
{
	if (datafile_field_ok(src, size - 1, what, why, whylen) < 0)
		return -1;
	snprintf(dst, size, "%s", src);
	return 0;
}

static int parse_count(const char *s, long long max, long long *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int department_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	(void)n;
	struct staffing *s = arg;
	struct department d = {0};
	long long first, resolve;
	if (copy_name(d.name, sizeof(d.name), f[0], "department", why, whylen) < 0)
		return -1;
	if (parse_count(f[1], 7LL * 24 * 60, &first) < 0 ||
	    parse_count(f[2], 90LL * 24, &resolve) < 0) {
		snprintf(why, whylen,
		         "first_response_minutes and resolution_hours must be whole numbers "
		         "(0 = no target)");
		return -1;
	}
	if (strcasecmp(f[3], "yes") != 0 && strcasecmp(f[3], "no") != 0 && f[3][0]) {
		snprintf(why, whylen, "chat_default must be yes, no or empty");
		return -1;
	}
	d.first_ms = first * 60 * 1000;
	d.resolve_ms = resolve * 3600 * 1000;
	d.is_default = !strcasecmp(f[3], "yes");
	for (size_t i = 0; i < s->ndeps; i++) {
		if (!strcmp(s->deps[i].name, d.name)) {
			snprintf(why, whylen, "department '%s' is listed twice", d.name);
			return -1;
		}
		if (d.is_default && s->deps[i].is_default) {
			snprintf(why, whylen, "only one department can be chat_default");
			return -1;
		}
	}
	struct department *deps = grow(s->deps, s->ndeps, sizeof(*deps));
	if (!deps) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	s->deps = deps;
	s->deps[s->ndeps++] = d;
	return 0;
}

/* "man", "tirsdag", "lør"/"lor" ... -> 0..6 (Monday first), or -1. */
static int weekday_of(const char *s, size_t len)
{
	static const char *const names[7][2] = {{"man", "man"}, {"tir", "tir"}, {"ons", "ons"},
	                                        {"tor", "tor"}, {"fre", "fre"}, {"lør", "lor"},
	                                        {"søn", "son"}};
	for (int d = 0; d < 7; d++)
		for (int k = 0; k < 2; k++) {
			size_t n = strlen(names[d][k]);
			if (len >= n && !strncasecmp(s, names[d][k], n))
				return d;
		}
	return -1;
}

/* "man-fre", "lør,søn", "man-tor,lør" -> a day mask, or 0 if malformed. */
static unsigned parse_days(const char *s)
{
	unsigned mask = 0;
	while (*s) {
		size_t len = strcspn(s, ",-");
		int a = weekday_of(s, len), b = a;
		s += len;
		if (*s == '-') {
			size_t len2 = strcspn(s + 1, ",");
			b = weekday_of(s + 1, len2);
			s += 1 + len2;
		}
		if (a < 0 || b < 0 || b < a)
			return 0;
		for (int d = a; d <= b; d++)
			mask |= 1U << d;
		if (*s == ',')
			s++;
	}
	return mask;
}

static int hours_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	(void)n;
	struct staffing *s = arg;
	struct hours h = {0};
	if (copy_name(h.department, sizeof(h.department), f[0], "department", why, whylen) < 0)
		return -1;
	h.days = parse_days(f[1]);
	h.opens = content_parse_hhmm(f[2]);
	h.closes = content_parse_hhmm(f[3]);
	if (!h.days) {
		snprintf(why, whylen, "days must be like man-fre, lør,søn or tor");
		return -1;
	}
	if (h.opens < 0 || h.closes < 0 || h.closes <= h.opens) {
		snprintf(why, whylen, "opens and closes must be HH:MM, opens before closes");
		return -1;
	}
	struct hours *arr = grow(s->hours, s->nhours, sizeof(*arr));
	if (!arr) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	s->hours = arr;
	s->hours[s->nhours++] = h;
	return 0;
}

static int closed_row(void *arg, char **f, int n, char *why, size_t whylen)
{
	(void)n;
	struct staffing *s = arg;
	struct closed_day c = {0};
	char extra;
	int ok = strlen(f[0]) == 10
	             ? sscanf(f[0], "%4d-%2d-%2d%c", &c.year, &c.month, &c.day, &extra) == 3
	         : strlen(f[0]) == 5 ? sscanf(f[0], "%2d-%2d%c", &c.month, &c.day, &extra) == 2
	                             : 0;
	if (!ok || c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31 ||
	    (c.year && (c.year < 2000 || c.year > 2200))) {
		snprintf(why, whylen, "date must be YYYY-MM-DD (once) or MM-DD (every year)");
		return -1;
	}
	struct closed_day *arr = grow(s->closed, s->nclosed, sizeof(*arr));
	if (!arr) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	s->closed = arr;
	s->closed[s->nclosed++] = c;
	return 0;
}

/* Reads dir/name if it exists (a missing file is fine). */
static int read_optional(const char *dir, const char *name, const char *const *header, int ncols,
                         datafile_row_fn fn, void *arg, char *err, size_t errlen)
{
	char path[1024];
	if (datafile_path(path, sizeof(path), dir, name) < 0) {
		snprintf(err, errlen, "%s: path too long", name);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	fclose(f);
	return datafile_read_csv(path, header, ncols, fn, arg, err, errlen) < 0 ? -1 : 0;
}

struct staffing *staffing_load(const char *dir, char *err, size_t errlen)
{
	static const char *const dep_header[] = {"department", "first_response_minutes",
	                                         "resolution_hours", "chat_default"};
	static const char *const hours_header[] = {"department", "days", "opens", "closes"};
	static const char *const closed_header[] = {"date", "name"};
	struct staffing *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (read_optional(dir, "departments.csv", dep_header, 4, department_row, s, err, errlen) <
	        0 ||
	    read_optional(dir, "staffed_hours.csv", hours_header, 4, hours_row, s, err, errlen) <
	        0 ||
	    read_optional(dir, "closed_days.csv", closed_header, 2, closed_row, s, err, errlen) <
	        0) {
		staffing_free(s);
		return NULL;
	}
	return s;
}

void staffing_free(struct staffing *s)
{
	if (!s)
		return;
	free(s->deps);
	free(s->hours);
	free(s->closed);
	free(s);
}

/* ---- questions ---------------------------------------------------------------- */

const char *staffing_default_department(const struct staffing *s)
{
	for (size_t i = 0; s && i < s->ndeps; i++)
		if (s->deps[i].is_default)
			return s->deps[i].name;
	return "";
}

int staffing_has_department(const struct staffing *s, const char *name)
{
	for (size_t i = 0; s && name && i < s->ndeps; i++)
		if (!strcmp(s->deps[i].name, name))
			return 1;
	for (size_t i = 0; s && name && i < s->nhours; i++)
		if (!strcmp(s->hours[i].department, name))
			return 1;
	return 0;
}

/* 1 if hours[k]'s department appeared before: in deps or an earlier row. */
static int hours_seen_before(const struct staffing *s, size_t k)
{
	for (size_t i = 0; i < s->ndeps; i++)
		if (!strcmp(s->deps[i].name, s->hours[k].department))
			return 1;
	for (size_t i = 0; i < k; i++)
		if (!strcmp(s->hours[i].department, s->hours[k].department))
			return 1;
	return 0;
}

const char *staffing_department_at(const struct staffing *s, size_t i)
{
	if (!s)
		return NULL;
	if (i < s->ndeps)
		return s->deps[i].name;
	i -= s->ndeps;
	for (size_t k = 0; k < s->nhours; k++)
		if (!hours_seen_before(s, k) && i-- == 0)
			return s->hours[k].department;
	return NULL;
}

/* Easter Sunday (anonymous Gregorian algorithm): month 3 or 4, day. */
static void easter(int y, int *month, int *day)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	*month = (h + l - 7 * m + 114) / 31;
	*day = ((h + l - 7 * m + 114) % 31) + 1;
}

/* Days since 1970-01-01 of a date (proleptic Gregorian). */
static long days_of(int y, int m, int d)
{
	struct tm t = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
	return (long)(timegm(&t) / 86400);
}

int staffing_is_closed_day(const struct staffing *s, int year, int month, int day)
{
	static const int easter_offsets[] = {-3, -2, 0, 1, 39, 49, 50};
	if ((month == 1 && day == 1) || (month == 12 && (day == 25 || day == 26)))
		return 1;
	int em, ed;
	easter(year, &em, &ed);
	long delta = days_of(year, month, day) - days_of(year, em, ed);
	for (size_t i = 0; i < sizeof(easter_offsets) / sizeof(easter_offsets[0]); i++)
		if (delta == easter_offsets[i])
			return 1;
	for (size_t i = 0; s && i < s->nclosed; i++)
		if ((!s->closed[i].year || s->closed[i].year == year) &&
		    s->closed[i].month == month && s->closed[i].day == day)
			return 1;
	return 0;
}

/* The rows that apply to department: its own, else the default's. */
static const char *hours_owner(const struct staffing *s, const char *department)
{
	for (size_t i = 0; department && i < s->nhours; i++)
		if (!strcmp(s->hours[i].department, department))
			return department;
	return staffing_default_department(s);
}

/* UTC ms of local (y, m, d) at minute; -1 on failure. */
static long long local_ms(int y, int m, int d, int minute)
{
	char buf[80];
	long long ms;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d", y, m, d, minute / 60, minute % 60);
	return content_parse_iso8601(buf, &ms) == 0 ? ms : -1;
}

long long staffing_next_open(const struct staffing *s, const char *department, long long now_ms)
{
	if (!s || s->nhours == 0)
		return now_ms;
	const char *owner = hours_owner(s, department);
	for (int k = 0; k < LOOKAHEAD_DAYS; k++) {
		struct tm day;
		content_cph_time(now_ms + k * DAY_MS, &day);
		int y = day.tm_year + 1900, m = day.tm_mon + 1, d = day.tm_mday;
		if (staffing_is_closed_day(s, y, m, d))
			continue;
		int wd = (day.tm_wday + 6) % 7; /* Monday = 0 */
		long long best = -1;
		for (size_t i = 0; i < s->nhours; i++) {
			const struct hours *h = &s->hours[i];
			if (strcmp(h->department, owner) != 0 || !(h->days & (1U << wd)))
				continue;
			long long open = local_ms(y, m, d, h->opens);
			long long close = local_ms(y, m, d, h->closes);
			if (open < 0 || close <= now_ms)
				continue;
			long long at = open > now_ms ? open : now_ms;
			if (best < 0 || at < best)
				best = at;
		}
		if (best >= 0)
			return best;
	}
	return -1;
}

void staffing_targets(const struct staffing *s, const char *department, long long *first_ms,
                      long long *resolve_ms)
{
	*first_ms = *resolve_ms = 0;
	const struct department *fallback = NULL;
	for (size_t i = 0; s && i < s->ndeps; i++) {
		if (department && !strcmp(s->deps[i].name, department)) {
			fallback = &s->deps[i];
			break;
		}
		if (s->deps[i].is_default)
			fallback = &s->deps[i];
	}
	if (fallback) {
		*first_ms = fallback->first_ms;
		*resolve_ms = fallback->resolve_ms;
	}
}

void staffing_when_text(long long now_ms, long long at_ms, const char *lang, char *buf, size_t size)
{
	static const char *const wdays[2][7] = {
	    {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
	    {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}};
	static const char *const months[2][12] = {
	    {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
	     "oktober", "november", "december"},
	    {"January", "February", "March", "April", "May", "June", "July", "August", "September",
	     "October", "November", "December"}};
	int en = lang && !strcmp(lang, "en");
	struct tm now, at;
	content_cph_time(now_ms, &now);
	content_cph_time(at_ms, &at);
	long days = days_of(at.tm_year + 1900, at.tm_mon + 1, at.tm_mday) -
	            days_of(now.tm_year + 1900, now.tm_mon + 1, now.tm_mday);
	char clock[32];
	snprintf(clock, sizeof(clock), en ? "at %d:%02d" : "kl. %d.%02d", at.tm_hour, at.tm_min);
	const char *wday = wdays[en][at.tm_wday];
	if (days <= 0)
		snprintf(buf, size, "%s %s", en ? "today" : "i dag", clock);
	else if (days == 1)
		snprintf(buf, size, "%s %s", en ? "tomorrow" : "i morgen", clock);
	else if (days < 7)
		snprintf(buf, size, "%s%s %s", en ? "on " : "", wday, clock);
	else if (en)
		snprintf(buf, size, "on %s %d %s %s", wday, at.tm_mday, months[en][at.tm_mon],
		         clock);
	else
		snprintf(buf, size, "%s den %d. %s %s", wday, at.tm_mday, months[en][at.tm_mon],
		         clock);
}

/* "man-tor,lør" for a day mask into buf. */
static void days_text(unsigned mask, char *buf, size_t size)
{
	static const char *const day[7] = {"man", "tir", "ons", "tor", "fre", "lør", "søn"};
	size_t o = 0;
	buf[0] = '\0';
	for (int d = 0; d < 7 && o < size; d++) {
		if (!(mask >> d & 1U) || (d > 0 && mask >> (d - 1) & 1U))
			continue; /* not in the mask, or inside a run already written */
		int e = d;
		while (e < 6 && mask >> (e + 1) & 1U)
			e++;
		o += (size_t)snprintf(buf + o, size - o, "%s%s%s%s", o ? "," : "", day[d],
		                      e > d ? "-" : "", e > d ? day[e] : "");
	}
}

/* "man-tor 07:00-15:00; fre 07:00-12:00" for department's rows into buf. */
static void hours_text(const struct staffing *s, const char *department, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->nhours && o < size; i++) {
		const struct hours *h = &s->hours[i];
		char days[64];
		if (strcmp(h->department, department) != 0)
			continue;
		days_text(h->days, days, sizeof(days));
		o += (size_t)snprintf(buf + o, size - o, "%s%s %02d:%02d-%02d:%02d", o ? "; " : "",
		                      days, h->opens / 60, h->opens % 60, h->closes / 60,
		                      h->closes % 60);
	}
}

void staffing_each(const struct staffing *s, staffing_fn fn, void *arg)
{
	char hours[512];
	for (size_t i = 0; i < s->ndeps; i++) {
		hours_text(s, s->deps[i].name, hours, sizeof(hours));
		struct staffing_department d = {s->deps[i].name, s->deps[i].first_ms,
		                                s->deps[i].resolve_ms, s->deps[i].is_default,
		                                hours};
		fn(arg, &d);
	}
	for (size_t i = 0; i < s->nhours; i++) {
		if (hours_seen_before(s, i))
			continue;
		long long first, resolve;
		staffing_targets(s, s->hours[i].department, &first, &resolve);
		hours_text(s, s->hours[i].department, hours, sizeof(hours));
		struct staffing_department d = {s->hours[i].department, first, resolve, 0, hours};
		fn(arg, &d);
	}
}
