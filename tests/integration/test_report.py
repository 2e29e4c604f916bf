"""Proof of effect (issue 13): a scripted day of traffic through the real
webhook — answers, cases (one joining an open case), a clarifying question,
hand-overs for each reason the script causes, staff replies at measured
delays, a message while staff has the chat, a crisis, messages at known
hours in and out of the staffed hours — and `borgerbot report` must show
exactly the script's numbers, in text, CSV and HTML. Bad dates and ranges
get clear errors; the misunderstood queue is labelled and exported without
personal data."""
import csv
import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_graph import FakeGraph  # noqa: E402
from harness import BIN, PAGE_TOKEN, ROOT, Server, envelope, now_ms, text_event  # noqa: E402

CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
CONFIG = """
outbox_retry_base_ms = 40
send_rate_per_sec = 1000
conversation_sweep_s = 1
"""
OPENS, CLOSES = 8, 16  # the test municipality's staffed hours, every day


def easter(year):
    """Easter Sunday (anonymous Gregorian algorithm), for the holiday oracle."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month = (h + m - 7 * n + 114) // 31
    day = (h + m - 7 * n + 114) % 31 + 1
    return datetime.date(year, month, day)


def holiday(d):
    e = easter(d.year)
    moving = {e + datetime.timedelta(days=k) for k in (-3, -2, 0, 1, 39, 49, 50)}
    return d in moving or (d.month, d.day) in {(1, 1), (12, 25), (12, 26)}


def after_hours(ts_ms):
    """The oracle: nobody staffs the chat at ts (every day OPENS-CLOSES, not on holidays)."""
    t = datetime.datetime.fromtimestamp(ts_ms / 1000, CPH)
    return holiday(t.date()) or not (OPENS <= t.hour < CLOSES)


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.muni = tempfile.mkdtemp(prefix="borgerbot-muni-")
        shutil.rmtree(self.muni)
        shutil.copytree(os.path.join(ROOT, "municipality"), self.muni)
        with open(os.path.join(self.muni, "staffed_hours.csv"), "w") as f:
            f.write("department,days,opens,closes\n")
            for dept in ("Borgerservice", "Vej og Park"):
                f.write("%s,man-søn,%02d:00,%02d:00\n" % (dept, OPENS, CLOSES))
        with open(os.path.join(self.muni, "closed_days.csv"), "w") as f:
            f.write("date,name\n")
        env = {"BORGERBOT_GRAPH_URL": self.graph.url,
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
        self.server = Server(["--municipality-dir", self.muni], config=CONFIG, env=env).start()
        self.key = self.cli("apikey", "create", "vejogpark", "--scope",
                            "conversations,cases,insight").stdout.strip()

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result and any(t is self for t, _ in result.errors + result.failures):
            print("---- server log ----\n" + self.server.read_log()[-4000:])
        self.server.cleanup()
        self.graph.stop()
        shutil.rmtree(self.muni, ignore_errors=True)

    def cli(self, *args, ok=True):
        proc = subprocess.run([BIN] + list(args) + ["--db", self.server.db],
                              capture_output=True, text=True, timeout=30)
        if ok:
            self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def report(self, *args, ok=True):
        return self.cli("report", "--municipality-dir", self.muni, *args, ok=ok)

    def api(self, method, path, body=None, key=None, raw=False, headers=None):
        h = {"Authorization": "Bearer " + (key or self.key)} if key != "" else {}
        if body is not None:
            h["Content-Type"] = "application/json"
            body = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.update(headers or {})
        status, data, hdrs = self.server.request(method, path, body, h)
        if raw:
            return status, data, {k.lower(): v for k, v in hdrs.items()}
        return status, json.loads(data) if data else None

    def say(self, psid, text, ts, replies):
        """One citizen message at ts; waits until psid has `replies` answers."""
        status, body = self.server.post_webhook(envelope([text_event(psid, text, ts=ts)]))
        self.assertEqual(status, 200, body)
        self.sent.append(ts)
        self.graph.wait_for(lambda: len(self.graph.accepted(psid)) >= replies, timeout=15,
                            what="%d replies to %s" % (replies, psid))
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 0", lambda v: v == 0)

    def conv(self, psid):
        return self.server.scalar(
            "SELECT id FROM conversations WHERE psid = ? ORDER BY id DESC LIMIT 1", (psid,))

    def wait_mode(self, psid, mode):
        self.server.wait_for("SELECT mode FROM conversations WHERE psid = '%s' "
                             "ORDER BY id DESC LIMIT 1" % psid, lambda v: v == mode)

    def staff_answer(self, psid, delay):
        """Staff take the chat and reply `delay` seconds after the hand-over;
        returns the measured first-response time from the database."""
        self.wait_mode(psid, "waiting_for_staff")
        cid = self.conv(psid)
        time.sleep(delay)
        status, _ = self.api("POST", "/api/conversations/%d/reply" % cid,
                             {"text": "Hej, jeg hjælper dig gerne.", "name": "Mette",
                              "department": "Vej og Park"})
        self.assertEqual(status, 200)
        return self.server.scalar(
            "SELECT first_response_at - handed_over_at FROM conversations WHERE id = ?",
            (cid,)) / 1000.0

    def test_a_scripted_day_gives_the_scripts_numbers(self):
        self.sent = []
        now = now_ms()
        hour = 3600 * 1000
        # messages spread over the last 20 hours, so some fall outside 08-16
        t = [now - (20 - k) * hour for k in range(12)]
        self.say("U1", "Hej", t[0], 1)                                       # answered
        self.say("U2", "Der er ingen lys i lygterne på Duevej 12", t[1], 1)  # case filed
        self.say("U3", "Lyset er ude på Duevej 12", t[2], 1)                 # joins U2's case
        self.say("U4", "Der er ingen lys i lygterne", t[3], 1)               # clarified: where?
        self.say("U4", "Rosenvej 4", t[3] + 60000, 2)                        # case filed
        self.say("U5", "Jeg vil gerne tale med en medarbejder", t[4], 1)     # citizen_asked
        self.say("U6", "Jeg vil klage over jeres sagsbehandling", t[5], 1)   # complaint
        self.say("U7", "blørk fnuller 5544 3322", t[6], 1)                   # not understood
        self.say("U7", "xyzzy plugh", t[6] + 60000, 2)                       # not_understood
        self.say("U8", "jeg vil ikke leve mere", t[7], 1)                    # crisis
        first = [self.staff_answer("U5", 1.0), self.staff_answer("U6", 2.0)]
        self.say("U5", "Tak, det er Duevej 12", now_ms(), 3)                 # with staff
        # U5 is handed back, U6 closed: two resolutions
        self.assertEqual(self.api("POST", "/api/conversations/%d/handback" % self.conv("U5"),
                                  {})[0], 200)
        self.assertEqual(self.api("POST", "/api/conversations/%d/close" % self.conv("U6"),
                                  {})[0], 200)
        ref = self.server.scalar("SELECT reference FROM cases WHERE street = 'Duevej'")
        self.assertEqual(self.api("POST", "/api/cases/%s/status" % ref,
                                  {"status": "resolved"})[0], 200)

        day_from = datetime.datetime.fromtimestamp(min(self.sent) / 1000, CPH).date()
        day_to = datetime.datetime.fromtimestamp(max(self.sent) / 1000, CPH).date()
        rng = ["--from", day_from.isoformat(), "--to", day_to.isoformat()]
        rows = list(csv.reader(io.StringIO(self.report(*rng, "--format", "csv").stdout)))
        self.assertEqual(rows[0], ["section", "name", "value"])
        fig = {(s, n): float(v) for s, n, v in rows[1:]}

        expect = {
            ("totals", "messages"): 11, ("totals", "conversations"): 8,
            ("totals", "automated_conversations"): 4,  # U1-U4: no person needed
            ("outcome", "answered"): 1, ("outcome", "case_filed"): 3,
            ("outcome", "clarified"): 2,  # "where is it?" and the first not-understood
            ("outcome", "handed_over"): 3, ("outcome", "crisis"): 1,
            ("outcome", "with_staff"): 1,
            ("handover_reason", "citizen_asked"): 1, ("handover_reason", "complaint"): 1,
            ("handover_reason", "not_understood"): 1, ("handover_reason", "crisis"): 1,
            ("totals", "not_understood"): 2,
            ("totals", "after_hours"): sum(after_hours(ts) for ts in self.sent),
            ("first_response", "count"): 2,
            ("first_response", "waiting"): 2,  # U7 and U8 are still waiting
            ("resolution", "count"): 2,
            ("cases", "filed"): 2, ("cases", "joined"): 1,
            ("case_category", "streetlight_outage.filed"): 2,
            ("case_category", "streetlight_outage.resolved"): 1,
            ("intent", "streetlight_outage"): 4,  # U2, U3 and both of U4
        }
        for k, v in expect.items():
            self.assertEqual(fig.get(k), v, k)
        self.assertAlmostEqual(fig[("first_response", "median_seconds")],
                               sum(first) / 2, delta=0.01)
        self.assertAlmostEqual(fig[("first_response", "p90_seconds")], max(first), delta=0.01)
        self.assertGreaterEqual(min(first), 1.0)
        self.assertEqual(fig[("totals", "automation_rate")], 0.5)

        text = self.report(*rng).stdout
        self.assertIn("Samtaler                             8", text)
        self.assertIn("klaret uden en medarbejder         4 (50,0 %)", text)
        html = self.report(*rng, "--format", "html").stdout
        self.assertEqual(html.count("<svg "), 3)
        self.assertIn("Beskeder pr. dag efter udfald", html)
        self.assertNotIn("Duevej 12", html)  # no citizen text in a report
        self.assertEqual(self.server.metric('borgerbot_citizen_messages_total{outcome="case_filed"}'), 3)

        # the misunderstood queue: U7's two messages, anonymised
        queue = self.cli("report", "misunderstood").stdout.splitlines()
        self.assertEqual(len(queue), 3, queue)  # header + 2
        self.assertIn("blørk fnuller [telefon]", queue[2])
        event = queue[2].split("\t")[0]
        self.cli("report", "label", event, "road_damage", "--example",
                 "hul i vejen ring 12345678 eller skriv til a@b.dk", "--actor", "mette")
        exported = self.cli("report", "examples").stdout
        self.assertIn("# road_damage", exported)
        self.assertIn("example: hul i vejen ring [telefon] eller skriv til [e-mail]", exported)
        self.assertNotIn("12345678", exported)
        tsv = self.cli("report", "examples", "--format", "tsv").stdout
        self.assertIn("hul i vejen ring [telefon] eller skriv til [e-mail]\troad_damage", tsv)
        self.assertEqual(len(self.cli("report", "misunderstood").stdout.splitlines()), 2)
        labelled = self.cli("report", "misunderstood", "--labelled").stdout.splitlines()
        self.assertEqual(labelled[1].split("\t")[:2], [event, "road_damage"])

    def test_bad_dates_ranges_and_arguments_are_clear_errors(self):
        for args, says in [
            (["--from", "2026-13-01"], "is not a date"),
            (["--from", "2026-02-31"], "not a date"),
            (["--to", "yesterday"], "is not a date"),
            (["--from", "2026-12-05", "--to", "2026-12-01"], "--from is after --to"),
            (["--from", "2020-01-01", "--to", "2026-01-01"], "at most 400 days"),
            (["--format", "pdf"], "--format is text, csv or html"),
            (["--from", "2026-12-01'; DROP TABLE cases;--"], "is not a date"),
            (["--bogus", "x"], "unknown option"),
        ]:
            proc = self.report(*args, ok=False)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn(says, proc.stderr, args)
            self.assertEqual(proc.stdout, "", args)
        for args in (["label", "1", "Road Damage", "--example", "x"],
                     ["label", "x", "road_damage", "--example", "x"],
                     ["label", "1", "road_damage"],
                     ["label", "1", "road_damage", "--example", "x" * 2001],
                     ["misunderstood", "--limit", "0"], ["examples", "--format", "xml"]):
            self.assertEqual(self.cli("report", *args, ok=False).returncode, 2, args)
        proc = self.cli("report", "label", "999", "road_damage", "--example", "x", ok=False)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("no citizen message", proc.stderr)
        # an empty range is a report of zeros that says so
        text = self.report("--from", "2025-01-01", "--to", "2025-01-31").stdout
        self.assertIn("ingen beskeder fra borgere i perioden", text)

    def test_the_http_api_and_its_bad_input(self):
        self.sent = []
        self.say("U1", "blørk fnuller", now_ms(), 1)
        self.say("U2", "Der er ingen lys i lygterne på Duevej 12", now_ms(), 1)
        status, rep = self.api("GET", "/api/report")
        self.assertEqual(status, 200, rep)
        self.assertEqual((rep["messages"], rep["conversations"], rep["outcomes"]["case_filed"],
                          rep["days"]), (2, 2, 1, 30))
        self.assertEqual(len(rep["daily"]), 30)
        self.assertEqual(sum(map(sum, rep["hour_of_week"])), 2)
        for plot in ("daily", "heatmap", "response"):
            status, body, hdrs = self.api("GET", "/api/report/%s.svg" % plot, raw=True)
            self.assertEqual(status, 200, plot)
            self.assertTrue(hdrs["content-type"].startswith("image/svg+xml"), hdrs)
            self.assertTrue(body.startswith(b"<svg "), body[:40])
        status, body, hdrs = self.api("GET", "/api/report?format=csv", raw=True)
        self.assertEqual(status, 200)
        self.assertIn(b'totals,"messages",2', body)
        status, body, hdrs = self.api("GET", "/api/report?format=html", raw=True)
        self.assertEqual(status, 200)
        self.assertIn("attachment", hdrs["content-disposition"])
        self.assertNotIn("unsafe-inline", hdrs["content-security-policy"])

        status, q = self.api("GET", "/api/misunderstood")
        self.assertEqual((status, q["count"]), (200, 1))
        item = q["items"][0]
        self.assertEqual((item["text"], item["suggestion"], item["intent"]),
                         ("blørk fnuller", "blørk fnuller", "none"))
        self.assertEqual(self.server.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'misunderstood.read'"), 1)
        path = "/api/misunderstood/%d/label" % item["event_id"]
        for body, why in [({"intent": "nope", "example": "x"}, "not one of"),
                          ({"intent": "none", "example": "x"}, "not one of"),
                          ({"intent": "road_damage"}, "give intent"),
                          ({"intent": "road_damage", "example": ""}, "give intent"),
                          ({"intent": 5, "example": "x"}, "give intent"),
                          ({"intent": "road_damage", "example": "x" * 2001}, "give intent")]:
            status, err = self.api("POST", path, body)
            self.assertEqual(status, 400, body)
            self.assertIn(why, err["error"]["message"], body)
        self.assertEqual(self.api("POST", path, b'{"intent": "road_damage", "example": "\xff"}')[0], 400)
        self.assertEqual(self.api("POST", path, b"{not json")[0], 400)
        self.assertEqual(self.api("POST", path, b'{"intent": "road_damage", "example": "' +
                                  b"a" * 70000 + b'"}')[0], 413)
        self.assertEqual(self.api("POST", "/api/misunderstood/99999/label",
                                  {"intent": "road_damage", "example": "x"})[0], 404)
        self.assertEqual(self.api("POST", "/api/misunderstood/0x1/label",
                                  {"intent": "road_damage", "example": "x"})[0], 404)
        self.assertEqual(self.api("GET", path)[0], 405)
        status, out = self.api("POST", path, {"intent": "road_damage",
                                              "example": "hul i vejen, ring 12 34 56 78"})
        self.assertEqual((status, out["label"]), (200, "road_damage"))
        status, body, _ = self.api("GET", "/api/misunderstood/export?format=tsv", raw=True)
        self.assertEqual(status, 200)
        self.assertIn("hul i vejen, ring [telefon]\troad_damage".encode(), body)
        self.assertEqual(self.server.scalar(
            "SELECT actor FROM audit_log WHERE action = 'misunderstood.label'"), "key:vejogpark")

        for path, status in [("/api/report?from=2026-13-01", 400), ("/api/report?to=x", 400),
                             ("/api/report?from=2026-12-05&to=2026-12-01", 400),
                             ("/api/report?from=" + "9" * 100, 400),
                             ("/api/report?format=pdf", 400), ("/api/report/other.svg", 404),
                             ("/api/misunderstood?limit=0", 400),
                             ("/api/misunderstood?labelled=2", 400),
                             ("/api/misunderstood/export?format=xml", 400),
                             ("/api/misunderstood/nothing", 404)]:
            self.assertEqual(self.api("GET", path)[0], status, path)
        self.assertEqual(self.api("GET", "/api/report", key="")[0], 401)
        self.assertEqual(self.api("GET", "/api/report", key="bbk_wrong")[0], 401)
        # a citizen's deletion takes their outcome rows (and any example) along
        self.cli("privacy", "delete", "U1")
        self.assertEqual(self.server.scalar("SELECT count(*) FROM message_outcomes"), 1)
        other = self.cli("apikey", "create", "grit", "--scope", "gritting").stdout.strip()
        self.assertEqual(self.api("GET", "/api/report", key=other)[0], 403)
        self.assertEqual(self.api("GET", "/api/misunderstood", key=other)[0], 403)

    def test_intent_titles_for_staff(self):
        status, out = self.api("GET", "/api/intents")
        self.assertEqual(status, 200, out)
        titles = {i["name"]: i["title"] for i in out["intents"]}
        self.assertEqual(titles["streetlight_outage"], "Gadelys ude")
        self.assertEqual(titles["none"], "Ikke forstået")
        self.assertIn("crisis", titles)
        routine = {i["name"] for i in out["intents"] if i["routine"]}
        self.assertIn("gritting", routine)
        self.assertNotIn("crisis", routine)
        self.assertEqual(self.api("POST", "/api/intents", {})[0], 405)
        self.assertEqual(self.api("GET", "/api/intents/x")[0], 404)
        self.assertEqual(self.api("GET", "/api/intentsx")[0], 404)
        self.assertEqual(self.api("GET", "/api/intents", key="")[0], 401)
        other = self.cli("apikey", "create", "grit", "--scope", "gritting").stdout.strip()
        self.assertEqual(self.api("GET", "/api/intents", key=other)[0], 403)

    def test_panel_response_rates(self):
        """The panel's figures: the example consultation loaded with the CLI,
        then members and responses staged in its tables (the panel's own flow
        through Messenger is tested in test_panel.py)."""
        self.cli("panel", "load", os.path.join(ROOT, "panel", "examples",
                                               "vintersaltning.consultation"))
        cid, opens, closes = self.server.query(
            "SELECT id, opens_at, closes_at FROM panel_consultations")[0]
        db = sqlite3.connect(self.server.db, timeout=10)
        with db:
            now = now_ms()
            for k, (status, left) in enumerate([("member", None), ("member", None),
                                                 ("left", now), ("member", None)]):
                db.execute("INSERT INTO panel_members (page_id, psid, status, joined_at,"
                           " left_at, updated_at) VALUES ('p', ?, ?, ?, ?, ?)",
                           ("M%d" % k, status, now, left, now))
            for k, state in enumerate(["done", "done", "offered", "answering"]):
                db.execute("INSERT INTO panel_responses (consultation_id, page_id, psid, state,"
                           " created_at, updated_at) VALUES (?, 'p', ?, ?, ?, ?)",
                           (cid, "M%d" % k, state, now, now))
        db.close()
        day = lambda ms: datetime.datetime.fromtimestamp(ms / 1000, CPH).date().isoformat()
        today = day(now_ms())
        lo = min(today, day(opens))
        hi = max(today, day(closes - 1))
        if (datetime.date.fromisoformat(hi) - datetime.date.fromisoformat(lo)).days >= 400:
            hi = (datetime.date.fromisoformat(lo) + datetime.timedelta(days=399)).isoformat()
        rows = csv.reader(io.StringIO(self.report("--from", lo, "--to", hi, "--format",
                                                  "csv").stdout))
        fig = {(s, n): float(v) for s, n, v in list(rows)[1:]}
        self.assertEqual(fig[("panel", "joined")], 4)
        self.assertEqual(fig[("panel", "left")], 1)
        self.assertEqual(fig[("consultation", cid + ".offered")], 4)
        self.assertEqual(fig[("consultation", cid + ".answered")], 2)
        text = self.report("--from", lo, "--to", hi).stdout
        self.assertIn("2 af 4 svarede (50,0 %)", text)

    def test_html_report_renders_in_chromium(self):
        self.sent = []
        self.say("U1", "Hej", now_ms(), 1)
        self.say("U2", "Der er ingen lys i lygterne på Duevej 12", now_ms(), 1)
        out = os.path.join(ROOT, "tests", "artifacts")
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, "report.html")
        self.report("--format", "html", "--out", path)
        chromium = shutil.which("chromium")
        if not chromium:
            self.skipTest("chromium is not installed (./dev.sh test installs it)")
        shot = os.path.join(out, "report.png")
        if os.path.exists(shot):
            os.remove(shot)
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--screenshot=" + shot, "--window-size=1000,2400", "file://" + path],
                       capture_output=True, timeout=60)
        self.assertTrue(os.path.exists(shot) and os.path.getsize(shot) > 10000,
                        "no screenshot of the report")


class InsightBrowserTest(unittest.TestCase):
    """The console's overview page in headless Chromium (tests/browser/insight.mjs)."""

    def setUp(self):
        from test_console import add_staff
        browser_dir = os.path.join(ROOT, "tests", "browser")
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is not installed")
        self.assertTrue(os.path.isdir(os.path.join(browser_dir, "node_modules", "playwright-core")),
                        "run 'npm ci' in tests/browser (scripts/setup.sh --test does)")
        self.server = Server(tls=True)
        add_staff(self.server.db, "mette", name="Mette Hansen", department="Vej og Park")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def test_overview_plots_and_labelling(self):
        from test_console import PASSWORD
        for psid, text in [("U1", "<b>blørk</b> ring 12345678"), ("U2", "Hej"),
                           ("U3", "Der er ingen lys i lygterne på Duevej 12")]:
            status, _ = self.server.post_webhook(envelope([text_event(psid, text)]))
            self.assertEqual(status, 200)
        self.server.wait_for("SELECT count(*) FROM message_outcomes", lambda n: n == 3)
        # the panel page: the example consultation with one member's answers
        # staged in its tables (the panel's own flow is tested in test_panel.py)
        subprocess.run([BIN, "panel", "load", os.path.join(ROOT, "panel", "examples",
                                                           "vintersaltning.consultation"),
                        "--db", self.server.db], check=True, capture_output=True, timeout=30)
        qs = self.server.query("SELECT qno, kind FROM panel_questions ORDER BY qno")
        db = sqlite3.connect(self.server.db, timeout=10)
        with db:
            now = now_ms()
            db.execute("INSERT INTO panel_members (page_id, psid, status, joined_at, updated_at)"
                       " VALUES ('p', 'M1', 'member', ?, ?)", (now, now))
            rid = db.execute("INSERT INTO panel_responses (consultation_id, page_id, psid, state,"
                             " created_at, updated_at) VALUES ('vintersaltning', 'p', 'M1',"
                             " 'done', ?, ?)", (now, now)).lastrowid
            for qno, kind in qs:
                text = "<b>mere salt</b> på Duevej" if kind == "text" else None
                db.execute("INSERT INTO panel_answers (response_id, consultation_id, qno, choice,"
                           " text, page_id, psid, created_at) VALUES (?, 'vintersaltning', ?, ?,"
                           " ?, 'p', 'M1', ?)", (rid, qno, -1 if text else (3 if kind == "scale"
                                                                          else 0), text, now))
        db.close()
        artifacts = os.path.join(ROOT, "tests", "artifacts")
        result = subprocess.run(["node", os.path.join(ROOT, "tests", "browser", "insight.mjs"),
                                 "https://127.0.0.1:%d" % self.server.port, "mette", PASSWORD,
                                 artifacts], capture_output=True, text=True, timeout=240)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr +
                         self.server.read_log()[-3000:])
        self.assertEqual(self.server.scalar("SELECT label FROM message_outcomes WHERE label IS NOT NULL"),
                         "road_damage")
        self.assertEqual(self.server.scalar(
            "SELECT label_example FROM message_outcomes WHERE label IS NOT NULL"),
            "<b>blørk</b> ring [telefon]")
        self.assertEqual(self.server.scalar(
            "SELECT actor FROM audit_log WHERE action = 'misunderstood.label'"), "staff:mette")


if __name__ == "__main__":
    unittest.main()
