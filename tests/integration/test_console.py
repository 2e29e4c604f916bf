"""Integration tests for the staff console's foundation (issue 10): staff
accounts (`borgerbot staff`), login, sessions, CSRF, rate limiting, the
security headers and the one authoriser, over real HTTPS (and plain HTTP
where that is the point) against the real binary."""
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PASSWORD = "korrekt hest batteri"
OTHER_PASSWORD = "en helt anden kode"


def staff_cli(db, *args, password=None):
    """Runs `borgerbot staff ...`; returns (exit status, stdout, stderr)."""
    cmd = [harness.BIN, "staff"] + list(args) + ["--db", db]
    r = subprocess.run(cmd, input=(password + "\n") if password is not None else "",
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def add_staff(db, username, name="Mette Hansen", department="Vej og Park", role="staff",
              password=PASSWORD):
    rc, out, err = staff_cli(db, "add", username, "--name", name, "--department", department,
                             "--role", role, "--password-stdin", password=password)
    assert rc == 0, err
    return out


def cookies_from(headers_list):
    """{name: (value, attributes)} from a response's Set-Cookie headers."""
    out = {}
    for name, value in headers_list:
        if name.lower() != "set-cookie":
            continue
        first, _, attrs = value.partition(";")
        cname, _, cval = first.strip().partition("=")
        out[cname] = (cval, attrs)
    return out


class Browser:
    """A minimal cookie-keeping client for one server."""

    def __init__(self, server, host=None):
        self.server = server
        self.jar = {}
        self.host = host

    def request(self, method, path, body=None, headers=None):
        conn = self.server.connection()
        h = dict(headers or {})
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        if self.host is not None:
            h["Host"] = self.host
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            raw = resp.getheaders()
        finally:
            conn.close()
        for name, (value, attrs) in cookies_from(raw).items():
            if "max-age=0" in attrs.lower():
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return resp.status, data, {k.lower(): v for k, v in raw}, raw

    def login_token(self):
        status, body, _, _ = self.request("GET", "/console")
        m = re.search(rb'name="csrf" value="([0-9a-f]{64})"', body)
        assert status == 200 and m, body[:500]
        return m.group(1).decode()

    def login(self, username, password, token=None):
        token = token if token is not None else self.login_token()
        form = urllib.parse.urlencode({"csrf": token, "username": username,
                                       "password": password})
        return self.request("POST", "/console/login", form.encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def me(self):
        status, body, _, _ = self.request("GET", "/api/me")
        return status, json.loads(body) if body.startswith(b"{") else body


def session_cookie(server):
    return "__Host-bb_session" if server.tls else "bb_session"


class ConsoleCase(unittest.TestCase):
    tls = True
    config = None

    def setUp(self):
        self.server = harness.Server(tls=self.tls, config=self.config)
        add_staff(self.server.db, "mette", department="Teknik og Miljø")
        self.server.start()

    def tearDown(self):
        self.server.cleanup()

    def write_db(self, sql, args=()):
        con = sqlite3.connect(self.server.db, timeout=10)
        try:
            con.execute(sql, args)
            con.commit()
        finally:
            con.close()

    def logged_in(self, username="mette", password=PASSWORD):
        b = Browser(self.server)
        status, _, headers, _ = b.login(username, password)
        self.assertEqual(status, 303, headers)
        self.assertEqual(headers.get("location"), "/console")
        return b


class TestLogin(ConsoleCase):
    def test_login_sets_a_strict_host_cookie_and_shows_the_shell(self):
        b = Browser(self.server)
        status, body, headers, raw = b.request("GET", "/console")
        self.assertEqual(status, 200)
        self.assertIn(b'<html lang="da">', body)
        self.assertIn("Log ind".encode(), body)
        self.assertIn(b'<label for="username">Brugernavn</label>', body)
        token = re.search(rb'name="csrf" value="([0-9a-f]{64})"', body).group(1).decode()
        status, _, headers, raw = b.login("mette", PASSWORD, token)
        self.assertEqual(status, 303)
        cookies = cookies_from(raw)
        value, attrs = cookies["__Host-bb_session"]
        self.assertRegex(value, r"^[0-9a-f]{64}$")
        parts = {a.strip().lower() for a in attrs.split(";") if a.strip()}
        self.assertTrue({"path=/", "secure", "httponly", "samesite=strict"} <= parts, parts)
        self.assertFalse(any(p.startswith("domain") for p in parts))
        self.assertNotIn("bb_session", cookies)  # never the plain name on HTTPS
        # the database keeps only the SHA-256 of the session id
        hashes = [r[0] for r in self.server.query("SELECT token_hash FROM staff_sessions")]
        self.assertEqual(hashes, [hashlib.sha256(value.encode()).hexdigest()])
        for suffix in ("", "-wal"):
            if os.path.exists(self.server.db + suffix):
                with open(self.server.db + suffix, "rb") as f:
                    self.assertNotIn(value.encode(), f.read())
        status, body, headers, _ = b.request("GET", "/console")
        self.assertEqual(status, 200)
        self.assertIn("Mette Hansen".encode(), body)
        self.assertIn("Teknik og Miljø".encode(), body)
        self.assertIn("Log ud".encode(), body)
        status, me = b.me()
        self.assertEqual(status, 200)
        self.assertEqual((me["username"], me["name"], me["department"], me["role"]),
                         ("mette", "Mette Hansen", "Teknik og Miljø", "staff"))
        self.assertRegex(me["csrf"], r"^[0-9a-f]{64}$")
        rows = self.server.query("SELECT actor, action, object FROM audit_log")
        self.assertIn(("staff:mette", "login.ok", "staff:mette"), rows)

    def test_username_is_not_case_sensitive(self):
        b = Browser(self.server)
        self.assertEqual(b.login("Mette", PASSWORD)[0], 303)

    def test_wrong_password_and_unknown_user_get_the_same_answer(self):
        answers, times = [], []
        for user in ("mette", "nobody", "mette", "nobody"):
            b = Browser(self.server)
            token = b.login_token()
            t0 = time.monotonic()
            status, body, _, _ = b.login(user, OTHER_PASSWORD, token)
            times.append(time.monotonic() - t0)
            body = re.sub(rb'value="[0-9a-f]{64}"', b"", body)
            body = body.replace(b'value="%s"' % user.encode(), b"")
            answers.append((status, body))
        self.assertEqual(answers[0][0], 403)
        self.assertIn("Brugernavnet eller adgangskoden er forkert".encode(), answers[0][1])
        self.assertEqual(answers[0], answers[1])
        # an unknown user costs one scrypt too (within a broad factor: CI is noisy)
        wrong, unknown = min(times[0], times[2]), min(times[1], times[3])
        self.assertGreater(unknown, wrong / 4, times)
        self.assertGreater(wrong, unknown / 4, times)
        rows = self.server.query("SELECT action, object FROM audit_log ORDER BY id")
        self.assertIn(("login.failed", "staff:mette"), rows)
        self.assertIn(("login.failed", None), rows)
        dump = json.dumps(self.server.query("SELECT * FROM audit_log"))
        self.assertNotIn("nobody", dump)  # an unknown name may be a mistyped password
        self.assertNotIn(OTHER_PASSWORD, dump)
        self.assertNotIn(OTHER_PASSWORD, self.server.read_log())

    def test_disabled_user_cannot_log_in_and_loses_its_sessions(self):
        b = self.logged_in()
        self.assertEqual(b.me()[0], 200)
        rc, out, err = staff_cli(self.server.db, "disable", "mette")
        self.assertEqual(rc, 0, err)
        self.assertEqual(b.me()[0], 401)
        status, body, _, _ = Browser(self.server).login("mette", PASSWORD)
        self.assertEqual(status, 403)
        self.assertIn("Brugernavnet eller adgangskoden er forkert".encode(), body)

    def test_set_password_ends_sessions_and_the_new_one_works(self):
        b = self.logged_in()
        rc, _, err = staff_cli(self.server.db, "set-password", "mette", "--password-stdin",
                               password=OTHER_PASSWORD)
        self.assertEqual(rc, 0, err)
        self.assertEqual(b.me()[0], 401)
        self.assertEqual(Browser(self.server).login("mette", PASSWORD)[0], 403)
        self.assertEqual(Browser(self.server).login("mette", OTHER_PASSWORD)[0], 303)

    def test_login_form_needs_the_login_token_from_the_page(self):
        b = Browser(self.server)
        b.login_token()
        status, body, _, _ = b.login("mette", PASSWORD, token="0" * 64)
        self.assertEqual(status, 403)
        self.assertNotIn("__Host-bb_session", b.jar)
        b2 = Browser(self.server)  # a token without its cookie (another browser's)
        token = b.login_token()
        self.assertEqual(b2.login("mette", PASSWORD, token=token)[0], 403)
        form = urllib.parse.urlencode({"username": "mette", "password": PASSWORD})
        status, _, _, _ = b.request("POST", "/console/login", form.encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)

    def test_malformed_and_oversized_login_bodies(self):
        b = Browser(self.server)
        token = b.login_token()
        ctype = {"Content-Type": "application/x-www-form-urlencoded"}
        cases = [
            (b"csrf=" + token.encode() + b"&username=mette&password=" + b"x" * 5000, ctype, 413),
            (b"csrf=" + token.encode() + b"&username=mette&password=a%00b", ctype, 400),
            (b"csrf=" + token.encode() + b"&username=" + b"m" * 200 + b"&password=x", ctype, 400),
            (b"csrf=" + token.encode() + b"&username=%ff%fe&password=xxxxxxxxxxxxx", ctype, 400),
            (b"csrf=" + token.encode() + b"&username=mette", ctype, 400),
            (b"csrf=" + token.encode() + b"&username=&password=", ctype, 400),
            (json.dumps({"username": "mette", "password": PASSWORD}).encode(),
             {"Content-Type": "application/json"}, 415),
        ]
        for body, headers, want in cases:
            status, _, _, _ = b.request("POST", "/console/login", body, headers)
            self.assertEqual(status, want, body[:80])
        self.assertEqual(self.server.scalar("SELECT count(*) FROM staff_sessions"), 0)
        # a hostile username that passes the form rules is just an unknown user
        status, body, _, _ = Browser(self.server).login("<script>alert(1)</script>", "x" * 20)
        self.assertEqual(status, 403)
        self.assertNotIn(b"<script>alert(1)</script>", body)
        self.assertIn(b"&lt;script&gt;", body)
        self.assertEqual(b.request("GET", "/console/login")[0], 303)


class TestRateLimit(ConsoleCase):
    def test_five_wrong_passwords_lock_the_username(self):
        for _ in range(5):
            self.assertEqual(Browser(self.server).login("mette", OTHER_PASSWORD)[0], 403)
        status, body, headers, _ = Browser(self.server).login("mette", PASSWORD)
        self.assertEqual(status, 429)
        self.assertGreaterEqual(int(headers["retry-after"]), 1)
        self.assertIn("For mange forkerte forsøg".encode(), body)
        self.assertEqual(self.server.scalar("SELECT count(*) FROM staff_sessions"), 0)

    def test_unknown_usernames_are_locked_the_same_way(self):
        for _ in range(5):
            self.assertEqual(Browser(self.server).login("ghost", OTHER_PASSWORD)[0], 403)
        self.assertEqual(Browser(self.server).login("ghost", OTHER_PASSWORD)[0], 429)

    def test_many_usernames_from_one_address_lock_the_address(self):
        for i in range(20):
            self.assertEqual(Browser(self.server).login("user%d" % i, OTHER_PASSWORD)[0], 403)
        self.assertEqual(Browser(self.server).login("mette", PASSWORD)[0], 429)


class TestSessions(ConsoleCase):
    def test_logout_revokes_the_session(self):
        b = self.logged_in()
        old = b.jar["__Host-bb_session"]
        _, me = b.me()
        status, _, headers, raw = b.request(
            "POST", "/console/logout", ("csrf=" + me["csrf"]).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 303)
        self.assertIn("max-age=0", cookies_from(raw)["__Host-bb_session"][1].lower())
        b.jar["__Host-bb_session"] = old  # a copied cookie is dead too
        self.assertEqual(b.me()[0], 401)
        self.assertIsNotNone(self.server.scalar("SELECT revoked_at FROM staff_sessions"))
        self.assertIn(("logout",), self.server.query("SELECT action FROM audit_log"))

    def test_logout_needs_the_csrf_token(self):
        b = self.logged_in()
        status, _, _, _ = b.request("POST", "/console/logout", b"",
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        status, _, _, _ = b.request("POST", "/console/logout", b"csrf=" + b"a" * 64,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertEqual(b.me()[0], 200)

    def test_idle_and_absolute_expiry(self):
        b = self.logged_in()
        self.assertEqual(b.me()[0], 200)
        # idle: last used 31 minutes ago
        self.write_db("UPDATE staff_sessions SET last_seen_at = last_seen_at - 31 * 60000,"
                      " created_at = created_at - 31 * 60000")
        status, body = b.me()
        self.assertEqual(status, 401)
        self.assertIn("expired", body["error"]["message"])
        status, page, _, raw = b.request("GET", "/console")
        self.assertEqual(status, 200)
        self.assertIn("Du er blevet logget ud".encode(), page)
        self.assertIn("max-age=0", cookies_from(raw)["__Host-bb_session"][1].lower())
        # absolute: used a second ago, but logged in 12 hours ago
        b = self.logged_in()
        self.write_db("UPDATE staff_sessions SET expires_at = ?1 WHERE revoked_at IS NULL",
                      (harness.now_ms() - 1000,))
        self.assertEqual(b.me()[0], 401)

    def test_malformed_and_planted_cookies_are_no_session(self):
        b = self.logged_in()
        good = b.jar["__Host-bb_session"]
        for value in ("", "x", good.upper(), good + "0", "'; DROP TABLE staff_users; --"):
            b.jar["__Host-bb_session"] = value
            self.assertEqual(b.me()[0], 401, value)
        status, _, _ = self.server.request(
            "GET", "/api/me", headers={"Cookie": "__Host-bb_session=%s; __Host-bb_session=%s"
                                       % (good, good)})
        self.assertEqual(status, 401)
        # the plain-HTTP name is not read on HTTPS
        status, _, _ = self.server.request("GET", "/api/me",
                                           headers={"Cookie": "bb_session=" + good})
        self.assertEqual(status, 401)
        self.assertEqual(self.server.scalar("SELECT count(*) FROM staff_users"), 1)


class TestAuthoriser(ConsoleCase):
    def test_cases_api_with_a_session_and_with_a_key(self):
        b = self.logged_in()
        status, body, _, _ = b.request("GET", "/api/cases")
        self.assertEqual(status, 200, body)
        r = subprocess.run([harness.BIN, "apikey", "create", "crm", "--scope", "cases",
                            "--db", self.server.db], capture_output=True, text=True)
        key = r.stdout.strip()
        status, body, _ = self.server.request("GET", "/api/cases",
                                              headers={"Authorization": "Bearer " + key})
        self.assertEqual(status, 200, body)
        # a key needs no CSRF token: 404 for an unknown case, not 403
        status, _, _ = self.server.request(
            "POST", "/api/cases/TM-0000-0000/status", b'{"status":"resolved"}',
            {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        self.assertEqual(status, 404)
        self.assertEqual(self.server.request("GET", "/api/cases")[0], 401)

    def test_state_changes_with_a_session_need_the_csrf_token(self):
        b = self.logged_in()
        _, me = b.me()
        path, body = "/api/cases/TM-0000-0000/status", b'{"status":"resolved"}'
        for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "0" * 64},
                        {"X-CSRF-Token": me["csrf"][:-1]}):
            h = dict(headers, **{"Content-Type": "application/json"})
            status, _, _, _ = b.request("POST", path, body, h)
            self.assertEqual(status, 403, headers)
        h = {"Content-Type": "application/json", "X-CSRF-Token": me["csrf"],
             "Origin": "https://evil.example"}
        self.assertEqual(b.request("POST", path, body, h)[0], 403)
        h = {"Content-Type": "application/json", "X-CSRF-Token": me["csrf"]}
        self.assertEqual(b.request("POST", path, body, h)[0], 404)  # past the authoriser
        h["Origin"] = "https://127.0.0.1:%d" % self.server.port
        self.assertEqual(b.request("POST", path, body, h)[0], 404)

    def test_no_session_and_other_methods(self):
        self.assertEqual(self.server.request("GET", "/api/me")[0], 401)
        b = self.logged_in()
        self.assertEqual(b.request("POST", "/api/me", b"{}")[0], 405)
        self.assertEqual(b.request("DELETE", "/console")[0], 405)
        self.assertEqual(b.request("GET", "/console/logout")[0], 405)


class TestHeaders(ConsoleCase):
    def assert_secure_headers(self, headers, what):
        csp = headers.get("content-security-policy", "")
        for part in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                     "form-action 'self'", "base-uri 'none'"):
            self.assertIn(part, csp, what)
        self.assertNotIn("unsafe-inline", csp, what)
        self.assertNotIn("unsafe-eval", csp, what)
        self.assertEqual(headers.get("x-frame-options"), "DENY", what)
        self.assertEqual(headers.get("referrer-policy"), "no-referrer", what)
        self.assertEqual(headers.get("x-content-type-options"), "nosniff", what)

    def test_every_console_response_is_locked_down(self):
        b = Browser(self.server)
        for path in ("/console", "/console/assets/console.css", "/console/assets/console.js",
                     "/console/assets/nope.js", "/console/nothing"):
            status, _, headers, _ = b.request("GET", path)
            self.assert_secure_headers(headers, path)
        self.assertEqual(b.request("GET", "/console/assets/console.js")[2]["content-type"],
                         "text/javascript; charset=utf-8")
        _, _, headers, _ = b.login("mette", OTHER_PASSWORD)
        self.assert_secure_headers(headers, "failed login")
        b = self.logged_in()
        status, body, headers, _ = b.request("GET", "/console")
        self.assert_secure_headers(headers, "shell")
        self.assertNotIn(b"<script>", body)  # no inline script; console.js is external
        self.assertNotIn(b"style=", body)

    def test_markup_in_a_name_is_escaped(self):
        add_staff(self.server.db, "evil", name="<img src=x onerror=alert(1)>",
                  department='"><b>x</b>')
        b = self.logged_in("evil")
        _, body, _, _ = b.request("GET", "/console")
        self.assertNotIn(b"<img src=x", body)
        self.assertIn(b"&lt;img src=x onerror=alert(1)&gt;", body)
        self.assertIn(b"&quot;&gt;&lt;b&gt;x&lt;/b&gt;", body)

    def test_a_foreign_host_is_refused(self):
        b = self.logged_in()
        for host in ("evil.example", "evil.example:443", "127.0.0.1.evil.example", "",
                     "localhost:abc", "[::1"):
            b.host = host
            self.assertEqual(b.request("GET", "/console")[0], 421, host)
            self.assertEqual(b.request("GET", "/api/me")[0], 421, host)
        for host in ("localhost", "127.0.0.1:%d" % self.server.port, "LOCALHOST:1"):
            b.host = host
            self.assertEqual(b.request("GET", "/console")[0], 200, host)


class TestPublicHost(ConsoleCase):
    config = "public_host = borgerbot.example.dk, chat.example.dk\n"

    def test_the_public_host_is_accepted_and_others_refused(self):
        b = self.logged_in()
        b.host = "borgerbot.example.dk"
        status, _, headers, _ = b.request("GET", "/console")
        self.assertEqual(status, 200)
        self.assertIn("max-age", headers.get("strict-transport-security", ""))
        b.host = "Chat.Example.DK:8443"
        self.assertEqual(b.request("GET", "/console")[0], 200)
        b.host = "example.dk"
        self.assertEqual(b.request("GET", "/console")[0], 421)


class TestPlainHttp(ConsoleCase):
    tls = False

    def test_demo_over_plain_http_uses_the_plain_cookie_without_secure(self):
        b = Browser(self.server)
        status, _, _, raw = b.login("mette", PASSWORD)
        self.assertEqual(status, 303)
        cookies = cookies_from(raw)
        self.assertNotIn("__Host-bb_session", cookies)
        value, attrs = cookies["bb_session"]
        parts = {a.strip().lower() for a in attrs.split(";") if a.strip()}
        self.assertTrue({"path=/", "httponly", "samesite=strict"} <= parts, parts)
        self.assertNotIn("secure", parts)
        self.assertEqual(b.me()[0], 200)


class TestPlainHttpRefusedWithPublicHost(ConsoleCase):
    tls = False
    config = "public_host = borgerbot.example.dk\n"

    def test_no_cookie_over_plain_http_when_a_public_host_is_set(self):
        b = Browser(self.server)
        status, body, _, raw = b.request("GET", "/console")
        self.assertEqual(status, 403)
        self.assertIn(b"HTTPS", body)
        self.assertEqual(cookies_from(raw), {})
        form = "csrf=%s&username=mette&password=%s" % ("0" * 64, PASSWORD)
        status, _, _, raw = b.request("POST", "/console/login", form.encode(),
                                      {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertEqual(cookies_from(raw), {})


class TestStaffCli(unittest.TestCase):
    def setUp(self):
        self.dir = harness.tempfile.mkdtemp(prefix="borgerbot-staff-")
        self.db = os.path.join(self.dir, "b.db")

    def tearDown(self):
        harness.shutil.rmtree(self.dir, ignore_errors=True)

    def test_add_list_disable(self):
        self.assertIn("added mette", add_staff(self.db, "mette", role="admin"))
        rc, _, err = staff_cli(self.db, "add", "mette", "--name", "M", "--department", "D",
                               "--password-stdin", password=PASSWORD)
        self.assertEqual(rc, 1)
        self.assertIn("already exists", err)
        rc, out, _ = staff_cli(self.db, "list")
        self.assertEqual(rc, 0)
        user = json.loads(out.splitlines()[0])
        self.assertEqual((user["username"], user["role"], user["disabled_at"]),
                         ("mette", "admin", None))
        self.assertNotIn("scrypt", out)
        self.assertEqual(staff_cli(self.db, "disable", "mette")[0], 0)
        rc, _, err = staff_cli(self.db, "disable", "mette")
        self.assertEqual(rc, 1)
        self.assertIn("no active user", err)
        rc, out, _ = staff_cli(self.db, "list")
        self.assertIsNotNone(json.loads(out)["disabled_at"])
        con = sqlite3.connect(self.db)
        stored = con.execute("SELECT password_hash FROM staff_users").fetchone()[0]
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id")]
        con.close()
        self.assertRegex(stored, r"^\$scrypt\$ln=15,r=8,p=1\$[0-9a-f]{32}\$[0-9a-f]{64}$")
        self.assertEqual(actions, ["staff.add", "staff.disable"])

    def test_bad_input_is_refused_with_a_clear_message(self):
        cases = [
            (["add", "mette", "--name", "M", "--department", "D", "--password-stdin"],
             "short", "at least 12"),
            (["add", "mette", "--name", "M", "--department", "D", "--password-stdin"],
             "mette", "at least 12"),
            (["add", "mettemettemette", "--name", "M", "--department", "D",
              "--password-stdin"], "METTEMETTEMETTE", "not be the username"),
            (["add", "Mette", "--name", "M", "--department", "D", "--password-stdin"],
             PASSWORD, "lower case"),
            (["add", "mette", "--name", "M", "--department", "D", "--role", "boss",
              "--password-stdin"], PASSWORD, "staff or admin"),
            (["add", "mette", "--department", "D", "--password-stdin"], PASSWORD,
             "--name"),
            (["add", "mette", "--name", "M", "--department", "D"], None,
             "--password-stdin"),
            (["add", "mette", "--name", "M", "--department", "D", "--password-stdin"],
             "abc\x01defghijklmnop", "control"),
        ]
        for args, password, message in cases:
            rc, _, err = staff_cli(self.db, *args, password=password)
            self.assertEqual(rc, 2, args)
            self.assertIn(message, err, args)
        rc, _, err = staff_cli(self.db, "add", "mette", "--name", "", "--department", "D",
                               "--password-stdin", password=PASSWORD)
        self.assertEqual(rc, 1)
        self.assertIn("name and the department", err)
        # invalid UTF-8 in the password (bytes, not text)
        r = subprocess.run([harness.BIN, "staff", "add", "mette", "--name", "M",
                            "--department", "D", "--password-stdin", "--db", self.db],
                           input=b"\xff\xfeabcdefghijklmn\n", capture_output=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"UTF-8", r.stderr)
        rc, out, _ = staff_cli(self.db, "list")
        self.assertEqual(out, "")


if __name__ == "__main__":
    unittest.main()
