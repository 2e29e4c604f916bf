#!/usr/bin/env python3
"""Proves scripts/check-layout.py fails on a deliberate breach of each rule.

Why: a check that never fails is no check. Each test copies the project's C
files and CMakeLists.txt into a temporary tree, breaks one rule there (never in
the real tree), runs the script with --root on the copy and asserts exit 1 and
the breach line; the untouched copy must pass. Standard library unittest only.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(TOP, "scripts", "check-layout.py")
COPIED = ("server", "intents", "panel", "tests/unit", "bench")


def copy_sources(dest):
    """Copies the .c/.h files and CMakeLists.txt the script reads."""

    def ignore(folder, names):
        def keep(n):
            if n in ("node_modules", "defs"):
                return False
            return (n.endswith((".c", ".h")) or n == "CMakeLists.txt"
                    or os.path.isdir(os.path.join(folder, n)))

        return [n for n in names if not keep(n)]

    for part in COPIED:
        shutil.copytree(os.path.join(TOP, part), os.path.join(dest, part), ignore=ignore)


class LayoutCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bb-layout-")
        copy_sources(self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_check(self, *args):
        p = subprocess.run([sys.executable, SCRIPT, "--root", self.tmp, *args],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout

    def append(self, rel, text):
        """Appends text to a copied file; returns the line number it starts on."""
        path = os.path.join(self.tmp, rel)
        with open(path, encoding="utf-8") as f:
            body = f.read()
        if not body.endswith("\n"):
            body += "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(body + text)
        return body.count("\n") + 1

    def assert_breach(self, rel, line, rule, what):
        rc, out = self.run_check()
        self.assertEqual(rc, 1, out)
        expected = "%s:%d: %s: %s" % (rel, line, rule, what)
        self.assertIn(expected, out)
        self.assertEqual(len(out.splitlines()), 1, out)  # that breach and no other

    def test_clean_copy_passes(self):
        rc, out = self.run_check()
        self.assertEqual((rc, out), (0, ""))

    def test_civetweb_in_core(self):
        line = self.append("server/core/log.c", "#include <civetweb.h>\n")
        self.assert_breach("server/core/log.c", line, "core-standalone",
                           "includes <civetweb.h>; core/ uses no civetweb")

    def test_civetweb_outside_http(self):
        line = self.append("server/worker/dialog.c", '#include "civetweb.h"\n')
        self.assert_breach("server/worker/dialog.c", line, "civetweb-in-http",
                           "includes <civetweb.h>; only server/http/ may")

    def test_sqlite_in_intents(self):
        line = self.append("intents/streets.c", "#include <sqlite3.h>\n")
        self.assert_breach("intents/streets.c", line, "intents-pure",
                           "includes sqlite3.h; the engine uses only libc, POSIX and PCRE2")

    def test_server_header_in_intents(self):
        line = self.append("intents/intent.c", '#include "core/log.h"\n')
        self.assert_breach("intents/intent.c", line, "intents-pure",
                           "includes core/log.h; the engine uses only libc, POSIX and PCRE2")

    def test_begin_in_worker(self):
        line = self.append("server/worker/dialog.c",
                           'static const char *sql_begin = "BEGIN IMMEDIATE";\n')
        self.assert_breach("server/worker/dialog.c", line, "store-transaction",
                           'SQL "BEGIN IMMEDIATE" outside server/store/; '
                           "use the store's write transaction")

    def test_split_lowercase_commit(self):
        line = self.append("server/domain/case.c", 'static const char *c = "com"\n  "mit;";\n')
        self.assert_breach("server/domain/case.c", line, "store-transaction",
                           'SQL "commit" outside server/store/; use the store\'s write transaction')

    def test_savepoints_and_prose_allowed(self):
        self.append("server/worker/dialog.c",
                    'static const char *s[] = {"SAVEPOINT x", "RELEASE x", "ROLLBACK TO x",\n'
                    '  "commit failed: %s", "Group-commit transactions"};\n'
                    '/* "BEGIN IMMEDIATE" in a comment */\n')
        self.assertEqual(self.run_check(), (0, ""))

    def test_write_lock_in_worker(self):
        line = self.append("server/worker/dialog.c",
                           "static void f(pthread_mutex_t *write_lock)\n{\n"
                           "\tpthread_mutex_lock(write_lock);\n}\n")
        self.assert_breach("server/worker/dialog.c", line + 2, "store-write-lock",
                           "pthread_mutex_lock(write_lock) outside server/store/; "
                           "only the store takes the write lock")

    def test_include_outside_deps(self):
        line = self.append("server/outbox/policy.c", '#include "domain/case.h"\n')
        self.assert_breach("server/outbox/policy.c", line, "deps-declared",
                           "includes domain/case.h but bb_domain is not in the DEPS of bb_outbox")

    def test_curl_outside_allow_list(self):
        line = self.append("server/api/open311.c", "#include <curl/curl.h>\n")
        self.assert_breach("server/api/open311.c", line, "curl-allow-list",
                           "includes <curl/curl.h>; only ")

    def test_cli_header_in_a_test(self):
        line = self.append("tests/unit/test_config.c", '#include "cli/cli.h"\n')
        self.assert_breach("tests/unit/test_config.c", line, "cli-private",
                           "includes cli/cli.h; nothing outside server/cli/ uses cli/")

    def test_domain_reaching_up_into_a_front_end(self):
        line = self.append("server/domain/staff.c", '#include "console/console.h"\n')
        self.assert_breach("server/domain/staff.c", line, "frontend-leaf",
                           "includes console/console.h; only cli/ may use the front-end console/")

    def test_a_front_end_reaching_into_another(self):
        line = self.append("server/sandbox/sandbox.c", '#include "api/api.h"\n')
        self.assert_breach("server/sandbox/sandbox.c", line, "frontend-leaf",
                           "includes api/api.h; only console/, cli/ may use the front-end api/")

    def test_panel_reaching_into_the_worker(self):
        line = self.append("panel/panel.c", '#include "outbox/outbox.h"\n')
        self.assert_breach("panel/panel.c", line, "panel-engine",
                           "includes outbox/outbox.h; panel/ uses only core/ and store/")

    def test_json_in_panel(self):
        line = self.append("panel/consultation.c", "#include <jansson.h>\n")
        self.assert_breach("panel/consultation.c", line, "panel-engine",
                           "includes <jansson.h>; panel/ uses only libc, SQLite and OpenSSL")

    def test_domain_reaching_into_the_panel_pages(self):
        line = self.append("server/worker/dialog_panel.c", '#include "panelweb/panelweb.h"\n')
        self.assert_breach("server/worker/dialog_panel.c", line, "frontend-leaf",
                           "includes panelweb/panelweb.h; only cli/ may use the front-end "
                           "panelweb/")

    def test_report_lists_and_exits_zero(self):
        self.append("server/core/log.c", '#include "store/db.h"\n')
        rc, out = self.run_check("--report")
        self.assertEqual(rc, 0)
        self.assertIn("server/core/log.c", out)

    def test_graph(self):
        rc, out = self.run_check("--graph")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"(?m)^core +-> -  ")


if __name__ == "__main__":
    unittest.main()
