"""SIGHUP: a renewed certificate and corrected data files are taken without
a restart and without dropping a connection (docs/operations.md
"Certificates" and "Data files").

New TLS handshakes get the new certificate; a keep-alive connection opened
before goes on with the one it shook hands with; a broken file on reload is
logged and the certificate in use stays; webhook POSTs sent while the server
reloads are all answered 200 and stored. The municipality's data files and
the intent definitions: the bot answers from the new files after a reload
(crisis facts, a new phrasing, an Open311 service name), and a broken file
is refused with its line while the files in use stay."""
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import http.client
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_graph import FakeGraph  # noqa: E402
from harness import PAGE_TOKEN, ROOT, Server, envelope, new_mid, sign, text_event  # noqa: E402


def new_cert(directory, cn):
    cert = os.path.join(directory, "new-cert.pem")
    key = os.path.join(directory, "new-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def peer_cert(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context().wrap_socket(raw) as tls:
            return tls.getpeercert(binary_form=True)


def pem_to_der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(tls=True).start()

    def tearDown(self):
        self.server.cleanup()

    def hup_and_wait(self, marker):
        before = self.server.read_log().count(marker)
        os.kill(self.server.proc.pid, signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.server.read_log().count(marker) > before:
                return
            time.sleep(0.05)
        self.fail("no %s in the log after SIGHUP:\n%s" % (marker, self.server.read_log()))

    def test_sighup_takes_a_renewed_certificate(self):
        old_der = pem_to_der(self.server.cert)
        self.assertEqual(peer_cert(self.server.port), old_der)
        kept = http.client.HTTPSConnection("127.0.0.1", self.server.port, timeout=5,
                                           context=context())
        kept.request("GET", "/healthz")
        resp = kept.getresponse()
        self.assertEqual(resp.status, 200)
        resp.read()

        cert, key = new_cert(self.server.dir, "renewed.example")
        os.replace(key, self.server.key)
        os.replace(cert, self.server.cert)
        new_der = pem_to_der(self.server.cert)
        self.assertNotEqual(new_der, old_der)
        self.hup_and_wait('"event":"reloaded"')

        self.assertEqual(peer_cert(self.server.port), new_der, "new handshakes: new cert")
        kept.request("GET", "/healthz")  # the connection from before still works
        resp = kept.getresponse()
        self.assertEqual(resp.status, 200)
        resp.read()
        self.assertEqual(kept.sock.getpeercert(binary_form=True), old_der)
        kept.close()

        # A broken file: logged, and the certificate in use stays.
        with open(self.server.cert, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n")
        self.hup_and_wait('"event":"tls_reload_failed"')
        self.assertEqual(peer_cert(self.server.port), new_der)
        self.assertIsNone(self.server.proc.poll())
        log = self.server.read_log()
        self.assertIn("the certificate in use stays", log)

    def test_webhooks_are_answered_through_reloads(self):
        statuses, stop = [], threading.Event()

        def post():
            conn = http.client.HTTPSConnection("127.0.0.1", self.server.port, timeout=5,
                                               context=context())
            while not stop.is_set():
                body = envelope([text_event("R1", "hej", mid=new_mid())])
                raw = json.dumps(body).encode()
                try:
                    conn.request("POST", "/webhook", raw, {
                        "Content-Type": "application/json", "X-Hub-Signature-256": sign(raw)})
                    resp = conn.getresponse()
                    resp.read()
                    statuses.append(resp.status)
                except (OSError, http.client.HTTPException) as e:
                    statuses.append(repr(e))
                    conn = http.client.HTTPSConnection("127.0.0.1", self.server.port,
                                                       timeout=5, context=context())
            conn.close()

        threads = [threading.Thread(target=post) for _ in range(3)]
        for t in threads:
            t.start()
        for _ in range(5):
            time.sleep(0.2)
            self.hup_and_wait('"event":"reloaded"')
        time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(statuses), 10)
        self.assertEqual(set(statuses), {200}, [s for s in statuses if s != 200][:5])
        self.assertEqual(self.server.scalar("SELECT count(*) FROM events"), len(statuses))


def hup_and_wait(server, marker):
    before = server.read_log().count(marker)
    os.kill(server.proc.pid, signal.SIGHUP)
    deadline = time.time() + 15
    while time.time() < deadline:
        if server.read_log().count(marker) > before:
            return
        time.sleep(0.05)
    raise AssertionError("no %s in the log after SIGHUP:\n%s" % (marker, server.read_log()))


def replace_in(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, (path, old)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


class DataReloadTest(unittest.TestCase):
    """The data files in a copy the test edits, as an operator would."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="borgerbot-reload-")
        self.muni = os.path.join(self.work, "municipality")
        self.defs = os.path.join(self.work, "defs")
        shutil.copytree(os.path.join(ROOT, "municipality"), self.muni)
        shutil.copytree(os.path.join(ROOT, "intents", "defs"), self.defs)
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.server = Server(config="municipality_dir = %s\nintents_dir = %s\n"
                             "open311_public_read = yes\n" % (self.muni, self.defs),
                             env={"BORGERBOT_GRAPH_URL": self.graph.url,
                                  "no_proxy": "127.0.0.1,localhost"}).start()
        self.psids = 0

    def tearDown(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result and any(t is self for t, _ in result.errors + result.failures):
            print("---- server log ----\n" + self.server.read_log()[-4000:])
        self.server.cleanup()
        self.graph.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def reply(self, text):
        """The bot's first answer to text from a new citizen."""
        self.psids += 1
        psid = "RL%d" % self.psids
        status, body = self.server.post_webhook(envelope([text_event(psid, text)]))
        self.assertEqual(status, 200, body)
        self.graph.wait_for(lambda: self.graph.accepted(psid), 10, "a reply to " + psid)
        return self.graph.accepted(psid)[0]["body"]["message"]["text"]

    def service_names(self):
        status, data, _ = self.server.request("GET", "/open311/v2/services.json")
        self.assertEqual(status, 200, data)
        return {s["service_code"]: s["service_name"] for s in json.loads(data)}

    def test_corrected_files_take_effect_and_broken_ones_are_refused(self):
        crisis = "jeg vil ikke leve mere"
        hours = self.reply("hvornår har borgerservice åbent")
        self.assertIn("70 201 201", self.reply(crisis))
        opening = hours[:40]  # the answer's opening; the rest depends on the office asked
        self.assertNotIn(opening, self.reply("bananflue"))
        self.assertEqual(self.service_names()["streetlight_outage"], "Gadelys")

        # The operator corrects the crisis number, adds a phrasing, renames a
        # service: all of it after one SIGHUP, nothing before.
        replace_in(os.path.join(self.muni, "crisis_lines.csv"), "70 201 201", "70 999 999")
        with open(os.path.join(self.defs, "opening_hours.intent"), "a") as f:
            f.write("pattern: \\bbananflue\\b\n")
        replace_in(os.path.join(self.muni, "categories.csv"), ",Gadelys,", ",Gade- og vejlys,")
        self.assertIn("70 201 201", self.reply(crisis))
        hup_and_wait(self.server, '"event":"data_reloaded"')
        self.assertIn("70 999 999", self.reply(crisis))
        self.assertIn(opening, self.reply("bananflue"))
        self.assertEqual(self.service_names()["streetlight_outage"], "Gade- og vejlys")
        self.assertEqual(self.server.metric("borgerbot_data_reloads_total"), 1)

        # A broken pattern: refused with its file and line; the files in use stay.
        with open(os.path.join(self.defs, "opening_hours.intent"), "a") as f:
            f.write("pattern: (unclosed\n")
        replace_in(os.path.join(self.muni, "crisis_lines.csv"), "70 999 999", "70 000 000")
        hup_and_wait(self.server, '"event":"data_reload_failed"')
        log = self.server.read_log()
        self.assertIn("opening_hours.intent:", log)
        self.assertIn("the data files in use stay", log)
        self.assertIn("70 999 999", self.reply(crisis))
        self.assertIn(opening, self.reply("bananflue"))
        self.assertEqual(self.server.metric("borgerbot_data_reload_failures_total"), 1)
        self.assertIsNone(self.server.proc.poll())
        for words in ("70 999 999", "bananflue", "leve mere"):
            self.assertNotIn(words, log)  # neither the files' nor citizens' text in the log


class PlainReloadTest(unittest.TestCase):
    def test_sighup_without_tls_is_harmless(self):
        server = Server().start()
        try:
            os.kill(server.proc.pid, signal.SIGHUP)
            deadline = time.time() + 10
            while '"event":"reloaded"' not in server.read_log() and time.time() < deadline:
                time.sleep(0.05)
            self.assertIn("no HTTPS listener", server.read_log())
            self.assertEqual(server.request("GET", "/healthz")[0], 200)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
