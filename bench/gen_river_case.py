#!/usr/bin/env python3
"""Write the "2,400-node river case" of issue 14 as a complete evac scenario folder.

    python3 bench/gen_river_case.py target/river-case        # then:
    target/release/evac plan target/river-case --out target/river-case/out

A made-up river valley (illustrative; no real place): a river running west-east, a
grid-like road network on both banks (about 2,400 road nodes after evac's import, which
drops nothing here and contracts only the few degree-2 nodes left where a street segment
is missing), a primary road along the valley on each bank, tertiary roads along the river,
secondary cross streets every 10th column, residential streets between them, four named
bridges (tagged bridge=yes, crossing a waterway=river line), 200 settlements with
32,953 cars in all at evac's defaults (occupancy 2.5, no_car_share 0.2), a hazard line
along the northern ridge that puts every settlement in the mandatory zone, and three
reception centres outside the advisory zone: one down the valley to the west, two over the
southern ridge.

Files written: scenario.toml, settlements.csv, hazard.geojson, centres.csv, roads.osm
(OSM XML, which evac imports and caches in .cache/ on first use) and PROVENANCE.md.
Deterministic: the same seed writes the same bytes. Standard library only.
"""

import argparse
import json
import math
import os
import random

# Scale of the valley. 152 columns x 8 rows per bank at 250 m: 2,432 grid nodes, about
# 2,400 after import (issue 14's node count). Distances are in km in a local frame (x east, y north).
COLS = 152
ROWS = 8  # per bank
SPACING = 0.25
RIVER_GAP = 0.3  # half the distance between the two riverside rows (river + banks)
TOTAL_VEHICLES = 32_953
SETTLEMENTS = 200
NO_CAR_SHARE = 0.2  # written to [demand]; vehicles = ceil(pop * 0.8 / 2.5) = ceil(0.32 pop)
# Place the valley somewhere plausible in WGS84; the place is fictitious.
LAT0, LON0 = 47.30, 11.20
KM_PER_DEG_LAT = 111.32
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(LAT0))
# Hazard along the northern ridge, 4 km north of the river: every settlement (at most
# 2.1 km from the river) is within mandatory_km; the centres are beyond advisory_km.
HAZARD_Y = 4.0
MANDATORY_KM = 7.0
ADVISORY_KM = 10.0


def to_latlon(x, y):
    return LAT0 + y / KM_PER_DEG_LAT, LON0 + x / KM_PER_DEG_LON


def row_y(bank, r):
    """y of row r (0 = riverside) on bank +1 (north) or -1 (south)."""
    return bank * (RIVER_GAP + r * SPACING)


def vehicles_of(pop):
    """evac's formula at occupancy 2.5 and no_car_share 0.2, in integers: ceil(8 pop / 25)."""
    return (8 * pop + 24) // 25


def population_for(vehicles):
    """The largest population giving exactly `vehicles` cars. Never a multiple of 25, so that
    pop * 0.32 is not a whole number and evac's floating-point ceil cannot tip over."""
    pop = (25 * vehicles) // 8
    while vehicles_of(pop) != vehicles or pop % 25 == 0:
        pop -= 1
    return pop


def make_vehicle_counts(rnd):
    """200 car counts summing to exactly TOTAL_VEHICLES: four towns, the rest villages with a
    log-normal spread (as real settlement sizes are skewed), scaled to the total."""
    towns = [3200, 2600, 2100, 1700]
    villages = [rnd.lognormvariate(4.6, 0.7) for _ in range(SETTLEMENTS - len(towns))]
    rest = TOTAL_VEHICLES - sum(towns)
    scale = rest / sum(villages)
    counts = [max(3, int(v * scale)) for v in villages]
    # Hand out what int() dropped, one car at a time, largest villages first.
    order = sorted(range(len(counts)), key=lambda i: -villages[i])
    i = 0
    while sum(counts) < rest:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > rest:
        j = order[i % len(order)]
        if counts[j] > 3:
            counts[j] -= 1
        i += 1
    return towns + counts


def name_maker(rnd):
    first = ["Al", "Bir", "Cor", "Dal", "Ern", "Fal", "Gan", "Hol", "Ist", "Kel", "Lam", "Mor",
             "Nes", "Ober", "Pil", "Rau", "Sal", "Tann", "Ul", "Wald", "Zell", "Brun", "Eck"]
    last = ["au", "bach", "berg", "dorf", "feld", "hausen", "heim", "hof", "ing", "kirch",
            "stein", "tal", "wang", "weil", "wies", "brück", "egg", "ried"]
    used = set()

    def make():
        while True:
            n = rnd.choice(first) + rnd.choice(last)
            if n not in used:
                used.add(n)
                return n
            # Two-word names once the simple ones run out ("Unter Falbach").
            n = rnd.choice(["Unter", "Ober", "Hinter", "Vorder", "Neu", "Alt"]) + " " + n
            if n not in used:
                used.add(n)
                return n

    return make


