"""Citizens' data rights (issue 12), end to end over real HTTP: the signed
webhook, the worker, the fake Graph API, the privacy endpoints and the CLI.

The deletion checks are generic: after a deletion every column of every
table (sqlite_master + pragma table_info) is searched for the PSID and the
citizen's distinctive words, and so are the raw bytes of the database file
and its WAL, so a table added later that forgets privacy fails here."""
import base64
import hashlib
import hmac
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_graph import FakeGraph  # noqa: E402
from harness import (APP_SECRET, BIN, PAGE_ID, PAGE_TOKEN, Server,  # noqa: E402
                     ServerTestCase, envelope, new_mid, now_ms, text_event)

REF = re.compile(r"TM-\d{4}-\d{5}")
LINK = re.compile(r"(http://[^\s]+/privacy/export/([0-9a-f]{64}))\?format=html")
DAY = 24 * 3600 * 1000
MARKER = "[fjernet efter borgerens anmodning]"

# Distinctive words no text of the bot contains.
FAULT = "Lygterne på Duevej virker ikke og det ligner en zebrafinkefest"
CHAT = "Mange tak xylofonhjerte"
WORDS = ["zebrafinkefest", "xylofonhjerte"]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_request(payload, secret=APP_SECRET):
    p = b64url(json.dumps(payload).encode())
    sig = b64url(hmac.new(secret.encode(), p.encode(), hashlib.sha256).digest())
    return sig + "." + p


class PrivacyBase(ServerTestCase):
    """A server whose replies go to a fake Graph API (self.graph)."""

    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.server = Server(env={"BORGERBOT_GRAPH_URL": self.graph.url,
                                  "no_proxy": "127.0.0.1,localhost"}).start()

    def tearDown(self):
        super().tearDown()
        self.graph.stop()

    # -- helpers --
    def post(self, *events):
        status, body = self.server.post_webhook(envelope(list(events)))
        self.assertEqual(status, 200, body)

    def replies(self, psid):
        return [r["body"] for r in self.graph.accepted(psid)]

    def ask(self, psid, text, payload=None):
        before = len(self.replies(psid))
        ev = text_event(psid, text)
        if payload:
            ev["message"]["quick_reply"] = {"payload": payload}
        self.post(ev)
        self.graph.wait_for(lambda: len(self.replies(psid)) > before, 10, "a reply")
        return self.replies(psid)[before]

    def occurrences(self, needle):
        """{table.column: rows} of every column holding needle."""
        con = sqlite3.connect("file:%s?mode=ro" % self.server.db, uri=True, timeout=10)
        found = {}
        try:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%'")]
            for t in tables:
                for col in [r[1] for r in con.execute("SELECT * FROM pragma_table_info(?)",
                                                      (t,))]:
                    n = con.execute('SELECT COUNT(*) FROM "%s" WHERE instr(CAST("%s" AS TEXT),'
                                    ' ?) > 0' % (t, col), (needle,)).fetchone()[0]
                    if n:
                        found["%s.%s" % (t, col)] = n
        finally:
            con.close()
        return found

    def file_bytes(self):
        out = b""
        for suffix in ("", "-wal"):
            path = self.server.db + suffix
            if os.path.exists(path):
                with open(path, "rb") as f:
                    out += f.read()
        return out

    def assert_gone(self, psid, words, timeout=15):
        """No table, column, database page or WAL frame holds psid or words."""
        needles = [psid] + list(words)
        deadline = time.time() + timeout
        while True:
            rows = {n: self.occurrences(n) for n in needles}
            raw = self.file_bytes()
            in_files = [n for n in needles if n.encode() in raw]
            if not any(rows.values()) and not in_files:
                return
            if time.time() > deadline:
                self.fail("still stored: rows %r, files %r" % (rows, in_files))
            time.sleep(0.2)

    def run_cli(self, *args):
        return subprocess.run([BIN, "privacy"] + list(args) + ["--db", self.server.db],
                              capture_output=True, timeout=30)

    def file_case(self, psid, text=FAULT):
        reply = self.ask(psid, text)["message"]["text"]
        m = REF.search(reply)
        self.assertIsNotNone(m, reply)
        return m.group(0)


