"""The console's cases and administration pages in real headless Chromium
(tests/browser/cases.mjs) over HTTPS against the real binary: a signed
webhook event makes the bot file a case; staff filter the cases, set it
resolved with a note and the citizen is told (the fake Graph receives the
notice); staff add a gritting run and a citizen asking about gritting on a
covered street gets the new time; a staff user sees no "Administration"
and gets 403; an admin adds a user who then logs in; axe-core is clean.
Screenshots go to tests/artifacts/."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_graph import FakeGraph  # noqa: E402
import harness  # noqa: E402
from harness import PAGE_TOKEN, ROOT, Server  # noqa: E402
from test_console import PASSWORD, add_staff  # noqa: E402

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
ARTIFACTS = os.environ.get("BORGERBOT_ARTIFACTS", os.path.join(ROOT, "tests", "artifacts"))
LIGHTS = "Så er den gal igen – intet lys i lygterne på Duevej!"
NEW_PASSWORD = "kims egen lange kode"
REF = re.compile(r"TM-\d{4}-\d{5}")


class CasesBrowserTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is not installed")
        for package in ("playwright-core", "axe-core"):
            self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", package)),
                            "run 'npm ci' in tests/browser (scripts/setup.sh --test does)")
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.server = Server(tls=True, env={"BORGERBOT_GRAPH_URL": self.graph.url,
                                            "no_proxy": "127.0.0.1,localhost"})
        add_staff(self.server.db, "mette", name="Mette Hansen", department="Vej og Park")
        add_staff(self.server.db, "anna", name="Anna Berg", department="Borgerservice",
                  role="admin")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        self.graph.stop()

    def texts(self, psid):
        return [r["body"]["message"].get("text") for r in self.graph.accepted(psid)]

    def ask(self, psid, text):
        before = len(self.graph.accepted(psid))
        status, _ = self.server.post_webhook(harness.envelope([harness.text_event(psid, text)]))
        self.assertEqual(status, 200)
        self.graph.wait_for(lambda: len(self.graph.accepted(psid)) > before, 15, "a reply")
        return self.texts(psid)[before:]

    def test_cases_gritting_and_admin_in_the_browser(self):
        reply = self.ask("C1", LIGHTS)[0]
        ref = REF.search(reply).group(0)
        route = "Rute 4"  # Duevej's route in municipality/streets.csv
        before_ask = self.ask("C2", "Bliver Duevej saltet?")[0]
        self.assertNotIn("senest saltet", before_ask)
        result = subprocess.run(["node", os.path.join(BROWSER_DIR, "cases.mjs"),
                                 "https://127.0.0.1:%d" % self.server.port, "mette", "anna",
                                 PASSWORD, NEW_PASSWORD, ref, route, ARTIFACTS],
                                capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr +
                         self.server.read_log()[-3000:])
        # the citizen was told, by the fake Graph's account of it
        self.graph.wait_for(lambda: any("repareret" in (t or "") for t in self.texts("C1")), 15,
                            "the notice")
        self.assertEqual(self.server.query("SELECT status FROM cases WHERE reference = ?",
                                           (ref,)), [("resolved",)])
        # the new run is in the bot's answer now
        after = self.ask("C2", "Bliver Duevej saltet?")[0]
        self.assertIn("senest saltet", after)
        rows = self.server.query("SELECT actor, action FROM audit_log WHERE action IN"
                                 " ('case.status', 'gritting.run', 'staff.add')"
                                 " AND actor LIKE 'staff:%' ORDER BY id")
        self.assertEqual(rows, [("staff:mette", "case.status"), ("staff:mette", "gritting.run"),
                                ("staff:anna", "staff.add")])
        # the admin's setting changes, as the page made them: set, reset, set
        self.assertEqual(self.server.query(
            "SELECT actor, action, object, detail FROM audit_log WHERE action LIKE 'settings.%'"
            " ORDER BY id"),
            [("staff:anna", "settings.set", "setting:not_understood_retries", "2"),
             ("staff:anna", "settings.reset", "setting:not_understood_retries", None),
             ("staff:anna", "settings.set", "setting:anger_hands_over", "no")])
        self.assertEqual(self.server.query("SELECT key, value, changed_by FROM setting_overrides"),
                         [("anger_hands_over", "no", "anna")])
        self.assertIn(("staff:kim",), self.server.query(
            "SELECT object FROM audit_log WHERE action = 'login.ok'"))
        for name in ("cases-list", "cases-detail", "cases-gritting", "admin-users",
                     "admin-settings-changed"):
            for suffix in ("", "-phone"):
                path = os.path.join(ARTIFACTS, name + suffix + ".png")
                self.assertGreater(os.path.getsize(path), 1000, path)


if __name__ == "__main__":
    unittest.main()
