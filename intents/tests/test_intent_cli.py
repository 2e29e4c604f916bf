#!/usr/bin/env python3
"""The intent commands as a user runs them: borgerbot classify and streets import/check."""
import json
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BORGERBOT_BIN", "build/borgerbot")
INTENTS = os.environ.get("BORGERBOT_INTENTS", "intents")
STREETS = os.environ.get("BORGERBOT_STREETS", "municipality/streets.csv")
HEADER = b"street,abbreviation,area,winter_class,route\n"


def run(args, data=b""):
    return subprocess.run([BIN] + args, input=data, capture_output=True, timeout=60)


def classify(data):
    p = run(["classify", "--intents", INTENTS, "--streets", STREETS], data)
    assert p.returncode == 0, p.stderr
    # split on "\n" only: splitlines() would also cut at U+2028 inside a text
    return [json.loads(line) for line in p.stdout.decode("utf-8").split("\n") if line]


class Classify(unittest.TestCase):
    def test_one_json_object_per_line(self):
        out = classify("lys ude duevej 4\nhej\n\nHVAD FANDEN LAVER I\n".encode())
        self.assertEqual(len(out), 4)
        self.assertEqual(list(out[0]), ["text", "intent", "angry", "lang", "slots"])
        self.assertEqual(out[0]["intent"], "streetlight_outage")
        self.assertEqual(out[0]["slots"], {"street": "Duevej", "house_number": "4",
                                           "area": "Fuglekvarteret"})
        self.assertIs(out[0]["angry"], False)
        self.assertEqual(out[1]["intent"], "greeting")
        self.assertEqual(out[2], {"text": "", "intent": "none", "angry": False, "lang": "da",
                                  "slots": {}})
        self.assertEqual(out[3]["intent"], "complaint")
        self.assertIs(out[3]["angry"], True)

    def test_crisis_kind_and_language(self):
        out = classify("min mor på 89 er faldet og kan ikke komme op\n"
                       "I don't want to live anymore\n"
                       "min kæreste truer med at slå mig\n"
                       "jeg har skrevet et afskedsbrev\n".encode())
        self.assertEqual([o["intent"] for o in out], ["crisis"] * 4)
        self.assertEqual([o.get("kind") for o in out],
                         ["emergency", "self_harm", "violence", "self_harm"])
        self.assertEqual([o["lang"] for o in out], ["da", "en", "da", "da"])

    def test_street_shaped_names_not_in_the_register(self):
        out = classify("skraldet er ikke tømt på Lærkevænget 14b\n"
                       "ikke saltet på H.C. Ørsteds Vej\n"
                       "hul i cykelstien ved skolen\n"
                       "lys ude duevej 4\n".encode())
        self.assertEqual(out[0]["slots"], {"street": "Lærkevænget", "house_number": "14B"})
        self.assertIs(out[0]["street_guessed"], True)
        self.assertEqual(out[1]["slots"]["street"], "H.C. Ørsteds Vej")
        self.assertEqual(out[2]["slots"], {})  # a cycle path is not a street name
        self.assertNotIn("street_guessed", out[3])
        self.assertEqual(out[3]["slots"]["street"], "Duevej")

    def test_bad_utf8_is_replaced_and_still_classified(self):
        out = classify(b"gadelys ude p\xe5 duevej\xff\xfe\n\xc3\x28\x00x\n")
        self.assertEqual(len(out), 2)
        self.assertEqual(out[0]["text"], "gadelys ude p\ufffd duevej\ufffd\ufffd")
        self.assertEqual(out[0]["intent"], "streetlight_outage")
        self.assertEqual(out[1]["text"], "\ufffd(\ufffdx")

    def test_text_is_echoed_exactly_however_short_or_odd(self):
        # one- and two-byte lines were once echoed as "" (a too small buffer)
        lines = ["4", "I", "&", "\x01", "ab", 'say "hi" \\ back\\slash', "tab\there",
                 "esc \x1b[31m red \x7f", "\u2028 line sep", "æøå 😂"]
        out = classify("".join(t + "\n" for t in lines).encode())
        self.assertEqual([o["text"] for o in out], lines)
        raw = run(["classify", "--intents", INTENTS, "--streets", STREETS],
                  b'q"\\\x01\n').stdout
        self.assertEqual(raw.split(b", ")[0], b'{"text": "q\\"\\\\\\u0001"')

    def test_crlf_and_missing_final_newline(self):
        out = classify(b"hej\r\nmange tak")
        self.assertEqual([o["text"] for o in out], ["hej", "mange tak"])
        self.assertEqual([o["intent"] for o in out], ["greeting", "thanks"])

    def test_answers_each_line_while_the_writer_waits(self):
        # a program that writes one line and waits for its answer (a pipe
        # kept open) gets it before it writes the next
        p = subprocess.Popen([BIN, "classify", "--intents", INTENTS, "--streets", STREETS],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            for text, intent in (("hej", "greeting"), ("lys ude duevej 4", "streetlight_outage")):
                p.stdin.write(text.encode() + b"\n")
                p.stdin.flush()
                self.assertEqual(json.loads(p.stdout.readline())["intent"], intent)
        finally:
            p.stdin.close()
            self.assertEqual(p.wait(10), 0)

    def test_a_line_split_across_reads(self):
        # longer than one read of the input: still one line, kept whole
        text = "lys ude duevej 4 " + "x" * 70000
        out = classify(text.encode() + b"\nhej")
        self.assertEqual([o["intent"] for o in out], ["streetlight_outage", "greeting"])
        self.assertTrue(out[0]["truncated"])

    def test_oversized_line(self):
        big = ("lys ude duevej " + "bla " * 50000).encode()
        out = classify(big + b"\nhej\n")
        self.assertEqual(len(out), 2)
        self.assertTrue(out[0]["truncated"])
        self.assertEqual(len(out[0]["text"].encode()), 65536)
        self.assertEqual(out[0]["intent"], "streetlight_outage")
        self.assertEqual(out[1]["intent"], "greeting")

    def test_clarification_is_reported(self):
        out = classify("lygten er ude og der er et stort hul i vejen på rosenvej\n".encode())
        self.assertEqual(sorted(out[0]["clarify"]), ["road_damage", "streetlight_outage"])

    def test_bad_options_and_dirs(self):
        self.assertEqual(run(["classify", "--bogus"]).returncode, 2)
        p = run(["classify", "--intents", "/nonexistent"])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"/nonexistent", p.stderr)
        self.assertEqual(run(["classify", "--help"]).returncode, 0)