class DeleteInMessengerTest(PrivacyBase):
    def test_slet_mine_data_confirmed_leaves_nothing_but_the_case(self):
        psid = "PSID4711000999"
        ref = self.file_case(psid)
        self.ask(psid, CHAT)
        other = "PSID4711000555"
        self.ask(other, "Hej")
        self.assertIn("cases.description", self.occurrences("zebrafinkefest"))
        self.assertTrue(self.occurrences(psid))

        ask = self.ask(psid, "slet mine data")["message"]
        self.assertIn("sagen", ask["text"])  # says what is kept and why
        titles = {q["title"]: q["payload"] for q in ask["quick_replies"]}
        self.assertEqual(titles, {"Ja, slet mine data": "PRIVACY_DELETE_YES",
                                  "Nej, behold dem": "PRIVACY_DELETE_NO"})
        done = self.ask(psid, "Ja, slet mine data", payload="PRIVACY_DELETE_YES")["message"]
        self.assertIn("slettet", done["text"])
        self.assertIn("uden dine oplysninger", done["text"])

        # Meta's trailing echo, delivery and read of the confirmation
        ts = now_ms()
        self.post({"sender": {"id": PAGE_ID}, "recipient": {"id": psid}, "timestamp": ts,
                   "message": {"mid": new_mid(), "is_echo": True, "app_id": 1,
                               "text": done["text"]}},
                  {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": ts + 1,
                   "delivery": {"mids": [new_mid()], "watermark": ts}},
                  {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": ts + 2,
                   "read": {"watermark": ts}})
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 0", lambda n: n == 0)
        self.assert_gone(psid, WORDS)

        # the case is still there, without the citizen
        row = self.server.query("SELECT psid, page_id, description, street, status FROM cases"
                                " WHERE reference = ?", (ref,))
        self.assertEqual(row, [(None, None, MARKER, "Duevej", "open")])
        # the other citizen is untouched
        self.assertTrue(self.occurrences(other))
        self.assertEqual(self.server.metric("borgerbot_privacy_deletions_total"), 1)
        # the worker neither failed on the deleted event nor re-created rows
        self.assertEqual(self.server.metric("borgerbot_events_failed_total"), 0)
        self.assertEqual(self.server.scalar(
            "SELECT COUNT(*) FROM privacy_requests WHERE source = 'messenger'"), 1)

        self.assertNotIn(psid, self.server.read_log())  # logs never held it
        for w in WORDS:
            self.assertNotIn(w, self.server.read_log())

        # writing again is a new contact: processed normally
        self.ask(psid, "Hej igen")
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM citizens WHERE psid = ?",
                                            (psid,)), 1)

    def test_no_keeps_everything(self):
        psid = "PSID4711000888"
        self.file_case(psid)
        self.ask(psid, "kan I slette mine data?")
        keep = self.ask(psid, "Nej, behold dem", payload="PRIVACY_DELETE_NO")["message"]
        self.assertIn("beholder", keep["text"])
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM cases WHERE psid = ?",
                                            (psid,)), 1)
        self.assertIn("messages.text", self.occurrences("zebrafinkefest"))

    def test_access_request_gives_an_expiring_personal_link(self):
        psid = "PSID4711000777"
        self.file_case(psid, FAULT + " <script>alert(1)</script>")
        reply = self.ask(psid, "Hvad ved I om mig?")["message"]["text"]
        self.assertIn("1 sag du har meldt", reply)
        m = LINK.search(reply)
        self.assertIsNotNone(m, reply)
        path = urllib.parse.urlparse(m.group(1)).path
        token = m.group(2)
        # only the hash is stored; the reply carrying it leaves the outbox once sent
        self.server.wait_for("SELECT COUNT(*) FROM outbox WHERE erase_when_done = 1",
                             lambda n: n == 0)
        self.assertEqual(self.occurrences(token), {})
        status, body, headers = self.server.request("GET", path)
        self.assertEqual(status, 200)
        data = json.loads(body)
        self.assertEqual(data["citizen"]["psid"], psid)
        self.assertIn("zebrafinkefest", json.dumps(data["tables"]["messages"]))
        self.assertTrue(data["tables"]["events"])
        self.assertEqual(data["summary"]["cases_reported"], 1)
        status, html, headers = self.server.request("GET", path + "?format=html")
        self.assertEqual(status, 200)
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        self.assertEqual(headers["Referrer-Policy"], "no-referrer")
        self.assertNotIn(b"<script>", html)
        self.assertIn(b"&lt;script&gt;", html)
        # unknown, malformed and expired tokens: the same 404
        for bad in ["0" * 64, "x", token[:-1], token + "0", "../../etc/passwd"]:
            status, _, _ = self.server.request("GET", "/privacy/export/" + bad)
            self.assertEqual(status, 404, bad)
        status, _, _ = self.server.request("POST", path, b"{}")
        self.assertEqual(status, 405)
        con = sqlite3.connect(self.server.db, timeout=10)
        con.execute("UPDATE privacy_exports SET expires_at = ?", (now_ms() - 1,))
        con.commit()
        con.close()
        status, _, _ = self.server.request("GET", path)
        self.assertEqual(status, 404)


