/*
 * conversation.h - the conversation state machine: the one place that
 * changes conversations.mode, and the record of every change.
 *
 *            escalate (crisis, asked for a person, complaint, anger, ...)
 *     bot ---------------------------------------> waiting_for_staff
 *      ^  \                                          |   |     ^
 *      |   \ Page Inbox / staff takes it      take   |   |     | transfer
 *      |    `---------------------------> staff <----'   |     |
 *      |                                   |  |  `-------+-----'
 *      `-- hand back / control returned / -'  |          |
 *          idle timeout                       v          v
 *                                           closed <-----'
 *
 * A conversation in mode 'closed' never changes again: the citizen's next
 * message opens a new conversation (conversation_open), so a transcript,
 * its reason and its timers belong to one episode. Every transition writes
 * a conversation_transitions row with who (a staff user, an API key, "bot",
 * "Page Inbox", "system"), when, why (enum conversation_reason) and an
 * optional note. The transcript, cases and notes are read by the staff
 * conversation API (api/conversation_api.c) and the console.
 *
 * This is the database state only: what the citizen is told on a change
 * (disclosure, away answer) is conversation_staff.h's and the dialog's job.
 * Every function runs inside the caller's write transaction (or on any
 * connection, for reads) and never begins or commits.
 */
#ifndef BORGERBOT_CONVERSATION_H
#define BORGERBOT_CONVERSATION_H

#include <sqlite3.h>
#include <stddef.h>

enum conversation_mode {
	CONVERSATION_BOT,
	CONVERSATION_WAITING_FOR_STAFF,
	CONVERSATION_STAFF,
	CONVERSATION_CLOSED,
};

/* Why a conversation changed mode. The names are stored and shown. */
enum conversation_reason {
	REASON_CITIZEN_ASKED,    /* asked for a person */
	REASON_COMPLAINT,        /* a complaint */
	REASON_ANGER,            /* angry, also when the routine part was answered */
	REASON_CRISIS,           /* danger to someone: urgent */
	REASON_NOT_UNDERSTOOD,   /* the bot did not understand, also after asking again */
	REASON_UNKNOWN_PLACE,    /* the citizen could not say where, or the place is unknown */
	REASON_NO_ANSWER,        /* the bot understood but has no answer (data missing) */
	REASON_OTHER_TOPIC,      /* a topic the bot leaves to people (panel, data, ...) */
	REASON_STAFF_TOOK,       /* a person took the conversation */
	REASON_PAGE_INBOX,       /* someone answered from Meta's Page Inbox or another app */
	REASON_HANDED_BACK,      /* staff gave it back to the bot */
	REASON_CONTROL_RETURNED, /* Meta passed thread control back to this app */
	REASON_CLOSED,           /* staff closed it */
	REASON_TRANSFER,         /* staff moved it to another department */
	REASON_IDLE_TIMEOUT,     /* nobody on staff wrote for too long */
	REASON_HAZARD,           /* an acute hazard on the road (a case was filed): urgent */
	REASON_COUNT
};

/* Outcomes of a transition. */
#define CONVERSATION_OK 0
#define CONVERSATION_NOT_FOUND (-1)  /* no such conversation: 404 */
#define CONVERSATION_WRONG_MODE (-2) /* not allowed from the current mode: 409 */
#define CONVERSATION_ERROR (-3)      /* database error: err says which */

/* "bot", "waiting_for_staff", "staff", "closed" <-> enum; parse returns -1
 * for an unknown name. */
const char *conversation_mode_name(enum conversation_mode mode);
int conversation_mode_parse(const char *name, enum conversation_mode *out);
/* "crisis", "citizen_asked", ... <-> enum; parse returns -1 if unknown. */
const char *conversation_reason_name(enum conversation_reason reason);
int conversation_reason_parse(const char *name, enum conversation_reason *out);