def build_roads(rnd):
    """Nodes {id: (x, y)} and ways [(node ids, tags)]: the two banks' grids, the bridges,
    the roads out of the valley."""
    nodes = {}
    ways = []

    def node(x, y):
        nid = len(nodes) + 1
        # Jitter of a few tens of metres: real streets are not ruled lines.
        jx = (rnd.random() - 0.5) * 0.04
        jy = (rnd.random() - 0.5) * 0.03
        nodes[nid] = (x + jx, y + jy)
        return nid

    grid = {}
    for bank in (1, -1):
        for r in range(ROWS):
            for c in range(COLS):
                grid[bank, r, c] = node(c * SPACING, row_y(bank, r))

    def row_tags(bank, r):
        side = "North" if bank > 0 else "South"
        if r == 3:
            return {"highway": "primary", "name": f"{side} Valley Road", "ref": "B 17" if bank > 0 else "B 18"}
        if r == 0:
            return {"highway": "tertiary", "name": f"{side} Riverside"}
        return {"highway": "residential", "name": f"{side} Lane {r}"}

    def col_tags(bank, c):
        side = "N" if bank > 0 else "S"
        if c % 10 == 0:
            return {"highway": "secondary", "name": f"Cross Street {side}{c}"}
        return {"highway": "residential", "name": f"Street {side}{c}"}

    # Each grid segment is its own way: evac merges pieces of the same road again, and a
    # missing residential segment (8%, as dead ends and blocks in a real town) then just
    # leaves a gap. Roads above residential are never dropped: they carry the valley.
    for bank in (1, -1):
        for r in range(ROWS):
            t = row_tags(bank, r)
            for c in range(COLS - 1):
                if t["highway"] == "residential" and rnd.random() < 0.08:
                    continue
                ways.append(([grid[bank, r, c], grid[bank, r, c + 1]], t))
        for c in range(COLS):
            t = col_tags(bank, c)
            for r in range(ROWS - 1):
                if t["highway"] == "residential" and rnd.random() < 0.08:
                    continue
                ways.append(([grid[bank, r, c], grid[bank, r + 1, c]], t))

    # Bridges over the river between the riverside rows, each a named way of its own.
    bridges = [(22, "Mill Bridge", "secondary"), (75, "Town Bridge", "primary"), (128, "Ferry Bridge", "secondary")]
    for c, name, cls in bridges:
        ways.append(([grid[1, 0, c], grid[-1, 0, c]], {"highway": cls, "name": name, "bridge": "yes", "layer": "1"}))

    # Down the valley to the west: both valley roads run on and meet over the Weir Bridge,
    # ending at the western reception centre, 14 km west of the valley's first column.
    west_n = [node(-x, row_y(1, 3)) for x in (2.0, 5.0, 9.0)]
    west_s = [node(-x, row_y(-1, 3)) for x in (2.0, 5.0, 9.0)]
    west_end_n = node(-13.0, row_y(1, 0))
    west_end_s = node(-13.0, row_y(-1, 0))
    west_centre = node(-14.0, row_y(1, 0) + 0.4)
    ways.append(([grid[1, 3, 0]] + west_n + [west_end_n], row_tags(1, 3)))
    ways.append(([grid[-1, 3, 0]] + west_s + [west_end_s], row_tags(-1, 3)))
    ways.append(([west_end_s, west_end_n], {"highway": "primary", "name": "Weir Bridge", "bridge": "yes", "layer": "1"}))
    ways.append(([west_end_n, west_centre], {"highway": "primary", "name": "Westfeld Road"}))

    # Over the southern ridge: two pass roads from the southern edge of the grid, 7 km south.
    centres = [("westfeld", "Westfeld reception centre", west_centre, 45_000)]
    for c, name, cid, beds in [(40, "Kolm Pass Road", "kolm", 40_000), (110, "Sattel Pass Road", "sattel", 40_000)]:
        x0 = c * SPACING
        y0 = row_y(-1, ROWS - 1)
        bends = [node(x0 + dx, y0 - dy) for dx, dy in ((0.4, 1.5), (-0.3, 3.0), (0.5, 4.5), (0.0, 6.0))]
        end = node(x0 + 0.2, y0 - 7.0)
        ways.append(([grid[-1, ROWS - 1, c]] + bends + [end], {"highway": "primary", "name": name}))
        centres.append((cid, f"{name.split()[0]} reception centre", end, beds))

    # The river itself (not a road): evac names the river a bridge crosses from it.
    river = []
    for i in range(0, 46):
        x = -15.0 + i * 1.2
        river.append(node(x, 0.05 * math.sin(x)))
    return nodes, ways, river, grid, centres


def write_osm(path, nodes, ways, river):
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="gen_river_case.py">\n')
        for nid, (x, y) in nodes.items():
            lat, lon = to_latlon(x, y)
            out.write(f' <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>\n')
        wid = 1
        for refs, tags in ways:
            out.write(f' <way id="{wid}" version="1">\n')
            out.write("".join(f'  <nd ref="{r}"/>\n' for r in refs))
            out.write("".join(f'  <tag k="{k}" v="{v}"/>\n' for k, v in tags.items()))
            out.write(" </way>\n")
            wid += 1
        out.write(f' <way id="{wid}" version="1">\n')
        out.write("".join(f'  <nd ref="{r}"/>\n' for r in river))
        out.write('  <tag k="waterway" v="river"/>\n  <tag k="name" v="Vell"/>\n </way>\n')
        out.write("</osm>\n")


