"""Sandbox mode: the in-server Graph recorder, the chat API behind the web
chat, `borgerbot chat`, and the rule that a real page token switches the
sandbox off. Talking to the bot end to end is in test_sandbox_chat.py."""
import json
import os
import subprocess
import unittest

from harness import APP_SECRET, BIN, PAGE_TOKEN, Server, envelope, text_event

RECORDER = "/sandbox/graph/v25.0/me/messages"


class SandboxServer(Server):
    def __init__(self, **kw):
        env = dict(kw.pop("env", None) or {})
        super().__init__(extra_args=["--sandbox"], env=env, **kw)
        self.env.pop("BORGERBOT_PAGE_TOKEN", None)
        self.env.update(env)


def post_json(server, path, obj, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    status, body, hdrs = server.request("POST", path, json.dumps(obj).encode(), h)
    return status, json.loads(body) if body.startswith(b"{") else body, hdrs


class SandboxApiTest(unittest.TestCase):
    def setUp(self):
        self.server = SandboxServer().start()

    def tearDown(self):
        self.server.cleanup()

    def test_start_up_says_so_loudly(self):
        log = self.server.read_log()
        self.assertIn('"event":"sandbox_mode"', log)
        self.assertIn("/sandbox/graph/v25.0", log)  # Graph base URL points at itself
        status, body, _ = self.server.request("GET", "/sandbox/api/info")
        self.assertEqual(status, 200)
        self.assertTrue(json.loads(body)["sandbox"])

    def test_recorder_behaves_like_the_send_api(self):
        ok = {"recipient": {"id": "4242"}, "messaging_type": "RESPONSE",
              "message": {"text": "Hej <script>alert(1)</script>",
                          "quick_replies": [{"content_type": "text", "title": "Ja", "payload": "YES"}]}}
        status, body, _ = post_json(self.server, RECORDER + "?access_token=sandbox-page-token", ok)
        self.assertEqual(status, 200)
        self.assertEqual(body["recipient_id"], "4242")
        self.assertTrue(body["message_id"].startswith("m_sandbox_"))
        status, body, _ = post_json(self.server, RECORDER, {"recipient": {"id": "4242"},
                                                            "sender_action": "typing_on"},
                                    {"Authorization": "Bearer sandbox-page-token"})
        self.assertEqual(status, 200)
        status, body, _ = self.server.request("GET", "/sandbox/api/replies?psid=4242")
        replies = json.loads(body)["replies"]
        self.assertEqual([r["request"].get("sender_action") for r in replies], [None, "typing_on"])
        self.assertEqual(replies[0]["request"]["message"]["text"], "Hej <script>alert(1)</script>")
        # only newer records after a given id
        status, body, _ = self.server.request(
            "GET", "/sandbox/api/replies?psid=4242&after=%d" % replies[0]["id"])
        self.assertEqual(len(json.loads(body)["replies"]), 1)
        # other citizens see nothing
        status, body, _ = self.server.request("GET", "/sandbox/api/replies?psid=999")
        self.assertEqual(json.loads(body)["replies"], [])

    def test_recorder_refuses_bad_requests_like_meta(self):
        good = {"recipient": {"id": "1"}, "messaging_type": "RESPONSE", "message": {"text": "x"}}
        cases = [
            (RECORDER + "?access_token=wrong", good, 401, 190),
            (RECORDER, good, 401, 190),
            (RECORDER + "?access_token=sandbox-page-token", {"message": {"text": "x"}}, 400, 100),
            (RECORDER + "?access_token=sandbox-page-token",
             {"recipient": {"id": "1"}, "message": {"text": "x"}}, 400, 100),
            (RECORDER + "?access_token=sandbox-page-token",
             dict(good, sender_action="typing_on"), 400, 100),
            (RECORDER + "?access_token=sandbox-page-token",
             {"recipient": {"id": "1"}, "messaging_type": "RESPONSE",
              "message": {"text": "x", "quick_replies": [{"title": "q", "payload": "p"}] * 14}}, 400, 100),
            (RECORDER + "?access_token=sandbox-page-token",
             {"recipient": {"id": "1 OR 1=1"}, "messaging_type": "RESPONSE",
              "message": {"text": "x"}}, 400, 100),
        ]
        for path, body, status, code in cases:
            got, answer, _ = post_json(self.server, path, body)
            self.assertEqual(got, status, body)
            self.assertEqual(answer["error"]["code"], code)
        status, body, _ = self.server.request("POST", RECORDER + "?access_token=sandbox-page-token",
                                              b"not json", {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        status, _, _ = self.server.request("POST", RECORDER + "?access_token=sandbox-page-token",
                                           b"{" + b" " * (70 * 1024) + b"}")
        self.assertEqual(status, 413)
        status, body, _ = self.server.request("GET", "/sandbox/api/replies?psid=1")
        self.assertEqual(json.loads(body)["replies"], [])

    def test_web_chat_send_goes_through_the_signed_webhook(self):
        status, body, _ = post_json(self.server, "/sandbox/api/send", {"psid": "777", "text": "lys ude på Duevej"})
        self.assertEqual(status, 200)
        self.assertEqual(body["webhook_status"], 200)
        self.assertEqual(self.server.metric('borgerbot_webhook_requests_total{result="ok"}'), 1)
        self.server.wait_for("SELECT COUNT(*) FROM messages WHERE text = 'lys ude på Duevej'",
                             lambda v: v == 1)
        status, _, _ = post_json(self.server, "/sandbox/api/send",
                                 {"psid": "777", "text": "Ja", "quick_reply": "YES"})
        self.assertEqual(status, 200)
        self.server.wait_for("SELECT payload FROM messages WHERE kind = 'quick_reply'",
                             lambda v: v == "YES")

    def test_web_chat_send_rejects_bad_input(self):
        cases = [({"psid": "", "text": "x"}, 400), ({"psid": "a b", "text": "x"}, 400),
                 ({"psid": "1"}, 400), ({"psid": "1", "text": ""}, 400),
                 ({"psid": "1", "text": "x" * 9000}, 400), ({"psid": 5, "text": "x"}, 400)]
        for body, status in cases:
            self.assertEqual(post_json(self.server, "/sandbox/api/send", body)[0], status, body)
        # a cross-site form post (no JSON content type) is refused
        status, _, _ = self.server.request("POST", "/sandbox/api/send", b"psid=1&text=x",
                                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 415)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 0)

    def test_no_cors_grant_and_missing_headers_or_query(self):
        preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"}
        for path in ["/sandbox", "/sandbox/", "/sandbox/api/send", "/sandbox/api/replies",
                     RECORDER]:
            _, _, headers = self.server.request("OPTIONS", path, None, preflight)
            self.assertFalse([k for k in headers if k.lower().startswith("access-control-")],
                             path)
        status, _, _ = self.server.request("OPTIONS", "/sandbox/api/send", None, preflight)
        self.assertEqual(status, 404)  # no preflight answer: the API knows no OPTIONS
        for head, want in [("GET /sandbox/api/replies HTTP/1.0", 400),
                           ("GET /sandbox/api/replies?psid HTTP/1.0", 400),
                           ("GET /sandbox/api/replies?psid=1&after&wait_ms HTTP/1.0", 200),
                           ("POST /sandbox/api/send HTTP/1.0\r\nContent-Length: 0", 415),
                           ("POST %s HTTP/1.0\r\nContent-Length: 0" % RECORDER, 401),
                           ("POST %s?access_token HTTP/1.0\r\nContent-Length: 0" % RECORDER,
                            401),
                           ("GET /sandbox HTTP/1.0", 200)]:
            self.assertEqual(self.server.raw_request(head)[0], want, head)

    def test_web_chat_postback_goes_through_the_signed_webhook(self):
        status, body, _ = post_json(self.server, "/sandbox/api/send",
                                    {"psid": "778", "postback": "GET_STARTED", "title": "Kom i gang"})
        self.assertEqual((status, body["webhook_status"]), (200, 200))
        self.server.wait_for("SELECT payload FROM messages WHERE kind = 'postback'",
                             lambda v: v == "GET_STARTED")

    def test_page_is_served_with_a_strict_policy(self):
        status, body, headers = self.server.request("GET", "/sandbox")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["Content-Type"])
        self.assertIn("frame-ancestors 'none'", headers["Content-Security-Policy"])
        page = body.decode()
        self.assertIn('lang="da"', page)
        # citizen and bot text only via textContent, never parsed as HTML
        self.assertFalse("innerHTML" in page or "insertAdjacentHTML" in page)

    def test_terminal_chat_sends_signed_events(self):
        env = dict(os.environ, BORGERBOT_APP_SECRET=APP_SECRET)
        result = subprocess.run([BIN, "chat", "--server", "http://127.0.0.1:%d" % self.server.port,
                                 "--as", "Karen", "--quiet-ms", "200"],
                                input="Hej\nDer er hul i vejen på Møllevej\n", env=env,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Du: Hej", result.stdout)
        self.server.wait_for("SELECT COUNT(*) FROM messages WHERE direction = 'in'", lambda v: v == 2)
        psids = self.server.query("SELECT DISTINCT citizen_id FROM events")
        self.assertEqual(len(psids), 1)
        self.assertTrue(psids[0][0].isdigit())

    def test_scripted_terminal_conversation_with_a_quick_reply(self):
        env = dict(os.environ, BORGERBOT_APP_SECRET=APP_SECRET)
        result = subprocess.run([BIN, "chat", "--server", "http://127.0.0.1:%d" % self.server.port,
                                 "--as", "Jens", "--quiet-ms", "700"],
                                input="Hej\nDer er ingen lys i lygterne\n1\n", env=env,
                                capture_output=True, text=True, timeout=90)
        self.assertEqual(result.returncode, 0, result.stderr)
        out = result.stdout
        self.assertIn("(Borgerbot skriver …)", out)
        self.assertIn("Borgerbot: Hej! Du skriver med Borgerbot", out)
        self.assertIn("Hvor er det?", out)                 # the follow-up question
        self.assertIn("[1] Ved ikke adressen", out)        # its quick reply, numbered
        self.assertIn("Du valgte: Ved ikke adressen", out)  # picked by typing 1
        self.assertIn("medarbejder", out.split("Du valgte:")[1])
        # the pick went to the server as a quick_reply event with its payload
        self.server.wait_for("SELECT payload FROM messages WHERE kind = 'quick_reply'",
                             lambda v: v == "PLACE_UNKNOWN")
        self.assertLess(out.index("Hvor er det?"), out.index("Du valgte"))

    def test_terminal_chat_with_wrong_secret_or_no_server(self):
        env = dict(os.environ, BORGERBOT_APP_SECRET="wrong")
        result = subprocess.run([BIN, "chat", "--server", "http://127.0.0.1:%d" % self.server.port,
                                 "--quiet-ms", "100"], input="Hej\n", env=env,
                                capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("403", result.stderr)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 0)
        env["BORGERBOT_APP_SECRET"] = APP_SECRET
        result = subprocess.run([BIN, "chat", "--server", "http://127.0.0.1:1"], input="Hej\n",
                                env=env, capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no server answers", result.stderr)


class TrustedProxyTest(unittest.TestCase):
    """Behind a reverse proxy the loopback check must see the real client:
    X-Forwarded-For / Forwarded count only from a trusted proxy."""

    def info(self, server, headers=None):
        return server.request("GET", "/sandbox/api/info", None, headers or {})[0]

    def test_forwarded_client_is_used_only_from_trusted_proxies(self):
        server = SandboxServer(config="trusted_proxies = 127.0.0.1, 10.0.0.0/8\n").start()
        try:
            self.assertEqual(self.info(server), 200)  # the proxy itself, no header
            for h in ({"X-Forwarded-For": "203.0.113.5"},
                      {"X-Forwarded-For": "203.0.113.5, 10.1.2.3"},  # skips a trusted hop
                      {"Forwarded": 'for="[2001:db8::7]:443";proto=https'},
                      {"Forwarded": "for=198.51.100.9:1234, for=127.0.0.1"}):
                self.assertEqual(self.info(server, h), 403, h)
            for h in ({"X-Forwarded-For": "::1"}, {"X-Forwarded-For": "not an address"},
                      {"X-Forwarded-For": "10.0.0.1, 127.0.0.1"}):  # all proxies / malformed
                self.assertEqual(self.info(server, h), 200, h)
        finally:
            server.cleanup()

    def test_without_trusted_proxies_the_headers_are_ignored(self):
        server = SandboxServer().start()
        try:
            self.assertEqual(self.info(server, {"X-Forwarded-For": "203.0.113.5"}), 200)
        finally:
            server.cleanup()

    def test_a_bad_proxy_list_stops_start_up(self):
        server = SandboxServer(config="trusted_proxies = 10.0.0.0/33\n")
        server.start(wait=False)
        try:
            server.proc.wait(15)
            self.assertNotEqual(server.proc.returncode, 0)
            self.assertIn("trusted_proxies", server.read_log())
        finally:
            server.cleanup()


class SandboxOffTest(unittest.TestCase):
    def test_a_page_token_switches_the_sandbox_off(self):
        server = Server(extra_args=["--sandbox"]).start()  # harness sets a page token
        try:
            self.assertIn('"event":"sandbox_disabled"', server.read_log())
            self.assertNotIn('"event":"sandbox_mode"', server.read_log())
            for path in ["/sandbox", "/sandbox/api/info", "/sandbox/api/replies?psid=1"]:
                self.assertEqual(server.request("GET", path)[0], 404, path)
            status, _, _ = server.request("POST", RECORDER + "?access_token=" + PAGE_TOKEN, b"{}")
            self.assertEqual(status, 404)
        finally:
            server.cleanup()

    def test_without_sandbox_flag_there_is_no_sandbox(self):
        server = Server().start()
        try:
            self.assertEqual(server.request("GET", "/sandbox")[0], 404)
        finally:
            server.cleanup()

    def test_sandbox_without_page_token_but_no_flag_fails(self):
        server = Server(env={})
        server.env.pop("BORGERBOT_PAGE_TOKEN")
        result = subprocess.run(server.args, env=server.env, capture_output=True, text=True,
                                timeout=20)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("BORGERBOT_PAGE_TOKEN", result.stderr)
        server.cleanup()


if __name__ == "__main__":
    unittest.main()
