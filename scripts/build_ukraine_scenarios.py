#!/usr/bin/env python3
"""Build the bundled Ukrainian scenarios (Kupiansk raion, Kharkiv oblast) from ../shared/data.

Deterministic: the same inputs give byte-identical outputs. Standard library only.

    python3 scripts/build_ukraine_scenarios.py [--shared ../shared]

What it does, per settlement of the KATOTTG codifier in the chosen area:
  * coordinates: the OSM label node / polygon point / GeoNames point already joined in
    ukraine-settlements; for the pairs of same-named settlements of one hromada that the
    join left ambiguous, the two OSM candidates are given to the two KATOTTG rows in code
    order (the places are right, the codes of the pair may be swapped: marked
    `coord_source=osm_ambiguous_pair`); settlements with no coordinate at all are left out
    of settlements.csv and listed in unlocated.csv with their estimated population.
  * population: GeoNames or the OSM `population` tag where known; elsewhere the hromada's
    OSM population minus the known figures of the hromada, shared among the remaining
    settlements in proportion to the area of their OSM boundary polygon (median area of the
    hromada when a settlement has no polygon) -> `population_source=estimate_hromada_area`.
  * alt_names: Cyrillic alternates from GeoNames and OSM `name:ru` / `old_name`, so that
    `evac find` matches Russian-era spellings.
"""

import argparse
import csv
import io
import json
import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

KUPIANSK_RAION = "UA63080000000032022"
KHARKIV_OBLAST_NAME = "Харківська область"


def ring_area_km2(ring):
    """Area of a lon/lat ring in km^2, local equirectangular projection (good to <0.1% at raion size)."""
    lat0 = math.radians(sum(p[1] for p in ring) / len(ring))
    kx = 111.320 * math.cos(lat0)
    ky = 110.574
    s = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        s += (x1 * kx) * (y2 * ky) - (x2 * kx) * (y1 * ky)
    return abs(s) / 2.0


def geometry_area_km2(geom):
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    total = 0.0
    for poly in polys:
        rings = [[tuple(p[:2]) for p in r] for r in poly]
        total += ring_area_km2(rings[0]) - sum(ring_area_km2(r) for r in rings[1:])
    return total


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def round_geometry(geom, digits=5):
    def r(c):
        if isinstance(c[0], (int, float)):
            return [round(c[0], digits), round(c[1], digits)]
        return [r(x) for x in c]

    return {"type": geom["type"], "coordinates": r(geom["coordinates"])}


