/*
 * loopback.h - Messenger events as Meta would send them, posted signed to
 * this server's own /webhook; the one HTTP client besides the Graph client.
 *
 * The sandbox's web chat (/sandbox/api/send) and `borgerbot chat` both play
 * the citizen: loopback_event_json() builds the webhook body for a text
 * message, a quick-reply tap or a button press (postback), and
 * loopback_post_event() signs it with the app secret (X-Hub-Signature-256,
 * inbox/signature.h) and POSTs it, so it takes exactly the path a real
 * event takes. loopback_get() reads the sandbox's chat API for the terminal
 * chat. Requests never go through a proxy.
 */
#ifndef BORGERBOT_LOOPBACK_H
#define BORGERBOT_LOOPBACK_H

/* ---- events ------------------------------------------------------------- */

struct loopback_event {
	const char *page_id;
	const char *psid;       /* the citizen's page-scoped id */
	const char *mid_prefix; /* e.g. "m_sandbox_"; 24 random hex digits follow */
	const char *text;       /* a message's text, a postback's title (UTF-8; invalid
	                         * text becomes U+FFFD) */
	const char *payload;    /* NULL for a typed message; else the payload of the
	                         * quick reply tapped (or of the button, see postback) */
	int postback;           /* 1: a button press (postback) rather than a message */
	long long time_ms;      /* Meta's timestamp; 0 means now */
};

/* The webhook body {"object": "page", "entry": [...]} for one event, as
 * compact ASCII-only JSON in a malloc'd string; NULL if out of memory or
 * without randomness for the mid. */
char *loopback_event_json(const struct loopback_event *ev);

/* ---- the poster ---------------------------------------------------------- */

struct loopback_options {
	const char *server_url; /* "http://127.0.0.1:8080", without a trailing '/' */
	const char *app_secret; /* signs the events */
	long timeout_ms;
	int insecure; /* accept any TLS certificate (the server's own dev certificate) */
};

/* One connection's worth of client; not to be shared between threads. */
struct loopback;

/* libcurl's process-wide state, for a program with no other HTTP client
 * (`borgerbot chat`): init before any thread starts, cleanup at the end.
 * The server initialises libcurl itself for the Graph client. */
int loopback_global_init(void);
void loopback_global_cleanup(void);

/* NULL if out of memory. */
struct loopback *loopback_new(const struct loopback_options *opt);
void loopback_free(struct loopback *lb);

/* Signs body and POSTs it to the server's /webhook; returns the HTTP
 * status, or 0 if no answer came. The answer's body is dropped. */
long loopback_post_event(struct loopback *lb, const char *body);

/* GETs server_url + path; returns the HTTP status (0: no answer) and the
 * answer in *reply (malloc'd, NUL-terminated, NULL if empty or over 4 MiB). */
long loopback_get(struct loopback *lb, const char *path, char **reply);

#endif
