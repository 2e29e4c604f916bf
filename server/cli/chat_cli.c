/*
 * chat_cli.c - `borgerbot chat`: chat with the bot in the terminal as a
 * citizen, through a server running in sandbox mode.
 *
 *   borgerbot chat [--server URL] [--as NAME] [--secrets FILE] [--insecure]
 *
 * Each line read becomes a Messenger webhook event (new mid, the citizen's
 * page-scoped id derived from NAME, Meta's millisecond timestamp), signed
 * with the app secret like Meta signs it and POSTed to URL/webhook. The bot's
 * replies are read from the sandbox Graph recorder (/sandbox/api/replies):
 * text, quick replies and buttons shown as numbered choices (type the number
 * to pick one), typing indicators. Works interactively and with piped input.
 * Events are built, signed and sent by sandbox/loopback.h, as the web chat's.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sandbox/loopback.h"

#define FIRST_REPLY_WAIT_MS 10000
#define REQUEST_TIMEOUT_MS 30000L
#define MAX_CHOICES 16

struct choice {
	char title[96];
	char payload[1024];
	int postback; /* a button (postback) rather than a quick reply */
};

struct chat {
	char server[256];
	char psid[32];
	char page_id[64];
	char secret[256];
	int insecure;
	int tty;
	long long after;
	long quiet_ms;
	struct choice choices[MAX_CHOICES];
	int nchoices;
	struct loopback *lb;
};

/* ---- set-up ------------------------------------------------------------- */

/* The app secret from the environment, else from a KEY=VALUE secrets file. */
static int load_secret(struct chat *c, const char *file)
{
	const char *env = getenv("BORGERBOT_APP_SECRET");
	if (env && *env) {
		snprintf(c->secret, sizeof(c->secret), "%s", env);
		return 0;
	}
	FILE *f = fopen(file, "r");
	if (!f)
		return -1;
	char line[512];
	int found = -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "BORGERBOT_APP_SECRET=", 21) != 0)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		size_t n = strlen(line + 21);
		if (n >= sizeof(c->secret))
			continue;
		memcpy(c->secret, line + 21, n + 1);
		found = 0;
	}
	fclose(f);
	return found;
}

/* A stable numeric page-scoped id for a name, so a name continues its chat. */
static void psid_for(const char *name, char *out, size_t outlen)
{
	unsigned char d[32];
	unsigned int dlen = 0;
	EVP_Digest(name, strlen(name), d, &dlen, EVP_sha256(), NULL);
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | d[i];
	snprintf(out, outlen, "8%015llu", v % 1000000000000000ULL);
}

static int fetch_info(struct chat *c)
{
	char *reply;
	long st = loopback_get(c->lb, "/sandbox/api/info", &reply);
	json_t *info = st == 200 && reply ? json_loads(reply, 0, NULL) : NULL;
	free(reply);
	const char *page = json_string_value(json_object_get(info, "page_id"));
	if (!page) {
		json_decref(info);
		if (st == 0)
			fprintf(stderr,
			        "borgerbot: error: no server answers at %s (start it with "
			        "'./dev.sh start')\n",
			        c->server);
		else
			fprintf(stderr,
			        "borgerbot: error: the server at %s is not in sandbox mode "
			        "(HTTP %ld on /sandbox/api/info)\n",
			        c->server, st);
		return -1;
	}
	snprintf(c->page_id, sizeof(c->page_id), "%s", page);
	json_decref(info);
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

static char *event_for(const struct chat *c, const char *text, const struct choice *picked)
{
	struct loopback_event ev = {
	    .page_id = c->page_id,
	    .psid = c->psid,
	    .mid_prefix = "m_chat_",
	    .text = text,
	    .payload = picked ? picked->payload : NULL,
	    .postback = picked && picked->postback,
	};
	return loopback_event_json(&ev);
}

static int send_line(struct chat *c, const char *line)
{
	const struct choice *picked = NULL;
	char *end;
	long n = strtol(line, &end, 10);
	if (end != line && *end == '\0' && n >= 1 && n <= c->nchoices)
		picked = &c->choices[n - 1];
	char *body = event_for(c, picked ? picked->title : line, picked);
	if (!body)
		return -1;
	long st = loopback_post_event(c->lb, body);
	free(body);
	if (picked && !c->tty)
		printf("Du valgte: %s\n", picked->title);
	if (st != 200) {
		fprintf(stderr, "borgerbot: the server answered %ld to the webhook event%s\n", st,
		        st == 403 ? " (wrong app secret?)" : "");
		return -1;
	}
	c->nchoices = 0;
	return 0;
}

/* ---- receiving ---------------------------------------------------------- */

static void add_choice(struct chat *c, const char *title, const char *payload, int postback)
{
	if (c->nchoices >= MAX_CHOICES || !title)
		return;
	struct choice *ch = &c->choices[c->nchoices++];
	snprintf(ch->title, sizeof(ch->title), "%s", title);
	snprintf(ch->payload, sizeof(ch->payload), "%s", payload ? payload : "");
	ch->postback = postback;
}

static void print_choices(struct chat *c)
{
	if (!c->nchoices)
		return;
	printf("  ");
	for (int i = 0; i < c->nchoices; i++)
		printf("[%d] %s  ", i + 1, c->choices[i].title);
	printf("\n");
}

static void show(struct chat *c, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "sender_action"));
	if (action) {
		if (strcmp(action, "typing_on") == 0)
			printf("  (Borgerbot skriver …)\n");
		return;
	}
	json_t *msg = json_object_get(req, "message");
	const char *text = json_string_value(json_object_get(msg, "text"));
	json_t *payload = json_object_get(json_object_get(msg, "attachment"), "payload");
	if (!text)
		text = json_string_value(json_object_get(payload, "text"));
	printf("Borgerbot: %s\n", text ? text : "[vedhæftning]");
	size_t i;
	json_t *q;
	c->nchoices = 0;
	json_array_foreach(json_object_get(msg, "quick_replies"), i, q)
	    add_choice(c, json_string_value(json_object_get(q, "title")),
	               json_string_value(json_object_get(q, "payload")), 0);
	json_array_foreach(json_object_get(payload, "buttons"), i, q)
	{
		const char *type = json_string_value(json_object_get(q, "type"));
		if (type && strcmp(type, "postback") == 0)
			add_choice(c, json_string_value(json_object_get(q, "title")),
			           json_string_value(json_object_get(q, "payload")), 1);
		else if (type && strcmp(type, "web_url") == 0)
			printf("  %s: %s\n", json_string_value(json_object_get(q, "title")),
			       json_string_value(json_object_get(q, "url")));
	}
	print_choices(c);
}

