/*
 * dialog.h - what the bot does with a citizen's message: the conversation
 * logic between the intent engine and the outbox, and every citizen-facing
 * text the bot writes itself.
 *
 * The worker calls dialog_answer() inside the event's savepoint for an
 * inbound message, quick reply or postback on the "messaging" channel of a
 * conversation in mode 'bot'. It classifies the text (intent.h), and then
 * files a case (case.h) or asks where the fault is first, answers from the
 * winter plan (winter.h) or the municipality's content (content.h), asks one
 * clarifying question with quick replies when two routine intents are close,
 * thanks and greets, and hands everything else to a person (mode
 * 'waiting_for_staff', conversation.h) with an honest Danish message. Every
 * reply goes through outbox_enqueue(), so the messaging rules apply.
 *
 * The dialog never reads the clock: the turn carries the time (now_ms) for
 * Meta's 24-hour window, drafts ("where is it?" answers count for two
 * hours), the case's timestamps and the winter plan's "gritted lately".
 */
#ifndef BORGERBOT_DIALOG_H
#define BORGERBOT_DIALOG_H

#include <sqlite3.h>
#include <stddef.h>

struct intent_engine;
struct case_rules;
struct winter_plan;
struct content;
struct crisis_lines;
struct staffing;
struct live_settings;

/* The escalation rules that are the municipality's choice (docs/
 * conversations.md). Crisis and an explicit request for a person always
 * go to staff at once, and complaints too: those are not settings. */
struct dialog_rules {
	int not_understood_retries; /* times the bot asks again before handing over */
	int anger_hands_over;       /* angry + routine intent: answer, then hand over */
	const char *pass_thread_to; /* app id to pass thread control to on hand-over, or NULL */
};
struct privacy_settings;

/* The citizen panel's rules (docs/panel.md, worker/dialog_panel.h). */
struct dialog_panel_rules {
	int enabled;            /* panel_enabled: join, leave, consultations */
	int invite_after_cases; /* invite once after this many reported cases; 0 = never */
	int invite_on_thanks;   /* invite once when a citizen thanks the bot */
	int retention_days;     /* said in the consent text; 0 = until they leave */
};

/* Read-only knowledge, shared by all threads. The intent engine is
 * required; any other part may be NULL (the bot then hands over what needs
 * it; without staffing a person is always said to be there). */
struct dialog_knowledge {
	const struct intent_engine *intents;
	const struct case_rules *cases;
	const struct winter_plan *winter;
	const struct content *content;
	const struct crisis_lines *crisis; /* 112, Livslinien ... (NULL: 112 only) */
	const struct staffing *staffing;
	struct dialog_rules rules;
	const struct privacy_settings *privacy; /* data requests (domain/privacy.h) */
	struct dialog_panel_rules panel;
	/* Admins' changes made while running (core/live_settings.h): when set,
	 * its values win over rules' and panel's, read at every use. */
	const struct live_settings *live;
};

/* A shared location attachment (Meta's legacy coordinates payload). */
struct dialog_location {
	int has;
	double lat, lon;
};

/* One citizen message or postback to answer. */
struct dialog_turn {
	const char *page_id;
	const char *psid;
	long long conversation_id;
	long long event_id;      /* the event answered (the outbox rows' cause), 0 if none */
	const char *text;        /* the citizen's words, or NULL (a photo, a sticker) */
	const char *payload;     /* a quick reply or postback payload, or NULL */
	const char *photos_json; /* JSON array of image URLs the message carried, or NULL */
	struct dialog_location location;
	long long now_ms; /* the time of this turn (ms since the epoch) */
};

/* What the turn did. */
struct dialog_outcome {
	char intent[32]; /* what the dialog acted on ("crisis", "greeting" ...); "" if none */
	int queued;      /* outbox rows queued */
	int refused;     /* the messaging rules refused an answer */
	int handed_over; /* the conversation moved to waiting_for_staff */
	int reason;      /* enum conversation_reason of the hand-over, if handed_over */
	int crisis;      /* a crisis was recognised (urgent, in any mode) */
	int case_filed;  /* a case was filed, or joined (case_joined), for the report */
	int case_joined;
	int asked; /* the bot asked a question back and waits for the answer */
};

/* Answers one turn. Returns 0, or -1 with err set (the caller rolls its
 * savepoint back and the event is retried). */
int dialog_answer(sqlite3 *db, const struct dialog_knowledge *k, const struct dialog_turn *turn,
                  struct dialog_outcome *out, char *err, size_t errlen);

/* A turn in a conversation the bot does not answer (waiting for staff, or
 * with a person): only a crisis is acted on, at once: the citizen gets the
 * 112 / Livslinien answer (take_thread: another app owns the thread, so
 * take control first and give it back with the answer) and the
 * conversation becomes urgent. out->crisis tells. Returns 0 or -1. */
/* For the dialog's own parts (dialog_privacy.c, dialog_panel.c): queues r
 * as the bot's answer to turn (recipient, cause, time and origin filled in
 * here, so Meta's rules apply as to every answer), counts it in out, and
 * gives the first outbox row's id in *first_id (0 if refused; may be NULL).
 * 0, or -1 with err set. */
struct outbox_reply;
int dialog_queue_reply(sqlite3 *db, const struct dialog_turn *turn, struct outbox_reply *r,
                       struct dialog_outcome *out, long long *first_id, char *err, size_t errlen);

int dialog_watch(sqlite3 *db, const struct dialog_knowledge *k, const struct dialog_turn *turn,
                 const char *thread_owner, struct dialog_outcome *out, char *err, size_t errlen);

/* The page's Messenger Profile (Meta's Messenger Profile API body): the Get
 * Started button, the Danish greeting and the persistent menu, whose
 * buttons are postbacks this dialog answers (talk to a person, what the bot
 * does, leave the citizen panel, delete my data). The dialog owns the
 * payloads, so the menu cannot name one it does not handle. Returns a
 * malloc'd JSON text (caller frees), or NULL when out of memory. */
char *dialog_profile_json(void);

#endif
