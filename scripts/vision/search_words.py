"""Searches an index made by `albumen scan --vision` of the labelled corpus photos
(crates/albumen-vision/tests/data/labels.tsv, copied into one folder by their base names) with
everyday words in English and Chinese, and counts, for each word, the labelled photos found and
the results that are labelled with the word.

Usage: search_words.py ALBUMEN_BIN DB"""
import json
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WORDS = [("car", "汽车"), ("flower", "花"), ("fish", "鱼"), ("beach", "海滩"), ("lake", "湖"),
         ("mountain", "山"), ("snow", "雪"), ("boat", "船"), ("bird", "鸟"), ("dog", "狗"),
         ("cat", "猫"), ("food", "食物"), ("tree", "树"), ("person", "人"), ("building", "建筑"),
         ("sea", "海"), ("rock", "岩石"), ("cliff", "悬崖"), ("plant", "植物"), ("forest", "森林")]


def main():
    binary, db = sys.argv[1], sys.argv[2]
    labels = {}
    for line in open(os.path.join(ROOT, "crates", "albumen-vision", "tests", "data", "labels.tsv"),
                     encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        path, words = line.rstrip("\n").split("\t")
        labels[os.path.basename(path)] = set(words.split(","))
    totals = {"en": [0, 0, 0, 0], "zh": [0, 0, 0, 0]}
    for en, zh in WORDS:
        wanted = sorted(n for n, w in labels.items() if en in w)
        row = [f"{en}/{zh}: labelled {len(wanted)}"]
        for lang, q in (("en", en), ("zh", zh)):
            out = subprocess.run([binary, "search", "--db", db, "--json", "--limit", "1000", q],
                                 capture_output=True, text=True, check=False).stdout
            hits = {os.path.basename(h["path"]) for h in json.loads(out or "[]")}
            found = [n for n in wanted if n in hits]
            right = [n for n in hits if en in labels.get(n, set())]
            t = totals[lang]
            t[0] += len(found); t[1] += len(wanted); t[2] += len(right); t[3] += len(hits)
            row.append(f"{q} finds {len(found)}, {len(right)}/{len(hits)} results right")
        print("; ".join(row))
    for lang, (f, w, r, h) in totals.items():
        print(f"{lang}: labelled pairs found {f}/{w} ({f / max(w, 1):.2f}); results labelled with the word {r}/{h} ({r / max(h, 1):.2f})")


main()
