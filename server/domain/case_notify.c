/*
 * case_notify.c - pending case notices -> outbox (see case_notify.h).
 *
 * Data flow: case_notices_within_window() or case_notices_due_for() (case.c)
 * list pending rows of notices -> outbox_enqueue() queues each text for the
 * citizen (policy checks the window) -> queued rows are marked delivered,
 * refused rows stay pending. Everything runs in the caller's transaction.
 */
#include "case_notify.h"

#include <stdio.h>

#include "case.h"
#include "store/db.h"
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
	long long now = now_ms ? now_ms : db_now_ms();
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
	long long now = now_ms ? now_ms : db_now_ms();
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
