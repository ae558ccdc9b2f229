#!/usr/bin/env python3
"""CPU time of `albumen info --json --raw` over the corpus, for two binaries in turn (before and
after a reader change), so that a busy shared machine disturbs the comparison less than wall
time does. Usage: benches/read-cpu.py OLD_BIN NEW_BIN [DIR]  (default ../shared/corpus, fuzzed
files excluded). Prints the minimum and median over 12 alternating runs."""
import os, resource, subprocess, sys, time

old, new = sys.argv[1], sys.argv[2]
root = sys.argv[3] if len(sys.argv) > 3 else os.environ.get("ALBUMEN_CORPUS", "../shared/corpus")
files = sorted(
    os.path.join(d, f)
    for d, _, fs in os.walk(root)
    if "/fuzzing" not in d
    for f in fs
    if f != "oracle.json" and not f.endswith(".md")
)
cpu = {old: [], new: []}
wall = {old: [], new: []}
for _ in range(12):
    for b in (old, new):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([b, "info", "--json", "--raw", *files], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall[b].append(time.perf_counter() - t0)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[b].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
for b in (old, new):
    c, w = sorted(cpu[b]), sorted(wall[b])
    print(f"{b}: {len(files)} files, CPU min {c[0]*1e3:.1f} ms median {c[6]*1e3:.1f} ms; wall min {w[0]*1e3:.1f} ms median {w[6]*1e3:.1f} ms")
