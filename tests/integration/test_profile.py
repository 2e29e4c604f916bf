"""The page's Messenger Profile (issue 11's persistent-menu item, `borgerbot
profile`): `show` prints the body the dialog builds; `set` posts it to the
Graph API (the fake) with the page token; every button of the menu is a
postback the running bot answers through the real webhook (talk to a
person, what the bot does, leave the citizen panel — a member is out at
once — and delete my data); no token, a wrong token and bad arguments are
clear errors."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_graph import FakeGraph  # noqa: E402
from harness import BIN, PAGE_ID, PAGE_TOKEN, Server, envelope, now_ms  # noqa: E402


def profile(*args, env=None):
    e = dict(os.environ, no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost")
    e.pop("BORGERBOT_PAGE_TOKEN", None)
    e.update(env or {})
    return subprocess.run([BIN, "profile"] + list(args), capture_output=True, text=True,
                          timeout=30, env=e)


def postback(psid, payload, title):
    return {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now_ms(),
            "postback": {"title": title, "payload": payload, "mid": "pb-%s-%d" % (psid, now_ms())}}


class ProfileTest(unittest.TestCase):
    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()

    def tearDown(self):
        self.graph.stop()

    def menu(self):
        out = profile("show")
        self.assertEqual(out.returncode, 0, out.stderr)
        body = json.loads(out.stdout)
        self.assertEqual(body["get_started"], {"payload": "GET_STARTED"})
        self.assertLessEqual(len(body["greeting"][0]["text"]), 160)  # Meta's limit
        return body, body["persistent_menu"][0]["call_to_actions"]

    def test_show_and_set(self):
        body, items = self.menu()
        self.assertEqual([i["title"] for i in items],
                         ["Tal med en medarbejder", "Hvad kan du hjælpe med?",
                          "Meld mig ud af borgerpanelet", "Slet mine data"])
        env = {"BORGERBOT_PAGE_TOKEN": PAGE_TOKEN, "BORGERBOT_GRAPH_URL": self.graph.url}
        out = profile("set", env=env)
        self.assertEqual(out.returncode, 0, out.stderr)
        rec = [r for r in self.graph.requests(None, messages_only=False)
               if r["endpoint"] == "messenger_profile"]
        self.assertEqual(len(rec), 1)
        self.assertEqual(rec[0]["body"], body)
        self.assertTrue(rec[0]["token_ok"])

    def test_errors(self):
        out = profile("set")
        self.assertEqual(out.returncode, 2)
        self.assertIn("no page access token", out.stderr)
        out = profile("set", env={"BORGERBOT_PAGE_TOKEN": "wrong", "BORGERBOT_GRAPH_URL": self.graph.url})
        self.assertEqual(out.returncode, 1)
        self.assertIn("Meta refused the profile", out.stderr)
        for args in (["nonsense"], [], ["show", "extra"], ["set", "--config", "/nonexistent"]):
            self.assertEqual(profile(*args).returncode, 2, args)
        out = profile("set", env={"BORGERBOT_PAGE_TOKEN": "t", "BORGERBOT_GRAPH_URL": "ftp://x"})
        self.assertEqual(out.returncode, 2)

    def test_every_menu_button_is_answered(self):
        _, items = self.menu()
        env = {"BORGERBOT_GRAPH_URL": self.graph.url,
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
        server = Server(config="outbox_retry_base_ms = 40\nsend_rate_per_sec = 1000\n",
                        env=env).start()
        try:
            # a panel member, staged in the panel's table (joining is tested in test_panel.py)
            server_db = server.db
            import sqlite3
            db = sqlite3.connect(server_db, timeout=10)
            with db:
                db.execute("INSERT INTO panel_members (page_id, psid, status, joined_at, updated_at)"
                           " VALUES (?, 'P3', 'member', ?, ?)", (PAGE_ID, now_ms(), now_ms()))
            db.close()
            for k, item in enumerate(items):
                psid = "P%d" % (k + 1)
                status, _ = server.post_webhook(envelope([postback(psid, item["payload"],
                                                                   item["title"])]))
                self.assertEqual(status, 200)
                self.graph.wait_for(lambda: len(self.graph.accepted(psid)) >= 1, timeout=15,
                                    what="an answer to %s" % item["title"])
                text = self.graph.accepted(psid)[0]["body"]["message"]["text"]
                self.assertNotIn("det forstod jeg ikke", text, item["title"])
            server.wait_for("SELECT status FROM panel_members WHERE psid = 'P3'",
                            lambda v: v == "left")
            server.wait_for("SELECT mode FROM conversations WHERE psid = 'P1'",
                            lambda v: v == "waiting_for_staff")
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
