"""Cases through the staff JSON API and the CLI against the real binary:
API keys (401 without a valid key, 403 without the scope, revocation),
listing and showing cases, status changes with notices for reporter and
followers, gritting runs, malformed/oversized/wrongly typed bodies, and a
broken municipality data folder stopping the server with FILE:LINE."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import (BIN, PAGE_ID, ROOT, Server, ServerTestCase, envelope, now_ms,
                     text_event)

HOUR_MS = 3600 * 1000


def cli(*args, check=True):
    proc = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=30)
    if check and proc.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (args, proc.returncode, proc.stderr))
    return proc


def make_key(server, name, scopes):
    return cli("apikey", "create", name, "--scope", scopes, "--db", server.db).stdout.strip()


class ApiTestCase(ServerTestCase):
    def setUp(self):
        super().setUp()
        self.key = make_key(self.server, "vejogpark", "cases,gritting")
        self.o311 = make_key(self.server, "sagssystem", "open311")

    def api(self, method, path, body=None, key=None, content_type="application/json",
            headers=None):
        h = dict(headers or {})
        k = self.key if key is None else key
        if k:
            h["Authorization"] = "Bearer " + k
        if body is not None:
            h["Content-Type"] = content_type
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
        status, data, hdrs = self.server.request(method, path, body, h)
        return status, (json.loads(data) if data else None), hdrs

    def file_case(self, address, code="streetlight_outage", **extra):
        form = {"api_key": self.o311, "service_code": code, "address_string": address,
                "description": "Intet lys i lygterne"}
        form.update(extra)
        from urllib.parse import urlencode
        status, data, _ = self.server.request(
            "POST", "/open311/v2/requests.json", urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, data)
        return json.loads(data)[0]["service_request_id"]


class AuthTest(ApiTestCase):
    def test_missing_invalid_and_revoked_keys_are_401(self):
        for key in ("", "bbk_" + "0" * 48, "nonsense", "x" * 5000):
            status, body, hdrs = self.api("GET", "/api/cases", key=key)
            self.assertEqual(status, 401, key[:20])
            self.assertEqual(body["error"]["status"], 401)
            self.assertIn("Bearer", hdrs.get("WWW-Authenticate", ""))
        status, _, _ = self.server.request("GET", "/api/cases",
                                           headers={"Authorization": "Basic " + self.key})
        self.assertEqual(status, 401)
        self.assertEqual(self.api("GET", "/api/cases")[0], 200)
        cli("apikey", "revoke", "vejogpark", "--db", self.server.db)
        self.assertEqual(self.api("GET", "/api/cases")[0], 401)

    def test_wrong_scope_is_403(self):
        gritter = make_key(self.server, "entreprenoer", "gritting")
        status, body, _ = self.api("GET", "/api/cases", key=gritter)
        self.assertEqual(status, 403)
        self.assertIn("cases", body["error"]["message"])
        self.assertEqual(self.api("GET", "/api/gritting/runs", key=self.o311)[0], 403)
        self.assertEqual(self.api("GET", "/api/gritting/runs", key=gritter)[0], 200)

    def test_only_hashes_are_stored(self):
        rows = self.server.query("SELECT key_hash FROM api_keys")
        self.assertEqual(len(rows), 2)
        for (h,) in rows:
            self.assertEqual(len(h), 64)
            self.assertNotIn(h, (self.key, self.o311))


class CasesApiTest(ApiTestCase):
    def test_list_filter_and_show(self):
        a = self.file_case("Duevej 12")
        b = self.file_case("Rosenvej 3", code="road_damage")
        self.assertRegex(a, r"^TM-20\d\d-00001$")
        status, body, _ = self.api("GET", "/api/cases?status=open")
        self.assertEqual(status, 200)
        self.assertEqual([c["reference"] for c in body["cases"]], [b, a])
        status, body, _ = self.api("GET", "/api/cases?category=road_damage&limit=5")
        self.assertEqual([c["reference"] for c in body["cases"]], [b])
        self.assertEqual(body["cases"][0]["department"], "Vej og Park")
        status, body, _ = self.api("GET", "/api/cases/" + a)
        self.assertEqual(status, 200)
        self.assertEqual(body["street"], "Duevej")
        self.assertEqual(body["house_number"], "12")
        self.assertEqual(body["history"], [])
        self.assertEqual(self.api("GET", "/api/cases/TM-2026-99999")[0], 404)
        self.assertEqual(self.api("GET", "/api/cases/" + "A" * 500)[0], 404)
        for bad in ("status=closed", "limit=0", "limit=abc", "limit=4294967297",
                    "offset=4294967296", "since=yesterday", "offset=-1",
                    "status=" + "open," * 100):
            status, body, _ = self.api("GET", "/api/cases?" + bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("message", body["error"])

    def test_status_change_and_its_errors(self):
        ref = self.file_case("Duevej 12")
        path = "/api/cases/%s/status" % ref
        self.assertEqual(self.api("POST", path, {"status": "resolved"},
                                  content_type="text/plain")[0], 415)
        self.assertEqual(self.api("POST", path, "{not json")[0], 400)
        self.assertEqual(self.api("POST", path, "[1, 2]")[0], 400)
        self.assertEqual(self.api("POST", path, {"note": "x"})[0], 400)
        self.assertEqual(self.api("POST", path, {"status": 5})[0], 400)
        self.assertEqual(self.api("POST", path, {"status": "fixed"})[0], 400)
        self.assertEqual(self.api("POST", path, {"status": "resolved", "note": "x" * 2000})[0], 400)
        self.assertEqual(self.api("POST", path, '{"status":"open","status":"resolved"}')[0], 400)
        self.assertEqual(self.api("POST", path, {"status": "resolved", "pad": "x" * 20000})[0],
                         413)
        self.assertEqual(self.api("POST", path, {"status": "open"})[0], 409)
        self.assertEqual(self.api("POST", "/api/cases/TM-2026-99999/status",
                                  {"status": "resolved"})[0], 404)
        self.assertEqual(self.api("GET", path)[0], 405)
        self.assertEqual(self.api("DELETE", "/api/cases")[0], 405)
        self.assertEqual(self.api("GET", "/api/nothing")[0], 404)
        status, body, _ = self.api("POST", path, {"status": "resolved", "note": "Ny pære"})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["old_status"], body["status"]), ("open", "resolved"))
        status, body, _ = self.api("GET", "/api/cases/" + ref)
        self.assertEqual(body["status"], "resolved")
        self.assertEqual(body["status_note"], "Ny pære")
        self.assertEqual(body["history"][0]["actor"], "vejogpark")
        self.assertEqual(self.api("POST", path, {"status": "resolved"})[0], 409)


class NoticesTest(ApiTestCase):
    """In sandbox mode, so the outbox's sends land in the in-server recorder."""

    def setUp(self):
        self.server = Server(["--sandbox"])
        self.server.env.pop("BORGERBOT_PAGE_TOKEN", None)
        self.server.start()
        self.key = make_key(self.server, "vejogpark", "cases,gritting")

    def replies(self, psid):
        status, body, _ = self.server.request("GET", "/sandbox/api/replies?psid=" + psid)
        return [r["request"].get("message", {}).get("text") for r in json.loads(body)["replies"]]

    def seed_case(self, psid_reporter, psid_follower):
        """A Messenger case with a follower, as the worker's case_file() leaves it."""
        import sqlite3
        con = sqlite3.connect(self.server.db, timeout=10)
        t = now_ms()
        with con:
            con.execute("INSERT INTO cases (reference, year, seq, category, department, status,"
                        " street, house_number, source, page_id, psid, created_at, updated_at)"
                        " VALUES ('TM-2026-00042', 2026, 42, 'streetlight_outage', 'Vej og Park',"
                        " 'open', 'Duevej', NULL, 'messenger', ?, ?, ?, ?)",
                        (PAGE_ID, psid_reporter, t, t))
            con.execute("INSERT INTO case_followers (case_id, page_id, psid, created_at)"
                        " SELECT id, ?, ?, ? FROM cases WHERE reference = 'TM-2026-00042'",
                        (PAGE_ID, psid_follower, t))
            # the follower last wrote two days ago: outside the 24-hour window
            con.execute("UPDATE citizens SET last_inbound_at = ? WHERE psid = ?",
                        (t - 48 * HOUR_MS, psid_follower))
        con.close()

    def test_resolving_queues_a_notice_for_reporter_and_follower(self):
        self.server.post_webhook(envelope([text_event("R1", "Intet lys på Duevej!"),
                                           text_event("F1", "Også mørkt her på Duevej")]))
        self.server.wait_for("SELECT COUNT(*) FROM citizens", lambda v: v == 2)
        self.seed_case("R1", "F1")
        status, body, _ = self.api("POST", "/api/cases/TM-2026-00042/status",
                                   {"status": "resolved"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["notices"]["queued"], 2)
        self.assertEqual(body["notices"]["in_window"], 1)
        self.assertEqual(body["notices"]["text"],
                         "Godt nyt: Gadelyset på Duevej er repareret (sag TM-2026-00042). "
                         "Tak fordi du sagde til!")
        self.assertEqual(body["notices"]["sent_now"], 1)
        rows = self.server.query("SELECT psid, delivered_at IS NOT NULL FROM notices ORDER BY id")
        self.assertEqual(rows, [("R1", 1), ("F1", 0)])  # F1 gets it when writing next
        deadline = time.time() + 10
        while time.time() < deadline and body["notices"]["text"] not in self.replies("R1"):
            time.sleep(0.05)
        self.assertIn(body["notices"]["text"], self.replies("R1"))
        self.assertNotIn(body["notices"]["text"], self.replies("F1"))


class GrittingTest(ApiTestCase):
    def test_record_and_list_runs(self):
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        run = {"route": "Rute 3", "started_at": iso(now - 7200), "ended_at": iso(now - 3600)}
        status, body, _ = self.api("POST", "/api/gritting/runs", run)
        self.assertEqual(status, 201, body)
        self.assertEqual(body["route"], "Rute 3")
        status, body, _ = self.api("POST", "/api/gritting/runs",
                                   {"class": "A", "started_at": iso(now - 600),
                                    "ended_at": iso(now)})
        self.assertEqual(status, 201, body)
        status, body, _ = self.api("GET", "/api/gritting/runs")
        self.assertEqual([r["route"] or r["class"] for r in body["runs"]], ["A", "Rute 3"])
        bad = [
            {"route": "Rute 99", "started_at": iso(now - 60), "ended_at": iso(now)},
            {"route": "Rute 3", "class": "A", "started_at": iso(now - 60), "ended_at": iso(now)},
            {"started_at": iso(now - 60), "ended_at": iso(now)},
            {"route": "Rute 3", "started_at": iso(now), "ended_at": iso(now - 60)},
            {"route": "Rute 3", "started_at": iso(now), "ended_at": iso(now + 7200)},
            {"route": "Rute 3", "started_at": iso(now - 90000), "ended_at": iso(now)},
            {"route": "Rute 3", "started_at": "i morges", "ended_at": iso(now)},
            {"route": ["Rute 3"], "started_at": iso(now - 60), "ended_at": iso(now)},
            {"route": "Rute 3", "started_at": 1700000000, "ended_at": iso(now)},
        ]
        for b in bad:
            status, body, _ = self.api("POST", "/api/gritting/runs", b)
            self.assertEqual(status, 400, b)
        self.assertEqual(self.api("POST", "/api/gritting/runs", "x" * 40000)[0], 413)
        self.assertEqual(self.api("POST", "/api/gritting/runs", run,
                                  content_type="application/x-www-form-urlencoded")[0], 415)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM gritting_runs"), 2)


class CliTest(ApiTestCase):
    def test_cases_cli(self):
        ref = self.file_case("Duevej 12")
        db = self.server.db
        out = cli("cases", "list", "--status", "open", "--db", db).stdout.strip().splitlines()
        self.assertEqual(len(out), 1)
        self.assertEqual(json.loads(out[0])["reference"], ref)
        shown = json.loads(cli("cases", "show", ref, "--db", db).stdout)
        self.assertEqual(shown["street"], "Duevej")
        done = json.loads(cli("cases", "set-status", ref, "resolved", "--note", "Skiftet",
                              "--db", db).stdout)
        self.assertEqual(done["status"], "resolved")
        self.assertEqual(self.api("GET", "/api/cases/" + ref)[1]["status"], "resolved")
        self.assertEqual(cli("cases", "show", "TM-2026-99999", "--db", db, check=False)
                         .returncode, 1)
        self.assertEqual(cli("cases", "set-status", ref, "fixed", "--db", db, check=False)
                         .returncode, 1)
        self.assertEqual(cli("cases", "set-status", ref, "resolved", "--db", db, check=False)
                         .returncode, 1)
        self.assertEqual(cli("cases", "frobnicate", "--db", db, check=False).returncode, 2)

    def test_apikey_cli(self):
        db = self.server.db
        listed = [json.loads(l) for l in cli("apikey", "list", "--db", db).stdout.splitlines()]
        self.assertEqual([k["name"] for k in listed], ["sagssystem", "vejogpark"])
        self.assertNotIn(self.key, cli("apikey", "list", "--db", db).stdout)
        dup = cli("apikey", "create", "vejogpark", "--scope", "cases", "--db", db, check=False)
        self.assertEqual(dup.returncode, 1)
        self.assertIn("already exists", dup.stderr)
        bad = cli("apikey", "create", "x", "--scope", "cases,admin", "--db", db, check=False)
        self.assertEqual(bad.returncode, 2)
        bad = cli("apikey", "create", "../etc", "--scope", "cases", "--db", db, check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertEqual(cli("apikey", "revoke", "nobody", "--db", db, check=False).returncode, 1)
        self.assertEqual(cli("apikey", "create", "x", "--db", db, check=False).returncode, 2)


class DataFolderTest(unittest.TestCase):
    def test_broken_data_file_stops_the_server_with_file_and_line(self):
        tmp = tempfile.mkdtemp(prefix="borgerbot-muni-")
        try:
            data = os.path.join(tmp, "muni")
            shutil.copytree(os.path.join(ROOT, "municipality"), data)
            with open(os.path.join(data, "streets.csv"), "a") as f:
                f.write("Duevej,,Fuglekvarteret,C,Rute 4\n")
            server = Server(["--municipality-dir", data])
            server.start(wait=False)
            rc = server.proc.wait(15)
            server.log.close()
            self.assertNotEqual(rc, 0)
            self.assertRegex(server.read_log(), r"streets\.csv:\d+: street 'Duevej' is listed twice")
            shutil.rmtree(server.dir, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_missing_data_folder_is_named(self):
        server = Server(["--municipality-dir", "/nonexistent/muni"])
        server.start(wait=False)
        rc = server.proc.wait(15)
        server.log.close()
        self.assertNotEqual(rc, 0)
        self.assertIn("/nonexistent/muni/cases.txt", server.read_log())
        shutil.rmtree(server.dir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
