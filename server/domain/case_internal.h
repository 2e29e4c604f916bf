/*
 * case_internal.h - what case.c needs from case_rules.c beyond case.h.
 */
#ifndef BORGERBOT_CASE_INTERNAL_H
#define BORGERBOT_CASE_INTERNAL_H

#include "case.h"

int case_rules_house_distance(const struct case_rules *r);
int case_rules_metres(const struct case_rules *r);

#endif
