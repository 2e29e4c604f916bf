/*
 * intent_load.c - parser of the intent definition files (docs/intents.md).
 *
 * Data flow: directory -> sorted *.intent file names -> each file read whole
 * -> "key: value" lines checked one by one (errors name FILE:LINE) -> one
 * struct intent_def per file. Compiling the patterns is intent.c's job.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intent_internal.h"
#include "intent_util.h"
#include "normalize.h"

#define MAX_FILE (1 << 20)
#define MAX_LINE 4000
#define MAX_FILES 256

static void lines_free(struct intent_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void intent_def_clear(struct intent_def *d)
{
	free(d->file);
	free(d->description);
	free(d->title);
	free(d->action);
	lines_free(&d->patterns);
	lines_free(&d->excludes);
	lines_free(&d->slots);
	lines_free(&d->examples);
	lines_free(&d->counters);
	lines_free(&d->answers);
	pcre2_code_free(d->re.code);
	for (size_t i = 0; i < d->re.nlines; i++)
		pcre2_code_free(d->re.line_code[i]);
	free(d->re.line_code);
	free(d->re.line_pf);
	pcre2_code_free(d->re_anch.code);
	pcre2_code_free(d->ex.code);
	pcre2_code_free(d->ex_anch.code);
	pcre2_code_free(d->sl.code);
	memset(d, 0, sizeof(*d));
}

static int lines_push(struct intent_lines *l, const char *text, int line)
{
	struct intent_line *v = intent_grow(l->v, l->n, &l->cap, sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	if (!(l->v[l->n].text = strdup(text)))
		return -1;
	l->v[l->n++].line = line;
	return 0;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		intent_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		intent_set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	*len = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f) || *len > MAX_FILE) {
		intent_set_err(err, errlen, "%s: %s", path,
		               ferror(f) ? "read error" : "larger than 1 MB");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[*len] = 0;
	return buf;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > INTENT_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int parse_yes_no(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "ja")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "nej")) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* One "key: value" line into d. Returns NULL or the reason it is wrong. */
static const char *parse_line(struct intent_def *d, int is_tone, char *line, int lineno)
{
	static const char *const tone_keys = " description pattern exclude example counter ";
	char *colon = strchr(line, ':'), *key = line, *value;
	char padded[40];

	if (!colon)
		return "expected 'key: value'";
	*colon = 0;
	key = intent_trim(key);
	value = intent_trim(colon + 1);
	for (const char *k = key; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || *k == '_'))
			return "expected 'key: value' (a key is a lower-case word such as "
			       "'pattern')";
	if (!*value)
		return "empty value";
	snprintf(padded, sizeof(padded), " %s ", key);
	if (is_tone && !strstr(tone_keys, padded))
		return "unknown key in a .tone file (allowed: description, pattern, exclude, "
		       "example, counter)";
	if (!strcmp(key, "name")) {
		if (d->name[0])
			return "'name' given twice";
		if (!valid_name(value))
			return "a name is 1-31 characters of a-z, 0-9 and _";
		strcpy(d->name, value);
		return NULL;
	}
	if (!strcmp(key, "description") || !strcmp(key, "action")) {
		char **dst = key[0] == 'd' ? &d->description : &d->action;
		if (*dst)
			return "key given twice";
		return (*dst = strdup(value)) ? NULL : "out of memory";
	}
	if (!strcmp(key, "title")) {
		if (d->title)
			return "'title' given twice";
		if (strlen(value) > INTENT_TITLE_MAX)
			return "a title is at most 80 bytes (a few words for staff)";
		return (d->title = strdup(value)) ? NULL : "out of memory";
	}
	if (!strcmp(key, "priority")) {
		char *end;
		long p = strtol(value, &end, 10);
		if (*end || p < 0 || p > 1000)
			return "priority must be a whole number from 0 to 1000";
		d->priority = (int)p;
		return NULL;
	}
	if (!strcmp(key, "routine"))
		return parse_yes_no(value, &d->routine) ? "routine must be yes or no" : NULL;
	if (!strcmp(key, "when_angry"))
		return parse_yes_no(value, &d->when_angry) ? "when_angry must be yes or no" : NULL;

	struct intent_lines *dst = !strcmp(key, "pattern")   ? &d->patterns
	                           : !strcmp(key, "exclude") ? &d->excludes
	                           : !strcmp(key, "slot")    ? &d->slots
	                           : !strcmp(key, "example") ? &d->examples
	                           : !strcmp(key, "counter") ? &d->counters
	                           : !strcmp(key, "answer")  ? &d->answers
	                                                     : NULL;
	if (!dst)
		return "unknown key (allowed: name, description, title, priority, routine, "
		       "when_angry, action, pattern, exclude, slot, example, counter, answer)";
	return lines_push(dst, value, lineno) ? "out of memory" : NULL;
}

