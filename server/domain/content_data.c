/*
 * content_data.c - Copenhagen time for the municipality's answers and data
 * (see content_data.h): CET/CEST by the EU rules, ISO 8601 and "HH:MM".
 * Computed, not looked up, so it needs no time-zone files on the server.
 */
#include "content_data.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- Copenhagen time ---------------------------------------------------- */

/* Unix time of the last Sunday of month (1-12) in year at 01:00 UTC. */
static time_t last_sunday_0100_utc(int year, int month)
{
	struct tm t = {0};
	t.tm_year = year - 1900;
	t.tm_mon = month; /* first day of the next month */
	t.tm_mday = 1;
	if (month == 12) {
		t.tm_year++;
		t.tm_mon = 0;
	}
	time_t first_next = timegm(&t);
	struct tm g;
	gmtime_r(&first_next, &g);
	int back = g.tm_wday == 0 ? 7 : g.tm_wday; /* days back to the last Sunday */
	return first_next - (time_t)back * 86400 + 3600;
}

int content_cph_time(long long ms, struct tm *out)
{
	time_t t = (time_t)(ms / 1000);
	struct tm g;
	gmtime_r(&t, &g);
	int year = g.tm_year + 1900;
	int offset = 3600;
	if (t >= last_sunday_0100_utc(year, 3) && t < last_sunday_0100_utc(year, 10))
		offset = 7200;
	time_t local = t + offset;
	gmtime_r(&local, out);
	out->tm_isdst = offset == 7200;
	return offset;
}

void content_iso8601(long long ms, char *buf, size_t size)
{
	struct tm tm;
	int off = content_cph_time(ms, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off / 3600);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int content_parse_hhmm(const char *s)
{
	int h, m;
	if (strlen(s) != 5 || s[2] != ':' || digits(s, 2, &h) < 0 || digits(s + 3, 2, &m) < 0 ||
	    h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

int content_parse_iso8601(const char *s, long long *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	size_t len = strlen(s);
	if (len < 10 || len > 40 || digits(s, 4, &y) < 0 || s[4] != '-' ||
	    digits(s + 5, 2, &mo) < 0 || s[7] != '-' || digits(s + 8, 2, &d) < 0)
		return -1;
	const char *p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (digits(p + 1, 2, &h) < 0 || p[3] != ':' || digits(p + 4, 2, &mi) < 0)
			return -1;
		p += 6;
		if (*p == ':') {
			if (digits(p + 1, 2, &sec) < 0)
				return -1;
			p += 3;
			if (*p == '.' || *p == ',') {
				p++;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	struct tm t = {0};
	t.tm_year = y - 1900;
	t.tm_mon = mo - 1;
	t.tm_mday = d;
	t.tm_hour = h;
	t.tm_min = mi;
	t.tm_sec = sec;
	time_t base = timegm(&t);
	struct tm check;
	gmtime_r(&base, &check);
	if (check.tm_mday != d) /* 31 February */
		return -1;
	long long off;
	if (*p == 'Z' || *p == 'z') {
		off = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) < 0 || oh > 14)
			return -1;
		const char *q = p + 3;
		if (*q == ':')
			q++;
		if (digits(q, 2, &om) < 0 || om > 59)
			return -1;
		off = (long long)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p = q + 2;
	} else if (*p == '\0') {
		/* Local Copenhagen time: guess with winter time, then correct. */
		struct tm lt;
		off = content_cph_time(((long long)base - 3600) * 1000, &lt);
		off = content_cph_time(((long long)base - off) * 1000, &lt);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*ms = ((long long)base - off) * 1000;
	return 0;
}
