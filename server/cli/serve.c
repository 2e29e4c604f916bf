/*
 * server.c - `borgerbot serve`: wires the modules together and runs them.
 *
 * Start-up: settings (defaults <- --config file <- flags <- environment) ->
 * database opened and migrated -> TLS files checked -> privacy keeper
 * (created; its thread, with the first retention purge, starts last) ->
 * outbox sender, worker and ingest writer threads -> HTTP listeners with
 * /webhook, /healthz, /metrics, the APIs and the privacy endpoints. Any failure prints one line
 * naming the problem and exits non-zero. Data path: webhook -> ingest (events) -> worker
 * (conversation records, bot answer into the outbox) -> outbox sender -> Graph API. Shutdown on
 * SIGTERM/SIGINT: stop HTTP (running requests finish, so each acknowledged event is committed),
 * drain the ingest queue, stop the worker, then the sender (requests in flight finish and are
 * recorded).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h> /* mallopt */
#endif

#include "domain/setting_overrides.h"
#include "cli.h"
#include "domain/municipality.h"
#include "domain/street_register.h"
#include "core/config.h"
#include "store/store.h"
#include "http/http.h"
#include "inbox/ingest.h"
#include "core/log.h"
#include "core/metrics.h"
#include "api/open311.h"
#include "api/privacy_api.h"
#include "api/panel_api.h"
#include "panelweb/panelweb.h"
#include "domain/privacy.h"
#include "domain/privacy_keeper.h"
#include "http/ops.h"
#include "outbox/graph.h"
#include "outbox/outbox.h"
#include "sandbox/sandbox.h"
#include "api/canned_api.h"
#include "api/conversation_api.h"
#include "api/insight_api.h"
#include "console/console.h"
#include "api/admin_api.h"
#include "core/live_settings.h"
#include "api/staff_api.h"
#include "domain/conversation_staff.h"
#include "inbox/webhook.h"
#include "worker/worker.h"

struct server {
	struct config cfg;
	struct metrics metrics;
	struct store *store;       /* the database and its write lock */
	atomic_int ingest_waiting; /* webhook requests waiting for a commit */
	struct ingest *ingest;
	struct worker *worker;
	struct outbox_sender *sender;
	struct ops *ops;
	struct http *http;
	struct webhook webhook;
	struct sandbox *sandbox;
	/* issue 5: municipality data, staff API, Open311; a SIGHUP reloads the
	 * data files (issue 16) */
	struct municipality *data;
	char street_register[1100], street_register_else[1100];
	struct dialog_knowledge knowledge; /* for the worker; its data files from s->data */
	struct staff_api *staff_api;
	struct admin_api *admin_api;
	struct open311 *open311;
	/* issue 9: conversations */
	struct conversation_env conv_env;
	struct conversation_api *conversation_api;
	struct canned_api *canned_api;   /* issue 10: canned replies */
	struct console *console;         /* issue 10: the staff console */
	struct insight_api *insight_api; /* issue 13: report and misunderstood queue */
	struct panelweb *panelweb;       /* issue 11: the panel's form and results pages */
	struct panel_api *panel_api;     /* issue 11: the panel's staff JSON API */
	struct live_settings *live;      /* issue 10: settings admins change while it runs */
	char self_url[200];              /* this server's own base URL, for sandbox mode */
	/* issue 12: data rights and retention */
	char public_url[512]; /* links for citizens and Meta: public_url, else self_url */
	struct privacy_settings privacy;
	struct privacy_keeper *keeper;
	struct privacy_api *privacy_api;
};

