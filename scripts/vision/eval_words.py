"""Measures the classifier's search words on the labelled corpus photos, from what
`cargo run --example vision_dump` saw (JSON lines: path, probs, coco, embedding).

Usage: eval_words.py SEEN.jsonl [--show PATH-SUBSTRING ...] [--sweep] [--word WORD ...]

Prints recall and precision of the tags (the classifier's words merged with the detector's,
as crates/albumen-vision/tests/labels.rs counts them) at the threshold in words.rs or at each
threshold of --sweep; --show prints a photo's top classes and tags; --word lists the photos
(labelled or not) given WORD, with their scores, to check a new word's precision by eye.
Pure Python (no numpy), so it runs wherever the dump was made."""
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
VISION = os.path.join(ROOT, "crates", "albumen-vision")


def rows(path):
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith("#") and line.strip():
            yield line.split("\t")


def load_tables():
    words = [r[0] for r in rows(os.path.join(VISION, "data", "words.tsv"))]
    # A word's own threshold (third column), else the one of words.rs.
    own = {r[0]: float(r[2]) for r in rows(os.path.join(VISION, "data", "words.tsv")) if len(r) > 2}
    classes = {}
    names = {}
    for r in rows(os.path.join(VISION, "data", "imagenet-words.tsv")):
        i = int(r[0])
        names[i] = r[1]
        ws = []
        for w in (r[2] if len(r) > 2 else "").split(","):
            if not w:
                continue
            w, _, f = w.partition(":")
            ws.append((w, float(f) if f else 1.0))
        classes[i] = ws
    src = open(os.path.join(VISION, "src", "words.rs"), encoding="utf-8").read()
    threshold = float(re.search(r"pub const MIN_SCORE: f32 = ([0-9.]+);", src).group(1))
    OWN.update(own)
    return words, classes, names, threshold


def class_word_scores(probs, classes):
    score = {}
    for i, p in enumerate(probs):
        for w, f in classes.get(i, []):
            score[w] = score.get(w, 0.0) + p * f
    return score


OWN = {}
COCO_ANIMALS = {"bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe"}
ANIMAL_SURE = float(os.environ.get("ANIMAL_SURE", 0.5))
ANIMAL_COCO = float(os.environ.get("ANIMAL_COCO", 0.3))
COCO_AS = {"hot dog": "food", "dining table": "table", "wine glass": "glass", "cup": "glass"}


def coco_threshold():
    src = open(os.path.join(VISION, "src", "tags.rs"), encoding="utf-8").read()
    return float(re.search(r"pub const MIN_SCORE: f32 = ([0-9.]+);", src).group(1))


COCO_MIN = coco_threshold()


def tags(seen, classes, threshold):
    out = {w: s for w, s in class_word_scores(seen["probs"], classes).items()
           if s >= OWN.get(w, threshold)}
    # An animal the classifier is sure of (its "animal" word) named by the detector's best
    # animal class, when that scores at least ANIMAL_COCO (tags.rs: corroborated animals).
    if class_word_scores(seen["probs"], classes).get("animal", 0.0) >= ANIMAL_SURE:
        animals = [(s, l) for l, s in seen["coco"] if l in COCO_ANIMALS]
        if animals:
            s, l = max(animals)
            if s >= ANIMAL_COCO:
                out[l] = max(out.get(l, 0.0), s)
    for label, s in seen["coco"]:
        if s < COCO_MIN:
            continue
        label = COCO_AS.get(label, label)
        out[label] = max(out.get(label, 0.0), s)
    return out


