"""Intake that one client cannot stop (issue 16), against the real binary
over TLS: while an attacker keeps 500 idle keep-alive connections (one
request, then silence) and 200 slow-header connections (half of them never
start TLS, half drip a header line every half second) open, from many
loopback addresses, signed webhook POSTs from another address are answered
within a second and stored. The same from one address: the per-client bound
refuses the excess at accept. An absurd Content-Length or chunk size is
refused before CivetWeb does arithmetic on it.

The attacker reconnects whenever the server drops one of its connections,
so the counts are what it keeps open, as a real attacker would. Loopback
addresses other than 127.0.0.1 (127.0.0.0/8 is all local on Linux) stand in
for the attacker's machines."""
import asyncio
import json
import random
import resource
import socket
import ssl
import threading
import time
import unittest

from harness import Server, envelope, new_mid, sign, text_event

IDLE, SLOW = 500, 200
BUDGET_S = 1.0
PAUSE = 0.5  # seconds the attacker waits before it reconnects (on average)


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        raise unittest.SkipTest("RLIMIT_NOFILE hard limit %d is below the %d descriptors "
                                "this test needs" % (soft, need))


class Attacker:
    """An asyncio loop in a thread that keeps connections open to the server."""

    def __init__(self, port, cafile):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.ctx.check_hostname = False
        self.open = 0
        self.peak = 0
        self.dropped = 0
        self.stop_flag = False
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(lambda loop, context: None)  # drops at stop
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _opened(self):
        self.open += 1
        self.peak = max(self.peak, self.open)

    async def _connect(self, addr, tls):
        """A TCP connection from addr (counted open once established, as the
        kernel accepts it into the server's backlog), then TLS if asked:
        (reader, writer), or (None, None) after a failure and a pause."""
        loop = asyncio.get_running_loop()
        sock = socket.socket()
        sock.setblocking(False)
        counted = False
        try:
            sock.bind((addr, 0))
            await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", self.port)), 10)
            self._opened()
            counted = True
            r, w = await asyncio.wait_for(asyncio.open_connection(
                sock=sock, ssl=self.ctx if tls else None,
                server_hostname="127.0.0.1" if tls else None), 30)
            return r, w
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            if counted:
                self.open -= 1
                self.dropped += 1
            sock.close()
            await asyncio.sleep(PAUSE * (0.5 + random.random()))
            return None, None

    async def _dropped(self, writer):
        """One of the attacker's connections ended: count it, pause, reopen."""
        self.open -= 1
        self.dropped += 1
        writer.close()
        await asyncio.sleep(PAUSE * (0.5 + random.random()))

    async def _idle(self, addr):
        while not self.stop_flag:
            r, w = await self._connect(addr, True)
            if not r:
                continue
            try:
                w.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                while not self.stop_flag and await r.read(4096):
                    pass  # the answer, then silence until the server closes
            except (OSError, ssl.SSLError):
                pass
            await self._dropped(w)

    async def _slow(self, addr, tls):
        while not self.stop_flag:
            r, w = await self._connect(addr, tls)
            if not r:
                continue
            try:
                if tls:
                    w.write(b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while not self.stop_flag:
                    if tls:
                        w.write(b"X-Slow: 1\r\n")
                        await w.drain()
                    try:
                        if not await asyncio.wait_for(r.read(4096), 0.5):
                            break  # closed by the server
                    except asyncio.TimeoutError:
                        pass
            except (OSError, ssl.SSLError):
                pass
            await self._dropped(w)

    def start(self, idle_addrs, slow_addrs):
        self.thread.start()
        self.tasks = []
        for i in range(IDLE):
            self.tasks.append(asyncio.run_coroutine_threadsafe(
                self._idle(idle_addrs[i % len(idle_addrs)]), self.loop))
        for i in range(SLOW):
            self.tasks.append(asyncio.run_coroutine_threadsafe(
                self._slow(slow_addrs[i % len(slow_addrs)], tls=i % 2 == 0), self.loop))

    def stop(self):
        self.stop_flag = True
        for t in self.tasks:
            t.cancel()
        time.sleep(0.5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class IntakeUnderAttackTest(unittest.TestCase):
    def setUp(self):
        raise_fd_limit(4096)
        self.retries = 0
        self.server = Server(tls=True).start()

    def tearDown(self):
        if hasattr(self, "_outcome") and any(
                t is self for t, _ in self._outcome.result.errors +
                self._outcome.result.failures):
            print("---- server log ----\n" + self.server.read_log()[-3000:])
        self.server.cleanup()

    def post(self, body):
        """One signed POST on a new TLS connection. A connection the gate
        shed while it was still in its handshake (it cannot tell a client
        with one connection from one of hundreds of attacker addresses with
        one each) is reset; the client sends again at once (at most twice), and
        that counts in the latency."""
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
        for attempt in range(3):
            try:
                return self.server.request("POST", "/webhook", body, headers, timeout=5)[0]
            except (ConnectionResetError, ssl.SSLEOFError, BrokenPipeError):
                if attempt == 2:
                    raise
                self.retries += 1

    def attack_and_post(self, idle_addrs, slow_addrs, seconds=8):
        attacker = Attacker(self.server.port, self.server.cert)
        attacker.start(idle_addrs, slow_addrs)
        try:
            time.sleep(3)  # let the attacker open its connections
            latencies, mids, held = [], [], []
            deadline = time.time() + seconds
            while time.time() < deadline:
                mid = new_mid()
                body = json.dumps(envelope([text_event("U-intake", "hej", mid=mid)])).encode()
                held.append(attacker.open)
                t0 = time.monotonic()
                status = self.post(body)
                latencies.append(time.monotonic() - t0)
                self.assertEqual(status, 200)
                mids.append(mid)
                time.sleep(0.2)
            peak = attacker.peak
            open_now = attacker.open
        finally:
            attacker.stop()
        held.sort()
        print("attack: peak %d open; while posting median %d, least %d open; %d dropped; "
              "%d POSTs (%d sent again), slowest %.3f s"
              % (peak, held[len(held) // 2], held[0], attacker.dropped, len(latencies),
                 self.retries, max(latencies)))
        # Measured: 0-3 of ~33 (docs/operations.md); a fifth would be a regression.
        self.assertLessEqual(self.retries, len(latencies) // 5, "too many POSTs were cut")
        stored = self.server.scalar("SELECT count(*) FROM events WHERE dedup_key IN (%s)" %
                                    ",".join("?" * len(mids)), ["m:" + m for m in mids])
        self.assertEqual(stored, len(mids))
        return latencies, held, attacker

    def test_many_addresses_idle_and_slow_connections(self):
        # 50 idle and 20 slow tasks per address: under the per-client bound
        # (32) most of the time, so the header bound and idle shedding do the
        # work. (Hundreds of addresses with one connection each cannot be
        # told from Meta's: docs/operations.md names that limit.)
        idle_addrs = ["127.0.2.%d" % i for i in range(1, 11)]
        slow_addrs = ["127.0.3.%d" % i for i in range(1, 11)]
        latencies, held, attacker = self.attack_and_post(idle_addrs, slow_addrs)
        # The attack was real: at its peak the attacker held several times the
        # server's 64 worker threads at once (80 idle connections stopped
        # intake before the gate) and kept reopening what the server shed,
        # thousands of connections. How many it holds at the peak depends on
        # how fast the server sheds: 650-700 here, 431 on a faster CI machine,
        # fewer under ThreadSanitizer; 4 x 64 is the floor for "an attack".
        self.assertGreaterEqual(attacker.peak, 4 * 64, "the attacker never held its connections")
        self.assertGreater(attacker.dropped, 2000, "the attacker was not kept busy")
        self.assertLess(max(latencies), BUDGET_S, sorted(latencies)[-5:])
        shut = [self.server.metric('borgerbot_http_connections_shut_total{reason="%s"}' % r)
                for r in ("headers", "idle")]
        refused = self.server.metric("borgerbot_http_connections_refused_total")
        print("gate: shut %d short of headers, %d idle; refused %d" % (*shut, refused))
        self.assertGreater(shut[0], 0, "the header bound never acted")

    def test_one_address_is_bounded_at_accept(self):
        latencies, _, _ = self.attack_and_post(["127.0.4.1"], ["127.0.4.1"])
        self.assertLess(max(latencies), BUDGET_S, sorted(latencies)[-5:])
        self.assertGreater(self.server.metric("borgerbot_http_connections_refused_total"), 0)


class ArithmeticTest(unittest.TestCase):
    """Content-Length and chunk sizes CivetWeb would overflow on (the ASan
    build aborted on them): refused first, and the server keeps serving."""

    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def send(self, raw):
        """raw bytes over plain HTTP; everything the server sends until it closes."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(raw)
            return b"".join(iter(lambda: s.recv(65536), b""))

    def test_huge_content_length_is_413_and_closes(self):
        for path in ("/webhook", "/api/cases", "/no-such-route"):
            for cl in ("99999999999999999999", "9223372036854775807", str((64 << 20) + 1)):
                data = self.send(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %s\r\n"
                                  "X-Hub-Signature-256: sha256=00\r\n\r\n{}" % (path, cl))
                                 .encode())
                self.assertTrue(data.startswith(b"HTTP/1.1 413 "), (path, cl, data[:80]))
        self.assertEqual(self.server.request("GET", "/healthz")[0], 200)

    def test_huge_chunk_size_is_refused(self):
        body = b"{}"
        for size in (b"7fffffffffffffff", b"ffffffffffffffff", b"80000000",
                     b"1" + b"0" * 30):
            data = self.send(b"POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                             b"Content-Type: application/json\r\nX-Hub-Signature-256: " +
                             sign(body).encode() + b"\r\n\r\n" + size + b"\r\n" + body +
                             b"\r\n0\r\n\r\n")
            status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
            self.assertIn(status, (400, 413), (size, data[:80]))
        self.assertEqual(self.server.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.server.scalar("SELECT count(*) FROM events"), 0)


if __name__ == "__main__":
    unittest.main()