class IntentsCommand(unittest.TestCase):
    def test_list(self):
        p = run(["intents", "list", "--intents", INTENTS])
        self.assertEqual(p.returncode, 0)
        names = [l.split()[0] for l in p.stdout.decode().splitlines()]
        for n in ["streetlight_outage", "gritting", "road_damage", "waste_collection",
                  "opening_hours", "human_request", "complaint", "crisis", "greeting",
                  "thanks", "panel_join", "panel_leave", "data_deletion", "data_access", "none"]:
            self.assertIn(n, names)

    def test_test_fails_on_a_miss(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "x.intent"), "w") as f:
                f.write("name: x\npattern: \\bfoo\\b\nexample: foo\nexample: bar\n")
            p = run(["intents", "test", "--intents", d])
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"MISS", p.stdout)
            self.assertIn(b'x.intent:4: "bar" -> none (expected x)', p.stdout)

    def test_bad_definition_is_reported(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "x.intent"), "w") as f:
                f.write("name: x\npattern: (foo\n")
            p = run(["intents", "test", "--intents", d])
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"x.intent:2: bad pattern: missing closing parenthesis at offset 4",
                          p.stderr)


class StreetsCommand(unittest.TestCase):
    def write(self, d, text):
        path = os.path.join(d, "in.csv")
        with open(path, "wb") as f:
            f.write(text)
        return path

    def test_import_installs_the_register(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "streets.csv")
            p = run(["streets", "import", STREETS, "--out", out])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"imported", p.stdout)
            with open(out, "rb") as a, open(STREETS, "rb") as b:
                self.assertEqual(a.read(), b.read())
            res = subprocess.run([BIN, "classify", "--intents", INTENTS, "--streets", out],
                                 input="hul i vejen gl kongevej\n".encode(), capture_output=True)
            self.assertEqual(json.loads(res.stdout)["slots"]["street"], "Gammel Kongevej")

    def test_import_default_goes_to_data_dir(self):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run([os.path.abspath(BIN), "streets", "import",
                                os.path.abspath(STREETS)], cwd=d, capture_output=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(os.path.isfile(os.path.join(d, "data", "streets.csv")))

    def test_hostile_rows_are_rejected_with_line_numbers(self):
        cases = [
            (b"", b":1: missing header line 'street,abbreviation,area,winter_class,route'"),
            (b"name,abbreviation,area\nDuevej,,\n",
             b":1: header must be 'street,abbreviation,area,winter_class,route'"),
            (HEADER + b"Duevej,,,,\nA,B,C,D,E,F\n", b":3: expected 5 fields, found 6"),
            (HEADER + b"Duevej\n", b":2: expected 5 fields, found 1"),
            (HEADER + b"\"Duevej\n", b":2: unterminated quote"),
            (HEADER + b"Due\x1bvej,,,,\n", b":2: control character"),
            (HEADER + b"Due\xffvej,,,,\n", b":2: not valid UTF-8"),
            (HEADER + b"x" * 3000 + b"\n", b":2: line too long"),
            (HEADER + b"x" * 200 + b",,,,\n", b":2: street is longer than 100 bytes"),
            (HEADER + b",,Midt,,\n", b":2: empty street name"),
            (HEADER + b"---,,,,\n", b":2: street name has no letters"),
            # the winter columns, checked against the municipality's classes
            (HEADER + b"Duevej,,Fuglekvarteret,Z,Rute 4\n", b":2: unknown winter_class 'Z'"),
            (HEADER + b"Duevej,,Fuglekvarteret,C,\n", b":2: route must be"),
            (HEADER + b"Duevej,,Fuglekvarteret,,Rute 4\n", b":2: a street with a route needs"),
            (HEADER + b"Duevej,,,C,Rute 4\n", b":2: area must be"),
            (HEADER + b"Duevej,,F,C,R\n# again\nduevej,,F,C,R\n",
             b":4: street 'duevej' is listed twice"),
        ]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.csv")
            for data, msg in cases:
                path = self.write(d, data)
                p = run(["streets", "import", path, "--out", out])
                self.assertEqual(p.returncode, 1, data[:40])
                self.assertIn(msg, p.stderr, data[:40])
                self.assertIn(path.encode(), p.stderr, data[:40])
                self.assertFalse(os.path.exists(out))

    def test_streets_outside_the_winter_plan_are_found(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.write(d, HEADER + b"# a comment\nAskevej,Ask.,Skoven,,\n"
                              b"\"Vej, Den Gamle\",,,,\r\n")
            p = run(["streets", "check", path])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"2 streets, valid", p.stdout)
            res = run(["classify", "--intents", INTENTS, "--streets", path],
                      "hul i vejen på askevej 3\n".encode())
            self.assertEqual(json.loads(res.stdout)["slots"],
                             {"street": "Askevej", "house_number": "3", "area": "Skoven"})

    def test_classes_come_from_the_municipality_dir(self):
        with tempfile.TemporaryDirectory() as d:
            path = self.write(d, HEADER + b"Duevej,,Fuglekvarteret,C,Rute 4\n")
            p = run(["streets", "check", path, "--municipality-dir", "/nonexistent/muni"])
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"/nonexistent/muni/winter_classes.csv", p.stderr)
            os.makedirs(os.path.join(d, "muni"))
            for name, text in [("winter_classes.csv", "class,name,promise\nZ,z,zz\n"),
                               ("winter.txt", "pavement_rule: x\npaths: y\n")]:
                with open(os.path.join(d, "muni", name), "w") as f:
                    f.write(text)
            p = run(["streets", "check", path, "--municipality-dir", os.path.join(d, "muni")])
            self.assertEqual(p.returncode, 1)
            self.assertIn(b":2: unknown winter_class 'C'", p.stderr)

    def test_check_and_usage(self):
        p = run(["streets", "check", STREETS])
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"valid", p.stdout)
        self.assertEqual(run(["streets"]).returncode, 2)
        self.assertEqual(run(["streets", "import"]).returncode, 2)
        self.assertEqual(run(["streets", "import", "/nonexistent.csv"]).returncode, 1)


if __name__ == "__main__":
    unittest.main()
