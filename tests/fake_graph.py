#!/usr/bin/env python3
"""A fake of Meta's Graph Send API for Borgerbot's tests and benchmarks.

Python 3 standard library only. Listens on 127.0.0.1 (random port unless
--port), answers `POST /{version}/{page-id|me}/messages` like the Send API
(and `pass_thread_control` / `take_thread_control` like Conversation Routing,
with {"success": true}) and records every request it gets: path, endpoint,
query, headers, JSON body, arrival time and the answer it gave.

Control API (JSON):
  GET  /_requests            {"requests": [record, ...]}  (?psid=ID to filter)
  POST /_script              {"psid": ID or omitted (any recipient),
                              "responses": [spec, ...], "sticky": false}
                             queues answers for the next requests; with
                             "sticky": true the single spec repeats until reset
  POST /_reset               forget requests and scripts
  GET  /_health              "ok"

An answer spec is an object, all keys optional:
  {"delay_ms": 200}                       wait, then answer normally
  {"status": 500}                         HTTP 500 with a Graph error body (code 2)
  {"error_code": 613, "error_subcode": 0, "status": 400, "message": "..."}
  {"drop": true}                          close the connection without an answer
  {"fail_ratio": 0.5}                     HTTP 500 (code 2) at random half the time
Requests without a matching script get 200 {"recipient_id", "message_id"}
(sender actions: {"recipient_id"}). A wrong access token gets 401 code 190.

In tests:
    from fake_graph import FakeGraph
    with FakeGraph(token="test-page-token") as fg:
        env["BORGERBOT_GRAPH_URL"] = fg.url      # http://127.0.0.1:PORT/v25.0
        fg.script([{"status": 500}], psid="123")
        fg.requests(psid="123")
"""
import argparse
import json
import random
import socket
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _State:
    def __init__(self, token):
        self.token = token
        self.lock = threading.Lock()
        self.records = []
        self.scripts = {}  # psid or None -> list of specs
        self.sticky = {}   # psid or None -> spec
        self.next_mid = 0

    def pick(self, psid):
        with self.lock:
            for key in (psid, None):
                queue = self.scripts.get(key)
                if queue:
                    return queue.pop(0)
            for key in (psid, None):
                if key in self.sticky:
                    return self.sticky[key]
            return {}

    def mid(self):
        with self.lock:
            self.next_mid += 1
            return "m_fake_%d" % self.next_mid


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGraph/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle
        # plus the client's delayed ACK add ~40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the server under test was killed or timed out

    def _send(self, status, obj):
        body = json.dumps(obj).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout test)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_requests":
            q = urllib.parse.parse_qs(url.query)
            with st.lock:
                recs = list(st.records)
            if "psid" in q:
                recs = [r for r in recs if r["psid"] == q["psid"][0]]
            return self._send(200, {"requests": recs})
        if url.path == "/_health":
            return self._send(200, {"ok": True})
        return self._send(404, {"error": {"message": "unknown path", "code": 100}})

    def do_POST(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        raw = self._body()
        if url.path == "/_script":
            spec = json.loads(raw or b"{}")
            key = spec.get("psid")
            with st.lock:
                if spec.get("sticky"):
                    st.sticky[key] = (spec.get("responses") or [{}])[0]
                else:
                    st.scripts.setdefault(key, []).extend(spec.get("responses", []))
            return self._send(200, {"ok": True})
        if url.path == "/_reset":
            with st.lock:
                st.records.clear()
                st.scripts.clear()
                st.sticky.clear()
            return self._send(200, {"ok": True})
        parts = url.path.strip("/").split("/")
        if len(parts) != 3 or parts[2] not in ENDPOINTS:
            return self._send(404, {"error": {"message": "Unknown path", "code": 100}})
        return self._messages(st, url, parts[1], raw)

    def _messages(self, st, url, page, raw):
        arrived = time.time()
        query = urllib.parse.parse_qs(url.query)
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else (query.get("access_token") or [""])[0]
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        psid = ((body or {}).get("recipient") or {}).get("id", "")
        spec = st.pick(psid)
        rec = {"path": url.path, "page": page, "query": url.query,
               "via_proxy": self.path.startswith("http"),  # absolute URI: sent to a proxy
               "headers": {k: v for k, v in self.headers.items() if k.lower() != "authorization"},
               "token_ok": token == st.token, "body": body, "psid": psid, "time": arrived,
               "endpoint": url.path.rstrip("/").rsplit("/", 1)[-1]}
        if spec.get("drop"):
            rec["answer"] = "dropped"
            with st.lock:
                st.records.append(rec)
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        if spec.get("delay_ms"):
            time.sleep(spec["delay_ms"] / 1000.0)
        if spec.get("fail_ratio") and random.random() < spec["fail_ratio"]:
            spec = {"status": 500}
        status, answer = self._answer(st, spec, token, body, psid)
        if status == 200 and rec["endpoint"] not in ("messages", "messenger_profile"):
            answer = {"success": True}  # Conversation Routing: pass/take_thread_control
        rec["status"] = status
        rec["answer"] = answer
        with st.lock:
            st.records.append(rec)
        self._send(status, answer)

    def _answer(self, st, spec, token, body, psid):
        if token != st.token:
            return 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                   "code": 190, "fbtrace_id": "fake"}}
        if "error_code" in spec or spec.get("status", 200) >= 300:
            code = spec.get("error_code", 2)
            err = {"message": spec.get("message", "(#%d) fake error" % code),
                   "type": "OAuthException", "code": code, "fbtrace_id": "fake"}
            if spec.get("error_subcode"):
                err["error_subcode"] = spec["error_subcode"]
            default_status = 500 if code in (1, 2) else 400
            return spec.get("status", default_status), {"error": err}
        if isinstance(body, dict) and "persistent_menu" in body or "get_started" in (body or {}):
            return 200, {"result": "success"}  # the Messenger Profile API
        if not isinstance(body, dict) or not psid:
            return 400, {"error": {"message": "(#100) The parameter recipient is required",
                                   "code": 100}}
        if "sender_action" in body:
            return 200, {"recipient_id": psid}
        return 200, {"recipient_id": psid, "message_id": st.mid()}


