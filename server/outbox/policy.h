/*
 * policy.h - Meta's messaging rules, in one place (pure functions).
 *
 * Everything the server sends to a citizen passes policy_decide() twice:
 * when the reply is queued (outbox_enqueue) and again just before the
 * request leaves (the outbox sender), because a reply that waited in the
 * queue may have outlived the citizen's window.
 *
 *   origin  time since the citizen's last message   sent as
 *   bot     < 24 h                                   RESPONSE
 *   bot     >= 24 h                                  refused
 *   staff   < 24 h                                   RESPONSE
 *   staff   24 h .. 7 days                           MESSAGE_TAG + HUMAN_AGENT
 *   staff   >= 7 days                                refused
 *   any     citizen never wrote                      refused
 *
 * No other tag is ever used: since 2026-04-27 Meta rejects the old update
 * tags, so nothing else may leave outside the 24-hour window. Both windows
 * close POLICY_MARGIN_MS early, so a little clock skew between Meta and this
 * server never turns an allowed send into Meta's error 10/2018278.
 *
 * Also here: the Send API's size rules. Text longer than POLICY_TEXT_MAX code
 * points is split at sentence boundaries (then words, then hard); quick
 * replies are capped at POLICY_MAX_QUICK_REPLIES with titles truncated to
 * POLICY_QR_TITLE_MAX code points, never splitting a UTF-8 sequence.
 */
#ifndef BORGERBOT_POLICY_H
#define BORGERBOT_POLICY_H

#include <stddef.h>

#define POLICY_WINDOW_MS (24LL * 3600 * 1000)
#define POLICY_HUMAN_AGENT_MS (7LL * 24 * 3600 * 1000)
#define POLICY_MARGIN_MS (60LL * 1000)
#define POLICY_TEXT_MAX 2000
#define POLICY_MAX_QUICK_REPLIES 13
#define POLICY_QR_TITLE_MAX 20

enum policy_origin { POLICY_BOT, POLICY_STAFF };

struct policy_decision {
	int allowed;
	const char *messaging_type; /* "RESPONSE" or "MESSAGE_TAG" when allowed */
	const char *tag;            /* "HUMAN_AGENT" or NULL */
	const char *reason;         /* why, in English, for logs and the console */
};

/* last_inbound_ms: Meta ms of the citizen's last message, postback,
 * reaction or referral; <= 0 when the citizen never wrote. */
void policy_decide(enum policy_origin origin, long long last_inbound_ms, long long now_ms,
                   struct policy_decision *out);

/* "bot"/"staff" <-> enum; returns -1 for an unknown name. */
const char *policy_origin_name(enum policy_origin o);
int policy_origin_parse(const char *name, enum policy_origin *out);

/* Number of code points in s (bytes of a broken sequence count one each). */
size_t policy_utf8_length(const char *s, size_t len);

/* Byte length of the longest prefix of s (len bytes) holding at most
 * max_cp code points and ending on a sequence boundary. */
size_t policy_utf8_prefix(const char *s, size_t len, size_t max_cp);

/* One part of a split text: bytes [start, start + len) of the input. */
struct policy_span {
	size_t start;
	size_t len;
};

/*
 * Splits text into parts of at most max_cp code points each, cutting after
 * the last sentence end (". ", "! ", "? ", "…" or a line break) that fits,
 * else at the last space, else hard at a code point boundary. Whitespace at
 * a cut is dropped. Returns the number of parts written to spans (at most
 * max_spans); a return value above max_spans means more room is needed.
 * Empty or all-blank text gives 0 parts.
 */
size_t policy_split_text(const char *text, size_t max_cp, struct policy_span *spans,
                         size_t max_spans);

#endif
