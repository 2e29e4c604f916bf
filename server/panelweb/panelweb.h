/*
 * panelweb.h - the citizen panel's public web pages (docs/panel.md):
 *
 *   GET  /panel/f/TOKEN             the member's personal form: every question
 *                                   of the consultation, prefilled with the
 *                                   answers given so far (also in Messenger)
 *   POST /panel/f/TOKEN             saves the answers (replacing the earlier
 *                                   ones) while the consultation is open
 *   GET  /panel/results/ID          published results: SVG charts and tables
 *   GET  /panel/results/ID.csv      the same counts as CSV
 *   GET  /panel/panel.css           the pages' stylesheet
 *
 * The token in the link is the credential (panel_token_find: only its hash
 * is stored; a member who left, a replaced link or a closed consultation
 * is refused). Every response has the Host check (http_host_allowed) and a
 * Content-Security-Policy that allows only this server's stylesheet and
 * form posts to itself; a POST must be a form from this origin carrying
 * the form's CSRF field. Citizen text is always escaped as text.
 */
#ifndef BORGERBOT_PANELWEB_H
#define BORGERBOT_PANELWEB_H

#include <stddef.h>

#include "http/http.h"

struct store;

struct panelweb_options {
	struct store *store;
	const char *public_host; /* host names allowed besides loopback; set: HTTPS only */
};

struct panelweb;

struct panelweb *panelweb_new(const struct panelweb_options *opt, char *err, size_t errlen);
void panelweb_register(struct http *h, struct panelweb *w);
void panelweb_free(struct panelweb *w);

#endif
