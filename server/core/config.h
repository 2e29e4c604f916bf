/*
 * config.h - the server's settings: defaults, config file, flags, environment.
 *
 * Precedence, lowest first: built-in defaults, the config file (--config),
 * command-line flags, then the environment for secrets (BORGERBOT_APP_SECRET,
 * BORGERBOT_VERIFY_TOKEN, BORGERBOT_PAGE_TOKEN, BORGERBOT_GRAPH_URL). Every
 * failure comes back as one line of text naming the problem.
 */
#ifndef BORGERBOT_CONFIG_H
#define BORGERBOT_CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_GRAPH_URL "https://graph.facebook.com/v25.0"

struct config {
	char listen[128];     /* plain HTTP "HOST:PORT", "" = off */
	char listen_tls[128]; /* HTTPS "HOST:PORT", "" = off */
	char tls_cert[512];   /* PEM certificate chain */
	char tls_key[512];    /* PEM private key */
	char db_path[512];
	char log_level[16];
	size_t max_body_bytes; /* webhook POST limit, 413 above */
	int http_threads;      /* CivetWeb worker threads (one per connection) */
	/* issue 16: intake one client cannot stop (http/gate.h, docs/operations.md) */
	int http_keep_alive_ms;          /* idle time between requests before a close */
	int http_request_timeout_ms;     /* TLS handshake + request headers, each body read */
	int http_max_client_connections; /* open connections per client address */
	int http_max_header_connections; /* short of complete headers; 0 = threads/4 */
	int db_busy_timeout_ms;          /* how long a commit waits for a lock before 503 */
	int ingest_max_batch;            /* events per group-commit transaction */
	int worker_max_attempts;         /* failures before an event is parked */
	int worker_retry_base_ms;        /* first retry delay, doubled each time */
	int worker_retry_max_ms;         /* cap on the retry delay */
	int worker_batch;                /* events per worker transaction */
	int worker_yield_slice_ms;       /* longest worker turn while webhook requests wait */
	int worker_yield_wait_ms;        /* longest worker wait for a turn while they wait */
	int sandbox;                     /* asked for sandbox mode (--sandbox, "sandbox = yes") */
	int sandbox_allow_remote;        /* let non-loopback clients reach /sandbox */
	int sandbox_active;              /* decided by config_load_env: no real page token */
	int bot_answers;                 /* the bot answers citizens (dialog, hand-over) */
	int send_rate_per_sec;           /* global cap on Send API requests per second */
	int graph_connect_timeout_ms;
	int graph_timeout_ms;     /* whole Send API request */
	int outbox_senders;       /* sender threads = requests in flight at most */
	int outbox_max_attempts;  /* transient failures before a reply is given up */
	int outbox_retry_base_ms; /* first retry delay, doubled each time, with jitter */
	int outbox_retry_max_ms;  /* cap on the retry delay */
	/* issue 10: the staff console (docs/console.md) */
	char public_host[256];            /* host names the console answers to, comma-separated */
	int console_session_idle_minutes; /* a session ends after this long unused */
	int console_session_hours;        /* and this long after login in any case */
	int console_login_max_failures;   /* wrong passwords per user before a lockout */
	int console_live_max_streams;     /* live-update streams at once (each holds a thread) */
	int console_live_per_session;     /* ... per console session */
	/* issue 5: cases, winter plan, staff API, Open311 */
	char municipality_dir[512]; /* data folder of the municipality (docs/cases.md) */
	char intents_dir[512];      /* *.intent definitions (docs/intents.md) */
	char streets_file[512];     /* street register; "" = data/streets.csv or municipality's */
	size_t api_max_body_bytes;  /* staff API and Open311 POST limit, 413 above */
	int open311_public_read;    /* Open311 GET requests without an API key */
	/* issue 9: conversations, hand-over, Meta co-existence (docs/conversations.md) */
	char app_id[32];               /* this app's Meta app id (also BORGERBOT_APP_ID) */
	char trusted_proxies[1024];    /* reverse proxies that may name the client (issue 16) */
	int pass_thread_to_page_inbox; /* hand-overs pass thread control to Meta's Page Inbox */
	int not_understood_retries;    /* times the bot asks again before handing over */
	int anger_hands_over;          /* angry + routine: answer, then hand over */
	int staff_idle_return_minutes; /* idle 'staff' chats return to the bot; 0 = never */
	int conversation_sweep_s;      /* how often SLA breaches and idle chats are checked */
	/* issue 12: citizens' data rights, retention (docs/privacy.md) */
	char public_url[512];           /* base URL of links sent to citizens; "" = from listen */
	int privacy_export_days;        /* how long an export link works */
	int retention_messages_days;    /* messages, outbox, notices; idle citizens (0 = keep) */
	int retention_events_days;      /* raw webhook events once processed (0 = keep) */
	int retention_closed_case_days; /* closed cases' personal data (0 = keep) */
	int retention_panel_days;       /* panel answers after they were given (0 = keep) */
	int privacy_purge_interval_s;   /* how often the retention purge runs */
	/* issue 11: the citizen panel (docs/panel.md) */
	int panel_enabled;            /* join, leave and consultations in Messenger */
	int panel_invite_after_cases; /* invite once after this many reported cases; 0 = never */
	int panel_invite_on_thanks;   /* invite once when a citizen says thanks */

	/* Secrets and endpoints from the environment. */
	char app_secret[256];
	char verify_token[256];
	char page_token[1024];
	char graph_url[512];
};

void config_defaults(struct config *cfg);

/* Reads "key = value" lines ('#' comments). Returns 0, or -1 with err set to
 * "FILE:LINE: problem". */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);

/* Sets one setting by its config-file key; used by the file parser and flags. */
int config_set(struct config *cfg, const char *key, const char *value, char *err, size_t errlen);

/* The value of an integer or yes/no key (yes = 1); -1 for other keys. */
int config_get_int(const struct config *cfg, const char *key, long long *value);

/* The allowed range of an integer or yes/no key (0..1, *is_bool = 1);
 * -1 for other keys. */
int config_key_range(const char *key, long long *min, long long *max, int *is_bool);

/* Reads secrets from the environment. Returns -1 naming the first missing.
 * In sandbox mode the page token may be absent; a real page token always
 * switches sandbox mode off (sandbox_active tells which won). */
int config_load_env(struct config *cfg, char *err, size_t errlen);

/* Cross-field checks (a listener given, TLS files readable ...). */
int config_validate(const struct config *cfg, char *err, size_t errlen);

/* Splits "HOST:PORT" / "[V6]:PORT"; returns -1 on a malformed address. */
int config_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

#endif
