"""The console's cases, gritting and administration endpoints over real HTTPS
against the real binary (issue 10): who may do what (staff of the case's
department, the winter department, admins), the admin API (users, audit
log, settings) with no session, an expired session, staff on admin
endpoints, missing/wrong CSRF, malformed, oversized and non-UTF-8 bodies,
hostile filters, the last admin, and the audit rows each act leaves."""
import json
import os
import sys
import unittest
from urllib.parse import quote, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import APP_SECRET  # noqa: E402
from test_cases import make_key  # noqa: E402
from test_console import PASSWORD, Browser, add_staff  # noqa: E402

NEW_PASSWORD = "en ny og lang kode"


class Client:
    """A logged-in console user: cookie, CSRF token, JSON in and out."""

    def __init__(self, server, username, password=PASSWORD):
        self.b = Browser(server)
        status, _, headers, _ = self.b.login(username, password)
        assert status == 303, (status, headers)
        self.csrf = self.b.me()[1]["csrf"]

    def call(self, method, path, body=None, csrf=True, content_type="application/json",
             headers=None):
        h = dict(headers or {})
        if method != "GET":
            h["Content-Type"] = content_type
            if csrf:
                h["X-CSRF-Token"] = self.csrf if csrf is True else csrf
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        status, data, _, _ = self.b.request(method, path, body, h)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data


class ConsoleApiCase(unittest.TestCase):
    def setUp(self):
        self.server = harness.Server(tls=True)
        db = self.server.db
        add_staff(db, "mette", name="Mette Hansen", department="Vej og Park")
        add_staff(db, "ole", name="Ole Jensen", department="Affald og Genbrug")
        add_staff(db, "anna", name="Anna Berg", department="Borgerservice", role="admin")
        self.server.start()
        self.o311 = make_key(self.server, "sagssystem", "open311")

    def tearDown(self):
        self.server.cleanup()

    def file_case(self, address="Duevej 12", code="streetlight_outage"):
        form = {"api_key": self.o311, "service_code": code, "address_string": address,
                "description": "Intet lys <b>her</b>"}
        status, data, _ = self.server.request(
            "POST", "/open311/v2/requests.json", urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, data)
        return json.loads(data)[0]["service_request_id"]

    def audit(self, action):
        return self.server.query("SELECT actor, object, detail FROM audit_log WHERE action = ?"
                                 " ORDER BY id", (action,))


