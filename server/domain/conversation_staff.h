/*
 * conversation_staff.h - what staff do with a conversation, and what the
 * citizen is told: take, reply, hand back, close, transfer, note; the
 * disclosure when a person or the bot takes over; the sweep that counts SLA
 * breaches and returns idle chats to the bot.
 *
 * One implementation for every way in: the staff conversation API
 * (api/conversation_api.c), the console, the worker (Meta passed thread
 * control back) and the worker's sweep. Each call runs inside the caller's
 * write transaction: the change of mode (conversation.h) and the messages to
 * the citizen (outbox.h) commit together or not at all. Meta's messaging
 * rules apply through outbox_enqueue() and its one policy function: a staff
 * reply after 24 hours goes as HUMAN_AGENT up to 7 days, and a reply the
 * rules refuse makes the whole call fail with CONVERSATION_REFUSED, so the
 * caller rolls back and nothing changes.
 *
 * Thread control (Conversation Routing): when another app (Meta's Page
 * Inbox) owns the Messenger thread, a message from Borgerbot is preceded by
 * take_thread_control; when `pass_thread_to` is set, a hand-over passes
 * control to that app with the bot's last message.
 */
#ifndef BORGERBOT_CONVERSATION_STAFF_H
#define BORGERBOT_CONVERSATION_STAFF_H

#include <sqlite3.h>
#include <stddef.h>

#include "conversation.h"

#define PAGE_INBOX_APP_ID "263902037430900" /* Meta's Page Inbox (Business Suite) */

#define CONVERSATION_REFUSED (-4) /* Meta's rules allow no message now: 409 */
#define CONVERSATION_INVALID (-5) /* bad input (unknown department, empty text): 400 */

#define CONVERSATION_TEXT_MAX 4000 /* bytes of a staff reply or note */

struct live_settings;

struct municipality;
struct municipality_data;

/* Settings the staff side shares (serve.c fills it once). */
struct conversation_env {
	/* The data files (municipality.h), whose staffing a unit of work sees
	 * through conversation_env_hold(); may be NULL (then staffing stays). */
	struct municipality *data;
	const struct staffing *staffing;  /* departments, hours, targets; may be NULL */
	const char *app_id;               /* this app's Meta app id, or "" */
	const char *pass_thread_to;       /* app to pass thread control to on hand-over, or NULL */
	long long idle_return_ms;         /* a 'staff' chat idle this long returns to the bot */
	const struct live_settings *live; /* when set, staff_idle_return_minutes from it wins */
};

/* For one unit of work (a request, a job): *mine = *shared with the current
 * snapshot's staffing. Give the result to conversation_env_release(). */
const struct municipality_data *conversation_env_hold(const struct conversation_env *shared,
                                                      struct conversation_env *mine);
void conversation_env_release(const struct conversation_env *shared,
                              const struct municipality_data *held);

/* Who does it, and with what. */
struct staff_action {
	const char *actor;            /* username or API key name (recorded) */
	const char *actor_name;       /* the name the citizen is told ("Mette"), or NULL */
	const char *actor_department; /* the actor's department, for the disclosure, or NULL */
	const char *text;             /* reply or note */
	const char *department;       /* transfer target */
	const char *note;             /* optional note recorded with the transition */
	long long now_ms;
};

/* What happened (for the API's answer). */
struct staff_result {
	enum conversation_mode from, to;
	int queued;                 /* outbox rows */
	const char *messaging_type; /* of a reply: "RESPONSE" or "MESSAGE_TAG" */
	const char *tag;            /* "HUMAN_AGENT" or NULL */
	const char *refused;        /* why the rules refused a message (static), or NULL */
	long long note_id;
	long long first_outbox_id;
};

/* Each returns CONVERSATION_OK or an error code of conversation.h or above. */
int conversation_staff_take(sqlite3 *db, const struct conversation_env *env, long long id,
                            const struct staff_action *a, struct staff_result *res, char *err,
                            size_t errlen);
/* Takes the conversation first (with the disclosure) when it is not yet this
 * actor's: from the queue, from the Page Inbox or from a colleague. */
int conversation_staff_reply(sqlite3 *db, const struct conversation_env *env, long long id,
                             const struct staff_action *a, struct staff_result *res, char *err,
                             size_t errlen);
int conversation_staff_hand_back(sqlite3 *db, const struct conversation_env *env, long long id,
                                 const struct staff_action *a, struct staff_result *res, char *err,
                                 size_t errlen);
int conversation_staff_close(sqlite3 *db, const struct conversation_env *env, long long id,
                             const struct staff_action *a, struct staff_result *res, char *err,
                             size_t errlen);
int conversation_staff_transfer(sqlite3 *db, const struct conversation_env *env, long long id,
                                const struct staff_action *a, struct staff_result *res, char *err,
                                size_t errlen);
int conversation_staff_note(sqlite3 *db, const struct conversation_env *env, long long id,
                            const struct staff_action *a, struct staff_result *res, char *err,
                            size_t errlen);

/* Tells the citizen the bot is back ("Du skriver igen med Borgerbot ...")
 * after the mode became 'bot' (Meta passed control back, idle timeout).
 * cause_event_id may be 0. Returns rows queued, or -1. */
int conversation_staff_tell_bot_back(sqlite3 *db, const struct conversation_env *env, long long id,
                                     long long cause_event_id, int idle, long long now_ms,
                                     char *err, size_t errlen);

/* The sweep's findings, added to the caller's counters. */
struct sweep_result {
	int first_response_breaches;
	int resolution_breaches;
	int idle_returned;
	int queued;
};

/* Marks SLA breaches not marked before (first response: no staff reply by
 * the department's next staffed time after the hand-over plus its target;
 * resolution: not back with the bot or closed within its target) and hands
 * idle 'staff' chats back to the bot, telling the citizen. 0 or -1. */
int conversation_staff_sweep(sqlite3 *db, const struct conversation_env *env, long long now_ms,
                             struct sweep_result *out, char *err, size_t errlen);

/* When the department's first-response target ends for a hand-over at
 * handed_over_at (0 = no target). */
long long conversation_first_response_due(const struct conversation_env *env,
                                          const char *department, long long handed_over_at);

#endif
