/*
 * dialog_panel.c - the citizen panel in Messenger (see dialog_panel.h,
 * docs/panel.md).
 *
 * Joining (two turns, then an optional profile):
 *   panel_join / PANEL_JOIN   -> what the panel is, what is stored, for how
 *                                long, how to leave; "Ja, meld mig ind" /
 *                                "Nej tak" (status 'asked')
 *   PANEL_CONSENT_YES / _NO   -> the answer, the text's version and the time
 *                                logged (panel_consents); yes asks for the
 *                                area (free text, "Spring over"), then a
 *                                topic (quick replies, "Spring over")
 * Leaving: panel_leave / PANEL_LEAVE ends the membership at once and stops
 *   every delivery; kept answers: "Slet mine svar" / "Behold uden navn".
 * A consultation: offered after the member's own matter was answered;
 *   PANEL_START asks question 1; each answer is a quick reply
 *   PANEL_A:<response>:<question>:<choice> (a multiple-choice question takes
 *   one tap per option and "Færdig"), a free-text answer is the next
 *   message; PANEL_LINK sends a personal link to the web form instead.
 * Payloads name the response and question, and are checked against the
 * member's current response, so an old or forged quick reply does nothing.
 */
#include "dialog_panel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/live_settings.h"
#include "domain/privacy.h"
#include "domain/winter.h"
#include "intents/intent.h"
#include "outbox/outbox.h"
#include "panel/panel.h"

#define REPLY_MAX 2400
#define TEXT_ANSWER_MAX 1000 /* bytes of a free-text answer kept */
#define CONSENT_VERSION "panel-consent-1"

static const char consent_text[] =
    "Borgerpanelet er en gruppe borgere, som kommunen af og til spørger om deres mening – fx "
    "om vintersaltning – i korte undersøgelser her i Messenger, højst et par gange om måneden. "
    "Det er frivilligt og har ingen betydning for dine sager.\n\nHvis du melder dig ind, gemmer "
    "vi, at du er med, hvornår du sagde ja, og dine svar. Svarene bruges kun samlet og bliver "
    "aldrig vist med dit navn. %s Du kan melde dig ud når som helst ved at skrive \"meld mig "
    "ud\".\n\nVil du være med i borgerpanelet?";
static const char keep_until_leave[] = "Vi gemmer det, indtil du melder dig ud.";
static const char keep_days[] =
    "Vi gemmer dine svar i højst %d dage, og at du er med, indtil du melder dig ud.";
static const char joined_text[] =
    "Tak, nu er du med i borgerpanelet! Vil du fortælle, hvilken del af kommunen du bor i? Så "
    "kan vi også spørge dig om ting i dit område. Skriv fx bydelen eller din vej – eller tryk "
    "\"Spring over\".";
static const char declined_text[] =
    "Helt i orden – du er ikke med, og vi spørger ikke igen. Du kan altid skrive \"borgerpanel\", "
    "hvis du skifter mening.";
static const char already_text[] =
    "Du er allerede med i borgerpanelet. Vil du ud igen, så skriv \"meld mig ud\".";
static const char topic_text[] = "Hvilket emne interesserer dig mest?";
static const char profile_done[] =
    "Tak! Du hører fra os, når der er en undersøgelse – altid her i chatten, når du selv "
    "skriver til os. Skriv \"meld mig ud\", hvis du vil ud igen.";
static const char left_text[] =
    "Du er nu meldt ud af borgerpanelet, og du får ikke flere undersøgelser fra os.";
static const char left_kept[] =
    " Dine svar på afsluttede undersøgelser er stadig gemt. Skal vi slette dem, eller må vi "
    "beholde dem uden dit navn, så de stadig tæller med?";
static const char not_member_text[] =
    "Du er ikke med i borgerpanelet, så du får ingen undersøgelser fra os. Borgerbot skriver "
    "kun til dig, når du selv skriver, eller når en sag, du har meldt, er løst.";
static const char forgot_deleted[] = "Så er dine svar slettet.";
static const char forgot_kept[] = "Tak! Dine svar er nu gemt uden dit navn.";
static const char invite_text[] =
    "Tak fordi du hjælper kommunen med dine henvendelser! Vil du høre om borgerpanelet? Her "
    "bliver du af og til spurgt om din mening i korte undersøgelser her i chatten.";
