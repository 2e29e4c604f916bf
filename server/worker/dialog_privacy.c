/*
 * dialog_privacy.c - "slet mine data" and "hvad ved I om mig?" in Messenger
 * (see dialog_privacy.h, docs/privacy.md).
 *
 * Deletion, in two turns:
 *   "slet mine data"        -> what is deleted, what is kept and why, and
 *                              quick replies "Ja, slet mine data" / "Nej, behold dem"
 *   PRIVACY_DELETE_YES      -> the confirmation is queued FIRST (the rules
 *                              need the citizen's open window, which the
 *                              deletion removes), then privacy_delete()
 *                              removes every row about the citizen - the
 *                              event being processed and its messages row
 *                              included - in this event's savepoint, keeps
 *                              the confirmation rows detached (the sender
 *                              deletes them once sent) and leaves a
 *                              tombstone so Meta's echo and receipts of the
 *                              confirmation are dropped, not stored
 *   PRIVACY_DELETE_NO       -> nothing changes
 * The worker then marks the (deleted) event done: an UPDATE of no row.
 *
 * Access: a summary in the chat and a personal link to the export, valid
 * for export_ttl_ms (privacy_export_token_create stores only its hash).
 * Texts: natural Danish; the bot says what it can and cannot do.
 */
#include "dialog_privacy.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "domain/conversation.h"
#include "domain/privacy.h"
#include "outbox/outbox.h"

#define REPLY_MAX 2000

static const char ask_delete[] =
    "Jeg kan slette det, Borgerbot har gemt om dig: vores samtale, dine beskeder og de "
    "oplysninger, der kobler dig til dine henvendelser. Har du meldt en fejl, bliver sagen "
    "liggende hos kommunen, fordi kommunen skal gemme sine sager – men den bliver ikke længere "
    "koblet til dig, dine egne ord bliver fjernet fra den, og du får ikke besked, når den er "
    "løst. Facebook gemmer sin egen kopi af samtalen; den kan du slette i Messenger. Vil du "
    "have slettet dine data?";
static const char deleted_text[] =
    "Så er det gjort: Jeg har slettet dine beskeder og alt det, Borgerbot havde gemt om dig.%s "
    "Skriver du til os igen, starter vi helt forfra.";
static const char deleted_cases[] =
    " Dine sager ligger stadig hos kommunen, men uden dine oplysninger.";
static const char kept_text[] =
    "Det er helt i orden – vi beholder dine oplysninger, som de er. Skriv bare \"slet mine "
    "data\", hvis du skifter mening.";
static const char access_text[] =
    "Her er, hvad Borgerbot har gemt om dig: %lld %s fra dig, %lld %s du har meldt, og %lld %s "
    "du følger. Du kan se det hele her – linket er kun til dig, så del det ikke med andre, og "
    "det virker i %lld dage: %s/privacy/export/%s?format=html\n\nVil du have det slettet, så "
    "skriv \"slet mine data\".";
static const char access_handover[] =
    "Det vil jeg gerne hjælpe med. Jeg giver din besked videre til en medarbejder, som sender "
    "dig en kopi af det, vi har gemt om dig.";

struct pturn {
	sqlite3 *db;
	const struct dialog_knowledge *k;
	const struct dialog_turn *turn;
	struct dialog_outcome *out;
	char *err;
	size_t errlen;
};

/* Queues text; *first_id gets the first outbox row's id (0 if refused). */
static int say(struct pturn *p, const char *text, const struct outbox_quick_reply *qr, size_t n,
               long long *first_id)
{
	struct outbox_reply r = {
	    .text = text, .quick_replies = qr, .n_quick_replies = n, .sender_actions = 1};
	return dialog_queue_reply(p->db, p->turn, &r, p->out, first_id, p->err, p->errlen);
}

static void acted(struct pturn *p, const char *what)
{
	snprintf(p->out->intent, sizeof(p->out->intent), "%s", what);
}

int dialog_privacy_intent(const char *intent)
{
	return !strcmp(intent, "data_deletion") || !strcmp(intent, "data_access");
}

