"""Extracts ImageNet-1k's class names from npm `@tensorflow-models/mobilenet`'s
dist/imagenet_classes.js (Apache-2.0) into a text file, one class a line in class order.
Usage: imagenet_labels.py imagenet_classes.js OUT.txt"""
import re
import sys

src = open(sys.argv[1], encoding="utf-8").read()
body = src[src.index("{") + 1:src.rindex("}")]
entries = {}
for m in re.finditer(r"(\d+)\s*:\s*((?:'(?:[^'\\]|\\.)*'\s*\+?\s*)+)", body):
    parts = re.findall(r"'((?:[^'\\]|\\.)*)'", m.group(2))
    entries[int(m.group(1))] = re.sub(r"\\(.)", r"\1", "".join(parts))
if sorted(entries) != list(range(1000)):
    sys.exit(f"imagenet_labels: {len(entries)} classes read, 1000 expected")
with open(sys.argv[2] + ".part", "w", encoding="utf-8") as f:
    for i in range(1000):
        f.write(entries[i].replace("\n", " ") + "\n")
import os
os.replace(sys.argv[2] + ".part", sys.argv[2])