# Graph endpoints the fake answers under /{version}/{page}/: the Send API and
# Conversation Routing's thread control (messenger-platform.md section 5).
ENDPOINTS = ("messages", "pass_thread_control", "take_thread_control", "messenger_profile")


class FakeGraph:
    """The fake, running in a thread of the calling process."""

    def __init__(self, token="test-page-token", port=0, version="v25.0"):
        self.state = _State(token)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/%s" % (self.port, version)
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- control, in process (no HTTP round trip) --
    def requests(self, psid=None, messages_only=False):
        with self.state.lock:
            recs = list(self.state.records)
        if psid is not None:
            recs = [r for r in recs if r["psid"] == psid]
        if messages_only:
            recs = [r for r in recs if isinstance(r.get("body"), dict) and "message" in r["body"]]
        return recs

    def accepted(self, psid=None, messages_only=True):
        return [r for r in self.requests(psid, messages_only) if r.get("status") == 200]

    def script(self, responses, psid=None, sticky=False):
        with self.state.lock:
            if sticky:
                self.state.sticky[psid] = responses[0] if responses else {}
            else:
                self.state.scripts.setdefault(psid, []).extend(responses)

    def reset(self, requests=True):
        with self.state.lock:
            if requests:
                self.state.records.clear()
            self.state.scripts.clear()
            self.state.sticky.clear()

    def wait_for(self, predicate, timeout=10, what="requests"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.02)
        raise AssertionError("fake Graph: timed out waiting for %s; got %d requests" %
                             (what, len(self.requests())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default="test-page-token")
    ap.add_argument("--port-file", help="write the chosen port here")
    args = ap.parse_args()
    fg = FakeGraph(token=args.token, port=args.port)
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(str(fg.port))
    print("fake Graph API at %s" % fg.url, flush=True)
    try:
        fg.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
