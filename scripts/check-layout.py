#!/usr/bin/env python3
"""check-layout.py: the layout rules of docs/architecture.md, checked by the build.

Why: the folders under server/ and intents/ are the architecture (issue 14).
CMake already refuses to link a module that reaches past its DEPS, but only
for symbols; this script reads every #include (and two source patterns) and
fails when a file breaks a rule, so the include graph, the CMake graph and the
map in docs/architecture.md stay the same thing. Python 3 standard library only.

    scripts/check-layout.py            enforce every rule (exit 1 on a breach)
    scripts/check-layout.py --report   list every breach, known ones marked; exit 0
    scripts/check-layout.py --graph    also print the modules and their edges
    scripts/check-layout.py --ignore-known
                                       enforce as if KNOWN_BREACHES_TO_REMOVE were empty
    scripts/check-layout.py --root DIR check another tree (the tests use a copy)

Output: one line per breach, `file:line: rule: what`. Exit 0 clean, 1 breach,
2 usage error.

Rules (ids as printed):
  intents-pure       intents/ (not intents/tests/) includes only libc/POSIX
                     headers, <pcre2.h> and its own headers.
  civetweb-in-http   civetweb.h is included only in server/http/, and no file
                     outside server/http/ includes an http/ header that brings
                     civetweb.h in with it.
  curl-allow-list    curl/*.h only in the files of CURL_ALLOWED below.
  store-transaction  only server/store/ begins, commits or rolls back: a C
                     string literal holding the SQL statement BEGIN [DEFERRED|
                     IMMEDIATE|EXCLUSIVE] [TRANSACTION], COMMIT, END or ROLLBACK
                     (any case; adjacent literals joined) is a breach elsewhere.
                     SAVEPOINT, RELEASE and ROLLBACK TO are allowed everywhere:
                     they nest inside a transaction the store opened (the worker
                     takes one savepoint per event). Prose such as "commit
                     failed" or "Group-commit" is not SQL and is not flagged.
  store-write-lock   only server/store/ takes the shared write lock: a call to
                     pthread_mutex_lock/trylock/timedlock whose argument names
                     one of WRITE_LOCK_NAMES is a breach elsewhere.
  core-standalone    server/core/ includes nothing from other project folders,
                     nor sqlite3.h, civetweb.h or curl.
  panel-engine       panel/ (the citizen panel's engine) includes from the
                     project only core/ and store/ headers and its own, and
                     of third-party headers only SQLite and OpenSSL: it knows
                     nothing of Messenger, HTTP or JSON, so the worker, the
                     web pages and the CLI can all use it and it cannot
                     reach up into them.
  cli-private        nothing outside server/cli/ includes a server/cli/ header.
  frontend-leaf      the front-ends on http/ (api/, console/, sandbox/) are
                     leaves: only the modules in FRONTEND_USERS include them
                     (cli/ wires them; console/ calls api/'s one authoriser),
                     so no module below them can reach up into a front-end.
  deps-declared      a module that includes another module's header has that
                     module's target in its DEPS (server/<m>/CMakeLists.txt:
                     borgerbot_module(NAME ... DEPS bb_x ...); bb_NAME is
                     server/NAME/, borgerbot_intents is intents/).
  no-module          every .c/.h under server/ lies in a module folder that has
                     a CMakeLists.txt.

Clients (tests/unit/, intents/tests/, bench/) may include anything except
server/cli/ headers; the other rules are about the modules.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

# --- Tables the lead tightens --------------------------------------------

# Files allowed to include curl/*.h: the Graph client and the one loopback
# poster (the sandbox's web chat and `borgerbot chat`).
CURL_ALLOWED = {
    "server/outbox/graph.c",
    "server/sandbox/loopback.c",
}

# The front-ends and the modules that may include them (clients may too).
FRONTEND_USERS = {
    "api": ("console", "cli"),
    "console": ("cli",),
    "sandbox": ("cli",),
    "panelweb": ("cli",),
}

# What panel/ may include: these project modules and these libraries.
PANEL_MODULES = ("panel", "core", "store")
PANEL_LIBS = ("libc", "sqlite3", "openssl")

# Identifiers that name the shared database write lock.
WRITE_LOCK_NAMES = ("write_lock",)

# TEMPORARY. Breaches that exist today and are being removed (issue 14: the
# store's write transaction, http/ as the only CivetWeb user). Each entry is
# (file, rule) and covers every breach of that rule in that file. Delete an
# entry when its file is fixed (the script says which entries no longer match);
# when the table is empty, delete it. Nothing new goes in here.
KNOWN_BREACHES_TO_REMOVE = set()  # empty: keep it so

# --- Header classes -------------------------------------------------------

C11_HEADERS = """assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h
limits.h locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h
stddef.h stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h
uchar.h wchar.h wctype.h"""
POSIX_HEADERS = """aio.h arpa/inet.h cpio.h dirent.h dlfcn.h fcntl.h fmtmsg.h fnmatch.h
ftw.h glob.h grp.h iconv.h langinfo.h libgen.h monetary.h mqueue.h ndbm.h net/if.h
netdb.h netinet/in.h netinet/tcp.h nl_types.h poll.h pthread.h pwd.h regex.h sched.h
search.h semaphore.h spawn.h strings.h sys/ipc.h sys/mman.h sys/msg.h sys/resource.h
sys/select.h sys/sem.h sys/shm.h sys/socket.h sys/stat.h sys/statvfs.h sys/time.h
sys/times.h sys/types.h sys/uio.h sys/un.h sys/utsname.h sys/wait.h syslog.h tar.h
termios.h ulimit.h unistd.h utime.h utmpx.h wordexp.h"""
GLIBC_HEADERS = "endian.h features.h getopt.h malloc.h sys/param.h sys/random.h"
LIBC = set((C11_HEADERS + " " + POSIX_HEADERS + " " + GLIBC_HEADERS).split())

THIRD_PARTY = {  # header or header folder -> library
    "civetweb.h": "civetweb",
    "curl/": "curl",
    "sqlite3.h": "sqlite3",
    "sqlite3ext.h": "sqlite3",
    "jansson.h": "jansson",
    "jansson_config.h": "jansson",
    "openssl/": "openssl",
    "pcre2.h": "pcre2",
    "cmocka.h": "cmocka",
}

CLIENT_DIRS = ("tests/unit", "intents/tests", "bench")
SCAN_DIRS = ("intents", "panel", "server", "tests/unit", "bench")

# --- Reading C files ------------------------------------------------------


class Source:
    """One C file: its includes, string literals and comment-free code."""

    def __init__(self, path, text):
        self.path = path
        self.includes = []  # (line, name)
        self.literals = []  # (line, text), adjacent literals joined
        self.code = ""  # comments and string contents blanked, lines kept
        lex(self, text)


INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"]+)[>"]', re.M)


def lex(src, text):
    """Fills src from text: comments dropped, strings collected."""
    code, nocomment, lits = [], [], []
    i, n, line = 0, len(text), 1
    joinable = False  # the last token was a string literal
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank = re.sub(r"[^\n]", " ", text[i:j])
            code.append(blank)
            nocomment.append(blank)
            line += text.count("\n", i, j)
            i = j
            continue
        if c in "\"'":
            j = literal_end(text, i)
            body = text[i + 1 : j - 1]
            if c == '"' and not on_include_line(text, i):
                if joinable:
                    lits[-1] = (lits[-1][0], lits[-1][1] + body)
                else:
                    lits.append((line, body))
                joinable = True
            code.append(c + re.sub(r"[^\n]", " ", body) + c)
            nocomment.append(text[i:j])
            line += text.count("\n", i, j)
            i = j
            continue
        if not c.isspace():
            joinable = False
        if c == "\n":
            line += 1
        code.append(c)
        nocomment.append(c)
        i += 1
    src.code = "".join(code)
    stripped = "".join(nocomment)
    for m in INCLUDE_RE.finditer(stripped):
        src.includes.append((stripped.count("\n", 0, m.start()) + 1, m.group(1)))
    src.literals = lits


def literal_end(text, i):
    """Index just past the string or character literal starting at i."""
    quote, j, n = text[i], i + 1, len(text)
    while j < n and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, n)


def on_include_line(text, i):
    start = text.rfind("\n", 0, i) + 1
    return re.match(r"[ \t]*#[ \t]*include", text[start:i]) is not None


# --- The tree -------------------------------------------------------------


class Tree:
    """Every project C file under root, where it belongs, and the CMake DEPS."""

    def __init__(self, root):
        self.root = root
        self.sources = {}  # relative path -> Source
        self.deps = {}  # module -> set of targets from its CMakeLists.txt
        self.cmake_problems = []  # (file, line, rule, what)
        for rel in walk_c_files(root):
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                self.sources[rel] = Source(rel, f.read())
        self.read_cmake()

    def module_of(self, rel):
        """'core', 'intents', ... ; 'client' for tests and bench; None if unowned."""
        if any(rel.startswith(d + "/") for d in CLIENT_DIRS):
            return "client"
        if rel.startswith("intents/"):
            return "intents"
        if rel.startswith("panel/"):
            return "panel"
        parts = rel.split("/")
        if parts[0] == "server" and len(parts) > 2:
            return parts[1]
        return None

    def resolve(self, rel, name):
        """The project file an #include names, or None for a system or third-party one."""
        here = os.path.dirname(rel)
        for base in (here, "server", ""):
            cand = os.path.normpath(os.path.join(base, name))
            if cand in self.sources:
                return cand
        return None

    def read_cmake(self):
        modules = {self.module_of(r) for r in self.sources} - {None, "client"}
        for m in sorted(modules):
            folder = m if m in ("intents", "panel") else "server/" + m
            path = os.path.join(self.root, folder, "CMakeLists.txt")
            if not os.path.exists(path):
                self.cmake_problems.append((folder + "/", 0, "no-module",
                                            "module folder without a CMakeLists.txt"))
                continue
            with open(path, encoding="utf-8") as f:
                self.deps[m] = parse_deps(f.read(), m, folder, self.cmake_problems)


