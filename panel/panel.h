/*
 * panel.h - the citizen panel's data: consultations, members and their
 * consent, responses, answers, personal form links and results
 * (docs/panel.md). The worker's Messenger flow (worker/dialog_panel.c),
 * the web form (server/panelweb/) and the CLI use these functions; none of
 * them begins or commits: the caller runs writes inside its transaction
 * (store_write() or the worker's savepoint), reads anywhere.
 *
 * Tables (server/store/db.c): panel_consultations, panel_questions,
 * panel_members, panel_consents (the consent log), panel_responses (one per
 * member and consultation, with the SHA-256 of its form token) and
 * panel_answers. Rows about a member carry page_id and psid, so the
 * generic deletion and export of domain/privacy.c cover them; results and
 * exports of answers never carry them.
 *
 * Every function returns 0 (or a count, or 1 for "found") and -1 on a
 * database error, with sqlite3_errmsg(db) telling why, unless it says
 * otherwise.
 */
#ifndef BORGERBOT_PANEL_H
#define BORGERBOT_PANEL_H

#include <sqlite3.h>
#include <stddef.h>

#include "consultation.h"

#define PANEL_TOKEN_HEX 64 /* a form link's token: 32 random bytes in hex */

/* ---- consultations ------------------------------------------------------ */

enum panel_status { PANEL_OPEN, PANEL_CLOSED, PANEL_PUBLISHED };

/* Stores c. A consultation with the same id is replaced while nobody has
 * answered it; otherwise -1 with "already loaded and answered" in err.
 * Returns 0 (new) or 1 (replaced), -1 with err set. */
int panel_store(sqlite3 *db, const struct panel_consultation *c, long long now_ms, char *err,
                size_t errlen);

/* Reads consultation id into *c and its status (closed when its close
 * date has passed). 1 found, 0 not, -1 error. */
int panel_get(sqlite3 *db, const char *id, long long now_ms, struct panel_consultation *c,
              enum panel_status *status);

const char *panel_status_name(enum panel_status s); /* "open", "closed", "published" */

/* One line of panel_list. */
struct panel_summary {
	char id[PANEL_ID_MAX + 1];
	char title[PANEL_TITLE_MAX * 4 + 1];
	enum panel_status status;
	long long opens_ms, closes_ms;
	long long responses, completed;
};
typedef int (*panel_summary_fn)(void *arg, const struct panel_summary *s);
int panel_list(sqlite3 *db, long long now_ms, panel_summary_fn fn, void *arg);

/* Closes id now (no more answers; the form links stop working). 1 done,
 * 0 no such consultation, -1 error. */
int panel_close(sqlite3 *db, const char *id, long long now_ms);
/* Publishes a closed consultation's results. 1 done, 0 no such
 * consultation, 2 not closed yet, -1 error. */
int panel_publish(sqlite3 *db, const char *id, long long now_ms);

/* ---- results ------------------------------------------------------------- */

struct panel_question_result {
	long long answered;                 /* responses that answered it */
	long long count[PANEL_MAX_OPTIONS]; /* per option; a scale's 1..5 in [0..4] */
	long long sum;                      /* a scale's sum of values */
};

struct panel_results {
	long long responses; /* members who answered at least one question */
	long long completed; /* members who answered all of it */
	long long members;   /* active members in its target group now */
	struct panel_question_result q[PANEL_MAX_QUESTIONS];
};

int panel_results(sqlite3 *db, const struct panel_consultation *c, struct panel_results *r);

/* Every answer of consultation id, without who gave it: respondent is a
 * number 1..n in an order unrelated to the members (the hash of the
 * response), choice is the option index or scale value (-1 for text),
 * text the free text or NULL. */
typedef int (*panel_answer_fn)(void *arg, int respondent, int qno, int choice, const char *text);
int panel_answers_each(sqlite3 *db, const char *id, panel_answer_fn fn, void *arg);

/* ---- members ---------------------------------------------------------------- */

enum panel_member {
	PANEL_NONE,     /* never asked */
	PANEL_INVITED,  /* the bot invited them once (no answer yet) */
	PANEL_ASKED,    /* the consent question is waiting for an answer */
	PANEL_MEMBER,   /* consented */
	PANEL_DECLINED, /* said no */
	PANEL_LEFT      /* left ("meld mig ud") */
};

struct panel_member_info {
	enum panel_member status;
	char area[PANEL_TARGET_MAX * 4 + 1];
	char topics[PANEL_TARGET_MAX * 4 + 1];
	int profile_step; /* 0 none, 1 area asked, 2 topics asked */
	long long invited_at;
};

int panel_member_get(sqlite3 *db, const char *page_id, const char *psid,
                     struct panel_member_info *m);
