"""Hand-over that a person can finish (issue 9), over real HTTP with the fake
Graph API: a citizen asks for a person, staff take the chat (the citizen is
told who writes), answer, hand back (the bot answers again); an echo from
Meta's Page Inbox silences the bot until thread control comes back; a
crisis in every mode gets the 112 answer and is urgent; an out-of-hours
hand-over names the next staffed time; SLA breaches and idle chats; a new
conversation after 'closed'; and bad input on every endpoint."""
import datetime
import json
import os
import re
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
from harness import (BIN, PAGE_ID, PAGE_TOKEN, ROOT, Server, envelope, new_mid,  # noqa: E402
                     now_ms, text_event)

APP_ID = "1122334455"
PAGE_INBOX = 263902037430900
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")
DAYS = ["man", "tir", "ons", "tor", "fre", "lør", "søn"]

CONFIG = """
outbox_retry_base_ms = 40
outbox_retry_max_ms = 300
send_rate_per_sec = 1000
conversation_sweep_s = 1
staff_idle_return_minutes = 1
"""


def municipality(staffed_rows):
    """A copy of the demo municipality with its own staffed hours."""
    d = tempfile.mkdtemp(prefix="borgerbot-muni-")
    shutil.rmtree(d)
    shutil.copytree(os.path.join(ROOT, "municipality"), d)
    with open(os.path.join(d, "staffed_hours.csv"), "w") as f:
        f.write("department,days,opens,closes\n" + "".join(r + "\n" for r in staffed_rows))
    return d


ALWAYS = ["Borgerservice,man-søn,00:00,23:59", "Vej og Park,man-søn,00:00,23:59"]


def echo_event(psid, text, app_id):
    return {"sender": {"id": PAGE_ID}, "recipient": {"id": psid}, "timestamp": now_ms(),
            "message": {"mid": new_mid(), "is_echo": True, "app_id": app_id, "text": text}}


def control_event(psid, new_owner, previous=None):
    return {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now_ms(),
            "pass_thread_control": {"new_owner_app_id": new_owner,
                                    "previous_owner_app_id": previous, "metadata": "test"}}


