"""Integration tests for the console's conversation work (issue 10): who sees
what (department, assignee, admin; 404 for the rest), the audit rows of
reads and actions, the session's own name in the disclosure, the search
parameter q on hostile input, GET /api/departments, the canned-reply API
(validation, roles, CSRF) and the live stream GET /api/live (session only,
caps, events, the end at logout and a quick shutdown), over real HTTP
against the real binary."""
import json
import os
import socket
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_console import PASSWORD, Browser, add_staff  # noqa: E402

CONFIG = """
console_live_max_streams = 4
console_live_per_session = 2
"""


class Staff(Browser):
    """A logged-in console user with JSON helpers."""

    def __init__(self, server, username):
        super().__init__(server)
        status, _, _, _ = self.login(username, PASSWORD)
        assert status == 303, status
        self.csrf = self.me()[1]["csrf"]

    def get(self, path):
        status, body, headers, _ = self.request("GET", path)
        return status, json.loads(body) if body.startswith(b"{") else body

    def post(self, path, body=None, csrf=True, raw=None, ctype="application/json"):
        h = {"Content-Type": ctype}
        if csrf is True:
            h["X-CSRF-Token"] = self.csrf
        elif csrf:
            h["X-CSRF-Token"] = csrf
        data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        status, out, _, _ = self.request("POST", path, data, h)
        return status, json.loads(out) if out.startswith(b"{") else out


class ConvoCase(unittest.TestCase):
    def setUp(self):
        self.server = harness.Server(config=CONFIG)
        add_staff(self.server.db, "mette", name="Mette", department="Borgerservice")
        add_staff(self.server.db, "jens", name="Jens", department="Borgerservice")
        add_staff(self.server.db, "ole", name="Ole", department="Vej og Park")
        add_staff(self.server.db, "admin", name="Ada", department="Borgerservice", role="admin")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def waiting_chat(self, psid, text="Jeg vil gerne tale med en medarbejder"):
        status, _ = self.server.post_webhook(harness.envelope([harness.text_event(psid, text)]))
        self.assertEqual(status, 200)
        return self.server.wait_for(
            "SELECT id FROM conversations WHERE psid = ? AND mode = 'waiting_for_staff'",
            lambda v: v is not None, args=(psid,))

    def audit(self, action):
        return self.server.query("SELECT actor, object, detail FROM audit_log WHERE action = ?"
                                 " ORDER BY id", (action,))


