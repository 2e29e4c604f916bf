/*
 * datafile.h - the one reader of the data files people edit by hand: the
 * municipality's CSV tables (streets, waste days, case categories, ...) and
 * its "key: value" settings files (docs/cases.md).
 *
 * Both formats are UTF-8 text, one record per line:
 *   CSV:        a header line naming the columns (checked, case-insensitive),
 *               then one row per line with exactly that many fields,
 *               separated by ','. A field may be "double-quoted" (then it may
 *               hold ',' and "" stands for one '"'); a '"' inside an
 *               unquoted field is an error.
 *   key: value  the key is what comes before the first ':'.
 * In both, a line whose first non-blank character is '#' is a comment, blank
 * lines are skipped, fields are trimmed, a byte-order mark and CRLF line ends
 * (from spreadsheets and Windows editors) are accepted.
 *
 * The input is untrusted: the file, each line and the number of fields are
 * bounded, and a line must be valid UTF-8 without control characters (tab
 * allowed), so a hostile file cannot smuggle bytes into citizen-facing
 * text. Every problem comes back as "FILE:LINE: what" (or "FILE: what").
 */
#ifndef BORGERBOT_DATAFILE_H
#define BORGERBOT_DATAFILE_H

#include <stddef.h>

#define DATAFILE_MAX_BYTES ((size_t)1024 * 1024) /* default largest file */
#define DATAFILE_MAX_LINE 2048                   /* bytes per line */
#define DATAFILE_MAX_FIELDS 16                   /* fields per CSV line */

/*
 * One data row: fields[0..n) are trimmed, NUL-terminated, and valid for the
 * call only (copy what you keep). Returns 0, or -1 with a reason in why; the
 * reader then stops and reports "FILE:LINE: why".
 */
typedef int (*datafile_row_fn)(void *arg, char **fields, int n, char *why, size_t whylen);

struct datafile_format {
	const char *const *header; /* CSV column names in order; NULL: "key: value" lines */
	int ncols;                 /* CSV: number of columns (at most DATAFILE_MAX_FIELDS) */
	int min_cols;              /* CSV: columns after the first min_cols are optional: the
	                            * header may stop before them, and row() then gets "" for
	                            * them (0: all ncols are required) */
	size_t max_bytes;          /* largest file accepted; 0: DATAFILE_MAX_BYTES */
};

/* Reads path in format fmt, calling row() for each data row. Returns the number of rows, or
 * -1 with err set. */
int datafile_read(const char *path, const struct datafile_format *fmt, datafile_row_fn row,
                  void *arg, char *err, size_t errlen);

/* Shorthands: a CSV file with the ncols names in header; a "key: value" file (row() gets
 * fields[0] = key, fields[1] = value, n = 2). Both with the default size limit. */
int datafile_read_csv(const char *path, const char *const *header, int ncols, datafile_row_fn row,
                      void *arg, char *err, size_t errlen);
int datafile_read_kv(const char *path, datafile_row_fn row, void *arg, char *err, size_t errlen);

/* For row callbacks: 0 if value is 1 to max bytes long, else -1 with "what must be 1-max
 * bytes" in why. */
int datafile_field_ok(const char *value, size_t max, const char *what, char *why, size_t whylen);

/* Joins dir and name into buf ("dir/name"); returns -1 if it does not fit. */
int datafile_path(char *buf, size_t size, const char *dir, const char *name);

#endif
