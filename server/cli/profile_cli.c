/*
 * profile_cli.c - `borgerbot profile`: the page's Messenger Profile (Get
 * Started, the Danish greeting, the persistent menu with "Tal med en
 * medarbejder", "Hvad kan du hjælpe med?", "Meld mig ud af borgerpanelet"
 * and "Slet mine data"), built by the dialog (dialog_profile_json) and set
 * through the Graph client.
 *
 *   borgerbot profile show                      the body, on stdout
 *   borgerbot profile set [--config FILE]       POST /me/messenger_profile
 *
 * The page token and Graph URL come from the config and environment like
 * `serve` (BORGERBOT_PAGE_TOKEN, BORGERBOT_GRAPH_URL). Meta allows 10 such
 * calls per 10 minutes per page and may take up to 24 hours to show a new
 * menu; run it once after setting up the page (docs/meta-setup.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/config.h"
#include "outbox/graph.h"
#include "worker/dialog.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: borgerbot profile show\n"
	           "       borgerbot profile set [--config FILE]\n");
}

static int set_profile(const struct config *c, const char *body)
{
	if (!c->page_token[0]) {
		fprintf(stderr, "borgerbot: error: no page access token (BORGERBOT_PAGE_TOKEN): "
		                "the sandbox has no page to set a menu on\n");
		return 2;
	}
	struct graph_options go = {.base_url = c->graph_url,
	                           .page_token = c->page_token,
	                           .connect_timeout_ms = c->graph_connect_timeout_ms,
	                           .timeout_ms = c->graph_timeout_ms};
	char err[300];
	graph_global_init();
	struct graph_client *g = graph_client_new(&go, err, sizeof(err));
	if (!g) {
		graph_global_cleanup();
		fprintf(stderr, "borgerbot: error: %s\n", err);
		return 1;
	}
	struct graph_result res;
	int rc = graph_post(g, "me", "messenger_profile", body, &res);
	graph_client_free(g);
	graph_global_cleanup();
	if (rc < 0) {
		fprintf(stderr, "borgerbot: error: Meta refused the profile (%s, HTTP %ld): %s\n",
		        res.reason, res.http_status, res.message);
		return 1;
	}
	printf("the page's Get Started button, greeting and menu are set (Meta may take up to 24 "
	       "hours to show them)\n");
	return 0;
}

int cmd_profile(int argc, char **argv)
{
	struct config c;
	char err[600];
	const char *action = NULL;
	config_defaults(&c);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			if (config_load_file(&c, argv[++i], err, sizeof(err)) < 0) {
				fprintf(stderr, "borgerbot: error: %s\n", err);
				return 2;
			}
		} else if (!action) {
			action = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!action || (strcmp(action, "show") != 0 && strcmp(action, "set") != 0)) {
		usage(stderr);
		return 2;
	}
	/* only what the Graph client needs: the page token and the Graph URL */
	const char *token = getenv("BORGERBOT_PAGE_TOKEN"), *url = getenv("BORGERBOT_GRAPH_URL");
	if ((token && snprintf(c.page_token, sizeof(c.page_token), "%s", token) >=
	                  (int)sizeof(c.page_token)) ||
	    (url &&
	     snprintf(c.graph_url, sizeof(c.graph_url), "%s", url) >= (int)sizeof(c.graph_url))) {
		fprintf(
		    stderr,
		    "borgerbot: error: BORGERBOT_PAGE_TOKEN or BORGERBOT_GRAPH_URL is too long\n");
		return 2;
	}
	if (strncmp(c.graph_url, "https://", 8) != 0 && strncmp(c.graph_url, "http://", 7) != 0) {
		fprintf(stderr,
		        "borgerbot: error: the Graph URL must start with https:// or http://\n");
		return 2;
	}
	char *body = dialog_profile_json();
	if (!body) {
		fprintf(stderr, "borgerbot: error: out of memory\n");
		return 1;
	}
	int rc = 0;
	if (!strcmp(action, "show"))
		printf("%s\n", body);
	else
		rc = set_profile(&c, body);
	free(body);
	return rc;
}