int dialog_privacy_owns(const char *payload)
{
	return payload && !strncmp(payload, PRIVACY_PAYLOAD_PREFIX, strlen(PRIVACY_PAYLOAD_PREFIX));
}

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int give_access(struct pturn *p)
{
	const struct privacy_settings *ps = p->k->privacy;
	if (!ps || !ps->public_url || !ps->public_url[0]) {
		if (say(p, access_handover, NULL, 0, NULL) < 0)
			return -1;
		struct conversation_change ch = {.to = CONVERSATION_WAITING_FOR_STAFF,
		                                 .reason = REASON_OTHER_TOPIC,
		                                 .actor = "bot",
		                                 .intent = "data_access",
		                                 .now_ms = p->turn->now_ms};
		enum conversation_mode from;
		int rc = conversation_transition(p->db, p->turn->conversation_id, &ch, &from,
		                                 p->err, p->errlen);
		p->out->handed_over = rc == CONVERSATION_OK && from == CONVERSATION_BOT;
		p->out->reason = REASON_OTHER_TOPIC;
		return rc == CONVERSATION_ERROR ? -1 : 0;
	}
	struct privacy_summary s;
	char token[PRIVACY_TOKEN_HEX + 1], text[REPLY_MAX];
	if (privacy_summarise(p->db, p->turn->page_id, p->turn->psid, &s) < 0 ||
	    privacy_export_token_create(p->db, p->turn->page_id, p->turn->psid, p->turn->now_ms,
	                                ps->export_ttl_ms, token, sizeof(token)) < 0) {
		snprintf(p->err, p->errlen, "dialog: export link: %s", sqlite3_errmsg(p->db));
		return -1;
	}
	long long days = ps->export_ttl_ms / (24LL * 3600 * 1000);
	snprintf(
	    text, sizeof(text), access_text, s.messages, plural(s.messages, "besked", "beskeder"),
	    s.cases_reported, plural(s.cases_reported, "sag", "sager"), s.cases_followed,
	    plural(s.cases_followed, "sag", "sager"), days > 0 ? days : 1, ps->public_url, token);
	long long first = 0;
	if (say(p, text, NULL, 0, &first) < 0)
		return -1;
	/* the link is the credential: gone from the outbox once delivered */
	if (first > 0 &&
	    privacy_outbox_erase_when_sent(p->db, p->turn->page_id, p->turn->psid, first) < 0) {
		snprintf(p->err, p->errlen, "dialog: %s", sqlite3_errmsg(p->db));
		return -1;
	}
	return 0;
}

int dialog_privacy_start(sqlite3 *db, const struct dialog_knowledge *k,
                         const struct dialog_turn *turn, const char *intent,
                         struct dialog_outcome *out, char *err, size_t errlen)
{
	struct pturn p = {db, k, turn, out, err, errlen};
	if (errlen)
		err[0] = '\0';
	acted(&p, intent);
	if (!strcmp(intent, "data_access"))
		return give_access(&p);
	static const struct outbox_quick_reply yes_no[] = {
	    {"Ja, slet mine data", PRIVACY_DELETE_YES},
	    {"Nej, behold dem", PRIVACY_DELETE_NO},
	};
	return say(&p, ask_delete, yes_no, 2, NULL);
}

static int delete_now(struct pturn *p)
{
	struct privacy_summary s = {0};
	if (privacy_summarise(p->db, p->turn->page_id, p->turn->psid, &s) < 0) {
		snprintf(p->err, p->errlen, "dialog: %s", sqlite3_errmsg(p->db));
		return -1;
	}
	char text[REPLY_MAX];
	snprintf(text, sizeof(text), deleted_text,
	         s.cases_reported + s.cases_followed > 0 ? deleted_cases : "");
	long long first = 0;
	if (say(p, text, NULL, 0, &first) < 0)
		return -1;
	struct privacy_delete_options o = {
	    .current_event_id = p->turn->event_id,
	    .keep_outbox_from = first,
	    .tombstone = 1,
	    .now_ms = p->turn->now_ms,
	};
	struct privacy_counts c = {0};
	char code[PRIVACY_CODE_LEN + 1];
	if (privacy_delete(p->db, p->turn->page_id, p->turn->psid, &o, &c, p->err, p->errlen) < 0)
		return -1;
	if (privacy_request_record(p->db, "messenger", &c, "deleted on the citizen's request",
	                           p->turn->now_ms, code, sizeof(code)) < 0) {
		snprintf(p->err, p->errlen, "dialog: %s", sqlite3_errmsg(p->db));
		return -1;
	}
	char rows[24];
	snprintf(rows, sizeof(rows), "%lld", c.rows_deleted);
	log_event(LOG_INFO, "privacy_deleted", "source", "messenger", "code", code, "rows", rows,
	          NULL);
	const struct privacy_settings *ps = p->k->privacy;
	if (ps && ps->erased)
		ps->erased(ps->hook_arg);
	return 0;
}

int dialog_privacy_payload(sqlite3 *db, const struct dialog_knowledge *k,
                           const struct dialog_turn *turn, const char *payload,
                           struct dialog_outcome *out, char *err, size_t errlen)
{
	struct pturn p = {db, k, turn, out, err, errlen};
	if (errlen)
		err[0] = '\0';
	acted(&p, "data_deletion");
	if (!strcmp(payload, PRIVACY_DELETE_YES))
		return delete_now(&p);
	return say(&p, kept_text, NULL, 0, NULL); /* NO, or a payload we never sent */
}
