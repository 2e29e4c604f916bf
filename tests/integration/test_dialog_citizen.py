"""Tried as a new citizen would (issue 15), end to end: signed webhook ->
worker -> intent engine -> dialog -> outbox -> the fake Graph API.

Crisis kinds and languages (a medical emergency gets 112 and the doctor, not
the suicide line; English gets English), CPR numbers (a friendly warning,
never echoed, masked in the transcript and the case), "hvornår bliver lygten
repareret? jeg skrev i går" (the citizen's own case and its status), "hvad kan
du hjælpe med?" (the topics as quick replies), two matters in one message, a
street-shaped name not in the register, and an acute hazard on the road
(urgent, "ring 112")."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import GraphServerTestCase, envelope, text_event  # noqa: E402

REF = re.compile(r"TM-\d{4}-\d{5}")
CPR = "010190-1234"


class CitizenTest(GraphServerTestCase):
    def say(self, psid, text):
        status, body = self.server.post_webhook(envelope([text_event(psid, text)]))
        self.assertEqual(status, 200, body)

    def replies(self, psid, text, count=1, timeout=10):
        """Sends text and returns the next count message bodies to psid."""
        before = len(self.graph.accepted(psid))
        self.say(psid, text)
        self.graph.wait_for(lambda: len(self.graph.accepted(psid)) >= before + count, timeout,
                            f"{count} replies to {psid}")
        return [r["body"]["message"] for r in self.graph.accepted(psid)[before:before + count]]

    def conversation(self, psid):
        return self.server.query("SELECT mode, urgent, reason FROM conversations WHERE psid = ?",
                                 (psid,))[0]

    # -- crisis kinds and languages --
    def test_medical_emergency_gets_112_and_the_doctor_not_the_suicide_line(self):
        text = self.replies("M1", "min mor på 89 er faldet og kan ikke komme op")[0]["text"]
        self.assertIn("112", text)
        self.assertIn("1813", text)
        self.assertNotIn("Livslinien", text)
        self.assertEqual(self.conversation("M1")[:2], ("waiting_for_staff", 1))

    def test_english_crisis_gets_the_english_crisis_answer(self):
        text = self.replies("E1", "I don't want to live anymore")[0]["text"]
        self.assertIn("call 112", text)
        self.assertIn("Livslinien", text)
        self.assertIn("If you cannot get through", text)
        self.assertNotIn("Tak fordi", text)
        self.assertEqual(self.conversation("E1")[:2], ("waiting_for_staff", 1))

    def test_suicide_answer_makes_no_unchecked_opening_hours_claim(self):
        text = self.replies("S1", "jeg har skrevet et afskedsbrev til min familie")[0]["text"]
        self.assertIn("112", text)
        self.assertIn("Livslinien", text)
        self.assertNotIn("hele døgnet", text)
        # most calls to the line go unanswered: never leave only that one
        self.assertIn("Kommer du ikke igennem", text)

    def test_threat_against_staff_is_a_crisis_with_the_police_number(self):
        text = self.replies("T1", "jeg ved hvor sagsbehandleren bor")[0]["text"]
        self.assertIn("112", text)
        self.assertIn("114", text)

    # -- CPR numbers --
    def test_cpr_number_is_never_echoed_and_masked_everywhere(self):
        msgs = self.replies("P1", f"mit cpr er {CPR} og lygten er ude på Duevej 7", count=2)
        self.assertIn("CPR-nummer", msgs[0]["text"])
        for m in msgs:
            self.assertNotIn("1234", m["text"])
        ref = REF.search(msgs[1]["text"]).group(0)
        description = self.server.scalar("SELECT description FROM cases WHERE reference = ?",
                                         (ref,))
        self.assertNotIn(CPR, description)
        self.assertIn("[CPR-nummer fjernet]", description)
        stored = self.server.scalar("SELECT group_concat(text, '|') FROM messages"
                                    " WHERE direction = 'in'")
        self.assertNotIn("1234", stored)

    def test_cpr_without_dash_with_health_data_and_hostile_lookalikes(self):
        msgs = self.replies("P2", "jeg har sukkersyge og mit cpr nr er 0101901234, kan i hjælpe",
                            count=2)
        self.assertIn("CPR-nummer", msgs[0]["text"])
        self.assertNotIn("0101901234", " ".join(m.get("text", "") for m in msgs))
        # a phone number and a pole number are not CPR numbers: no warning
        msgs = self.replies("P3", "lampe nr 4711 lyser ikke, ring 22334455")
        self.assertNotIn("CPR-nummer", msgs[0]["text"])
        # thirteen digits and an impossible date are left alone
        msgs = self.replies("P4", "sag 3201901234567 om 991399-1234")
        self.assertNotIn("CPR-nummer", msgs[0]["text"])

    # -- the citizen's own case --
    def test_when_will_the_light_be_fixed_answers_with_the_own_case(self):
        first = self.replies("L1", "lygten er ude på Duevej 7")[0]["text"]
        ref = REF.search(first).group(0)
        before = self.server.scalar("SELECT COUNT(*) FROM cases")
        text = self.replies("L1", "hvornår bliver lygten repareret? jeg skrev i går")[0]["text"]
        self.assertIn(ref, text)
        self.assertIn("Duevej 7", text)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM cases"), before)

    def test_status_question_without_a_case_asks_where(self):
        text = self.replies("L2", "hvornår bliver lygten repareret? jeg skrev i går")[0]["text"]
        self.assertIsNone(REF.search(text))
        self.assertIn("Hvor", text)

    # -- what the bot does --
    def test_what_can_you_help_with_lists_the_topics(self):
        msg = self.replies("H1", "hvad kan du hjælpe med?")[0]
        self.assertIn("gadelys", msg["text"])
        titles = [q["title"] for q in msg.get("quick_replies", [])]
        self.assertIn("Gadelys", titles)
        self.assertIn("Tal med en person", titles)
        self.assertEqual(self.conversation("H1")[0], "bot")

    # -- two matters --
    def test_two_matters_in_one_message_are_both_answered_or_asked_about(self):
        msgs = self.replies("D1", "gadelys ude på Duevej 12 – og hvornår har borgerservice åbent?",
                            count=2)
        self.assertRegex(msgs[0]["text"], REF)
        self.assertIn("Borgerservice", msgs[1]["text"])
        msgs = self.replies("D2", "lygten er gået på Rosenvej 3, og så er der også et hul i vejen",
                            count=2)
        self.assertRegex(msgs[0]["text"], REF)
        self.assertIn("Du skrev også om en skade på vej eller fortov", msgs[1]["text"])

    # -- streets not in the register --
    def test_street_shaped_name_not_in_register_is_filed_unverified(self):
        text = self.replies("U1", "gadelampe slukket på Lærkevænget 14B")[0]["text"]
        ref = REF.search(text).group(0)
        self.assertIn("Lærkevænget", text)
        self.assertIn("vejregister", text)
        street, house, desc = self.server.query(
            "SELECT street, house_number, description FROM cases WHERE reference = ?",
            (ref,))[0]
        self.assertEqual((street, house), ("Lærkevænget", "14B"))
        self.assertIn("ikke i vejregistret", desc)

    # -- the right kind of urgency --
    def test_tree_across_the_road_is_an_urgent_case_with_112(self):
        msgs = self.replies("Z1", "der ligger et træ ned over vejen på Møllevej efter stormen",
                            count=2)
        self.assertRegex(msgs[0]["text"], REF)
        self.assertIn("ring 112", msgs[1]["text"])
        mode, urgent, reason = self.conversation("Z1")
        self.assertEqual((mode, urgent, reason), ("waiting_for_staff", 1, "hazard"))

    def test_ordinary_pothole_is_not_urgent(self):
        self.assertRegex(self.replies("Z2", "hul i vejen på Duevej 3")[0]["text"], REF)
        self.assertEqual(self.conversation("Z2")[:2], ("bot", 0))


if __name__ == "__main__":
    unittest.main()