static const struct {
	const char *flag;
	const char *key;
} flag_keys[] = {
    {"--listen", "listen"},
    {"--listen-tls", "listen_tls"},
    {"--db", "db"},
    {"--tls-cert", "tls_cert"},
    {"--tls-key", "tls_key"},
    {"--log-level", "log_level"},
    {"--municipality-dir", "municipality_dir"},
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: borgerbot serve [--config FILE] [--listen HOST:PORT] [--listen-tls HOST:PORT]\n"
	    "                       [--tls-cert FILE] [--tls-key FILE] [--db PATH] [--log-level "
	    "L]\n"
	    "                       [--sandbox] [--municipality-dir DIR]\n"
	    "\n"
	    "Environment: BORGERBOT_APP_SECRET, BORGERBOT_VERIFY_TOKEN, BORGERBOT_PAGE_TOKEN\n"
	    "(required), BORGERBOT_GRAPH_URL (default %s).\n"
	    "--sandbox: without a page token, replies are recorded at /sandbox instead of\n"
	    "being sent to Meta (try 'borgerbot chat'); a page token switches it off.\n"
	    "See docs/configuration.md.\n",
	    CONFIG_DEFAULT_GRAPH_URL);
}

static int fail(const char *what)
{
	fprintf(stderr, "borgerbot: error: %s\n", what);
	return 2;
}

/* Splits "--flag=value" or "--flag value"; returns the value or NULL. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[*i], flag, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int is_flag(const char *arg, const char *flag)
{
	size_t n = strlen(flag);
	return strncmp(arg, flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Two passes: --config first (so flags override the file), then the rest. */