/* Shows replies until none arrives for quiet_ms (first: up to 10 s). */
static void receive(struct chat *c, long first_wait_ms)
{
	long wait = first_wait_ms;
	for (;;) {
		char path[200];
		snprintf(path, sizeof(path), "/sandbox/api/replies?psid=%s&after=%lld&wait_ms=%ld",
		         c->psid, c->after, wait);
		char *reply;
		long st = loopback_get(c->lb, path, &reply);
		json_t *res = st == 200 && reply ? json_loads(reply, 0, NULL) : NULL;
		free(reply);
		json_t *replies = json_object_get(res, "replies");
		size_t n = json_array_size(replies), i;
		json_t *r;
		json_array_foreach(replies, i, r)
		{
			long long id = (long long)json_integer_value(json_object_get(r, "id"));
			if (id > c->after)
				c->after = id;
			show(c, json_object_get(r, "request"));
		}
		if (wait == 0 && res) /* the first call only learns where history ends */
			c->after = (long long)json_integer_value(json_object_get(res, "last"));
		json_decref(res);
		if (n == 0 && wait == first_wait_ms && wait > 0)
			printf("  (intet svar fra Borgerbot – efter en overdragelse svarer en "
			       "medarbejder; prøv evt. med --as ET-ANDET-NAVN)\n");
		fflush(stdout);
		if (n == 0 || wait == 0)
			return;
		wait = c->quiet_ms;
	}
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: borgerbot chat [--server URL] [--as NAME] [--secrets FILE] [--insecure]\n"
	        "                      [--quiet-ms MS]\n"
	        "Chat with a server in sandbox mode as a citizen. Type a message and Enter; type\n"
	        "the number of a choice to pick it; Ctrl-D to end. Input may be piped.\n"
	        "The app secret comes from BORGERBOT_APP_SECRET or the secrets file\n"
	        "(default data/demo-secrets.env, written by './dev.sh start').\n");
}

static int parse_args(struct chat *c, int argc, char **argv, char *name, size_t namelen,
                      const char **secrets)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--insecure") || !strcmp(a, "-k")) {
			c->insecure = 1;
			continue;
		}
		if (!v || (strcmp(a, "--server") != 0 && strcmp(a, "--as") != 0 &&
		           strcmp(a, "--secrets") != 0 && strcmp(a, "--quiet-ms") != 0))
			return -1;
		if (!strcmp(a, "--server"))
			snprintf(c->server, sizeof(c->server), "%s", v);
		else if (!strcmp(a, "--as"))
			snprintf(name, namelen, "%s", v);
		else if (!strcmp(a, "--secrets"))
			*secrets = v;
		else
			c->quiet_ms = strtol(v, NULL, 10);
		i++;
	}
	size_t n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	return 0;
}

int cmd_chat(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	static struct chat c;
	char name[128] = "Borger";
	const char *secrets = "data/demo-secrets.env";
	snprintf(c.server, sizeof(c.server), "http://127.0.0.1:8080");
	c.quiet_ms = 1500;
	if (parse_args(&c, argc, argv, name, sizeof(name), &secrets) < 0) {
		usage(stderr);
		return 2;
	}
	if (load_secret(&c, secrets) < 0) {
		fprintf(stderr,
		        "borgerbot: error: no app secret: set BORGERBOT_APP_SECRET or "
		        "pass --secrets FILE (%s not readable)\n",
		        secrets);
		return 2;
	}
	psid_for(name, c.psid, sizeof(c.psid));
	c.tty = isatty(STDIN_FILENO);
	loopback_global_init();
	struct loopback_options lo = {.server_url = c.server,
	                              .app_secret = c.secret,
	                              .timeout_ms = REQUEST_TIMEOUT_MS,
	                              .insecure = c.insecure};
	c.lb = loopback_new(&lo);
	int rc = 1;
	if (c.lb && fetch_info(&c) == 0) {
		receive(&c, 0); /* skip earlier history */
		if (c.tty)
			printf("Du chatter med Borgerbot som %s. Skriv en besked (Ctrl-D "
			       "afslutter).\n",
			       name);
		char line[8192];
		rc = 0;
		for (;;) {
			if (c.tty) {
				printf("Du: ");
				fflush(stdout);
			}
			if (!fgets(line, sizeof(line), stdin))
				break;
			line[strcspn(line, "\r\n")] = '\0';
			if (!line[0])
				continue;
			if (!c.tty)
				printf("Du: %s\n", line);
			if (send_line(&c, line) < 0) {
				rc = 1;
				continue;
			}
			receive(&c, FIRST_REPLY_WAIT_MS);
		}
	}
	loopback_free(c.lb);
	loopback_global_cleanup();
	return rc;
}
