#!/usr/bin/env python3
"""Webhook ingest benchmark (issue 2): the real server against the ceiling.

    python3 bench/ingest_bench.py --build-dir build-bench [--rounds 3] [--duration 15]

Builds nothing: takes BUILD_DIR/borgerbot and BUILD_DIR/ceiling_server (the
`ceiling_server` target of bench/CMakeLists.txt). Everything runs on loopback.

1. Pre-generates unique, pre-signed Messenger text events (one event per
   request, about 600-byte bodies, each with its own mid) with
   bench/make_requests.py, enough for the longest run at a rate above the
   ceiling, so no request repeats within a run.
2. For each round, in alternating order (so the machine's noise hits both):
   - real: `borgerbot serve --listen 127.0.0.1:PORT --db TMP/bench-N.db`
     (fresh database, secrets from the environment, Graph URL pointed at a
     closed loopback port so nothing can leave the machine), wrk with
     bench/webhook.lua; then the server's VmHWM (peak RSS) from /proc and its
     /metrics; then SIGKILL (no graceful shutdown) and a count of the rows in
     the SQLite `events` table: it must equal the number of 200 responses
     the server sent (its own counter, read once the server is quiet) and be
     at least the number wrk received (wrk does not count responses still in
     flight at its deadline).
   - ceiling: `ceiling_server 127.0.0.1:PORT` (same CivetWeb, reads the body,
     answers 200), same wrk command, VmHWM.
3. Prints (and with --out writes) a markdown report: each run, the medians,
   the ratio real/ceiling, and whether the issue's goal is met
   (>= 15,000 durable events/s, p99 < 10 ms, >= half the ceiling).

Exit status: 0 when every durability check passed (whatever the speed),
1 otherwise.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
APP_SECRET = "bench-app-secret"
GOAL_EVENTS_PER_S = 15000
GOAL_P99_MS = 10.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path, timeout=2):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
        return r.status, r.read().decode()


def wait_port(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with status %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen on port %d" % port)


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def metric(text, name):
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        if key == name:
            return float(value)
    return None


def run_wrk(args, port, prefix):
    cmd = ["wrk", "-t%d" % args.threads, "-c%d" % args.connections, "-d%ds" % args.duration,
           "--latency", "-s", os.path.join(HERE, "webhook.lua"),
           "http://127.0.0.1:%d/webhook" % port, "--", prefix]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + 120)
    if out.returncode != 0:
        raise RuntimeError("wrk failed: %s" % out.stderr)
    m = re.search(r"BENCH_JSON (\{.*\})", out.stdout)
    if not m:
        raise RuntimeError("no BENCH_JSON in wrk output:\n" + out.stdout + out.stderr)
    res = json.loads(m.group(1))
    res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
    res["wrk_text"] = out.stdout[:m.start()].rstrip()
    return res


def run_real(args, tmp, prefix, n):
    port = free_port()
    db = os.path.join(tmp, "bench-%d.db" % n)
    log_path = os.path.join(tmp, "server-%d.log" % n)
    env = dict(os.environ)
    env.update({
        "BORGERBOT_APP_SECRET": APP_SECRET,
        "BORGERBOT_VERIFY_TOKEN": "bench-verify-token",
        "BORGERBOT_PAGE_TOKEN": "bench-page-token",
        # A closed port on loopback: whatever the worker might send goes nowhere.
        "BORGERBOT_GRAPH_URL": "http://127.0.0.1:9/v25.0",
    })
    cmd = [os.path.join(args.build_dir, "borgerbot"), "serve",
           "--listen", "127.0.0.1:%d" % port, "--db", db, "--log-level", "warn"]
    if args.config:
        cmd += ["--config", args.config]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, cwd=tmp)
    try:
        wait_port(port, proc)
        res = run_wrk(args, port, prefix)
        res["rss_kib"] = vm_hwm_kib(proc.pid)
        # Requests wrk abandoned at its deadline may still be in a handler:
        # wait until the server's counters stop moving, then read them.
        seen, deadline = None, time.time() + 10
        while time.time() < deadline:
            _, text = http_get(port, "/metrics", timeout=10)
            now = (metric(text, 'borgerbot_webhook_requests_total{result="ok"}'),
                   metric(text, "borgerbot_events_stored_total"))
            if now == seen:
                break
            seen = now
            time.sleep(0.3)
        res["server_ok"] = int(metric(text, 'borgerbot_webhook_requests_total{result="ok"}') or 0)
        res["server_unavailable"] = int(
            metric(text, 'borgerbot_webhook_requests_total{result="unavailable"}') or 0)
        res["stored_metric"] = int(metric(text, "borgerbot_events_stored_total") or 0)
        res["batches"] = int(metric(text, "borgerbot_ingest_batches_total") or 0)
        res["processed"] = int(metric(text, "borgerbot_events_processed_total") or 0)
    finally:
        # No graceful shutdown: what was acknowledged must already be on disk.
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    con = sqlite3.connect(db, timeout=30)
    try:
        res["events"] = con.execute("SELECT count(*) FROM events").fetchone()[0]
        res["distinct_mids"] = con.execute(
            "SELECT count(DISTINCT dedup_key) FROM events").fetchone()[0]
    finally:
        con.close()
    res["durable_ok"] = (res["wrapped"] == 0 and res["events"] == res["server_ok"]
                         and res["events"] >= res["ok"] and res["other_status"] == 0)
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
    return res


def run_ceiling(args, tmp, prefix, n):
    port = free_port()
    cmd = [os.path.join(args.build_dir, "ceiling_server"), "127.0.0.1:%d" % port]
    with open(os.path.join(tmp, "ceiling-%d.log" % n), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        wait_port(port, proc)
        res = run_wrk(args, port, prefix)
        res["rss_kib"] = vm_hwm_kib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return res


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = ", %.0f GiB RAM" % (kib / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return "%d cores (%s)%s, Linux %s, SQLite %s, %s" % (
        os.cpu_count() or 0, cpu, mem, platform.release(), sqlite3.sqlite_version,
        " ".join(wrk.split()[:2]))


def ms(us):
    return us / 1000.0


def report(args, runs):
    real = [r for kind, r in runs if kind == "real"]
    ceil = [r for kind, r in runs if kind == "ceiling"]
    med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
    lines = []
    lines.append("Runs (in order):\n")
    lines.append("| run | server | requests/s | p50 ms | p99 ms | peak RSS MiB |"
                 " 200s (wrk / server) | events in DB | durable |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for i, (kind, r) in enumerate(runs, 1):
        if kind == "real":
            extra = "%d / %d | %d | %s" % (r["ok"], r["server_ok"], r["events"],
                                           "yes" if r["durable_ok"] else "**NO**")
        else:
            extra = "%d / - | - | -" % r["ok"]
        lines.append("| %d | %s | %.0f | %.2f | %.2f | %.1f | %s |" % (
            i, kind, r["rps"], ms(r["p50_us"]), ms(r["p99_us"]), r["rss_kib"] / 1024, extra))
    rr, cr = med(real, "rps"), med(ceil, "rps")
    lines.append("")
    lines.append("Medians (%d runs each):\n" % len(real))
    lines.append("| server | requests/s (= events/s) | p50 ms | p99 ms | peak RSS MiB |")
    lines.append("|---|---:|---:|---:|---:|")
    for name, rs in (("borgerbot (durable)", real), ("ceiling (no checks)", ceil)):
        lines.append("| %s | %.0f | %.2f | %.2f | %.1f |" % (
            name, med(rs, "rps"), ms(med(rs, "p50_us")), ms(med(rs, "p99_us")),
            med(rs, "rss_kib") / 1024))
    ratio = rr / cr if cr else 0
    p99 = ms(med(real, "p99_us"))
    durable = all(r["durable_ok"] for r in real)
    batch = [r["server_ok"] / r["batches"] for r in real if r["batches"]]
    lines.append("")
    lines.append("- ratio real/ceiling (median requests/s): **%.2f**" % ratio)
    if batch:
        lines.append("- mean group-commit size: %.1f events per transaction (median of runs)"
                     % statistics.median(batch))
    lines.append("- durability: %s" % (
        "every run: events in the database (after SIGKILL) = 200s the server sent >= 200s wrk "
        "received; no 503, no repeats" if durable else "**FAILED in some run (see table)**"))
    goal = rr >= GOAL_EVENTS_PER_S and p99 < GOAL_P99_MS
    lines.append("- goal (>= %d durable events/s and p99 < %.0f ms): **%s**; half the ceiling: "
                 "**%s**" % (GOAL_EVENTS_PER_S, GOAL_P99_MS, "met" if goal else "not met",
                             "met" if ratio >= 0.5 else "not met (%.0f%%)" % (ratio * 100)))
    lines.append("")
    lines.append("Machine: %s. wrk -t%d -c%d -d%ds --latency, %d rounds, %s." % (
        machine(), args.threads, args.connections, args.duration, args.rounds,
        time.strftime("%Y-%m-%d")))
    return "\n".join(lines) + "\n", durable


def main():
    ap = argparse.ArgumentParser(description="Webhook ingest benchmark (see docs/benchmarks.md)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                    help="directory holding borgerbot and ceiling_server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--rate-cap", type=int, default=60000,
                    help="requests/s the request files are sized for (no repeats below it)")
    ap.add_argument("--config", help="borgerbot config file (e.g. to set http_threads)")
    ap.add_argument("--only", choices=("real", "ceiling"), help="run one side only")
    ap.add_argument("--out", help="also write the markdown report here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    for exe in ("borgerbot", "ceiling_server"):
        if not os.access(os.path.join(args.build_dir, exe), os.X_OK):
            sys.exit("%s/%s not found: build it first (cmake --build %s)" %
                     (args.build_dir, exe, args.build_dir))
    if not shutil.which("wrk"):
        sys.exit("wrk not found (Debian package wrk)")

    tmp = tempfile.mkdtemp(prefix="borgerbot-bench-")
    try:
        prefix = os.path.join(tmp, "req")
        count = args.rate_cap * args.duration
        print("generating %d pre-signed requests in %s ..." % (count, tmp), file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "make_requests.py"),
                        "--secret", APP_SECRET, "--count", str(count), "--out", prefix,
                        "--shards", str(args.threads)], check=True)
        runs = []
        for n in range(1, args.rounds + 1):
            order = ("real", "ceiling") if n % 2 else ("ceiling", "real")
            for kind in order:
                if args.only and kind != args.only:
                    continue
                fn = run_real if kind == "real" else run_ceiling
                r = fn(args, tmp, prefix, n)
                runs.append((kind, r))
                print("round %d %-7s %8.0f req/s  p50 %.2f ms  p99 %.2f ms  rss %.1f MiB%s" % (
                    n, kind, r["rps"], ms(r["p50_us"]), ms(r["p99_us"]), r["rss_kib"] / 1024,
                    "  events %d / 200s %d (server %d)%s" % (
                        r["events"], r["ok"], r["server_ok"],
                        "" if r["durable_ok"] else "  DURABILITY CHECK FAILED")
                    if kind == "real" else ""), file=sys.stderr)
        if args.only:
            return 0
        text, durable = report(args, runs)
        print(text)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text)
        return 0 if durable else 1
    finally:
        if args.keep:
            print("kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