class CliTest(PrivacyBase):
    def test_cli_export_then_delete(self):
        psid = "PSID4711000666"
        ref = self.file_case(psid)
        self.ask(psid, CHAT)
        p = self.run_cli("export", psid)
        self.assertEqual(p.returncode, 0, p.stderr)
        data = json.loads(p.stdout)
        self.assertIn("xylofonhjerte", json.dumps(data["tables"]["messages"]))
        self.assertEqual(data["summary"]["cases_reported"], 1)
        p = self.run_cli("delete", psid, "--page", PAGE_ID)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.decode(), r"anonymised 1 cases; confirmation code [0-9a-f]{20}")
        self.assertNotIn(psid.encode(), p.stdout + p.stderr)
        self.assert_gone(psid, WORDS)
        self.assertEqual(self.server.scalar("SELECT description FROM cases WHERE reference = ?",
                                            (ref,)), MARKER)

    def test_cli_unknown_citizen_and_bad_usage(self):
        self.ask("PSID4711000444", CHAT)
        before = self.occurrences("PSID4711000444")
        p = self.run_cli("delete", "NOBODY")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"deleted 0 rows", p.stdout)
        self.assertEqual(self.occurrences("PSID4711000444"), before)
        p = self.run_cli("export", "NOBODY")
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout)["summary"]["messages"], 0)
        for args in [("delete",), ("shred", "x"), ("delete", "x" * 100)]:
            self.assertEqual(self.run_cli(*args).returncode, 2, args)


class MetaCallbackTest(PrivacyBase):
    def callback(self, body, ctype="application/x-www-form-urlencoded"):
        return self.server.request("POST", "/meta/data-deletion", body,
                                   {"Content-Type": ctype})

    def test_valid_signed_request_deletes_and_reports_honestly(self):
        # a feed comment by the app-scoped user, and a Messenger citizen
        self.post_comment("ASID5550001", "kommentar zebrafinkefest")
        self.ask("PSID4711000333", CHAT)
        self.server.wait_for("SELECT COUNT(*) FROM feed_comments", lambda n: n == 1)
        sr = signed_request({"algorithm": "HMAC-SHA256", "issued_at": 1, "user_id":
                             "ASID5550001"})
        status, body, _ = self.callback(urllib.parse.urlencode({"signed_request": sr}).encode())
        self.assertEqual(status, 200, body)
        reply = json.loads(body)
        self.assertRegex(reply["confirmation_code"], r"^[0-9a-f]{20}$")
        self.assertTrue(reply["url"].endswith("/meta/data-deletion/" +
                                              reply["confirmation_code"]))
        self.assert_gone("ASID5550001", ["zebrafinkefest"])
        self.assertTrue(self.occurrences("PSID4711000333"))  # not the same id
        path = urllib.parse.urlparse(reply["url"]).path
        status, html, headers = self.server.request("GET", path)
        self.assertEqual(status, 200)
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        self.assertIn("slet mine data", html.decode())  # the honest limit
        status, js, _ = self.server.request("GET", path + "?format=json")
        self.assertEqual(json.loads(js)["source"], "meta_callback")
        self.assertGreaterEqual(json.loads(js)["rows_deleted"], 2)
        for bad in ["0" * 20, "zz", "<b>"]:
            self.assertEqual(self.server.request("GET", "/meta/data-deletion/" + bad)[0], 404)

    def post_comment(self, from_id, message):
        body = {"object": "page", "entry": [{"id": PAGE_ID, "time": now_ms(), "changes": [
            {"field": "feed", "value": {"item": "comment", "verb": "add",
                                        "comment_id": "c_" + new_mid(), "post_id": "p_1",
                                        "from": {"id": from_id}, "message": message}}]}]}
        status, data = self.server.post_webhook(body)
        self.assertEqual(status, 200, data)

    def test_bad_requests_are_refused_and_change_nothing(self):
        self.post_comment("ASID5550002", "kommentar xylofonhjerte")
        self.server.wait_for("SELECT COUNT(*) FROM feed_comments", lambda n: n == 1)
        good = {"algorithm": "HMAC-SHA256", "user_id": "ASID5550002"}
        sr = signed_request(good)
        sig, payload = sr.split(".")
        form = lambda v: urllib.parse.urlencode({"signed_request": v}).encode()  # noqa: E731
        cases = [
            (form(signed_request(good, "wrong-secret")), 403),
            (form(sig[:-2] + "AA." + payload), 403),
            (b"other=1", 400),
            (b"", 400),
            (form("no-dot-here"), 400),
            (form(sig + ".%%%notbase64"), 400),
            (form(sig + "." + payload + "." + payload), 400),
            (form("@@@." + payload), 400),
            (form(signed_request({"algorithm": "HMAC-SHA1", "user_id": "ASID5550002"})), 400),
            (form(signed_request({"algorithm": "HMAC-SHA256"})), 400),
            (form(signed_request({"algorithm": "HMAC-SHA256", "user_id": "x' OR 1=1 --"})),
             400),
            (form(sr + "A" * 5000), 400),
            (b"signed_request=" + b"A" * 9000, 413),
        ]
        for body, want in cases:
            status, reply, _ = self.callback(body)
            self.assertEqual(status, want, (body[:80], reply))
        self.assertEqual(self.callback(form(sr), "application/json")[0], 415)
        self.assertEqual(self.server.request("GET", "/meta/data-deletion")[0], 405)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM privacy_requests"), 0)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM feed_comments"), 1)
        self.assertTrue(self.occurrences("ASID5550002"))


