#!/usr/bin/env python3
"""Soak benchmark (issue 16): the whole pipeline at a fixed rate for a long
time, with badly signed requests mixed in.

    python3 bench/soak.py --build-dir build-bench [--duration 600] [--rate 200]
                          [--bad-ratio 0.1] [--check] [--out FILE]

What runs: `BUILD_DIR/borgerbot serve` on loopback with a fresh database and
tests/fake_graph.py as Meta's Graph API, so every event goes the whole way:
signature, group commit, the worker (intents, cases, conversations), the
outbox and a delivered reply.

Load: open loop. A scheduler releases one request every 1/rate seconds to 16
sender threads with keep-alive connections; a request's latency is measured
from when it was *due*, not from when a sender got to it, so a stalled server
shows as latency instead of quietly lowering the rate (no coordinated
omission). Citizens are a pool of 500 PSIDs writing a handful of real
phrasings (street light out, gritting, waste, thanks, a greeting).

The run is cut into 10 windows. Even windows send only good requests; odd
windows make --bad-ratio of the requests badly signed (the same bodies, a
wrong HMAC). The even windows are the reference in the same run: good
requests' p99 in the mixed windows over that in the clean ones (median of the
window pairs) says whether the bad ones slow the good ones down. Every
second the server's RSS is read from /proc.

At the end the backlog must drain (every stored event processed, every reply
delivered). Reported: requests, statuses, per-window p50/p99 and RSS, the
p99 ratio, RSS growth from the second window to the last.

--check turns the rules into the exit status (1 when any is broken), for the
30-second run in ctest (tests/integration/test_soak.py): every good request
200 and stored, every bad one 403 and not stored, nothing else, the backlog
drained, RSS growth after the first window at most 6 MiB. Speed is reported,
never asserted.
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import queue
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from fake_graph import FakeGraph  # noqa: E402

APP_SECRET = "soak-app-secret"
PAGE_TOKEN = "soak-page-token"
PAGE_ID = "100200300"
WINDOWS = 10
SENDERS = 16
MAX_RSS_GROWTH_MIB = 6.0
TEXTS = [
    "Lygten ud for Duevej {n} er gået ud igen",
    "hvornår bliver der saltet på Rosenvej?",
    "Skraldespanden blev ikke tømt i dag på Duevej {n}",
    "Tak for hjælpen!",
    "Hej",
    "gadelyset virker ikke på Bøgevej {n}",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body_for(i, bad):
    psid = "S%03d" % (i % 500)
    mid = "m_soak_%d_%s" % (i, "bad" if bad else "ok")
    text = TEXTS[i % len(TEXTS)].format(n=1 + i % 40)
    ev = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID},
          "timestamp": int(time.time() * 1000), "message": {"mid": mid, "text": text}}
    env = {"object": "page", "entry": [{"id": PAGE_ID, "time": ev["timestamp"],
                                        "messaging": [ev]}]}
    return json.dumps(env).encode(), mid


def signature(body, bad):
    mac = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if bad:  # one hex digit off: as close to right as a forger gets
        mac = ("0" if mac[0] != "0" else "1") + mac[1:]
    return "sha256=" + mac


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Load:
    def __init__(self, port, rate, duration, bad_ratio):
        self.port, self.rate, self.duration, self.bad_ratio = port, rate, duration, bad_ratio
        self.work = queue.Queue()
        self.results = []  # (window, bad, status, latency_s, mid)
        self.lock = threading.Lock()

    def sender(self):
        conn = None
        while True:
            item = self.work.get()
            if item is None:
                return
            due, window, bad, body, mid = item
            status = 0
            for _ in range(2):  # one reconnect if the server closed keep-alive
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    conn.request("POST", "/webhook", body, {
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": signature(body, bad)})
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                    break
                except (OSError, http.client.HTTPException):
                    conn = None
            latency = time.monotonic() - due
            with self.lock:
                self.results.append((window, bad, status, latency, mid))

    def run(self):
        threads = [threading.Thread(target=self.sender) for _ in range(SENDERS)]
        for t in threads:
            t.start()
        total = int(self.rate * self.duration)
        start = time.monotonic()
        every = max(1, int(round(1 / self.bad_ratio))) if self.bad_ratio > 0 else 0
        for i in range(total):
            due = start + i / self.rate
            window = min(WINDOWS - 1, i * WINDOWS // total)
            bad = window % 2 == 1 and every and i % every == 0
            body, mid = body_for(i, bad)
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.work.put((due, window, bool(bad), body, mid))
        for _ in threads:
            self.work.put(None)
        for t in threads:
            t.join()


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def main():
    ap = argparse.ArgumentParser(description="Soak benchmark (see docs/benchmarks.md)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--duration", type=float, default=600, help="seconds of load")
    ap.add_argument("--rate", type=float, default=200, help="requests per second")
    ap.add_argument("--bad-ratio", type=float, default=0.1)
    ap.add_argument("--check", action="store_true", help="exit 1 when a rule is broken")
    ap.add_argument("--max-rss-growth", type=float, default=MAX_RSS_GROWTH_MIB,
                    help="MiB of RSS growth allowed after the first window (sanitizer "
                    "builds keep freed memory in quarantine: give them more)")
    ap.add_argument("--out", help="also write the markdown report here")
    args = ap.parse_args()

    binary = os.path.abspath(os.path.join(args.build_dir, "borgerbot"))
    tmp = tempfile.mkdtemp(prefix="borgerbot-soak-")
    db = os.path.join(tmp, "soak.db")
    port = free_port()
    failures = []
    with FakeGraph(token=PAGE_TOKEN) as fg:
        env = dict(os.environ, BORGERBOT_APP_SECRET=APP_SECRET,
                   BORGERBOT_VERIFY_TOKEN="soak-verify", BORGERBOT_PAGE_TOKEN=PAGE_TOKEN,
                   BORGERBOT_GRAPH_URL=fg.url)
        conf = os.path.join(tmp, "soak.conf")
        with open(conf, "w") as f:
            f.write("send_rate_per_sec = 1000\n")
        log = open(os.path.join(tmp, "server.log"), "wb")
        proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:%d" % port,
                                 "--db", db, "--config", conf],
                                env=env, stdout=log, stderr=log, cwd=tmp)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("soak: the server did not start; see " + log.name)

        rss = []  # (seconds since start, KiB)
        sampling = threading.Event()

        def sample():
            t0 = time.monotonic()
            while not sampling.wait(1.0):
                rss.append((time.monotonic() - t0, rss_kib(proc.pid)))

        sampler = threading.Thread(target=sample)
        sampler.start()
        load = Load(port, args.rate, args.duration, args.bad_ratio)
        t0 = time.monotonic()
        load.run()
        wall = time.monotonic() - t0

        # the backlog drains: every event processed, every reply delivered
        drained, waited = False, time.monotonic()
        while time.monotonic() - waited < 120:
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
            pending = con.execute("SELECT count(*) FROM events WHERE status = 0").fetchone()[0]
            outbox = con.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
            con.close()
            if pending == 0 and outbox == 0:
                drained = True
                break
            time.sleep(0.5)
        drain_s = time.monotonic() - waited
        sampling.set()
        sampler.join()
        peak_kib = 0
        with open("/proc/%d/status" % proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak_kib = int(line.split()[1])
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        stored = {r[0] for r in con.execute(
            "SELECT json_extract(payload, '$.message.mid') FROM events")}
        parked = con.execute("SELECT count(*) FROM events WHERE status = 2").fetchone()[0]
        con.close()
        replies = len(fg.requests())
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        undelivered = con.execute(
            "SELECT count(*) FROM outbox WHERE status <> 'sent'").fetchone()[0]
        con.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()

    res = load.results
    good = [r for r in res if not r[1]]
    bad = [r for r in res if r[1]]
    good_not_200 = [r for r in good if r[2] != 200]
    bad_not_403 = [r for r in bad if r[2] != 403]
    lost = [r[4] for r in good if r[2] == 200 and r[4] not in stored]
    bad_stored = [r[4] for r in bad if r[4] in stored]
    if good_not_200:
        failures.append("%d good requests were not 200 (first: %s)"
                        % (len(good_not_200), good_not_200[0][2]))
    if bad_not_403:
        failures.append("%d badly signed requests were not 403" % len(bad_not_403))
    if lost:
        failures.append("%d acknowledged events not stored" % len(lost))
    if bad_stored:
        failures.append("%d badly signed events stored" % len(bad_stored))
    if not drained:
        failures.append("backlog not drained within 120 s")
    if parked:
        failures.append("%d events parked" % parked)
    if undelivered:
        failures.append("%d replies not delivered" % undelivered)

    per = []
    span = args.duration / WINDOWS
    for w in range(WINDOWS):
        lat = [r[3] * 1000 for r in good if r[0] == w]
        mem = [k for (t, k) in rss if w * span <= t < (w + 1) * span]
        per.append((w, len(lat), pct(lat, 0.5), pct(lat, 0.99), max(mem) / 1024 if mem else 0,
                    sum(1 for r in bad if r[0] == w)))
    ratios = [per[w + 1][3] / per[w][3] for w in range(0, WINDOWS - 1, 2) if per[w][3] > 0]
    ratios50 = [per[w + 1][2] / per[w][2] for w in range(0, WINDOWS - 1, 2) if per[w][2] > 0]
    mems = [p[4] for p in per if p[4]]
    growth = (max(mems[-3:]) - max(mems[1:3])) if len(mems) >= 5 else 0.0
    if growth > args.max_rss_growth:
        failures.append("RSS grew %.1f MiB from the second window to the last" % growth)

    lines = [
        "Soak: %.0f s at %.0f requests/s (%d sent in %.1f s), %.0f%% badly signed in odd windows"
        % (args.duration, args.rate, len(res), wall, args.bad_ratio * 100),
        "",
        "| window | bad requests | good requests | good p50 ms | good p99 ms | max RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for w, n, p50, p99, mem, nbad in per:
        lines.append("| %d | %d | %d | %.2f | %.2f | %.1f |" % (w, nbad, n, p50, p99, mem))
    lines += [
        "",
        "- statuses: good %d (200: %d), bad %d (403: %d); stored %d; replies delivered %d"
        % (len(good), len(good) - len(good_not_200), len(bad), len(bad) - len(bad_not_403),
           len(stored), replies),
        "- good requests with bad ones mixed in / without (median of %d window pairs):"
        " p50 %.2f, p99 %.2f" % (len(ratios),
                                 statistics.median(ratios50) if ratios50 else float("nan"),
                                 statistics.median(ratios) if ratios else float("nan")),
        "- RSS growth from window 1 to the last windows: %+.1f MiB; peak RSS (VmHWM) %.1f MiB"
        % (growth, peak_kib / 1024),
        "- backlog drained %s in %.1f s after the load stopped"
        % ("yes" if drained else "NO", drain_s),
        "- rules: " + ("all kept" if not failures else "; ".join(failures)),
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
    if not failures:
        subprocess.run(["rm", "-rf", tmp], check=False)
    else:
        print("soak: data kept in " + tmp, file=sys.stderr)
    return 1 if (args.check and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
