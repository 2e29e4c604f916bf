"""Faults an operator will meet: the disk fills up, another process holds
the database's write lock (a backup tool, a curious admin with sqlite3), and
Meta's Graph API is down for an hour.

Both must end the same way: Meta gets a 503 for what could not be stored (it
delivers again), a 200 only for what is committed, nothing acknowledged is
lost, the citizens' events are answered once the fault is gone, and the
server never needs a restart.

The disk-full test mounts a small tmpfs (it needs root, as CI has; without it
the test says so and is skipped)."""
import json
import os
import sqlite3
import subprocess
import tempfile
import threading
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fake_graph import FakeGraph  # noqa: E402
from harness import BIN, PAGE_TOKEN, Server, envelope, new_mid, now_ms, text_event  # noqa: E402

HOUR = 3600 * 1000

PADDING = "lygten på Duevej er gået ud igen. " * 60  # ~2 KB: fills a disk quickly


def post(server, psid, mid, text):
    status, _ = server.post_webhook(envelope([text_event(psid, text, mid=mid)]))
    return status


class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.mnt = tempfile.mkdtemp(prefix="borgerbot-enospc-")
        self.server = None
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", self.mnt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest("cannot mount a tmpfs here (needs root): " + r.stderr.strip())

    def tearDown(self):
        if self.server:
            self.server.stop()
        subprocess.run(["umount", "-l", self.mnt], check=False)
        os.rmdir(self.mnt)

    def fill(self):
        """Fills the file system to the last byte; returns the filler's path."""
        path = os.path.join(self.mnt, "filler")
        chunk = b"\0" * 65536
        with open(path, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(chunk)
            except OSError:
                pass
            try:  # the last partial chunk
                while True:
                    f.write(b"\0" * 512)
            except OSError:
                pass
        return path

    def test_disk_full_is_503_and_nothing_acknowledged_is_lost(self):
        self.server = Server(datadir=self.mnt).start()
        acked, refused = [], 0
        for i in range(10):
            mid = new_mid()
            self.assertEqual(post(self.server, "F%d" % i, mid, "før %d" % i), 200)
            acked.append(mid)
        filler = self.fill()

        # The WAL may still have room from before; keep posting until the
        # disk refuses, then a few more to see it stays refused, not wedged.
        i = 0
        while refused < 5 and i < 4000:
            mid = new_mid()
            status = post(self.server, "F%d" % (i % 7), mid, "fuld %d %s" % (i, PADDING))
            i += 1
            if status == 200:
                acked.append(mid)
            else:
                self.assertEqual(status, 503, "a full disk is a 503, so Meta retries")
                refused += 1
        self.assertEqual(refused, 5, "the disk never filled after %d posts" % i)
        self.assertEqual(self.server.proc.poll(), None, "the server died on a full disk")
        status, _, _ = self.server.request("GET", "/healthz")
        self.assertIn(status, (200, 503))
        log = self.server.read_log()
        self.assertIn("ingest_commit_failed", log)
        self.assertNotIn("Duevej", log, "citizen text in the log")

        # Space returns: the same server takes events again without a restart.
        os.unlink(filler)
        deadline, status = time.time() + 20, 0
        while status != 200 and time.time() < deadline:
            mid = new_mid()
            status = post(self.server, "F-after", mid, "efter")
            if status == 200:
                acked.append(mid)
            else:
                time.sleep(0.2)
        self.assertEqual(status, 200, "no recovery after the disk had room again")

        # Every acknowledged event is stored, also after a restart, and the
        # worker answers every one of them in the end (it retried its writes).
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        stored = {r[0] for r in self.server.query(
            "SELECT json_extract(payload, '$.message.mid') FROM events")}
        missing = [m for m in acked if m not in stored]
        self.assertEqual(missing, [], "acknowledged with 200 and lost")
        self.server.wait_for("SELECT count(*) FROM events WHERE status = 0",
                             lambda n: n == 0, timeout=60)
        self.assertEqual(self.server.scalar("SELECT count(*) FROM events WHERE status = 2"), 0,
                         "events parked because the disk was full once")


class LockedDatabaseTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def test_write_lock_held_by_another_process(self):
        first = new_mid()
        self.assertEqual(post(self.server, "L1", first, "før låsen"), 200)

        # Another process takes the write lock and keeps it for 6 s, longer
        # than the server's db_busy_timeout_ms (2 s).
        held, release = threading.Event(), threading.Event()

        def hold():
            con = sqlite3.connect(self.server.db, timeout=10, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
            held.set()
            release.wait(6)
            con.execute("ROLLBACK")
            con.close()

        t = threading.Thread(target=hold)
        t.start()
        self.assertTrue(held.wait(10))
        during, t0 = new_mid(), time.monotonic()
        status = post(self.server, "L2", during, "mens låsen holdes")
        waited = time.monotonic() - t0
        self.assertEqual(status, 503, "a commit that cannot get the lock is a 503")
        self.assertLess(waited, 4.5, "Meta gives up after 5 s; answer before that")
        self.assertGreaterEqual(waited, 1.5, "the server should wait for the lock a while")
        self.assertEqual(self.server.scalar(
            "SELECT count(*) FROM events WHERE json_extract(payload, '$.message.mid') = ?",
            (during,)), 0, "a 503'd event must not be half-stored")
        # reading still works while another process writes (/metrics reads;
        # /healthz writes a row on purpose and may say "not writable" now)
        self.assertEqual(self.server.request("GET", "/metrics")[0], 200)
        release.set()
        t.join()

        # Meta's redelivery of the refused event and a new one both land.
        self.assertEqual(post(self.server, "L2", during, "mens låsen holdes"), 200)
        after = new_mid()
        self.assertEqual(post(self.server, "L3", after, "efter låsen"), 200)
        stored = {r[0] for r in self.server.query(
            "SELECT json_extract(payload, '$.message.mid') FROM events")}
        self.assertTrue({first, during, after} <= stored, stored)
        self.server.wait_for("SELECT count(*) FROM events WHERE status = 0",
                             lambda n: n == 0, timeout=30)


class GraphOutageTest(unittest.TestCase):
    """An hour without Graph, in simulated time: the outbox's back-off runs
    1000 times faster (first retry after 1 ms instead of 1 s, at most every
    300 ms instead of 5 min), so 3.6 s of outage is one hour of retries. Meta's
    24-hour window is wall-clock, so it is placed to close during the outage.
    Replies are kept and retried, none is given up, and when Graph returns
    each goes out once, in order, under the window rules of that moment."""

    SCALE = 1000
    CONFIG = ("outbox_retry_base_ms = 1\noutbox_retry_max_ms = 300\n"
              "send_rate_per_sec = 1000\ngraph_timeout_ms = 600\n"
              "graph_connect_timeout_ms = 300\n")

    def setUp(self):
        self.graph = FakeGraph(token=PAGE_TOKEN).start()
        self.server = Server(config=self.CONFIG, env={
            "BORGERBOT_GRAPH_URL": self.graph.url, "no_proxy": "127.0.0.1,localhost",
            "NO_PROXY": "127.0.0.1,localhost"}).start()

    def tearDown(self):
        self.server.cleanup()
        self.graph.stop()

    def rows(self, psid):
        return self.server.query(
            "SELECT origin, status, messaging_type, tag, attempts, error_message FROM outbox"
            " WHERE psid = ? ORDER BY id", (psid,))

    def test_an_hour_without_graph(self):
        self.graph.script([{"status": 503}], sticky=True)  # every recipient
        outage_start = time.monotonic()
        # the window closes 2 s into the outage (24 h less the 60 s margin)
        closing = now_ms() - 24 * HOUR + 60 * 1000 + 2000
        for psid, ts in (("7001", now_ms() - HOUR), ("7002", closing), ("7003", closing)):
            status, _ = self.server.post_webhook(envelope([text_event(psid, "Hej", ts=ts)]))
            self.assertEqual(status, 200)
        self.server.wait_for("SELECT count(*) FROM events WHERE status = 0", lambda n: n == 0)
        staff = subprocess.run([BIN, "outbox", "send-staff", "--db", self.server.db, "--psid",
                                "7003", "--text", "Hej, det er Karen fra Vej og Park."],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(staff.returncode, 0, staff.stderr)
        self.assertEqual(json.loads(staff.stdout)["messaging_type"], "RESPONSE")

        time.sleep(max(0, 3600 / self.SCALE - (time.monotonic() - outage_start)))
        during = self.rows("7001")
        self.assertEqual({r[1] for r in during}, {"pending"}, during)
        # the first reply is retried (the later ones wait behind it, in order):
        # at the real scale, 1, 2, 4 ... 256 s and then every 5 min (with
        # jitter) is 15-20 tries in an hour; scaled down, each try also pays
        # milliseconds of real work, so fewer fit
        self.assertGreaterEqual(during[0][4], 5, "too few retries in an hour")
        self.assertEqual(self.server.scalar(
            "SELECT count(*) FROM outbox WHERE status = 'failed'"), 0, "a reply was given up")
        before = len(self.graph.requests("7001"))

        self.graph.reset(requests=False)  # Graph is back
        self.server.wait_for("SELECT count(*) FROM outbox WHERE status = 'pending'",
                             lambda n: n == 0, timeout=20)
        # inside the window: each reply once, in order, as RESPONSE
        sent = [r for r in self.graph.requests("7001")[before:] if r.get("status") == 200]
        self.assertEqual([r["body"].get("sender_action") or "text" for r in sent],
                         ["mark_seen", "typing_on", "text"], sent)
        self.assertEqual({r[1] for r in self.rows("7001")}, {"sent"})
        self.assertEqual(sent[-1]["body"]["messaging_type"], "RESPONSE")
        # the window closed during the outage: the bot may not write any more
        for origin, status, _, _, _, why in self.rows("7002"):
            self.assertEqual((origin, status), ("bot", "refused"))
            self.assertIn("24-hour window", why)
        # and a person's reply goes as HUMAN_AGENT (7 days), decided at sending
        staff_rows = [r for r in self.rows("7003") if r[0] == "staff"]
        self.assertEqual([(r[1], r[2], r[3]) for r in staff_rows],
                         [("sent", "MESSAGE_TAG", "HUMAN_AGENT")])
        out = self.graph.accepted("7003")
        self.assertEqual([r["body"]["message"]["text"] for r in out],
                         ["Hej, det er Karen fra Vej og Park."])
        self.assertEqual(out[0]["body"].get("tag"), "HUMAN_AGENT")


if __name__ == "__main__":
    unittest.main()