def walk_c_files(root):
    for top in SCAN_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in ("node_modules",)
                                 and not d.startswith("."))
            for fn in sorted(filenames):
                if fn.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, fn), root).replace(os.sep, "/")


def cmake_calls(text, command):
    """Argument lists of every call to command, comments removed."""
    text = re.sub(r"#[^\n]*", "", text)
    for m in re.finditer(r"\b%s\s*\(([^)]*)\)" % re.escape(command), text):
        yield m.group(1).split()


def parse_deps(text, module, folder, problems):
    """Targets a module may use: DEPS of borgerbot_module, else target_link_libraries."""
    for args in cmake_calls(text, "borgerbot_module"):
        if args and args[0] != module:
            problems.append((folder + "/CMakeLists.txt", 0, "deps-declared",
                             "folder %s/ declares bb_%s; name it bb_%s" % (folder, args[0], module)))
        if "DEPS" in args:
            return set(a for a in args[args.index("DEPS") + 1 :] if a != "SOURCES")
        return set()
    deps = set()
    for args in cmake_calls(text, "target_link_libraries"):
        deps.update(a for a in args[1:] if a not in ("PUBLIC", "PRIVATE", "INTERFACE"))
    return deps


def target_of(module):
    return "borgerbot_intents" if module == "intents" else "bb_" + module


