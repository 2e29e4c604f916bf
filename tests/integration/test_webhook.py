"""Webhook behaviour against the real binary: Meta's subscription check,
signature checks, size limit, malformed bodies, durable storage with
de-duplication, processing of every event kind, retries and parking, 503
when the database cannot commit, and the operator endpoints."""
import json
import sqlite3
import threading
import time
import unittest

from harness import (APP_SECRET, PAGE_ID, VERIFY_TOKEN, Server, ServerTestCase, envelope,
                     new_mid, now_ms, sign, text_event)


def ev(psid, ts, **body):
    item = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": ts}
    item.update(body)
    return item


class VerifyTest(ServerTestCase):
    def get(self, query):
        status, body, _ = self.server.request("GET", "/webhook?" + query)
        return status, body

    def test_right_token_echoes_challenge(self):
        status, body = self.get("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token="
                                + VERIFY_TOKEN)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"1158201444")

    def test_encoded_parameters_are_decoded(self):
        status, body = self.get("hub.verify_token=" + VERIFY_TOKEN.replace("-", "%2D") +
                                "&hub.challenge=abc%20123&hub.mode=subscribe")
        self.assertEqual((status, body), (200, b"abc 123"))

    def test_wrong_token_mode_or_missing_parameters(self):
        for q in ["hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
                  "hub.mode=subscribe&hub.challenge=1&hub.verify_token=" + VERIFY_TOKEN + "x",
                  "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=" + VERIFY_TOKEN,
                  "hub.mode=subscribe&hub.verify_token=" + VERIFY_TOKEN,
                  "hub_mode=subscribe&hub_challenge=1&hub_verify_token=" + VERIFY_TOKEN,
                  "hub.mode=subscribe&hub.challenge=1",
                  ""]:
            status, body = self.get(q)
            self.assertEqual(status, 403, q)
            self.assertNotIn(b"1", body)

    def test_other_methods(self):
        status, _, headers = self.server.request("PUT", "/webhook", b"{}")
        self.assertEqual(status, 405)
        self.assertIn("GET", headers.get("Allow", ""))


