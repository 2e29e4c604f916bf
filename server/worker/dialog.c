/*
 * dialog.c - the bot's conversation logic (see dialog.h).
 *
 * Flow for one turn:
 *   payload of a quick reply we sent?  -> that choice (clarified intent,
 *                                         "I don't know the address")
 *   a report waiting for its place?    -> the place from this message (or a
 *                                         shared location) files it
 *   otherwise classify the text        -> crisis: urgent hand-over
 *                                         two close routine intents: ask
 *                                         streetlight/road/missed waste: case
 *                                         gritting: winter plan
 *                                         waste/opening hours: content
 *                                         greeting/thanks: friendly reply
 *                                         anything else: hand over
 * All citizen-facing texts the bot writes itself are in the `say` table
 * below: natural Danish, and the bot says it is an automated assistant;
 * `say_en` has the same in English, for a turn the engine reads as English
 * (or the answer to a question asked in English). Case confirmations'
 * subjects, winter and content answers come from the municipality's data
 * files, in English where they have it. The panel's and the privacy
 * dialogs' texts are Danish only (docs/conversations.md). Time comes from
 * the turn, never the clock.
 */
#include "dialog.h"
#include "dialog_panel.h"
#include "dialog_privacy.h"
#include "dialog_sensitive.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/live_settings.h"
#include "core/log.h"
#include "domain/case.h"
#include "domain/content.h"
#include "domain/conversation.h"
#include "domain/crisis_lines.h"
#include "domain/staffing.h"
#include "domain/winter.h"
#include "intents/intent.h"
#include "outbox/outbox.h"

#define DRAFT_MAX_AGE_MS (2LL * 60 * 60 * 1000) /* a "where?" answer counts for 2 hours */
#define REPLY_MAX 2400

enum say {
	SAY_GREETING,
	SAY_THANKS,
	SAY_PASS_ON,
	SAY_ASK_PLACE_LIGHT,
	SAY_ASK_PLACE_ROAD,
	SAY_ASK_PLACE_WASTE,
	SAY_ASK_PLACE_INFO,
	SAY_CASE_NEW,
	SAY_CASE_FOLLOW,
	SAY_CASE_ALREADY,
	SAY_ANGRY_PREFIX,
	SAY_PLACE_UNKNOWN,
	SAY_PLACE_NOT_FOUND,
	SAY_CLARIFY,
	SAY_CRISIS,
	SAY_HUMAN,
	SAY_COMPLAINT,
	SAY_NOT_IN_PLAN,
	SAY_NOT_UNDERSTOOD,
	SAY_ANGRY_HANDOVER,
	SAY_AWAY,
	SAY_CRISIS_AWAY,
	SAY_CPR,
	SAY_HELP,
	SAY_CASE_STATUS,
	SAY_ALSO,
	SAY_HAZARD,
	SAY_STREET_GUESSED,
	SAY_CRISIS_THANKS,
	SAY_CRISIS_FALLBACK,
	SAY_SOON,
	SAY_COUNT
};

static const char *const say[SAY_COUNT] = {
    [SAY_GREETING] = "Hej! Du skriver med Borgerbot, kommunens digitale assistent. Jeg er en "
                     "automatisk chatbot, men jeg sørger for, at din henvendelse kommer det "
                     "rigtige sted hen. Skriv kort, hvad du gerne vil have hjælp til.",
    [SAY_THANKS] = "Selv tak! Skriv endelig igen, hvis der er mere, du har brug for hjælp til. "
                   "Venlig hilsen Borgerbot, kommunens digitale assistent.",
    [SAY_PASS_ON] = "Tak for din besked. Jeg er Borgerbot, kommunens automatiske assistent, og "
                    "jeg kan ikke selv svare på det her. Jeg giver din besked videre til en "
                    "medarbejder, som svarer dig her i chatten så hurtigt som muligt.",
    [SAY_ASK_PLACE_LIGHT] = "Tak for din besked om gadelyset. Hvor er det? Skriv vejnavn og "
                            "husnummer, fx \"Duevej 12\" – eller nummeret på lygtepælen, hvis du "
                            "kan se det.",
    [SAY_ASK_PLACE_ROAD] = "Tak fordi du siger til. Hvor er skaden? Skriv vejnavn og gerne "
                           "husnummer, fx \"Duevej 12\".",
    [SAY_ASK_PLACE_WASTE] = "Det er jeg ked af. Hvilken adresse skulle affaldet være hentet "
                            "på? Skriv vejnavn og husnummer, fx \"Duevej 12\".",
    [SAY_ASK_PLACE_INFO] = "Hvilken vej bor du på? Skriv vejnavnet, så finder jeg svaret.",
    [SAY_CASE_NEW] = "Tak! Jeg har oprettet sag %s om %s hos %s. De kigger på det hurtigst "
                     "muligt, og du får besked her i chatten, når det er ordnet.",
    [SAY_CASE_FOLLOW] = "Tak! Vi kender allerede til det – det er registreret i sag %s hos %s. "
                        "Du får også besked her i chatten, når det er ordnet.",
    [SAY_CASE_ALREADY] = "Du står allerede på sag %s, så du får besked her i chatten, når den "
                         "er løst.",
    [SAY_ANGRY_PREFIX] = "Jeg forstår godt, at det er irriterende. ",
    [SAY_PLACE_UNKNOWN] = "Det er helt i orden. Jeg giver din besked videre til en medarbejder, "
                          "som skriver til dig her i chatten og finder ud af resten sammen med "
                          "dig.",
    [SAY_PLACE_NOT_FOUND] = "Tak. Jeg kan desværre ikke finde den adresse i kommunens "
                            "vejregister, så jeg giver din besked videre til en medarbejder, som "
                            "skriver til dig her i chatten.",
    [SAY_CLARIFY] = "Jeg vil gerne være sikker på, at jeg forstår dig rigtigt. Handler det om "
                    "%s eller %s?",
    /* the crisis answer: "Tak fordi du skriver." + crisis_lines.csv's advice + this */
    [SAY_CRISIS] = "Jeg giver din besked videre til en medarbejder med det samme.",
    [SAY_HUMAN] = "Selvfølgelig. Jeg giver besked til en medarbejder, som skriver til dig her i "
                  "chatten så hurtigt som muligt.",
    [SAY_COMPLAINT] = "Tak fordi du siger det, og undskyld at du har haft en dårlig oplevelse. "
                      "Jeg giver din besked videre til en medarbejder, som vender tilbage til "
                      "dig her i chatten.",
    [SAY_NOT_IN_PLAN] = "Den vej kan jeg ikke finde i kommunens plan for vintertjeneste, så jeg "
                        "giver dit spørgsmål videre til en medarbejder, som svarer dig her i "
                        "chatten.",
    [SAY_NOT_UNDERSTOOD] = "Undskyld, det forstod jeg ikke helt – jeg er en automatisk assistent. "
                           "Vil du skrive det på en anden måde? Eller vælg et af emnerne her:",
    [SAY_ANGRY_HANDOVER] = "Jeg har også bedt en medarbejder om at læse din besked, så du kan "
                           "få et svar fra et menneske her i chatten.",
    /* after a hand-over text, when nobody is at work: %s is "i morgen kl. 8.00" */
    [SAY_AWAY] = "Der er ingen medarbejdere på arbejde lige nu, så du får svar %s.",
    [SAY_CRISIS_AWAY] = "Der er ingen medarbejdere i kommunen på arbejde lige nu; vi læser din "
                        "besked %s. Vent ikke på os, hvis du har brug for hjælp nu.",
    [SAY_CPR] = "Del helst ikke dit CPR-nummer her i chatten – det har jeg ikke brug for. Jeg "
                "har fjernet det fra din besked, og det kommer ikke med i en sag.",
    [SAY_HELP] = "Jeg er Borgerbot, kommunens automatiske assistent. Jeg kan tage imod fejl ved "
                 "gadelys, huller og andre skader på vej og fortov, svare på glatføre og "
                 "snerydning, affald og storskrald og på åbningstider. Alt andet giver jeg "
                 "videre til en medarbejder. Vælg et emne, eller skriv med dine egne ord:",
    /* %s: reference, what and where, what is happening */
    [SAY_CASE_STATUS] = "Din sag %s om %s %s. Du får besked her i chatten, når der sker noget "
                        "nyt.",
    /* %s: the topic of the second matter in one message */
    [SAY_ALSO] = "Du skrev også om %s. Skriv det gerne i en ny besked, så tager jeg mig af det "
                 "bagefter.",
    [SAY_HAZARD] = "Er nogen i fare lige nu, så ring 112. Jeg har også bedt en medarbejder om at "
                   "se på det med det samme.",
    /* %s: the street as the citizen wrote it */
    [SAY_STREET_GUESSED] = "Jeg kunne ikke finde %s i kommunens vejregister, så en medarbejder "
                           "tjekker adressen.",
    [SAY_CRISIS_THANKS] = "Tak fordi du skriver.",
    /* when crisis_lines.csv is missing */
    [SAY_CRISIS_FALLBACK] = "Er du eller en anden i fare lige nu, så ring 112.",
    /* SAY_AWAY's %s when no staffed hours are in sight */
    [SAY_SOON] = "så snart en medarbejder er tilbage",
};

