/*
 * db.c - SQLite connections and the schema (see db.h).
 *
 * The schema is a list of migrations applied in order and counted in
 * PRAGMA user_version; a new feature appends a migration, never edits an old
 * one. Tables:
 *   events          every webhook event as received (the durable inbox)
 *   pages, citizens, conversations, messages, feed_comments
 *                   what the worker derives from events
 *   health          one row /healthz writes to prove the database is writable
 *   outbox          replies to citizens waiting for, or done with, the Send API
 *   cases, case_*, notices, api_keys, gritting_runs   cases and the staff API
 *   conversation_transitions, conversation_notes      the hand-over's record
 *   panel_*         the citizen panel (panel/panel.h)
 */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/text.h"

/* A migration beginning with this runs db_repair_text() in its transaction. */
#define REPAIR_TEXT_MARKER "-- repair_text:"

static const char *const migrations[] = {
    /* 1: inbox and conversation records */
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  dedup_key TEXT NOT NULL UNIQUE,"
    "  page_id TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  sender_id TEXT NOT NULL,"
    "  recipient_id TEXT NOT NULL,"
    "  citizen_id TEXT NOT NULL,"
    "  ts_ms INTEGER NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  status INTEGER NOT NULL DEFAULT 0," /* 0 pending, 1 done, 2 parked */
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  processed_at INTEGER);"
    "CREATE INDEX events_pending ON events(ts_ms, id) WHERE status = 0;"
    "CREATE INDEX events_citizen_pending ON events(citizen_id, ts_ms, id) WHERE status = 0;"
    "CREATE INDEX events_parked ON events(id) WHERE status = 2;"
    "CREATE TABLE pages ("
    "  id TEXT PRIMARY KEY,"
    "  first_seen_at INTEGER NOT NULL,"
    "  last_event_at INTEGER NOT NULL);"
    "CREATE TABLE citizens ("
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  first_seen_at INTEGER NOT NULL,"
    "  last_seen_at INTEGER NOT NULL,"
    "  last_inbound_at INTEGER," /* Meta ms of the last message/postback/reaction */
    "  PRIMARY KEY (page_id, psid));"
    "CREATE TABLE conversations ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  mode TEXT NOT NULL DEFAULT 'bot'"
    "    CHECK (mode IN ('bot', 'waiting_for_staff', 'staff', 'closed')),"
    "  thread_owner_app_id TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  last_inbound_at INTEGER,"
    "  last_outbound_at INTEGER,"
    "  UNIQUE (page_id, psid));"
    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY,"
    "  conversation_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  event_id INTEGER REFERENCES events(id),"
    "  mid TEXT UNIQUE,"
    "  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
    "  kind TEXT NOT NULL,"
    "  text TEXT,"
    "  payload TEXT,"
    "  attachments TEXT,"
    "  reply_to_mid TEXT,"
    "  app_id TEXT,"
    "  ts_ms INTEGER NOT NULL,"
    "  delivered_at INTEGER,"
    "  read_at INTEGER,"
    "  edit_count INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX messages_conversation ON messages(conversation_id, ts_ms);"
    "CREATE TABLE feed_comments ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  comment_id TEXT,"
    "  post_id TEXT,"
    "  from_id TEXT,"
    "  verb TEXT,"
    "  message TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  event_id INTEGER REFERENCES events(id));"
    "CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER);",
    /* issue 5: cases, followers, notices, API keys, gritting runs (case.c, apikey.c, winter.c) */
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  reference TEXT NOT NULL UNIQUE,"
    "  year INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  category TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'open'"
    "    CHECK (status IN ('open', 'in_progress', 'resolved', 'rejected')),"
    "  street TEXT,"
    "  house_number TEXT,"
    "  pole_number TEXT,"
    "  lat REAL,"
    "  lon REAL,"
    "  description TEXT,"
    "  photos TEXT,"          /* JSON array of URLs */
    "  source TEXT NOT NULL," /* messenger, open311, staff */
    "  page_id TEXT,"         /* the reporting citizen (NULL for Open311) */
    "  psid TEXT,"
    "  status_note TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  closed_at INTEGER,"
    "  UNIQUE (year, seq));"
    "CREATE INDEX cases_open ON cases(category, street) WHERE status IN ('open', 'in_progress');"
    "CREATE INDEX cases_status ON cases(status, id);"
    "CREATE TABLE case_counters (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
    "CREATE TABLE case_followers ("
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  words TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (case_id, page_id, psid));"
    "CREATE TABLE case_history ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  at INTEGER NOT NULL,"
    "  actor TEXT,"
    "  old_status TEXT NOT NULL,"
    "  new_status TEXT NOT NULL,"
    "  note TEXT);"
    "CREATE INDEX case_history_case ON case_history(case_id, id);"
    "CREATE TABLE notices ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  case_id INTEGER REFERENCES cases(id),"
    "  text TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  delivered_at INTEGER);"
    "CREATE INDEX notices_pending ON notices(page_id, psid, id) WHERE delivered_at IS NULL;"
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  key_hash TEXT NOT NULL UNIQUE," /* hex SHA-256 of the key; the key is never stored */
    "  scopes TEXT NOT NULL,"          /* comma-separated: cases, gritting, open311 */
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER,"
    "  last_used_at INTEGER);"
    "CREATE TABLE gritting_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  route TEXT,"
    "  class TEXT,"
    "  started_at INTEGER NOT NULL,"
    "  ended_at INTEGER NOT NULL,"
    "  recorded_at INTEGER NOT NULL,"
    "  recorded_by TEXT,"
    "  CHECK (route IS NOT NULL OR class IS NOT NULL));"
    "CREATE INDEX gritting_runs_end ON gritting_runs(ended_at);",
    /* issue 3: the outbox of replies to citizens (outbox.c) */
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY," /* also the send order of one recipient's rows */
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL," /* the recipient */
    "  conversation_id INTEGER REFERENCES conversations(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('message', 'sender_action')),"
    "  body TEXT NOT NULL,"  /* Send API request without messaging_type/tag */
    "  messaging_type TEXT," /* decided at enqueue, then as actually sent */
    "  tag TEXT,"
    "  origin TEXT NOT NULL CHECK (origin IN ('bot', 'staff')),"
    "  status TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (status IN ('pending', 'sent', 'failed', 'refused')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER,"
    "  error_code INTEGER,"
    "  error_subcode INTEGER,"
    "  error_message TEXT," /* Meta's message, or the rule that refused it */
    "  cause_event_id INTEGER REFERENCES events(id),"
    "  meta_message_id TEXT);"
    "CREATE INDEX outbox_pending ON outbox(page_id, psid, id) WHERE status = 'pending';"
    "CREATE INDEX outbox_problems ON outbox(status, id) WHERE status IN ('failed', 'refused');"
    "CREATE INDEX outbox_cause ON outbox(cause_event_id);",
    /* issue 5: a report waiting for its place ("which street?"), one per citizen (case.c) */
    "CREATE TABLE case_drafts ("
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  category TEXT NOT NULL,"
    "  text TEXT,"
    "  photos TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (page_id, psid));",
    /* ingest speed: only events waiting for a retry can hold back a citizen's
     * later events, so only they need a per-citizen index (a new event no
     * longer costs an insert into a randomly ordered index) */
    "DROP INDEX events_citizen_pending;"
    "CREATE INDEX events_retrying ON events(citizen_id, ts_ms, id)"
    " WHERE status = 0 AND attempts > 0;",
    /* issue 3: the sender walks pending replies in id order (outbox.c claim),
     * so a backlog costs a short index scan, not a grouping of all of it */
    "CREATE INDEX outbox_queue ON outbox(id) WHERE status = 'pending';",
    /* ingest speed: de-duplicate on (Meta's timestamp, key) instead of the
     * key alone. A redelivery repeats the event byte for byte, timestamp
     * included, so it still collides; but new events now land at the end of
     * the index (timestamps grow) instead of on a random page each, and a
     * group commit dirties a few pages instead of one per event. The table
     * is rebuilt because SQLite cannot drop a column's UNIQUE constraint
     * (foreign keys are off while migrations run, see db_migrate). */
    "CREATE TABLE events_new ("
    "  id INTEGER PRIMARY KEY,"
    "  dedup_key TEXT NOT NULL,"
    "  page_id TEXT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  sender_id TEXT NOT NULL,"
    "  recipient_id TEXT NOT NULL,"
    "  citizen_id TEXT NOT NULL,"
    "  ts_ms INTEGER NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  status INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  processed_at INTEGER,"
    "  UNIQUE (ts_ms, dedup_key));"
    "INSERT INTO events_new SELECT id, dedup_key, page_id, source, kind, sender_id,"
    " recipient_id, citizen_id, ts_ms, payload, received_at, status, attempts,"
    " next_attempt_at, last_error, processed_at FROM events;"
    "DROP TABLE events;"
    "ALTER TABLE events_new RENAME TO events;"
    "CREATE INDEX events_pending ON events(ts_ms, id) WHERE status = 0;"
    "CREATE INDEX events_parked ON events(id) WHERE status = 2;"
    "CREATE INDEX events_retrying ON events(citizen_id, ts_ms, id)"
    " WHERE status = 0 AND attempts > 0;",
    /* issue 9: the conversation lifecycle (domain/conversation.c). A citizen
     * may now have many conversations, one open at a time (a message after
     * 'closed' opens a new one), so UNIQUE (page_id, psid) becomes a partial
     * unique index and the table is rebuilt. Every change of mode is a row
     * in conversation_transitions (who, when, why); staff notes are never
     * sent. The outbox learns thread-control requests (Conversation Routing)
     * and who wrote a staff reply. */
    "CREATE TABLE conversations_new ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  mode TEXT NOT NULL DEFAULT 'bot'"
    "    CHECK (mode IN ('bot', 'waiting_for_staff', 'staff', 'closed')),"
    "  thread_owner_app_id TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  last_inbound_at INTEGER,"
    "  last_outbound_at INTEGER,"
    "  department TEXT,"                   /* whose queue it is in */
    "  urgent INTEGER NOT NULL DEFAULT 0," /* crisis: first in every queue */
    "  reason TEXT,"                       /* why it was last handed over */
    "  intent TEXT,"                       /* what the bot last recognised */
    "  assignee TEXT,"                     /* staff user or key that took it */
    "  assignee_name TEXT,"                /* the name the citizen is told */
    "  handed_over_at INTEGER,"            /* entered waiting_for_staff */
    "  first_response_at INTEGER,"         /* first staff reply since then */
    "  staff_last_at INTEGER,"             /* last staff action (idle timer) */
    "  closed_at INTEGER,"
    "  not_understood INTEGER NOT NULL DEFAULT 0," /* bot misses in a row */
    "  sla_breached INTEGER NOT NULL DEFAULT 0);"  /* 1 first response, 2 resolution */
    "INSERT INTO conversations_new (id, page_id, psid, mode, thread_owner_app_id, created_at,"
    " updated_at, last_inbound_at, last_outbound_at, handed_over_at)"
    " SELECT id, page_id, psid, mode, thread_owner_app_id, created_at, updated_at,"
    " last_inbound_at, last_outbound_at,"
    " CASE WHEN mode = 'waiting_for_staff' THEN updated_at END FROM conversations;"
    "DROP TABLE conversations;"
    "ALTER TABLE conversations_new RENAME TO conversations;"
    "CREATE UNIQUE INDEX conversations_open ON conversations(page_id, psid)"
    " WHERE mode <> 'closed';"
    "CREATE INDEX conversations_citizen ON conversations(page_id, psid, id);"
    "CREATE INDEX conversations_queue ON conversations(mode, urgent DESC, handed_over_at)"
    " WHERE mode IN ('waiting_for_staff', 'staff');"
    "CREATE TABLE conversation_transitions ("
    "  id INTEGER PRIMARY KEY,"
    "  conversation_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  at INTEGER NOT NULL,"
    "  from_mode TEXT NOT NULL,"
    "  to_mode TEXT NOT NULL,"
    "  actor TEXT NOT NULL," /* "bot", a staff user, an API key, "Page Inbox", "system" */
    "  reason TEXT NOT NULL,"
    "  department TEXT,"
    "  note TEXT);"
    "CREATE INDEX conversation_transitions_conv ON conversation_transitions(conversation_id, id);"
    "CREATE TABLE conversation_notes ("
    "  id INTEGER PRIMARY KEY,"
    "  conversation_id INTEGER NOT NULL REFERENCES conversations(id),"
    "  at INTEGER NOT NULL,"
    "  author TEXT NOT NULL,"
    "  text TEXT NOT NULL);"
    "CREATE INDEX conversation_notes_conv ON conversation_notes(conversation_id, id);"
    "CREATE TABLE outbox_new ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  conversation_id INTEGER REFERENCES conversations(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('message', 'sender_action', 'thread_control')),"
    "  body TEXT NOT NULL,"
    "  messaging_type TEXT,"
    "  tag TEXT,"
    "  origin TEXT NOT NULL CHECK (origin IN ('bot', 'staff')),"
    "  status TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (status IN ('pending', 'sent', 'failed', 'refused')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER,"
    "  error_code INTEGER,"
    "  error_subcode INTEGER,"
    "  error_message TEXT,"
    "  cause_event_id INTEGER REFERENCES events(id),"
    "  meta_message_id TEXT,"
    "  author TEXT);" /* the staff member who wrote a staff reply */
    "INSERT INTO outbox_new SELECT id, page_id, psid, conversation_id, kind, body,"
    " messaging_type, tag, origin, status, attempts, next_attempt_at, created_at, sent_at,"
    " error_code, error_subcode, error_message, cause_event_id, meta_message_id, NULL"
    " FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_new RENAME TO outbox;"
    "CREATE INDEX outbox_pending ON outbox(page_id, psid, id) WHERE status = 'pending';"
    "CREATE INDEX outbox_problems ON outbox(status, id) WHERE status IN ('failed', 'refused');"
    "CREATE INDEX outbox_cause ON outbox(cause_event_id);"
    "CREATE INDEX outbox_queue ON outbox(id) WHERE status = 'pending';"
    "CREATE INDEX outbox_conversation ON outbox(conversation_id, id);",
    /* issue 16: Open311 once stored text that is not UTF-8, which made its
     * case unreadable (500, skipped in lists). Input is now refused; rows
     * already stored are repaired in C (db_repair_text, below), U+FFFD for
     * each bad byte. The marker at the start names the step. */
    REPAIR_TEXT_MARKER " cases, case_followers and notices",
    /* issue 12: citizens' data rights (domain/privacy.c, docs/privacy.md).
     * privacy_exports: personal export links, only the token's SHA-256 kept.
     * privacy_requests: deletion receipts (confirmation code, counts; no ids).
     * privacy_tombstones: SHA-256 of (page, psid) for 48 h after a deletion,
     * so Meta's trailing echoes and receipts are dropped, not stored.
     * outbox.erase_when_done: a confirmation sent after the deletion is
     * deleted by the sender once sent or given up; inbound_at keeps its
     * 24-hour window without the deleted conversation row. */
    "CREATE TABLE privacy_exports ("
    "  token_hash TEXT PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL);"
    "CREATE TABLE privacy_requests ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  source TEXT NOT NULL CHECK (source IN ('messenger', 'meta_callback', 'cli')),"
    "  status TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL,"
    "  completed_at INTEGER,"
    "  rows_deleted INTEGER NOT NULL DEFAULT 0,"
    "  cases_anonymised INTEGER NOT NULL DEFAULT 0,"
    "  note TEXT);"
    "CREATE TABLE privacy_tombstones ("
    "  key_hash TEXT PRIMARY KEY,"
    "  until_ms INTEGER NOT NULL);"
    "ALTER TABLE outbox ADD COLUMN erase_when_done INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN inbound_at INTEGER;"
    "CREATE INDEX outbox_erase ON outbox(id) WHERE erase_when_done = 1;",
    /* issue 10: staff accounts, console sessions, the audit log (domain/staff.c,
     * domain/staff_session.c, domain/audit.c). Sessions keep only the SHA-256
     * of their id, and their own idle and absolute limits. */
    "CREATE TABLE staff_users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  display_name TEXT NOT NULL,"
    "  department TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),"
    "  password_hash TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  password_changed_at INTEGER NOT NULL,"
    "  disabled_at INTEGER);"
    "CREATE TABLE staff_sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  staff_id INTEGER NOT NULL REFERENCES staff_users(id),"
    "  csrf_token TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  last_seen_at INTEGER NOT NULL,"
    "  idle_ms INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    "CREATE INDEX staff_sessions_user ON staff_sessions(staff_id);"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  object TEXT,"
    "  detail TEXT);"
    "CREATE INDEX audit_log_object ON audit_log(object, id);",
    /* issue 10: canned replies (domain/canned.c; department NULL = shared) and
     * the index the console's live updates poll (console/live.c) */
    "CREATE TABLE canned_replies ("
    "  id INTEGER PRIMARY KEY,"
    "  department TEXT,"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  updated_by TEXT NOT NULL);"
    "CREATE INDEX canned_replies_department ON canned_replies(department, title);"
    "CREATE INDEX conversations_updated ON conversations(updated_at);",
    /* issue 13: what became of each citizen message (domain/outcome.c), the
     * figures of `borgerbot report` and the misunderstood queue. No text and
     * no PSID: the conversation id links it while the conversation exists. */
    "CREATE TABLE message_outcomes ("
    "  event_id INTEGER PRIMARY KEY,"
    "  conversation_id INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"  /* the message's time (Meta's, clamped), ms */
    "  mode TEXT NOT NULL,"   /* the conversation's mode when it came */
    "  intent TEXT NOT NULL," /* what the dialog acted on, '' if nothing */
    "  outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'case_filed', 'clarified',"
    "    'handed_over', 'crisis', 'with_staff', 'refused', 'no_reply')),"
    "  reason TEXT,"                            /* the hand-over's reason */
    "  case_joined INTEGER NOT NULL DEFAULT 0," /* the report joined an open case */
    "  after_hours INTEGER NOT NULL,"           /* nobody staffed the chat queue then */
    "  label TEXT,"                             /* staff: the intent it should have had */
    "  label_example TEXT,"                     /* staff: the reviewed, anonymised example */
    "  labelled_by TEXT,"
    "  labelled_at INTEGER);"
    "CREATE INDEX message_outcomes_at ON message_outcomes(at);"
    "CREATE INDEX message_outcomes_unlabelled ON message_outcomes(at)"
    " WHERE intent IN ('', 'none') AND label IS NULL;",
    /* issue 11: the citizen panel (panel/panel.c, docs/panel.md). Rows about
     * a member carry page_id and psid, so domain/privacy.c's generic
     * deletion and export find them; an answer kept after its member left
     * has neither. panel_responses keep only the SHA-256 of the form token. */
    "CREATE TABLE panel_consultations ("
    "  id TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  intro TEXT NOT NULL,"
    "  target TEXT NOT NULL CHECK (target IN ('all', 'area', 'topic')),"
    "  target_value TEXT NOT NULL,"
    "  opens_at INTEGER NOT NULL,"
    "  closes_at INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'published')),"
    "  loaded_at INTEGER NOT NULL,"
    "  published_at INTEGER);"
    "CREATE TABLE panel_questions ("
    "  consultation_id TEXT NOT NULL REFERENCES panel_consultations(id),"
    "  qno INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'scale', 'text')),"
    "  text TEXT NOT NULL,"
    "  options TEXT NOT NULL," /* labels, one per line */
    "  PRIMARY KEY (consultation_id, qno));"
    "CREATE TABLE panel_members ("
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  status TEXT NOT NULL"
    "    CHECK (status IN ('invited', 'asked', 'member', 'declined', 'left')),"
    "  area TEXT,"
    "  topics TEXT,"
    "  profile_step INTEGER NOT NULL DEFAULT 0,"
    "  invited_at INTEGER,"
    "  joined_at INTEGER,"
    "  left_at INTEGER,"
    "  updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (page_id, psid));"
    "CREATE TABLE panel_consents ("
    "  id INTEGER PRIMARY KEY,"
    "  page_id TEXT NOT NULL,"
    "  psid TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'left')),"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX panel_consents_member ON panel_consents(page_id, psid);"
    "CREATE TABLE panel_responses ("
    "  id INTEGER PRIMARY KEY,"
    "  consultation_id TEXT NOT NULL REFERENCES panel_consultations(id),"
    "  page_id TEXT,"
    "  psid TEXT,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('offered', 'declined', 'answering', 'done', 'ended')),"
    "  next_q INTEGER NOT NULL DEFAULT 0,"
    "  token_hash TEXT UNIQUE,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (consultation_id, page_id, psid));"
    "CREATE INDEX panel_responses_member ON panel_responses(page_id, psid);"
    "CREATE TABLE panel_answers ("
    "  id INTEGER PRIMARY KEY,"
    "  response_id INTEGER NOT NULL REFERENCES panel_responses(id),"
    "  consultation_id TEXT NOT NULL,"
    "  qno INTEGER NOT NULL,"
    "  choice INTEGER NOT NULL," /* option index, scale value, -1 for text */
    "  text TEXT,"
    "  page_id TEXT,"
    "  psid TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX panel_answers_response ON panel_answers(response_id, qno);"
    "CREATE INDEX panel_answers_consultation ON panel_answers(consultation_id, qno);",
    /* issue 10: settings an admin changed in the console (core/live_settings.h) */
    "CREATE TABLE setting_overrides ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL,"
    "  changed_at INTEGER NOT NULL,"
    "  changed_by TEXT NOT NULL);",
};

