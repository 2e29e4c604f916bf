/*
 * conversation_api.h - the staff conversation API under /api/conversations
 * (docs/staff-api.md): the queue, one conversation, and what staff do.
 *
 *   GET  /api/conversations[?mode=waiting_for_staff,staff&department=&assignee=
 *                           &urgent=1&limit=&offset=]
 *   GET  /api/conversations/{id}
 *   POST /api/conversations/{id}/take      {"name": "Mette", "department": "Vej og Park"}
 *   POST /api/conversations/{id}/reply     {"text": "...", "name", "department"}
 *   POST /api/conversations/{id}/handback  {"note": "..."}
 *   POST /api/conversations/{id}/close     {"note": "..."}
 *   POST /api/conversations/{id}/transfer  {"department": "...", "note": "..."}
 *   POST /api/conversations/{id}/notes     {"text": "..."}
 *
 * Authorised by api_authorise() with the scope "conversations". "name" and
 * "department" say who the citizen is told is writing; a console session
 * brings its own (the staff user's), API keys give them in the body. Every
 * action is one store_write() transaction (conversation_staff.h); replies
 * Meta's rules refuse get 409 and change nothing.
 */
#ifndef BORGERBOT_CONVERSATION_API_H
#define BORGERBOT_CONVERSATION_API_H

#include <stddef.h>

#include "domain/conversation_staff.h"
#include "http/http.h"
#include "store/store.h"

struct conversation_api_options {
	struct store *store;
	const struct conversation_env *env;
	size_t max_body_bytes;     /* 413 above */
	void (*notify)(void *arg); /* wakes the outbox sender after a commit; may be NULL */
	void *notify_arg;
};

struct conversation_api;

struct conversation_api *conversation_api_new(const struct conversation_api_options *opt, char *err,
                                              size_t errlen);
/* Register before the staff API's /api fallback. */
void conversation_api_register(struct http *h, struct conversation_api *a);
void conversation_api_free(struct conversation_api *a);

#endif