def simplify_ring(ring, tol_deg):
    """Douglas-Peucker on one closed ring (keeps first/last); enough to keep map files small."""
    if len(ring) < 8:
        return ring

    def dp(pts):
        if len(pts) < 3:
            return pts
        (x1, y1), (x2, y2) = pts[0], pts[-1]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy) or 1e-12
        best, idx = -1.0, 0
        for i in range(1, len(pts) - 1):
            x, y = pts[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm
            if d > best:
                best, idx = d, i
        if best <= tol_deg:
            return [pts[0], pts[-1]]
        return dp(pts[: idx + 1])[:-1] + dp(pts[idx:])

    mid = len(ring) // 2
    out = dp(ring[: mid + 1])[:-1] + dp(ring[mid:])
    return out if len(out) >= 4 else ring


def simplify_geometry(geom, tol_deg):
    if geom["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [simplify_ring(r, tol_deg) for r in geom["coordinates"]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[simplify_ring(r, tol_deg) for r in poly] for poly in geom["coordinates"]],
    }


def build(shared, area_filter, label):
    st_dir = os.path.join(shared, "data", "ukraine-settlements")
    bd_dir = os.path.join(shared, "data", "ukraine-admin-boundaries")
    rows = [r for r in read_csv(os.path.join(st_dir, "kharkiv_oblast_settlements.csv")) if area_filter(r)]
    hromadas = {h["katottg_code"]: h for h in read_csv(os.path.join(st_dir, "kharkiv_oblast_hromadas.csv"))}
    geonames = {g["geonameid"]: g for g in read_csv(os.path.join(st_dir, "geonames_cities500_UA.csv"))}
    with open(os.path.join(bd_dir, "kharkiv_oblast_settlement_boundaries.geojson"), encoding="utf-8") as f:
        polygons = {ft["properties"]["@id"]: ft for ft in json.load(f)["features"]}

    # Resolve ambiguous same-name pairs: candidates in listed order go to rows in code order.
    by_candidates = {}
    for r in rows:
        if r["osm_ambiguous_candidates"]:
            by_candidates.setdefault(r["osm_ambiguous_candidates"], []).append(r)
    for cand, group in by_candidates.items():
        cands = [c.split("@") for c in cand.split(";")]
        group.sort(key=lambda r: r["katottg_code"])
        if len(cands) != len(group):
            continue
        for r, (rel, ll) in zip(group, cands):
            lat, lon = ll.split(",")
            r["lat"], r["lon"] = lat, lon
            r["osm_relation"] = rel
            r["coord_source"] = "osm_ambiguous_pair"

    # Population estimate per hromada.
    for r in rows:
        poly = polygons.get(r["osm_relation"])
        r["_area"] = geometry_area_km2(poly["geometry"]) if poly else None
    by_hromada = {}
    for r in rows:
        by_hromada.setdefault(r["hromada_code"], []).append(r)
    estimate_notes = []
    for code, group in sorted(by_hromada.items()):
        total = int(hromadas[code]["osm_population_tag"])
        known = sum(int(r["population"]) for r in group if r["population"])
        unknown = [r for r in group if not r["population"]]
        areas = [r["_area"] for r in group if r["_area"]]
        median_area = statistics.median(areas) if areas else 1.0
        remainder = max(total - known, 0)
        weights = [r["_area"] or median_area for r in unknown]
        wsum = sum(weights) or 1.0
        for r, w in zip(unknown, weights):
            r["population"] = str(int(round(remainder * w / wsum)))
            r["population_source"] = "estimate_hromada_area"
        estimate_notes.append(
            (hromadas[code]["name_latin"], total, known, len(group) - len(unknown), remainder, len(unknown))
        )

    located = [r for r in rows if r["lat"]]
    unlocated = [r for r in rows if not r["lat"]]
    located.sort(key=lambda r: r["katottg_code"])

    def alt_names(r):
        names = []
        g = geonames.get(r["geonameid"])
        if g:
            names += [n for n in g["cyrillic_alternatenames"].split("|") if n]
            names.append(g["name"])
        poly = polygons.get(r["osm_relation"])
        if poly:
            for key in ("name:ru", "old_name", "name:en"):
                v = poly["properties"].get(key)
                if v:
                    names += [n.strip() for n in v.split(";") if n.strip()]
        seen, out = {r["name_uk"], r["name_latin"]}, []
        for n in names:
            if n not in seen:
                seen.add(n)
                out.append(n)
        return "|".join(out)

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        ["id", "name", "lat", "lon", "population", "name_uk", "name_latin", "hromada", "katottg",
         "category", "population_source", "coord_source", "alt_names"]
    )
    for r in located:
        w.writerow(
            [r["katottg_code"], r["name_latin"], "%.6f" % float(r["lat"]), "%.6f" % float(r["lon"]),
             r["population"], r["name_uk"], r["name_latin"], hromadas[r["hromada_code"]]["name_latin"],
             r["katottg_code"], r["category_en"], r["population_source"], r["coord_source"], alt_names(r)]
        )
    un = io.StringIO()
    w = csv.writer(un, lineterminator="\n")
    w.writerow(["katottg", "name_uk", "name_latin", "hromada", "category", "population_estimate", "reason"])
    for r in unlocated:
        w.writerow(
            [r["katottg_code"], r["name_uk"], r["name_latin"], hromadas[r["hromada_code"]]["name_latin"],
             r["category_en"], r["population"], "no OSM boundary, not in GeoNames cities500"]
        )
    return out.getvalue(), un.getvalue(), located, unlocated, estimate_notes


def boundary_feature(shared, layer, predicate, name_en, tol):
    path = os.path.join(shared, "data", "ukraine-admin-boundaries", layer)
    with open(path, encoding="utf-8") as f:
        for ft in json.load(f)["features"]:
            if predicate(ft["properties"]):
                geom = simplify_geometry(round_geometry(ft["geometry"]), tol)
                props = {
                    "name": ft["properties"].get("name"),
                    "name_en": name_en,
                    "osm_id": ft["properties"].get("@id"),
                    "katottg": ft["properties"].get("katotth"),
                    "source": "OpenStreetMap via darmat1/ukraine-geo-data; (c) OpenStreetMap contributors, ODbL 1.0",
                }
                return {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": props, "geometry": geom}]}
    raise SystemExit("boundary not found in " + path)


ILLUSTRATIVE = "ILLUSTRATIVE - not a real front line; drawn east of the Oskil river for planning exercises"

# An illustrative front line east of the Oskil (north to south), and an earlier one further
# east, so that the order history can be shown. Neither is a real front line.
HAZARD_NOW = [
    (37.955, 50.420), (37.900, 50.250), (37.860, 50.100), (37.800, 49.960), (37.755, 49.840),
    (37.735, 49.740), (37.760, 49.640), (37.800, 49.540), (37.860, 49.430), (37.900, 49.300),
]
HAZARD_EARLIER = [(lon + 0.16, lat) for lon, lat in HAZARD_NOW]


def hazard_geojson(coords, valid_from, name):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name, "valid_from": valid_from, "illustrative": True, "note": ILLUSTRATIVE},
                "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lon, lat in coords]},
            }
        ],
    }


