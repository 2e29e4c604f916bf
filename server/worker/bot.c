/*
 * bot.c - the bot's answers (see bot.h).
 *
 * Flow: bot_answer() -> bot_classify() (a small keyword check: is the whole
 * message a greeting or a thank-you?) -> the text from `texts` below ->
 * outbox_enqueue() with mark_seen and typing_on first -> for anything but a
 * greeting or thanks, conversation mode 'bot' -> 'waiting_for_staff'.
 *
 * All citizen-facing texts of the bot live in the `texts` table: natural
 * Danish, and the bot says it is an automated assistant.
 */
#include "bot.h"

#include <stdio.h>
#include <string.h>

#include "outbox/outbox.h"

static const char *const texts[] = {
    [BOT_GREETING] = "Hej! Du skriver med Borgerbot, kommunens digitale assistent. Jeg er en "
                     "automatisk chatbot, men jeg sørger for, at din henvendelse kommer det "
                     "rigtige sted hen. Skriv kort, hvad du gerne vil have hjælp til.",
    [BOT_THANKS] = "Selv tak! Skriv endelig igen, hvis der er mere, du har brug for hjælp til. "
                   "Venlig hilsen Borgerbot, kommunens digitale assistent.",
    [BOT_OTHER] = "Tak for din besked. Jeg er Borgerbot, kommunens automatiske assistent, og "
                  "jeg kan ikke selv svare på det her. Jeg giver din besked videre til en "
                  "medarbejder, som svarer dig her i chatten så hurtigt som muligt.",
};

const char *bot_text(enum bot_intent intent)
{
	return texts[intent];
}

/* ---- classification ------------------------------------------------------ */

#define MAX_WORDS 8
#define WORD_MAX 24

static const char *const greeting_words[] = {
    "hej",           "hejsa",  "hejhej",    "hey",      "hi",   "hello", "hallo",
    "hall\xc3\xb8j", "goddag", "godmorgen", "godaften", "dav",  "davs",  "morn",
    "mojn",          "god",    "morgen",    "dag",      "aften"};
static const char *const thanks_words[] = {"tak", "tusind", "mange", "thanks", "thank", "takker"};
static const char *const filler_words[] = {
    "for",  "hj\xc3\xa6lpen", "det",  "du",  "skal", "have", "s\xc3\xa5", "meget", "you",   "very",
    "much", "borgerbot",      "igen", "der", "og",   "med",  "svaret",    "dig",   "there", "i"};

static int in_list(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w, list[i]))
			return 1;
	return 0;
}

#define IN(w, list) in_list(w, list, sizeof(list) / sizeof((list)[0]))

/* Lower-cases ASCII and Æ, Ø, Å (UTF-8) while copying one word. */
static size_t next_word(const unsigned char *s, size_t *pos, char *out)
{
	size_t i = *pos, n = 0;
	while (s[i] && !(s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z') ||
	                 (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
		i++;
	while (s[i] && (s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z') ||
	                (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) {
		unsigned char c = s[i];
		/* A-Z -> a-z; Æ Ø Å (C3 86, C3 98, C3 85) -> æ ø å (C3 A6, C3 B8, C3 A5) */
		if ((c >= 'A' && c <= 'Z') ||
		    (i > 0 && s[i - 1] == 0xC3 && (c == 0x86 || c == 0x98 || c == 0x85)))
			c = (unsigned char)(c + 0x20);
		if (n < WORD_MAX - 1)
			out[n++] = (char)c;
		i++;
	}
	out[n] = '\0';
	*pos = i;
	return n;
}

enum bot_intent bot_classify(const char *text, const char *payload)
{
	if (payload && !strcmp(payload, "GET_STARTED"))
		return BOT_GREETING;
	if (!text)
		return BOT_OTHER;
	char w[WORD_MAX];
	size_t pos = 0;
	int words = 0, greeting = 0, thanks = 0;
	while (next_word((const unsigned char *)text, &pos, w) > 0) {
		if (++words > MAX_WORDS)
			return BOT_OTHER;
		if (IN(w, thanks_words))
			thanks = 1;
		else if (IN(w, greeting_words))
			greeting = 1;
		else if (!IN(w, filler_words))
			return BOT_OTHER; /* the message says something more */
	}
	if (thanks)
		return BOT_THANKS;
	return greeting ? BOT_GREETING : BOT_OTHER;
}

/* ---- answering ----------------------------------------------------------- */

static int hand_over(sqlite3 *db, long long conversation_id, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
	                       "UPDATE conversations SET mode = 'waiting_for_staff'"
	                       " WHERE id = ?1 AND mode = 'bot'",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "bot: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, conversation_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "bot: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int bot_answer(sqlite3 *db, const struct bot_turn *turn, struct bot_outcome *out, char *err,
               size_t errlen)
{
	*out = (struct bot_outcome){.intent = bot_classify(turn->text, turn->payload)};
	struct outbox_reply r = {
	    .page_id = turn->page_id,
	    .psid = turn->psid,
	    .origin = POLICY_BOT,
	    .cause_event_id = turn->event_id,
	    .text = bot_text(out->intent),
	    .sender_actions = 1,
	};
	struct outbox_result res;
	enum outbox_status st = outbox_enqueue(db, &r, &res, err, errlen);
	if (st == OUTBOX_ERROR)
		return -1;
	out->queued = st == OUTBOX_QUEUED ? res.rows : 0;
	out->refused = st == OUTBOX_REFUSED;
	if (out->intent == BOT_OTHER) {
		if (hand_over(db, turn->conversation_id, err, errlen) < 0)
			return -1;
		out->handed_over = 1;
	}
	return 0;
}