static const char invite_no_text[] = "Helt i orden – vi spørger ikke igen.";
static const char offer_text[] = "Har du 2 minutter til en kort undersøgelse? Den handler om: %s";
static const char later_text[] = "Helt i orden. Vi spørger igen, når der er en ny undersøgelse.";
static const char thanks_text[] =
    "Tak for dine svar! Resultatet bliver offentliggjort, når undersøgelsen slutter %s.";
static const char link_text[] =
    "Her er dit personlige link til undersøgelsen. Du kan rette dine svar, indtil den slutter "
    "%s. Linket er kun til dig, så del det ikke med andre: %s/panel/f/%s";
static const char no_link_text[] =
    "Det kan jeg desværre ikke lige nu – svar gerne her i chatten i stedet.";
static const char closed_text[] = "Den undersøgelse er slut, så jeg kan ikke tage imod svar mere.";

#define P_JOIN "PANEL_JOIN"
#define P_YES "PANEL_CONSENT_YES"
#define P_NO "PANEL_CONSENT_NO"
#define P_LEAVE DIALOG_PANEL_LEAVE
#define P_SKIP "PANEL_SKIP"
#define P_TOPIC "PANEL_TOPIC:"
#define P_DELETE "PANEL_FORGET_DELETE"
#define P_KEEP "PANEL_FORGET_KEEP"
#define P_INVITE_NO "PANEL_INVITE_NO"
#define P_START "PANEL_START:"
#define P_LATER "PANEL_LATER:"
#define P_LINK "PANEL_LINK:"
#define P_ANSWER "PANEL_A:"
#define CHOICE_DONE (-1) /* "Færdig" on a multiple-choice question */
#define CHOICE_SKIP (-2) /* "Spring over" on a free-text question */

static const struct {
	const char *title, *topic;
} topics[] = {
    {"Veje og trafik", "veje"},  {"Affald og genbrug", "affald"},
    {"Natur og miljø", "natur"}, {"Kultur og fritid", "kultur"},
    {"Alle emner", ""},
};

struct pn {
	sqlite3 *db;
	const struct dialog_knowledge *k;
	const struct dialog_turn *turn;
	struct dialog_outcome *out;
	char *err;
	size_t errlen;
};

static int db_fail(struct pn *p)
{
	snprintf(p->err, p->errlen, "dialog: panel: %s", sqlite3_errmsg(p->db));
	return -1;
}

/* Queues text; *first gets the first row's id (0 if refused). */
static int say(struct pn *p, const char *text, const struct outbox_quick_reply *qr, size_t n,
               long long *first)
{
	struct outbox_reply r = {.text = text,
	                         .quick_replies = qr,
	                         .n_quick_replies = n,
	                         .sender_actions = p->out->queued == 0};
	return dialog_queue_reply(p->db, p->turn, &r, p->out, first, p->err, p->errlen);
}

static void acted(struct pn *p, const char *what)
{
	snprintf(p->out->intent, sizeof(p->out->intent), "%s", what);
}

