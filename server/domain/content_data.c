/*
 * content_data.c - the data-file readers and Copenhagen time (see
 * content_data.h).
 *
 * Data flow: the whole file is read into memory (bounded), checked to be
 * UTF-8 without control characters, then split into lines; each line is
 * trimmed and split into fields in place, and the caller's row() copies what
 * it keeps. Nothing here keeps state between calls.
 */
#include "content_data.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int content_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Reads the whole file (at most CONTENT_MAX_FILE bytes), NUL-terminated. */
static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(CONTENT_MAX_FILE + 2);
	size_t n = buf ? fread(buf, 1, CONTENT_MAX_FILE + 1, f) : 0;
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad) {
		set_err(err, errlen, "%s: cannot read", path);
		free(buf);
		return NULL;
	}
	if (n > CONTENT_MAX_FILE) {
		set_err(err, errlen, "%s: file too large (max %zu bytes)", path, CONTENT_MAX_FILE);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Length of the UTF-8 sequence at s (1-4), or 0 if it is not valid. */
static int utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (n == 0 || (size_t)n > avail || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if (n == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
		return 0;
	if (n == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
		return 0;
	return n;
}

/* Checks one line: valid UTF-8, no control characters except tab. */
static const char *check_line(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	for (size_t i = 0; i < len;) {
		if (s[i] < 0x20 && s[i] != '\t')
			return "control character in line";
		if (s[i] == 0x7F)
			return "control character in line";
		int n = utf8_len(s + i, len - i);
		if (!n)
			return "not valid UTF-8";
		i += (size_t)n;
	}
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Splits a CSV line in place; returns the number of fields or -1 (why set). */
static int split_csv(char *line, char **fields, const char **why)
{
	int n = 0;
	char *r = line;
	for (;;) {
		if (n == CONTENT_MAX_FIELDS) {
			*why = "too many fields";
			return -1;
		}
		while (*r == ' ' || *r == '\t')
			r++;
		char *w = r, *start = r;
		if (*r == '"') {
			start = w = ++r;
			for (;;) {
				if (*r == '\0') {
					*why = "unterminated quote";
					return -1;
				}
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r != ',' && *r != '\0') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			while (*r && *r != ',') {
				if (*r == '"') {
					*why = "quote inside an unquoted field";
					return -1;
				}
				w = ++r;
			}
		}
		char end = *r;
		*w = '\0';
		fields[n++] = trim(start);
		if (end == '\0')
			return n;
		r++;
	}
}

enum fmt { FMT_CSV, FMT_KV };

struct reader {
	const char *path;
	enum fmt fmt;
	const char *const *header;
	int ncols;
	content_row_fn row;
	void *arg;
};

/* Handles one non-blank, non-comment line; returns 1 for a data row, 0 for the header. */
static int handle_line(struct reader *rd, char *s, int *seen_header, const char **why, char *whybuf,
                       size_t whylen)
{
	char *fields[CONTENT_MAX_FIELDS];
	int n;
	if (rd->fmt == FMT_KV) {
		char *colon = strchr(s, ':');
		if (!colon) {
			*why = "expected 'key: value'";
			return -1;
		}
		*colon = '\0';
		fields[0] = trim(s);
		fields[1] = trim(colon + 1);
		if (!*fields[0]) {
			*why = "empty key";
			return -1;
		}
		n = 2;
	} else {
		n = split_csv(s, fields, why);
		if (n < 0)
			return -1;
		if (!*seen_header) {
			*seen_header = 1;
			for (int i = 0; i < rd->ncols; i++) {
				if (n != rd->ncols || strcasecmp(fields[i], rd->header[i]) != 0) {
					snprintf(whybuf, whylen, "header must be '%s%s%s%s%s...'",
					         rd->header[0], rd->ncols > 1 ? "," : "",
					         rd->ncols > 1 ? rd->header[1] : "",
					         rd->ncols > 2 ? "," : "",
					         rd->ncols > 2 ? rd->header[2] : "");
					*why = whybuf;
					return -1;
				}
			}
			return 0;
		}
		if (n != rd->ncols) {
			snprintf(whybuf, whylen, "expected %d fields, found %d", rd->ncols, n);
			*why = whybuf;
			return -1;
		}
	}
	if (rd->row(rd->arg, fields, n, whybuf, whylen) < 0) {
		*why = whybuf;
		return -1;
	}
	return 1;
}

static int read_lines(struct reader *rd, char *err, size_t errlen)
{
	size_t len;
	char *buf = slurp(rd->path, &len, err, errlen);
	if (!buf)
		return -1;
	char *p = buf;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* a byte-order mark from a spreadsheet */
	int lineno = 0, rows = 0, seen_header = 0, rc = 0;
	char whybuf[256];
	while (p < buf + len) {
		lineno++;
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(buf + len - p);
		if (ll && p[ll - 1] == '\r')
			p[--ll] = '\0';
		const char *why = NULL;
		if (ll > CONTENT_MAX_LINE)
			why = "line too long";
		else
			why = check_line(p, ll);
		p[ll] = '\0';
		if (!why) {
			char *s = trim(p);
			if (*s && *s != '#') {
				int r =
				    handle_line(rd, s, &seen_header, &why, whybuf, sizeof(whybuf));
				if (r > 0)
					rows++;
			}
		}
		if (why) {
			set_err(err, errlen, "%s:%d: %s", rd->path, lineno, why);
			rc = -1;
			break;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (rc == 0 && rd->fmt == FMT_CSV && !seen_header) {
		set_err(err, errlen, "%s:1: missing header line", rd->path);
		rc = -1;
	}
	free(buf);
	return rc < 0 ? -1 : rows;
}

int content_csv_read(const char *path, const char *const *header, int ncols, content_row_fn row,
                     void *arg, char *err, size_t errlen)
{
	struct reader rd = {path, FMT_CSV, header, ncols, row, arg};
	return read_lines(&rd, err, errlen);
}

int content_kv_read(const char *path, content_row_fn row, void *arg, char *err, size_t errlen)
{
	struct reader rd = {path, FMT_KV, NULL, 2, row, arg};
	return read_lines(&rd, err, errlen);
}

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
