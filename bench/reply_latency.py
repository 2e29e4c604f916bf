#!/usr/bin/env python3
"""Reply latency: signed webhook event in -> Send API request seen at the
fake Graph API (tests/fake_graph.py), through ingest, worker, outbox and
sender. See docs/benchmarks.md ("Reply latency") for method and results.

    python3 bench/reply_latency.py [--bin build/borgerbot] [--rates 200,400,800]
                                   [--seconds 10] [--connections 8]

For each rate: a fresh server and database, an open-loop load of one "Hej"
per new citizen (each gets mark_seen, typing_on and the greeting) sent at
exact intervals over keep-alive connections; latency = arrival of the
greeting at the fake minus the moment its event was POSTed (also reported:
to the first request, mark_seen). The fake runs in its own process. The
send-rate limit is raised out of the way (send_rate_per_sec = 10000).
"""
import argparse
import http.client
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402

CONFIG = """
send_rate_per_sec = 10000
outbox_senders = {senders}
log_level = warn
"""


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_fake():
    port_file = tempfile.mktemp(prefix="fake-graph-port-")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "fake_graph.py"),
                             "--token", harness.PAGE_TOKEN, "--port-file", port_file],
                            stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        if os.path.exists(port_file) and open(port_file).read().strip():
            port = int(open(port_file).read())
            os.unlink(port_file)
            return proc, port
        time.sleep(0.05)
    raise RuntimeError("fake Graph did not start")


def fake_requests(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/_requests")
    data = json.loads(conn.getresponse().read())["requests"]
    conn.request("POST", "/_reset", b"{}")
    conn.getresponse().read()
    conn.close()
    return data


def run_rate(args, rate, fake_port, fake_pid):
    server = harness.Server(config=CONFIG.format(senders=args.senders),
                            env={"BORGERBOT_GRAPH_URL": "http://127.0.0.1:%d/v25.0" % fake_port,
                                 "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"})
    server.start()
    n = int(rate * args.seconds)
    run_id = "%d%03d" % (os.getpid() % 1000, rate % 1000)
    jobs = queue.Queue()
    sent_at = {}
    errors = []
    t0 = time.time() + 0.5
    for i in range(n):
        jobs.put(i)

    def worker():
        conn = server.connection()
        while True:
            try:
                i = jobs.get_nowait()
            except queue.Empty:
                break
            psid = "9%s%07d" % (run_id, i)
            body = json.dumps(harness.envelope([harness.text_event(psid, "Hej")])).encode()
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": harness.sign(body)}
            due = t0 + i / rate
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            start = time.time()
            try:
                conn.request("POST", "/webhook", body, headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(resp.status)
            except OSError as e:
                errors.append(str(e))
                conn.close()
                conn = server.connection()
            sent_at[psid] = start
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    cpu0 = (cpu_seconds(server.proc.pid), cpu_seconds(fake_pid), sum(os.times()[:2]))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_end = time.time()
    cpu1 = (cpu_seconds(server.proc.pid), cpu_seconds(fake_pid), sum(os.times()[:2]))
    busy = [round(100 * (b - a) / (load_end - t0)) for a, b in zip(cpu0, cpu1)]
    # wait for the replies to drain
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == 0 and \
                server.scalar("SELECT COUNT(*) FROM events WHERE status = 0") == 0:
            break
        time.sleep(0.1)
    drained = time.time()
    server.cleanup()
    reqs = fake_requests(fake_port)
    first, typing, reply = {}, {}, {}
    for r in reqs:
        psid = r["psid"]
        if psid not in sent_at:
            continue
        first.setdefault(psid, r["time"])
        if (r["body"] or {}).get("sender_action") == "typing_on":
            typing.setdefault(psid, r["time"])
        if "message" in (r["body"] or {}):
            reply.setdefault(psid, r["time"])
    gap1 = [(typing[p] - first[p]) * 1000 for p in typing if p in first]
    gap2 = [(reply[p] - typing[p]) * 1000 for p in reply if p in typing]
    lat = [(reply[p] - sent_at[p]) * 1000 for p in reply]
    lat_first = [(first[p] - sent_at[p]) * 1000 for p in first]
    achieved = n / (load_end - t0) if load_end > t0 else float("nan")
    return {
        "rate": rate, "events": n, "offered_per_s": round(achieved, 1),
        "replies": len(reply), "errors": len(errors),
        "drain_s": round(drained - load_end, 2),
        "reply_p50_ms": round(pct(lat, 50), 2), "reply_p99_ms": round(pct(lat, 99), 2),
        "reply_max_ms": round(max(lat) if lat else float("nan"), 2),
        "first_p50_ms": round(pct(lat_first, 50), 2), "first_p99_ms": round(pct(lat_first, 99), 2),
        "seen_to_typing_p50_ms": round(pct(gap1, 50), 2),
        "typing_to_text_p50_ms": round(pct(gap2, 50), 2),
        "cpu_pct_server": busy[0], "cpu_pct_fake_graph": busy[1], "cpu_pct_load": busy[2],
        "requests_per_s": round(len(reqs) / max(1e-9, (max(r["time"] for r in reqs) -
                                                      min(r["time"] for r in reqs))), 1)
        if reqs else 0,
    }


def main():
    ap = argparse.ArgumentParser(description="reply latency benchmark")
    ap.add_argument("--bin", default=os.environ.get("BORGERBOT_BIN",
                                                    os.path.join(ROOT, "build", "borgerbot")))
    ap.add_argument("--rates", default="200")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--senders", type=int, default=4)
    args = ap.parse_args()
    harness.BIN = os.path.abspath(args.bin)
    fake, port = start_fake()
    try:
        for rate in [int(r) for r in args.rates.split(",")]:
            print(json.dumps(run_rate(args, rate, port, fake.pid)), flush=True)
    finally:
        fake.terminate()
        fake.wait()


if __name__ == "__main__":
    main()