def place_settlements(rnd, nodes, grid, counts):
    """Towns on the valley road at a quarter, half and three quarters of the valley and near
    its western end; villages on distinct grid nodes at least 500 m from each other."""
    make_name = name_maker(rnd)
    rows = []
    towns = [(1, 3, 75), (-1, 3, 40), (1, 3, 115), (-1, 3, 12)]
    candidates = [k for k in grid if k not in towns]
    rnd.shuffle(candidates)
    spots = list(towns)
    for k in candidates:
        if len(spots) == len(counts):
            break
        x, y = nodes[grid[k]]
        if all((x - nodes[grid[s]][0]) ** 2 + (y - nodes[grid[s]][1]) ** 2 >= 0.5 ** 2 for s in spots):
            spots.append(k)
    if len(spots) < len(counts):
        raise SystemExit("not enough room for the settlements: lower the spacing rule")
    for i, (k, vehicles) in enumerate(zip(spots, counts)):
        x, y = nodes[grid[k]]
        # Settlement centres sit a little off the street, as place nodes do.
        lat, lon = to_latlon(x + 0.03, y + 0.02)
        pop = population_for(vehicles)
        rows.append((f"rv{i + 1:03d}", make_name(), lat, lon, pop))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.folder, exist_ok=True)

    nodes, ways, river, grid, centres = build_roads(rnd)
    write_osm(os.path.join(a.folder, "roads.osm"), nodes, ways, river)

    counts = make_vehicle_counts(rnd)
    settlements = place_settlements(rnd, nodes, grid, counts)
    total = sum(vehicles_of(p) for *_, p in settlements)
    assert total == TOTAL_VEHICLES, total
    with open(os.path.join(a.folder, "settlements.csv"), "w", encoding="utf-8") as f:
        f.write("id,name,lat,lon,population,population_source\n")
        for sid, name, lat, lon, pop in settlements:
            f.write(f"{sid},{name},{lat:.6f},{lon:.6f},{pop},estimate_synthetic\n")

    with open(os.path.join(a.folder, "centres.csv"), "w", encoding="utf-8") as f:
        f.write("id,name,lat,lon,capacity\n")
        for cid, name, nid, beds in centres:
            x, y = nodes[nid]
            # The centre must be outside the advisory zone, or evac would not use it.
            assert HAZARD_Y - y > ADVISORY_KM or math.hypot(min(x, 0) - (-2.0), HAZARD_Y - y) > ADVISORY_KM, cid
            lat, lon = to_latlon(x, y)
            f.write(f"{cid},{name},{lat:.6f},{lon:.6f},{beds}\n")

    # The hazard line runs along the northern ridge from 2 km west of the valley's first
    # column to 2 km east of its last.
    line = [list(reversed(to_latlon(x, HAZARD_Y + 0.3 * math.sin(x / 3.0)))) for x in
            [-2.0 + i * 0.5 for i in range(int((COLS * SPACING + 4.0) / 0.5) + 1)]]
    hazard = {"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"name": "Northern ridge (illustrative hazard line)", "valid_from": "2026-12-01"},
        "geometry": {"type": "LineString", "coordinates": [[round(lon, 6), round(lat, 6)] for lon, lat in line]},
    }]}
    with open(os.path.join(a.folder, "hazard.geojson"), "w", encoding="utf-8") as f:
        json.dump(hazard, f, indent=1)
        f.write("\n")

    with open(os.path.join(a.folder, "scenario.toml"), "w", encoding="utf-8") as f:
        f.write(f"""# Written by bench/gen_river_case.py --seed {a.seed}: the 2,400-node river case of issue 14.
name = "Vell river valley (synthetic benchmark case)"
authority = "Benchmark (synthetic)"
illustrative = "ILLUSTRATIVE synthetic benchmark: roads, places, hazard and centres are made up"

[zone]
mandatory_km = {MANDATORY_KM}
advisory_km = {ADVISORY_KM}

[demand]
no_car_share = {NO_CAR_SHARE}

[files]
settlements = "settlements.csv"
hazard = "hazard.geojson"
centres = "centres.csv"
network = "roads.osm"
""")
    with open(os.path.join(a.folder, "PROVENANCE.md"), "w", encoding="utf-8") as f:
        f.write(f"Everything here is synthetic, written by `python3 bench/gen_river_case.py --seed {a.seed}`.\n"
                f"{len(nodes)} OSM nodes ({COLS * ROWS * 2} grid nodes), {len(ways)} road ways, "
                f"{len(settlements)} settlements, {total} cars at occupancy 2.5 and no_car_share {NO_CAR_SHARE}.\n")
    print(f"{a.folder}: {len(nodes)} OSM nodes, {len(ways)} road ways, {len(settlements)} settlements, "
          f"{sum(p for *_, p in settlements)} people, {total} cars")


if __name__ == "__main__":
    main()