/* The same texts for a citizen who writes in English (same %s, same order). */
static const char *const say_en[SAY_COUNT] = {
    [SAY_GREETING] = "Hi! You are writing with Borgerbot, the municipality's digital assistant. "
                     "I am an automated chatbot, but I make sure your message reaches the right "
                     "people. Tell me briefly what you need help with.",
    [SAY_THANKS] = "You're welcome! Write again any time you need help. Best regards, Borgerbot, "
                   "the municipality's digital assistant.",
    [SAY_PASS_ON] = "Thank you for your message. I am Borgerbot, the municipality's automated "
                    "assistant, and I cannot answer this myself. I am passing your message on "
                    "to a member of staff, who will answer you here in the chat as soon as "
                    "possible.",
    [SAY_ASK_PLACE_LIGHT] = "Thank you for telling us about the street light. Where is it? "
                            "Write the street name and house number, e.g. \"Duevej 12\" – or "
                            "the number on the lamp post if you can see it.",
    [SAY_ASK_PLACE_ROAD] = "Thank you for letting us know. Where is the damage? Write the street "
                           "name and, if you can, the house number, e.g. \"Duevej 12\".",
    [SAY_ASK_PLACE_WASTE] = "I am sorry to hear that. At which address should the waste have "
                            "been collected? Write the street name and house number, e.g. "
                            "\"Duevej 12\".",
    [SAY_ASK_PLACE_INFO] = "Which street do you live on? Write the street name, and I will find "
                           "the answer.",
    [SAY_CASE_NEW] = "Thank you! I have filed case %s about %s with %s. They will look at it as "
                     "soon as possible, and you will hear from us here in the chat when it is "
                     "fixed.",
    [SAY_CASE_FOLLOW] = "Thank you! We already know about it – it is filed as case %s with %s. "
                        "You will also hear from us here in the chat when it is fixed.",
    [SAY_CASE_ALREADY] = "You are already following case %s, so you will hear from us here in "
                         "the chat when it is resolved.",
    [SAY_ANGRY_PREFIX] = "I understand that this is annoying. ",
    [SAY_PLACE_UNKNOWN] = "That is quite all right. I am passing your message on to a member of "
                          "staff, who will write to you here in the chat and work out the rest "
                          "with you.",
    [SAY_PLACE_NOT_FOUND] = "Thank you. Unfortunately I cannot find that address in the "
                            "municipality's street register, so I am passing your message on to "
                            "a member of staff, who will write to you here in the chat.",
    [SAY_CLARIFY] = "I want to be sure I understand you correctly. Is it about %s or %s?",
    [SAY_CRISIS] = "I am passing your message on to a member of staff right away.",
    [SAY_HUMAN] = "Of course. I am letting a member of staff know, and they will write to you "
                  "here in the chat as soon as possible.",
    [SAY_COMPLAINT] = "Thank you for telling us, and I am sorry you have had a bad experience. "
                      "I am passing your message on to a member of staff, who will get back to "
                      "you here in the chat.",
    [SAY_NOT_IN_PLAN] = "I cannot find that road in the municipality's winter service plan, so "
                        "I am passing your question on to a member of staff, who will answer "
                        "you here in the chat.",
    [SAY_NOT_UNDERSTOOD] = "Sorry, I did not quite understand that – I am an automated "
                           "assistant. Could you put it another way? Or choose one of these "
                           "topics:",
    [SAY_ANGRY_HANDOVER] = "I have also asked a member of staff to read your message, so you "
                           "can get an answer from a person here in the chat.",
    [SAY_AWAY] = "Nobody from the staff is at work right now, so you will get an answer %s.",
    [SAY_CRISIS_AWAY] = "Nobody at the municipality is at work right now; we will read your "
                        "message %s. Do not wait for us if you need help now.",
    [SAY_CPR] = "Please do not share your CPR number here in the chat – I do not need it. I have "
                "removed it from your message, and it will not be part of any case.",
    [SAY_HELP] = "I am Borgerbot, the municipality's automated assistant. I can take reports of "
                 "broken street lights, potholes and other damage to roads and pavements, and "
                 "answer questions about ice and snow clearing, waste and bulky waste, and "
                 "opening hours. Everything else I pass on to a member of staff. Choose a "
                 "topic, or write in your own words:",
    [SAY_CASE_STATUS] = "Your case %s about %s %s. You will hear from us here in the chat when "
                        "there is news.",
    [SAY_ALSO] = "You also wrote about %s. Please send that in a new message, and I will take "
                 "care of it next.",
    [SAY_HAZARD] = "If anyone is in danger right now, call 112. I have also asked a member of "
                   "staff to look at it right away.",
    [SAY_STREET_GUESSED] = "I could not find %s in the municipality's street register, so a "
                           "member of staff will check the address.",
    [SAY_CRISIS_THANKS] = "Thank you for writing.",
    [SAY_CRISIS_FALLBACK] = "If you or someone else is in danger right now, call 112.",
    [SAY_SOON] = "as soon as staff are back",
};

