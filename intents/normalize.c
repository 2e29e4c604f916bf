/*
 * normalize.c - text folding for the intent engine and street register.
 *
 * Data flow: raw citizen bytes -> normalize_text() -> " lowercase ascii words "
 * that intent patterns (folded by normalize_pattern()) and street keys are
 * matched against. Pure functions, no state.
 */
#include <string.h>

#include "normalize.h"

/* ASCII fold of U+00C0..U+00FF (NULL: not a letter, becomes a space). */
static const char *const latin1_fold[64] = {
    "a", "a", "a", "a", "a", "a", "a", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "a", "c",  "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y",
};

int utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	int n;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if ((size_t)n > avail)
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static unsigned int utf8_decode(const unsigned char *s, int n)
{
	static const unsigned char mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
	unsigned int cp = s[0] & mask[n];

	for (int i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3F);
	return cp;
}

/* Fold of one code point: ASCII letters/digits, folded Latin-1 letters, other scripts as they
 * are (ret 1 with *copy set), or NULL for a separator. */
static const char *fold_cp(unsigned int cp, char ascii[2], int *copy)
{
	*copy = 0;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			ascii[0] = (char)cp;
			ascii[1] = 0;
			return ascii;
		}
		return NULL;
	}
	if (cp >= 0xC0 && cp <= 0xFF)
		return latin1_fold[cp - 0xC0];
	if (cp >= 0x370 && cp < 0x2000) { /* Greek, Cyrillic, Arabic, ...: keep as they are */
		*copy = 1;
		return "";
	}
	return NULL; /* Latin-1 symbols, punctuation, emoji, everything else */
}

static int is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The letter c would follow prev: drop it when it repeats prev or ends an ae/oe digraph. */
static int letter_absorbed(char prev, char c)
{
	if (!is_letter(c) || !is_letter(prev))
		return 0;
	return c == prev || (c == 'e' && (prev == 'a' || prev == 'o'));
}

struct fold_out {
	char *buf;
	size_t len, cap;
	uint16_t *map;
};

static void emit(struct fold_out *o, char c, size_t src)
{
	if (o->len + 2 >= o->cap) /* keep room for the final space and NUL */
		return;
	if (o->map)
		o->map[o->len] = (uint16_t)src;
	o->buf[o->len++] = c;
}

static void emit_space(struct fold_out *o, size_t src)
{
	if (o->len > 0 && o->buf[o->len - 1] != ' ')
		emit(o, ' ', src);
}

/* ' and its typographic twin: inside a word they vanish instead of splitting it. */
static int is_word_apostrophe(unsigned int cp)
{
	return cp == 0x27 || cp == 0x2019;
}

static void emit_folded(struct fold_out *o, const char *s, size_t src)
{
	for (; *s; s++) {
		char prev = o->len ? o->buf[o->len - 1] : ' ';
		if (letter_absorbed(prev, *s))
			continue;
		if (is_digit(*s) && is_letter(prev))
			emit(o, ' ', src);
		emit(o, *s, src);
	}
}

size_t normalize_text(const char *in, size_t len, char *out, size_t out_size, uint16_t *srcmap)
{
	struct fold_out o = {out, 0, out_size, NULL};
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;

	o.map = srcmap; /* written through: not a const parameter */
	if (out_size < 3) {
		if (out_size)
			out[0] = 0;
		return 0;
	}
	if (len > NORMALIZE_MAX_INPUT)
		len = NORMALIZE_MAX_INPUT;
	emit(&o, ' ', 0);
	while (i < len) {
		int n = utf8_seq_len(s + i, len - i);
		char ascii[2];
		int copy;
		unsigned int cp;
		const char *f;

		if (n == 0) {
			emit_space(&o, i++);
			continue;
		}
		cp = utf8_decode(s + i, n);
		if (is_word_apostrophe(cp) && o.len && is_letter(o.buf[o.len - 1])) {
			i += (size_t)n; /* "don't" -> "dont", "can't" -> "cant" */
			continue;
		}
		f = fold_cp(cp, ascii, &copy);
		if (copy) {
			if (o.len + (size_t)n + 2 >= o.cap) /* never a truncated sequence */
				break;
			for (int k = 0; k < n; k++)
				emit(&o, (char)s[i + k], i);
		} else if (f) {
			emit_folded(&o, f, i);
		} else {
			emit_space(&o, i);
		}
		i += (size_t)n;
	}
	if (o.buf[o.len - 1] != ' ') {
		if (o.map)
			o.map[o.len] = (uint16_t)len;
		o.buf[o.len++] = ' ';
	}
	if (o.map)
		o.map[o.len] = (uint16_t)len;
	o.buf[o.len] = 0;
	return o.len;
}

