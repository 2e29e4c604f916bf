/*
 * datafile.c - the data-file reader (see datafile.h for the formats).
 *
 * Data flow: the whole file is read into memory (bounded by max_bytes) ->
 * a byte-order mark is skipped -> split into lines (CRLF or LF); each line
 * is checked (length, UTF-8, control characters), trimmed, skipped when
 * blank or a comment, then split into fields in place (CSV: quotes, ""
 * escapes; key: value: the first ':'). The first CSV line must be the
 * header; each later one goes to the caller's row(). Nothing is kept
 * between calls; the caller copies what it needs.
 */
#include "datafile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "textbuf.h"

struct datafile_reader {
	const char *path;
	const struct datafile_format *fmt;
	datafile_row_fn row;
	void *arg;
	int seen_header;
	int cols; /* columns the header named (min_cols to ncols) */
	int rows;
	char why[256]; /* a reason built here or by row() */
};

int datafile_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int datafile_field_ok(const char *value, size_t max, const char *what, char *why, size_t whylen)
{
	if (*value && strlen(value) <= max)
		return 0;
	text_set_err(why, whylen, "%s must be 1-%zu bytes", what, max);
	return -1;
}

/* Reads the whole file (at most max bytes), NUL-terminated, into a buffer
 * of the file's size (not of max: a 16 MiB buffer for a 2 KB file would
 * stay in the process's peak memory). */