class TestCases(ConsoleApiCase):
    def test_department_filter_and_its_validation(self):
        light = self.file_case()
        waste = self.file_case(code="waste_collection")
        mette = Client(self.server, "mette")
        status, body = mette.call("GET", "/api/cases?department=" + quote("Vej og Park"))
        self.assertEqual(status, 200, body)
        self.assertEqual([c["reference"] for c in body["cases"]], [light])
        status, body = mette.call("GET", "/api/cases?department=" + quote("Affald og Genbrug"))
        self.assertEqual([c["reference"] for c in body["cases"]], [waste])
        status, body = mette.call("GET", "/api/cases")
        self.assertEqual(len(body["cases"]), 2)  # every staff user reads every case
        self.assertNotIn("psid", json.dumps(body))
        for bad in ("department=Hemmelig", "department=%ff", "department=" + "x" * 200,
                    "category=nope", "category=%27%20OR%201%3D1--", "status=open;drop",
                    "limit=0", "limit=99999999999999999999", "offset=-1",
                    "street=" + "x" * 300, "since=yesterday"):
            status, body = mette.call("GET", "/api/cases?" + bad)
            self.assertEqual(status, 400, (bad, body))
        status, body = mette.call("GET", "/api/cases?street=" + quote("Duevej' OR '1'='1"))
        self.assertEqual((status, body["count"]), (200, 0))

    def test_status_only_for_the_own_department_or_an_admin(self):
        ref = self.file_case()
        ole, mette, anna = (Client(self.server, u) for u in ("ole", "mette", "anna"))
        path = "/api/cases/%s/status" % ref
        status, body = ole.call("POST", path, {"status": "in_progress"})
        self.assertEqual(status, 403, body)
        self.assertIn("department", body["error"]["message"])
        self.assertEqual(mette.call("POST", path, {"status": "in_progress"}, csrf=False)[0], 403)
        self.assertEqual(mette.call("POST", path, {"status": "in_progress"}, csrf="0" * 64)[0],
                         403)
        status, body = mette.call("POST", path, {"status": "in_progress", "note": "Sendt ud"})
        self.assertEqual(status, 200, body)
        status, body = anna.call("POST", path, {"status": "resolved", "note": "Ny pære"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["notices"]["queued"], 0)  # filed through Open311: nobody follows
        self.assertEqual(self.audit("case.status"),
                         [("staff:mette", "case:" + ref, "open -> in_progress, 0 to notify"),
                          ("staff:anna", "case:" + ref, "in_progress -> resolved, 0 to notify")])
        status, body = mette.call("GET", "/api/cases/" + ref)
        self.assertEqual([h["actor"] for h in body["history"]], ["mette", "anna"])
        # an unknown case is 404 for everyone, before the department is judged
        self.assertEqual(ole.call("POST", "/api/cases/TM-2026-99999/status",
                                  {"status": "resolved"})[0], 404)
        for bad in (b"{", b'{"status": 1}', b'{"status":"resolved","status":"open"}',
                    b'{"status": "resolved", "note": "\xff"}', b"[]"):
            self.assertEqual(mette.call("POST", path, bad)[0], 400, bad)
        self.assertEqual(mette.call("POST", path, b'{"status": "x"}', content_type="text/plain")[0],
                         415)
        big = json.dumps({"status": "open", "note": "x" * 40000}).encode()
        self.assertEqual(mette.call("POST", path, big)[0], 413)

    def test_gritting_plan_and_who_records_runs(self):
        mette, ole, anna = (Client(self.server, u) for u in ("mette", "ole", "anna"))
        status, plan = mette.call("GET", "/api/gritting/plan")
        self.assertEqual(status, 200, plan)
        self.assertEqual(plan["department"], "Vej og Park")
        self.assertTrue(plan["may_record"])
        routes = [r["route"] for r in plan["routes"]]
        self.assertEqual(len(routes), len(set(routes)))
        self.assertIn("C", [c["class"] for c in plan["classes"]])
        self.assertFalse(ole.call("GET", "/api/gritting/plan")[1]["may_record"])
        self.assertTrue(anna.call("GET", "/api/gritting/plan")[1]["may_record"])
        now = harness.now_ms() // 1000
        iso = lambda s: __import__("time").strftime("%Y-%m-%dT%H:%M:%SZ", __import__("time").gmtime(s))
        run = {"route": routes[0], "started_at": iso(now - 3600), "ended_at": iso(now - 60)}
        self.assertEqual(ole.call("POST", "/api/gritting/runs", run)[0], 403)
        self.assertEqual(mette.call("POST", "/api/gritting/runs", run, csrf=False)[0], 403)
        status, body = mette.call("POST", "/api/gritting/runs", run)
        self.assertEqual(status, 201, body)
        self.assertEqual(self.audit("gritting.run"),
                         [("staff:mette", "gritting_run:%d" % body["id"], "route " + routes[0])])
        bad = dict(run, ended_at=iso(now + 3600))
        self.assertEqual(mette.call("POST", "/api/gritting/runs", bad)[0], 400)
        self.assertEqual(mette.call("POST", "/api/gritting/plan", {})[0], 405)
        self.assertEqual(Browser(self.server).request("GET", "/api/gritting/plan")[0], 401)


class TestAdmin(ConsoleApiCase):
    def test_no_session_expired_session_and_staff_are_refused(self):
        anon = Browser(self.server)
        mette = Client(self.server, "mette")
        for path in ("/api/admin/users", "/api/admin/audit", "/api/admin/settings"):
            self.assertEqual(anon.request("GET", path)[0], 401, path)
            status, body = mette.call("GET", path)
            self.assertEqual(status, 403, path)
            self.assertIn("admin", body["error"]["message"])
        new = {"username": "eve", "name": "Eve", "department": "Vej og Park", "role": "admin",
               "password": NEW_PASSWORD}
        self.assertEqual(mette.call("POST", "/api/admin/users", new)[0], 403)
        self.assertEqual(mette.call("POST", "/api/admin/users/mette", {"role": "admin"})[0], 403)
        self.assertEqual(self.server.query("SELECT role FROM staff_users WHERE username='mette'"),
                         [("staff",)])
        anna = Client(self.server, "anna")
        with __import__("sqlite3").connect(self.server.db) as con:
            con.execute("UPDATE staff_sessions SET expires_at = 1")
        status, body = anna.call("GET", "/api/admin/users")
        self.assertEqual(status, 401)
        self.assertIn("expired", body["error"]["message"])
        key = make_key(self.server, "crm", "cases")
        status, _, _ = self.server.request("GET", "/api/admin/users",
                                           headers={"Authorization": "Bearer " + key})
        self.assertEqual(status, 403)

    def test_add_a_user_who_then_logs_in(self):
        anna = Client(self.server, "anna")
        new = {"username": "kim", "name": "Kim Holm", "department": "Vej og Park",
               "password": NEW_PASSWORD}
        self.assertEqual(anna.call("POST", "/api/admin/users", new, csrf=False)[0], 403)
        self.assertEqual(anna.call("POST", "/api/admin/users", new, csrf="f" * 64)[0], 403)
        for bad, why in ((dict(new, password="kort"), "12"),
                         (dict(new, username="Kim!"), "username"),
                         (dict(new, username="../x"), "username"),
                         (dict(new, role="root"), "role"),
                         (dict(new, name=""), "name"),
                         (dict(new, name="a\u0007b"), "name"),
                         (dict(new, department=5), "department")):
            status, body = anna.call("POST", "/api/admin/users", bad)
            self.assertEqual(status, 400, (bad, body))
        for raw in (b"", b"{", b"null", b'{"username": "kim", "username": "x"}',
                    b'{"username": "k\xc3", "name": "x"}'):
            self.assertEqual(anna.call("POST", "/api/admin/users", raw)[0], 400, raw)
        big = json.dumps(dict(new, name="x" * 40000)).encode()
        self.assertEqual(anna.call("POST", "/api/admin/users", big)[0], 413)
        status, body = anna.call("POST", "/api/admin/users", new)
        self.assertEqual(status, 201, body)
        self.assertEqual((body["username"], body["role"], body["disabled"], body["last_login_at"]),
                         ("kim", "staff", False, None))
        self.assertNotIn("password", json.dumps(body))
        self.assertEqual(anna.call("POST", "/api/admin/users", new)[0], 409)
        kim = Client(self.server, "kim", NEW_PASSWORD)
        self.assertEqual(kim.b.me()[1]["department"], "Vej og Park")
        users = {u["username"]: u for u in anna.call("GET", "/api/admin/users")[1]["users"]}
        self.assertEqual(set(users), {"anna", "kim", "mette", "ole"})
        self.assertIsNotNone(users["kim"]["last_login_at"])
        self.assertIsNone(users["ole"]["last_login_at"])
        self.assertIn(("staff:anna", "staff:kim", "staff"), self.audit("staff.add"))
        dump = json.dumps(self.server.query("SELECT * FROM audit_log"))
        self.assertNotIn(NEW_PASSWORD, dump)
        self.assertNotIn(NEW_PASSWORD, self.server.read_log())

    def test_disable_password_role_and_department_end_sessions(self):
        anna = Client(self.server, "anna")
        mette = Client(self.server, "mette")
        self.assertEqual(mette.call("GET", "/api/cases")[0], 200)
        status, body = anna.call("POST", "/api/admin/users/mette", {"disabled": True})
        self.assertEqual((status, body["disabled"]), (200, True), body)
        self.assertEqual(mette.call("GET", "/api/cases")[0], 401)
        self.assertEqual(Browser(self.server).login("mette", PASSWORD)[0], 403)
        self.assertEqual(anna.call("POST", "/api/admin/users/mette", {"disabled": False})[0], 200)
        mette = Client(self.server, "mette")
        status, body = anna.call("POST", "/api/admin/users/mette", {"password": NEW_PASSWORD})
        self.assertEqual(status, 200, body)
        self.assertEqual(mette.call("GET", "/api/cases")[0], 401)
        mette = Client(self.server, "mette", NEW_PASSWORD)
        status, body = anna.call("POST", "/api/admin/users/mette",
                                 {"role": "admin", "department": "Borgerservice"})
        self.assertEqual((status, body["role"], body["department"]),
                         (200, "admin", "Borgerservice"), body)
        self.assertEqual(mette.call("GET", "/api/cases")[0], 401)  # new rights: log in again
        self.assertEqual(Client(self.server, "mette", NEW_PASSWORD).call(
            "GET", "/api/admin/users")[0], 200)
        for bad in ({}, {"disabled": "yes"}, {"role": "boss"}, {"password": "mette"},
                    {"department": " x"}, {"name": None, "role": None}):
            self.assertEqual(anna.call("POST", "/api/admin/users/mette", bad)[0], 400, bad)
        self.assertEqual(anna.call("POST", "/api/admin/users/nobody", {"disabled": True})[0], 404)
        self.assertEqual(anna.call("POST", "/api/admin/users/%2e%2e", {"disabled": True})[0], 404)
        self.assertEqual(anna.call("GET", "/api/admin/users/mette")[0], 405)
        actions = [r[0] for r in self.server.query(
            "SELECT action FROM audit_log WHERE actor = 'staff:anna' AND action LIKE 'staff.%'"
            " ORDER BY id")]
        self.assertEqual(actions, ["staff.disable", "staff.enable", "staff.set_password",
                                   "staff.update"])

    def test_the_last_admin_cannot_disable_or_demote_themself(self):
        anna = Client(self.server, "anna")
        for change in ({"disabled": True}, {"role": "staff"}):
            status, body = anna.call("POST", "/api/admin/users/anna", change)
            self.assertEqual(status, 409, body)
            self.assertIn("last active admin", body["error"]["message"])
        self.assertEqual(anna.call("POST", "/api/admin/users/ole", {"role": "admin"})[0], 200)
        status, body = anna.call("POST", "/api/admin/users/anna", {"role": "staff"})
        self.assertEqual(status, 200, body)

    def test_audit_viewer_filters(self):
        ref = self.file_case()
        Client(self.server, "mette").call("POST", "/api/cases/%s/status" % ref,
                                          {"status": "in_progress"})
        anna = Client(self.server, "anna")
        status, body = anna.call("GET", "/api/admin/audit?actor=staff:mette")
        self.assertEqual(status, 200, body)
        self.assertEqual({e["action"] for e in body["entries"]}, {"login.ok", "case.status"})
        status, body = anna.call("GET", "/api/admin/audit?action=login.*")
        self.assertEqual({e["action"] for e in body["entries"]}, {"login.ok"})
        self.assertEqual({e["object"] for e in body["entries"]}, {"staff:mette", "staff:anna"})
        # a LIKE wildcard in the filter is a literal character, not "anything"
        self.assertEqual(anna.call("GET", "/api/admin/audit?action=%25")[1]["count"], 0)
        self.assertEqual(anna.call("GET", "/api/admin/audit?actor=%25*")[1]["count"], 0)
        status, body = anna.call("GET", "/api/admin/audit?limit=1")
        self.assertEqual(len(body["entries"]), 1)
        first = body["entries"][0]["id"]
        status, body = anna.call("GET", "/api/admin/audit?limit=1000&before=%d" % first)
        self.assertTrue(all(e["id"] < first for e in body["entries"]))
        self.assertEqual(anna.call("GET", "/api/admin/audit?since=2999-01-01T00:00:00Z")[1]["count"],
                         0)
        for bad in ("limit=0", "limit=1001", "limit=x", "since=nu", "before=-1",
                    "actor=%ff", "action=" + "x" * 300):
            self.assertEqual(anna.call("GET", "/api/admin/audit?" + bad)[0], 400, bad)
        self.assertTrue(self.audit("audit.read"))

    def test_settings_show_no_secrets(self):
        anna = Client(self.server, "anna")
        status, raw, _, _ = anna.b.request("GET", "/api/admin/settings")
        self.assertEqual(status, 200, raw)
        body = json.loads(raw)
        s = body["settings"]
        self.assertEqual(s["winter_department"]["value"], "Vej og Park")
        self.assertIn("not_understood_retries", s)
        self.assertEqual(s["anger_hands_over"]["where"], "borgerbot.conf")
        deps = {d["name"]: d for d in body["departments"]["value"]}
        self.assertTrue(deps["Borgerservice"]["chat_default"])
        self.assertEqual(deps["Vej og Park"]["hours"], "man-tor 07:00-15:00; fre 07:00-12:00")
        self.assertEqual(deps["Vej og Park"]["first_response_minutes"], 120)
        self.assertNotIn(APP_SECRET.encode(), raw)
        self.assertNotIn(b"secret", raw.lower())
        self.assertNotIn(b"token", raw.lower())


if __name__ == "__main__":
    unittest.main()