CENTRES = [
    # id, name, lat, lon, capacity -- ILLUSTRATIVE capacities, real city locations.
    ("kharkiv", "Kharkiv reception centre (illustrative)", 49.99350, 36.23040, 15000),
    ("chuhuiv", "Chuhuiv transit centre (illustrative)", 49.83560, 36.68570, 2500),
    ("zmiiv", "Zmiiv reception centre (illustrative)", 49.67880, 36.35130, 2000),
    ("lozova", "Lozova reception centre (illustrative)", 48.88940, 36.31720, 4000),
    ("poltava", "Poltava reception centre (illustrative)", 49.58830, 34.55140, 10000),
    ("dnipro", "Dnipro reception centre (illustrative)", 48.46470, 35.04620, 12000),
]


def centres_csv():
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "name", "lat", "lon", "capacity", "note"])
    for c in CENTRES:
        w.writerow(list(c) + ["illustrative capacity"])
    return out.getvalue()


def dump_json(obj):
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def scenario_toml(name, authority, boundary, extra=""):
    return f"""# evac scenario -- see docs/scenario.md
name = "{name}"
authority = "{authority}"
illustrative = "{ILLUSTRATIVE}. Reception centre capacities are illustrative too."

[zone]
mandatory_km = 10.0
advisory_km = 20.0

[demand]
# Illustrative defaults, used where the settlements file has no value.
no_car_share = 0.35
immobile_share = 0.03
children_share = 0.12
household_size = 2.4

[files]
settlements = "settlements.csv"
hazard = "hazard.geojson"
centres = "centres.csv"
boundary = "{boundary}"
{extra}"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.path.join(REPO, "..", "shared"))
    args = ap.parse_args()

    targets = [
        (
            "kupiansk",
            lambda r: r["raion_code"] == KUPIANSK_RAION,
            "Kupiansk raion (Kharkiv oblast)",
            "Kupiansk Raion Military Administration (illustrative exercise)",
            ("ukraine_raions.geojson", lambda p: p.get("katotth") == KUPIANSK_RAION, "Kupiansk Raion", 0.0008),
        ),
        (
            "kharkiv-oblast",
            lambda r: True,
            "Kharkiv oblast (scale case)",
            "Kharkiv Oblast Military Administration (illustrative exercise)",
            ("ukraine_oblasts.geojson", lambda p: p.get("name") == KHARKIV_OBLAST_NAME, "Kharkiv Oblast", 0.002),
        ),
    ]
    for slug, filt, title, authority, (layer, pred, name_en, tol) in targets:
        d = os.path.join(REPO, "scenarios", slug)
        os.makedirs(d, exist_ok=True)
        settlements, unlocated_csv, located, unlocated, notes = build(args.shared, filt, title)
        write_text(os.path.join(d, "settlements.csv"), settlements)
        write_text(os.path.join(d, "unlocated.csv"), unlocated_csv)
        write_text(os.path.join(d, "centres.csv"), centres_csv())
        write_text(
            os.path.join(d, "hazard.geojson"),
            dump_json(hazard_geojson(HAZARD_NOW, "2025-10-01", "Illustrative front line (current)")),
        )
        write_text(
            os.path.join(d, "hazard-earlier.geojson"),
            dump_json(hazard_geojson(HAZARD_EARLIER, "2024-09-01", "Illustrative front line (earlier)")),
        )
        write_text(os.path.join(d, "boundary.geojson"), dump_json(boundary_feature(args.shared, layer, pred, name_en, tol)))
        write_text(os.path.join(d, "scenario.toml"), scenario_toml(title, authority, "boundary.geojson"))
        by_source = {}
        for r in located:
            by_source[r["population_source"]] = by_source.get(r["population_source"], 0) + 1
        print(
            f"{slug}: {len(located)} settlements located, {len(unlocated)} unlocated "
            f"({sum(int(r['population']) for r in unlocated)} people), population sources {by_source}",
            file=sys.stderr,
        )
        with open(os.path.join(d, "estimates.txt.tmp"), "w", encoding="utf-8") as f:
            f.write("hromada,osm_total,known_sum,known_count,remainder_shared,estimated_count\n")
            for n in notes:
                f.write(",".join(str(x) for x in n) + "\n")
        os.replace(os.path.join(d, "estimates.txt.tmp"), os.path.join(d, "population_estimates.csv"))


if __name__ == "__main__":
    main()
