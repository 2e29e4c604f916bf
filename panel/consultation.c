/*
 * consultation.c - the parser of consultation files (see consultation.h,
 * docs/panel.md).
 *
 * Data flow: bytes (a file read whole, or the fuzzer's buffer) -> a byte-
 * order mark skipped -> lines (LF or CRLF), each checked for length, UTF-8
 * and control characters -> "key: value" split -> the header keys fill the
 * consultation, "question:" opens a question, "text:"/"option:" fill it ->
 * each question checked when the next one starts, the whole at the end.
 * The first problem stops the parse with "NAME:LINE:COL: what". Why not
 * core/datafile: it reports lines but not columns and reads only files.
 */
#include "consultation.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"

#define DAY_MS (24LL * 3600 * 1000)
#define ZONE_MS (3600LL * 1000) /* dates are Danish standard time, UTC+1 */

static const char *const kind_names[] = {"single", "multiple", "scale", "text"};
static const char *const target_names[] = {"all", "area", "topic"};

const char *panel_kind_name(enum panel_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "?";
}

int panel_kind_from(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, kind_names[i]))
			return i;
	return -1;
}

const char *panel_target_name(enum panel_target t)
{
	return (unsigned)t < 3 ? target_names[t] : "?";
}

int panel_target_from(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, target_names[i]))
			return i;
	return -1;
}

/* The parse in progress. */
struct parser {
	const char *name;
	struct panel_consultation *c;
	char *err;
	size_t errlen;
	int line;
	const char *start; /* the current line's first byte (for columns) */
	unsigned seen;     /* header keys given (bits of enum hkey) */
	int opens_line, closes_line, closes_col;
	int q_line; /* line of the open question's "question:", 0 if none */
	int q_has_text;
};

enum hkey { H_ID, H_TITLE, H_INTRO, H_TARGET, H_OPENS, H_CLOSES, H_COUNT };
static const char *const header_keys[H_COUNT] = {"id",     "title", "intro",
                                                 "target", "opens", "closes"};

/* Column (1-based, in characters) of p in the current line. */
static int column(const struct parser *p, const char *at)
{
	int col = 1;
	for (const unsigned char *s = (const unsigned char *)p->start;
	     s < (const unsigned char *)at; s++)
		col += (*s & 0xC0) != 0x80;
	return col;
}

static int fail(struct parser *p, const char *at, const char *fmt, const char *arg)
{
	char what[300];
	snprintf(what, sizeof(what), fmt, arg ? arg : "");
	text_set_err(p->err, p->errlen, "%s:%d:%d: %s", p->name, p->line, at ? column(p, at) : 1,
	             what);
	return -1;
}

