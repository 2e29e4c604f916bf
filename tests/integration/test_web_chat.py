"""The sandbox web chat in real headless Chromium (Debian's /usr/bin/chromium
driven by playwright-core from npm): send a message, see the reply and a
quick reply, pick it; screenshots are kept in tests/artifacts/."""
import os
import subprocess
import unittest

from harness import ROOT, Server

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
ARTIFACTS = os.environ.get("BORGERBOT_ARTIFACTS", os.path.join(ROOT, "tests", "artifacts"))


class WebChatTest(unittest.TestCase):
    def setUp(self):
        # ./dev.sh test installs both; a missing one is a set-up failure, not a skip
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is not installed")
        self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")),
                        "run 'npm ci' in tests/browser (./dev.sh test does)")
        self.server = Server(extra_args=["--sandbox"])
        self.server.env.pop("BORGERBOT_PAGE_TOKEN", None)
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def test_conversation_in_the_browser(self):
        result = subprocess.run(["node", os.path.join(BROWSER_DIR, "web_chat.mjs"),
                                 "http://127.0.0.1:%d" % self.server.port, ARTIFACTS],
                                capture_output=True, text=True, timeout=180)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr +
                         self.server.read_log()[-3000:])
        self.assertTrue(os.path.getsize(os.path.join(ARTIFACTS, "web-chat.png")) > 1000)
        # what the browser sent went through the signed webhook into the database
        self.assertGreaterEqual(self.server.scalar(
            "SELECT COUNT(*) FROM messages WHERE direction = 'in'"), 3)


if __name__ == "__main__":
    unittest.main()
