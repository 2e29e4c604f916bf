/*
 * dialog_sensitive.h - CPR numbers in citizens' messages.
 *
 * Citizens sometimes write their CPR number into the chat ("mit cpr er
 * 010190-1234"). The bot has no use for it and must not keep it: the
 * transcript row and any case description get a masked copy, and the
 * citizen is told, kindly, not to share it here (docs/conversations.md).
 */
#ifndef BORGERBOT_DIALOG_SENSITIVE_H
#define BORGERBOT_DIALOG_SENSITIVE_H

#include <stddef.h>

#define DIALOG_CPR_MASK "[CPR-nummer fjernet]"

/*
 * Copies text into out (size bytes, always NUL-terminated; a longer text is
 * cut at a UTF-8 boundary) with every CPR-shaped number replaced by
 * DIALOG_CPR_MASK: six digits that read as a date (DDMMYY), then "-", " " or
 * nothing, then four digits, with no digit just before or after. Returns the
 * number of CPR numbers replaced.
 */
int dialog_mask_cpr(const char *text, char *out, size_t size);

#endif