/* --- patterns ------------------------------------------------------------- */

/* Copy pat[*i] up to and including the first `close` (or the end). */
static int copy_through(const char *pat, size_t *i, char close, char *out, size_t *o, size_t cap)
{
	do {
		if (*o + 1 >= cap)
			return -1;
		out[(*o)++] = pat[*i];
	} while (pat[(*i)++] != close && pat[*i]);
	return 0;
}

static int is_quantifier(char c)
{
	return c == '?' || c == '*' || c == '+' || c == '{';
}

/* Length of the construct at pat[i] that must be copied verbatim, 0 if none. */
static size_t verbatim_len(const char *pat, size_t i)
{
	const char *p = pat + i;
	const char *end;

	if (p[0] == '\\') {
		if (!p[1])
			return 1;
		if (strchr("pPxNgko", p[1]) && p[2] == '{' && (end = strchr(p, '}')))
			return (size_t)(end - p) + 1;
		if (p[1] == 'Q') {
			end = strstr(p, "\\E");
			return end ? (size_t)(end - p) + 2 : strlen(p);
		}
		return 2;
	}
	if (p[0] == '(' && p[1] == '*' && (end = strchr(p, ')')))
		return (size_t)(end - p) + 1; /* (*VERB) */
	if (p[0] == '(' && p[1] == '?') {
		const char *q = p + 2;
		if (*q == 'P')
			q++;
		if ((*q == '<' || *q == '\'') && q[1] != '=' && q[1] != '!' &&
		    (end = strchr(q + 1, *q == '<' ? '>' : '\'')))
			return (size_t)(end - p) + 1; /* (?<name> */
		if (*q == 'P' || *q == '&' || *q == '#' || (*q >= 'a' && *q <= 'z') ||
		    (*q >= 'A' && *q <= 'Z') || *q == '-' || *q == '^')
			if ((end = strpbrk(q, ":)")))
				return (size_t)(end - p) + 1; /* (?i) (?P>x) (?&x) ... */
	}
	if (p[0] == '{' && (end = strchr(p, '}')))
		return (size_t)(end - p) + 1;
	return 0;
}

int normalize_pattern(const char *pat, char *out, size_t out_size)
{
	size_t i = 0, o = 0;
	char prev = 0; /* previous literal letter, directly adjacent */
	int in_class = 0;

	while (pat[i]) {
		size_t v = in_class && pat[i] != '\\' ? 0 : verbatim_len(pat, i);
		const unsigned char *s = (const unsigned char *)pat + i;
		char ascii[2];
		int copy, n;
		const char *f;

		if (v) {
			if (o + v >= out_size)
				return -1;
			memcpy(out + o, pat + i, v);
			o += v, i += v, prev = 0;
			continue;
		}
		if (!in_class && pat[i] == '[') {
			in_class = 1, prev = 0;
			if (pat[i + 1] == '^' && copy_through(pat, &i, '^', out, &o, out_size))
				return -1;
			if (pat[i] == '[' && copy_through(pat, &i, '[', out, &o, out_size))
				return -1;
			if (pat[i] == ']' && copy_through(pat, &i, ']', out, &o, out_size))
				return -1;
			continue;
		}
		if (in_class && pat[i] == ']')
			in_class = 0;
		n = utf8_seq_len(s, strlen(pat + i));
		if (n == 0)
			return -1;
		f = fold_cp(utf8_decode(s, n), ascii, &copy);
		if (!f || copy || !(is_letter(f[0]))) {
			if (o + (size_t)n >= out_size)
				return -1;
			if (!f || copy || n > 1)
				memcpy(out + o, pat + i, (size_t)n);
			else
				out[o] =
				    pat[i] >= 'A' && pat[i] <= 'Z' ? (char)(pat[i] + 32) : pat[i];
			o += (size_t)n, i += (size_t)n, prev = 0;
			continue;
		}
		i += (size_t)n;
		for (; *f; f++) {
			if (o + 1 >= out_size)
				return -1;
			if (in_class) {
				out[o++] = *f;
				break;
			}
			if (letter_absorbed(prev, *f) && !is_quantifier(pat[i]))
				continue;
			out[o++] = prev = *f;
		}
	}
	out[o] = 0;
	return 0;
}

size_t utf8_sanitize(const char *in, size_t len, char *out, size_t out_size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	while (i < len && o + 4 < out_size) {
		int n = utf8_seq_len(s + i, len - i);
		if (n == 0) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3, i++;
			continue;
		}
		if (n == 1 && s[i] == 0) { /* NUL would end the C string */
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3, i++;
			continue;
		}
		memcpy(out + o, in + i, (size_t)n);
		o += (size_t)n, i += (size_t)n;
	}
	out[o] = 0;
	return o;
}
