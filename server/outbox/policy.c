/*
 * policy.c - Meta's messaging rules and the Send API's size rules (see
 * policy.h). Pure functions: no I/O, no clock, no allocation, so every rule
 * is unit-tested (tests/unit/test_policy.c).
 */
#include "policy.h"

#include <string.h>

void policy_decide(enum policy_origin origin, long long last_inbound_ms, long long now_ms,
                   struct policy_decision *out)
{
	*out = (struct policy_decision){0};
	if (last_inbound_ms <= 0) {
		out->reason = "the citizen has never written to the page";
		return;
	}
	long long age = now_ms - last_inbound_ms;
	if (age < POLICY_WINDOW_MS - POLICY_MARGIN_MS) {
		out->allowed = 1;
		out->messaging_type = "RESPONSE";
		out->reason = "inside the 24-hour window";
		return;
	}
	if (origin == POLICY_BOT) {
		out->reason = "the 24-hour window has closed; the bot may not write";
		return;
	}
	if (age < POLICY_HUMAN_AGENT_MS - POLICY_MARGIN_MS) {
		out->allowed = 1;
		out->messaging_type = "MESSAGE_TAG";
		out->tag = "HUMAN_AGENT";
		out->reason = "staff reply within 7 days (HUMAN_AGENT tag)";
		return;
	}
	out->reason = "more than 7 days since the citizen last wrote; wait until they write again";
}

const char *policy_origin_name(enum policy_origin o)
{
	return o == POLICY_STAFF ? "staff" : "bot";
}

int policy_origin_parse(const char *name, enum policy_origin *out)
{
	if (!strcmp(name, "bot"))
		*out = POLICY_BOT;
	else if (!strcmp(name, "staff"))
		*out = POLICY_STAFF;
	else
		return -1;
	return 0;
}

/* Bytes of the sequence starting at s[0] (1 for a broken sequence). */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		n = 2;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4;
	else
		return 1;
	if (n > len)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

size_t policy_utf8_length(const char *s, size_t len)
{
	size_t cp = 0;
	for (size_t i = 0; i < len; cp++)
		i += utf8_seq_len((const unsigned char *)s + i, len - i);
	return cp;
}

size_t policy_utf8_prefix(const char *s, size_t len, size_t max_cp)
{
	size_t i = 0;
	for (size_t cp = 0; i < len && cp < max_cp; cp++)
		i += utf8_seq_len((const unsigned char *)s + i, len - i);
	return i;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* 1 if a sentence ends just before s[i]: ".", "!", "?" or "…" followed by
 * whitespace. */
static int sentence_end_at(const char *s, size_t i)
{
	if (i == 0 || !is_space(s[i]))
		return 0;
	char c = s[i - 1];
	if (c == '.' || c == '!' || c == '?')
		return 1;
	return i >= 3 && memcmp(s + i - 3, "\xE2\x80\xA6", 3) == 0; /* … */
}

/* Where to cut s, whose first window bytes are the most that fit; s[window]
 * exists (the text goes on). Returns a cut in (0, window]. */
static size_t best_cut(const char *s, size_t window)
{
	for (size_t i = window; i > 0; i--)
		if (s[i - 1] == '\n' || sentence_end_at(s, i))
			return i;
	for (size_t i = window; i > 0; i--)
		if (is_space(s[i]))
			return i;
	return window;
}

size_t policy_split_text(const char *text, size_t max_cp, struct policy_span *spans,
                         size_t max_spans)
{
	size_t len = strlen(text), pos = 0, n = 0;
	if (max_cp == 0)
		return 0;
	for (;;) {
		while (pos < len && is_space(text[pos]))
			pos++;
		if (pos >= len)
			break;
		size_t rest = len - pos;
		size_t window = policy_utf8_prefix(text + pos, rest, max_cp);
		size_t end = window == rest ? rest : best_cut(text + pos, window);
		size_t keep = end;
		while (keep > 0 && is_space(text[pos + keep - 1]))
			keep--;
		if (n < max_spans)
			spans[n] = (struct policy_span){pos, keep};
		n++;
		pos += end;
	}
	return n;
}
