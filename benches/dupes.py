#!/usr/bin/env python3
"""Duplicates, side by side: `albumen dupes` vs czkawka_cli on one labelled set.

Usage: python3 benches/dupes.py BIN CORPUS [CZKAWKA_CLI]

The set (made here with ImageMagick from corpus photos that carry a capture date):
- 24 distinct photos, one per camera model, each with 7 copies: the original, a byte copy, a
  50 % resize, quality 60, stripped of metadata, a PNG of at most 1024 px, and a 96 % centre
  crop (the same copies as checks/preview-dupes);
- up to 24 more distinct photos from the same cameras (same scene types, other pictures), each
  alone, so that grouping look-alike but different photos costs precision.
Pairs in the same group count as "found". Precision = true found pairs / found pairs, recall =
true found pairs / true pairs. Both tools get the same folder; czkawka runs `image` mode (which
groups byte copies too) with its default hash and the given similarity preset."""
import itertools, json, os, subprocess, sys, tempfile, time, shutil

bin_, corpus = sys.argv[1], sys.argv[2]
czk = sys.argv[3] if len(sys.argv) > 3 else shutil.which("czkawka_cli")
tmp = tempfile.mkdtemp(prefix="albumen-dupes-bench-")
recs = json.load(open(os.path.join(corpus, "oracle.json")))
src = []
for r in recs:
    p = os.path.normpath(os.path.join(corpus, r["SourceFile"]))
    if (r.get("File:FileType") in ("JPEG", "HEIC") and r.get("ExifIFD:DateTimeOriginal")
            and os.path.isfile(p) and os.path.getsize(p) > 150_000 and "crafted" not in p
            and "fuzzing" not in p and not r.get("ExifTool:Error")):
        src.append((p, r.get("IFD0:Model"), r.get("ExifIFD:DateTimeOriginal")))
picked, extra, seen, taken = [], [], {}, set()
for p, model, dto in src:
    # one file per capture time: the corpus holds the same photo re-saved (exif-at-eof.heic
    # is IMG_2927.HEIC with its EXIF moved), which is a duplicate, not a look-alike
    if dto in taken:
        continue
    n = seen.get(model, 0)
    if n == 0:
        picked.append(p)
    elif n == 1:
        extra.append(p)
    else:
        continue
    seen[model] = n + 1
    taken.add(dto)
picked, extra = picked[:24], extra[:24]
dd = os.path.join(tmp, "set")
os.makedirs(dd)
truth = {}
for i, p in enumerate(picked):
    ext = os.path.splitext(p)[1].lower()
    base = os.path.join(dd, f"p{i:02d}")
    variants = {
        f"{base}_orig{ext}": ["cp", p],
        f"{base}_copy{ext}": ["cp", p],
        f"{base}_half.jpg": ["convert", p + "[0]", "-auto-orient", "-resize", "50%", "-quality", "85"],
        f"{base}_q60.jpg": ["convert", p + "[0]", "-auto-orient", "-quality", "60"],
        f"{base}_strip.jpg": ["convert", p + "[0]", "-auto-orient", "-strip", "-quality", "92"],
        f"{base}_png.png": ["convert", p + "[0]", "-auto-orient", "-resize", "1024x1024>"],
        f"{base}_crop.jpg": ["convert", p + "[0]", "-auto-orient", "-gravity", "center", "-crop",
                             "96%x96%+0+0", "+repage", "-quality", "90"],
    }
    for out, cmd in variants.items():
        if subprocess.run(cmd + [out], capture_output=True).returncode == 0 and os.path.exists(out):
            truth[out] = i
for j, p in enumerate(extra):
    out = os.path.join(dd, f"x{j:02d}{os.path.splitext(p)[1].lower()}")
    shutil.copyfile(p, out)
    truth[out] = 1000 + j
true_pairs = {(a, b) for a, b in itertools.combinations(sorted(truth), 2) if truth[a] == truth[b]}
print(f"set: {len(picked)} photos x 7 copies + {len(extra)} look-alike distinct photos = "
      f"{len(truth)} files, {len(true_pairs)} true pairs")


def score(name, groups, secs):
    found = set()
    for g in groups:
        for a, b in itertools.combinations(sorted(os.path.normpath(m) for m in g), 2):
            found.add((a, b))
    tp = len(found & true_pairs)
    prec = tp / len(found) if found else 0.0
    rec = tp / len(true_pairs) if true_pairs else 0.0
    print(f"{name:<34} precision {prec:.3f}  recall {rec:.3f}  ({len(found)} pairs found, "
          f"{len(groups)} groups, {secs:.1f} s)")
    for a, b in sorted(found - true_pairs)[:3]:
        print(f"    false pair: {os.path.basename(a)} {os.path.basename(b)}")
    for a, b in sorted(true_pairs - found)[:3]:
        print(f"    missed pair: {os.path.basename(a)} {os.path.basename(b)}")


t0 = time.perf_counter()
out = subprocess.run([bin_, "dupes", "--json", dd], capture_output=True, text=True)
ta = time.perf_counter() - t0
groups = [g["members"] for g in json.loads(out.stdout)["groups"]]
score("albumen dupes", groups, ta)

if not czk:
    print("czkawka_cli: not installed (cargo install czkawka_cli --locked): skipped")
else:
    # czkawka 8+: -s is the largest hash difference (0-40; up to 20 recommended for its default
    # hash size 16); -m 1 because it skips files under 16 KiB by default (the small copies here);
    # -H so that no cache from an earlier run answers.
    for preset in ("5", "10", "20"):
        res = os.path.join(tmp, f"czk-{preset}.json")
        t0 = time.perf_counter()
        r = subprocess.run([czk, "image", "-d", dd, "-s", preset, "-m", "1", "-H", "-C", res],
                           capture_output=True, text=True)
        tc = time.perf_counter() - t0
        if not os.path.exists(res):
            print(f"czkawka_cli image -s {preset}: no result file (exit {r.returncode}): "
                  f"{(r.stderr or r.stdout)[-300:]}")
            continue
        data = json.load(open(res))
        # a list of groups, each a list of entries with a "path"
        groups = [[e["path"] for e in g] for g in data]
        score(f"czkawka_cli image -s {preset}", groups, tc)
shutil.rmtree(tmp, ignore_errors=True)
