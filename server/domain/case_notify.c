/*
 * case_notify.c - pending case notices -> outbox (see case_notify.h).
 *
 * Data flow: case_notices_within_window() or case_notices_due_for() (case.c)
 * list pending rows of notices -> outbox_enqueue() queues each text for the
 * citizen (policy checks the window) -> queued rows are marked delivered,
 * refused rows stay pending. Everything runs in the caller's transaction.
 */
#include "case_notify.h"

#include "audit.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "case.h"
#include "store/db.h"
#include "store/store.h"
#include "outbox/outbox.h"

static int send_all(sqlite3 *db, struct case_notice *v, size_t n, long long cause, long long now,
                    char *err, size_t errlen)
{
	int queued = 0;
	for (size_t i = 0; i < n; i++) {
		struct outbox_reply r = {
		    .page_id = v[i].page_id,
		    .psid = v[i].psid,
		    .origin = POLICY_BOT,
		    .cause_event_id = cause,
		    .text = v[i].text,
		    .now_ms = now,
		};
		struct outbox_result res;
		enum outbox_status st = outbox_enqueue(db, &r, &res, err, errlen);
		if (st == OUTBOX_ERROR)
			return -1;
		if (st == OUTBOX_REFUSED)
			continue; /* outside the window: waits for the citizen's next message */
		if (case_notice_delivered(db, v[i].id, now) < 0) {
			snprintf(err, errlen, "marking a notice delivered: %s", sqlite3_errmsg(db));
			return -1;
		}
		queued++;
	}
	return queued;
}

int case_notices_send_within_window(sqlite3 *db, long long now_ms, size_t limit, char *err,
                                    size_t errlen)
{
	long long now = now_ms ? now_ms : clock_now_ms();
	struct case_notice *v;
	size_t n;
	if (case_notices_within_window(db, now, limit, &v, &n) < 0) {
		snprintf(err, errlen, "reading notices: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = send_all(db, v, n, 0, now, err, errlen);
	case_notices_free(v, n);
	return rc;
}

int case_notices_send_for(sqlite3 *db, const char *page_id, const char *psid,
                          long long cause_event_id, long long now_ms, char *err, size_t errlen)
{
	long long now = now_ms ? now_ms : clock_now_ms();
	struct case_notice *v;
	size_t n;
	if (case_notices_due_for(db, page_id, psid, 20, &v, &n) < 0) {
		snprintf(err, errlen, "reading notices: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = send_all(db, v, n, cause_event_id, now, err, errlen);
	case_notices_free(v, n);
	return rc;
}

struct change_txn {
	const struct case_rules *rules;
	const struct case_status_request *req;
	struct case_status_change *out;
	int *sent;
	int ran, rc;
	char *err;
	size_t errlen;
};

/* The audit row of a status change: "case:REF", "open -> resolved, 2 told". */
static int audit_status(sqlite3 *db, const char *actor, const struct case_status_change *ch)
{
	char object[48], detail[80];
	snprintf(object, sizeof(object), "case:%s", ch->reference);
	snprintf(detail, sizeof(detail), "%s -> %s, %zu to notify", ch->old_status, ch->new_status,
	         ch->nrecipients);
	return audit_write(db, clock_now_ms(), actor, "case.status", object, detail);
}

static int change_in_txn(sqlite3 *db, void *arg)
{
	struct change_txn *t = arg;
	const struct case_status_request *q = t->req;
	t->ran = 1;
	t->rc = case_set_status(db, t->rules, q->reference, q->status, q->note, q->actor, 0, t->out,
	                        t->err, t->errlen);
	if (t->rc != CASE_OK)
		return 1;
	if (q->audit_actor && audit_status(db, q->audit_actor, t->out) < 0) {
		t->rc = CASE_ERROR;
		return 1;
	}
	if (t->out->nrecipients &&
	    (*t->sent = case_notices_send_within_window(db, 0, 0, t->err, t->errlen)) < 0) {
		t->rc = CASE_ERROR;
		return 1;
	}
	return 0;
}

int case_change_status(struct store *store, sqlite3 *db, const struct case_rules *rules,
                       const struct case_status_request *req, struct case_status_change *out,
                       int *sent, char *err, size_t errlen)
{
	struct change_txn t = {rules, req, out, sent, 0, CASE_ERROR, err, errlen};
	*sent = 0;
	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (store_write(store, db, change_in_txn, &t, err, errlen) == 0)
		return CASE_OK;
	case_status_change_free(out); /* nothing of it was committed */
	if (!t.ran)
		return CASE_BUSY;
	return t.rc == CASE_OK ? CASE_ERROR : t.rc; /* CASE_OK: the commit failed */
}
