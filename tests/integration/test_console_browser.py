"""The staff console in real headless Chromium (Debian's /usr/bin/chromium
driven by playwright-core, axe-core from npm) over HTTPS: log in, see the
shell with a waiting chat whose markup shows as text, log out; axe-core
finds no serious or critical violation. Screenshots go to tests/artifacts/."""
import os
import subprocess
import unittest

import harness
from harness import ROOT, Server
from test_console import PASSWORD, add_staff

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
ARTIFACTS = os.environ.get("BORGERBOT_ARTIFACTS", os.path.join(ROOT, "tests", "artifacts"))
MARKUP = "Jeg vil gerne tale med en medarbejder <img src=x onerror=window.pwned=1>"


class ConsoleBrowserTest(unittest.TestCase):
    def setUp(self):
        # ./dev.sh test installs these; a missing one is a set-up failure, not a skip
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is not installed")
        for package in ("playwright-core", "axe-core"):
            self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", package)),
                            "run 'npm ci' in tests/browser (scripts/setup.sh --test does)")
        self.server = Server(tls=True)
        # the chat goes to Borgerservice's queue, which Mette may see (docs/console.md)
        add_staff(self.server.db, "mette", name="Mette Hansen", department="Borgerservice")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def test_log_in_see_the_shell_log_out(self):
        # a citizen asks for a person: the chat waits for staff in the inbox
        status, _ = self.server.post_webhook(
            harness.envelope([harness.text_event("psid-markup", MARKUP)]))
        self.assertEqual(status, 200)
        self.server.wait_for("SELECT count(*) FROM conversations WHERE mode = 'waiting_for_staff'",
                             lambda n: n == 1, timeout=20)
        env = dict(os.environ, EXPECT_MARKUP="1")
        result = subprocess.run(["node", os.path.join(BROWSER_DIR, "console.mjs"),
                                 "https://127.0.0.1:%d" % self.server.port, "mette", PASSWORD,
                                 ARTIFACTS], capture_output=True, text=True, timeout=240,
                                env=env)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr +
                         self.server.read_log()[-3000:])
        for name in ("console-login.png", "console-shell.png", "console-logged-out.png"):
            self.assertGreater(os.path.getsize(os.path.join(ARTIFACTS, name)), 1000)
        actions = [r[0] for r in self.server.query("SELECT action FROM audit_log WHERE action LIKE 'log%' ORDER BY id")]
        self.assertEqual(actions, ["login.failed", "login.ok", "logout"])


if __name__ == "__main__":
    unittest.main()