def third_party(name):
    for key, lib in THIRD_PARTY.items():
        if name == key or (key.endswith("/") and name.startswith(key)):
            return lib
    return "libc" if name in LIBC else "other"


# --- The rules ------------------------------------------------------------


class Checker:
    """Runs every rule over a Tree and collects (file, line, rule, what)."""

    def __init__(self, tree):
        self.tree = tree
        self.breaches = list(tree.cmake_problems)
        self.closure_cache = {}

    def run(self):
        for rel in sorted(self.tree.sources):
            self.check_file(rel)
        return sorted(set(self.breaches))

    def add(self, rel, line, rule, what):
        self.breaches.append((rel, line, rule, what))

    def check_file(self, rel):
        module = self.tree.module_of(rel)
        src = self.tree.sources[rel]
        if module is None:
            self.add(rel, 1, "no-module", "file outside a module folder (server/<module>/)")
            return
        for line, name in src.includes:
            self.check_include(rel, module, line, name)
        if module not in ("store", "client"):
            self.check_transactions(rel, src)
            self.check_write_lock(rel, src)

    def check_include(self, rel, module, line, name):
        target = self.tree.resolve(rel, name)
        tmod = self.tree.module_of(target) if target else None
        rules = (self.rule_cli_private, self.rule_frontend_leaf, self.rule_intents_pure,
                 self.rule_panel_engine,
                 self.rule_core_standalone, self.rule_civetweb, self.rule_curl, self.rule_deps)
        for rule in rules:
            hit = rule(rel, module, name, target, tmod)
            if hit:
                self.add(rel, line, hit[0], hit[1])
                return  # one line per breach: the first rule that applies

    def rule_cli_private(self, rel, module, name, target, tmod):
        if tmod == "cli" and module != "cli":
            return "cli-private", "includes %s; nothing outside server/cli/ uses cli/" % name

    def rule_frontend_leaf(self, rel, module, name, target, tmod):
        users = FRONTEND_USERS.get(tmod)
        if users is None or module in (tmod, "client") or module in users:
            return None
        return ("frontend-leaf", "includes %s; only %s may use the front-end %s/"
                % (name, ", ".join(u + "/" for u in users), tmod))

    def rule_intents_pure(self, rel, module, name, target, tmod):
        if module != "intents":
            return None
        if target is None and third_party(name) in ("libc", "pcre2"):
            return None
        if tmod == "intents":
            return None
        return "intents-pure", "includes %s; the engine uses only libc, POSIX and PCRE2" % name

    def rule_panel_engine(self, rel, module, name, target, tmod):
        if module != "panel":
            return None
        if target is not None and tmod not in PANEL_MODULES:
            return ("panel-engine", "includes %s; panel/ uses only core/ and store/" % name)
        if target is None and third_party(name) not in PANEL_LIBS:
            return ("panel-engine", "includes <%s>; panel/ uses only libc, SQLite and OpenSSL"
                    % name)
        return None

    def rule_core_standalone(self, rel, module, name, target, tmod):
        if module != "core":
            return None
        if target is not None and tmod != "core":
            return "core-standalone", "includes %s; core/ depends on nothing in the project" % name
        if target is None and third_party(name) in ("sqlite3", "civetweb", "curl"):
            return "core-standalone", "includes <%s>; core/ uses no %s" % (name, third_party(name))
        return None

    def rule_civetweb(self, rel, module, name, target, tmod):
        if module in ("http", "client"):
            return None
        if target is None and third_party(name) == "civetweb":
            return "civetweb-in-http", "includes <civetweb.h>; only server/http/ may"
        if tmod == "http" and "civetweb" in self.reaches(target):
            return ("civetweb-in-http",
                    "includes %s, which brings in <civetweb.h>; only server/http/ may use it"
                    % name)
        return None

    def rule_curl(self, rel, module, name, target, tmod):
        if module == "client" or target is not None or third_party(name) != "curl":
            return None
        if rel in CURL_ALLOWED:
            return None
        return "curl-allow-list", "includes <%s>; only %s may" % (name, ", ".join(sorted(CURL_ALLOWED)))

    def rule_deps(self, rel, module, name, target, tmod):
        if module == "client" or tmod is None or tmod == module or tmod == "client":
            return None
        if target_of(tmod) in self.tree.deps.get(module, set()):
            return None
        return ("deps-declared", "includes %s but %s is not in the DEPS of %s"
                % (name, target_of(tmod), target_of(module)))

    def reaches(self, rel):
        """Third-party libraries a project file includes, directly or through project headers."""
        if rel in self.closure_cache:
            return self.closure_cache[rel]
        self.closure_cache[rel] = set()  # include cycles end here
        libs = set()
        for _, name in self.tree.sources[rel].includes:
            target = self.tree.resolve(rel, name)
            libs |= self.reaches(target) if target else {third_party(name)}
        self.closure_cache[rel] = libs
        return libs

    def check_transactions(self, rel, src):
        for line, text in src.literals:
            for stmt in transaction_statements(text):
                self.add(rel, line, "store-transaction",
                         'SQL "%s" outside server/store/; use the store\'s write transaction'
                         % stmt)

    def check_write_lock(self, rel, src):
        for m in LOCK_RE.finditer(src.code):
            arg = m.group(2)
            if any(re.search(r"\b%s\b" % n, arg) for n in WRITE_LOCK_NAMES):
                line = src.code.count("\n", 0, m.start()) + 1
                call = "pthread_mutex_%s(%s)" % (m.group(1), " ".join(arg.split()))
                self.add(rel, line, "store-write-lock",
                         "%s outside server/store/; only the store takes the write lock" % call)


