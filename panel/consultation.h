/*
 * consultation.h - the consultation file format of the citizen panel and its
 * parser (docs/panel.md has the reference).
 *
 * A consultation is a short survey written as a small text file in the
 * spirit of the .intent files: "key: value" lines, '#' comments, blank
 * lines ignored. The header names the consultation; each "question: KIND"
 * line starts a question whose "text:" and "option:" lines follow:
 *
 *     id: vintersaltning
 *     title: Hvad skal vi salte først?
 *     intro: Vintertjenesten vil gerne vide, hvad der betyder mest for dig.
 *     target: all                  (or "area Blomsterkvarteret", "topic veje")
 *     opens: 2026-12-01
 *     closes: 2027-01-31
 *
 *     question: single             (single | multiple | scale | text)
 *     text: Hvordan kommer du oftest frem, når det er glat?
 *     option: Bil
 *     option: Cykel
 *
 * The input is untrusted (staff write it by hand, the fuzzer writes worse):
 * the file, each line, each text and the number of questions and options
 * are bounded; every byte must be valid UTF-8 without control characters;
 * unknown and repeated keys, empty or duplicate options, impossible dates
 * and a close before the open are refused. Every problem is reported as
 * "FILE:LINE:COL: what" (COL counts characters from 1), the first one only.
 */
#ifndef BORGERBOT_PANEL_CONSULTATION_H
#define BORGERBOT_PANEL_CONSULTATION_H

#include <stddef.h>

#define PANEL_FILE_MAX ((size_t)64 * 1024) /* bytes in a consultation file */
#define PANEL_LINE_MAX 2048                /* bytes in one line */
#define PANEL_MAX_QUESTIONS 20
#define PANEL_MAX_OPTIONS 10 /* Messenger shows 13 quick replies; we need room for "Færdig" */
#define PANEL_ID_MAX 40      /* [a-z0-9-] */
/* Limits in characters (code points); buffers hold 4 bytes each. */
#define PANEL_TITLE_MAX 120
#define PANEL_INTRO_MAX 1000
#define PANEL_TEXT_MAX 300  /* a question */
#define PANEL_OPTION_MAX 20 /* an option: a quick reply's title holds 20 */
#define PANEL_TARGET_MAX 80 /* an area's or topic's name */

enum panel_kind { PANEL_SINGLE, PANEL_MULTIPLE, PANEL_SCALE, PANEL_TEXT };
enum panel_target { PANEL_TARGET_ALL, PANEL_TARGET_AREA, PANEL_TARGET_TOPIC };

struct panel_question {
	enum panel_kind kind;
	char text[PANEL_TEXT_MAX * 4 + 1];
	int noptions; /* single and multiple: 2 to PANEL_MAX_OPTIONS; else 0 */
	char option[PANEL_MAX_OPTIONS][PANEL_OPTION_MAX * 4 + 1];
};

struct panel_consultation {
	char id[PANEL_ID_MAX + 1];
	char title[PANEL_TITLE_MAX * 4 + 1];
	char intro[PANEL_INTRO_MAX * 4 + 1]; /* may be "" */
	enum panel_target target;
	char target_value[PANEL_TARGET_MAX * 4 + 1]; /* the area or topic; "" for all */
	long long opens_ms;                          /* 00:00 Danish standard time (UTC+1) */
	long long closes_ms;                         /* the end of the closing day, same zone */
	int nquestions;
	struct panel_question q[PANEL_MAX_QUESTIONS];
};

/* Parses data[0..len) (name is the file name used in errors) into *c.
 * Returns 0, or -1 with err set to "NAME:LINE:COL: what". */
int panel_parse(const char *name, const char *data, size_t len, struct panel_consultation *c,
                char *err, size_t errlen);

/* Reads and parses the file at path (at most PANEL_FILE_MAX bytes). */
int panel_parse_file(const char *path, struct panel_consultation *c, char *err, size_t errlen);

/* "den 28. februar" (with_year: "den 28. februar 2027"): the last day a
 * consultation closing at closes_ms is open, for Danish texts. */
void panel_closing_day(long long closes_ms, int with_year, char *buf, size_t size);

/* "single", "multiple", "scale", "text"; and back (-1 if unknown). */
const char *panel_kind_name(enum panel_kind k);
int panel_kind_from(const char *name);
/* "all", "area", "topic"; and back (-1 if unknown). */
const char *panel_target_name(enum panel_target t);
int panel_target_from(const char *name);

#endif
