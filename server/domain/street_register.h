/*
 * street_register.h - the municipality's one street register, streets.csv:
 * every street the bot should recognise in a message, its official
 * abbreviation, its area (neighbourhood), and its place in the winter plan.
 *
 *     street,abbreviation,area,winter_class,route
 *     Gammel Kongevej,Gl. Kongevej,Midtbyen,A,Rute 1
 *     Egeskovvej,,,,
 *
 * winter_class and route empty: the street is not in the winter plan (a
 * gritting question about it goes to a person). The file is read once, with
 * core/datafile.h, and each row goes both to the intent engine's register
 * (streets_add) and to the winter plan (winter_add_street), so the two can
 * never disagree about a street's name or area. Format: docs/cases.md.
 */
#ifndef BORGERBOT_STREET_REGISTER_H
#define BORGERBOT_STREET_REGISTER_H

#include <stddef.h>

#include "intents/streets.h"
#include "winter.h"

#define STREET_REGISTER_FILE "streets.csv"           /* its name in a municipality folder */
#define STREET_REGISTER_MAX_BYTES ((size_t)16 << 20) /* a whole country's streets fit */

/*
 * Reads the register at path: each row is added to reg and, if it has a
 * winter class or route, to plan (which needs its classes loaded:
 * winter_load). Either may be NULL to fill only the other. Returns the
 * number of streets, or -1 with "FILE:LINE: reason" in err.
 */
int street_register_read(const char *path, struct streets *reg, struct winter_plan *plan, char *err,
                         size_t errlen);
/* The same into a new register, which the caller owns (and may give to
 * intent_engine_load()). NULL with the reason in err. */
struct streets *street_register_load(const char *path, struct winter_plan *plan, char *err,
                                     size_t errlen);

#endif
