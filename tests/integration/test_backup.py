"""`borgerbot backup` while the server writes: the copy is consistent (one
commit's state, passes integrity_check, needs no -wal file), holds every
event acknowledged before it began, and a server started on the restored
copy runs with the data. Bad arguments and unwritable targets fail clearly
and leave an existing backup untouched."""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import BIN, Server, envelope, text_event  # noqa: E402


def backup(*args):
    return subprocess.run([BIN, "backup"] + list(args), capture_output=True, text=True,
                          timeout=60)


class BackupTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
        self.out = tempfile.mkdtemp(prefix="borgerbot-backup-")

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.out, ignore_errors=True)

    def post_many(self, n, prefix, acked):
        for i in range(n):
            events = [text_event("%s%d-%d" % (prefix, i, k), "hej") for k in range(5)]
            status, _ = self.server.post_webhook(envelope(events))
            if status == 200:
                acked.append(len(events))

    def test_backup_while_writing_is_consistent_and_restores(self):
        first = []
        self.post_many(20, "A", first)
        acked_before = sum(first)
        writer_acks = []
        writer = threading.Thread(target=self.post_many, args=(200, "B", writer_acks))
        writer.start()
        target = os.path.join(self.out, "borgerbot-backup.db")
        result = backup("--to", target, "--db", self.server.db)
        writer.join()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("backed up", result.stdout)
        self.assertFalse(os.path.exists(target + "-wal"))
        self.assertFalse(os.path.exists(target + ".tmp"))
        copy = sqlite3.connect(target)
        self.assertEqual(copy.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(copy.execute("PRAGMA journal_mode").fetchone()[0], "delete")
        in_copy = copy.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        version = copy.execute("PRAGMA user_version").fetchone()[0]
        copy.close()
        # everything acknowledged before the backup began is in it; the rest
        # may or may not be (one commit's state), never more than was stored
        self.assertGreaterEqual(in_copy, acked_before)
        self.assertLessEqual(in_copy, acked_before + sum(writer_acks))
        self.assertEqual(version, self.server.scalar("PRAGMA user_version"))

        # restore: a new server on the copy has the data and works
        restored = tempfile.mkdtemp(prefix="borgerbot-restored-")
        shutil.copy(target, os.path.join(restored, "borgerbot.db"))
        other = Server(datadir=restored).start()
        try:
            self.assertEqual(other.scalar("SELECT COUNT(*) FROM events"), in_copy)
            status, _ = other.post_webhook(envelope([text_event("R1", "hej igen")]))
            self.assertEqual(status, 200)
            other.wait_for("SELECT COUNT(*) FROM events WHERE status = 0", lambda v: v == 0)
        finally:
            other.cleanup()

    def test_bad_arguments_and_targets_fail_clearly(self):
        self.assertEqual(backup().returncode, 2)
        self.assertEqual(backup("--to").returncode, 2)
        self.assertEqual(backup("--to", self.server.db, "--db", self.server.db).returncode, 2)
        missing = backup("--to", os.path.join(self.out, "x.db"), "--db", "/nonexistent/b.db")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("cannot read database", missing.stderr)
        # an existing backup survives a failed one
        target = os.path.join(self.out, "keep.db")
        self.assertEqual(backup("--to", target, "--db", self.server.db).returncode, 0)
        before = open(target, "rb").read()
        # the copy cannot be written (its temporary file is in the way)
        os.mkdir(target + ".tmp")
        open(os.path.join(target + ".tmp", "x"), "w").close()
        fail = backup("--to", target, "--db", self.server.db)
        self.assertEqual(fail.returncode, 1)
        self.assertIn("error", fail.stderr)
        shutil.rmtree(target + ".tmp")
        self.assertEqual(open(target, "rb").read(), before)


if __name__ == "__main__":
    unittest.main()
