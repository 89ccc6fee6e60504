#!/usr/bin/env python3
"""Write a large synthetic OpenStreetMap file (OPL text) for import benchmarks.

    python3 bench/gen_synthetic_osm.py --grid 1000 --buildings 400000 > /tmp/synthetic.opl
    osmium cat /tmp/synthetic.opl -o /tmp/synthetic.osm.pbf

A `grid` x `grid` road network (about 100 m spacing near Kharkiv) with a realistic mix of
classes (every 50th line a trunk road, every 10th primary/secondary, the rest
residential; some one-way streets, bridges, maxspeed and lanes tags), plus `buildings`
closed building ways of 4 corners each: like a real extract, most ways are not roads, so
an importer must skip them quickly. Deterministic. Standard library only.
"""

import argparse
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=1000)
    ap.add_argument("--buildings", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    out = sys.stdout
    g = a.grid
    lat0, lon0, step = 49.5, 36.0, 0.0009
    # Road nodes: id = 1 + y * g + x
    for y in range(g):
        lat = lat0 + y * step
        rows = []
        for x in range(g):
            # Jitter of up to ~15 m: real coordinates do not delta-encode to nothing.
            jx, jy = (rnd.random() - 0.5) * 0.0002, (rnd.random() - 0.5) * 0.00013
            rows.append(f"n{1 + y * g + x} v1 x{lon0 + x * step * 1.5 + jx:.7f} y{lat + jy:.7f} T\n")
        out.write("".join(rows))
    # Building nodes after the road nodes.
    base = g * g + 1
    for b in range(a.buildings):
        x = rnd.random() * (g - 1) * step * 1.5 + lon0
        y = rnd.random() * (g - 1) * step + lat0
        d = 0.00008
        nid = base + 4 * b
        out.write(
            f"n{nid} v1 x{x:.7f} y{y:.7f} T\nn{nid + 1} v1 x{x + d:.7f} y{y:.7f} T\n"
            f"n{nid + 2} v1 x{x + d:.7f} y{y + d:.7f} T\nn{nid + 3} v1 x{x:.7f} y{y + d:.7f} T\n"
        )
    way = 1

    def tags_for(index):
        if index % 50 == 0:
            return "highway=trunk,lanes=4,maxspeed=90"
        if index % 10 == 0:
            return "highway=primary,maxspeed=RU:urban" if index % 20 == 0 else "highway=secondary"
        if index % 7 == 0:
            return "highway=residential,oneway=yes"
        return "highway=residential"

    seg = 10  # segments per way
    for y in range(g):
        t = tags_for(y)
        for x0 in range(0, g - 1, seg):
            xs = range(x0, min(x0 + seg, g - 1) + 1)
            extra = ",bridge=yes" if (x0 // seg) % 37 == 5 else ""
            nds = ",".join(f"n{1 + y * g + x}" for x in xs)
            out.write(f"w{way} v1 T{t}{extra},name=Street_{y} N{nds}\n")
            way += 1
    for x in range(g):
        t = tags_for(x)
        for y0 in range(0, g - 1, seg):
            ys = range(y0, min(y0 + seg, g - 1) + 1)
            nds = ",".join(f"n{1 + y * g + x}" for y in ys)
            out.write(f"w{way} v1 T{t},name=Avenue_{x} N{nds}\n")
            way += 1
    for b in range(a.buildings):
        nid = base + 4 * b
        out.write(f"w{way} v1 Tbuilding=yes Nn{nid},n{nid + 1},n{nid + 2},n{nid + 3},n{nid}\n")
        way += 1


if __name__ == "__main__":
    main()