/* Quick-reply payloads the bot sends and understands. */
#define PAYLOAD_INTENT "INTENT:"
#define PAYLOAD_PLACE_UNKNOWN "PLACE_UNKNOWN"
#define PAYLOAD_HUMAN PAYLOAD_INTENT "human_request"
/* Drafts that wait for a place but are questions, not cases. */
#define DRAFT_WASTE_INFO "info:waste_collection"
#define DRAFT_GRITTING_INFO "info:gritting"
#define DRAFT_CLARIFY "clarify" /* the words a clarifying question asked about */

/* Short names of the routine intents, for clarifying quick replies:
 * [0] Danish, [1] English. */
static const struct {
	const char *intent;
	const char *title[2]; /* at most 20 characters */
	const char *phrase[2];
} topics[] = {
    {"streetlight_outage", {"Gadelys", "Street lights"}, {"gadelys", "street lights"}},
    {"road_damage",
     {"Vej eller fortov", "Road or pavement"},
     {"en skade på vej eller fortov", "damage to a road or pavement"}},
    {"gritting",
     {"Glatføre og sne", "Ice and snow"},
     {"glatføre og snerydning", "ice and snow clearing"}},
    {"waste_collection", {"Affald", "Waste"}, {"affald", "waste"}},
    {"opening_hours", {"Åbningstider", "Opening hours"}, {"åbningstider", "opening hours"}},
};

/* Quick-reply titles the bot offers, [0] Danish, [1] English (at most 20 characters). */
static const char *const title_other[2] = {"Noget andet", "Something else"};
static const char *const title_person[2] = {"Tal med en person", "Talk to a person"};
static const char *const title_no_address[2] = {"Ved ikke adressen", "Don't know address"};

struct turn_ctx {
	sqlite3 *db;
	const struct dialog_knowledge *k;
	const struct dialog_turn *turn;
	struct dialog_outcome *out;
	char *err;
	size_t errlen;
	int angry;
	int answered;           /* a routine answer or a case went out this turn */
	const char *department; /* whose queue a hand-over goes to (a category's), or NULL */
	const char *words;      /* the citizen's description (the earlier words after a question) */
	int urgent;             /* an acute hazard: the hand-over is urgent */
	int en;                 /* answer in English (the citizen wrote English) */
};

/* The bot's text s in the turn's language. */
static const char *S(const struct turn_ctx *c, enum say s)
{
	return c->en ? say_en[s] : say[s];
}

static const char *lang_of(const struct turn_ctx *c)
{
	return c->en ? "en" : "da";
}

/* 1 when the engine reads text as English (for the answer to a question the
 * bot asked: "Duevej 12" alone has no language, the first words have). */
static int reads_english(const struct turn_ctx *c, const char *text)
{
	struct intent_result r;
	return text && c->k->intents &&
	       intent_classify(c->k->intents, text, strlen(text), &r) == 0 && !strcmp(r.lang, "en");
}

/* ---- replies -------------------------------------------------------------- */

int dialog_queue_reply(sqlite3 *db, const struct dialog_turn *turn, struct outbox_reply *r,
                       struct dialog_outcome *out, long long *first_id, char *err, size_t errlen)
{
	r->page_id = turn->page_id;
	r->psid = turn->psid;
	r->origin = POLICY_BOT;
	r->cause_event_id = turn->event_id;
	r->now_ms = turn->now_ms;
	struct outbox_result res = {0};
	enum outbox_status st = outbox_enqueue(db, r, &res, err, errlen);
	if (st == OUTBOX_ERROR)
		return -1;
	out->queued += st == OUTBOX_QUEUED ? res.rows : 0;
	out->refused |= st == OUTBOX_REFUSED;
	if (first_id)
		*first_id = st == OUTBOX_QUEUED ? res.first_id : 0;
	return 0;
}

/* Queues r as the turn's bot reply. 0 or -1. */
static int queue(struct turn_ctx *c, struct outbox_reply r)
{
	return dialog_queue_reply(c->db, c->turn, &r, c->out, NULL, c->err, c->errlen);
}

static int send_reply(struct turn_ctx *c, const char *text, const struct outbox_quick_reply *qr,
                      size_t nqr)
{
	return queue(
	    c, (struct outbox_reply){
	           .text = text, .quick_replies = qr, .n_quick_replies = nqr, .sender_actions = 1});
}

/* When nobody in department is at work: 1 and "mandag kl. 8.00" (or "så
 * snart en medarbejder er tilbage") in when; 0 while staffed. */
static int away_until(const struct turn_ctx *c, const char *department, char *when, size_t size)
{
	long long now = c->turn->now_ms;
	long long next = staffing_next_open(c->k->staffing, department, now);
	if (next == now)
		return 0;
	if (next > 0) /* -1: no staffed hours in the next weeks */
		staffing_when_text(now, next, lang_of(c), when, size);
	else
		snprintf(when, size, "%s", S(c, SAY_SOON));
	return 1;
}

/* Keeps the report waiting for the citizen's answer to the question this
 * turn asks (case.h's drafts), and notes the question in the outcome. */
static int save_draft(struct turn_ctx *c, const char *category, const char *text,
                      const char *photos_json, long long now_ms)
{
	c->out->asked = 1;
	return case_draft_save(c->db, c->turn->page_id, c->turn->psid, category, text, photos_json,
	                       now_ms);
}

/* What the dialog acted on, for the outcome. */
static void acted_on(struct turn_ctx *c, const char *intent)
{
	size_t n = strnlen(intent, sizeof(c->out->intent) - 1);
	memcpy(c->out->intent, intent, n);
	c->out->intent[n] = '\0';
}

/* Sends text, plus when nobody is at work: when a person will answer. */
static int send_with_away(struct turn_ctx *c, const char *text, const char *department,
                          int pass_thread)
{
	char when[80], away[200], buf[REPLY_MAX];
	const char *out = text;
	if (away_until(c, department, when, sizeof(when))) {
		snprintf(away, sizeof(away), S(c, SAY_AWAY), when);
		snprintf(buf, sizeof(buf), "%s %s", text, away);
		out = buf;
	}
	return queue(c, (struct outbox_reply){
	                    .text = out,
	                    .sender_actions = c->out->queued == 0, /* typing once per turn */
	                    .pass_thread_to = pass_thread ? c->k->rules.pass_thread_to : NULL});
}

static const char *queue_of(const struct turn_ctx *c)
{
	const char *d = c->department ? c->department : staffing_default_department(c->k->staffing);
	return d && *d ? d : NULL;
}