static char *datafile_slurp(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		text_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int bad = 0;
	for (;;) {
		if (n + 1 >= cap) {
			size_t want = cap ? cap * 2 : (size_t)64 * 1024;
			if (want > max + 2)
				want = max + 2;
			char *grown = want > cap ? realloc(buf, want) : NULL;
			if (!grown) {
				bad = want > cap; /* out of memory; else: too large */
				break;
			}
			buf = grown;
			cap = want;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0 || ferror(f) || n > max)
			break;
	}
	bad = bad || ferror(f);
	fclose(f);
	if (bad || n > max) {
		if (bad)
			text_set_err(err, errlen, "%s: cannot read", path);
		else
			text_set_err(err, errlen, "%s: file too large (max %zu bytes)", path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Checks one line: bounded, valid UTF-8, no control characters except tab. */
static const char *datafile_check_line(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	if (len > DATAFILE_MAX_LINE)
		return "line too long (max 2048 bytes)";
	for (size_t i = 0; i < len;) {
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F)
			return "control character in line";
		int n = text_utf8_seq(s + i, len - i);
		if (!n)
			return "not valid UTF-8 (save the file as UTF-8)";
		i += (size_t)n;
	}
	return NULL;
}

/* Reads a quoted field starting after its opening quote; *r moves past the closing quote.
 * Returns the end of the unquoted text (written in place), or NULL (why set). */
static char *datafile_unquote(char **r, const char **why)
{
	char *p = *r, *w = *r;
	for (;;) {
		if (*p == '\0') {
			*why = "unterminated quote";
			return NULL;
		}
		if (*p == '"' && p[1] == '"') {
			*w++ = '"';
			p += 2;
		} else if (*p == '"') {
			p++;
			break;
		} else {
			*w++ = *p++;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ',' && *p != '\0') {
		*why = "text after a closing quote";
		return NULL;
	}
	*r = p;
	return w;
}

/* Splits a CSV line in place; returns the number of fields or -1 (why set). */
static int datafile_split_csv(char *line, char **fields, const char **why)
{
	int n = 0;
	char *r = line;
	for (;;) {
		if (n == DATAFILE_MAX_FIELDS) {
			*why = "too many fields (max 16)";
			return -1;
		}
		while (*r == ' ' || *r == '\t')
			r++;
		char *start = r, *w;
		if (*r == '"') {
			start = ++r;
			if (!(w = datafile_unquote(&r, why)))
				return -1;
		} else {
			while (*r && *r != ',' && *r != '"')
				r++;
			if (*r == '"') {
				*why = "quote inside an unquoted field (quote the whole field)";
				return -1;
			}
			w = r;
		}
		char end = *r;
		*w = '\0';
		fields[n++] = text_trim(start);
		if (end == '\0')
			return n;
		r++;
	}
}

/* "a,b,c" (or "a,b[,c]" when c is optional) from the format's header, cut to fit. */
static void datafile_header_text(const struct datafile_format *fmt, char *buf, size_t size)
{
	struct textbuf t = {buf, size, 0};
	buf[0] = '\0';
	int min = fmt->min_cols > 0 && fmt->min_cols < fmt->ncols ? fmt->min_cols : fmt->ncols;
	for (int i = 0; i < fmt->ncols; i++)
		textbuf_put(&t, "%s%s%s", i == min ? "[" : "", i ? "," : "", fmt->header[i]);
	if (min < fmt->ncols)
		textbuf_put(&t, "]");
}

/* The header line: the expected names, in order; the optional last ones
 * (after min_cols) may be left out. */
static int datafile_check_header(struct datafile_reader *rd, char **fields, int n)
{
	const struct datafile_format *fmt = rd->fmt;
	int min = fmt->min_cols > 0 && fmt->min_cols < fmt->ncols ? fmt->min_cols : fmt->ncols;
	int ok = n >= min && n <= fmt->ncols;
	rd->cols = n;
	for (int i = 0; ok && i < n; i++)
		ok = !strcasecmp(fields[i], fmt->header[i]);
	if (!ok) {
		char want[200];
		datafile_header_text(fmt, want, sizeof(want));
		snprintf(rd->why, sizeof(rd->why), "header must be '%s'", want);
	}
	return ok ? 0 : -1;
}

/* One non-blank, non-comment CSV line. Returns 0, or -1 with rd->why set. */
static int datafile_csv_line(struct datafile_reader *rd, char *s)
{
	char *fields[DATAFILE_MAX_FIELDS];
	const char *why = NULL;
	int n = datafile_split_csv(s, fields, &why);
	if (n < 0) {
		snprintf(rd->why, sizeof(rd->why), "%s", why);
		return -1;
	}
	if (!rd->seen_header) {
		rd->seen_header = 1;
		return datafile_check_header(rd, fields, n);
	}
	if (n != rd->cols) {
		snprintf(rd->why, sizeof(rd->why), "expected %d fields, found %d", rd->cols, n);
		return -1;
	}
	char empty[1] = "";
	for (; n < rd->fmt->ncols; n++) /* optional columns the header left out */
		fields[n] = empty;
	rd->rows++;
	return rd->row(rd->arg, fields, n, rd->why, sizeof(rd->why));
}

/* One non-blank, non-comment "key: value" line. Returns 0, or -1 with rd->why set. */
static int datafile_kv_line(struct datafile_reader *rd, char *s)
{
	char *fields[2];
	char *colon = strchr(s, ':');
	if (!colon) {
		snprintf(rd->why, sizeof(rd->why), "expected 'key: value'");
		return -1;
	}
	*colon = '\0';
	fields[0] = text_trim(s);
	fields[1] = text_trim(colon + 1);
	if (!*fields[0]) {
		snprintf(rd->why, sizeof(rd->why), "empty key");
		return -1;
	}
	rd->rows++;
	return rd->row(rd->arg, fields, 2, rd->why, sizeof(rd->why));
}

/* Checks and handles one line (without its line end). Returns 0, or -1 with rd->why set. */
static int datafile_line(struct datafile_reader *rd, char *line, size_t len)
{
	const char *bad = datafile_check_line(line, len);
	if (bad) {
		snprintf(rd->why, sizeof(rd->why), "%s", bad);
		return -1;
	}
	line[len] = '\0';
	char *s = text_trim(line);
	if (!*s || *s == '#')
		return 0;
	return rd->fmt->header ? datafile_csv_line(rd, s) : datafile_kv_line(rd, s);
}

/* Walks the lines of buf[0..len) (NUL-terminated, modified in place). */
static int datafile_lines(struct datafile_reader *rd, char *buf, size_t len, char *err,
                          size_t errlen)
{
	char *p = buf, *end = buf + len;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* a byte-order mark from a spreadsheet */
	for (int lineno = 1; p < end; lineno++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (ll && p[ll - 1] == '\r')
			ll--;
		if (datafile_line(rd, p, ll) < 0) {
			text_set_err(err, errlen, "%s:%d: %s", rd->path, lineno, rd->why);
			return -1;
		}
		p = nl ? nl + 1 : end;
	}
	if (rd->fmt->header && !rd->seen_header) {
		char want[200];
		datafile_header_text(rd->fmt, want, sizeof(want));
		text_set_err(err, errlen, "%s:1: missing header line '%s'", rd->path, want);
		return -1;
	}
	return rd->rows;
}

int datafile_read(const char *path, const struct datafile_format *fmt, datafile_row_fn row,
                  void *arg, char *err, size_t errlen)
{
	struct datafile_reader rd = {.path = path, .fmt = fmt, .row = row, .arg = arg};
	size_t len;
	if (fmt->header && (fmt->ncols < 1 || fmt->ncols > DATAFILE_MAX_FIELDS)) {
		text_set_err(err, errlen, "%s: bad format (%d columns)", path, fmt->ncols);
		return -1;
	}
	char *buf = datafile_slurp(path, fmt->max_bytes ? fmt->max_bytes : DATAFILE_MAX_BYTES, &len,
	                           err, errlen);
	if (!buf)
		return -1;
	int rc = datafile_lines(&rd, buf, len, err, errlen);
	free(buf);
	return rc;
}

int datafile_read_csv(const char *path, const char *const *header, int ncols, datafile_row_fn row,
                      void *arg, char *err, size_t errlen)
{
	struct datafile_format fmt = {.header = header, .ncols = ncols};
	return datafile_read(path, &fmt, row, arg, err, errlen);
}

int datafile_read_kv(const char *path, datafile_row_fn row, void *arg, char *err, size_t errlen)
{
	struct datafile_format fmt = {0};
	return datafile_read(path, &fmt, row, arg, err, errlen);
}
