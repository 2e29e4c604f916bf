"""The citizen panel's public pages in real headless Chromium (Debian's
/usr/bin/chromium driven by playwright-core, axe-core from npm): a member
gets a personal link in Messenger, answers on the phone-sized web form by
label and keyboard, and after close and publish the results page shows
SVG charts; axe-core finds no serious or critical violation on either, and
no CSP violation is reported. Screenshots go to tests/artifacts/."""
import os
import subprocess
import unittest

from harness import ROOT
from test_panel import LINK, PanelBase

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
ARTIFACTS = os.environ.get("BORGERBOT_ARTIFACTS", os.path.join(ROOT, "tests", "artifacts"))


class PanelBrowserTest(PanelBase):
    def setUp(self):
        # ./dev.sh test installs these; a missing one is a set-up failure, not a skip
        self.assertTrue(os.path.exists("/usr/bin/chromium"), "chromium is not installed")
        for package in ("playwright-core", "axe-core"):
            self.assertTrue(os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", package)),
                            "run 'npm ci' in tests/browser (scripts/setup.sh --test does)")
        super().setUp()

    def node(self, mode, url):
        r = subprocess.run(["node", os.path.join(BROWSER_DIR, "panel.mjs"), mode, url,
                            ARTIFACTS], capture_output=True, text=True, timeout=240)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + self.server.read_log()[-3000:])

    def test_answer_on_the_form_then_read_the_results(self):
        psid = "PSIDbrowser01"
        self.load()
        self.join(psid)
        _, offer = self.finish_profile(psid)
        rid = self.offer_id(offer)
        msg = self.turn(psid, "Svar på en webside", "PANEL_LINK:%d" % rid)[0]
        url = LINK.search(msg["text"]).group(0)
        self.node("form", url)
        self.assertEqual(self.server.query(
            "SELECT qno, choice, text FROM panel_answers WHERE response_id = ?"
            " ORDER BY qno, choice", (rid,)),
            [(0, 1, None), (1, 0, None), (1, 1, None), (2, 4, None),
             (3, -1, "Glat ved <b>skolen</b>")])
        self.assertEqual(self.cli("close", "vintersaltning").returncode, 0)
        self.assertEqual(self.cli("publish", "vintersaltning").returncode, 0)
        self.node("results", "http://127.0.0.1:%d/panel/results/vintersaltning"
                  % self.server.port)
        for name in ("panel-form.png", "panel-form-saved.png", "panel-results.png"):
            self.assertGreater(os.path.getsize(os.path.join(ARTIFACTS, name)), 1000)


if __name__ == "__main__":
    unittest.main()