/* A change of mode: who, why and what else changes with it. */
struct conversation_change {
	enum conversation_mode to;
	enum conversation_reason reason;
	const char *actor;      /* who: "bot", a username, an API key's name ... */
	const char *actor_name; /* to 'staff': the name the citizen is told, or NULL */
	const char *department; /* to 'waiting_for_staff': whose queue; NULL keeps it */
	const char *note;       /* optional, for staff; never the citizen's words */
	const char *intent;     /* what the bot recognised, or NULL */
	int urgent;             /* marks the conversation urgent (never clears it) */
	long long now_ms;
};

/*
 * Applies ch to conversation id if the state machine allows it from the
 * current mode:
 *   to waiting_for_staff  from bot (escalation), waiting (re-escalation,
 *                         transfer) or staff (transfer); timers restart
 *                         unless it was already waiting
 *   to staff              from bot, waiting or staff (another person takes it)
 *   to bot                from waiting or staff (timers and urgency cleared)
 *   to closed             from bot, waiting or staff
 * Nothing leaves 'closed'. An escalation with reason crisis while in mode
 * 'staff' keeps the person and only marks the conversation urgent (and is
 * recorded). Returns CONVERSATION_OK (and *from, if not NULL), or one of the
 * errors above.
 */
int conversation_transition(sqlite3 *db, long long id, const struct conversation_change *ch,
                            enum conversation_mode *from, char *err, size_t errlen);

/* Reads the mode. Returns 1 and sets *out, 0 when there is no such
 * conversation, -1 with err set on a database error. */
int conversation_get_mode(sqlite3 *db, long long conversation_id, enum conversation_mode *out,
                          char *err, size_t errlen);

/* One conversation as stored (strings "" when NULL). */
struct conversation_row {
	long long id;
	char page_id[64];
	char psid[64];
	enum conversation_mode mode;
	char department[64];
	int urgent;
	char reason[32];
	char intent[32];
	char assignee[80];
	char assignee_name[80];
	char thread_owner_app_id[32];
	long long created_at, updated_at, last_inbound_at, handed_over_at, first_response_at,
	    staff_last_at, closed_at;
	int not_understood;
	int sla_breached;
};

/* 1 found (row set), 0 none, -1 error. */
int conversation_get(sqlite3 *db, long long id, struct conversation_row *row);

/*
 * The citizen's current conversation for an event, opened if needed: the
 * newest conversation of (page_id, psid), or a new one in mode 'bot' when
 * there is none, or when the newest is closed and opens_new is set (a
 * message, postback or reaction from the citizen). Updates updated_at and
 * the inbound/outbound times (ms, 0 = not this kind). Returns the id and
 * sets *mode, or -1 with err set. cache, if not NULL, is the caller's
 * CONVERSATION_OPEN_STMTS statements (start NULL; prepared on first use,
 * kept for the next call; the caller finalizes them): the worker opens a
 * conversation for every event.
 */
#define CONVERSATION_OPEN_STMTS 2
long long conversation_open(sqlite3 *db, const char *page_id, const char *psid, int opens_new,
                            long long now_ms, long long inbound_ms, long long outbound_ms,
                            enum conversation_mode *mode, sqlite3_stmt **cache, char *err,
                            size_t errlen);

/* The bot missed (delta 1: returns the misses in a row) or understood
 * (delta 0: resets). -1 on error. */
int conversation_not_understood(sqlite3 *db, long long id, int delta);

/* Records who owns the Messenger thread (a handover webhook), or NULL. */
int conversation_set_thread_owner(sqlite3 *db, long long id, const char *app_id);

/* A staff reply was queued: the first-response time (once) and the idle
 * timer. 0 or -1. */
int conversation_staff_activity(sqlite3 *db, long long id, int replied, long long now_ms);

/* An internal note (never sent to the citizen). Returns the note's id or -1. */
long long conversation_note_add(sqlite3 *db, long long id, const char *author, const char *text,
                                long long now_ms);

#define CONVERSATION_BREACH_FIRST 1   /* no first staff response in time */
#define CONVERSATION_BREACH_RESOLVE 2 /* not back with the bot or closed in time */

/* Marks one SLA breach bit; returns bit when it was newly set, 0 when it was
 * set before, -1 on error. */
int conversation_mark_breach(sqlite3 *db, long long id, int bit);

#endif
