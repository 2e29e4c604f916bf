"""SIGHUP: a renewed certificate is taken without a restart and without
dropping a connection (docs/operations.md "Certificates").

New TLS handshakes get the new certificate; a keep-alive connection opened
before goes on with the one it shook hands with; a broken file on reload is
logged and the certificate in use stays; webhook POSTs sent while the server
reloads are all answered 200."""
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
import unittest

import http.client

from harness import Server, envelope, new_mid, sign, text_event


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