/* Characters (code points) in a valid UTF-8 string. */
static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Copies a text value of at most max characters into dst (size bytes). */
static int put_text(struct parser *p, const char *value, size_t max, char *dst, size_t size,
                    const char *what)
{
	char msg[120];
	if (!*value)
		return fail(p, value, "%s is empty", what);
	if (chars(value) > max || strlen(value) >= size) {
		snprintf(msg, sizeof(msg), "%%s is longer than %zu characters", max);
		return fail(p, value, msg, what);
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* ---- dates ---------------------------------------------------------------- */

static long long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : mdays[m - 1];
}

/* "YYYY-MM-DD" -> ms of its midnight in Danish standard time; -1 if not a date. */
static long long parse_date(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	if (s[10])
		return -1;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	return days_from_civil(y, m, d) * DAY_MS - ZONE_MS;
}

void panel_closing_day(long long closes_ms, int with_year, char *buf, size_t size)
{
	static const char *const months[] = {"januar",    "februar", "marts",    "april",
	                                     "maj",       "juni",    "juli",     "august",
	                                     "september", "oktober", "november", "december"};
	time_t s = (time_t)((closes_ms - 1 + ZONE_MS) / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	if (with_year)
		snprintf(buf, size, "den %d. %s %d", tm.tm_mday, months[tm.tm_mon % 12],
		         tm.tm_year + 1900);
	else
		snprintf(buf, size, "den %d. %s", tm.tm_mday, months[tm.tm_mon % 12]);
}

/* ---- header --------------------------------------------------------------- */

static int valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > PANEL_ID_MAX || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

static int header_target(struct parser *p, const char *value)
{
	const char *sp = strchr(value, ' ');
	char word[8];
	size_t n = sp ? (size_t)(sp - value) : strlen(value);
	if (n >= sizeof(word))
		return fail(p, value, "target must be \"all\", \"area NAME\" or \"topic NAME\"",
		            NULL);
	memcpy(word, value, n);
	word[n] = '\0';
	int t = panel_target_from(word);
	if (t < 0)
		return fail(p, value, "target must be \"all\", \"area NAME\" or \"topic NAME\"",
		            NULL);
	p->c->target = (enum panel_target)t;
	const char *rest = sp ? sp + 1 : "";
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (t == PANEL_TARGET_ALL)
		return *rest ? fail(p, rest, "target \"all\" takes no name", NULL) : 0;
	if (!*rest)
		return fail(p, value + n, "target \"%s\" needs a name", word);
	return put_text(p, rest, PANEL_TARGET_MAX, p->c->target_value, sizeof(p->c->target_value),
	                "the target's name");
}

static int header_date(struct parser *p, const char *value, long long *out, const char *what)
{
	long long ms = parse_date(value);
	if (ms < 0)
		return fail(p, value, "%s must be a date YYYY-MM-DD (2000-2100)", what);
	*out = ms;
	return 0;
}

static int header_line(struct parser *p, int k, const char *key, const char *value)
{
	struct panel_consultation *c = p->c;
	if (p->q_line)
		return fail(p, key, "\"%s:\" belongs before the first question", header_keys[k]);
	if (p->seen & (1u << k) && k != H_INTRO)
		return fail(p, key, "\"%s:\" is given twice", header_keys[k]);
	p->seen |= 1u << k;
	switch (k) {
	case H_ID:
		if (!valid_id(value))
			return fail(p, value, "id must be 1-40 of a-z, 0-9 and '-'", NULL);
		memcpy(c->id, value, strlen(value) + 1);
		return 0;
	case H_TITLE:
		return put_text(p, value, PANEL_TITLE_MAX, c->title, sizeof(c->title), "the title");
	case H_INTRO: { /* repeated intro lines are paragraphs */
		size_t have = strlen(c->intro), add = strlen(value);
		if (!*value)
			return fail(p, value, "the intro is empty", NULL);
		if (chars(c->intro) + (have > 0) + chars(value) > PANEL_INTRO_MAX ||
		    have + 1 + add >= sizeof(c->intro))
			return fail(p, value, "the intro is longer than 1000 characters", NULL);
		if (have)
			c->intro[have++] = '\n';
		memcpy(c->intro + have, value, add + 1);
		return 0;
	}
	case H_TARGET:
		return header_target(p, value);
	case H_OPENS:
		p->opens_line = p->line;
		return header_date(p, value, &c->opens_ms, "opens");
	default:
		p->closes_line = p->line;
		p->closes_col = column(p, value);
		return header_date(p, value, &c->closes_ms, "closes");
	}
}

/* ---- questions -------------------------------------------------------------- */

/* Checks the open question (if any); at is where an error is reported. */
static int question_done(struct parser *p)
{
	if (!p->q_line)
		return 0;
	const struct panel_question *q = &p->c->q[p->c->nquestions - 1];
	int line = p->line;
	p->line = p->q_line;
	int rc = 0;
	if (!p->q_has_text)
		rc = fail(p, NULL, "the question has no \"text:\"", NULL);
	else if ((q->kind == PANEL_SINGLE || q->kind == PANEL_MULTIPLE) && q->noptions < 2)
		rc = fail(p, NULL, "a %s question needs at least 2 options",
		          panel_kind_name(q->kind));
	p->line = line;
	return rc;
}

static int question_start(struct parser *p, const char *value)
{
	if (question_done(p) < 0)
		return -1;
	int kind = panel_kind_from(value);
	if (kind < 0)
		return fail(p, value, "question must be single, multiple, scale or text", NULL);
	if (p->c->nquestions >= PANEL_MAX_QUESTIONS)
		return fail(p, value, "more than 20 questions", NULL);
	struct panel_question *q = &p->c->q[p->c->nquestions++];
	memset(q, 0, sizeof(*q));
	q->kind = (enum panel_kind)kind;
	p->q_line = p->line;
	p->q_has_text = 0;
	return 0;
}

static int question_line(struct parser *p, const char *key, const char *value, int is_text)
{
	if (!p->q_line)
		return fail(p, key, "\"%s:\" belongs to a question; start one with \"question:\"",
		            is_text ? "text" : "option");
	struct panel_question *q = &p->c->q[p->c->nquestions - 1];
	if (is_text) {
		if (p->q_has_text)
			return fail(p, key, "the question has two \"text:\" lines", NULL);
		p->q_has_text = 1;
		return put_text(p, value, PANEL_TEXT_MAX, q->text, sizeof(q->text), "the question");
	}
	if (q->kind == PANEL_SCALE || q->kind == PANEL_TEXT)
		return fail(p, key, "a %s question has no options", panel_kind_name(q->kind));
	if (q->noptions >= PANEL_MAX_OPTIONS)
		return fail(p, key, "more than 10 options", NULL);
	char tmp[sizeof(q->option[0])];
	if (put_text(p, value, PANEL_OPTION_MAX, tmp, sizeof(tmp), "the option") < 0)
		return -1;
	for (int i = 0; i < q->noptions; i++)
		if (!strcasecmp(q->option[i], tmp))
			return fail(p, value, "the option \"%s\" is given twice", tmp);
	memcpy(q->option[q->noptions++], tmp, strlen(tmp) + 1);
	return 0;
}

/* ---- lines ---------------------------------------------------------------- */

/* NULL if line[0..len) is valid UTF-8 without control characters (tab is
 * allowed), else where the first bad byte is. */
static const char *bad_byte(const char *line, size_t len)
{
	const unsigned char *s = (const unsigned char *)line;
	for (size_t i = 0; i < len;) {
		if (s[i] < 0x20 && s[i] != '\t')
			return line + i;
		if (s[i] == 0x7F)
			return line + i;
		int n = text_utf8_seq(s + i, len - i);
		if (n == 0)
			return line + i;
		i += (size_t)n;
	}
	return NULL;
}

static int one_line(struct parser *p, char *line, size_t len)
{
	p->start = line;
	if (len > PANEL_LINE_MAX)
		return fail(p, line + PANEL_LINE_MAX, "the line is longer than 2048 bytes", NULL);
	const char *bad = bad_byte(line, len);
	if (bad)
		return fail(p, bad,
		            *bad && (unsigned char)*bad < 0x80
		                ? "a control character is not allowed"
		                : "not valid UTF-8 (or a NUL byte)",
		            NULL);
	line[len] = '\0';
	char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '#')
		return 0;
	char *colon = strchr(s, ':');
	if (!colon)
		return fail(p, s, "expected \"key: value\"", NULL);
	*colon = '\0';
	char *key = s;
	char *end = colon;
	while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	char *value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	text_trim(value);
	for (int k = 0; k < H_COUNT; k++)
		if (!strcmp(key, header_keys[k]))
			return header_line(p, k, key, value);
	if (!strcmp(key, "question"))
		return question_start(p, value);
	if (!strcmp(key, "text") || !strcmp(key, "option"))
		return question_line(p, key, value, !strcmp(key, "text"));
	return fail(p, key, "unknown key \"%s\"", key);
}

static int finish(struct parser *p)
{
	if (question_done(p) < 0)
		return -1;
	static const int required[] = {H_ID, H_TITLE, H_OPENS, H_CLOSES};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(p->seen & (1u << required[i]))) {
			p->start = "";
			return fail(p, NULL, "the file has no \"%s:\"", header_keys[required[i]]);
		}
	if (p->c->nquestions == 0) {
		p->start = "";
		return fail(p, NULL, "the file has no questions", NULL);
	}
	if (p->c->closes_ms < p->c->opens_ms) {
		text_set_err(p->err, p->errlen, "%s:%d:%d: closes is before opens (line %d)",
		             p->name, p->closes_line, p->closes_col, p->opens_line);
		return -1;
	}
	p->c->closes_ms += DAY_MS; /* open through the closing day */
	return 0;
}

int panel_parse(const char *name, const char *data, size_t len, struct panel_consultation *c,
                char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	struct parser p = {.name = name, .c = c, .err = err, .errlen = errlen, .line = 0};
	if (len > PANEL_FILE_MAX) {
		text_set_err(err, errlen, "%s:1:1: the file is larger than 64 KiB", name);
		return -1;
	}
	char *buf = malloc(len + 1);
	if (!buf) {
		text_set_err(err, errlen, "%s: out of memory", name);
		return -1;
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	size_t off = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
	int rc = 0;
	while (off < len && rc == 0) {
		char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		size_t l = n && buf[off + n - 1] == '\r' ? n - 1 : n;
		p.line++;
		rc = one_line(&p, buf + off, l);
		off += n + (nl != NULL);
	}
	if (rc == 0) {
		p.line = p.line ? p.line : 1;
		rc = finish(&p);
	}
	free(buf);
	return rc;
}

int panel_parse_file(const char *path, struct panel_consultation *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		text_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(PANEL_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, PANEL_FILE_MAX + 1, f) : 0;
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		text_set_err(err, errlen, "%s: cannot read the file", path);
		return -1;
	}
	int rc = panel_parse(path, buf, n, c, err, errlen);
	free(buf);
	return rc;
}
