"""Start-up, configuration errors, TLS and shutdown of the real binary.

Each configuration problem must stop start-up with one clear line on stderr
naming the problem, and a non-zero exit status."""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import unittest

from harness import (APP_SECRET, BIN, PAGE_TOKEN, ROOT, VERIFY_TOKEN, Server, envelope,
                     free_port, make_cert, text_event)

ENV = {"BORGERBOT_APP_SECRET": APP_SECRET, "BORGERBOT_VERIFY_TOKEN": VERIFY_TOKEN,
       "BORGERBOT_PAGE_TOKEN": PAGE_TOKEN}


def run(args, env=None, timeout=10):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BORGERBOT_")}
    full_env.update(ENV if env is None else env)
    return subprocess.run([BIN] + args, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


class StartupErrorsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="borgerbot-startup-")
        self.db = os.path.join(self.dir, "db.sqlite")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def assert_one_line_error(self, result, *needles):
        self.assertNotEqual(result.returncode, 0)
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("borgerbot: error: "), lines[0])
        for n in needles:
            self.assertIn(n, lines[0])
        for secret in (APP_SECRET, VERIFY_TOKEN, PAGE_TOKEN):
            self.assertNotIn(secret, result.stderr)

    def serve(self, *args, env=None):
        return run(["serve", "--db", self.db] + list(args), env=env)

    def test_each_missing_secret_is_named(self):
        for name in ["BORGERBOT_APP_SECRET", "BORGERBOT_VERIFY_TOKEN", "BORGERBOT_PAGE_TOKEN"]:
            env = {k: v for k, v in ENV.items() if k != name}
            self.assert_one_line_error(self.serve("--listen", "127.0.0.1:1", env=env), name)

    def test_bad_graph_url(self):
        env = dict(ENV, BORGERBOT_GRAPH_URL="ftp://example.org")
        self.assert_one_line_error(self.serve("--listen", "127.0.0.1:1", env=env),
                                   "BORGERBOT_GRAPH_URL")

    def test_bad_config_values(self):
        cases = {
            "http_threads = lots\n": "http_threads",
            "no_such_setting = 1\n": "no_such_setting",
            "max_body_bytes = 10\n": "max_body_bytes",
            "garbage line\n": ":1:",
            "log_level = loud\n": "log_level",
        }
        for text, needle in cases.items():
            path = os.path.join(self.dir, "bad.conf")
            with open(path, "w") as f:
                f.write(text)
            self.assert_one_line_error(self.serve("--config", path, "--listen", "127.0.0.1:1"),
                                       needle)

    def test_missing_config_file_and_bad_flags(self):
        self.assert_one_line_error(self.serve("--config", "/nonexistent.conf"), "/nonexistent.conf")
        self.assert_one_line_error(self.serve("--listen", "nonsense"), "listen")
        self.assert_one_line_error(self.serve("--bogus"), "--bogus")
        self.assert_one_line_error(self.serve("--listen"), "--listen")
        self.assert_one_line_error(self.serve(), "nothing to listen on")

    def test_unreadable_or_invalid_certificate(self):
        self.assert_one_line_error(
            self.serve("--listen-tls", "127.0.0.1:1", "--tls-cert", "/nonexistent/cert.pem",
                       "--tls-key", "/nonexistent/key.pem"), "/nonexistent/cert.pem")
        junk = os.path.join(self.dir, "junk.pem")
        with open(junk, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        cert, key = make_cert(self.dir)
        self.assert_one_line_error(
            self.serve("--listen-tls", "127.0.0.1:1", "--tls-cert", junk, "--tls-key", key),
            "tls_cert", junk)
        other_dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, other_dir, True)
        _, other_key = make_cert(other_dir)
        self.assert_one_line_error(
            self.serve("--listen-tls", "127.0.0.1:1", "--tls-cert", cert, "--tls-key", other_key),
            "does not match")

    def test_busy_port(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            result = self.serve("--listen", "127.0.0.1:%d" % port)
        self.assert_one_line_error(result, "cannot listen on 127.0.0.1:%d" % port)

    def test_busy_tls_port_named_as_given(self):
        """CivetWeb calls a TLS listener HOST:PORTs; the error must not."""
        cert, key = make_cert(self.dir)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            result = self.serve("--listen-tls", "127.0.0.1:%d" % port, "--tls-cert", cert,
                                "--tls-key", key)
        self.assert_one_line_error(result, "cannot listen on 127.0.0.1:%d (TLS)" % port)
        self.assertNotIn("%ds" % port, result.stderr)

    def test_unwritable_database_path(self):
        self.assert_one_line_error(
            run(["serve", "--listen", "127.0.0.1:1", "--db", "/proc/nope/db.sqlite"]), "/proc/nope")

    def test_version_and_help(self):
        r = run(["version"], env={})
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^borgerbot \d+\.\d+\.\d+")
        r = run(["help"], env={})
        self.assertEqual(r.returncode, 0)
        for cmd in ["serve", "version", "help"]:
            self.assertIn(cmd, r.stdout)
        r = run(["serve", "--help"], env={})
        self.assertEqual(r.returncode, 0)
        self.assertIn("--listen-tls", r.stdout)
        r = run(["no-such-command"], env={})
        self.assertEqual(r.returncode, 2)
        self.assertIn("no-such-command", r.stderr)


class TlsTest(unittest.TestCase):
    def setUp(self):
        self.server = Server(tls=True).start()

    def tearDown(self):
        self.server.cleanup()

    def test_https_webhook_with_certificate(self):
        status, _ = self.server.post_webhook(envelope([text_event("T1", "via https")]))
        self.assertEqual(status, 200)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 1)

    def test_certificate_is_verified_by_client(self):
        ctx = ssl.create_default_context(cafile=self.server.cert)
        with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))

    def test_tls_1_2_accepted_and_1_1_refused(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
            with ctx.wrap_socket(raw) as tls:
                self.assertEqual(tls.version(), "TLSv1.2")
        old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname = False
        old.verify_mode = ssl.CERT_NONE
        old.set_ciphers("ALL:@SECLEVEL=0")
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
            with self.assertRaises(ssl.SSLError):
                old.wrap_socket(raw).do_handshake()

    def test_tls_1_2_offers_aead_ciphers_only(self):
        def handshake(ciphers):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(ciphers)
            with socket.create_connection(("127.0.0.1", self.server.port)) as raw:
                with ctx.wrap_socket(raw) as tls:
                    return tls.cipher()[0]
        # the test certificate is ECDSA
        self.assertIn("GCM", handshake("ECDHE-ECDSA-AES128-GCM-SHA256"))
        self.assertIn("CHACHA20", handshake("ECDHE-ECDSA-CHACHA20-POLY1305"))
        for weak in ("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                     "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"):  # CBC
            with self.assertRaises(ssl.SSLError, msg=weak):
                handshake(weak + ":@SECLEVEL=0")

    def test_plain_http_on_tls_port_does_not_store(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                data = s.recv(100)
            except (ConnectionResetError, socket.timeout):
                data = b""
        self.assertNotIn(b"200 OK", data)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_stops_gracefully(self):
        server = Server().start()
        try:
            self.assertEqual(server.post_webhook(envelope([text_event("S1", "før stop")]))[0], 200)
            rc = server.stop(signal.SIGTERM)
            self.assertEqual(rc, 0)
            log = server.read_log()
            self.assertIn('"event":"server_stopped"', log)
            for secret in (APP_SECRET, VERIFY_TOKEN, PAGE_TOKEN):
                self.assertNotIn(secret, log)
            self.assertEqual(server.scalar("SELECT COUNT(*) FROM events"), 1)
        finally:
            server.cleanup()

    def test_log_lines_are_json(self):
        import json
        server = Server().start()
        try:
            server.post_webhook(None, raw=b"{}", signature="sha256=00")
        finally:
            server.stop()
        lines = [l for l in server.read_log().splitlines() if l.strip()]
        self.assertGreater(len(lines), 2)
        for line in lines:
            obj = json.loads(line)
            self.assertIn("ts", obj)
            self.assertIn("level", obj)
            self.assertIn("event", obj)
        server.cleanup()


if __name__ == "__main__":
    unittest.main()