class StoreTest(ServerTestCase):
    def events_count(self):
        return self.server.scalar("SELECT COUNT(*) FROM events")

    def test_two_entries_of_three_events_store_six_and_redelivery_stores_none(self):
        t = now_ms()
        payload = envelope([text_event("U1", "hej %d" % i, ts=t + i) for i in range(3)],
                           [text_event("U2", "lys ude %d" % i, ts=t + i) for i in range(3)])
        status, body = self.server.post_webhook(payload)
        self.assertEqual(status, 200)
        self.assertEqual(body, b"EVENT_RECEIVED")
        self.assertEqual(self.events_count(), 6)
        self.assertEqual(self.server.metric("borgerbot_events_stored_total"), 6)

        status, _ = self.server.post_webhook(payload)  # Meta retries the same delivery
        self.assertEqual(status, 200)
        self.assertEqual(self.events_count(), 6)
        self.assertEqual(self.server.metric("borgerbot_events_duplicate_total"), 6)

        # the worker records citizens, conversations and messages, once each
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 1", lambda v: v == 6)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM messages"), 6)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM conversations"), 2)
        self.assertEqual(self.server.scalar(
            "SELECT COUNT(*) FROM citizens WHERE last_inbound_at IS NOT NULL"), 2)
        self.assertEqual(self.server.scalar("SELECT id FROM pages"), PAGE_ID)
        self.assertEqual(self.server.metric("borgerbot_events_processed_total"), 6)
        self.assertEqual(self.server.metric('borgerbot_webhook_requests_total{result="ok"}'), 2)

    def test_same_mid_in_another_body_is_a_duplicate(self):
        mid = new_mid()
        self.assertEqual(self.server.post_webhook(envelope([text_event("U1", "a", mid=mid)]))[0], 200)
        self.assertEqual(self.server.post_webhook(envelope([text_event("U1", "b", mid=mid)]))[0], 200)
        self.assertEqual(self.events_count(), 1)

    def test_same_mid_with_another_timestamp_in_one_body_is_stored_once(self):
        mid = new_mid()
        t = now_ms()
        payload = envelope([text_event("U1", "a", mid=mid, ts=t),
                            text_event("U1", "a", mid=mid, ts=t + 5)])
        self.assertEqual(self.server.post_webhook(payload)[0], 200)
        self.assertEqual(self.events_count(), 1)

    def test_bad_signatures_are_refused_and_nothing_is_stored(self):
        payload = envelope([text_event("U1", "hej")])
        body = json.dumps(payload).encode()
        good = sign(body)
        cases = {
            "wrong secret": sign(body, "another-secret"),
            "truncated": good[:-2],
            "sha1 header": "sha1=" + "ab" * 20,
            "other body": sign(body + b" "),
            "empty": "",
            "uppercase prefix": good.replace("sha256", "SHA256"),
        }
        for name, sig in cases.items():
            headers = {"Content-Type": "application/json"}
            if sig:
                headers["X-Hub-Signature-256"] = sig
            status, _, _ = self.server.request("POST", "/webhook", body, headers)
            self.assertEqual(status, 403, name)
        # legacy header alone is not enough
        status, _, _ = self.server.request("POST", "/webhook", body,
                                           {"X-Hub-Signature": "sha1=" + "00" * 20})
        self.assertEqual(status, 403)
        self.assertEqual(self.events_count(), 0)
        self.assertEqual(self.server.metric(
            'borgerbot_webhook_requests_total{result="bad_signature"}'), len(cases) + 1)
        # uppercase hex digits of the right digest are accepted
        status, _ = self.server.post_webhook(None, raw=body, signature=good.upper().replace(
            "SHA256", "sha256"))
        self.assertEqual(status, 200)

    def test_signature_is_checked_before_parsing(self):
        # garbage with a wrong signature is a 403, not a 400
        status, _ = self.server.post_webhook(None, raw=b"{not json", signature=sign(b"x"))
        self.assertEqual(status, 403)

    def test_malformed_bodies_are_400(self):
        for raw in [b"", b"{not json", b"[]", b'"page"', b'{"object":"user","entry":[]}',
                    b'{"object":"page"}', b'{"object":"page","entry":{}}',
                    b'{"object":"page","entry":[{"id":"1","messaging":[{"x":"\xff\xfe"}]}]}',
                    b"[" * 50000 + b"]" * 50000,
                    # signed junk items are refused at once, not stored and parked
                    b'{"object":"page","entry":[{"id":"1","messaging":[1, null]}]}',
                    b'{"object":"page","entry":[7]}',
                    b'{"object":"page","entry":[{"id":"1","standby":"x"}]}',
                    # a parse error must not put the citizen's words in the log
                    b'{"object":"page","entry":[{"messaging":[{"message":{"text":"CPR 0101'
                    b'01-1234 hemmelig']:
            status, _ = self.server.post_webhook(None, raw=raw)
            self.assertEqual(status, 400, raw[:40])
        self.assertEqual(self.events_count(), 0)
        self.assertEqual(self.server.metric(
            'borgerbot_webhook_requests_total{result="bad_request"}'), 13)
        self.assertNotIn("hemmelig", self.server.read_log())

    def test_forged_timestamps_cannot_hold_the_window_open(self):
        events = []
        for i, ts in enumerate([1e300, 9223372036854775807, -1, now_ms() + 86400000]):
            ev = text_event("TS%d" % i, "hej")
            ev["timestamp"] = ts
            events.append(ev)
        before = now_ms()
        self.assertEqual(self.server.post_webhook(envelope(events))[0], 200)
        self.server.wait_for("SELECT COUNT(*) FROM citizens", lambda v: v == 4)
        for psid, last in self.server.query("SELECT psid, last_inbound_at FROM citizens"):
            self.assertTrue(before - 1000 <= last <= now_ms() + 1000, (psid, last))

    def test_oversized_body_is_413(self):
        event = text_event("U1", "x" * (1024 * 1024))
        status, _ = self.server.post_webhook(envelope([event]))
        self.assertEqual(status, 413)
        self.assertEqual(self.events_count(), 0)
        self.assertEqual(self.server.metric(
            'borgerbot_webhook_requests_total{result="too_large"}'), 1)

    def test_oversized_chunked_body_is_413(self):
        conn = self.server.connection()
        body = json.dumps(envelope([text_event("U1", "y" * (2 * 1024 * 1024))])).encode()
        chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
        try:
            conn.request("POST", "/webhook", body=chunks, encode_chunked=True,
                         headers={"X-Hub-Signature-256": sign(body)})
            status = conn.getresponse().status
        except (BrokenPipeError, ConnectionResetError):
            status = 413  # the server may close while we are still sending
        finally:
            conn.close()
        self.assertEqual(status, 413)
        self.assertEqual(self.events_count(), 0)

    def test_chunked_body_within_limit_is_stored(self):
        conn = self.server.connection()
        body = json.dumps(envelope([text_event("U1", "chunked")])).encode()
        conn.request("POST", "/webhook", body=iter([body[:10], body[10:]]), encode_chunked=True,
                     headers={"X-Hub-Signature-256": sign(body)})
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        self.assertEqual(self.events_count(), 1)

    def test_body_with_no_events_is_200(self):
        status, _ = self.server.post_webhook({"object": "page", "entry": []})
        self.assertEqual(status, 200)
        self.assertEqual(self.events_count(), 0)

    def test_keep_alive_connection_serves_many_requests(self):
        conn = self.server.connection()
        for i in range(20):
            body = json.dumps(envelope([text_event("U7", "msg %d" % i)])).encode()
            conn.request("POST", "/webhook", body=body, headers={"X-Hub-Signature-256": sign(body)})
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 200)
        conn.close()
        self.assertEqual(self.events_count(), 20)


