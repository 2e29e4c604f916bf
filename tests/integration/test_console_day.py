"""A day in the console (issue 10) in real headless Chromium: the driver
starts the server over HTTPS with the fake Graph API, creates three staff
users and a waiting chat with a signed webhook event, and runs
tests/browser/day.mjs (an admin adds a canned reply; Mette answers with it
and hands back; Jens sees it live; a crisis raises the alert); afterwards
the fake Graph must have received the reply as RESPONSE and the bot's
answer after the hand-back, and the audit log the reads and actions."""
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from fake_graph import FakeGraph  # noqa: E402
from test_console import PASSWORD, add_staff  # noqa: E402
from test_console_browser import ARTIFACTS, BROWSER_DIR  # noqa: E402
from test_handover import ALWAYS, APP_ID, municipality  # noqa: E402

PSID = "day-citizen"
MARKUP = "Jeg vil gerne tale med en medarbejder, <b>hurtigt</b>"


class ConsoleDayTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is not installed")
        for package in ("playwright-core", "axe-core"):
            self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", package)),
                            "run 'npm ci' in tests/browser (scripts/setup.sh --test does)")
        self.graph = FakeGraph(token=harness.PAGE_TOKEN).start()
        self.muni = municipality(ALWAYS)
        env = {"BORGERBOT_GRAPH_URL": self.graph.url, "BORGERBOT_APP_ID": APP_ID,
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
        self.server = harness.Server(["--municipality-dir", self.muni], tls=True, env=env,
                                     config="send_rate_per_sec = 1000\n")
        add_staff(self.server.db, "mette", name="Mette Hansen", department="Borgerservice")
        add_staff(self.server.db, "jens", name="Jens Holm", department="Borgerservice")
        add_staff(self.server.db, "admin", name="Ada Admin", department="Borgerservice",
                  role="admin")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        self.graph.stop()
        shutil.rmtree(self.muni, ignore_errors=True)

    def test_a_day(self):
        status, _ = self.server.post_webhook(harness.envelope([harness.text_event(PSID, MARKUP)]))
        self.assertEqual(status, 200)
        cid = self.server.wait_for(
            "SELECT id FROM conversations WHERE psid = ? AND mode = 'waiting_for_staff'",
            lambda v: v is not None, args=(PSID,), timeout=20)
        env = dict(os.environ, DAY_PASSWORD=PASSWORD, DAY_SECRET=harness.APP_SECRET,
                   DAY_PAGE=harness.PAGE_ID, DAY_PSID=PSID, DAY_CONVERSATION=str(cid))
        graph_root = self.graph.url.rsplit("/", 1)[0]
        result = subprocess.run(["node", os.path.join(BROWSER_DIR, "day.mjs"),
                                 "https://127.0.0.1:%d" % self.server.port, graph_root,
                                 ARTIFACTS], capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr +
                         self.server.read_log()[-3000:])
        sent = [r["body"] for r in self.graph.accepted(PSID)]
        texts = [b["message"].get("text") for b in sent]
        reply = [b for b in sent if b["message"].get("text", "").endswith("jeg ser på det nu. Mvh.")]
        self.assertEqual(len(reply), 1, texts)
        self.assertEqual(reply[0]["messaging_type"], "RESPONSE")
        self.assertIn("Du skriver nu med Mette Hansen fra Borgerservice.", texts)
        back = texts.index(next(t for t in texts if t and t.startswith("Du skriver igen med Borgerbot")))
        self.assertGreater(len(texts), back + 1, texts)  # the bot answered the next message
        actions = {r[0] for r in self.server.query("SELECT action FROM audit_log")}
        for a in ("conversation.read", "conversation.reply", "conversation.handback",
                  "canned.create"):
            self.assertIn(a, actions)
        for name in ("day-inbox-phone.png", "day-inbox-desktop.png", "day-conversation-phone.png",
                     "day-conversation-desktop.png", "day-canned-desktop.png"):
            self.assertGreater(os.path.getsize(os.path.join(ARTIFACTS, name)), 1000)


if __name__ == "__main__":
    unittest.main()