static int has_prefix(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* ---- joining -------------------------------------------------------------- */

static int ask_consent(struct pn *p)
{
	struct panel_member_info m;
	if (panel_member_get(p->db, p->turn->page_id, p->turn->psid, &m) < 0)
		return db_fail(p);
	if (m.status == PANEL_MEMBER)
		return say(p, already_text, NULL, 0, NULL);
	char keep[200], text[REPLY_MAX];
	if (p->k->panel.retention_days > 0)
		snprintf(keep, sizeof(keep), keep_days, p->k->panel.retention_days);
	else
		snprintf(keep, sizeof(keep), "%s", keep_until_leave);
	snprintf(text, sizeof(text), consent_text, keep);
	static const struct outbox_quick_reply yes_no[] = {{"Ja, meld mig ind", P_YES},
	                                                   {"Nej tak", P_NO}};
	if (panel_member_set(p->db, p->turn->page_id, p->turn->psid, PANEL_ASKED, p->turn->now_ms) <
	    0)
		return db_fail(p);
	return say(p, text, yes_no, 2, NULL);
}

/* The consent text's version: its wording and the retention it promises. */
static void consent_version(const struct pn *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/retention-%d", CONSENT_VERSION, p->k->panel.retention_days);
}

static int consent(struct pn *p, int yes)
{
	struct panel_member_info m;
	char version[64];
	consent_version(p, version, sizeof(version));
	if (panel_member_get(p->db, p->turn->page_id, p->turn->psid, &m) < 0)
		return db_fail(p);
	if (m.status == PANEL_MEMBER)
		return say(p, already_text, NULL, 0, NULL);
	if (panel_consent(p->db, p->turn->page_id, p->turn->psid, version, yes ? "yes" : "no",
	                  p->turn->now_ms) < 0)
		return db_fail(p);
	if (!yes)
		return say(p, declined_text, NULL, 0, NULL);
	if (panel_profile_set(p->db, p->turn->page_id, p->turn->psid, 1, NULL, NULL) < 0)
		return db_fail(p);
	static const struct outbox_quick_reply skip[] = {{"Spring over", P_SKIP}};
	return say(p, joined_text, skip, 1, NULL);
}

static int ask_topic(struct pn *p)
{
	struct outbox_quick_reply qr[sizeof(topics) / sizeof(topics[0]) + 1];
	char payloads[sizeof(topics) / sizeof(topics[0])][32];
	size_t n = 0;
	for (; n < sizeof(topics) / sizeof(topics[0]); n++) {
		snprintf(payloads[n], sizeof(payloads[n]), "%s%s", P_TOPIC, topics[n].topic);
		qr[n] = (struct outbox_quick_reply){topics[n].title, payloads[n]};
	}
	qr[n++] = (struct outbox_quick_reply){"Spring over", P_SKIP};
	if (panel_profile_set(p->db, p->turn->page_id, p->turn->psid, 2, NULL, NULL) < 0)
		return db_fail(p);
	return say(p, topic_text, qr, n, NULL);
}

/* The area from the member's words: a named area, or a street's area. */
static const char *area_in(struct pn *p, const char *text, struct intent_result *r)
{
	if (!text || intent_find_place(p->k->intents, text, strlen(text), r) < 0)
		return NULL;
	if (r->area[0])
		return r->area;
	if (r->street[0] && p->k->winter)
		return winter_street_area(p->k->winter, r->street);
	return NULL;
}

static int offer(struct pn *p, int after_join);

/* An answer to the profile's step (1 area, 2 topic); payload or text. */
static int profile_answer(struct pn *p, int step, const char *payload)
{
	const char *page = p->turn->page_id, *psid = p->turn->psid;
	acted(p, "panel_profile");
	if (step == 1) {
		struct intent_result r;
		const char *area = payload ? NULL : area_in(p, p->turn->text, &r);
		if (area && panel_profile_set(p->db, page, psid, 1, "area", area) < 0)
			return db_fail(p);
		return ask_topic(p);
	}
	if (has_prefix(payload, P_TOPIC)) {
		const char *t = payload + strlen(P_TOPIC);
		for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
			if (!strcmp(t, topics[i].topic) && *t &&
			    panel_profile_set(p->db, page, psid, 2, "topics", t) < 0)
				return db_fail(p);
	}
	if (panel_profile_set(p->db, page, psid, 0, NULL, NULL) < 0 ||
	    say(p, profile_done, NULL, 0, NULL) < 0)
		return -1;
	return offer(p, 1);
}

/* ---- leaving ----------------------------------------------------------------- */

static int leave(struct pn *p)
{
	struct panel_member_info m;
	if (panel_member_get(p->db, p->turn->page_id, p->turn->psid, &m) < 0)
		return db_fail(p);
	if (m.status != PANEL_MEMBER && m.status != PANEL_ASKED) {
		if (m.status == PANEL_INVITED &&
		    panel_member_set(p->db, p->turn->page_id, p->turn->psid, PANEL_DECLINED,
		                     p->turn->now_ms) < 0)
			return db_fail(p);
		return say(p, not_member_text, NULL, 0, NULL);
	}
	char version[64];
	consent_version(p, version, sizeof(version));
	struct panel_leave_result r;
	if (panel_leave(p->db, p->turn->page_id, p->turn->psid, version, p->turn->now_ms, &r) < 0)
		return db_fail(p);
	if (r.kept == 0)
		return say(p, left_text, NULL, 0, NULL);
	char text[REPLY_MAX];
	snprintf(text, sizeof(text), "%s%s", left_text, left_kept);
	static const struct outbox_quick_reply choice[] = {{"Slet mine svar", P_DELETE},
	                                                   {"Behold uden navn", P_KEEP}};
	return say(p, text, choice, 2, NULL);
}

static int forget(struct pn *p, int delete)
{
	if (panel_answers_forget(p->db, p->turn->page_id, p->turn->psid, delete) < 0)
		return db_fail(p);
	return say(p, delete ? forgot_deleted : forgot_kept, NULL, 0, NULL);
}

/* ---- consultations ------------------------------------------------------------- */

/* The member's current response and its consultation, when the payload's
 * response id is it and the consultation is still open. 1, 0 or -1. */
static int current(struct pn *p, long long rid, struct panel_response *r,
                   struct panel_consultation *c)
{
	int found = panel_current(p->db, p->turn->page_id, p->turn->psid, p->turn->now_ms, r);
	if (found <= 0)
		return found < 0 ? db_fail(p) : 0;
	if (rid && r->id != rid)
		return 0;
	enum panel_status s;
	found = panel_get(p->db, r->consultation_id, p->turn->now_ms, c, &s);
	if (found < 0)
		return db_fail(p);
	return found && s == PANEL_OPEN;
}

static int ask_question(struct pn *p, const struct panel_response *r,
                        const struct panel_consultation *c)
{
	const struct panel_question *q = &c->q[r->next_q];
	struct outbox_quick_reply qr[PANEL_MAX_OPTIONS + 1];
	char payloads[PANEL_MAX_OPTIONS + 1][64], labels[5][2], text[REPLY_MAX];
	size_t n = 0;
	unsigned chosen = 0;
	if (q->kind == PANEL_MULTIPLE && panel_chosen(p->db, r->id, r->next_q, &chosen) < 0)
		return db_fail(p);
	for (int o = 0; o < q->noptions; o++) {
		if (chosen & (1u << o))
			continue;
		snprintf(payloads[n], sizeof(payloads[n]), "%s%lld:%d:%d", P_ANSWER, r->id,
		         r->next_q, o);
		qr[n] = (struct outbox_quick_reply){q->option[o], payloads[n]};
		n++;
	}
	for (int v = 1; q->kind == PANEL_SCALE && v <= 5; v++) {
		snprintf(labels[v - 1], sizeof(labels[0]), "%d", v);
		snprintf(payloads[n], sizeof(payloads[n]), "%s%lld:%d:%d", P_ANSWER, r->id,
		         r->next_q, v);
		qr[n] = (struct outbox_quick_reply){labels[v - 1], payloads[n]};
		n++;
	}
	if (q->kind == PANEL_MULTIPLE || q->kind == PANEL_TEXT) {
		int last = q->kind == PANEL_MULTIPLE ? CHOICE_DONE : CHOICE_SKIP;
		snprintf(payloads[n], sizeof(payloads[n]), "%s%lld:%d:%d", P_ANSWER, r->id,
		         r->next_q, last);
		qr[n] = (struct outbox_quick_reply){q->kind == PANEL_TEXT ? "Spring over"
		                                    : chosen              ? "Færdig"
		                                                          : "Spring over",
		                                    payloads[n]};
		n++;
	}
	const char *hint = q->kind == PANEL_MULTIPLE ? (chosen ? "Vil du vælge flere? Ellers tryk "
	                                                         "\"Færdig\"."
	                                                       : "Vælg én ad gangen.")
	                   : q->kind == PANEL_TEXT   ? "Skriv dit svar her i chatten."
	                                             : "";
	if (chosen)
		snprintf(text, sizeof(text), "%s", hint);
	else
		snprintf(text, sizeof(text), "Spørgsmål %d af %d: %s%s%s", r->next_q + 1,
		         c->nquestions, q->text, *hint ? " " : "", hint);
	return say(p, text, qr, n, NULL);
}

/* Moves on after question qno: the next question, or thanks at the end. */
static int advance(struct pn *p, struct panel_response *r, const struct panel_consultation *c,
                   int qno)
{
	r->next_q = qno + 1;
	int finished = r->next_q >= c->nquestions;
	if (panel_response_set(p->db, r->id, finished ? PANEL_DONE : PANEL_ANSWERING,
	                       finished ? c->nquestions : r->next_q, p->turn->now_ms) < 0)
		return db_fail(p);
	if (!finished)
		return ask_question(p, r, c);
	char day[40], text[REPLY_MAX];
	panel_closing_day(c->closes_ms, 0, day, sizeof(day));
	snprintf(text, sizeof(text), thanks_text, day);
	return say(p, text, NULL, 0, NULL);
}

/* PANEL_A:<response>:<question>:<choice> */
static int answer_payload(struct pn *p, const char *payload, struct panel_consultation *c)
{
	long long rid;
	int qno, choice, used = 0;
	struct panel_response r;
	acted(p, "panel_answer");
	if (sscanf(payload + strlen(P_ANSWER), "%lld:%d:%d%n", &rid, &qno, &choice, &used) != 3 ||
	    payload[strlen(P_ANSWER) + (size_t)used] != '\0')
		return 0;
	int found = current(p, rid, &r, c);
	if (found <= 0)
		return found < 0 ? -1 : say(p, closed_text, NULL, 0, NULL);
	if (r.state != PANEL_ANSWERING || qno != r.next_q || qno >= c->nquestions)
		return 0; /* an old quick reply: ignore */
	const struct panel_question *q = &c->q[qno];
	int ok = (q->kind == PANEL_SCALE && choice >= 1 && choice <= 5) ||
	         ((q->kind == PANEL_SINGLE || q->kind == PANEL_MULTIPLE) && choice >= 0 &&
	          choice < q->noptions) ||
	         (q->kind == PANEL_MULTIPLE && choice == CHOICE_DONE) ||
	         (q->kind == PANEL_TEXT && choice == CHOICE_SKIP);
	if (!ok)
		return 0;
	if (choice >= 0 && panel_answer(p->db, r.id, q, qno, choice, NULL, p->turn->now_ms) < 0)
		return db_fail(p);
	if (q->kind == PANEL_MULTIPLE && choice >= 0) {
		unsigned chosen;
		if (panel_chosen(p->db, r.id, qno, &chosen) < 0)
			return db_fail(p);
		if ((unsigned)__builtin_popcount(chosen) < (unsigned)q->noptions)
			return ask_question(p, &r, c); /* more, or "Færdig" */
	}
	return advance(p, &r, c, qno);
}

/* The free-text answer to the current question, cut at TEXT_ANSWER_MAX. */
static int text_answer(struct pn *p, struct panel_response *r, struct panel_consultation *c)
{
	char text[TEXT_ANSWER_MAX + 1];
	size_t n = strlen(p->turn->text);
	if (n > TEXT_ANSWER_MAX) {
		n = TEXT_ANSWER_MAX;
		while (n > 0 && ((unsigned char)p->turn->text[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 sequence */
	}
	memcpy(text, p->turn->text, n);
	text[n] = '\0';
	acted(p, "panel_answer");
	if (panel_answer(p->db, r->id, &c->q[r->next_q], r->next_q, -1, text, p->turn->now_ms) < 0)
		return db_fail(p);
	return advance(p, r, c, r->next_q);
}

static int start(struct pn *p, long long rid, struct panel_consultation *c)
{
	struct panel_response r;
	acted(p, "panel_answer");
	int found = current(p, rid, &r, c);
	if (found <= 0)
		return found < 0 ? -1 : say(p, closed_text, NULL, 0, NULL);
	if (r.state == PANEL_OFFERED) {
		r.next_q = 0;
		if (panel_response_set(p->db, r.id, PANEL_ANSWERING, 0, p->turn->now_ms) < 0)
			return db_fail(p);
	}
	r.state = PANEL_ANSWERING;
	return ask_question(p, &r, c);
}

static int later(struct pn *p, long long rid, struct panel_consultation *c)
{
	struct panel_response r;
	int found = current(p, rid, &r, c);
	if (found < 0)
		return -1;
	if (found &&
	    panel_response_set(p->db, r.id, PANEL_DECLINED_, r.next_q, p->turn->now_ms) < 0)
		return db_fail(p);
	return say(p, later_text, NULL, 0, NULL);
}

static int send_link(struct pn *p, long long rid, struct panel_consultation *c)
{
	struct panel_response r;
	acted(p, "panel_link");
	int found = current(p, rid, &r, c);
	if (found <= 0)
		return found < 0 ? -1 : say(p, closed_text, NULL, 0, NULL);
	const struct privacy_settings *ps = p->k->privacy;
	if (!ps || !ps->public_url || !ps->public_url[0])
		return say(p, no_link_text, NULL, 0, NULL);
	char token[PANEL_TOKEN_HEX + 1], day[40], text[REPLY_MAX];
	if (panel_token_new(p->db, r.id, token, sizeof(token)) < 0)
		return db_fail(p);
	panel_closing_day(c->closes_ms, 0, day, sizeof(day));
	snprintf(text, sizeof(text), link_text, day, ps->public_url, token);
	long long first = 0;
	if (say(p, text, NULL, 0, &first) < 0)
		return -1;
	/* the link is the credential: gone from the outbox once delivered */
	if (first > 0 &&
	    privacy_outbox_erase_when_sent(p->db, p->turn->page_id, p->turn->psid, first) < 0)
		return db_fail(p);
	return 0;
}

/* Offers the member's next consultation; after_join: right after joining. */
static int offer(struct pn *p, int after_join)
{
	struct panel_response r;
	int found = panel_next(p->db, p->turn->page_id, p->turn->psid, p->turn->now_ms, &r);
	if (found <= 0 || (r.id && !after_join))
		return found < 0 ? db_fail(p) : 0; /* one offer per consultation */
	struct panel_consultation *c = malloc(sizeof(*c));
	enum panel_status s;
	int rc = -1;
	if (!c || panel_get(p->db, r.consultation_id, p->turn->now_ms, c, &s) <= 0)
		goto out;
	if (!r.id &&
	    panel_offer(p->db, c->id, p->turn->page_id, p->turn->psid, p->turn->now_ms, &r) < 0)
		goto out;
	char text[REPLY_MAX], pay[3][48];
	snprintf(text, sizeof(text), offer_text, c->title);
	snprintf(pay[0], sizeof(pay[0]), "%s%lld", P_START, r.id);
	snprintf(pay[1], sizeof(pay[1]), "%s%lld", P_LATER, r.id);
	snprintf(pay[2], sizeof(pay[2]), "%s%lld", P_LINK, r.id);
	const struct outbox_quick_reply qr[] = {
	    {"Ja, lad os starte", pay[0]}, {"Ikke nu", pay[1]}, {"Svar på en webside", pay[2]}};
	rc = say(p, text, qr, 3, NULL);
out:
	free(c);
	return rc < 0 && !p->err[0] ? db_fail(p) : rc;
}

/* ---- the hooks ------------------------------------------------------------------ */

static int on_payload(struct pn *p, const char *payload)
{
	long long rid = 0;
	struct panel_member_info m;
	if (panel_member_get(p->db, p->turn->page_id, p->turn->psid, &m) < 0)
		return db_fail(p);
	acted(p, "panel_join");
	if (!strcmp(payload, P_JOIN))
		return ask_consent(p);
	if (!strcmp(payload, P_YES) || !strcmp(payload, P_NO))
		return consent(p, !strcmp(payload, P_YES));
	if (!strcmp(payload, P_INVITE_NO))
		return panel_member_set(p->db, p->turn->page_id, p->turn->psid, PANEL_DECLINED,
		                        p->turn->now_ms) < 0
		           ? db_fail(p)
		           : say(p, invite_no_text, NULL, 0, NULL);
	acted(p, "panel_leave");
	if (!strcmp(payload, P_LEAVE))
		return leave(p);
	if (!strcmp(payload, P_DELETE) || !strcmp(payload, P_KEEP))
		return forget(p, !strcmp(payload, P_DELETE));
	if (m.status != PANEL_MEMBER)
		return say(p, not_member_text, NULL, 0, NULL);
	if ((!strcmp(payload, P_SKIP) || has_prefix(payload, P_TOPIC)) && m.profile_step)
		return profile_answer(p, m.profile_step, payload);
	struct panel_consultation *c = malloc(sizeof(*c));
	int rc = 0;
	if (!c)
		return -1;
	if (has_prefix(payload, P_ANSWER))
		rc = answer_payload(p, payload, c);
	else if (sscanf(payload, P_START "%lld", &rid) == 1)
		rc = start(p, rid, c);
	else if (sscanf(payload, P_LATER "%lld", &rid) == 1)
		rc = later(p, rid, c);
	else if (sscanf(payload, P_LINK "%lld", &rid) == 1)
		rc = send_link(p, rid, c);
	free(c);
	return rc;
}

/* A message while a profile or free-text question waits for words. */
static int on_text(struct pn *p)
{
	struct panel_member_info m;
	if (panel_member_get(p->db, p->turn->page_id, p->turn->psid, &m) < 0)
		return db_fail(p);
	if (m.status != PANEL_MEMBER)
		return 0;
	if (m.profile_step == 1)
		return profile_answer(p, 1, NULL) < 0 ? -1 : 1;
	struct panel_response r;
	struct panel_consultation *c = malloc(sizeof(*c));
	int found = c ? current(p, 0, &r, c) : -1;
	int rc = found;
	if (found > 0 && r.state == PANEL_ANSWERING && r.next_q < c->nquestions &&
	    c->q[r.next_q].kind == PANEL_TEXT)
		rc = text_answer(p, &r, c) < 0 ? -1 : 1;
	else if (found > 0)
		rc = 0;
	free(c);
	return rc;
}

/* panel_enabled as in force now (an admin may switch it in the console). */
static int panel_on(const struct dialog_knowledge *k)
{
	return live_settings_or(k->live, LIVE_PANEL_ENABLED, k->panel.enabled) != 0;
}

int dialog_panel_turn(sqlite3 *db, const struct dialog_knowledge *k, const struct dialog_turn *turn,
                      const char *intent, struct dialog_outcome *out, char *err, size_t errlen)
{
	struct pn p = {db, k, turn, out, err, errlen};
	if (errlen)
		err[0] = '\0';
	if (!panel_on(k))
		return 0;
	if (has_prefix(turn->payload, "PANEL_"))
		return on_payload(&p, turn->payload) < 0 ? -1 : 1;
	if (turn->payload)
		return 0;
	if (intent && !strcmp(intent, "panel_join")) {
		acted(&p, "panel_join");
		return ask_consent(&p) < 0 ? -1 : 1;
	}
	if (intent && !strcmp(intent, "panel_leave")) {
		acted(&p, "panel_leave");
		return leave(&p) < 0 ? -1 : 1;
	}
	return turn->text ? on_text(&p) : 0;
}

/* The invitation rule: once, after enough reported cases or a thanks. */
static int invite_due(struct pn *p)
{
	const struct dialog_panel_rules *rules = &p->k->panel;
	const struct live_settings *live = p->k->live;
	long long after_cases =
	    live_settings_or(live, LIVE_PANEL_INVITE_AFTER_CASES, rules->invite_after_cases);
	if (live_settings_or(live, LIVE_PANEL_INVITE_ON_THANKS, rules->invite_on_thanks) &&
	    !strcmp(p->out->intent, "thanks"))
		return 1;
	if (after_cases <= 0)
		return 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(p->db, "SELECT COUNT(*) FROM cases WHERE page_id = ?1 AND psid = ?2",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(p);
	sqlite3_bind_text(st, 1, p->turn->page_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->turn->psid, -1, SQLITE_STATIC);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return n >= after_cases;
}

int dialog_panel_after(sqlite3 *db, const struct dialog_knowledge *k,
                       const struct dialog_turn *turn, int answered, struct dialog_outcome *out,
                       char *err, size_t errlen)
{
	struct pn p = {db, k, turn, out, err, errlen};
	if (errlen)
		err[0] = '\0';
	/* never in a crisis, a complaint or a chat going to staff; only when
	 * the citizen's message was answered inside their window */
	if (!panel_on(k) || !answered || out->handed_over || out->crisis || out->refused ||
	    !out->queued || !strcmp(out->intent, "complaint"))
		return 0;
	struct panel_member_info m;
	if (panel_member_get(db, turn->page_id, turn->psid, &m) < 0)
		return db_fail(&p);
	if (m.status == PANEL_MEMBER)
		return m.profile_step ? 0 : offer(&p, 0);
	if (m.status != PANEL_NONE)
		return 0; /* invited once already, declined or left */
	int due = invite_due(&p);
	if (due <= 0)
		return due;
	static const struct outbox_quick_reply qr[] = {{"Fortæl mere", P_JOIN},
	                                               {"Nej tak", P_INVITE_NO}};
	if (panel_member_set(db, turn->page_id, turn->psid, PANEL_INVITED, turn->now_ms) < 0)
		return db_fail(&p);
	return say(&p, invite_text, qr, 2, NULL);
}