def main():
    args = sys.argv[1:]
    seen = {}
    for line in open(args[0], encoding="utf-8"):
        j = json.loads(line)
        seen[j["path"]] = j
    words, classes, names, threshold = load_tables()
    corpus = os.path.commonpath(list(seen)) if len(seen) > 1 else ""
    corpus = corpus[: corpus.index("/corpus") + len("/corpus")] if "/corpus" in corpus else corpus
    labels = {
        os.path.join(corpus, r[0]): set(r[1].split(","))
        for r in rows(os.path.join(VISION, "tests", "data", "labels.tsv"))
    }
    coco = set()
    src = open(os.path.join(VISION, "src", "tags.rs"), encoding="utf-8").read()
    for m in re.finditer(r'\("([a-z ]+)", "[^"]+"\),', src):
        coco.add(m.group(1))
    vocab = set(words) | coco | {"table", "glass"}

    def measure(th, verbose=False):
        found = wanted = given = right = 0
        per_word = {}
        for path, want_all in sorted(labels.items()):
            if path not in seen:
                print(f"not seen: {path}", file=sys.stderr)
                continue
            got = tags(seen[path], classes, th)
            want = {w for w in want_all if w in vocab}
            found += len(want & set(got))
            wanted += len(want)
            given += len(got)
            right += len(set(got) & want_all)
            for w in set(got) | want:
                d = per_word.setdefault(w, [0, 0, 0])  # right, given, wanted
                d[0] += w in got and w in want_all
                d[1] += w in got
                d[2] += w in want
            if verbose:
                wrong = sorted(set(got) - want_all)
                missed = sorted(want - set(got))
                if wrong or missed:
                    print(f"  {os.path.relpath(path, corpus)}: wrong {wrong} missed {missed}")
        return found, wanted, right, given, per_word

    if "--sweep" in args:
        for th in [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]:
            f, w, r, g, _ = measure(th)
            print(f"threshold {th:.2f}: recall {f}/{w} ({f / max(w, 1):.2f}) precision {r}/{g} ({r / max(g, 1):.2f})")
    f, w, r, g, per_word = measure(threshold, "--verbose" in args)
    print(f"threshold {threshold}: labelled words found {f}/{w} ({f / max(w, 1):.2f}); tags given that are labelled {r}/{g} ({r / max(g, 1):.2f})")
    if "--per-word" in args:
        for wd, (rr, gg, ww) in sorted(per_word.items()):
            print(f"  {wd:15} right {rr}/{gg} given, labelled {ww}")
    if "--similar" in args:
        similar(seen, labels, corpus)
    for i, a in enumerate(args):
        if a == "--show":
            for path in sorted(p for p in seen if args[i + 1] in p):
                probs = seen[path]["probs"]
                top = sorted(range(len(probs)), key=lambda k: -probs[k])[:8]
                print(os.path.relpath(path, corpus))
                print("  top:", ", ".join(f"{names[k]} {probs[k]:.3f}" for k in top))
                t = tags(seen[path], classes, threshold)
                print("  tags:", ", ".join(f"{k} {v:.2f}" for k, v in sorted(t.items(), key=lambda x: -x[1])))
                if path in labels:
                    print("  labelled:", ",".join(sorted(labels[path])))
        if a == "--word":
            wd = args[i + 1]
            for path in sorted(seen):
                s = class_word_scores(seen[path]["probs"], classes).get(wd, 0.0)
                if s >= 0.1:
                    lab = labels.get(path)
                    mark = "?" if lab is None else ("ok" if wd in lab else "WRONG")
                    print(f"  {s:.2f} {mark:5} {os.path.relpath(path, corpus)}")


GENERIC = {"plant", "sky", "animal"}


def similar(seen, labels, corpus):
    """For each labelled photo, its nearest labelled photos by embedding (cosine): does the
    first share a labelled word (other than plant, sky, animal), and how many of the first 3?"""
    paths = [p for p in sorted(labels) if p in seen]
    emb = {p: seen[p]["embedding"] for p in paths}

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b))

    top1 = top3 = 0
    for p in paths:
        mine = labels[p] - GENERIC
        near = sorted((q for q in paths if q != p), key=lambda q: -cos(emb[p], emb[q]))[:3]
        same = [bool(mine & labels[q]) for q in near]
        top1 += same[0]
        top3 += sum(same)
        print(f"  {'ok ' if same[0] else 'NO '} {os.path.relpath(p, corpus)} [{','.join(sorted(labels[p]))}] -> "
              + "; ".join(f"{os.path.basename(q)} {cos(emb[p], emb[q]):.2f}" for q in near))
    n = len(paths)
    print(f"similar: nearest labelled photo shares a word {top1}/{n} ({top1 / max(n, 1):.2f}); "
          f"of the 3 nearest {top3}/{3 * n} ({top3 / max(3 * n, 1):.2f})")


main()