class WhoSeesWhat(ConvoCase):
    def test_department_assignee_admin(self):
        cid = self.waiting_chat("7001")
        dept = self.server.scalar("SELECT department FROM conversations WHERE id = ?", (cid,))
        self.assertEqual(dept, "Borgerservice")
        mette, ole, admin = (Staff(self.server, u) for u in ("mette", "ole", "admin"))
        ids = lambda who, q="": [c["id"] for c in who.get("/api/conversations" + q)[1]
                                 ["conversations"]]  # noqa: E731
        self.assertIn(cid, ids(mette))
        self.assertNotIn(cid, ids(ole))
        self.assertNotIn(cid, ids(ole, "?department=Borgerservice"))
        self.assertIn(cid, ids(admin))
        # other department: 404 on read and on every action, and nothing changes
        self.assertEqual(ole.get("/api/conversations/%d" % cid)[0], 404)
        for action in ("take", "reply", "handback", "close", "notes"):
            status, _ = ole.post("/api/conversations/%d/%s" % (cid, action), {"text": "x"})
            self.assertEqual(status, 404, action)
        self.assertEqual(self.server.scalar("SELECT mode FROM conversations WHERE id = ?",
                                            (cid,)), "waiting_for_staff")
        # the detail read is audited, with the reader
        status, body = mette.get("/api/conversations/%d" % cid)
        self.assertEqual(status, 200)
        self.assertIn(("staff:mette", "conversation:%d" % cid, None),
                      self.audit("conversation.read"))
        # taking it: the citizen is told the session's own name and department
        status, body = mette.post("/api/conversations/%d/take" % cid,
                                  {"name": "Forfalsket", "department": "Andet"})
        self.assertEqual(status, 200, body)
        text = self.server.scalar("SELECT json_extract(body, '$.message.text') FROM outbox"
                                  " WHERE conversation_id = ? ORDER BY id DESC", (cid,))
        self.assertEqual(text, "Du skriver nu med Mette fra Borgerservice.")
        self.assertEqual(self.audit("conversation.take"),
                         [("staff:mette", "conversation:%d" % cid, None)])
        # transferred to Vej og Park: Ole sees it, and Mette no longer does
        status, body = mette.post("/api/conversations/%d/transfer" % cid,
                                  {"department": "Vej og Park"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.audit("conversation.transfer")[0][2], "to Vej og Park")
        self.assertIn(cid, ids(ole))
        self.assertNotIn(cid, ids(mette))
        self.assertEqual(mette.get("/api/conversations/%d" % cid)[0], 404)
        # assigned to Ole now: still his after a transfer back to Borgerservice
        self.assertEqual(ole.post("/api/conversations/%d/reply" % cid, {"text": "Hej"})[0], 200)
        self.assertEqual(self.audit("conversation.reply")[0][2], "RESPONSE")
        self.assertEqual(ole.post("/api/conversations/%d/notes" % cid, {"text": "ok"})[0], 200)
        self.assertEqual(len(self.audit("conversation.note")), 1)

    def test_no_session_expired_csrf(self):
        cid = self.waiting_chat("7002")
        anon = Browser(self.server)
        for path in ("/api/conversations", "/api/conversations/%d" % cid, "/api/departments",
                     "/api/canned-replies", "/api/live"):
            self.assertEqual(anon.request("GET", path)[0], 401, path)
        mette = Staff(self.server, "mette")
        self.assertEqual(mette.post("/api/conversations/%d/take" % cid, csrf=False)[0], 403)
        self.assertEqual(mette.post("/api/conversations/%d/take" % cid, csrf="0" * 64)[0], 403)
        con = __import__("sqlite3").connect(self.server.db, timeout=10)
        con.execute("UPDATE staff_sessions SET expires_at = 1")
        con.commit()
        con.close()
        for path in ("/api/conversations", "/api/departments", "/api/canned-replies",
                     "/api/live"):
            self.assertEqual(mette.get(path)[0], 401, path)
        self.assertEqual(mette.post("/api/conversations/%d/take" % cid)[0], 401)

    def test_departments(self):
        mette = Staff(self.server, "mette")
        status, body = mette.get("/api/departments")
        self.assertEqual(status, 200)
        self.assertEqual(body["departments"][:3], ["Borgerservice", "Vej og Park",
                                                    "Affald og Genbrug"])
        self.assertEqual(len(body["departments"]), len(set(body["departments"])))
        self.assertEqual(mette.post("/api/departments")[0], 405)
        self.assertEqual(mette.get("/api/departments/x")[0], 404)


class Search(ConvoCase):
    def test_q(self):
        a = self.waiting_chat("7101", "Jeg vil tale med en medarbejder om 100% hundeluft_x")
        b = self.waiting_chat("7102", "Jeg vil gerne tale med en medarbejder")
        mette = Staff(self.server, "mette")

        def ids(q):
            status, body = mette.get("/api/conversations?q=" + q)
            self.assertEqual(status, 200, body)
            return [c["id"] for c in body["conversations"]]
        self.assertEqual(ids("hundeluft"), [a])
        self.assertEqual(ids("100%25"), [a])           # % is literal, not a wildcard
        self.assertEqual(ids("0%25%20h"), [a])
        self.assertEqual(ids("%25%25"), [])
        self.assertEqual(ids("_x"), [a])                # _ is literal
        self.assertEqual(ids("t_le"), [])               # not "tale"
        self.assertEqual(sorted(ids("medarbejder")), sorted([a, b]))
        self.assertEqual(ids("%27%20OR%201%3D1%20--"), [])  # quotes are data
        # a case reference: exact, the conversations of the case's citizen
        con = __import__("sqlite3").connect(self.server.db, timeout=10)
        con.execute("INSERT INTO cases (reference, year, seq, category, department, status,"
                    " page_id, psid, source, created_at, updated_at) VALUES ('TM-2026-00042',"
                    " 2026, 42, 'road_damage', 'Vej og Park', 'open', ?, '7102', 'messenger',"
                    " 1, 1)", (harness.PAGE_ID,))
        con.commit()
        con.close()
        self.assertEqual(ids("TM-2026-00042"), [b])
        self.assertEqual(ids("tm-2026-00042"), [b])
        self.assertEqual(ids("TM-2026-00043"), [])
        for bad in ("x" * 201, "%ff%fe", "%c3", "a", "%20%20"):
            status, _ = mette.get("/api/conversations?q=" + bad)
            self.assertEqual(status, 400, bad)
        self.assertEqual(mette.get("/api/conversations?q=" + urllib.parse.quote("æ" * 100))[0], 200)


class Canned(ConvoCase):
    def test_roles_validation_csrf(self):
        admin, mette, ole = (Staff(self.server, u) for u in ("admin", "mette", "ole"))
        status, body = admin.post("/api/canned-replies",
                                  {"title": "Tak", "body": "Tak, {navn} fra {afdeling}. Sag {sag}."})
        self.assertEqual(status, 201, body)
        shared = body["id"]
        status, body = admin.post("/api/canned-replies", {"title": "Vej", "body": "Huller",
                                                          "department": "Vej og Park"})
        self.assertEqual(status, 201, body)
        road = body["id"]
        titles = lambda who: [r["title"] for r in who.get("/api/canned-replies")[1]  # noqa: E731
                              ["canned_replies"]]
        self.assertEqual(titles(mette), ["Tak"])
        self.assertEqual(titles(ole), ["Tak", "Vej"])
        self.assertEqual(titles(admin), ["Tak", "Vej"])
        self.assertEqual(
            [r["title"] for r in mette.get("/api/canned-replies?department=Vej%20og%20Park")[1]
             ["canned_replies"]], ["Tak"])
        # non-admins may not change anything
        self.assertEqual(mette.post("/api/canned-replies", {"title": "a", "body": "b"})[0], 403)
        self.assertEqual(mette.post("/api/canned-replies/%d" % shared,
                                    {"title": "a", "body": "b"})[0], 403)
        self.assertEqual(mette.post("/api/canned-replies/%d/delete" % shared)[0], 403)
        # CSRF
        self.assertEqual(admin.post("/api/canned-replies", {"title": "a", "body": "b"},
                                    csrf=False)[0], 403)
        self.assertEqual(admin.post("/api/canned-replies", {"title": "a", "body": "b"},
                                    csrf="f" * 64)[0], 403)
        # validation
        bad = [{"title": "", "body": "b"}, {"title": "t" * 81, "body": "b"},
               {"title": "t", "body": "b" * 2001}, {"title": "t", "body": "{ukendt}"},
               {"title": "t", "body": "Hej {navn"}, {"title": "t", "body": "Hej }"},
               {"title": "t\x07", "body": "b"}, {"title": "t", "body": "   "},
               {"title": 5, "body": "b"}, {"title": "t", "body": "b", "department": "Månen"},
               {"title": "t"}]
        for b in bad:
            status, body = admin.post("/api/canned-replies", b)
            self.assertEqual(status, 400, (b, body))
            self.assertIn("message", body["error"])
        self.assertEqual(admin.post("/api/canned-replies", raw=b'{"title": "t", "body": "\xff"}')[0],
                         400)
        self.assertEqual(admin.post("/api/canned-replies", raw=b'{"title": "t", "body"')[0], 400)
        self.assertEqual(admin.post("/api/canned-replies", raw=b'[1]')[0], 400)
        self.assertEqual(admin.post("/api/canned-replies", raw=b'{"title":"a","title":"b",'
                                    b'"body":"c"}')[0], 400)
        self.assertEqual(admin.post("/api/canned-replies", raw=b"{}", ctype="text/plain")[0], 415)
        self.assertEqual(admin.post("/api/canned-replies",
                                    raw=json.dumps({"title": "t", "body": "b" * 40000}).encode())[0],
                         413)
        self.assertEqual(admin.post("/api/canned-replies", {"title": "Æblegrød ✓",
                                                            "body": "2000 bytes: " + "ø" * 994})[0],
                         201)
        # update, delete, unknown ids
        self.assertEqual(admin.post("/api/canned-replies/%d" % road,
                                    {"title": "Vej 2", "body": "Huller i vejen"})[0], 200)
        self.assertIn("Vej 2", titles(mette))  # now shared
        self.assertEqual(admin.post("/api/canned-replies/%d/delete" % road)[0], 200)
        self.assertEqual(admin.post("/api/canned-replies/%d/delete" % road)[0], 404)
        self.assertEqual(admin.post("/api/canned-replies/999999", {"title": "a", "body": "b"})[0],
                         404)
        for path in ("/api/canned-replies/0", "/api/canned-replies/x", "/api/canned-replies/1/x"):
            self.assertEqual(admin.post(path)[0], 404, path)
        self.assertEqual(admin.get("/api/canned-replies/%d" % shared)[0], 405)
        actions = [r[0] for r in self.server.query("SELECT action FROM audit_log WHERE action"
                                                   " LIKE 'canned.%' ORDER BY id")]
        self.assertEqual(actions, ["canned.create", "canned.create", "canned.create",
                                   "canned.update", "canned.delete"])


class LiveStream:
    """An open GET /api/live over a raw socket (http.client's readline is not
    reliable on chunked bodies), its chunks undone here."""

    def __init__(self, server, who, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
        cookie = "; ".join("%s=%s" % kv for kv in who.jar.items())
        self.sock.sendall(("GET /api/live HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: %s\r\n"
                           "Accept: text/event-stream\r\n\r\n" % (server.port, cookie)).encode())
        self.fp = self.sock.makefile("rb")
        self.status = int(self.fp.readline().split()[1])
        self.headers = {}
        while True:
            line = self.fp.readline().decode().rstrip("\r\n")
            if not line:
                break
            k, _, v = line.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.buf = b""

    def getheader(self, name):
        return self.headers.get(name.lower())

    def _more(self):
        size = self.fp.readline()
        if not size:
            return False
        n = int(size.strip() or b"0", 16)
        if n == 0:
            return False
        self.buf += self.fp.read(n)
        self.fp.readline()
        return True

    def events(self, until, timeout=10):
        """Reads events until until(events) holds; returns them."""
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            while b"\n\n" not in self.buf:
                if not self._more():
                    raise AssertionError("live stream ended after %r" % out)
            block, self.buf = self.buf.split(b"\n\n", 1)
            ev = {}
            for line in block.decode().split("\n"):
                if line.startswith("event: "):
                    ev["event"] = line[7:]
                elif line.startswith("data: "):
                    ev["data"] = json.loads(line[6:])
            if ev:
                out.append(ev)
                if until(out):
                    return out
        raise AssertionError("live events: %r" % out)

    def close(self):
        self.fp.close()
        self.sock.close()


class Live(ConvoCase):
    def test_events_visibility_logout(self):
        mette, ole = Staff(self.server, "mette"), Staff(self.server, "ole")
        sm, so = LiveStream(self.server, mette), LiveStream(self.server, ole)
        self.assertEqual(sm.status, 200)
        self.assertTrue(sm.getheader("Content-Type").startswith("text/event-stream"))
        self.assertIn("default-src 'none'", sm.getheader("Content-Security-Policy"))
        sm.events(lambda e: e[-1]["event"] == "hello")
        so.events(lambda e: e[-1]["event"] == "hello")
        cid = self.waiting_chat("7201", "Jeg vil tale med en medarbejder <b>nu</b>")
        got = sm.events(lambda e: any(x["event"] == "conversation" and
                                      x["data"]["mode"] == "waiting_for_staff" for x in e))
        conv = [x for x in got if x["event"] == "conversation"][-1]["data"]
        self.assertEqual(conv["conversation"], cid)
        self.assertEqual(conv["department"], "Borgerservice")
        self.assertNotIn("<b>", json.dumps(got))  # ids and modes, never citizen text
        mette.post("/api/conversations/%d/notes" % cid, {"text": "note"})
        sm.events(lambda e: any(x["event"] == "note" for x in e))
        # Ole (Vej og Park) heard nothing about it; after a transfer he does
        mette.post("/api/conversations/%d/transfer" % cid, {"department": "Vej og Park"})
        got = so.events(lambda e: any(x["event"] == "conversation" for x in e))
        self.assertTrue(all(x["data"]["conversation"] == cid for x in got if "data" in x
                            and x["event"] != "hello"))
        # logging out ends the stream (the session is re-checked every 5 s)
        t0 = time.time()
        mette.request("POST", "/console/logout", b"", {"X-CSRF-Token": mette.csrf})
        got = sm.events(lambda e: e[-1]["event"] == "end", timeout=12)
        self.assertEqual(got[-1]["data"]["reason"], "session")
        self.assertLess(time.time() - t0, 8)
        sm.close()
        so.close()

    def test_caps_key_and_shutdown(self):
        mette, jens = Staff(self.server, "mette"), Staff(self.server, "jens")
        a, b = LiveStream(self.server, mette), LiveStream(self.server, mette)
        c = LiveStream(self.server, mette)
        self.assertEqual((a.status, b.status, c.status), (200, 200, 429))
        self.assertEqual(c.getheader("Retry-After"), "30")
        c.close()
        d, e = LiveStream(self.server, jens), LiveStream(self.server, jens)
        self.assertEqual((d.status, e.status), (200, 200))
        f = LiveStream(self.server, Staff(self.server, "ole"))
        self.assertEqual(f.status, 429)  # 4 in all
        f.close()
        e.close()
        b.close()
        # an API key may not stream, nor a foreign Host
        key = self.server.scalar("SELECT 1")  # keep the connection count honest
        self.assertEqual(key, 1)
        status, _, _ = self.server.request("GET", "/api/live",
                                           headers={"Authorization": "Bearer bbk_nope"})
        self.assertEqual(status, 401)
        mette.host = "evil.example"
        self.assertEqual(mette.request("GET", "/api/live")[0], 421)
        mette.host = None
        self.assertEqual(mette.request("POST", "/api/live", b"{}",
                                       {"X-CSRF-Token": mette.csrf})[0], 405)
        # the server stops quickly with streams open
        for s in (a, d):
            s.events(lambda ev: ev[-1]["event"] == "hello")
        t0 = time.time()
        self.server.proc.send_signal(__import__("signal").SIGTERM)
        got = a.events(lambda ev: ev[-1]["event"] == "end", timeout=5)
        self.assertEqual(got[-1]["data"]["reason"], "shutdown")
        self.server.proc.wait(10)
        self.assertLess(time.time() - t0, 3)
        self.assertEqual(self.server.proc.returncode, 0)
        a.close()
        d.close()


if __name__ == "__main__":
    unittest.main()
