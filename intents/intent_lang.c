/*
 * intent_lang.c - is a citizen's message English or Danish?
 *
 * The answer decides the language of the bot's reply (English messages get
 * the English crisis text, for instance). It counts common function words of
 * each language in the folded text (" word word ", see normalize.h): short,
 * frequent words that the other language rarely has. Danish wins ties, so a
 * message with no clue at all ("ok", "Duevej 12") is Danish.
 */
#include <stdlib.h>
#include <string.h>

#include "intent_internal.h"

/* Folded forms ("ikke" is "ike", "på" is "pa", "don't" is "dont"), sorted
 * by strcmp for the binary search, each shorter than WORD_MAX
 * (intent_language_check() tests both):
 * whether each is a common English and/or Danish function word. */
static const struct lang_word {
	const char *word;
	unsigned char en, da;
} words[] = {
    {"af", 0, 1},     {"and", 1, 0},     {"any", 1, 0},   {"anymore", 1, 0}, {"are", 1, 0},
    {"at", 1, 1},     {"bare", 0, 1},    {"be", 1, 0},    {"can", 1, 0},     {"cant", 1, 0},
    {"de", 0, 1},     {"den", 0, 1},     {"der", 0, 1},   {"det", 0, 1},     {"dont", 1, 0},
    {"du", 0, 1},     {"en", 0, 1},      {"er", 0, 1},    {"et", 0, 1},      {"han", 0, 1},
    {"har", 0, 1},    {"has", 1, 0},     {"have", 1, 0},  {"he", 1, 0},      {"hej", 0, 1},
    {"hele", 0, 1},   {"hello", 1, 0},   {"how", 1, 0},   {"hun", 0, 1},     {"hvad", 0, 1},
    {"hvor", 0, 1},   {"hvornar", 0, 1}, {"ik", 0, 1},    {"ike", 0, 1},     {"im", 1, 0},
    {"is", 1, 0},     {"it", 1, 0},      {"its", 1, 0},   {"jeg", 0, 1},     {"jer", 0, 1},
    {"kan", 0, 1},    {"me", 1, 0},      {"med", 0, 1},   {"mere", 0, 1},    {"mig", 0, 1},
    {"min", 0, 1},    {"mit", 0, 1},     {"my", 1, 0},    {"nar", 0, 1},     {"no", 1, 0},
    {"not", 1, 0},    {"nu", 0, 1},      {"of", 1, 0},    {"og", 0, 1},      {"ogsa", 0, 1},
    {"on", 1, 0},     {"os", 0, 1},      {"our", 1, 0},   {"pa", 0, 1},      {"please", 1, 0},
    {"road", 1, 0},   {"sa", 0, 1},      {"she", 1, 0},   {"som", 0, 1},     {"someone", 1, 0},
    {"street", 1, 0}, {"tak", 0, 1},     {"thank", 1, 0}, {"thanks", 1, 0},  {"that", 1, 0},
    {"the", 1, 0},    {"there", 1, 0},   {"they", 1, 0},  {"this", 1, 0},    {"til", 0, 1},
    {"to", 1, 0},     {"ud", 0, 1},      {"ved", 0, 1},   {"vej", 0, 1},     {"vil", 0, 1},
    {"vores", 0, 1},  {"want", 1, 0},    {"was", 1, 0},   {"what", 1, 0},    {"when", 1, 0},
    {"where", 1, 0},  {"who", 1, 0},     {"why", 1, 0},   {"will", 1, 0},    {"with", 1, 0},
    {"would", 1, 0},  {"you", 1, 0},     {"your", 1, 0},
};
#define NWORDS (sizeof(words) / sizeof(words[0]))
#define WORD_MAX 16 /* bytes of a listed word, with its NUL */

static int word_cmp(const void *key, const void *elem)
{
	const struct lang_word *k = key, *e = elem;
	return strcmp(k->word, e->word);
}

int intent_language_check(void)
{
	for (size_t i = 0; i < NWORDS; i++)
		if (strlen(words[i].word) >= WORD_MAX ||
		    (i && strcmp(words[i - 1].word, words[i].word) >= 0))
			return -1;
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
		char w[WORD_MAX];
		if (n >= sizeof(w)) /* longer than any word listed */
			continue;
		memcpy(w, norm + start, n);
		w[n] = '\0';
		const struct lang_word key = {w, 0, 0};
		const struct lang_word *hit =
		    bsearch(&key, words, NWORDS, sizeof(words[0]), word_cmp);
		if (hit)
			en += hit->en, da += hit->da;
	}
	return en > da ? "en" : "da";
}
