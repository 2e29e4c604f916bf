/*
 * intent_lang.c - is a citizen's message English or Danish?
 *
 * The answer decides the language of the bot's reply (English messages get
 * the English crisis text, for instance). It counts common function words of
 * each language in the folded text (" word word ", see normalize.h): short,
 * frequent words that the other language rarely has. Danish wins ties, so a
 * message with no clue at all ("ok", "Duevej 12") is Danish.
 */
#include <string.h>

#include "intent_internal.h"

/* Folded forms: "ikke" is "ike", "på" is "pa", "don't" is "dont". */
static const char *const english[] = {
    "the",    "is",     "are",     "my",   "me",      "you",   "your",   "it",    "its",   "this",
    "that",   "to",     "and",     "of",   "was",     "not",   "dont",   "cant",  "want",  "have",
    "has",    "please", "there",   "what", "when",    "how",   "why",    "with",  "be",    "im",
    "will",   "would",  "anymore", "any",  "someone", "hello", "thanks", "thank", "no",    "our",
    "street", "road",   "on",      "at",   "he",      "she",   "they",   "who",   "where", "can",
};
static const char *const danish[] = {
    "jeg", "er",   "det", "en",  "et",   "og",   "pa",   "at",    "ike",  "til",  "der",
    "har", "min",  "mit", "mig", "med",  "som",  "kan",  "vil",   "hvor", "hvad", "hvornar",
    "os",  "han",  "hun", "de",  "den",  "af",   "ved",  "sa",    "nar",  "vej",  "hej",
    "tak", "mere", "ud",  "nu",  "bare", "ogsa", "hele", "vores", "jer",  "du",   "ik",
};

static int is_one_of(const char *w, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], w, n))
			return 1;
	return 0;
}

const char *intent_language(const char *norm, size_t nlen)
{
	int en = 0, da = 0;
	size_t i = 0;
	while (i < nlen) {
		while (i < nlen && norm[i] == ' ')
			i++;
		size_t start = i;
		while (i < nlen && norm[i] != ' ')
			i++;
		size_t n = i - start;
		if (!n)
			break;
		en += is_one_of(norm + start, n, english, sizeof(english) / sizeof(english[0]));
		da += is_one_of(norm + start, n, danish, sizeof(danish) / sizeof(danish[0]));
	}
	return en > da ? "en" : "da";
}