class SmallLimitTest(ServerTestCase):
    server_config = "max_body_bytes = 2048\n"

    def test_configured_limit(self):
        self.assertEqual(self.server.post_webhook(envelope([text_event("U1", "a" * 500)]))[0], 200)
        self.assertEqual(self.server.post_webhook(envelope([text_event("U1", "a" * 3000)]))[0], 413)


class ProcessingTest(ServerTestCase):
    server_config = "worker_max_attempts = 3\nworker_retry_base_ms = 50\n"

    def test_every_event_kind_is_stored_and_processed(self):
        t = now_ms()
        echo_mid, in_mid = new_mid(), new_mid()
        items = [
            ev("U1", t, message={"mid": in_mid, "text": "Hej"}),
            ev("U1", t + 1, message={"mid": new_mid(), "text": "Ja", "quick_reply": {"payload": "YES"}}),
            ev("U1", t + 2, message={"mid": new_mid(), "attachments": [
                {"type": "image", "payload": {"url": "https://example.org/a.jpg"}}]}),
            ev("U1", t + 3, message={"mid": new_mid(), "attachments": [
                {"type": "file", "payload": {"url": "https://example.org/a.pdf"}}]}),
            ev("U1", t + 4, message={"mid": new_mid(), "attachments": [
                {"type": "location", "payload": {"coordinates": {"lat": 55.1, "long": 12.2}}}]}),
            ev("U1", t + 5, message={"mid": new_mid(), "attachments": [
                {"type": "fallback", "title": "link", "url": "https://example.org"}]}),
            ev("U1", t + 6, postback={"mid": new_mid(), "title": "Kom i gang", "payload": "GET_STARTED"}),
            ev("U1", t + 7, referral={"ref": "qr", "source": "SHORTLINK", "type": "OPEN_THREAD"}),
            ev("U1", t + 8, optin={"type": "notification_messages", "payload": "panel"}),
            {"sender": {"id": PAGE_ID}, "recipient": {"id": "U1"}, "timestamp": t + 9,
             "message": {"mid": echo_mid, "is_echo": True, "app_id": 42, "text": "Tak!"}},
            ev("U1", t + 10, delivery={"mids": [echo_mid], "watermark": t + 9}),
            ev("U1", t + 11, read={"watermark": t + 9}),
            ev("U1", t + 12, reaction={"reaction": "love", "emoji": "\u2764", "action": "react",
                                       "mid": echo_mid}),
            ev("U1", t + 13, message_edit={"mid": in_mid, "text": "Hej igen", "num_edit": 1}),
            ev("U1", t + 14, pass_thread_control={"new_owner_app_id": "263902037430900",
                                                  "metadata": "til personale"}),
            ev("U1", t + 15, take_thread_control={"previous_owner_app_id": "1",
                                                  "new_owner_app_id": "42"}),
            ev("U1", t + 16, request_thread_control={"requested_owner_app_id": "7"}),
            ev("U1", t + 17, app_roles={"42": ["primary_receiver"]}),
            ev("U1", t + 18, brand_new_kind={"x": 1}),
        ]
        payload = {"object": "page", "entry": [
            {"id": PAGE_ID, "time": t, "messaging": items},
            {"id": PAGE_ID, "time": t, "standby": [ev("U2", t, message={"mid": new_mid(), "text": "x"})]},
            {"id": PAGE_ID, "time": t // 1000, "changes": [{"field": "feed", "value": {
                "item": "comment", "verb": "add", "comment_id": "1_2_3", "post_id": "1_2",
                "from": {"id": "U3", "name": "Borger"}, "message": "Huller i vejen",
                "created_time": t // 1000}}]},
        ]}
        self.assertEqual(self.server.post_webhook(payload)[0], 200)
        total = len(items) + 2
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), total)
        self.server.wait_for("SELECT COUNT(*) FROM events WHERE status = 1", lambda v: v == total)
        q = self.server.scalar
        self.assertEqual(q("SELECT COUNT(*) FROM events WHERE status = 2"), 0)
        self.assertEqual(q("SELECT kind FROM events WHERE payload LIKE '%brand_new_kind%'"), "unknown")
        self.assertEqual(q("SELECT text FROM messages WHERE mid = ?", (in_mid,)), "Hej igen")
        self.assertEqual(q("SELECT edit_count FROM messages WHERE mid = ?", (in_mid,)), 1)
        self.assertEqual(q("SELECT direction FROM messages WHERE mid = ?", (echo_mid,)), "out")
        self.assertIsNotNone(q("SELECT delivered_at FROM messages WHERE mid = ?", (echo_mid,)))
        self.assertIsNotNone(q("SELECT read_at FROM messages WHERE mid = ?", (echo_mid,)))
        self.assertEqual(q("SELECT payload FROM messages WHERE kind = 'quick_reply'"), "YES")
        self.assertEqual(q("SELECT payload FROM messages WHERE kind = 'postback'"), "GET_STARTED")
        self.assertEqual(q("SELECT COUNT(*) FROM messages WHERE kind = 'attachment'"), 4)
        self.assertEqual(q("SELECT reply_to_mid FROM messages WHERE kind = 'reaction'"), echo_mid)
        self.assertEqual(q("SELECT thread_owner_app_id FROM conversations WHERE psid = 'U1'"), "42")
        self.assertEqual(q("SELECT message FROM feed_comments"), "Huller i vejen")
        self.assertEqual(q("SELECT COUNT(*) FROM messages WHERE conversation_id ="
                           " (SELECT id FROM conversations WHERE psid = 'U2')"), 1)

    def test_events_of_a_citizen_are_processed_in_timestamp_order(self):
        t = now_ms()
        # Meta may redeliver out of order: the body lists later events first
        items = [text_event("U5", "tredje", ts=t + 3), text_event("U5", "første", ts=t + 1),
                 text_event("U5", "anden", ts=t + 2)]
        self.assertEqual(self.server.post_webhook(envelope(items))[0], 200)
        self.server.wait_for("SELECT COUNT(*) FROM messages", lambda v: v == 3)
        texts = [r[0] for r in self.server.query("SELECT text FROM messages ORDER BY id")]
        self.assertEqual(texts, ["første", "anden", "tredje"])

    def test_failing_event_is_retried_then_parked_without_blocking_others(self):
        t = now_ms()
        broken = {"recipient": {"id": PAGE_ID}, "timestamp": t, "message": {"mid": new_mid(), "text": "?"}}
        payload = envelope([broken, text_event("U8", "hej", ts=t + 1)])
        self.assertEqual(self.server.post_webhook(payload)[0], 200)
        # the good event does not wait for the broken one
        self.server.wait_for("SELECT COUNT(*) FROM messages", lambda v: v == 1, timeout=5)
        self.server.wait_for("SELECT status FROM events WHERE citizen_id = ''", lambda v: v == 2)
        row = self.server.query("SELECT attempts, last_error FROM events WHERE citizen_id = ''")[0]
        self.assertEqual(row[0], 3)
        self.assertIn("no sender", row[1])
        self.assertEqual(self.server.metric("borgerbot_events_parked_total"), 1)
        self.assertEqual(self.server.metric("borgerbot_events_parked"), 1)
        self.assertEqual(self.server.metric("borgerbot_events_failed_total"), 3)

    def test_parked_events_can_be_listed_and_retried(self):
        import subprocess
        from harness import BIN
        broken = {"recipient": {"id": PAGE_ID}, "timestamp": now_ms(), "message": {"mid": new_mid()}}
        self.assertEqual(self.server.post_webhook(envelope([broken]))[0], 200)
        self.server.wait_for("SELECT status FROM events", lambda v: v == 2)
        out = subprocess.run([BIN, "events", "parked", "--db", self.server.db],
                             capture_output=True, text=True, check=True).stdout
        parked = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(parked), 1)
        self.assertIn("no sender", parked[0]["error"])
        out = subprocess.run([BIN, "events", "retry", str(parked[0]["id"]), "--db", self.server.db],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("1 event(s)", out)
        # it fails again and is parked again, after new attempts
        self.server.wait_for("SELECT attempts FROM events", lambda v: v == 3)
        bad = subprocess.run([BIN, "events", "retry", "abc", "--db", self.server.db],
                             capture_output=True, text=True)
        self.assertNotEqual(bad.returncode, 0)


class UnavailableTest(ServerTestCase):
    server_config = "db_busy_timeout_ms = 300\n"

    def test_503_when_database_cannot_commit_then_recovers(self):
        lock = sqlite3.connect(self.server.db, timeout=5, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            payload = envelope([text_event("U1", "under lock")])
            status, _ = self.server.post_webhook(payload)
            self.assertEqual(status, 503)
            status, _, _ = self.server.request("GET", "/healthz")
            self.assertEqual(status, 503)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 0)
        self.assertEqual(self.server.metric(
            'borgerbot_webhook_requests_total{result="unavailable"}'), 1)
        # Meta's retry of the same delivery now succeeds
        self.assertEqual(self.server.post_webhook(payload)[0], 200)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 1)
        self.assertEqual(self.server.request("GET", "/healthz")[0], 200)