class RetentionTest(PrivacyBase):
    def test_purge_removes_what_is_older_and_nothing_newer(self):
        old, new, closer = "PSID4711000111", "PSID4711000222", "PSID4711000123"
        self.ask(old, "Mange tak xylofonhjerte")
        ref = self.file_case(closer)
        self.ask(new, "Mange tak, nyt")
        self.server.stop()
        con = sqlite3.connect(self.server.db)
        long_ago = now_ms() - 400 * DAY
        con.execute("UPDATE citizens SET last_seen_at = ? WHERE psid = ?", (long_ago, old))
        con.execute("UPDATE messages SET ts_ms = ? WHERE conversation_id IN"
                    " (SELECT id FROM conversations WHERE psid = ?)", (long_ago, old))
        con.execute("UPDATE events SET received_at = ? WHERE citizen_id = ?", (long_ago, old))
        con.execute("UPDATE events SET received_at = ? WHERE citizen_id = ?",
                    (long_ago, closer))
        con.execute("UPDATE cases SET status = 'resolved', closed_at = ? WHERE reference = ?",
                    (long_ago, ref))
        con.commit()
        con.close()
        self.server.start()
        self.server.wait_for("SELECT COUNT(*) FROM citizens WHERE psid = ?", lambda n: n == 0,
                             args=(old,))
        self.assert_gone(old, ["xylofonhjerte"])
        # closed long ago: the case is kept without its reporter
        self.assertEqual(self.server.query("SELECT psid, description FROM cases"
                                           " WHERE reference = ?", (ref,)), [(None, MARKER)])
        # the reporter is still active: their conversation stays, raw events went
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM citizens WHERE psid = ?",
                                            (closer,)), 1)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events WHERE citizen_id = ?",
                                            (closer,)), 0)
        # nothing newer was touched
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM messages m JOIN conversations"
                                            " c ON c.id = m.conversation_id WHERE c.psid = ?",
                                            (new,)), 1)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events WHERE citizen_id = ?",
                                            (new,)), 1)
        self.assertGreaterEqual(self.server.metric("borgerbot_privacy_purge_runs_total"), 1)
        self.assertEqual(self.server.metric('borgerbot_privacy_purged_total{kind="citizens"}'), 1)
        self.assertEqual(self.server.metric('borgerbot_privacy_purged_total{kind="cases"}'), 1)
        self.assertGreaterEqual(
            self.server.metric('borgerbot_privacy_purged_total{kind="events"}'), 2)
        log = self.server.read_log()
        self.assertIn('"privacy_purged"', log)
        for psid in (old, new, closer):
            self.assertNotIn(psid, log)


if __name__ == "__main__":
    unittest.main()
