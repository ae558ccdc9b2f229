#!/usr/bin/env python3
"""Draws the page's icons (assets/icons/icon-192.png, icon-512.png, icon-maskable-512.png and
icon.svg) from one geometry: a blue square, a sun, two mountains. No dependencies beyond the
standard library (zlib for PNG); run once, the results are committed. Usage: make-icons.py DIR"""
import os, struct, sys, zlib

TOP, BOTTOM = (0x3a, 0x7b, 0xd5), (0x1e, 0x3c, 0x72)
SUN = ((0.68, 0.34), 0.085, (0xff, 0xd1, 0x66))
BACK = (((0.14, 0.74), (0.40, 0.40), (0.66, 0.74)), (0xa8, 0xda, 0xdc))
FRONT = (((0.36, 0.74), (0.60, 0.48), (0.86, 0.74)), (0xf1, 0xfa, 0xee))
GROUND = ((0.14, 0.74, 0.86, 0.78), (0xf1, 0xfa, 0xee))


def inside_tri(p, t):
    (x, y), (a, b, c) = p, t
    def s(p1, p2):
        return (x - p2[0]) * (p1[1] - p2[1]) - (p1[0] - p2[0]) * (y - p2[1])
    d1, d2, d3 = s(a, b), s(b, c), s(c, a)
    neg = d1 < 0 or d2 < 0 or d3 < 0
    pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (neg and pos)


def colour(x, y, radius, scale):
    # rounded square (radius 0 = full bleed, for "maskable")
    if radius:
        cx = min(max(x, radius), 1 - radius)
        cy = min(max(y, radius), 1 - radius)
        if (x - cx) ** 2 + (y - cy) ** 2 > radius ** 2:
            return None
    c = tuple(TOP[i] + (BOTTOM[i] - TOP[i]) * y for i in range(3))
    # the drawing, scaled about the centre (maskable icons keep it in the safe zone)
    u, v = 0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale
    (sx, sy), r, sc = SUN
    if (u - sx) ** 2 + (v - sy) ** 2 <= r * r:
        c = sc
    if inside_tri((u, v), BACK[0]):
        c = BACK[1]
    if inside_tri((u, v), FRONT[0]):
        c = FRONT[1]
    g = GROUND[0]
    if g[0] <= u <= g[2] and g[1] <= v <= g[3]:
        c = GROUND[1]
    return c


def png(size, radius, scale, path, ss=3):
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc, n = [0.0, 0.0, 0.0, 0.0], ss * ss
            for a in range(ss):
                for b in range(ss):
                    c = colour((i + (a + 0.5) / ss) / size, (j + (b + 0.5) / ss) / size, radius, scale)
                    if c:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            alpha = acc[3] / n
            k = acc[3] / 255 or 1
            row += bytes([round(acc[0] / k), round(acc[1] / k), round(acc[2] / k), round(alpha)])
        rows.append(bytes(row))
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def svg(path):
    pts = lambda t: " ".join(f"{x * 100:g},{y * 100:g}" for x, y in t)
    hexc = lambda c: "#%02x%02x%02x" % c
    (sx, sy), r, sc = SUN
    g = GROUND[0]
    with open(path, "w") as f:
        f.write(f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{hexc(TOP)}"/><stop offset="1" stop-color="{hexc(BOTTOM)}"/></linearGradient></defs>
<rect width="100" height="100" rx="22" fill="url(#g)"/>
<circle cx="{sx * 100:g}" cy="{sy * 100:g}" r="{r * 100:g}" fill="{hexc(sc)}"/>
<polygon points="{pts(BACK[0])}" fill="{hexc(BACK[1])}"/>
<polygon points="{pts(FRONT[0])}" fill="{hexc(FRONT[1])}"/>
<rect x="{g[0] * 100:g}" y="{g[1] * 100:g}" width="{(g[2] - g[0]) * 100:g}" height="{(g[3] - g[1]) * 100:g}" fill="{hexc(GROUND[1])}"/>
</svg>
""")


out = sys.argv[1] if len(sys.argv) > 1 else "crates/albumen-server/assets/icons"
os.makedirs(out, exist_ok=True)
svg(os.path.join(out, "icon.svg"))
png(192, 0.22, 1.0, os.path.join(out, "icon-192.png"))
png(512, 0.22, 1.0, os.path.join(out, "icon-512.png"), ss=2)
png(512, 0, 0.8, os.path.join(out, "icon-maskable-512.png"), ss=2)