/* Sets the member's status (and invited_at for PANEL_INVITED). */
int panel_member_set(sqlite3 *db, const char *page_id, const char *psid, enum panel_member status,
                     long long now_ms);
/* Logs a consent answer ("yes", "no" or "left") with the text's version and
 * moves the member to PANEL_MEMBER, PANEL_DECLINED or PANEL_LEFT. */
int panel_consent(sqlite3 *db, const char *page_id, const char *psid, const char *version,
                  const char *answer, long long now_ms);
/* Sets what the profile asks next (step) and an answer ("area" or
 * "topics"; value NULL to skip). */
int panel_profile_set(sqlite3 *db, const char *page_id, const char *psid, int step,
                      const char *field, const char *value);

/* What panel_leave did with the member's answers. */
struct panel_leave_result {
	long long deleted; /* answers to open consultations, and free texts */
	long long kept;    /* choices in closed consultations, kept until the member decides */
};
/* Ends the membership at once (consent log "left", status PANEL_LEFT) and
 * stops every delivery: open responses are ended, their answers and every
 * free-text answer deleted. Choices given to closed consultations stay
 * linked until panel_answers_forget() (the member's choice, or the
 * retention purge a day later, which detaches them). */
int panel_leave(sqlite3 *db, const char *page_id, const char *psid, const char *version,
                long long now_ms, struct panel_leave_result *r);
/* The member's remaining answers: deleted (delete = 1) or kept without
 * page_id and psid, so nobody can tell whose they were. Returns rows. */
long long panel_answers_forget(sqlite3 *db, const char *page_id, const char *psid, int delete);

/* Member counts for `borgerbot panel members`. */
struct panel_member_counts {
	long long members, left, declined, invited, asked;
};
int panel_member_counts(sqlite3 *db, struct panel_member_counts *n);

/* ---- responses ------------------------------------------------------------- */

enum panel_state {
	PANEL_OFFERED,   /* "Har du 2 minutter?" sent */
	PANEL_DECLINED_, /* "Ikke nu" (not offered again) */
	PANEL_ANSWERING, /* questions in Messenger, next_q is next */
	PANEL_DONE,      /* all answered (in Messenger or the form) */
	PANEL_ENDED      /* the member left */
};

struct panel_response {
	long long id;
	char consultation_id[PANEL_ID_MAX + 1];
	enum panel_state state;
	int next_q;
};

/* The member's unfinished response (offered or answering) to a consultation
 * still open, else the next open consultation of their target group they
 * have not been offered (r->id = 0 then). 1 found, 0 nothing, -1 error. */
int panel_next(sqlite3 *db, const char *page_id, const char *psid, long long now_ms,
               struct panel_response *r);
/* The member's current unfinished response to an open consultation. */
int panel_current(sqlite3 *db, const char *page_id, const char *psid, long long now_ms,
                  struct panel_response *r);
/* Creates the member's response to consultation_id in state PANEL_OFFERED. */
int panel_offer(sqlite3 *db, const char *consultation_id, const char *page_id, const char *psid,
                long long now_ms, struct panel_response *r);
int panel_response_set(sqlite3 *db, long long response_id, enum panel_state state, int next_q,
                       long long now_ms);
/* Records an answer: single, scale and text replace the question's
 * answer; multiple adds the option (once). */
int panel_answer(sqlite3 *db, long long response_id, const struct panel_question *q, int qno,
                 int choice, const char *text, long long now_ms);
/* The options of a multiple-choice question already chosen, as bits. */
int panel_chosen(sqlite3 *db, long long response_id, int qno, unsigned *bits);

/* ---- the web form's links ---------------------------------------------------- */

/* A new random token for the response; only its SHA-256 is stored (a new
 * token replaces the old link). token gets PANEL_TOKEN_HEX + 1 bytes. */
int panel_token_new(sqlite3 *db, long long response_id, char *token, size_t size);

/* What a form link leads to. */
struct panel_link {
	long long response_id;
	char consultation_id[PANEL_ID_MAX + 1];
	enum panel_state state;
};
/* 1 with *l when token belongs to a response of a member who is still a
 * member, 0 when it does not (wrong, replaced, left), -1 error. */
int panel_token_find(sqlite3 *db, const char *token, struct panel_link *l);

/* The answers of a response for the form (choice, text as above). */
typedef int (*panel_own_fn)(void *arg, int qno, int choice, const char *text);
int panel_response_answers(sqlite3 *db, long long response_id, panel_own_fn fn, void *arg);
/* Removes every answer of the response (the form then writes them anew). */
int panel_answers_clear(sqlite3 *db, long long response_id);

#endif
