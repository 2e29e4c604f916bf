"""Nothing acknowledged is lost: kill -9 and SIGTERM while events arrive.

Meta got a 200 only for events that were committed, so after a crash and a
restart every acknowledged event must be stored, and processed exactly once."""
import json
import signal
import threading
import time
import unittest

from harness import Server, envelope, new_mid, now_ms, text_event


class Load:
    """Posts single-event bodies from several threads and remembers which
    mids were acknowledged with 200."""

    def __init__(self, server, threads=6):
        self.server = server
        self.acked = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(threads)]

    def run(self, n):
        i = 0
        while not self.stop.is_set():
            mid = new_mid()
            payload = envelope([text_event("D%d" % (i % 5), "besked %d" % i, mid=mid)])
            i += 1
            try:
                status, _ = self.server.post_webhook(payload)
            except OSError:
                continue  # the server died mid-request: not acknowledged
            if status == 200:
                with self.lock:
                    self.acked.add(mid)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def stored_mids(server):
    return {json.loads(p)["message"]["mid"] for (p,) in server.query("SELECT payload FROM events")}


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def restart(self):
        self.server = Server(datadir=self.server.dir, port=self.server.port).start()

    def test_kill_9_right_after_a_batch_got_its_200(self):
        payload = envelope([text_event("K1", "lys ude %d" % i) for i in range(3)],
                           [text_event("K2", "glat vej %d" % i) for i in range(3)])
        self.assertEqual(self.server.post_webhook(payload)[0], 200)
        self.server.kill9()
        self.restart()
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 6)
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 1", lambda v: v == 6)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM messages"), 6)
        # Meta retries after the crash: still six, processed once
        self.assertEqual(self.server.post_webhook(payload)[0], 200)
        time.sleep(0.3)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM messages"), 6)

    def test_redelivery_after_restart_is_still_a_duplicate(self):
        mid = new_mid()
        self.assertEqual(self.server.post_webhook(envelope([text_event("K3", "x", mid=mid)]))[0], 200)
        self.server.kill9()
        self.restart()
        # same mid, a later timestamp: remembered from the database at start
        self.assertEqual(self.server.post_webhook(
            envelope([text_event("K3", "x", mid=mid, ts=now_ms() + 1000)]))[0], 200)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 1)

    def test_kill_9_under_load_loses_no_acknowledged_event(self):
        with Load(self.server) as load:
            time.sleep(2.0)
            self.server.kill9()
        self.assertGreater(len(load.acked), 50)
        self.restart()
        missing = load.acked - stored_mids(self.server)
        self.assertEqual(missing, set())
        total = self.server.scalar("SELECT COUNT(*) FROM events")
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 1",
                             lambda v: v == total, timeout=20)
        # processed exactly once: one message row per stored event
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM messages"), total)

    def test_sigterm_under_load_loses_no_acknowledged_event(self):
        with Load(self.server) as load:
            time.sleep(1.0)
            self.assertEqual(self.server.stop(signal.SIGTERM), 0)
        self.restart()
        self.assertEqual(load.acked - stored_mids(self.server), set())


if __name__ == "__main__":
    unittest.main()
