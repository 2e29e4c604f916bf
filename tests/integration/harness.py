"""Shared helpers for Borgerbot's integration tests.

Each test starts the real `borgerbot` binary on a free loopback port with a
fresh data directory, talks real HTTP(S) to it and reads the SQLite database
it writes (read-only, WAL mode allows that while the server runs).

The binary comes from the BORGERBOT_BIN environment variable (ctest sets it)
or build/borgerbot.
"""
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("BORGERBOT_BIN", os.path.join(ROOT, "build", "borgerbot"))

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_TOKEN = "test-page-token"
PAGE_ID = "100200300"
NO_GRAPH_URL = "http://127.0.0.1:9/v25.0"  # discard port: nothing listens


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(body, secret=APP_SECRET):
    """X-Hub-Signature-256 header value for body (bytes)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


_mid_counter = [0]


def new_mid():
    _mid_counter[0] += 1
    return "m_test_%d_%d_%d" % (os.getpid(), int(time.time() * 1000), _mid_counter[0])


def now_ms():
    return int(time.time() * 1000)


def text_event(psid, text, mid=None, ts=None, page=PAGE_ID):
    return {
        "sender": {"id": psid},
        "recipient": {"id": page},
        "timestamp": ts if ts is not None else now_ms(),
        "message": {"mid": mid or new_mid(), "text": text},
    }


def envelope(*entries):
    """entries: lists of messaging events, one list per entry."""
    out = {"object": "page", "entry": []}
    for events in entries:
        out["entry"].append({"id": PAGE_ID, "time": now_ms(), "messaging": list(events)})
    return out


class Server:
    """A running borgerbot serve process with its own data directory."""

    def __init__(self, extra_args=(), env=None, tls=False, config=None, datadir=None,
                 port=None):
        self.dir = datadir or tempfile.mkdtemp(prefix="borgerbot-test-")
        self.db = os.path.join(self.dir, "borgerbot.db")
        self.port = port or free_port()
        self.tls = tls
        self.log_path = os.path.join(self.dir, "server.log")
        self.args = [BIN, "serve", "--db", self.db]
        if config is not None:
            path = os.path.join(self.dir, "borgerbot.conf")
            with open(path, "w") as f:
                f.write(config)
            self.args += ["--config", path]
        if tls:
            self.cert, self.key = make_cert(self.dir)
            self.args += ["--listen-tls", "127.0.0.1:%d" % self.port,
                          "--tls-cert", self.cert, "--tls-key", self.key]
        else:
            self.args += ["--listen", "127.0.0.1:%d" % self.port]
        self.args += list(extra_args)
        self.env = dict(os.environ)
        self.env.update({
            "BORGERBOT_APP_SECRET": APP_SECRET,
            "BORGERBOT_VERIFY_TOKEN": VERIFY_TOKEN,
            "BORGERBOT_PAGE_TOKEN": PAGE_TOKEN,
            # Replies never leave the machine: tests that look at them run
            # tests/fake_graph.py and set their own URL; elsewhere this port
            # refuses connections and the outbox just keeps retrying.
            "BORGERBOT_GRAPH_URL": NO_GRAPH_URL,
        })
        if env:
            self.env.update(env)
        self.proc = None

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self.log,
                                     stderr=self.log, cwd=self.dir)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        """Until /healthz answers and the server has logged server_started:
        the listener is up before the last modules are (slow under TSan),
        and tests read the start-up log."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %s:\n%s" %
                                     (self.proc.returncode, self.read_log()))
            try:
                status, _, _ = self.request("GET", "/healthz", timeout=1)
                if status == 200 and '"event":"server_started"' in self.read_log():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("server not ready:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def connection(self, timeout=10):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.cert)
            ctx.check_hostname = False
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.read(), dict(resp.getheaders())
        finally:
            conn.close()

    def raw_request(self, head, timeout=10):
        """Sends head (the request line and headers, without the blank line)
        over plain HTTP exactly as given, e.g. without a Host header, and
        reads until the server closes: (status, headers with lower-case
        names, body)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(head.encode("latin-1") + b"\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        top, _, body = data.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(lines[0].split()[1]), headers, body

    def post_webhook(self, payload, secret=APP_SECRET, signature=None, raw=None):
        """POST a signed webhook body; returns (status, body)."""
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        sig = signature if signature is not None else sign(body, secret)
        if sig:
            headers["X-Hub-Signature-256"] = sig
        status, data, _ = self.request("POST", "/webhook", body, headers)
        return status, data

    def query(self, sql, args=()):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def scalar(self, sql, args=()):
        rows = self.query(sql, args)
        return rows[0][0] if rows else None

    def wait_for(self, sql, predicate, timeout=10, args=()):
        """Polls a single-value query until predicate(value) holds."""
        deadline = time.time() + timeout
        value = None
        while time.time() < deadline:
            value = self.scalar(sql, args)
            if predicate(value):
                return value
            time.sleep(0.05)
        raise AssertionError("timed out waiting on %r (last value %r)" % (sql, value))

    def metric(self, name):
        """Value of one sample, e.g. 'borgerbot_events_stored_total' or
        'borgerbot_webhook_requests_total{result="ok"}'."""
        _, body, _ = self.request("GET", "/metrics")
        for line in body.decode().splitlines():
            if line.rsplit(" ", 1)[0] == name:
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError("metric %s not found" % name)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        self.check_sanitizers()
        return self.proc.returncode if self.proc else None

    def check_sanitizers(self):
        """Fails when an ASan/UBSan/TSan build reported anything in the log."""
        log = self.read_log() if os.path.exists(self.log_path) else ""
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "WARNING: ThreadSanitizer"):
            if marker in log:
                raise AssertionError("sanitizer report in server log:\n" + log[-6000:])

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        self.check_sanitizers()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def make_cert(directory):
    """Self-signed certificate and key for 127.0.0.1 made with openssl(1)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class ServerTestCase(unittest.TestCase):
    """Starts one fresh server per test; self.server is ready to use."""

    server_args = ()
    server_config = None
    server_env = None

    def setUp(self):
        self.server = Server(self.server_args, env=self.server_env,
                             config=self.server_config).start()

    def tearDown(self):
        if self._outcome_failed():
            print("---- server log ----\n" + self.server.read_log()[-4000:])
        self.server.cleanup()

    def _outcome_failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        return any(t is self for t, _ in result.errors + result.failures)


class GraphServerTestCase(ServerTestCase):
    """A fresh server per test that sends to a fresh fake Graph API
    (self.graph); server_env adds to the Graph settings."""

    def setUp(self):
        from fake_graph import FakeGraph  # tests/, on the path of every test file
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        env = {"BORGERBOT_GRAPH_URL": self.graph.url, "no_proxy": "127.0.0.1,localhost"}
        env.update(self.server_env or {})
        self.server = Server(self.server_args, env=env, config=self.server_config).start()

    def tearDown(self):
        super().tearDown()
        self.graph.stop()