/* Moves the conversation to the staff queue (without telling the citizen). */
static int escalate(struct turn_ctx *c, enum conversation_reason reason)
{
	struct conversation_change ch = {
	    .to = CONVERSATION_WAITING_FOR_STAFF,
	    .reason = reason,
	    .actor = "bot",
	    .department = queue_of(c),
	    .intent = c->out->intent[0] ? c->out->intent : NULL,
	    .urgent = reason == REASON_CRISIS || c->urgent,
	    .now_ms = c->turn->now_ms,
	};
	enum conversation_mode from;
	int rc =
	    conversation_transition(c->db, c->turn->conversation_id, &ch, &from, c->err, c->errlen);
	if (rc == CONVERSATION_ERROR)
		return -1;
	c->out->handed_over = rc == CONVERSATION_OK && from == CONVERSATION_BOT;
	c->out->reason = (int)reason;
	/* the hand-over message passed thread control along (send_with_away) */
	if (c->out->handed_over && c->k->rules.pass_thread_to &&
	    conversation_set_thread_owner(c->db, c->turn->conversation_id,
	                                  c->k->rules.pass_thread_to) < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	return 0;
}

static int hand_over(struct turn_ctx *c, const char *text, enum conversation_reason reason)
{
	if (send_with_away(c, text, queue_of(c), 1) < 0)
		return -1;
	return escalate(c, reason);
}

/* The crisis answer in the citizen's language: thanks, the advice for the
 * kind of crisis from crisis_lines.csv (112 first, then Livslinien, the police
 * or the doctor), and who reads it when. */
static void crisis_text(const struct turn_ctx *c, const struct intent_result *r, char *text,
                        size_t size)
{
	char advice[1000], when[80];
	if (c->k->crisis)
		crisis_lines_text(c->k->crisis, r ? r->kind : NULL, lang_of(c), advice,
		                  sizeof(advice));
	else
		snprintf(advice, sizeof(advice), "%s", S(c, SAY_CRISIS_FALLBACK));
	char staff[400];
	if (away_until(c, queue_of(c), when, sizeof(when)))
		snprintf(staff, sizeof(staff), S(c, SAY_CRISIS_AWAY), when);
	else
		snprintf(staff, sizeof(staff), "%s", S(c, SAY_CRISIS));
	snprintf(text, size, "%s %s %s", S(c, SAY_CRISIS_THANKS), advice, staff);
}

/* The crisis answer and an urgent hand-over, in any mode. */
static int crisis(struct turn_ctx *c, const struct intent_result *r, const char *take_thread)
{
	/* staff find it by the conversation id; no personal data in logs */
	char conv[24];
	snprintf(conv, sizeof(conv), "%lld", c->turn->conversation_id);
	log_event(LOG_WARN, "crisis_handover", "conversation", conv, NULL);
	acted_on(c, "crisis");
	c->out->crisis = 1;
	char text[REPLY_MAX];
	crisis_text(c, r, text, sizeof(text));
	if (queue(c, (struct outbox_reply){.text = text,
	                                   .sender_actions = 1,
	                                   .take_thread_first = take_thread != NULL,
	                                   .pass_thread_to = take_thread
	                                                         ? take_thread
	                                                         : c->k->rules.pass_thread_to}) < 0)
		return -1;
	return escalate(c, REASON_CRISIS);
}

/* ---- cases ---------------------------------------------------------------- */

static const char *case_category_of(const struct turn_ctx *c, const char *intent)
{
	if (!c->k->cases)
		return NULL;
	const struct case_category *cat = case_rules_find(c->k->cases, intent);
	return cat ? intent : NULL;
}

/* A waste_collection message is a case only when a collection was missed. */
static int missed_collection(const char *text)
{
	static const char *const cues[] = {
	    "ikke blevet",   "ikke tømt",        "ikke hentet",    "ikke taget",
	    "glemt",         "mangler at blive", "er ikke kommet", "kom ikke",
	    "står stadig",   "står her stadig",  "sprang over",    "sprunget over",
	    "not collected", "missed",           "ikke tømmet",    "blev ikke"};
	if (!text)
		return 0;
	char low[1024];
	size_t n = strlen(text);
	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] + 32) : text[i];
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(cues) / sizeof(cues[0]); i++)
		if (strstr(low, cues[i]))
			return 1;
	return 0;
}

static const char *ask_place_text(const struct turn_ctx *c, const char *category)
{
	if (!strcmp(category, "streetlight_outage"))
		return S(c, SAY_ASK_PLACE_LIGHT);
	if (!strcmp(category, "waste_collection"))
		return S(c, SAY_ASK_PLACE_WASTE);
	return S(c, SAY_ASK_PLACE_ROAD);
}

