#!/usr/bin/env python3
"""Quality figures of the intent engine, computed with `borgerbot classify`.

  quality.py heldout FILE.tsv   text<TAB>intent; fails below the issue's goals
                                (accuracy >= 0.90, wrong automatic answers <= 0.02,
                                crisis recall 1.00)
  quality.py heldout FILE.tsv --floor ACC,CRISIS
                                the same, but fails only below accuracy ACC or CRISIS
                                crisis messages found (a set still below the goals)
  quality.py report FILE.tsv    the same figures plus macro-F1, per-intent precision and
                                recall and the confusions (for docs/intents.md); never fails
  --misses                      also print each miss (use it on dev halves only)
  quality.py negatives DIR      DIR = ../shared/data; share of smart-home, assistant and
                                news sentences that get an automatic-answer intent
                                (goal <= 0.01). Exits 77 (skip) when DIR is absent.

A message whose two routine intents were close is asked about, not answered: it
does not count as a wrong automatic answer.
"""
import csv
import json
import os
import subprocess
import sys

# Misses are printed only with --misses: a test half is scored, never read, so
# that its figure stays a held-out figure (give --misses for dev halves).
SHOW_MISSES = "--misses" in sys.argv
AUTO = {"streetlight_outage", "gritting", "road_damage", "waste_collection", "opening_hours"}


def classify(texts):
    cmd = [os.environ.get("BORGERBOT_BIN", "build/borgerbot"), "classify"]
    if os.environ.get("BORGERBOT_INTENTS"):
        cmd += ["--intents", os.environ["BORGERBOT_INTENTS"]]
    if os.environ.get("BORGERBOT_STREETS"):
        cmd += ["--streets", os.environ["BORGERBOT_STREETS"]]
    data = "".join(t.replace("\n", " ") + "\n" for t in texts).encode()
    out = subprocess.run(cmd, input=data, capture_output=True, check=True).stdout
    results = [json.loads(line) for line in out.decode().splitlines()]
    assert len(results) == len(texts), "one JSON line per message"
    return results


def heldout(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8")
            if l.strip() and not l.startswith("#")]
    got = classify([r[0] for r in rows])
    ok = wrong_auto = crisis = crisis_ok = asked = 0
    for (text, want), g in zip(rows, got):
        p = g["intent"]
        if want == "crisis":
            crisis += 1
            crisis_ok += p == "crisis"
        if g.get("clarify"):
            asked += 1
        if p == want:
            ok += 1
            continue
        if p in AUTO and not g.get("clarify"):
            wrong_auto += 1
        if SHOW_MISSES:
            print(f"  miss: expected {want:18} got {p:18} {'(asks)' if g.get('clarify') else ''} {text}")
    n = len(rows)
    acc, wrong = ok / n, wrong_auto / n
    print(f"held-out: {n} messages, accuracy {acc:.3f}, wrong automatic answers {wrong:.3f}, "
          f"crisis recall {crisis_ok}/{crisis}, clarifying questions {asked}")
    min_acc, min_crisis = 0.90, crisis
    if "--floor" in sys.argv:  # a set that is below the goals: guard against getting worse
        min_acc, min_crisis = (float(x) for x in sys.argv[sys.argv.index("--floor") + 1].split(","))
    return 0 if acc >= min_acc and wrong <= 0.02 and crisis_ok >= min_crisis else 1


def report(path):
    """Per-intent precision/recall, macro-F1 and confusions of one labelled file."""
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8")
            if l.strip() and not l.startswith("#")]
    got = [g["intent"] for g in classify([r[0] for r in rows])]
    want = [r[1] for r in rows]
    labels = sorted(set(want) | set(got))
    confusions = {}
    f1s = []
    print(f"{'intent':20} {'n':>4} {'prec':>6} {'recall':>6} {'F1':>6}")
    for lab in labels:
        tp = sum(1 for w, g in zip(want, got) if w == lab and g == lab)
        n_true = want.count(lab)
        n_pred = got.count(lab)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_true if n_true else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if n_true:
            f1s.append(f1)
        print(f"{lab:20} {n_true:4} {prec:6.2f} {rec:6.2f} {f1:6.2f}")
    for w, g in zip(want, got):
        if w != g:
            confusions[(w, g)] = confusions.get((w, g), 0) + 1
    print(f"macro-F1 {sum(f1s) / len(f1s):.3f} over {len(f1s)} intents")
    print("confusions (expected -> got: count):")
    for (w, g), c in sorted(confusions.items(), key=lambda x: -x[1]):
        print(f"  {w} -> {g}: {c}")
    heldout(path)
    return 0


def negatives(folder):
    if not os.path.isdir(folder):
        print(f"skipped: {folder} not found")
        return 77
    sets = {}
    with open(os.path.join(folder, "ha_intents_da_sentences.tsv"), encoding="utf-8") as f:
        sets["home-assistant"] = [r["sentence"] for r in csv.DictReader(f, delimiter="\t")]
    with open(os.path.join(folder, "xsid_da_utterances.tsv"), encoding="utf-8") as f:
        sets["xsid"] = [r["text_da"] for r in csv.DictReader(f, delimiter="\t")]
    lcc = os.path.join(folder, "lcc_sentiment_da")
    sets["lcc news/web"] = []
    for name in sorted(os.listdir(lcc)):
        if name.endswith(".csv"):
            with open(os.path.join(lcc, name), encoding="utf-8") as f:
                reader = csv.reader(f)
                next(reader)
                sets["lcc news/web"] += [r[2] for r in reader if len(r) >= 3]
    total = hits = 0
    for name, texts in sets.items():
        got = classify(texts)
        bad = [(g["intent"], t) for g, t in zip(got, texts)
               if g["intent"] in AUTO and not g.get("clarify")]
        total += len(texts)
        hits += len(bad)
        print(f"{name}: {len(bad)}/{len(texts)} = {len(bad) / len(texts):.4f} automatic answers")
        if "-v" in sys.argv:
            for intent, t in bad:
                print(f"   {intent:18} {t[:150]}")
    rate = hits / total
    print(f"all: {hits}/{total} = {rate:.4f} (goal <= 0.01)")
    return 0 if rate <= 0.01 else 1


if __name__ == "__main__":
    modes = {"heldout": heldout, "report": report, "negatives": negatives}
    if len(sys.argv) < 3 or sys.argv[1] not in modes:
        print(__doc__)
        sys.exit(2)
    sys.exit(modes[sys.argv[1]](sys.argv[2]))