class OpsTest(ServerTestCase):
    def test_healthz_and_metrics(self):
        status, body, _ = self.server.request("GET", "/healthz")
        self.assertEqual((status, body), (200, b"ok\n"))
        status, body, headers = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("text/plain", headers["Content-Type"])
        text = body.decode()
        for name in ["borgerbot_webhook_requests_total", "borgerbot_events_stored_total",
                     "borgerbot_events_duplicate_total", "borgerbot_events_processed_total",
                     "borgerbot_events_parked_total",
                     "borgerbot_webhook_request_duration_seconds_bucket"]:
            self.assertIn("# TYPE " + name.replace("_bucket", ""), text)
        for result in ["ok", "bad_signature", "too_large", "bad_request", "unavailable"]:
            self.assertIn('borgerbot_webhook_requests_total{result="%s"}' % result, text)

    def test_latency_histogram_counts_requests(self):
        for _ in range(3):
            self.server.post_webhook(envelope([text_event("U1", "x")]))
        self.server.post_webhook(None, raw=b"{}", signature="sha256=00")
        # a request's duration is recorded once its answer has left, so the
        # client may read /metrics a moment before the last one is counted
        deadline = time.time() + 5
        while (self.server.metric("borgerbot_webhook_request_duration_seconds_count") < 4
               and time.time() < deadline):
            time.sleep(0.02)
        self.assertEqual(self.server.metric("borgerbot_webhook_request_duration_seconds_count"), 4)
        self.assertEqual(self.server.metric(
            'borgerbot_webhook_request_duration_seconds_bucket{le="+Inf"}'), 4)

    def test_head_is_get_without_a_body(self):
        status, headers, body = self.server.raw_request(
            "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(headers["content-length"], "3")  # what GET would send

    def test_a_nul_in_the_path_is_refused_not_cut(self):
        for path in ("/healthz%00.txt", "/api/cases%00/x", "/webhook%00"):
            status, _, body = self.server.raw_request(
                "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close" % path)
            self.assertIn(status, (400, 404), path)
            self.assertNotEqual(body, b"ok\n", path)

    def test_unknown_path_is_404(self):
        self.assertEqual(self.server.request("GET", "/nope")[0], 404)


# What a browser sends before a cross-site POST with a JSON body or a key.
PREFLIGHT = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type, authorization"}


def cors_headers(headers):
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control-")}


class NoCorsTest(ServerTestCase):
    """CivetWeb answers CORS preflights itself and grants "*" by default;
    the server must grant no origin anything, on any route."""

    def test_no_route_grants_cors(self):
        for path in ["/webhook", "/api/cases", "/api/cases/X-1/status", "/api/gritting/runs",
                     "/open311/v2/services.json", "/open311/v2/requests.json", "/healthz",
                     "/metrics", "/nope"]:
            for method, headers in [("OPTIONS", PREFLIGHT),
                                    ("GET", {"Origin": "https://evil.example"}),
                                    ("POST", {"Origin": "https://evil.example",
                                              "Content-Type": "application/json"})]:
                _, _, got = self.server.request(method, path, b"{}" if method == "POST"
                                                else None, headers)
                self.assertEqual(cors_headers(got), {}, (method, path))
        # the preflight reaches the handler, which does not know OPTIONS
        status, _, _ = self.server.request("OPTIONS", "/webhook", None, PREFLIGHT)
        self.assertEqual(status, 405)


class HostileRequestTest(ServerTestCase):
    """Requests without the headers or query a handler looks for (no Host,
    no Content-Type, no Authorization, no query, names without values) get
    the handler's ordinary refusal, and the server stays up."""

    def test_missing_headers_and_queries(self):
        cases = [
            ("GET /webhook HTTP/1.0", 403),
            ("GET /webhook? HTTP/1.0", 403),
            ("GET /webhook?hub.mode&hub.verify_token&hub.challenge HTTP/1.0", 403),
            ("GET /webhook?=&&=x&%zz=1&hub.mode=%00 HTTP/1.0", 403),
            ("POST /webhook HTTP/1.0\r\nContent-Length: 0", 403),
            ("GET /api/cases HTTP/1.0", 401),
            ("GET /api/cases?status&limit= HTTP/1.0", 401),
            ("POST /api/cases/X-1/status HTTP/1.0\r\nContent-Length: 0", 401),
            ("DELETE /api/cases HTTP/1.0", 405),
            ("GET /open311/v2/services.json HTTP/1.0", 200),
            ("GET /open311/v2/services.json?jurisdiction_id&%00 HTTP/1.0", 404),
            ("GET /open311/v2/requests.json?api_key HTTP/1.0", 403),
            ("POST /open311/v2/requests.json HTTP/1.0\r\nContent-Length: 0", 415),
            ("GET /healthz HTTP/1.0", 200),
        ]
        for head, want in cases:
            status, _, _ = self.server.raw_request(head)
            self.assertEqual(status, want, head)
        # Without a Host header, discovery names localhost rather than nothing.
        status, _, body = self.server.raw_request("GET /open311/v2/discovery.json HTTP/1.0")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["endpoints"][0]["url"], "http://localhost/open311/v2")
        self.assertEqual(self.server.request("GET", "/healthz")[0], 200)

    def test_query_names_are_decoded_and_any_case(self):
        status, body, _ = self.server.request(
            "GET", "/webhook?HUB.MODE=subscribe&hub%2Echallenge=42&Hub.Verify_Token=" +
            VERIFY_TOKEN)
        self.assertEqual((status, body), (200, b"42"))
        # a NUL byte in a value is refused, not cut short
        status, _, _ = self.server.request(
            "GET", "/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=" +
            VERIFY_TOKEN + "%00x")
        self.assertEqual(status, 403)


class ConcurrencyTest(ServerTestCase):
    def test_concurrent_posts_are_all_stored(self):
        results = []

        def worker(n):
            for i in range(25):
                status, _ = self.server.post_webhook(envelope([text_event("C%d" % n, "m%d" % i)]))
                results.append(status)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results.count(200), 200)
        self.assertEqual(self.server.scalar("SELECT COUNT(*) FROM events"), 200)
        self.server.wait_for("SELECT COUNT(*) FROM messages", lambda v: v == 200)
        # group commit: fewer transactions than requests is possible, never more
        self.assertLessEqual(self.server.metric("borgerbot_ingest_batches_total"), 200)


if __name__ == "__main__":
    unittest.main()