static int ask_place(struct turn_ctx *c, const char *category, const char *text)
{
	if (save_draft(c, category, text, c->turn->photos_json, c->turn->now_ms) < 0) {
		snprintf(c->err, c->errlen, "dialog: cannot save draft: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	const struct outbox_quick_reply unknown[] = {
	    {title_no_address[c->en], PAYLOAD_PLACE_UNKNOWN}};
	int info = !strncmp(category, "info:", 5);
	return send_reply(c, info ? S(c, SAY_ASK_PLACE_INFO) : ask_place_text(c, category),
	                  info ? NULL : unknown, info ? 0 : 1);
}

/* "gadelyset på Duevej 12" from the category's subject template (English:
 * subject_en, when the file has it). */
static void case_subject(const struct turn_ctx *c, const char *category,
                         const struct intent_result *place, char *out, size_t outlen)
{
	const struct case_category *cat = case_rules_find(c->k->cases, category);
	const char *tpl = cat && cat->subject ? cat->subject : "din henvendelse";
	if (c->en)
		tpl = cat && cat->subject_en ? cat->subject_en : "your report";
	const char *mark = strstr(tpl, "{street}");
	char where[200];
	if (place->street[0])
		snprintf(where, sizeof(where), "%s%s%s", place->street,
		         place->house_number[0] ? " " : "", place->house_number);
	else if (place->pole_number[0])
		snprintf(where, sizeof(where), c->en ? "lamp post %s" : "lygtepæl %s",
		         place->pole_number);
	else
		snprintf(where, sizeof(where),
		         c->en ? "the place you shared" : "det sted, du har delt");
	if (!mark) {
		snprintf(out, outlen, "%s", tpl);
		return;
	}
	int n = snprintf(out, outlen, "%.*s%s%s", (int)(mark - tpl), tpl, where,
	                 mark + strlen("{street}"));
	if (n < 0 && outlen)
		out[0] = '\0';
}

/* An acute hazard on the road (a tree across it, an open manhole, a downed
 * cable, flooding): 112 if someone is in danger, and a person at once. */
static int hazard(struct turn_ctx *c)
{
	c->urgent = 1;
	if (send_with_away(c, S(c, SAY_HAZARD), queue_of(c), 1) < 0)
		return -1;
	return escalate(c, REASON_HAZARD);
}

/* Files the report and confirms it with the reference. */
static int file_case(struct turn_ctx *c, const char *category, const char *text, const char *photos,
                     const struct intent_result *place)
{
	const char *why_not =
	    case_not_a_fault(c->k->cases, category, place->street[0] ? place->street : NULL,
	                     place->area[0] ? place->area : NULL, lang_of(c), c->turn->now_ms);
	if (why_not)
		return send_reply(c, why_not, NULL, 0);
	char *noted = NULL; /* staff see that the street was not in the register */
	if (place->street_guessed && text &&
	    (noted = malloc(strlen(text) + sizeof(place->street) + 64)))
		sprintf(noted, "[Vejnavn ikke i vejregistret: %s] %s", place->street, text);
	struct case_report r = {
	    .category = category,
	    .street = place->street[0] ? place->street : NULL,
	    .house_number = place->house_number[0] ? place->house_number : NULL,
	    .pole_number = place->pole_number[0] ? place->pole_number : NULL,
	    .has_location = c->turn->location.has,
	    .lat = c->turn->location.lat,
	    .lon = c->turn->location.lon,
	    .text = noted ? noted : text,
	    .photos_json = photos,
	    .source = "messenger",
	    .page_id = c->turn->page_id,
	    .psid = c->turn->psid,
	    .now_ms = c->turn->now_ms,
	};
	struct case_result res;
	int rc = case_file(c->db, c->k->cases, &r, &res, c->err, c->errlen);
	free(noted);
	if (rc == CASE_ERROR)
		return -1;
	if (rc != CASE_OK)
		return hand_over(c, S(c, SAY_PLACE_NOT_FOUND), REASON_UNKNOWN_PLACE);
	c->answered = 1;
	c->out->case_filed = 1;
	c->out->case_joined = res.existing;
	char subject[200], reply[REPLY_MAX];
	case_subject(c, category, place, subject, sizeof(subject));
	size_t n = 0;
	if (c->angry)
		n = (size_t)snprintf(reply, sizeof(reply), "%s", S(c, SAY_ANGRY_PREFIX));
	if (res.already_following)
		snprintf(reply + n, sizeof(reply) - n, S(c, SAY_CASE_ALREADY), res.reference);
	else if (res.existing)
		snprintf(reply + n, sizeof(reply) - n, S(c, SAY_CASE_FOLLOW), res.reference,
		         res.department);
	else
		snprintf(reply + n, sizeof(reply) - n, S(c, SAY_CASE_NEW), res.reference, subject,
		         res.department);
	if (place->street_guessed) {
		n = strlen(reply);
		snprintf(reply + n, sizeof(reply) - n, " ");
		snprintf(reply + n + 1, sizeof(reply) - n - 1, S(c, SAY_STREET_GUESSED),
		         place->street);
	}
	char ref[40];
	snprintf(ref, sizeof(ref), "%s", res.reference);
	log_event(LOG_INFO, res.existing ? "case_followed" : "case_filed", "reference", ref,
	          "category", category, NULL);
	if (send_reply(c, reply, NULL, 0) < 0)
		return -1;
	return strcmp(place->kind, "hazard") != 0 ? 0 : hazard(c);
}

static int has_place(const struct intent_result *p, const struct dialog_location *loc)
{
	return p->street[0] || p->pole_number[0] || (loc && loc->has);
}

static int report(struct turn_ctx *c, const char *category, const struct intent_result *r)
{
	if (!has_place(r, &c->turn->location))
		return ask_place(c, category, c->words);
	return file_case(c, category, c->words, c->turn->photos_json, r);
}

/* ---- information answers ------------------------------------------------ */

static int answer_gritting(struct turn_ctx *c, const struct intent_result *r)
{
	char buf[REPLY_MAX];
	if (!c->k->winter)
		return hand_over(c, S(c, SAY_NOT_IN_PLAN), REASON_NO_ANSWER);
	int kind = winter_answer(c->k->winter, c->db, r->street, r->area, lang_of(c),
	                         c->turn->now_ms, buf, sizeof(buf));
	if (kind < 0) {
		snprintf(c->err, c->errlen, "dialog: winter plan: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	if (kind == WINTER_NOT_IN_PLAN)
		return hand_over(c, S(c, SAY_NOT_IN_PLAN), REASON_NO_ANSWER);
	c->answered = kind != WINTER_GENERAL;
	if (kind == WINTER_GENERAL &&
	    save_draft(c, DRAFT_GRITTING_INFO, c->words, NULL, c->turn->now_ms) < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	return send_reply(c, buf, NULL, 0);
}

static const char *area_of(const struct turn_ctx *c, const struct intent_result *r)
{
	if (r->area[0])
		return r->area;
	if (r->street[0] && c->k->winter)
		return winter_street_area(c->k->winter, r->street);
	return NULL;
}

static int answer_waste(struct turn_ctx *c, const struct intent_result *r)
{
	char buf[REPLY_MAX];
	if (!c->k->content)
		return hand_over(c, S(c, SAY_PASS_ON), REASON_NO_ANSWER);
	int need_area = content_waste_answer(c->k->content, area_of(c, r), lang_of(c), buf,
	                                     sizeof(buf)) == CONTENT_NEED_AREA;
	c->answered = !need_area;
	/* the question's words are kept for their language ("Duevej 12" has none) */
	if (need_area && save_draft(c, DRAFT_WASTE_INFO, c->words, NULL, c->turn->now_ms) < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	return send_reply(c, buf, NULL, 0);
}

static int answer_hours(struct turn_ctx *c)
{
	char buf[REPLY_MAX];
	if (!c->k->content)
		return hand_over(c, S(c, SAY_PASS_ON), REASON_NO_ANSWER);
	c->answered = 1;
	content_opening_hours_answer(c->k->content, content_topic_of(c->words ? c->words : ""),
	                             lang_of(c), buf, sizeof(buf));
	return send_reply(c, buf, NULL, 0);
}

/* ---- the decision ----------------------------------------------------------- */

static int clarify(struct turn_ctx *c, const struct intent_result *r)
{
	struct outbox_quick_reply qr[3];
	char payloads[2][48];
	const char *phrase[2] = {NULL, NULL};
	size_t n = 0;
	for (int i = 0; i < 2; i++) {
		for (size_t t = 0; t < sizeof(topics) / sizeof(topics[0]); t++) {
			if (strcmp(topics[t].intent, r->alt_intents[i]) != 0)
				continue;
			snprintf(payloads[n], sizeof(payloads[n]), "%s%s", PAYLOAD_INTENT,
			         topics[t].intent);
			qr[n] = (struct outbox_quick_reply){topics[t].title[c->en], payloads[n]};
			phrase[n++] = topics[t].phrase[c->en];
		}
	}
	if (n < 2)
		return hand_over(c, S(c, SAY_PASS_ON), REASON_NOT_UNDERSTOOD);
	qr[n++] = (struct outbox_quick_reply){title_other[c->en], PAYLOAD_INTENT "none"};
	if (save_draft(c, DRAFT_CLARIFY, c->words, c->turn->photos_json, c->turn->now_ms) < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	char text[400];
	snprintf(text, sizeof(text), S(c, SAY_CLARIFY), phrase[0], phrase[1]);
	return send_reply(c, text, qr, n);
}

/* The routine topics and "Tal med en person" as quick replies into qr
 * (payload texts in payloads); returns how many. */
#define NTOPICS (sizeof(topics) / sizeof(topics[0]))
static size_t topic_replies(const struct turn_ctx *c, struct outbox_quick_reply qr[NTOPICS + 1],
                            char payloads[NTOPICS][48])
{
	size_t n = 0;
	for (; n < NTOPICS; n++) {
		snprintf(payloads[n], sizeof(payloads[n]), "%s%s", PAYLOAD_INTENT,
		         topics[n].intent);
		qr[n] = (struct outbox_quick_reply){topics[n].title[c->en], payloads[n]};
	}
	qr[n++] = (struct outbox_quick_reply){title_person[c->en], PAYLOAD_HUMAN};
	return n;
}

/* "Hvad kan du hjælpe med?": what the bot does, with the topics to pick. */
static int help(struct turn_ctx *c)
{
	struct outbox_quick_reply qr[NTOPICS + 1];
	char payloads[NTOPICS][48];
	size_t n = topic_replies(c, qr, payloads);
	return send_reply(c, S(c, SAY_HELP), qr, n);
}

/* "none": ask again (with the topics and a way to a person) until the
 * rules say hand over. */
static int not_understood(struct turn_ctx *c)
{
	int misses = conversation_not_understood(c->db, c->turn->conversation_id, 1);
	if (misses < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	if (misses > live_settings_or(c->k->live, LIVE_NOT_UNDERSTOOD_RETRIES,
	                              c->k->rules.not_understood_retries))
		return hand_over(c, S(c, SAY_PASS_ON), REASON_NOT_UNDERSTOOD);
	struct outbox_quick_reply qr[NTOPICS + 1];
	char payloads[NTOPICS][48];
	size_t n = topic_replies(c, qr, payloads);
	if (save_draft(c, DRAFT_CLARIFY, c->words, c->turn->photos_json, c->turn->now_ms) < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	return send_reply(c, S(c, SAY_NOT_UNDERSTOOD), qr, n);
}

/* "hvornår bliver lygten repareret? jeg skrev i går": a question about a
 * report the citizen already made. */
static int asks_about_own_case(const char *text)
{
	static const char *const cues[] = {"jeg skrev",       "har skrevet",      "jeg meldte",
	                                   "har meldt",       "har anmeldt",      "min sag",
	                                   "min henvendelse", "status på",        "status paa",
	                                   "sagsnummer",      "hvad sker der",    "hvornår bliver",
	                                   "hvornaar bliver", "hvornår kommer i", "stadig ikke",
	                                   "er stadig",       "jeg har meldt",    "i går",
	                                   "sidste uge",      "what happened",    "any news",
	                                   "still not",       "i reported",       "my report"};
	if (!text)
		return 0;
	char low[1024];
	size_t n = strlen(text);
	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] + 32) : text[i];
	low[n] = '\0';
	for (size_t i = 0; i < sizeof(cues) / sizeof(cues[0]); i++)
		if (strstr(low, cues[i]))
			return 1;
	return 0;
}

/* The status of the citizen's own open case of category (NULL: any) when the
 * message asks about it: 1 answered, 0 not (no such question or case), -1. */
static int answer_case_status(struct turn_ctx *c, const char *category)
{
	if (!asks_about_own_case(c->words))
		return 0;
	struct case_row row;
	int found = case_latest_followed(c->db, c->turn->page_id, c->turn->psid, category, &row);
	if (found < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	if (!found)
		return 0;
	struct intent_result place = {0};
	snprintf(place.street, sizeof(place.street), "%s", row.street);
	snprintf(place.house_number, sizeof(place.house_number), "%s", row.house_number);
	snprintf(place.pole_number, sizeof(place.pole_number), "%s", row.pole_number);
	char subject[200], state[200], text[REPLY_MAX];
	case_subject(c, row.category, &place, subject, sizeof(subject));
	if (!strcmp(row.status, "in_progress"))
		snprintf(state, sizeof(state),
		         c->en ? "is being worked on by %s" : "er i gang hos %s", row.department);
	else
		snprintf(state, sizeof(state),
		         c->en ? "has been received, and %s has it on their list"
		               : "er modtaget, og %s har den på listen",
		         row.department);
	snprintf(text, sizeof(text), S(c, SAY_CASE_STATUS), row.reference, subject, state);
	case_row_clear(&row);
	c->answered = 1;
	return send_reply(c, text, NULL, 0) < 0 ? -1 : 1;
}

/* The department of a category's cases, for a hand-over about it. */
static void queue_for(struct turn_ctx *c, const char *category)
{
	const struct case_category *cat =
	    c->k->cases && category ? case_rules_find(c->k->cases, category) : NULL;
	if (cat && cat->department)
		c->department = cat->department;
}

static int act(struct turn_ctx *c, const struct intent_result *r)
{
	const char *in = r->intent;
	const char *category;
	acted_on(c, in);
	if (!strcmp(in, "crisis"))
		return crisis(c, r, NULL);
	if (!strcmp(in, "none")) {
		int st = answer_case_status(c, NULL);
		return st != 0 ? (st < 0 ? -1 : 0) : not_understood(c);
	}
	if (conversation_not_understood(c->db, c->turn->conversation_id, 0) < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	queue_for(c, in);
	if (r->needs_clarification)
		return clarify(c, r);
	if (!strcmp(in, "waste_collection") && !missed_collection(c->words)) {
		/* "when is the recycling centre open?" is about opening hours */
		if (content_topic_of(c->words ? c->words : "") == CONTENT_TOPIC_RECYCLING)
			return answer_hours(c);
		return answer_waste(c, r);
	}
	if ((category = case_category_of(c, in)) != NULL) {
		int st = answer_case_status(c, category);
		return st != 0 ? (st < 0 ? -1 : 0) : report(c, category, r);
	}
	if (!strcmp(in, "gritting")) {
		if (answer_gritting(c, r) < 0)
			return -1;
		return strcmp(r->kind, "hazard") != 0 || c->out->handed_over ? 0 : hazard(c);
	}
	if (!strcmp(in, "help"))
		return help(c);
	if (!strcmp(in, "opening_hours"))
		return answer_hours(c);
	if (!strcmp(in, "greeting"))
		return send_reply(c, S(c, SAY_GREETING), NULL, 0);
	if (!strcmp(in, "thanks"))
		return send_reply(c, S(c, SAY_THANKS), NULL, 0);
	if (!strcmp(in, "human_request"))
		return hand_over(c, S(c, SAY_HUMAN), REASON_CITIZEN_ASKED);
	if (!strcmp(in, "complaint"))
		return hand_over(c, S(c, SAY_COMPLAINT), REASON_COMPLAINT);
	if (dialog_privacy_intent(in)) /* "slet mine data", "hvad ved I om mig?" */
		return dialog_privacy_start(c->db, c->k, c->turn, in, c->out, c->err, c->errlen);
	return hand_over(c, S(c, SAY_PASS_ON), REASON_OTHER_TOPIC); /* the panel, when off */
}

/* The answer to "where?" for a waiting draft; 1 when handled, 0 when the
 * message is something else (the draft is then dropped), -1 on error. */
static int answer_draft(struct turn_ctx *c, struct case_draft *d)
{
	struct intent_result place;
	const char *text = c->turn->text ? c->turn->text : "";
	acted_on(c, strncmp(d->category, "info:", 5) != 0 ? d->category : d->category + 5);
	queue_for(c, d->category);
	intent_find_place(c->k->intents, text, strlen(text), &place);
	if (!strcmp(d->category, DRAFT_GRITTING_INFO))
		return place.street[0] || place.area[0] ? (answer_gritting(c, &place) < 0 ? -1 : 1)
		                                        : 0;
	if (!strcmp(d->category, DRAFT_WASTE_INFO))
		return place.street[0] || place.area[0] ? (answer_waste(c, &place) < 0 ? -1 : 1)
		                                        : 0;
	if (!strcmp(d->category, DRAFT_CLARIFY))
		return 0; /* answered in words instead of a quick reply: classify them */
	if (!has_place(&place, &c->turn->location)) {
		/* a new report or question of its own goes the normal way */
		struct intent_result r;
		intent_classify(c->k->intents, text, strlen(text), &r);
		if (strcmp(r.intent, "none") != 0)
			return 0;
		return hand_over(c, S(c, SAY_PLACE_NOT_FOUND), REASON_UNKNOWN_PLACE) < 0 ? -1 : 1;
	}
	/* the citizen's first words describe the fault; photos from either */
	return file_case(c, d->category, d->text ? d->text : text,
	                 d->photos_json ? d->photos_json : c->turn->photos_json, &place) < 0
	           ? -1
	           : 1;
}

static int handle_payload(struct turn_ctx *c, const char *payload)
{
	if (!strcmp(payload, PAYLOAD_PLACE_UNKNOWN)) {
		struct case_draft d;
		int found = case_draft_take(c->db, c->turn->page_id, c->turn->psid,
		                            DRAFT_MAX_AGE_MS, c->turn->now_ms, &d);
		if (found < 0)
			return -1;
		if (found) {
			queue_for(c, d.category);
			c->en = c->en || reads_english(c, d.text);
			case_draft_clear(&d);
		}
		return hand_over(c, S(c, SAY_PLACE_UNKNOWN), REASON_UNKNOWN_PLACE);
	}
	/* a clarified topic: the citizen's earlier words, as that intent */
	struct case_draft d;
	int found = case_draft_take(c->db, c->turn->page_id, c->turn->psid, DRAFT_MAX_AGE_MS,
	                            c->turn->now_ms, &d);
	if (found < 0)
		return -1;
	struct intent_result r;
	const char *words = found && !strcmp(d.category, DRAFT_CLARIFY) && d.text ? d.text : "";
	intent_find_place(c->k->intents, words, strlen(words), &r);
	snprintf(r.intent, sizeof(r.intent), "%s", payload + strlen(PAYLOAD_INTENT));
	c->words = words[0] ? words : c->turn->text;
	c->en = c->en || reads_english(c, words);
	int rc = act(c, &r);
	if (found)
		case_draft_clear(&d);
	return rc;
}

/* Where a second matter may start in one message ("... – og hvornår er der
 * storskrald?"). */
static const char *const matter_breaks[] = {
    " – ",      " - ",       "? ",           "! ",          ". ",        "; ",
    ", og ",    " og så ",   " og hvornår ", " og hvor ",   " og hvad ", " og hvem ",
    " og kan ", " og også ", " og der er ",  " og det er ", " and ",     " also "};

/* The first break at or after from, or NULL. */
static const char *next_break(const char *from)
{
	const char *best = NULL;
	for (size_t i = 0; i < sizeof(matter_breaks) / sizeof(matter_breaks[0]); i++) {
		const char *p = strstr(from, matter_breaks[i]);
		if (p && (!best || p < best))
			best = p;
	}
	return best;
}

static const char *topic_phrase(const struct turn_ctx *c, const char *intent)
{
	for (size_t t = 0; t < NTOPICS; t++)
		if (!strcmp(topics[t].intent, intent))
			return topics[t].phrase[c->en];
	return NULL;
}

/* The intent of the words before the first break (0 when there is no break). */
static int head_intent(const struct turn_ctx *c, struct intent_result *r)
{
	const char *text = c->turn->text, *p = next_break(text);
	if (!p)
		return 0;
	return intent_classify(c->k->intents, text, (size_t)(p - text), r) == 0;
}

/* "gadelys ude på Duevej 12 – og hvornår har borgerservice åbent?" reads
 * as a question as a whole; the report in it goes first (the question is
 * then answered by second_matter()). The place stays the whole message's. */
static void report_first(const struct turn_ctx *c, struct intent_result *r)
{
	struct intent_result h, t;
	const char *brk = c->turn->text ? next_break(c->turn->text) : NULL;
	/* "lygten er gået på Rosenvej 3, og så er der også et hul i vejen": not
	 * one or the other, both: the first now, the second asked about */
	if (brk && r->needs_clarification && head_intent(c, &h) &&
	    intent_classify(c->k->intents, brk + 1, strlen(brk + 1), &t) == 0 &&
	    strcmp(h.intent, t.intent) != 0 &&
	    (!strcmp(h.intent, r->alt_intents[0]) || !strcmp(h.intent, r->alt_intents[1])) &&
	    (!strcmp(t.intent, r->alt_intents[0]) || !strcmp(t.intent, r->alt_intents[1]))) {
		snprintf(r->intent, sizeof(r->intent), "%s", h.intent);
		r->needs_clarification = 0;
		return;
	}
	if (!c->turn->text || r->needs_clarification ||
	    (strcmp(r->intent, "opening_hours") != 0 &&
	     strcmp(r->intent, "waste_collection") != 0) ||
	    !head_intent(c, &h))
		return;
	if (!strcmp(h.intent, "streetlight_outage") || !strcmp(h.intent, "road_damage"))
		snprintf(r->intent, sizeof(r->intent), "%s", h.intent);
}

/* A second routine matter in the same message: answered when it is a plain
 * question (opening hours), otherwise the citizen is asked to send it on its
 * own, so it is not dropped. 0 or -1. */
static int second_matter(struct turn_ctx *c, const struct intent_result *first)
{
	const char *text = c->turn->text;
	if (!text || first->needs_clarification || c->out->crisis || c->out->handed_over ||
	    !strcmp(first->intent, "none"))
		return 0;
	for (const char *p = next_break(text); p; p = next_break(p + 1)) {
		struct intent_result r;
		const char *seg = p + 1;
		if (intent_classify(c->k->intents, seg, strlen(seg), &r) < 0)
			return 0;
		const char *phrase = topic_phrase(c, r.intent);
		if (!phrase || !strcmp(r.intent, first->intent))
			continue;
		if (!strcmp(r.intent, "opening_hours") && c->answered) {
			c->words = seg;
			return answer_hours(c);
		}
		char also[400];
		snprintf(also, sizeof(also), S(c, SAY_ALSO), phrase);
		return send_reply(c, also, NULL, 0);
	}
	return 0;
}

/* Angry, and the routine part is answered: a person reads it too. */
static int angry_follow_up(struct turn_ctx *c)
{
	if (!c->angry || !c->answered || c->out->handed_over ||
	    !live_settings_or(c->k->live, LIVE_ANGER_HANDS_OVER, c->k->rules.anger_hands_over))
		return 0;
	if (send_with_away(c, S(c, SAY_ANGRY_HANDOVER), queue_of(c), 1) < 0)
		return -1;
	return escalate(c, REASON_ANGER);
}

static int answer_turn(struct turn_ctx *c, const struct intent_result *first)
{
	const struct dialog_turn *turn = c->turn;
	const char *payload = turn->payload;
	if (payload && !strcmp(payload, "GET_STARTED")) {
		acted_on(c, "greeting");
		return send_reply(c, S(c, SAY_GREETING), NULL, 0);
	}
	if (dialog_privacy_owns(payload))
		return dialog_privacy_payload(c->db, c->k, turn, payload, c->out, c->err,
		                              c->errlen);
	int panel = dialog_panel_turn(c->db, c->k, turn, first->intent, c->out, c->err, c->errlen);
	if (panel != 0) /* joining, leaving, a consultation's answers */
		return panel < 0 ? -1 : 0;
	if (payload && (!strcmp(payload, PAYLOAD_PLACE_UNKNOWN) ||
	                !strncmp(payload, PAYLOAD_INTENT, strlen(PAYLOAD_INTENT))))
		return handle_payload(c, payload);

	struct case_draft d;
	int found =
	    case_draft_take(c->db, turn->page_id, turn->psid, DRAFT_MAX_AGE_MS, turn->now_ms, &d);
	if (found < 0) {
		snprintf(c->err, c->errlen, "dialog: %s", sqlite3_errmsg(c->db));
		return -1;
	}
	if (found) {
		c->en = c->en || reads_english(c, d.text); /* the question's language */
		int rc = answer_draft(c, &d);
		case_draft_clear(&d);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		c->department = NULL;
	}
	if (!turn->text) { /* a photo, sticker or location with no words */
		acted_on(c, "none");
		return hand_over(c, S(c, SAY_PASS_ON), REASON_NOT_UNDERSTOOD);
	}
	struct intent_result r = *first;
	report_first(c, &r);
	if (act(c, &r) < 0)
		return -1;
	return second_matter(c, &r);
}

/* Classifies the turn's words (if any) into r; 1 when it is a crisis. */
static int classify(const struct dialog_knowledge *k, const struct dialog_turn *turn,
                    struct intent_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->intent, sizeof(r->intent), "none");
	if (!k->intents) { /* processor_new() refuses to answer without an engine */
		snprintf(err, errlen, "dialog: no intent engine loaded");
		return -1;
	}
	if (turn->text && intent_classify(k->intents, turn->text, strlen(turn->text), r) < 0) {
		snprintf(err, errlen, "dialog: intent engine failed");
		return -1;
	}
	return turn->text && !strcmp(r->intent, "crisis");
}

/* The turn with any CPR number in its words masked (into *masked, free()d by
 * the caller); 1 when one was found. */
static int mask_turn(const struct dialog_turn *turn, struct dialog_turn *t, char **masked)
{
	*t = *turn;
	*masked = NULL;
	if (!turn->text)
		return 0;
	size_t size = strlen(turn->text) * 2 + 64;
	if (!(*masked = malloc(size)))
		return 0;
	int found = dialog_mask_cpr(turn->text, *masked, size);
	if (found)
		t->text = *masked;
	return found > 0;
}

static int answer_masked(sqlite3 *db, const struct dialog_knowledge *k,
                         const struct dialog_turn *turn, int had_cpr, struct dialog_outcome *out,
                         char *err, size_t errlen);

int dialog_answer(sqlite3 *db, const struct dialog_knowledge *k, const struct dialog_turn *turn,
                  struct dialog_outcome *out, char *err, size_t errlen)
{
	struct dialog_turn t;
	char *masked;
	int had_cpr = mask_turn(turn, &t, &masked);
	int rc = answer_masked(db, k, &t, had_cpr, out, err, errlen);
	free(masked);
	return rc;
}

/* dialog_answer() on words without CPR numbers; had_cpr: tell the citizen. */
static int answer_masked(sqlite3 *db, const struct dialog_knowledge *k,
                         const struct dialog_turn *turn, int had_cpr, struct dialog_outcome *out,
                         char *err, size_t errlen)
{
	*out = (struct dialog_outcome){0};
	struct turn_ctx c = {.db = db,
	                     .k = k,
	                     .turn = turn,
	                     .out = out,
	                     .err = err,
	                     .errlen = errlen,
	                     .words = turn->text};
	struct intent_result r;
	int is_crisis = classify(k, turn, &r, err, errlen);
	if (is_crisis < 0)
		return -1;
	c.en = !strcmp(r.lang, "en");
	if (is_crisis) /* before drafts and quick replies: nothing delays it */
		return crisis(&c, &r, NULL);
	if (had_cpr && send_reply(&c, S(&c, SAY_CPR), NULL, 0) < 0)
		return -1;
	c.angry = r.angry;
	if (answer_turn(&c, &r) < 0 || angry_follow_up(&c) < 0)
		return -1;
	/* the citizen's matter answered: the panel may offer or invite */
	return dialog_panel_after(db, k, turn, c.answered || !strcmp(out->intent, "thanks"), out,
	                          err, errlen);
}

int dialog_watch(sqlite3 *db, const struct dialog_knowledge *k, const struct dialog_turn *turn,
                 const char *thread_owner, struct dialog_outcome *out, char *err, size_t errlen)
{
	*out = (struct dialog_outcome){0};
	struct turn_ctx c = {
	    .db = db, .k = k, .turn = turn, .out = out, .err = err, .errlen = errlen};
	struct intent_result r;
	int is_crisis = classify(k, turn, &r, err, errlen);
	if (is_crisis <= 0)
		return is_crisis;
	c.en = !strcmp(r.lang, "en");
	return crisis(&c, &r, thread_owner);
}

char *dialog_profile_json(void)
{
	json_t *menu = json_pack(
	    "[{s:s, s:b, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}]}]",
	    "locale", "default", "composer_input_disabled", 0, "call_to_actions", "type",
	    "postback", "title", "Tal med en medarbejder", "payload", PAYLOAD_HUMAN, "type",
	    "postback", "title", "Hvad kan du hjælpe med?", "payload", PAYLOAD_INTENT "help",
	    "type", "postback", "title", "Meld mig ud af borgerpanelet", "payload",
	    DIALOG_PANEL_LEAVE, "type", "postback", "title", "Slet mine data", "payload",
	    PAYLOAD_INTENT "data_deletion");
	json_t *v = menu
	                ? json_pack("{s:{s:s}, s:[{s:s, s:s}], s:o}", "get_started", "payload",
	                            "GET_STARTED", "greeting", "locale", "default", "text",
	                            "Skriv til kommunen her. Borgerbot svarer med det samme, og en "
	                            "medarbejder tager over, når det er nødvendigt.",
	                            "persistent_menu", menu)
	                : NULL;
	char *out = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	return out;
}
