/*
 * fuzz_consultation.c - libFuzzer target: the citizen panel's consultation
 * file parser (panel/consultation.h), whose input staff write by hand. A
 * parse either fails with a "NAME:LINE:COL: " error or gives a consultation
 * within every limit: valid UTF-8 texts of bounded length, 1-20 questions,
 * 2-10 options on choice questions and none elsewhere, closes after opens.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "panel/consultation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid UTF-8 text of at most max_chars characters (4 bytes each). */
static void check_text(const char *s, size_t max_chars)
{
	if (strlen(s) > max_chars * 4 || !text_utf8_valid(s, strlen(s)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct panel_consultation c;
	char err[512];
	if (panel_parse("f", (const char *)data, size, &c, err, sizeof(err)) < 0) {
		if (strncmp(err, "f:", 2) != 0)
			abort();
		return 0;
	}
	if (!c.id[0] || !c.title[0] || c.nquestions < 1 || c.nquestions > PANEL_MAX_QUESTIONS ||
	    c.closes_ms <= c.opens_ms)
		abort();
	check_text(c.title, PANEL_TITLE_MAX);
	check_text(c.intro, PANEL_INTRO_MAX);
	check_text(c.target_value, PANEL_TARGET_MAX);
	for (int i = 0; i < c.nquestions; i++) {
		const struct panel_question *q = &c.q[i];
		int choice = q->kind == PANEL_SINGLE || q->kind == PANEL_MULTIPLE;
		if (!q->text[0] ||
		    (choice && (q->noptions < 2 || q->noptions > PANEL_MAX_OPTIONS)) ||
		    (!choice && q->noptions != 0))
			abort();
		check_text(q->text, PANEL_TEXT_MAX);
		for (int o = 0; o < q->noptions; o++)
			check_text(q->option[o], PANEL_OPTION_MAX);
	}
	return 0;
}
