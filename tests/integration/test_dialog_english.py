"""Answers in the citizen's language (issue 15), end to end: signed webhook ->
worker -> intent engine (lang) -> dialog -> outbox -> the fake Graph API.

An English message gets English: case confirmations with the category's
English subject, the "where?" question and its quick reply, the answer after
a bare "Duevej 7" (the question's language counts), waste days, opening hours
and winter answers from the data files' English columns, the help text and
its quick-reply titles, and the not-understood answer. A Danish message
stays Danish."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness import GraphServerTestCase, envelope, text_event  # noqa: E402

REF = re.compile(r"TM-\d{4}-\d{5}")
# Danish words of the bot's own sentences; data values (street and
# department names such as "Vej og Park") are stripped before the check.
DANISH = re.compile(r"\b(Tak|du|dig|jeg|vi|ikke|har|hos|Skriv|kommunens|medarbejder)\b")
NAMES = ("Vej og Park", "Affald og Genbrug", "Borgerservice")


class EnglishTest(GraphServerTestCase):
    def post(self, event):
        status, body = self.server.post_webhook(envelope([event]))
        self.assertEqual(status, 200, body)

    def replies(self, psid, text, count=1, payload=None, timeout=10):
        """Sends text (a quick-reply tap when payload is given) and returns the
        next count message bodies to psid."""
        before = len(self.graph.accepted(psid))
        ev = text_event(psid, text)
        if payload:
            ev["message"]["quick_reply"] = {"payload": payload}
        self.post(ev)
        self.graph.wait_for(lambda: len(self.graph.accepted(psid)) >= before + count, timeout,
                            f"{count} replies to {psid}")
        return [r["body"]["message"] for r in self.graph.accepted(psid)[before:before + count]]

    def assertEnglish(self, text):
        for name in NAMES:
            text = text.replace(name, "")
        found = DANISH.findall(text)
        self.assertFalse(found, f"Danish words {found} in an English answer: {text!r}")

    def test_english_report_with_a_place_is_confirmed_in_english(self):
        text = self.replies("E1", "the street light on Duevej 12 is broken")[0]["text"]
        self.assertRegex(text, REF)
        self.assertIn("I have filed case", text)
        self.assertIn("the street light on Duevej 12", text)
        self.assertIn("Vej og Park", text)
        self.assertEnglish(text)

    def test_danish_report_stays_danish(self):
        text = self.replies("D1", "lygten er ude på Duevej 12")[0]["text"]
        self.assertRegex(text, REF)
        self.assertIn("Jeg har oprettet sag", text)
        self.assertIn("gadelyset på Duevej 12", text)
        self.assertNotIn("Thank you", text)

    def test_where_question_and_a_bare_address_answer_stay_english(self):
        msg = self.replies("E2", "there is a big pothole in the road outside our house")[0]
        self.assertIn("Where is the damage?", msg["text"])
        self.assertEnglish(msg["text"])
        self.assertEqual([q["title"] for q in msg["quick_replies"]], ["Don't know address"])
        text = self.replies("E2", "Duevej 7")[0]["text"]  # no language of its own
        self.assertRegex(text, REF)
        self.assertIn("the road on Duevej 7", text)
        self.assertEnglish(text)

    def test_waste_days_and_opening_hours_come_from_the_english_columns(self):
        text = self.replies("E3", "when is my bin emptied?")[0]["text"]
        self.assertIn("Collection days depend on where you live", text)
        text = self.replies("E3", "Duevej 12")[0]["text"]
        self.assertIn("In Fuglekvarteret we collect residual and food waste every Wednesday",
                      text)
        self.assertEnglish(text)
        text = self.replies("E4", "what are your opening hours?")[0]["text"]
        self.assertIn("is open Monday–Wednesday 10–15", text)
        self.assertIn("You can call 70 20 30 40", text)
        self.assertEnglish(text)

    def test_winter_answer_in_english(self):
        text = self.replies("E5", "will you grit Duevej")[0]["text"]
        self.assertIn("Duevej is in class C of our winter plan (residential roads)", text)
        self.assertIn("property owners must clear snow", text)
        self.assertEnglish(text)

    def test_help_and_not_understood_offer_english_topics(self):
        msg = self.replies("E6", "what can you help me with?")[0]
        self.assertIn("I can take reports of broken street lights", msg["text"])
        titles = [q["title"] for q in msg["quick_replies"]]
        self.assertEqual(titles, ["Street lights", "Road or pavement", "Ice and snow", "Waste",
                                  "Opening hours", "Talk to a person"])
        msg = self.replies("E7", "I would like to know about the thing with the stuff")[0]
        self.assertIn("Sorry, I did not quite understand that", msg["text"])
        self.assertIn("Talk to a person", [q["title"] for q in msg["quick_replies"]])
        # a tap on a topic answers in the language of the words it was about
        msg = self.replies("E7", "Street lights", payload="INTENT:streetlight_outage")[0]
        self.assertIn("Where is it?", msg["text"])
        self.assertEnglish(msg["text"])

    def test_a_person_is_asked_for_in_english(self):
        text = self.replies("E8", "can I talk to a real person please")[0]["text"]
        self.assertIn("a member of staff", text)
        self.assertEnglish(text)
        mode = self.server.scalar("SELECT mode FROM conversations WHERE psid = ?", ("E8",))
        self.assertEqual(mode, "waiting_for_staff")


if __name__ == "__main__":
    unittest.main()