class HandoverTestCase(unittest.TestCase):
    staffed = ALWAYS
    config_extra = ""

    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.muni = municipality(self.staffed)
        env = {"BORGERBOT_GRAPH_URL": self.graph.url, "BORGERBOT_APP_ID": APP_ID,
               "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}
        self.server = Server(["--municipality-dir", self.muni], config=CONFIG + self.config_extra,
                             env=env).start()
        self.key = self.cli("apikey", "create", "vejogpark", "--scope",
                            "conversations,cases").stdout.strip()

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result and any(t is self for t, _ in result.errors + result.failures):
            print("---- server log ----\n" + self.server.read_log()[-4000:])
        self.server.cleanup()
        self.graph.stop()
        shutil.rmtree(self.muni, ignore_errors=True)

    # -- helpers --
    def cli(self, *args):
        proc = subprocess.run([BIN] + list(args) + ["--db", self.server.db],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc

    def send(self, *events):
        status, body = self.server.post_webhook(envelope(list(events)))
        self.assertEqual(status, 200, body)

    def texts(self, psid):
        return [r["body"]["message"].get("text") for r in self.graph.accepted(psid)]

    def wait_text(self, psid, n):
        """Waits until psid has received n messages; returns their texts."""
        self.graph.wait_for(lambda: len(self.graph.accepted(psid)) >= n, timeout=15,
                            what="%d messages to %s" % (n, psid))
        return self.texts(psid)

    def say(self, psid, text, n):
        self.send(text_event(psid, text))
        return self.wait_text(psid, n)

    def api(self, method, path, body=None, key=None, headers=None):
        h = {"Authorization": "Bearer " + (key or self.key)}
        if body is not None:
            h["Content-Type"] = "application/json"
            body = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.update(headers or {})
        status, data, _ = self.server.request(method, path, body, h)
        return status, json.loads(data) if data else None

    def conversation_of(self, psid):
        return self.server.scalar(
            "SELECT id FROM conversations WHERE psid = ? ORDER BY id DESC LIMIT 1", (psid,))

    def mode_of(self, psid):
        return self.server.scalar(
            "SELECT mode FROM conversations WHERE psid = ? ORDER BY id DESC LIMIT 1", (psid,))

    def write(self, sql, args=()):
        """Changes the database behind the server's back (to stage the past)."""
        db = sqlite3.connect(self.server.db, timeout=10)
        with db:
            db.execute(sql, args)
        db.close()

    def quiet(self, psid, n, seconds=0.5):
        """The worker is done and psid still has only n messages."""
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 0", lambda v: v == 0)
        time.sleep(seconds)
        self.assertEqual(len(self.graph.accepted(psid)), n, self.texts(psid))


class LifecycleTest(HandoverTestCase):
    def test_ask_take_reply_hand_back_and_the_bot_answers_again(self):
        texts = self.say("U1", "Jeg vil gerne tale med en medarbejder", 1)
        self.assertIn("medarbejder", texts[0])
        self.server.wait_for("SELECT mode FROM conversations WHERE psid = 'U1'",
                             lambda v: v == "waiting_for_staff")
        status, queue = self.api("GET", "/api/conversations")
        self.assertEqual(status, 200)
        self.assertEqual(queue["count"], 1)
        conv = queue["conversations"][0]
        self.assertEqual((conv["mode"], conv["reason"], conv["department"]),
                         ("waiting_for_staff", "citizen_asked", "Borgerservice"))
        self.assertEqual(conv["last_message"], "Jeg vil gerne tale med en medarbejder")
        self.assertTrue(conv["window"]["bot_can_send"])
        cid = conv["id"]

        status, out = self.api("POST", "/api/conversations/%d/take" % cid,
                               {"name": "Mette", "department": "Vej og Park"})
        self.assertEqual((status, out["from"], out["mode"]), (200, "waiting_for_staff", "staff"))
        texts = self.wait_text("U1", 2)
        self.assertEqual(texts[1], "Du skriver nu med Mette fra Vej og Park.")

        status, out = self.api("POST", "/api/conversations/%d/reply" % cid,
                               {"text": "Hej, jeg kigger på det med det samme."})
        self.assertEqual((status, out["messaging_type"]), (200, "RESPONSE"))
        texts = self.wait_text("U1", 3)
        self.assertEqual(texts[2], "Hej, jeg kigger på det med det samme.")
        sent = self.graph.accepted("U1")[2]["body"]
        self.assertEqual(sent["messaging_type"], "RESPONSE")
        self.assertEqual(self.server.scalar(
            "SELECT author FROM outbox WHERE origin = 'staff' AND body LIKE '%kigger%'"),
            "vejogpark")

        # while a person has it, the bot stays quiet
        self.send(text_event("U1", "Tak, det er Duevej 12"))
        self.quiet("U1", 3)

        status, out = self.api("POST", "/api/conversations/%d/handback" % cid, {})
        self.assertEqual((status, out["mode"]), (200, "bot"))
        texts = self.wait_text("U1", 4)
        self.assertTrue(texts[3].startswith("Du skriver igen med Borgerbot"), texts[3])
        texts = self.say("U1", "Hej", 5)
        self.assertIn("Borgerbot", texts[4])  # the bot's greeting

        status, detail = self.api("GET", "/api/conversations/%d" % cid)
        self.assertEqual(status, 200)
        self.assertEqual([t["reason"] for t in detail["transitions"]],
                         ["citizen_asked", "staff_took", "handed_back"])
        self.assertEqual(detail["transitions"][1]["actor"], "vejogpark")
        froms = [m["from"] for m in detail["messages"]]
        self.assertIn("staff", froms)
        self.assertIn("citizen", froms)
        self.assertIn("bot", froms)
        self.assertEqual(
            self.server.metric('borgerbot_handovers_total{reason="citizen_asked"}'), 1)

    def test_transfer_note_close_and_a_new_conversation(self):
        self.say("U2", "Jeg vil klage over jeres sagsbehandling", 1)
        cid = self.conversation_of("U2")
        status, out = self.api("POST", "/api/conversations/%d/transfer" % cid,
                               {"department": "Vej og Park", "note": "om vejarbejdet"})
        self.assertEqual((status, out["mode"]), (200, "waiting_for_staff"))
        self.assertIn("Vej og Park", self.wait_text("U2", 2)[1])
        status, out = self.api("POST", "/api/conversations/%d/notes" % cid,
                               {"text": "Borgeren har ringet før <b>to gange</b>"})
        self.assertEqual(status, 200)
        self.assertGreater(out["note_id"], 0)
        status, queue = self.api("GET", "/api/conversations?department=Vej%20og%20Park")
        self.assertEqual([c["id"] for c in queue["conversations"]], [cid])
        status, out = self.api("POST", "/api/conversations/%d/close" % cid, {})
        self.assertEqual((status, out["mode"]), (200, "closed"))
        # notes are never sent to the citizen
        self.assertFalse(any("to gange" in t for t in self.texts("U2")))
        # the citizen writes again: a new conversation, with the bot
        self.say("U2", "Hej", 3)
        self.assertGreater(self.conversation_of("U2"), cid)
        self.assertEqual(self.mode_of("U2"), "bot")
        status, detail = self.api("GET", "/api/conversations/%d" % cid)
        self.assertEqual(detail["notes"][0]["text"], "Borgeren har ringet før <b>to gange</b>")
        self.assertEqual(detail["mode"], "closed")


class PageInboxTest(HandoverTestCase):
    def test_echo_from_page_inbox_silences_the_bot_until_control_returns(self):
        self.say("P1", "Hej", 1)
        # our own echo changes nothing
        self.send(echo_event("P1", self.texts("P1")[0], int(APP_ID)))
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 0", lambda v: v == 0)
        self.assertEqual(self.mode_of("P1"), "bot")
        # a person answers in Meta's Page Inbox
        self.send(echo_event("P1", "Hej, det er Lise fra kommunen", PAGE_INBOX))
        self.server.wait_for("SELECT mode FROM conversations WHERE psid = 'P1'",
                             lambda v: v == "staff")
        self.assertEqual(self.server.scalar(
            "SELECT reason FROM conversation_transitions ORDER BY id DESC LIMIT 1"),
            "page_inbox")
        self.send(text_event("P1", "Der er et hul i vejen på Duevej 3"))
        self.quiet("P1", 1)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM cases"), 0)
        # the Page Inbox's reply is in the transcript
        status, detail = self.api("GET", "/api/conversations/%d" % self.conversation_of("P1"))
        self.assertIn(("page_inbox", "Hej, det er Lise fra kommunen"),
                      [(m["from"], m["text"]) for m in detail["messages"]])
        # control comes back to Borgerbot
        self.send(control_event("P1", APP_ID, PAGE_INBOX))
        texts = self.wait_text("P1", 2)
        self.assertTrue(texts[1].startswith("Du skriver igen med Borgerbot"), texts[1])
        self.assertEqual(self.mode_of("P1"), "bot")
        self.assertIn("Borgerbot", self.say("P1", "Hej", 3)[2])

    def test_staff_taking_a_thread_the_page_inbox_owns_takes_control_first(self):
        self.say("P2", "Hej", 1)
        self.send(control_event("P2", str(PAGE_INBOX), APP_ID))
        self.server.wait_for("SELECT mode FROM conversations WHERE psid = 'P2'",
                             lambda v: v == "staff")
        cid = self.conversation_of("P2")
        status, _ = self.api("POST", "/api/conversations/%d/reply" % cid, {"text": "Hej igen"})
        self.assertEqual(status, 200)
        self.wait_text("P2", 3)  # greeting, disclosure, the reply
        sent = self.graph.accepted("P2", messages_only=False)
        order = [r["endpoint"] if r["endpoint"] != "messages" else
                 (r["body"].get("message") or {}).get("text", "action") for r in sent]
        self.assertIn("take_thread_control", order)
        self.assertLess(order.index("take_thread_control"),
                        order.index("Du skriver nu med en medarbejder fra kommunen."), order)
        self.assertEqual(order[-1], "Hej igen")


class PassToPageInboxTest(HandoverTestCase):
    config_extra = "pass_thread_to_page_inbox = yes\n"

    def test_hand_over_passes_control_and_hand_back_takes_it(self):
        self.say("Q1", "Jeg vil gerne tale med en medarbejder", 1)
        handover = self.graph.accepted("Q1")[-1]["body"]
        self.assertEqual(handover["thread_control"],
                         {"control_type": "pass", "app_id": str(PAGE_INBOX)})
        cid = self.conversation_of("Q1")
        self.assertEqual(self.server.scalar(
            "SELECT thread_owner_app_id FROM conversations WHERE id = ?", (cid,)),
            str(PAGE_INBOX))
        status, _ = self.api("POST", "/api/conversations/%d/handback" % cid, {})
        self.assertEqual(status, 200)
        self.wait_text("Q1", 2)
        order = [r["endpoint"] if r["endpoint"] != "messages" else "messages"
                 for r in self.graph.accepted("Q1", messages_only=False)]
        self.assertEqual(order[-2:], ["take_thread_control", "messages"])
        self.assertTrue(self.texts("Q1")[1].startswith("Du skriver igen med Borgerbot"))


class CrisisTest(HandoverTestCase):
    def test_crisis_in_every_mode_gets_112_and_is_urgent(self):
        crisis = "jeg kan ikke mere, jeg vil ikke leve længere"
        # bot
        self.assertIn("112", self.say("K1", crisis, 1)[0])
        # waiting for staff
        self.say("K2", "Jeg vil gerne tale med en medarbejder", 1)
        self.server.wait_for("SELECT mode FROM conversations WHERE psid = 'K2'",
                             lambda v: v == "waiting_for_staff")
        self.assertIn("112", self.say("K2", crisis, 2)[1])
        # with a person
        self.say("K3", "Jeg vil gerne tale med en medarbejder", 1)
        cid = self.conversation_of("K3")
        self.assertEqual(self.api("POST", "/api/conversations/%d/take" % cid,
                                  {"name": "Mette"})[0], 200)
        self.wait_text("K3", 2)
        self.assertIn("112", self.say("K3", crisis, 3)[2])
        self.assertEqual(self.mode_of("K3"), "staff")
        for psid in ("K1", "K2", "K3"):
            self.assertEqual(self.server.scalar(
                "SELECT urgent FROM conversations WHERE psid = ?", (psid,)), 1, psid)
        self.assertEqual(self.server.metric("borgerbot_crisis_messages_total"), 3)
        # urgent chats come first in the queue
        status, queue = self.api("GET", "/api/conversations")
        self.assertTrue(all(c["urgent"] for c in queue["conversations"][:3]))
        status, urgent = self.api("GET", "/api/conversations?urgent=1&mode=waiting_for_staff")
        self.assertEqual({c["psid"] for c in urgent["conversations"]}, {"K1", "K2"})


class TimersTest(HandoverTestCase):
    def test_sla_breach_is_counted_and_idle_staff_chat_returns(self):
        self.say("T1", "Jeg vil gerne tale med en medarbejder", 1)
        cid = self.conversation_of("T1")
        # the hand-over happened three hours ago (Borgerservice promises one)
        self.write("UPDATE conversations SET handed_over_at = handed_over_at - 3 * 3600000"
                   " WHERE id = ?", (cid,))
        deadline = time.time() + 10
        while (self.server.metric('borgerbot_sla_breaches_total{target="first_response"}') < 1
               and time.time() < deadline):
            time.sleep(0.1)
        self.assertEqual(
            self.server.metric('borgerbot_sla_breaches_total{target="first_response"}'), 1)
        status, detail = self.api("GET", "/api/conversations/%d" % cid)
        self.assertEqual(detail["sla"]["breached"], ["first_response"])
        # a person takes it, then goes quiet for longer than the idle time
        self.assertEqual(self.api("POST", "/api/conversations/%d/take" % cid, {})[0], 200)
        self.wait_text("T1", 2)
        self.write("UPDATE conversations SET staff_last_at = staff_last_at - 120000"
                   " WHERE id = ?", (cid,))
        texts = self.wait_text("T1", 3)
        self.assertIn("stille", texts[2])
        self.assertEqual(self.mode_of("T1"), "bot")
        self.assertEqual(self.server.metric("borgerbot_conversations_idle_returned_total"), 1)
        self.assertEqual(self.server.scalar(
            "SELECT reason FROM conversation_transitions ORDER BY id DESC LIMIT 1"),
            "idle_timeout")


def two_days_ahead():
    """A staffed-hours row open only in the morning two days from now."""
    day = (datetime.datetime.now(CPH) + datetime.timedelta(days=2)).weekday()
    return ["Borgerservice,%s,08:00,09:00" % DAYS[day]]


class OutOfHoursTest(HandoverTestCase):
    staffed = two_days_ahead()

    def test_out_of_hours_hand_over_names_the_next_staffed_time(self):
        text = self.say("O1", "Jeg vil gerne tale med en medarbejder", 1)[0]
        self.assertIn("ingen medarbejdere på arbejde", text)
        self.assertRegex(text, r"(mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)"
                               r"( den \d+\. \w+)? kl\. 8\.00")


class BadInputTest(HandoverTestCase):
    def test_every_endpoint_refuses_bad_requests(self):
        self.say("B1", "Jeg vil gerne tale med en medarbejder", 1)
        cid = self.conversation_of("B1")
        base = "/api/conversations/%d" % cid
        # no key, a wrong key, a key without the scope
        status, _, hdrs = self.server.request("GET", "/api/conversations")
        self.assertEqual(status, 401)
        self.assertEqual(self.api("GET", "/api/conversations", key="bbk_" + "0" * 48)[0], 401)
        cases_only = self.cli("apikey", "create", "cases-only", "--scope",
                              "cases").stdout.strip()
        self.assertEqual(self.api("GET", "/api/conversations", key=cases_only)[0], 403)
        self.assertEqual(self.api("POST", base + "/take", {}, key=cases_only)[0], 403)
        # unknown ids and paths, wrong methods
        self.assertEqual(self.api("GET", "/api/conversations/999999")[0], 404)
        self.assertEqual(self.api("POST", "/api/conversations/999999/take", {})[0], 404)
        for path in ("/api/conversations/abc", "/api/conversations/0",
                     "/api/conversations/-1/take", base + "/explode",
                     "/api/conversations/99999999999999999999", "/api/conversationsx"):
            self.assertEqual(self.api("GET", path)[0], 404, path)
        self.assertEqual(self.api("POST", base, {})[0], 405)
        self.assertEqual(self.api("GET", base + "/take")[0], 405)
        # bodies: not JSON, wrong type, too large, oversized and empty text
        self.assertEqual(self.api("POST", base + "/reply", b"not json")[0], 400)
        self.assertEqual(self.api("POST", base + "/reply", b"[1,2]")[0], 400)
        self.assertEqual(self.api("POST", base + "/reply", {"text": 5})[0], 400)
        self.assertEqual(self.api("POST", base + "/reply", {"text": "x" * 4001})[0], 400)
        self.assertEqual(self.api("POST", base + "/reply", {"text": " \n "})[0], 400)
        self.assertEqual(self.api("POST", base + "/reply", {"text": "a\u0000b"})[0], 400)
        self.assertEqual(self.api("POST", base + "/reply", b"{\"text\": \"" + b"x" * 20000 +
                                  b"\"}")[0], 413)
        self.assertEqual(self.api("POST", base + "/reply", {"text": "hej"},
                                  headers={"Content-Type": "text/plain"})[0], 415)
        self.assertEqual(self.api("POST", base + "/transfer", {"department": "Månen"})[0], 400)
        self.assertEqual(self.api("GET", "/api/conversations?mode=robot")[0], 400)
        self.assertEqual(self.api("GET", "/api/conversations?limit=0")[0], 400)
        self.assertEqual(self.api("GET", "/api/conversations?urgent=2")[0], 400)
        self.assertEqual(self.api("GET", "/api/conversations?department=" + "x" * 200)[0], 400)
        # nothing above changed the conversation or sent anything
        self.assertEqual(self.mode_of("B1"), "waiting_for_staff")
        self.quiet("B1", 1, seconds=0.2)
        # wrong mode: hand back what the bot has, anything on a closed chat
        self.assertEqual(self.api("POST", base + "/close", {})[0], 200)
        for action, body in (("take", {}), ("reply", {"text": "hej"}), ("handback", {}),
                             ("close", {}), ("transfer", {"department": "Vej og Park"})):
            status, err = self.api("POST", base + "/" + action, body)
            self.assertEqual(status, 409, action)
            self.assertIn("closed", err["error"]["message"])

    def test_reply_after_seven_days_is_refused_and_changes_nothing(self):
        self.say("B2", "Jeg vil gerne tale med en medarbejder", 1)
        cid = self.conversation_of("B2")
        self.write("UPDATE conversations SET last_inbound_at = last_inbound_at - 8 * 86400000"
                   " WHERE id = ?", (cid,))
        status, err = self.api("POST", "/api/conversations/%d/reply" % cid, {"text": "Hej"})
        self.assertEqual(status, 409)
        self.assertIn("Meta", err["error"]["message"])
        self.assertEqual(self.mode_of("B2"), "waiting_for_staff")  # not even taken
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM outbox WHERE origin = 'staff'"),
                         0)
        # after 24 hours but within 7 days: HUMAN_AGENT
        self.write("UPDATE conversations SET last_inbound_at = ? WHERE id = ?",
                   (now_ms() - 2 * 86400000, cid))
        status, out = self.api("POST", "/api/conversations/%d/reply" % cid, {"text": "Hej"})
        self.assertEqual((status, out["messaging_type"], out["tag"]),
                         (200, "MESSAGE_TAG", "HUMAN_AGENT"))
        self.graph.wait_for(lambda: any(r["body"].get("tag") == "HUMAN_AGENT"
                                        for r in self.graph.accepted("B2")))


if __name__ == "__main__":
    unittest.main()
