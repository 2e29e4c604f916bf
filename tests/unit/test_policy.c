/*
 * test_policy.c - the messaging rules (24 hours, 7 days, HUMAN_AGENT only),
 * text splitting at sentence / word / code point boundaries, UTF-8
 * truncation, the Graph error classification and the bot's greeting and
 * thanks check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "worker/bot.h"
#include "outbox/graph.h"
#include "outbox/policy.h"

#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)
#define NOW 1790000000000LL

static void bot_inside_24h_is_response(void **state)
{
	(void)state;
	struct policy_decision d;
	policy_decide(POLICY_BOT, NOW - 23 * HOUR, NOW, &d);
	assert_true(d.allowed);
	assert_string_equal(d.messaging_type, "RESPONSE");
	assert_null(d.tag);
	policy_decide(POLICY_BOT, NOW, NOW, &d);
	assert_true(d.allowed);
}

static void bot_outside_24h_is_refused(void **state)
{
	(void)state;
	struct policy_decision d;
	policy_decide(POLICY_BOT, NOW - 25 * HOUR, NOW, &d);
	assert_false(d.allowed);
	assert_non_null(strstr(d.reason, "24-hour"));
	/* the safety margin: one minute before the end already counts as closed */
	policy_decide(POLICY_BOT, NOW - DAY + POLICY_MARGIN_MS / 2, NOW, &d);
	assert_false(d.allowed);
	policy_decide(POLICY_BOT, NOW - DAY + POLICY_MARGIN_MS + 1000, NOW, &d);
	assert_true(d.allowed);
}

static void staff_gets_human_agent_up_to_7_days(void **state)
{
	(void)state;
	struct policy_decision d;
	policy_decide(POLICY_STAFF, NOW - 2 * HOUR, NOW, &d);
	assert_true(d.allowed);
	assert_string_equal(d.messaging_type, "RESPONSE");
	assert_null(d.tag);
	policy_decide(POLICY_STAFF, NOW - 25 * HOUR, NOW, &d);
	assert_true(d.allowed);
	assert_string_equal(d.messaging_type, "MESSAGE_TAG");
	assert_string_equal(d.tag, "HUMAN_AGENT");
	policy_decide(POLICY_STAFF, NOW - 7 * DAY + 2 * POLICY_MARGIN_MS, NOW, &d);
	assert_true(d.allowed);
	assert_string_equal(d.tag, "HUMAN_AGENT");
	policy_decide(POLICY_STAFF, NOW - 7 * DAY, NOW, &d);
	assert_false(d.allowed);
	assert_non_null(strstr(d.reason, "7 days"));
	policy_decide(POLICY_STAFF, NOW - 30 * DAY, NOW, &d);
	assert_false(d.allowed);
}

static void never_wrote_is_refused(void **state)
{
	(void)state;
	struct policy_decision d;
	policy_decide(POLICY_STAFF, 0, NOW, &d);
	assert_false(d.allowed);
	policy_decide(POLICY_BOT, -1, NOW, &d);
	assert_false(d.allowed);
}

static void origin_names(void **state)
{
	(void)state;
	enum policy_origin o;
	assert_int_equal(policy_origin_parse("staff", &o), 0);
	assert_int_equal(o, POLICY_STAFF);
	assert_string_equal(policy_origin_name(o), "staff");
	assert_int_equal(policy_origin_parse("bot", &o), 0);
	assert_int_equal(o, POLICY_BOT);
	assert_int_equal(policy_origin_parse("robot", &o), -1);
}

static void utf8_counts_and_prefixes(void **state)
{
	(void)state;
	const char *s = "Æblegrød på Åvej 😀!"; /* 19 code points */
	size_t len = strlen(s);
	assert_int_equal(policy_utf8_length(s, len), 19);
	/* "Æb" is 3 bytes: never half of Æ */
	assert_int_equal(policy_utf8_prefix(s, len, 1), 2);
	assert_int_equal(policy_utf8_prefix(s, len, 2), 3);
	/* the emoji is 4 bytes: position 17 ends right after it */
	size_t p = policy_utf8_prefix(s, len, 18);
	assert_int_equal(p, len - 1);
	assert_int_equal(policy_utf8_prefix(s, len, 100), len);
	/* a broken sequence counts byte by byte and is never overrun */
	assert_int_equal(policy_utf8_length("a\xC3", 2), 2);
	assert_int_equal(policy_utf8_prefix("\xE2\x80", 2, 1), 1);
}