LOCK_RE = re.compile(r"\bpthread_mutex_(lock|trylock|timedlock)\s*\(([^;]*?)\)")

# One SQL statement that opens or ends a transaction, at the start of the
# literal or after a ';', ending at ';' or the literal's end. ROLLBACK TO is a
# savepoint rollback and allowed.
TXN_RE = re.compile(
    r"(?:^|;)\s*(BEGIN(?:\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE))?(?:\s+TRANSACTION)?"
    r"|COMMIT(?:\s+TRANSACTION)?|END(?:\s+TRANSACTION)?"
    r"|ROLLBACK(?:\s+TRANSACTION)?(?:\s+TO\b)?)\s*(?=;|$)",
    re.I,
)


def transaction_statements(literal):
    text = re.sub(r"\\[ntr]", " ", literal)
    found = []
    for m in TXN_RE.finditer(text):
        stmt = " ".join(m.group(1).split())
        if not re.search(r"\bTO$", stmt, re.I):
            found.append(stmt)
    return found


# --- Output ---------------------------------------------------------------


def is_known(breach):
    return (breach[0], breach[2]) in KNOWN_BREACHES_TO_REMOVE


def print_breaches(breaches, report):
    for rel, line, rule, what in breaches:
        mark = "  [known, to remove]" if report and is_known((rel, line, rule, what)) else ""
        print("%s:%d: %s: %s%s" % (rel, line, rule, what, mark))