static int parse_file(const char *path, int is_tone, struct intent_def *d, char *err, size_t errlen)
{
	size_t len;
	char *buf = read_file(path, &len, err, errlen);
	char *p, *line;
	int lineno = 0;

	if (!buf)
		return -1;
	if (!(d->file = strdup(path)))
		goto oom;
	if (memchr(buf, 0, len)) {
		intent_set_err(err, errlen, "%s: contains a NUL byte (not a text file?)", path);
		goto fail;
	}
	p = buf;
	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* byte-order mark from Windows editors */
	while (p && *p) {
		char *nl = strchr(p, '\n');
		const char *why;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		line = p;
		p = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		if (n > MAX_LINE) {
			intent_set_err(err, errlen, "%s:%d: line longer than %d bytes", path,
			               lineno, MAX_LINE);
			goto fail;
		}
		for (size_t i = 0; i < n;) {
			int k = utf8_seq_len((const unsigned char *)line + i, n - i);
			if (!k) {
				intent_set_err(err, errlen,
				               "%s:%d: invalid UTF-8 (save the file as UTF-8)",
				               path, lineno);
				goto fail;
			}
			i += (size_t)k;
		}
		line = intent_trim(line);
		if (!*line || line[0] == '#')
			continue;
		if ((why = parse_line(d, is_tone, line, lineno))) {
			intent_set_err(err, errlen, "%s:%d: %s", path, lineno, why);
			goto fail;
		}
	}
	if (is_tone)
		strcpy(d->name, "angry");
	if (!d->name[0]) {
		intent_set_err(err, errlen, "%s: missing 'name:'", path);
		goto fail;
	}
	if (!d->patterns.n && strcmp(d->name, "none") != 0) {
		intent_set_err(err, errlen, "%s: no 'pattern:' line", path);
		goto fail;
	}
	free(buf);
	return 0;
oom:
	intent_set_err(err, errlen, "%s: out of memory", path);
fail:
	free(buf);
	return -1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted *.intent file names of dir. Returns the count, or -1 with err set. */
static int list_files(const char *dir, char **names, char *err, size_t errlen)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!dp) {
		intent_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".intent"))
			continue;
		if (n == MAX_FILES) {
			intent_set_err(err, errlen, "%s: more than %d .intent files", dir,
			               MAX_FILES);
			goto fail;
		}
		if (!(names[n] = strdup(de->d_name))) {
			intent_set_err(err, errlen, "out of memory");
			goto fail;
		}
		n++;
	}
	closedir(dp);
	qsort(names, (size_t)n, sizeof(*names), cmp_str);
	return n;
fail:
	closedir(dp);
	while (n > 0)
		free(names[--n]);
	return -1;
}

int intent_defs_load(const char *dir, struct intent_def **defs, size_t *ndefs,
                     struct intent_def *tone, int *has_tone, char *err, size_t errlen)
{
	char *names[MAX_FILES], path[4096];
	int n = list_files(dir, names, err, errlen), rc = -1;
	struct intent_def *v = NULL;
	size_t nv = 0;
	FILE *probe;

	*defs = NULL, *ndefs = 0, *has_tone = 0;
	memset(tone, 0, sizeof(*tone));
	if (n < 0)
		return -1;
	if (n == 0) {
		intent_set_err(err, errlen, "%s: no .intent files", dir);
		goto out;
	}
	if (!(v = calloc((size_t)n, sizeof(*v)))) {
		intent_set_err(err, errlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (parse_file(path, 0, &v[nv], err, errlen)) {
			intent_def_clear(&v[nv]);
			goto out;
		}
		for (size_t j = 0; j < nv; j++) {
			if (!strcmp(v[j].name, v[nv].name)) {
				intent_set_err(err, errlen,
				               "%s: duplicate intent '%s' (also in %s)", path,
				               v[nv].name, v[j].file);
				intent_def_clear(&v[nv]);
				goto out;
			}
		}
		nv++;
	}
	snprintf(path, sizeof(path), "%s/angry.tone", dir);
	if ((probe = fopen(path, "rb"))) {
		fclose(probe);
		if (parse_file(path, 1, tone, err, errlen)) {
			intent_def_clear(tone);
			goto out;
		}
		*has_tone = 1;
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (rc) {
		for (size_t j = 0; j < nv; j++)
			intent_def_clear(&v[j]);
		free(v);
		return -1;
	}
	*defs = v, *ndefs = nv;
	return 0;
}
