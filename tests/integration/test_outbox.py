"""Replies: webhook event -> worker -> outbox -> Graph Send API (the fake in
tests/fake_graph.py). Delivery and recording, retries of transient errors,
permanent failures, per-recipient order, the global rate limit, the 24-hour
and 7-day rules for bot and staff replies, text splitting, and what gets no
answer at all. The kill -9 test is in test_outbox_crash.py."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_graph import FakeGraph  # noqa: E402
from harness import BIN, PAGE_ID, PAGE_TOKEN, Server, envelope, new_mid, now_ms, text_event  # noqa: E402

HOUR = 3600 * 1000
DAY = 24 * HOUR

FAST_CONFIG = """
outbox_retry_base_ms = 40
outbox_retry_max_ms = 300
send_rate_per_sec = 1000
graph_timeout_ms = 600
graph_connect_timeout_ms = 300
"""


def messages(reqs):
    return [r for r in reqs if isinstance(r.get("body"), dict) and "message" in r["body"]]


def what(r):
    """A short description of a Send API request: the action or the text."""
    b = r["body"]
    return b.get("sender_action") or b["message"].get("text")


class OutboxTestCase(unittest.TestCase):
    config = FAST_CONFIG

    def server_env(self):
        # a proxy set in the CI environment must not catch loopback traffic
        return {"BORGERBOT_GRAPH_URL": self.graph.url, "no_proxy": "127.0.0.1,localhost",
                "NO_PROXY": "127.0.0.1,localhost"}

    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.server = Server(config=self.config, env=self.server_env()).start()

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result and any(t is self for t, _ in result.errors + result.failures):
            print("---- server log ----\n" + self.server.read_log()[-4000:])
        self.server.cleanup()
        self.graph.stop()

    def send(self, *events):
        status, body = self.server.post_webhook(envelope(list(events)))
        self.assertEqual(status, 200, body)

    def wait_idle(self, timeout=15):
        """Waits until the worker is done and no reply is pending."""
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 0", lambda v: v == 0,
                             timeout=timeout)
        self.server.wait_for("SELECT COUNT(*) FROM outbox WHERE status = 'pending'",
                             lambda v: v == 0, timeout=timeout)

    def rows(self, psid=None):
        sql = ("SELECT id, psid, kind, status, messaging_type, tag, attempts, error_code,"
               " error_subcode, error_message, meta_message_id, origin, body FROM outbox")
        args = ()
        if psid:
            sql += " WHERE psid = ?"
            args = (psid,)
        cols = ["id", "psid", "kind", "status", "messaging_type", "tag", "attempts", "error_code",
                "error_subcode", "error_message", "meta_message_id", "origin", "body"]
        return [dict(zip(cols, r)) for r in self.server.query(sql + " ORDER BY id", args)]

    def staff_reply(self, psid, text):
        return subprocess.run([BIN, "outbox", "send-staff", "--db", self.server.db, "--psid", psid,
                               "--text", text], capture_output=True, text=True, timeout=30)


class DeliveryTest(OutboxTestCase):
    def test_greeting_is_answered_with_sender_actions_first(self):
        self.send(text_event("1001", "Hej"))
        self.graph.wait_for(lambda: len(self.graph.accepted("1001")) == 1)
        self.wait_idle()
        reqs = self.graph.requests("1001")
        self.assertEqual([what(r) for r in reqs][:2], ["mark_seen", "typing_on"])
        self.assertEqual(len(reqs), 3)
        msg = reqs[2]
        self.assertIn("Borgerbot", msg["body"]["message"]["text"])
        self.assertIn("automatisk", msg["body"]["message"]["text"])  # bot disclosure
        self.assertEqual(msg["body"]["messaging_type"], "RESPONSE")
        self.assertNotIn("tag", msg["body"])
        self.assertEqual(msg["path"], "/v25.0/%s/messages" % PAGE_ID)
        for r in reqs:
            self.assertTrue(r["token_ok"])
            self.assertNotIn("access_token", r["query"])  # the token travels in a header
            self.assertEqual(r["headers"]["Content-Type"], "application/json")
            if "sender_action" in r["body"]:
                self.assertNotIn("messaging_type", r["body"])
        rows = self.rows("1001")
        self.assertEqual([r["status"] for r in rows], ["sent"] * 3)
        self.assertEqual(rows[2]["meta_message_id"], msg["answer"]["message_id"])
        self.assertEqual(msg["body"]["message"]["metadata"], "outbox:%d" % rows[2]["id"])
        self.assertEqual(rows[2]["messaging_type"], "RESPONSE")
        cause = self.server.scalar("SELECT cause_event_id FROM outbox WHERE id = ?", (rows[2]["id"],))
        self.assertEqual(cause, self.server.scalar("SELECT id FROM events"))
        self.assertEqual(self.server.scalar("SELECT mode FROM conversations"), "bot")
        self.assertEqual(self.server.metric("borgerbot_outbox_sent_total"), 3)
        self.assertEqual(self.server.metric("borgerbot_outbox_pending"), 0)
        self.assertGreaterEqual(self.server.metric("borgerbot_outbox_send_duration_seconds_count"), 3)

    def test_thanks_and_other_messages(self):
        self.send(text_event("1002", "Tusind tak for hjælpen!"))
        self.graph.wait_for(lambda: len(self.graph.accepted("1002")) == 1)
        self.assertIn("Selv tak", self.graph.accepted("1002")[0]["body"]["message"]["text"])
        # nothing the bot (or the intent engine) recognises: it asks again ...
        self.send(text_event("1002", "Qwerty asdf zxcv"))
        self.graph.wait_for(lambda: len(self.graph.accepted("1002")) == 2)
        self.assertIn("forstod jeg ikke", self.graph.accepted("1002")[1]["body"]["message"]["text"])
        # ... and the second time hands over
        self.send(text_event("1002", "Zxcv qwerty asdf"))
        self.graph.wait_for(lambda: len(self.graph.accepted("1002")) == 3)
        text = self.graph.accepted("1002")[2]["body"]["message"]["text"]
        self.assertIn("videre til en medarbejder", text)
        self.server.wait_for("SELECT mode FROM conversations WHERE psid = '1002'",
                             lambda v: v == "waiting_for_staff")
        # waiting for staff: the bot stays quiet
        self.send(text_event("1002", "Hej igen"))
        self.wait_idle()
        time.sleep(0.3)
        self.assertEqual(len(self.graph.accepted("1002")), 3)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM messages WHERE direction = 'in'"), 4)

    def test_postback_get_started_is_a_greeting(self):
        ev = {"sender": {"id": "1003"}, "recipient": {"id": PAGE_ID}, "timestamp": now_ms(),
              "postback": {"title": "Kom i gang", "payload": "GET_STARTED", "mid": new_mid()}}
        self.send(ev)
        self.graph.wait_for(lambda: len(self.graph.accepted("1003")) == 1)
        self.assertIn("Hej!", self.graph.accepted("1003")[0]["body"]["message"]["text"])

    def test_no_answer_to_echoes_standby_or_redelivery(self):
        echo = {"sender": {"id": PAGE_ID}, "recipient": {"id": "1004"}, "timestamp": now_ms(),
                "message": {"mid": new_mid(), "text": "Fra siden", "is_echo": True, "app_id": 1}}
        self.send(echo)
        standby = {"object": "page", "entry": [{"id": PAGE_ID, "time": now_ms(), "standby": [
            text_event("1005", "Hej fra en anden app")]}]}
        status, _ = self.server.post_webhook(standby)
        self.assertEqual(status, 200)
        ev = text_event("1006", "Hej")
        self.send(ev)
        self.send(ev)  # Meta redelivers the same event
        self.graph.wait_for(lambda: len(self.graph.accepted("1006")) == 1)
        self.wait_idle()
        time.sleep(0.3)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 3)
        self.assertEqual({r["psid"] for r in self.graph.requests()}, {"1006"})
        self.assertEqual(len(self.graph.accepted("1006")), 1)


class FailureTest(OutboxTestCase):
    def test_transient_failures_are_retried_until_sent(self):
        script = [{"status": 500}, {"error_code": 613, "status": 400}, {"drop": True},
                  {"error_code": 80006, "status": 400}, {"error_code": 4, "status": 403},
                  {"delay_ms": 1200}, {"error_code": 1, "status": 500},
                  {"error_code": 2, "status": 503}, {"error_code": 1200, "status": 500}]
        self.graph.script(script, psid="2001")
        self.send(text_event("2001", "Hej"))
        self.graph.wait_for(lambda: len(self.graph.accepted("2001")) == 1, timeout=30)
        self.wait_idle(30)
        reqs = self.graph.requests("2001")
        self.assertEqual(len(reqs), len(script) + 3)
        # order kept: every mark_seen attempt before typing_on before the text
        seq = [what(r) for r in reqs]
        self.assertEqual(seq[-1], self.graph.accepted("2001")[0]["body"]["message"]["text"])
        self.assertEqual(seq.index("typing_on"), len(script) + 1)
        rows = self.rows("2001")
        self.assertEqual([r["status"] for r in rows], ["sent"] * 3)
        # libcurl itself re-sends once on a fresh connection when a reused one
        # was dropped before any answer, so the drop may not cost an attempt
        self.assertIn(rows[0]["attempts"], (len(script), len(script) + 1))
        self.assertIsNone(rows[0]["error_code"])
        self.assertEqual(self.server.metric("borgerbot_outbox_retried_total"),
                         rows[0]["attempts"] - 1)
        self.assertIn('"event":"outbox_retry"', self.server.read_log())
        self.assertNotIn(PAGE_TOKEN, self.server.read_log())

    def test_permanent_failures_are_recorded_and_not_retried(self):
        cases = [("2002", {"error_code": 551, "status": 400,
                           "message": "(#551) This person isn't available right now."},
                  551, 0, "unavailable"),
                 ("2003", {"error_code": 10, "error_subcode": 2018278, "status": 400,
                           "message": "(#10) This message is sent outside of allowed window."},
                  10, 2018278, "window_closed"),
                 ("2004", {"error_code": 100, "status": 400, "message": "(#100) Invalid parameter"},
                  100, 0, "bad_request"),
                 ("2005", {"error_code": 190, "status": 401, "message": "Error validating access token"},
                  190, 0, "token")]
        for psid, spec, *_ in cases:
            self.graph.script([{}, {}, spec], psid=psid)  # the text itself fails
            self.send(text_event(psid, "Hej"))
        self.wait_idle()
        time.sleep(0.5)  # several retry periods: nothing more may be tried
        for psid, spec, code, sub, reason in cases:
            rows = self.rows(psid)
            self.assertEqual([r["status"] for r in rows], ["sent", "sent", "failed"], psid)
            self.assertEqual(rows[2]["attempts"], 1)
            self.assertEqual(rows[2]["error_code"], code)
            self.assertEqual(rows[2]["error_subcode"], sub or None)
            self.assertEqual(rows[2]["error_message"], spec["message"])
            self.assertEqual(len(messages(self.graph.requests(psid))), 1)
            self.assertEqual(
                self.server.metric('borgerbot_outbox_failed_total{reason="%s"}' % reason), 1)
        listing = subprocess.run([BIN, "outbox", "list", "--db", self.server.db, "--status",
                                  "failed"], capture_output=True, text=True, timeout=30)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        failed = [json.loads(line) for line in listing.stdout.splitlines()]
        self.assertEqual(sorted(f["error_code"] for f in failed), [10, 100, 190, 551])
        # an operator can queue a failed reply again
        retry = subprocess.run([BIN, "outbox", "retry", str(self.rows("2004")[2]["id"]), "--db",
                                self.server.db], capture_output=True, text=True, timeout=30)
        self.assertEqual(retry.returncode, 0, retry.stderr)
        self.graph.wait_for(lambda: len(self.graph.accepted("2004")) == 1)

    def test_one_recipient_failing_does_not_hold_up_others_and_order_is_kept(self):
        self.graph.script([{"status": 500}], psid="3001", sticky=True)
        texts = ["Hej", "Tak", "Jeg vil gerne tale med en medarbejder", "Tak"]  # 3rd: hand-over
        for i, t in enumerate(texts):
            self.send(text_event("3001", t, ts=now_ms() + i), text_event("3002", t, ts=now_ms() + i))
        # 3002 gets hello, thanks, the hand-over; then waits for staff
        self.graph.wait_for(lambda: len(self.graph.accepted("3002")) == 3, timeout=15)
        got = [r["body"]["message"]["text"] for r in self.graph.accepted("3002")]
        self.assertTrue(got[0].startswith("Hej!") and got[1].startswith("Selv tak"), got)
        self.assertIn("medarbejder", got[2])
        self.assertEqual(self.graph.accepted("3001"), [])
        self.server.wait_for("SELECT attempts FROM outbox WHERE psid = '3001' ORDER BY id LIMIT 1",
                             lambda v: v > 1)
        # only the head of 3001's queue was tried
        self.assertEqual({what(r) for r in self.graph.requests("3001")}, {"mark_seen"})
        self.graph.reset(requests=False)
        self.graph.wait_for(lambda: len(self.graph.accepted("3001")) == 3, timeout=15)
        self.wait_idle()
        got1 = [r["body"]["message"]["text"] for r in self.graph.accepted("3001")]
        self.assertEqual(got1, got)
        ids = [int(r["body"]["message"]["metadata"].split(":")[1])
               for r in self.graph.accepted("3001")]
        self.assertEqual(ids, sorted(ids))
        seq = [what(r) for r in self.graph.requests("3001") if r.get("status") == 200]
        self.assertEqual(seq[:3], ["mark_seen", "typing_on", got[0]])


class GiveUpTest(OutboxTestCase):
    config = FAST_CONFIG + "outbox_max_attempts = 3\n"

    def test_transient_failures_give_up_after_max_attempts(self):
        self.graph.script([{"status": 502}], psid="2101", sticky=True)
        self.send(text_event("2101", "Hej"))
        self.server.wait_for("SELECT COUNT(*) FROM outbox WHERE psid = '2101' AND status = 'failed'",
                             lambda v: v == 3)
        rows = self.rows("2101")
        self.assertEqual([r["attempts"] for r in rows], [3, 3, 3])
        self.assertTrue(rows[0]["error_message"].startswith("gave up after 3 attempts"))
        self.assertEqual(len(self.graph.requests("2101")), 9)
        self.assertEqual(self.server.metric('borgerbot_outbox_failed_total{reason="gave_up"}'), 3)


class ProxyTest(OutboxTestCase):
    """The standard proxy variables are honoured (libcurl reads them): the
    fake Graph stands in for the municipality's outbound proxy."""

    def server_env(self):
        proxy = "http://127.0.0.1:%d" % self.graph.port
        return {"BORGERBOT_GRAPH_URL": "http://graph.example.invalid/v25.0",
                "http_proxy": proxy, "HTTPS_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""}

    def test_requests_go_through_the_proxy(self):
        self.send(text_event("4501", "Hej"))
        self.graph.wait_for(lambda: len(self.graph.accepted("4501")) == 1)
        reqs = self.graph.requests("4501")
        self.assertTrue(all(r["via_proxy"] for r in reqs))
        self.assertEqual(reqs[0]["path"], "/v25.0/%s/messages" % PAGE_ID)
        self.assertTrue(all(r["token_ok"] for r in reqs))


class PageTokensTest(OutboxTestCase):
    """BORGERBOT_PAGE_TOKEN may list one token per page."""

    def server_env(self):
        env = super().server_env()
        env["BORGERBOT_PAGE_TOKEN"] = "%s=%s,555=another-pages-token" % (PAGE_ID, PAGE_TOKEN)
        return env

    def test_each_page_uses_its_own_token(self):
        self.send(text_event("4601", "Hej"))
        other = {"object": "page", "entry": [{"id": "777", "time": now_ms(), "messaging": [
            text_event("4602", "Hej", page="777")]}]}
        status, _ = self.server.post_webhook(other)
        self.assertEqual(status, 200)
        self.graph.wait_for(lambda: len(self.graph.accepted("4601")) == 1)
        self.assertTrue(all(r["token_ok"] for r in self.graph.requests("4601")))
        # page 777 has no token: nothing is sent, the rows fail with a reason
        self.server.wait_for("SELECT COUNT(*) FROM outbox WHERE psid = '4602' AND status = 'failed'",
                             lambda v: v == 3)
        self.assertEqual(self.graph.requests("4602"), [])
        self.assertIn("no page access token", self.rows("4602")[0]["error_message"])
        self.assertEqual(self.server.metric('borgerbot_outbox_failed_total{reason="token"}'), 3)


class RateLimitTest(OutboxTestCase):
    config = FAST_CONFIG.replace("send_rate_per_sec = 1000", "send_rate_per_sec = 10")

    def test_send_rate_is_capped(self):
        for i in range(6):
            self.send(text_event("40%02d" % i, "Hej"))
        self.graph.wait_for(lambda: len(self.graph.accepted()) == 6, timeout=20)
        times = sorted(r["time"] for r in self.graph.requests())
        self.assertEqual(len(times), 18)
        # token bucket of 10/s with a burst of 1: n requests need (n - 1) / 10 s
        for i in range(len(times)):
            for j in range(i + 1, len(times)):
                self.assertGreaterEqual(times[j] - times[i], (j - i - 1) / 10 - 0.03, (i, j))


class WindowTest(OutboxTestCase):
    def test_bot_answers_only_inside_24_hours(self):
        self.send(text_event("5001", "Hej", ts=now_ms() - 23 * HOUR))
        self.send(text_event("5002", "Hej", ts=now_ms() - 25 * HOUR))
        self.graph.wait_for(lambda: len(self.graph.accepted("5001")) == 1)
        self.wait_idle()
        self.assertEqual(self.graph.accepted("5001")[0]["body"]["messaging_type"], "RESPONSE")
        self.assertEqual(self.graph.requests("5002"), [])
        rows = self.rows("5002")
        self.assertEqual([r["status"] for r in rows], ["refused"])
        self.assertIn("24-hour window", rows[0]["error_message"])
        self.assertEqual(self.server.metric("borgerbot_outbox_refused_total"), 1)

    def test_queued_bot_reply_is_refused_when_the_window_closes_while_waiting(self):
        # the window (24 h less the 60 s safety margin) closes 2.5 s from now
        ts = now_ms() - 24 * HOUR + 60 * 1000 + 2500
        self.graph.script([{"status": 500}], psid="5003", sticky=True)
        self.send(text_event("5003", "Hej", ts=ts))
        self.server.wait_for("SELECT COUNT(*) FROM outbox WHERE psid = '5003' AND status = 'pending'",
                             lambda v: v == 3)
        time.sleep(3)
        self.graph.reset(requests=False)
        self.wait_idle()
        self.assertEqual([r["status"] for r in self.rows("5003")], ["refused"] * 3)
        self.assertEqual(self.graph.accepted("5003", messages_only=False), [])

    def test_staff_replies_follow_the_24_hour_and_7_day_rules(self):
        cases = [("6001", 2 * HOUR, "RESPONSE", None),
                 ("6002", 3 * DAY, "MESSAGE_TAG", "HUMAN_AGENT"),
                 ("6003", 6 * DAY + 20 * HOUR, "MESSAGE_TAG", "HUMAN_AGENT"),
                 ("6004", 8 * DAY, None, None)]
        for psid, age, _, _ in cases:
            self.send(text_event(psid, "Der er hul i vejen", ts=now_ms() - age))
        self.wait_idle()
        self.graph.reset()
        for psid, age, mtype, tag in cases:
            result = self.staff_reply(psid, "Hej, vi har sendt en vejmand ud. Mvh. Karen, Vej og Park")
            if mtype is None:
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertEqual(json.loads(result.stdout)["status"], "refused")
                self.assertIn("7 days", result.stderr)
                continue
            self.assertEqual(result.returncode, 0, result.stderr)
            out = json.loads(result.stdout)
            self.assertEqual(out["messaging_type"], mtype)
            self.graph.wait_for(lambda: len(self.graph.accepted(psid)) == 1)
            body = self.graph.accepted(psid)[0]["body"]
            self.assertEqual(body["messaging_type"], mtype)
            self.assertEqual(body.get("tag"), tag)
            self.assertEqual(self.graph.requests(psid)[0]["body"]["message"]["text"],
                             "Hej, vi har sendt en vejmand ud. Mvh. Karen, Vej og Park")
        self.wait_idle()
        self.assertEqual(self.graph.requests("6004"), [])
        staff = self.server.query("SELECT psid, status, messaging_type, tag FROM outbox"
                                  " WHERE origin = 'staff' ORDER BY psid")
        self.assertEqual(staff, [("6001", "sent", "RESPONSE", None),
                                 ("6002", "sent", "MESSAGE_TAG", "HUMAN_AGENT"),
                                 ("6003", "sent", "MESSAGE_TAG", "HUMAN_AGENT"),
                                 ("6004", "refused", None, None)])
        # no tag but HUMAN_AGENT ever leaves
        tags = {r["body"].get("tag") for r in self.graph.requests()}
        self.assertLessEqual(tags, {None, "HUMAN_AGENT"})

    def test_staff_reply_to_unknown_citizen(self):
        result = self.staff_reply("999999", "Hej")
        self.assertEqual(result.returncode, 1)
        self.assertIn("no conversation", result.stderr)


class TextTest(OutboxTestCase):
    def test_long_staff_text_is_split_at_sentences_in_order(self):
        self.send(text_event("7001", "Hvornår bliver der ryddet sne på Åvej?"))
        self.wait_idle()
        self.graph.reset()
        sentence = "Sneryddningen på Åvej følger vinterplanen for boligveje, og den kører efter hovedvejene. "
        text = sentence * 50  # 4450 code points
        result = self.staff_reply("7001", text)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["messages"], 3)
        self.graph.wait_for(lambda: len(self.graph.accepted("7001")) == 3)
        parts = [r["body"]["message"]["text"] for r in self.graph.accepted("7001")]
        for p in parts:
            self.assertLessEqual(len(p), 2000)
            self.assertTrue(p.endswith("hovedvejene."), p[-30:])
        self.assertEqual(" ".join(parts), text.strip())


if __name__ == "__main__":
    unittest.main()