def print_stale(breaches):
    used = {(b[0], b[2]) for b in breaches}
    for rel, rule in sorted(KNOWN_BREACHES_TO_REMOVE - used):
        print("check-layout: note: KNOWN_BREACHES_TO_REMOVE entry (%r, %r) matches nothing; "
              "delete it" % (rel, rule), file=sys.stderr)


def print_graph(tree):
    """Each module: the modules it includes, third-party headers, unused DEPS."""
    edges, libs = defaultdict(set), defaultdict(set)
    for rel, src in tree.sources.items():
        module = tree.module_of(rel) or "?"
        if module == "client":
            module = "client:" + next(d for d in CLIENT_DIRS if rel.startswith(d + "/"))
        for _, name in src.includes:
            target = tree.resolve(rel, name)
            tmod = tree.module_of(target) if target else None
            if target is None:
                libs[module].add(third_party(name))
            elif tmod != module:
                edges[module].add(tmod)
        edges.setdefault(module, set())
    print("module -> modules it includes  [third-party]  (DEPS not included)")
    for module in sorted(edges, key=lambda m: (m.startswith("client:"), m)):
        used = {target_of(t) for t in edges[module]}
        unused = sorted(d for d in tree.deps.get(module, ())
                        if (d.startswith("bb_") or d == "borgerbot_intents") and d not in used)
        line = "%-20s -> %s  [%s]" % (module, " ".join(sorted(edges[module])) or "-",
                                      " ".join(sorted(libs[module] - {"libc"})))
        if unused:
            line += "  (unused DEPS: %s)" % " ".join(unused)
        print(line)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Checks the layout rules over the include graph.")
    ap.add_argument("--root", default=os.path.dirname(here), help="project root to check")
    ap.add_argument("--report", action="store_true",
                    help="list every breach, known ones marked, and exit 0")
    ap.add_argument("--graph", action="store_true", help="also print modules and their edges")
    ap.add_argument("--ignore-known", action="store_true",
                    help="enforce as if KNOWN_BREACHES_TO_REMOVE were empty")
    args = ap.parse_args(argv)
    if not os.path.isdir(os.path.join(args.root, "server")):
        print("check-layout: %s has no server/ folder" % args.root, file=sys.stderr)
        return 2
    tree = Tree(args.root)
    breaches = Checker(tree).run()
    if args.graph:
        print_graph(tree)
    if args.report:
        print_breaches(breaches, report=True)
        print("check-layout: %d breaches, %d of them known" %
              (len(breaches), sum(map(is_known, breaches))), file=sys.stderr)
        return 0
    failing = breaches if args.ignore_known else [b for b in breaches if not is_known(b)]
    if not args.ignore_known:
        print_stale(breaches)
    print_breaches(failing, report=False)
    if failing:
        print("check-layout: %d breaches of the layout rules (docs/architecture.md)" %
              len(failing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