int db_checkpoint(sqlite3 *db)
{
	int wal_frames = 0, copied = 0;
	int rc =
	    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
	if (rc != SQLITE_OK)
		return -1;
	return wal_frames > copied ? wal_frames - copied : 0;
}

int db_requeue(sqlite3 *db, const char *sql, const char *which, const char *all_word,
               const char *what)
{
	int all = strcmp(which, all_word) == 0;
	char *end;
	long long id = all ? 0 : strtoll(which, &end, 10);
	if (!all && (*end != '\0' || id <= 0)) {
		fprintf(stderr, "borgerbot: error: '%s' is not an id (or %s)\n", which, all_word);
		return 2;
	}
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "borgerbot: error: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	printf("%d %s queued again\n", sqlite3_changes(db), what);
	return 0;
}

int db_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int db_ensure_parent_dir(const char *path, char *err, size_t errlen)
{
	char dir[512];
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	size_t n = (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		snprintf(err, errlen, "db path too long: %s", path);
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	struct stat st;
	if (stat(dir, &st) == 0)
		return 0;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

sqlite3 *db_open(const char *path, int busy_ms, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, busy_ms);
	sqlite3_extended_result_codes(db, 1);
	static const char *const pragmas =
	    "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=FULL;"
	    /* Checkpoints run in the worker thread (db_checkpoint), outside the
	     * write lock, never in a commit that a webhook request waits for. */
	    "PRAGMA wal_autocheckpoint=0;"
	    "PRAGMA foreign_keys=ON;"
	    /* Deleted rows are overwritten with zeros, so a citizen's deleted
	     * data does not linger in free space (docs/privacy.md). */
	    "PRAGMA secure_delete=ON;"
	    "PRAGMA temp_store=MEMORY;";
	if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot set up database %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Columns that held text from outside before it was checked for UTF-8. */
static const char *const repair_columns[][2] = {
    {"cases", "description"}, {"cases", "street"},      {"cases", "house_number"},
    {"cases", "pole_number"}, {"cases", "status_note"}, {"case_followers", "words"},
    {"notices", "text"},
};

static int repair_column(sqlite3 *db, const char *table, const char *column)
{
	char sql[200];
	/* names come from the table above, never from input */
	snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM %s WHERE %s IS NOT NULL", column, table,
	         column);
	char upd[200];
	snprintf(upd, sizeof(upd), "UPDATE %s SET %s = ?2 WHERE rowid = ?1", table, column);
	sqlite3_stmt *sel, *set;
	if (sqlite3_prepare_v2(db, sql, -1, &sel, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, upd, -1, &set, NULL) != SQLITE_OK) {
		sqlite3_finalize(sel);
		return -1;
	}
	int rc = 0;
	while (rc == 0 && sqlite3_step(sel) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_blob(sel, 1);
		size_t n = (size_t)sqlite3_column_bytes(sel, 1);
		if (!v || text_utf8_valid(v, n))
			continue;
		char *fixed = text_utf8_repair(v, n);
		if (!fixed) {
			rc = -1;
			break;
		}
		sqlite3_reset(set);
		sqlite3_bind_int64(set, 1, sqlite3_column_int64(sel, 0));
		sqlite3_bind_text(set, 2, fixed, -1, free);
		rc = sqlite3_step(set) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(set);
	return rc;
}

int db_repair_text(sqlite3 *db)
{
	for (size_t i = 0; i < sizeof(repair_columns) / sizeof(repair_columns[0]); i++)
		if (repair_column(db, repair_columns[i][0], repair_columns[i][1]) < 0)
			return -1;
	return 0;
}

static int run_migration(sqlite3 *db, const char *sql)
{
	if (db_exec(db, sql) != SQLITE_OK)
		return -1;
	if (!strncmp(sql, REPAIR_TEXT_MARKER, strlen(REPAIR_TEXT_MARKER)))
		return db_repair_text(db);
	return 0;
}

int db_migrate(sqlite3 *db, char *err, size_t errlen)
{
	int have = user_version(db);
	int want = (int)(sizeof(migrations) / sizeof(migrations[0]));
	if (have < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (have > want) {
		snprintf(err, errlen, "database schema version %d is newer than this build (%d)",
		         have, want);
		return -1;
	}
	/* A migration may rebuild a table that others reference (SQLite's
	 * 12-step ALTER): foreign keys are off meanwhile and checked after. */
	if (have < want)
		db_exec(db, "PRAGMA foreign_keys=OFF");
	for (int v = have; v < want; v++) {
		char setv[64];
		snprintf(setv, sizeof(setv), "PRAGMA user_version=%d;", v + 1);
		if (db_exec(db, "BEGIN IMMEDIATE") != SQLITE_OK ||
		    run_migration(db, migrations[v]) < 0 || db_exec(db, setv) != SQLITE_OK ||
		    db_exec(db, "COMMIT") != SQLITE_OK) {
			snprintf(err, errlen, "schema migration %d failed: %s", v + 1,
			         sqlite3_errmsg(db));
			db_exec(db, "ROLLBACK");
			return -1;
		}
	}
	if (have < want) {
		sqlite3_stmt *st;
		int broken = 0;
		if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) ==
		    SQLITE_OK) {
			broken = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		db_exec(db, "PRAGMA foreign_keys=ON");
		if (broken) {
			snprintf(err, errlen,
			         "schema migration left broken references (foreign_key_check)");
			return -1;
		}
	}
	return 0;
}