static void short_text_is_one_part(void **state)
{
	(void)state;
	struct policy_span sp[4];
	assert_int_equal(policy_split_text("  Hej med dig  ", 2000, sp, 4), 1);
	assert_int_equal(sp[0].start, 2);
	assert_int_equal(sp[0].len, 11);
	assert_int_equal(policy_split_text("   \n ", 2000, sp, 4), 0);
	assert_int_equal(policy_split_text("", 2000, sp, 4), 0);
}

static void splits_at_sentence_end(void **state)
{
	(void)state;
	const char *t = "Første sætning. Anden sætning! Tredje? Fjerde";
	struct policy_span sp[8];
	size_t n = policy_split_text(t, 20, sp, 8);
	assert_int_equal(n, 3);
	assert_int_equal(sp[0].len, strlen("Første sætning."));
	assert_memory_equal(t + sp[0].start, "Første sætning.", sp[0].len);
	assert_int_equal(sp[1].len, strlen("Anden sætning!"));
	assert_memory_equal(t + sp[1].start, "Anden sætning!", sp[1].len);
	assert_int_equal(sp[2].len, strlen("Tredje? Fjerde")); /* fits whole */
	assert_memory_equal(t + sp[2].start, "Tredje? Fjerde", sp[2].len);
	/* a sentence end at a line break */
	const char *u = "Linje et\nlinje to og mere tekst";
	n = policy_split_text(u, 12, sp, 8);
	assert_true(n >= 1);
	assert_int_equal(sp[0].len, strlen("Linje et"));
	/* "3.5" is not a sentence end: no space after the dot */
	const char *v = "Det koster 3.5 kr og mere";
	n = policy_split_text(v, 15, sp, 8);
	assert_true(n >= 1);
	assert_int_equal(sp[0].len, strlen("Det koster 3.5"));
}

static void splits_at_words_then_hard(void **state)
{
	(void)state;
	const char *t = "ord ord ord ord";
	struct policy_span sp[8];
	size_t n = policy_split_text(t, 9, sp, 8);
	assert_int_equal(n, 2);
	assert_int_equal(sp[0].len, 7); /* "ord ord" */
	assert_int_equal(sp[1].len, 7);
	/* no space at all: hard cut on a code point boundary (å is 2 bytes) */
	const char *u = "ååååå";
	n = policy_split_text(u, 2, sp, 8);
	assert_int_equal(n, 3);
	assert_int_equal(sp[0].len, 4);
	assert_int_equal(sp[1].len, 4);
	assert_int_equal(sp[2].len, 2);
}

static void long_text_parts_fit_and_rejoin(void **state)
{
	(void)state;
	const char *sentence = "Vi har modtaget din besked om vejen, og vi kigger på den. ";
	size_t slen = strlen(sentence);
	char *t = malloc(slen * 100 + 1);
	for (int i = 0; i < 100; i++)
		memcpy(t + slen * (size_t)i, sentence, slen);
	t[slen * 100] = '\0';
	struct policy_span sp[8];
	size_t n = policy_split_text(t, POLICY_TEXT_MAX, sp, 8);
	assert_true(n >= 3 && n <= 4);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(policy_utf8_length(t + sp[i].start, sp[i].len) <= POLICY_TEXT_MAX);
		assert_int_equal(t[sp[i].start + sp[i].len - 1], '.');
		total += sp[i].len + 1;
	}
	assert_int_equal(total, slen * 100); /* only the spaces at the cuts are gone */
	/* too many parts for the room given: the count says how many */
	assert_true(policy_split_text(t, 100, sp, 8) > 8);
	free(t);
}

