/*
 * dialog_sensitive.c - finds and masks CPR numbers (see dialog_sensitive.h).
 */
#include "dialog_sensitive.h"

#include <string.h>

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Length of the CPR number at s (11, 10 or 0); the caller checked there is no digit before. */
static size_t cpr_at(const char *s, size_t left)
{
	if (left < 10)
		return 0;
	for (int i = 0; i < 6; i++)
		if (!digit(s[i]))
			return 0;
	int day = two(s), month = two(s + 2);
	if (day < 1 || day > 31 || month < 1 || month > 12)
		return 0;
	size_t sep = (s[6] == '-' || s[6] == ' ') ? 1 : 0;
	if (left < 10 + sep)
		return 0;
	for (size_t i = 6 + sep; i < 10 + sep; i++)
		if (!digit(s[i]))
			return 0;
	if (left > 10 + sep && digit(s[10 + sep]))
		return 0;
	return 10 + sep;
}

/* Appends n bytes of s to out, never splitting a UTF-8 sequence; 0 when it did not fit. */
static int put(char *out, size_t size, size_t *o, const char *s, size_t n)
{
	if (*o + n + 1 > size) {
		while (n > 0 && *o + n + 1 > size)
			n--;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		memcpy(out + *o, s, n);
		*o += n;
		return 0;
	}
	memcpy(out + *o, s, n);
	*o += n;
	return 1;
}

/* The length of out[0..o) without a trailing, incomplete UTF-8 sequence. */
static size_t utf8_whole(const char *out, size_t o)
{
	size_t p = o;
	while (p > 0 && ((unsigned char)out[p - 1] & 0xC0) == 0x80)
		p--;
	if (p == 0)
		return o;
	unsigned char lead = (unsigned char)out[p - 1];
	size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return o - (p - 1) < need ? p - 1 : o;
}

int dialog_mask_cpr(const char *text, char *out, size_t size)
{
	size_t len = strlen(text), o = 0, i = 0;
	int found = 0;
	if (!size)
		return 0;
	while (i < len) {
		size_t n = (i == 0 || !digit(text[i - 1])) ? cpr_at(text + i, len - i) : 0;
		int fits;
		if (n) {
			fits = put(out, size, &o, DIALOG_CPR_MASK, strlen(DIALOG_CPR_MASK));
			found++;
			i += n;
		} else {
			fits = put(out, size, &o, text + i, 1);
			i++;
		}
		if (!fits) {
			o = utf8_whole(out, o);
			break;
		}
	}
	out[o] = '\0';
	return found;
}
