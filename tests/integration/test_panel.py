"""The citizen panel (issue 11), end to end over real HTTP: the signed
webhook, the worker, the fake Graph API, the panel CLI and the panel's web
pages (the personal form, the published results and their CSV).

Covered: asking to join -> the consent question with its quick replies ->
"Ja" -> a member, the consent logged with its version; the optional profile;
a loaded consultation offered on the member's next message inside the
24-hour window (never outside it, never as HUMAN_AGENT) and answered by
quick replies and by the web form; results and CSV matching the answers;
"meld mig ud" stopping delivery; a non-member getting nothing; the one
invitation; bad consultation files refused with FILE:LINE:COL; the form
refusing wrong, replaced, left and closed links, cross-origin posts, posts
without the CSRF field and unknown hosts; the privacy export and deletion
covering the panel's rows."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_graph import FakeGraph  # noqa: E402
from harness import (BIN, PAGE_ID, PAGE_TOKEN, Server, ServerTestCase, envelope,  # noqa: E402
                     free_port, now_ms, text_event)

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(TOP, "panel", "examples", "vintersaltning.consultation")
LINK = re.compile(r"(http://[^\s]+)/panel/f/([0-9a-f]{64})")
HOUR = 3600 * 1000


class PanelBase(ServerTestCase):
    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        port = free_port()
        self.server = Server(port=port, config=(
            "public_url = http://127.0.0.1:%d\n"
            "panel_invite_on_thanks = yes\n"
            "retention_panel_days = 365\n" % port),
            env={"BORGERBOT_GRAPH_URL": self.graph.url,
                 "no_proxy": "127.0.0.1,localhost"}).start()

    def tearDown(self):
        super().tearDown()
        self.graph.stop()

    # -- helpers --
    def cli(self, *args):
        return subprocess.run([BIN, "panel"] + list(args) + ["--db", self.server.db],
                              capture_output=True, text=True, timeout=30)

    def load(self, path=EXAMPLE):
        p = self.cli("load", path)
        self.assertEqual(p.returncode, 0, p.stderr)

    def replies(self, psid):
        return [r["body"]["message"] for r in self.graph.accepted(psid)
                if "message" in r["body"]]

    def turn(self, psid, text, payload=None, n=1, ts=None):
        """Sends one message (a quick reply when payload) and returns the
        next n replies."""
        before = len(self.replies(psid))
        ev = text_event(psid, text, ts=ts)
        if payload:
            ev["message"]["quick_reply"] = {"payload": payload}
        status, body = self.server.post_webhook(envelope([ev]))
        self.assertEqual(status, 200, body)
        self.graph.wait_for(lambda: len(self.replies(psid)) >= before + n, 10,
                            "%d replies" % n)
        time.sleep(0.3)  # nothing more should follow
        got = self.replies(psid)[before:]
        self.assertEqual(len(got), n, [m.get("text") for m in got])
        return got

    @staticmethod
    def buttons(msg):
        return [(q["title"], q["payload"]) for q in msg.get("quick_replies", [])]

    def join(self, psid, area="Blomsterkvarteret"):
        ask = self.turn(psid, "jeg vil gerne være med i borgerpanelet")[0]
        self.assertIn("Borgerpanelet er", ask["text"])
        self.assertIn("meld mig ud", ask["text"])
        self.assertIn("365 dage", ask["text"])  # how long, from the setting
        self.assertEqual(self.buttons(ask), [("Ja, meld mig ind", "PANEL_CONSENT_YES"),
                                             ("Nej tak", "PANEL_CONSENT_NO")])
        joined = self.turn(psid, "Ja, meld mig ind", "PANEL_CONSENT_YES")[0]
        self.assertIn("nu er du med", joined["text"])
        topic = self.turn(psid, area)[0]
        self.assertIn("emne", topic["text"])
        return topic

    def finish_profile(self, psid, n=2):
        return self.turn(psid, "Veje og trafik", "PANEL_TOPIC:veje", n=n)

    def offer_id(self, msg):
        self.assertIn("Har du 2 minutter til en kort undersøgelse?", msg["text"])
        payloads = [p for _, p in self.buttons(msg)]
        start = [p for p in payloads if p.startswith("PANEL_START:")]
        self.assertEqual(len(start), 1, payloads)
        return int(start[0].split(":")[1])

    def get(self, path, headers=None):
        h = {"Host": "127.0.0.1:%d" % self.server.port}
        h.update(headers or {})
        status, body, hdrs = self.server.request("GET", path, headers=h)
        return status, dict((k.lower(), v) for k, v in hdrs.items()), body.decode()

    def post_form(self, path, fields, headers=None):
        h = {"Host": "127.0.0.1:%d" % self.server.port,
             "Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        body = urllib.parse.urlencode(fields).encode()
        status, out, hdrs = self.server.request("POST", path, body=body, headers=h)
        return status, dict((k.lower(), v) for k, v in hdrs.items()), out.decode()


class JoinAndAnswerTest(PanelBase):
    def test_join_consent_profile_answer_by_quick_replies_and_publish(self):
        self.load()
        psid = "PSIDpanel0001"
        self.join(psid)
        con = self.server.query(
            "SELECT version, answer FROM panel_consents WHERE psid = ?", (psid,))
        self.assertEqual(len(con), 1)
        self.assertTrue(con[0][0].startswith("panel-consent-1/retention-365"), con)
        self.assertEqual(con[0][1], "yes")
        self.assertEqual(self.server.query(
            "SELECT status, area FROM panel_members WHERE psid = ?", (psid,)),
            [("member", "Blomsterkvarteret")])
        done, offer = self.finish_profile(psid)
        self.assertIn("Tak!", done["text"])
        rid = self.offer_id(offer)

        q1 = self.turn(psid, "Ja, lad os starte", "PANEL_START:%d" % rid)[0]
        self.assertIn("Spørgsmål 1 af 4", q1["text"])
        self.assertEqual([t for t, _ in self.buttons(q1)],
                         ["Til fods", "Cykel", "Bil", "Bus", "Andet"])
        q2 = self.turn(psid, "Cykel", "PANEL_A:%d:0:1" % rid)[0]
        self.assertIn("Spørgsmål 2 af 4", q2["text"])
        more = self.turn(psid, "Skoleveje", "PANEL_A:%d:1:0" % rid)[0]
        self.assertNotIn("Skoleveje", [t for t, _ in self.buttons(more)])
        self.assertIn("Færdig", [t for t, _ in self.buttons(more)])
        self.turn(psid, "Busruter", "PANEL_A:%d:1:3" % rid)
        q3 = self.turn(psid, "Færdig", "PANEL_A:%d:1:-1" % rid)[0]
        self.assertEqual([t for t, _ in self.buttons(q3)], ["1", "2", "3", "4", "5"])
        # an old or forged quick reply does nothing
        before = len(self.replies(psid))
        self.server.post_webhook(envelope([dict(text_event(psid, "Bil"), message={
            "mid": "m-old-%d" % now_ms(), "text": "Bil",
            "quick_reply": {"payload": "PANEL_A:%d:0:2" % rid}})]))
        time.sleep(1.0)
        self.assertEqual(len(self.replies(psid)), before)
        q4 = self.turn(psid, "4", "PANEL_A:%d:2:4" % rid)[0]
        self.assertIn("Skriv dit svar", q4["text"])
        thanks = self.turn(psid, "Duevej ved skolen er altid glat")[0]
        self.assertIn("Tak for dine svar", thanks["text"])
        p = self.cli("load", EXAMPLE)  # an answered consultation is never replaced
        self.assertEqual(p.returncode, 1)
        self.assertIn("already loaded and has answers", p.stderr)

        # every message went out as the bot's answer inside the window
        types = set(r["body"].get("messaging_type") for r in self.graph.accepted(psid))
        self.assertEqual(types, {"RESPONSE"})
        self.assertFalse([r for r in self.graph.accepted(psid) if r["body"].get("tag")])

        # nothing public before publish; publish needs close
        self.assertEqual(self.get("/panel/results/vintersaltning")[0], 404)
        p = self.cli("publish", "vintersaltning")
        self.assertEqual(p.returncode, 1)
        self.assertIn("still open", p.stderr)
        self.assertEqual(self.cli("close", "vintersaltning").returncode, 0)
        self.assertEqual(self.get("/panel/results/vintersaltning.csv")[0], 404)

        csv = self.cli("results", "vintersaltning", "--csv").stdout
        self.assertNotIn(psid, csv)
        rows = csv.strip().splitlines()
        self.assertEqual(rows[0], "respondent,question,kind,answer")
        self.assertEqual(sorted(rows[1:]), sorted([
            '1,1,single,"Cykel"', '1,2,multiple,"Skoleveje"', '1,2,multiple,"Busruter"',
            '1,3,scale,"4"', '1,4,text,"Duevej ved skolen er altid glat"']))
        counts = self.cli("results", "vintersaltning").stdout
        self.assertIn("answered by 1 (1 complete) of 1 members", counts)

        self.check_api(psid)
        self.assertEqual(self.cli("publish", "vintersaltning").returncode, 0)
        status, hdrs, page = self.get("/panel/results/vintersaltning")
        self.assertEqual(status, 200)
        self.assertIn("<svg", page)
        self.assertNotIn("<script", page)
        self.assertIn("default-src 'none'", hdrs["content-security-policy"])
        self.assertNotIn("unsafe-inline", hdrs["content-security-policy"])
        self.assertIn("Cykel</td><td class=\"n\">1</td><td class=\"n\">100 %", page)
        self.assertNotIn("Duevej ved skolen", page)  # free text is not published
        status, hdrs, body = self.get("/panel/results/vintersaltning.csv")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/csv"))
        lines = body.splitlines()
        self.assertIn('1,"Hvordan kommer du oftest frem om vinteren?",single,"Cykel",1', lines)
        self.assertIn('1,"Hvordan kommer du oftest frem om vinteren?",single,"Bil",0', lines)
        self.assertIn('2,"Hvilke steder er vigtigst at salte først? Vælg gerne flere.",'
                      'multiple,"Busruter",1', lines)
        self.assertNotIn(psid, body)
        self.assertEqual(self.get("/panel/results/nothing-here")[0], 404)
        self.assertEqual(self.get("/panel/results/../etc")[0], 404)

    def check_api(self, psid):
        """The staff JSON API: scope "panel", counts and free texts, no PSID."""
        key = subprocess.run([BIN, "apikey", "create", "panelstaff", "--scope", "panel",
                              "--db", self.server.db], capture_output=True, text=True,
                             timeout=30).stdout.strip()
        other = subprocess.run([BIN, "apikey", "create", "casestaff", "--scope", "cases",
                                "--db", self.server.db], capture_output=True, text=True,
                               timeout=30).stdout.strip()
        self.assertEqual(self.get("/api/panel/consultations")[0], 401)
        self.assertEqual(self.get("/api/panel/consultations",
                                  {"Authorization": "Bearer " + other})[0], 403)
        auth = {"Authorization": "Bearer " + key}
        status, _, body = self.get("/api/panel/consultations", auth)
        self.assertEqual(status, 200, body)
        items = json.loads(body)["consultations"]
        self.assertEqual([(c["id"], c["status"], c["completed"]) for c in items],
                         [("vintersaltning", "closed", 1)])
        status, _, body = self.get("/api/panel/consultations/vintersaltning", auth)
        self.assertEqual(status, 200, body)
        self.assertNotIn(psid, body)
        one = json.loads(body)
        self.assertEqual(one["members"], 1)
        self.assertEqual(one["response_rate"], 1.0)
        self.assertEqual([o["count"] for o in one["questions"][0]["options"]], [0, 1, 0, 0, 0])
        self.assertEqual(one["questions"][3]["texts"],
                         [{"respondent": 1, "text": "Duevej ved skolen er altid glat"}])
        self.assertEqual(self.get("/api/panel/consultations/nope", auth)[0], 404)
        self.assertEqual(self.get("/api/panel/consultations/../x", auth)[0], 404)
        status, _, _ = self.server.request("POST", "/api/panel/consultations",
                                           body=b"{}", headers=auth)
        self.assertEqual(status, 405)

    def test_saying_no_logs_it_and_asks_no_more(self):
        psid = "PSIDpanel0002"
        self.turn(psid, "tilmeld mig panelet")
        no = self.turn(psid, "Nej tak", "PANEL_CONSENT_NO")[0]
        self.assertIn("vi spørger ikke igen", no["text"])
        self.assertEqual(self.server.query(
            "SELECT answer FROM panel_consents WHERE psid = ?", (psid,)), [("no",)])
        self.assertEqual(self.server.scalar(
            "SELECT status FROM panel_members WHERE psid = ?", (psid,)), "declined")


class DeliveryTest(PanelBase):
    def test_offered_on_the_next_message_inside_the_window_not_outside(self):
        psid, late = "PSIDpanel0101", "PSIDpanel0102"
        self.join(psid)
        self.finish_profile(psid, n=1)  # nothing loaded yet: no offer
        # a member whose window closed long ago (joined, then silent)
        con = sqlite3.connect(self.server.db, timeout=10)
        with con:
            con.execute("INSERT INTO panel_members (page_id, psid, status, joined_at,"
                        " updated_at) VALUES (?, ?, 'member', ?, ?)",
                        (PAGE_ID, late, now_ms() - 30 * 24 * HOUR, now_ms() - 30 * 24 * HOUR))
        con.close()
        self.load()
        # loading pushes nothing to anyone: delivery waits for the member
        time.sleep(1.0)
        before = len(self.graph.requests(messages_only=True))
        self.assertFalse(self.replies(late))
        # outside the window: a message from 25 hours ago arriving late is
        # not answered, and no consultation goes with it
        old = now_ms() - 25 * HOUR
        status, _ = self.server.post_webhook(envelope([text_event(late, "tak", ts=old)]))
        self.assertEqual(status, 200)
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 0",
                             lambda n: n == 0)
        time.sleep(0.5)
        self.assertFalse(self.replies(late))
        self.assertEqual(self.server.scalar(
            "SELECT COUNT(*) FROM panel_responses WHERE psid = ?", (late,)), 0)
        self.assertEqual(len(self.graph.requests(messages_only=True)), before)
        # inside: the member's matter first, then the offer
        answer, offer = self.turn(psid, "hvornår bliver der saltet på duevej?", n=2)
        self.assertNotIn("undersøgelse", answer["text"])
        self.offer_id(offer)
        # one offer per consultation
        self.turn(psid, "tak")

    def test_leaving_stops_delivery_and_a_non_member_gets_nothing(self):
        psid = "PSIDpanel0201"
        self.join(psid)
        self.finish_profile(psid, n=1)
        left = self.turn(psid, "meld mig ud")[0]
        self.assertIn("Du er nu meldt ud", left["text"])
        self.assertEqual(self.server.scalar(
            "SELECT status FROM panel_members WHERE psid = ?", (psid,)), "left")
        self.assertEqual(self.server.query(
            "SELECT answer FROM panel_consents WHERE psid = ? ORDER BY id", (psid,)),
            [("yes",), ("left",)])
        self.load()
        self.turn(psid, "hvornår bliver der saltet på duevej?")  # the answer only
        stranger = "PSIDpanel0202"
        self.turn(stranger, "hvornår bliver der saltet på duevej?")
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM panel_responses"), 0)
        # "stop" from someone who never joined: an honest answer, no hand-over
        stop = self.turn(stranger, "stop")[0]
        self.assertIn("ikke med i borgerpanelet", stop["text"])

    def test_one_invitation_after_a_thanks(self):
        psid = "PSIDpanel0301"
        thanks, invite = self.turn(psid, "mange tak for hjælpen", n=2)
        self.assertIn("Selv tak", thanks["text"])
        self.assertIn("borgerpanelet", invite["text"])
        self.assertEqual(self.buttons(invite), [("Fortæl mere", "PANEL_JOIN"),
                                                ("Nej tak", "PANEL_INVITE_NO")])
        self.turn(psid, "tusind tak")  # not invited twice
        consent = self.turn(psid, "Fortæl mere", "PANEL_JOIN")[0]
        self.assertIn("Vil du være med i borgerpanelet?", consent["text"])


class WebFormTest(PanelBase):
    def member_with_link(self, psid):
        self.load()
        self.join(psid)
        _, offer = self.finish_profile(psid)
        rid = self.offer_id(offer)
        msg = self.turn(psid, "Svar på en webside", "PANEL_LINK:%d" % rid)[0]
        m = LINK.search(msg["text"])
        self.assertIsNotNone(m, msg["text"])
        return rid, m.group(2)

    def test_answer_and_edit_by_the_web_form(self):
        psid = "PSIDpanel0401"
        rid, token = self.member_with_link(psid)
        # only the token's hash is stored
        self.assertEqual(self.server.scalar(
            "SELECT COUNT(*) FROM panel_responses WHERE token_hash = ?", (token,)), 0)
        path = "/panel/f/" + token
        status, hdrs, page = self.get(path)
        self.assertEqual(status, 200, page)
        self.assertIn("<fieldset><legend>1. Hvordan kommer du oftest frem", page)
        self.assertIn('<label class="block" for="q4">', page)
        self.assertNotIn("unsafe-inline", hdrs["content-security-policy"])
        self.assertIn("form-action 'self'", hdrs["content-security-policy"])
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)

        fields = {"csrf": csrf, "q1": "3", "q2_2": "1", "q2_5": "1", "q3": "2",
                  "q4": "<script>alert(1)</script> Rosenvej"}
        status, hdrs, _ = self.post_form(path, fields)
        self.assertEqual(status, 303)
        self.assertEqual(hdrs["location"], path + "?saved=1")
        status, _, page = self.get(path + "?saved=1")
        self.assertIn("Dine svar er gemt", page)
        self.assertIn('value="3" checked', page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt; Rosenvej</textarea>", page)
        self.assertNotIn("<script>", page)
        # edit: the answers are replaced, not added
        fields.update({"q1": "1", "q3": "5"})
        del fields["q2_5"]
        self.assertEqual(self.post_form(path, fields)[0], 303)
        self.assertEqual(self.server.query(
            "SELECT qno, choice FROM panel_answers WHERE response_id = ? ORDER BY qno, choice",
            (rid,)), [(0, 0), (1, 1), (2, 5), (3, -1)])
        self.assertEqual(self.server.scalar(
            "SELECT state FROM panel_responses WHERE id = ?", (rid,)), "done")

        # hostile posts
        self.assertEqual(self.post_form(path, {"q1": "1"})[0], 403)  # no CSRF field
        self.assertEqual(self.post_form(path, dict(fields, csrf="0" * 64))[0], 403)
        self.assertEqual(self.post_form(path, fields,
                                        {"Origin": "https://evil.example"})[0], 403)
        self.assertEqual(self.post_form(path, fields,
                                        {"Content-Type": "text/plain"})[0], 415)
        for bad in ({"q1": "9"}, {"q1": "1x"}, {"q3": "0"}, {"q2_1": "yes"},
                    {"q4": "x" * 1001}, {"q4": b"\xff"}):
            status, _, page = self.post_form(path, dict(fields, **bad))
            self.assertEqual(status, 400, bad)
        status, _, _ = self.post_form(path, {"csrf": csrf, "q4": "a" * 40000})
        self.assertEqual(status, 413)
        self.assertEqual(self.get(path, {"Host": "evil.example"})[0], 421)
        # the stored answers were not touched by any of that
        self.assertEqual(self.server.scalar(
            "SELECT COUNT(*) FROM panel_answers WHERE response_id = ?", (rid,)), 4)

    def test_wrong_replaced_left_and_closed_links_are_refused(self):
        psid = "PSIDpanel0501"
        rid, token = self.member_with_link(psid)
        self.assertEqual(self.get("/panel/f/" + "0" * 64)[0], 404)
        self.assertEqual(self.get("/panel/f/" + token[:-1])[0], 404)
        self.assertEqual(self.get("/panel/f/" + token.upper())[0], 404)
        # a new link replaces the old one
        msg = self.turn(psid, "Svar på en webside", "PANEL_LINK:%d" % rid)[0]
        token2 = LINK.search(msg["text"]).group(2)
        self.assertEqual(self.get("/panel/f/" + token)[0], 404)
        self.assertEqual(self.get("/panel/f/" + token2)[0], 200)
        # closed: gone
        self.assertEqual(self.cli("close", "vintersaltning").returncode, 0)
        self.assertEqual(self.get("/panel/f/" + token2)[0], 410)
        # a member who left: refused
        other = "PSIDpanel0502"
        with open(EXAMPLE, encoding="utf-8") as src:
            text = src.read().replace("id: vintersaltning", "id: cykelstier")
        with tempfile.NamedTemporaryFile("w", suffix=".consultation", delete=False) as f:
            f.write(text)
        self.load(f.name)
        os.unlink(f.name)
        self.join(other)
        _, offer = self.finish_profile(other)
        rid2 = self.offer_id(offer)
        msg = self.turn(other, "Svar på en webside", "PANEL_LINK:%d" % rid2)[0]
        token3 = LINK.search(msg["text"]).group(2)
        self.assertEqual(self.get("/panel/f/" + token3)[0], 200)
        self.turn(other, "meld mig ud")
        self.assertEqual(self.get("/panel/f/" + token3)[0], 404)


class FileAndPrivacyTest(PanelBase):
    def test_bad_files_give_line_and_column(self):
        cases = [
            ("id: x\ntitle: T\nopens: 2027-01-02\ncloses: 2027-01-01\n"
             "question: text\ntext: Q\n", ":4:9: closes is before opens"),
            ("id: x\ncolour: red\n", ":2:1: unknown key \"colour\""),
            (b"id: x\ntitle: \xff\n", ":2:8: not valid UTF-8"),
        ]
        for text, want in cases:
            with tempfile.NamedTemporaryFile("wb", suffix=".consultation", delete=False) as f:
                f.write(text if isinstance(text, bytes) else text.encode())
            p = self.cli("load", f.name)
            os.unlink(f.name)
            self.assertEqual(p.returncode, 1)
            self.assertIn(f.name + want, p.stderr)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM panel_consultations"), 0)
        p = self.cli("load", EXAMPLE, "--check")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.cli("list").returncode, 0)

    def test_export_and_deletion_cover_the_panel(self):
        psid = "PSIDpanel0601"
        self.load()
        self.join(psid, area="Xylofonkvarteret")
        _, offer = self.finish_profile(psid)
        rid = self.offer_id(offer)
        self.turn(psid, "Ja", "PANEL_START:%d" % rid)
        self.turn(psid, "Cykel", "PANEL_A:%d:0:1" % rid)
        out = subprocess.run([BIN, "privacy", "export", psid, "--db", self.server.db],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        tables = json.loads(out.stdout)["tables"]
        for t in ("panel_members", "panel_consents", "panel_responses", "panel_answers"):
            self.assertIn(t, tables)
        p = subprocess.run([BIN, "privacy", "delete", psid, "--db", self.server.db],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        for t in ("panel_members", "panel_consents", "panel_responses", "panel_answers"):
            self.assertEqual(self.server.scalar(
                'SELECT COUNT(*) FROM "%s" WHERE psid = ?' % t, (psid,)), 0, t)

    def test_leaving_keeps_choices_without_a_name_or_deletes_them(self):
        self.load()
        for psid, choice in (("PSIDpanel0701", "PANEL_FORGET_KEEP"),
                             ("PSIDpanel0702", "PANEL_FORGET_DELETE")):
            self.join(psid)
            _, offer = self.finish_profile(psid)
            rid = self.offer_id(offer)
            self.turn(psid, "Ja", "PANEL_START:%d" % rid)
            self.turn(psid, "Cykel", "PANEL_A:%d:0:1" % rid)
        self.assertEqual(self.cli("close", "vintersaltning").returncode, 0)
        for psid, choice in (("PSIDpanel0701", "PANEL_FORGET_KEEP"),
                             ("PSIDpanel0702", "PANEL_FORGET_DELETE")):
            left = self.turn(psid, "meld mig ud")[0]
            self.assertIn("Skal vi slette dem", left["text"])
            self.turn(psid, "valg", choice)
            self.assertEqual(self.server.scalar(
                "SELECT COUNT(*) FROM panel_answers WHERE psid = ?", (psid,)), 0)
        # one choice kept without a name, one deleted
        self.assertEqual(self.server.query(
            "SELECT choice, page_id, psid FROM panel_answers"), [(1, None, None)])

    def test_the_purge_keeps_an_undecided_leavers_choices_without_a_name(self):
        self.load()
        psid, stays = "PSIDpanel0801", "PSIDpanel0802"
        for p in (psid, stays):
            self.join(p)
            _, offer = self.finish_profile(p)
            rid = self.offer_id(offer)
            self.turn(p, "Ja", "PANEL_START:%d" % rid)
            self.turn(p, "Bil", "PANEL_A:%d:0:2" % rid)
        self.assertEqual(self.cli("close", "vintersaltning").returncode, 0)
        left = self.turn(psid, "meld mig ud")[0]
        self.assertIn("Skal vi slette dem", left["text"])  # and no choice is made
        self.assertEqual(self.server.scalar(
            "SELECT COUNT(*) FROM panel_answers WHERE psid = ?", (psid,)), 1)
        # two days later: the purge at start detaches the leaver's choice only
        self.server.stop()
        con = sqlite3.connect(self.server.db, timeout=10)
        with con:
            con.execute("UPDATE panel_members SET left_at = ? WHERE psid = ?",
                        (now_ms() - 48 * HOUR, psid))
        con.close()
        self.server.start()
        self.server.wait_for("SELECT COUNT(*) FROM panel_answers WHERE psid = ?",
                             lambda n: n == 0, args=(psid,))
        self.assertEqual(self.server.query(
            "SELECT page_id, psid FROM panel_answers ORDER BY psid IS NULL"),
            [(PAGE_ID, stays), (None, None)])


if __name__ == "__main__":
    unittest.main()