static void graph_errors_are_classified(void **state)
{
	(void)state;
	static const struct {
		long status;
		int code, sub;
		enum graph_outcome outcome;
		const char *reason;
	} cases[] = {
	    {200, 0, 0, GRAPH_SENT, "sent"},
	    {500, 0, 0, GRAPH_TRANSIENT, "server_error"},
	    {503, 2, 0, GRAPH_TRANSIENT, "temporary"},
	    {500, 1, 0, GRAPH_TRANSIENT, "temporary"},
	    {400, 1200, 0, GRAPH_TRANSIENT, "temporary"},
	    {400, 4, 0, GRAPH_TRANSIENT, "rate_limit"},
	    {400, 613, 0, GRAPH_TRANSIENT, "rate_limit"},
	    {400, 613, 2018338, GRAPH_PERMANENT, "tag_limit"},
	    {400, 80006, 0, GRAPH_TRANSIENT, "rate_limit"},
	    {429, 0, 0, GRAPH_TRANSIENT, "rate_limit"},
	    {400, 551, 0, GRAPH_PERMANENT, "unavailable"},
	    {400, 200, 1545041, GRAPH_PERMANENT, "unavailable"},
	    {400, 10, 2018278, GRAPH_PERMANENT, "window_closed"},
	    {400, 10, 2534022, GRAPH_PERMANENT, "window_closed"},
	    {400, 10, 2018108, GRAPH_PERMANENT, "unavailable"},
	    {400, 100, 0, GRAPH_PERMANENT, "bad_request"},
	    {401, 190, 0, GRAPH_PERMANENT, "token"},
	    {403, 200, 0, GRAPH_PERMANENT, "permission"},
	    {404, 0, 0, GRAPH_PERMANENT, "client_error"},
	    {500, 100, 0, GRAPH_PERMANENT, "bad_request"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct graph_result r = {0};
		graph_classify(cases[i].status, cases[i].code, cases[i].sub, &r);
		if (r.outcome != cases[i].outcome || strcmp(r.reason, cases[i].reason) != 0)
			fail_msg("case %zu (HTTP %ld, code %d/%d): got %d %s", i, cases[i].status,
			         cases[i].code, cases[i].sub, r.outcome, r.reason);
	}
}

static void bot_recognises_greetings_and_thanks(void **state)
{
	(void)state;
	assert_int_equal(bot_classify("Hej", NULL), BOT_GREETING);
	assert_int_equal(bot_classify("HEJ!!", NULL), BOT_GREETING);
	assert_int_equal(bot_classify("Godmorgen Borgerbot", NULL), BOT_GREETING);
	assert_int_equal(bot_classify("god morgen", NULL), BOT_GREETING);
	assert_int_equal(bot_classify("Halløj", NULL), BOT_GREETING);
	assert_int_equal(bot_classify("HALLØJ", NULL), BOT_GREETING);
	assert_int_equal(bot_classify("Tak", NULL), BOT_THANKS);
	assert_int_equal(bot_classify("Mange tak for hjælpen :)", NULL), BOT_THANKS);
	assert_int_equal(bot_classify("hej og tak", NULL), BOT_THANKS);
	assert_int_equal(bot_classify("Hej, der er hul i vejen", NULL), BOT_OTHER);
	assert_int_equal(bot_classify("Tak, men lyset virker stadig ikke", NULL), BOT_OTHER);
	assert_int_equal(bot_classify("", NULL), BOT_OTHER);
	assert_int_equal(bot_classify(NULL, NULL), BOT_OTHER);
	assert_int_equal(bot_classify("Kom i gang", "GET_STARTED"), BOT_GREETING);
	assert_non_null(strstr(bot_text(BOT_GREETING), "automatisk"));
	assert_non_null(strstr(bot_text(BOT_OTHER), "medarbejder"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bot_inside_24h_is_response),
	    cmocka_unit_test(bot_outside_24h_is_refused),
	    cmocka_unit_test(staff_gets_human_agent_up_to_7_days),
	    cmocka_unit_test(never_wrote_is_refused),
	    cmocka_unit_test(origin_names),
	    cmocka_unit_test(utf8_counts_and_prefixes),
	    cmocka_unit_test(short_text_is_one_part),
	    cmocka_unit_test(splits_at_sentence_end),
	    cmocka_unit_test(splits_at_words_then_hard),
	    cmocka_unit_test(long_text_parts_fit_and_rejoin),
	    cmocka_unit_test(graph_errors_are_classified),
	    cmocka_unit_test(bot_recognises_greetings_and_thanks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
