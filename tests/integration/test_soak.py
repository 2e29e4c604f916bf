"""The soak benchmark's short run (bench/soak.py --check, 30 s): a fixed rate
of signed webhook events with 10% badly signed ones mixed in, through the
whole pipeline to the fake Graph API.

Asserted, not timed: every good request 200 and stored, every bad one 403
and not stored, no other status, the backlog drained, no event parked, every
reply delivered, and (in the plain build) RSS flat after the first window.
The speed figures it prints are for people; the 10-minute run and its
results are in docs/benchmarks.md."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("BORGERBOT_BIN", os.path.join(ROOT, "build", "borgerbot"))


class SoakTest(unittest.TestCase):
    def test_thirty_seconds_at_a_fixed_rate(self):
        sanitized = os.environ.get("BORGERBOT_SANITIZED") == "1"
        cmd = [sys.executable, os.path.join(ROOT, "bench", "soak.py"),
               "--build-dir", os.path.dirname(BIN), "--duration", "30",
               "--rate", "40" if sanitized else "100", "--check"]
        if sanitized:
            cmd += ["--max-rss-growth", "1000"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=400)
        print(r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("rules: all kept", r.stdout)


if __name__ == "__main__":
    unittest.main()