static int parse_args(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		if (!is_flag(argv[i], "--config"))
			continue;
		const char *path = flag_value(argc, argv, &i, "--config");
		if (!path) {
			snprintf(err, errlen, "--config needs a file");
			return -1;
		}
		if (config_load_file(cfg, path, err, errlen) < 0)
			return -1;
	}
	for (int i = 1; i < argc; i++) {
		if (is_flag(argv[i], "--config")) {
			if (!strchr(argv[i], '='))
				i++;
			continue;
		}
		if (strcmp(argv[i], "--sandbox") == 0) {
			cfg->sandbox = 1;
			continue;
		}
		size_t k;
		for (k = 0; k < sizeof(flag_keys) / sizeof(flag_keys[0]); k++)
			if (is_flag(argv[i], flag_keys[k].flag))
				break;
		if (k == sizeof(flag_keys) / sizeof(flag_keys[0])) {
			snprintf(err, errlen, "unknown option '%s' (see 'borgerbot serve --help')",
			         argv[i]);
			return -1;
		}
		const char *v = flag_value(argc, argv, &i, flag_keys[k].flag);
		if (!v) {
			snprintf(err, errlen, "%s needs a value", flag_keys[k].flag);
			return -1;
		}
		if (config_set(cfg, flag_keys[k].key, v, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* This server's own base URL from its listen address ("http://127.0.0.1:8080");
 * -1 without a fixed port. */
static int self_url_of(const struct config *c, char *out, size_t n)
{
	int tls = !c->listen[0];
	char host[128];
	int port;
	if (config_parse_hostport(tls ? c->listen_tls : c->listen, host, sizeof(host), &port) < 0 ||
	    port == 0)
		return -1;
	const char *h = host;
	if (!strcmp(host, "0.0.0.0") || !strcmp(host, "localhost"))
		h = "127.0.0.1";
	else if (!strcmp(host, "::"))
		h = "::1";
	int v6 = strchr(h, ':') != NULL;
	snprintf(out, n, "%s://%s%s%s:%d", tls ? "https" : "http", v6 ? "[" : "", h, v6 ? "]" : "",
	         port);
	return 0;
}

/* In sandbox mode the Graph client talks to this server's own recorder. */
static int sandbox_prepare(struct server *s, char *err, size_t errlen)
{
	struct config *c = &s->cfg;
	if (self_url_of(c, s->self_url, sizeof(s->self_url)) < 0) {
		snprintf(err, errlen, "sandbox mode needs a listen address with a fixed port");
		return -1;
	}
	snprintf(c->graph_url, sizeof(c->graph_url), "%s/sandbox/graph/v25.0", s->self_url);
	snprintf(c->page_token, sizeof(c->page_token), "%s", SANDBOX_PAGE_TOKEN);
	return 0;
}

static int sandbox_start(struct server *s, char *err, size_t errlen)
{
	struct sandbox_options so = {
	    .app_secret = s->cfg.app_secret,
	    .page_token = s->cfg.page_token,
	    .server_url = s->self_url,
	    .allow_remote = s->cfg.sandbox_allow_remote,
	    .max_records = 10000,
	};
	if (!(s->sandbox = sandbox_new(&so, err, errlen)))
		return -1;
	sandbox_register(s->http, s->sandbox);
	log_event(LOG_WARN, "sandbox_mode", "message",
	          "SANDBOX MODE: nothing is sent to Facebook; replies are recorded and shown at "
	          "/sandbox and by 'borgerbot chat'",
	          "url", s->self_url, NULL);
	return 0;
}

/* The street register: streets_file; else data/streets.csv (written by
 * `borgerbot streets import`) beside the database when it exists at a load,
 * else the municipality's own streets.csv (the demo municipality's). */
static void pick_street_register(struct server *s)
{
	const struct config *c = &s->cfg;
	if (c->streets_file[0]) {
		snprintf(s->street_register, sizeof(s->street_register), "%s", c->streets_file);
		return;
	}
	const char *slash = strrchr(c->db_path, '/');
	int dirlen = slash ? (int)(slash - c->db_path) : 1;
	snprintf(s->street_register, sizeof(s->street_register), "%.*s/%s", dirlen,
	         slash ? c->db_path : ".", STREET_REGISTER_FILE);
	snprintf(s->street_register_else, sizeof(s->street_register_else), "%s/%s",
	         c->municipality_dir, STREET_REGISTER_FILE);
}

/* The municipality's data files (municipality.h): case rules, winter plan,
 * content, crisis lines, staffing, the street register and the intents. */
static int load_municipality(struct server *s, char *err, size_t errlen)
{
	const struct config *c = &s->cfg;
	pick_street_register(s);
	struct municipality_files files = {
	    .dir = c->municipality_dir,
	    .intents_dir = c->intents_dir,
	    .street_register = s->street_register,
	    .street_register_else = s->street_register_else[0] ? s->street_register_else : NULL,
	};
	if (!(s->data = municipality_open(&files, err, errlen)))
		return -1;
	const char *pass_to = c->pass_thread_to_page_inbox ? PAGE_INBOX_APP_ID : NULL;
	s->knowledge = (struct dialog_knowledge){
	    /* the data files come from s->data at each event (process.h) */
	    .privacy = &s->privacy,
	    .live = s->live,
	    .rules = {.not_understood_retries = c->not_understood_retries,
	              .anger_hands_over = c->anger_hands_over,
	              .pass_thread_to = pass_to},
	    .panel = {.enabled = c->panel_enabled,
	              .invite_after_cases = c->panel_invite_after_cases,
	              .invite_on_thanks = c->panel_invite_on_thanks,
	              .retention_days = c->retention_panel_days},
	};
	s->conv_env = (struct conversation_env){
	    .data = s->data,
	    .app_id = c->app_id,
	    .pass_thread_to = pass_to,
	    .idle_return_ms = (long long)c->staff_idle_return_minutes * 60 * 1000,
	    .live = s->live,
	};
	return 0;
}

static int start_case_apis(struct server *s, char *err, size_t errlen)
{
	const struct config *c = &s->cfg;
	struct staff_api_options so = {
	    .store = s->store,
	    .data = s->data,
	    .max_body_bytes = c->api_max_body_bytes,
	    .notify = outbox_sender_notify,
	    .notify_arg = s->sender,
	};
	struct open311_options oo = {
	    .store = s->store,
	    .data = s->data,
	    .max_body_bytes = c->api_max_body_bytes,
	    .public_read = c->open311_public_read,
	};
	struct conversation_api_options co = {
	    .store = s->store,
	    .env = &s->conv_env,
	    .max_body_bytes = c->api_max_body_bytes,
	    .notify = outbox_sender_notify,
	    .notify_arg = s->sender,
	};
	struct insight_api_options io = {
	    .store = s->store,
	    .data = s->data,
	    .max_body_bytes = c->api_max_body_bytes,
	};
	struct admin_api_options ao = {
	    .store = s->store,
	    .cfg = c,
	    .live = s->live,
	    .data = s->data,
	    .max_body_bytes = c->api_max_body_bytes,
	};
	if (!(s->admin_api = admin_api_new(&ao, err, errlen)) ||
	    !(s->staff_api = staff_api_new(&so, err, errlen)) ||
	    !(s->conversation_api = conversation_api_new(&co, err, errlen)) ||
	    !(s->insight_api = insight_api_new(&io, err, errlen)) ||
	    !(s->open311 = open311_new(&oo, err, errlen)))
		return -1;
	struct canned_api_options ko = {
	    .store = s->store,
	    .data = s->data,
	    .max_body_bytes = c->api_max_body_bytes,
	};
	if (!(s->canned_api = canned_api_new(&ko, err, errlen)))
		return -1;
	conversation_api_register(s->http, s->conversation_api); /* before /api's fallback */
	canned_api_register(s->http, s->canned_api);
	insight_api_register(s->http, s->insight_api);
	admin_api_register(s->http, s->admin_api);
	staff_api_register(s->http, s->staff_api);
	open311_register(s->http, s->open311);
	return 0;
}

/* The retention purge and post-deletion checkpoints, and what the bot and
 * the privacy endpoints need (links, hooks). Before the sender and the
 * worker, which tell the keeper about deletions. */
static int start_privacy(struct server *s, char *err, size_t errlen)
{
	const struct config *c = &s->cfg;
	size_t n = strlen(c->public_url);
	if (n > 0 && c->public_url[n - 1] == '/')
		n--; /* links are public_url + "/privacy/..." */
	if (n > 0)
		snprintf(s->public_url, sizeof(s->public_url), "%.*s", (int)n, c->public_url);
	else if (self_url_of(c, s->public_url, sizeof(s->public_url)) < 0)
		s->public_url[0] = '\0'; /* no links: access requests go to staff */
	struct privacy_keeper_options ko = {
	    .store = s->store,
	    .metrics = &s->metrics,
	    .retention = {c->retention_messages_days, c->retention_events_days,
	                  c->retention_closed_case_days, c->retention_panel_days},
	    .purge_interval_ms = (long long)c->privacy_purge_interval_s * 1000,
	};
	if (!(s->keeper = privacy_keeper_new(&ko, err, errlen)))
		return -1;
	s->privacy = (struct privacy_settings){
	    .public_url = s->public_url,
	    .export_ttl_ms = (long long)c->privacy_export_days * 24 * 3600 * 1000,
	    .erased = privacy_keeper_erased,
	    .dropped = privacy_keeper_checkpoint,
	    .hook_arg = s->keeper,
	};
	return 0;
}

static int start_privacy_api(struct server *s, char *err, size_t errlen)
{
	struct privacy_api_options po = {
	    .store = s->store,
	    .app_secret = s->cfg.app_secret,
	    .public_url = s->public_url,
	    .erased = privacy_keeper_erased,
	    .erased_arg = s->keeper,
	};
	if (!(s->privacy_api = privacy_api_new(&po, err, errlen)))
		return -1;
	privacy_api_register(s->http, s->privacy_api);
	return 0;
}

/* The citizen panel's public pages (the personal form, the results) and its
 * staff JSON API: before the staff API, whose /api fallback would take it. */
static int start_panelweb(struct server *s, char *err, size_t errlen)
{
	struct panelweb_options po = {.store = s->store, .public_host = s->cfg.public_host};
	if (!(s->panelweb = panelweb_new(&po, err, errlen)))
		return -1;
	panelweb_register(s->http, s->panelweb);
	struct panel_api_options ao = {.store = s->store};
	if (!(s->panel_api = panel_api_new(&ao, err, errlen)))
		return -1;
	panel_api_register(s->http, s->panel_api); /* before the staff API's /api fallback */
	return 0;
}

/* The console: before the staff API, whose /api fallback would take /api/me. */
static int start_console(struct server *s, char *err, size_t errlen)
{
	const struct config *c = &s->cfg;
	struct console_options co = {
	    .store = s->store,
	    .public_host = c->public_host,
	    .session_idle_ms = c->console_session_idle_minutes * 60000LL,
	    .session_absolute_ms = c->console_session_hours * 3600000LL,
	    .max_failures_user = c->console_login_max_failures,
	    .max_failures_addr = 4 * c->console_login_max_failures,
	    .max_hashing = 4,
	    .live_max_streams = c->console_live_max_streams,
	    .live_per_session = c->console_live_per_session,
	    .settings = s->live,
	};
	if (!(s->console = console_new(&co, err, errlen)))
		return -1;
	console_register(s->http, s->console);
	return 0;
}

static int start_sender(struct server *s, char *err, size_t errlen)
{
	const struct config *c = &s->cfg;
	struct outbox_sender_options so = {
	    .store = s->store,
	    .metrics = &s->metrics,
	    .graph =
	        {
	            .base_url = c->graph_url,
	            .page_token = c->page_token,
	            .connect_timeout_ms = c->graph_connect_timeout_ms,
	            .timeout_ms = c->graph_timeout_ms,
	            /* the sandbox recorder is this server, maybe with a self-signed cert */
	            .insecure = c->sandbox_active,
	        },
	    .threads = c->outbox_senders,
	    .rate_per_sec = c->send_rate_per_sec,
	    .max_attempts = c->outbox_max_attempts,
	    .retry_base_ms = c->outbox_retry_base_ms,
	    .retry_max_ms = c->outbox_retry_max_ms,
	    .erased = privacy_keeper_checkpoint,
	    .erased_arg = s->keeper,
	};
	s->sender = outbox_sender_start(&so, err, errlen);
	return s->sender ? 0 : -1;
}

/* The settings admins change in the console: the file's values, then the
 * changes kept in the database. Before everything that reads them. */
static int start_live_settings(struct server *s, char *err, size_t errlen)
{
	if (!(s->live = live_settings_new(&s->cfg))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sqlite3 *db = store_thread_db(s->store, err, errlen);
	int n = db ? setting_overrides_apply(db, s->live) : -1;
	if (n < 0) {
		if (db)
			snprintf(err, errlen, "cannot read setting_overrides: %s",
			         sqlite3_errmsg(db));
		return -1;
	}
	if (n > 0) {
		char count[16];
		snprintf(count, sizeof(count), "%d", n);
		log_event(LOG_INFO, "setting_overrides_applied", "count", count, NULL);
	}
	return 0;
}

static int start_modules(struct server *s, char *err, size_t errlen)
{
	const struct config *c = &s->cfg;
	if (start_live_settings(s, err, errlen) < 0 || start_privacy(s, err, errlen) < 0 ||
	    load_municipality(s, err, errlen) < 0 || start_sender(s, err, errlen) < 0)
		return -1;
	struct worker_options wo = {
	    .store = s->store,
	    .max_attempts = c->worker_max_attempts,
	    .retry_base_ms = c->worker_retry_base_ms,
	    .retry_max_ms = c->worker_retry_max_ms,
	    .batch = c->worker_batch,
	    .ingest_waiting = &s->ingest_waiting,
	    .yield_slice_ms = c->worker_yield_slice_ms,
	    .yield_wait_ms = c->worker_yield_wait_ms,
	    .metrics = &s->metrics,
	    .answer = c->bot_answers,
	    .knowledge = &s->knowledge,
	    .data = s->data,
	    .app_id = c->app_id,
	    .env = &s->conv_env,
	    .sweep_interval_ms = c->conversation_sweep_s * 1000,
	    .notify = outbox_sender_notify,
	    .notify_arg = s->sender,
	};
	if (!(s->worker = worker_start(&wo, err, errlen)))
		return -1;
	struct ingest_options io = {
	    .store = s->store,
	    .max_batch = c->ingest_max_batch,
	    .waiting = &s->ingest_waiting,
	    .metrics = &s->metrics,
	    .notify = worker_notify,
	    .notify_arg = s->worker,
	};
	if (!(s->ingest = ingest_start(&io, err, errlen)))
		return -1;
	if (!(s->ops = ops_new(s->store, &s->metrics, err, errlen)))
		return -1;
	struct http_options ho = {
	    .listen = c->listen,
	    .listen_tls = c->listen_tls,
	    .tls_cert = c->tls_cert,
	    .tls_key = c->tls_key,
	    .threads = c->http_threads,
	    .trusted_proxies = c->trusted_proxies,
	    .keep_alive_ms = c->http_keep_alive_ms,
	    .request_timeout_ms = c->http_request_timeout_ms,
	    .max_client_connections = c->http_max_client_connections,
	    .max_header_connections = c->http_max_header_connections,
	    .metrics = &s->metrics,
	};
	if (!(s->http = http_start(&ho, err, errlen)))
		return -1;
	s->webhook = (struct webhook){
	    .app_secret = c->app_secret,
	    .verify_token = c->verify_token,
	    .max_body_bytes = c->max_body_bytes,
	    .ingest = s->ingest,
	    .metrics = &s->metrics,
	};
	webhook_register(s->http, &s->webhook);
	ops_register(s->http, s->ops);
	if (start_console(s, err, errlen) < 0 || start_panelweb(s, err, errlen) < 0 ||
	    start_case_apis(s, err, errlen) < 0 || start_privacy_api(s, err, errlen) < 0)
		return -1;
	if (c->sandbox_active && sandbox_start(s, err, errlen) < 0)
		return -1;
	return privacy_keeper_run(s->keeper, err, errlen); /* the first purge: now */
}

static void stop_modules(struct server *s)
{
	console_stop(s->console); /* live streams end, so http_stop() need not wait for them */
	http_stop(s->http);       /* running handlers finish: acknowledged means committed */
	ingest_stop(s->ingest);
	worker_stop(s->worker);
	outbox_sender_stop(s->sender);  /* after the worker, which wakes it */
	privacy_keeper_stop(s->keeper); /* after everything that tells it */
	privacy_api_free(s->privacy_api);
	ops_free(s->ops);
	sandbox_free(s->sandbox);
	staff_api_free(s->staff_api);
	admin_api_free(s->admin_api);
	conversation_api_free(s->conversation_api);
	canned_api_free(s->canned_api);
	insight_api_free(s->insight_api);
	console_free(s->console);
	panelweb_free(s->panelweb);
	panel_api_free(s->panel_api);
	open311_free(s->open311);
	municipality_close(s->data);
	live_settings_free(s->live);
}

/* Every open connection is a file descriptor, and the gate bounds them per
 * client, not in total: take the soft limit up to the hard one (systemd's
 * default hard limit is 524288; the usual soft 1024 would cap connections
 * long before threads or memory do). */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/* SIGHUP: the operator renewed the certificate or corrected a data file
 * (docs/operations.md). Each part that fails keeps what it had. */
static void reload(struct server *s)
{
	char err[1200];
	int rc = http_reload_tls(s->http, err, sizeof(err));
	if (rc < 0)
		log_event(LOG_ERROR, "tls_reload_failed", "error", err, "effect",
		          "the certificate in use stays", NULL);
	else
		log_event(LOG_INFO, "reloaded", "tls",
		          rc == 0 ? "new handshakes use the files" : "no HTTPS listener", NULL);
	long long generation = 0;
	if (municipality_reload(s->data, &generation, err, sizeof(err)) < 0) {
		metrics_count(&s->metrics.data_reload_failures, 1);
		log_event(LOG_ERROR, "data_reload_failed", "error", err, "effect",
		          "the data files in use stay", NULL);
		return;
	}
	metrics_count(&s->metrics.data_reloads, 1);
	char g[24];
	snprintf(g, sizeof(g), "%lld", generation);
	log_event(LOG_INFO, "data_reloaded", "dir", s->cfg.municipality_dir, "intents",
	          s->cfg.intents_dir, "generation", g, NULL);
}

/* Until SIGTERM or SIGINT; a SIGHUP reloads and goes on waiting. */
static int wait_for_signal(struct server *s)
{
	sigset_t set;
	stop_signals(&set);
	for (;;) {
		int sig = 0;
		sigwait(&set, &sig);
		if (sig != SIGHUP)
			return sig;
		reload(s);
	}
}

int cmd_serve(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	static struct server s; /* large; lives for the whole run */
	char err[600];
	config_defaults(&s.cfg);
	if (parse_args(&s.cfg, argc, argv, err, sizeof(err)) < 0 ||
	    config_load_env(&s.cfg, err, sizeof(err)) < 0 ||
	    config_validate(&s.cfg, err, sizeof(err)) < 0)
		return fail(err);
	if (s.cfg.sandbox_active && sandbox_prepare(&s, err, sizeof(err)) < 0)
		return fail(err);
	enum log_level level = LOG_INFO;
	log_parse_level(s.cfg.log_level, &level);
	log_set_level(level);
	if (s.cfg.listen_tls[0] &&
	    http_check_tls_files(s.cfg.tls_cert, s.cfg.tls_key, err, sizeof(err)) < 0)
		return fail(err);
	if (!(s.store = store_open(s.cfg.db_path, s.cfg.db_busy_timeout_ms, err, sizeof(err))))
		return fail(err);

	/* Threads inherit this mask: only sigwait() below sees these signals. */
	sigset_t set;
	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
#ifdef __GLIBC__
	/* glibc raises its mmap threshold to the size of any large block freed
	 * (a data file read at start), after which big tables such as the
	 * de-dup cache's come from the heap, are zeroed by hand and all count
	 * in RSS. A fixed threshold keeps them in untouched mmap'd pages. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif

	/* libcurl's global state, before any thread uses it (graph, sandbox). */
	graph_global_init();
	metrics_init(&s.metrics);
	if (start_modules(&s, err, sizeof(err)) < 0) {
		stop_modules(&s);
		store_close(s.store);
		return fail(err);
	}
	if (s.cfg.sandbox && !s.cfg.sandbox_active)
		log_event(LOG_WARN, "sandbox_disabled", "reason",
		          "a page token is configured: replies go to Meta's Graph API", NULL);
	log_event(LOG_INFO, "server_started", "version", BORGERBOT_VERSION, "listen",
	          s.cfg.listen[0] ? s.cfg.listen : NULL, "listen_tls",
	          s.cfg.listen_tls[0] ? s.cfg.listen_tls : NULL, "db", s.cfg.db_path, "graph_url",
	          s.cfg.graph_url, NULL);
	if (!s.cfg.app_id[0] && !s.cfg.sandbox_active)
		log_event(LOG_WARN, "app_id_missing", "effect",
		          "replies from Meta's Page Inbox cannot be told from the bot's own", NULL);
	int sig = wait_for_signal(&s);
	log_event(LOG_INFO, "server_stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
	          NULL);
	stop_modules(&s);
	store_close(s.store);
	graph_global_cleanup();
	log_event(LOG_INFO, "server_stopped", NULL);
	return 0;
}
