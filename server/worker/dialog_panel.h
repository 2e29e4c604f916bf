/*
 * dialog_panel.h - the citizen panel in Messenger, private to the worker:
 * joining with explicit consent, the optional profile questions, leaving
 * at once, the one-time invitation, and consultations asked question by
 * question with quick replies or through a personal web-form link
 * (docs/panel.md). The panel's data is panel/panel.h; the texts are here.
 *
 * dialog.c calls two functions, both in the event's savepoint of a
 * conversation in mode 'bot' and after a crisis was ruled out:
 *   dialog_panel_turn()   first: is this turn the panel's (a PANEL_ payload,
 *                         panel_join / panel_leave, the answer to a profile
 *                         or free-text question)? 1 handled, 0 not, -1 error
 *   dialog_panel_after()  last, when the citizen's own matter was answered
 *                         and the chat stays with the bot: offer the next
 *                         consultation ("Har du 2 minutter ...?") to a
 *                         member, or invite an engaged citizen once.
 * Everything goes out as the bot's RESPONSE inside the 24-hour window the
 * citizen's message opened (outbox/policy.h): never HUMAN_AGENT, never a
 * message of its own outside the window.
 */
#ifndef BORGERBOT_DIALOG_PANEL_H
#define BORGERBOT_DIALOG_PANEL_H

/* The postback that leaves the panel at once (also the persistent menu item). */
#define DIALOG_PANEL_LEAVE "PANEL_LEAVE"

#include <sqlite3.h>
#include <stddef.h>

#include "dialog.h"

int dialog_panel_turn(sqlite3 *db, const struct dialog_knowledge *k, const struct dialog_turn *turn,
                      const char *intent, struct dialog_outcome *out, char *err, size_t errlen);

/* answered: the turn gave the citizen a routine answer, filed a case, or
 * greeted or thanked them (not a question back, not a hand-over). */
int dialog_panel_after(sqlite3 *db, const struct dialog_knowledge *k,
                       const struct dialog_turn *turn, int answered, struct dialog_outcome *out,
                       char *err, size_t errlen);

#endif
