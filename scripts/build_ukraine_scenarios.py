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
  * population_source says what kind of figure each is: `official_ukrstat_2022` (State
    Statistics Service, present population on 1 January 2022: the towns of Kupiansk raion),
    `unknown_date_geonames` / `unknown_date_osm_tag` (third-party figures of unknown date),
    `estimate_hromada_area` (our estimate, starred on the order).

For Kupiansk raion it also writes the road network recipe (network.toml: the shared
main-road shapefiles, bridges.csv, access links), the railway stations of the area
(stations.csv, OSM via ukraine-rail-osm), evacuation trains (rail.toml) and a fleet
(fleet.csv); trains and fleet are ILLUSTRATIVE.
"""

import argparse
import csv
import io
import json
import math
import os
import statistics
import sys
import unicodedata

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


def norm_apostrophe(name):
    return name.replace("\u2019", "'").replace("\u02bc", "'")


def official_towns(shared):
    """(Ukrainian name, KATOTTG category) -> present population on 1 Jan 2022 (Ukrstat),
    for the city (м.) and urban-type settlements (смт) of Kupiansk raion."""
    path = os.path.join(shared, "data", "ukraine-main-roads", "kupiansk_raion_population_2022.csv")
    out = {}
    for r in read_csv(path):
        name = r["name_uk"]
        for prefix, category in (("м. ", "M"), ("смт ", "X")):
            if name.startswith(prefix):
                out[(norm_apostrophe(name[len(prefix):]), category)] = int(r["present_population_2022_01_01"])
    return out


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

    # Official 2022 figures of the towns replace the GeoNames/OSM ones; the village
    # estimates above keep the figures they were made with.
    official = official_towns(shared)
    for r in rows:
        key = (norm_apostrophe(r["name_uk"]), r["category"])
        if r["raion_code"] == KUPIANSK_RAION and key in official:
            r["population"] = str(official[key])
            r["population_source"] = "official_ukrstat_2022"
        elif r["population_source"] == "geonames":
            r["population_source"] = "unknown_date_geonames"
        elif r["population_source"] == "osm_population_tag":
            r["population_source"] = "unknown_date_osm_tag"

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
    # id, name, lat, lon, capacity -- ILLUSTRATIVE capacities, real city locations; together
    # enough for the mandatory and advisory zones of Kupiansk raion (about 91,000 people).
    ("kharkiv", "Kharkiv reception centre (illustrative)", 49.99350, 36.23040, 40000),
    ("chuhuiv", "Chuhuiv transit centre (illustrative)", 49.83560, 36.68570, 5000),
    ("zmiiv", "Zmiiv reception centre (illustrative)", 49.67880, 36.35130, 4000),
    ("lozova", "Lozova reception centre (illustrative)", 48.88940, 36.31720, 8000),
    ("poltava", "Poltava reception centre (illustrative)", 49.58830, 34.55140, 20000),
    ("dnipro", "Dnipro reception centre (illustrative)", 48.46470, 35.04620, 25000),
]


def centres_csv():
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "name", "lat", "lon", "capacity", "note"])
    for c in CENTRES:
        w.writerow(list(c) + ["illustrative capacity"])
    return out.getvalue()


# KMU-2010 transliteration (Cabinet of Ministers resolution No. 55), for station names.
KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ю": "iu", "я": "ia", "ь": "", "'": "", "\u2019": "", "\u02bc": "",
}
KMU_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def kmu(text):
    # OSM names sometimes use the Latin i for the Ukrainian one.
    text = text.replace("i", "і").replace("I", "І")
    # Stress marks (combining acute) are not letters.
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).replace("\u0301", ""))
    out, start = [], True
    for ch in text:
        low = ch.lower()
        if low in KMU:
            t = KMU_INITIAL.get(low, KMU[low]) if start else KMU[low]
            out.append(t.capitalize() if ch != low and t else t)
            start = False
        else:
            out.append(ch)
            start = not ch.isalpha()
    return "".join(out)


def stations_csv(shared):
    """The railway stations (not halts) of the Kupiansk area, from the OSM rail snapshot."""
    path = os.path.join(shared, "data", "ukraine-rail-osm", "kupiansk_bbox_rail.geojson")
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    rows = []
    for ft in features:
        p = ft["properties"]
        if p.get("kind") != "station" or p.get("railway") != "station":
            continue
        lon, lat = ft["geometry"]["coordinates"]
        rows.append((kmu(p["name"]), p["name"], lat, lon, p["osm"]))
    rows.sort(key=lambda r: r[4])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "name", "name_uk", "lat", "lon", "osm"])
    for name, name_uk, lat, lon, osm in rows:
        w.writerow([osm.replace("node/", "osm-node-"), name, name_uk, "%.7f" % lat, "%.7f" % lon, osm])
    return out.getvalue()


KUPIANSK_BRIDGES = """name,river,lat,lon,method
Kupiansk,Oskil,49.709820,37.619930,"layer geometry: OSM way 112187536 (3 nodes, 170 m) of the only main road crossing the Oskil valley in this area (west-east through Kupiansk, by its route the R-07 Chuhuiv-Milove); the ways around 37.618-37.624 E are short 2-3-node ways, as OSM splits roads at bridge ends (PROVENANCE of ukraine-main-roads); position +-100 m"
Chuhuiv-Malynivka,Siverskyi Donets,49.825180,36.712050,"administrative boundary: where the national road from Malynivka into Chuhuiv crosses the Chuhuivska/Malynivska hromada boundary (OSM, 317 shared boundary vertices, river-like) inside OSM way 107432805 (3 nodes, 110 m) beside other short ways; the river is named from geography (Chuhuiv lies on the Siverskyi Donets), not from the data: position +-300 m, unverified"
Chuhuiv (M-03),Siverskyi Donets,49.837770,36.722060,"administrative boundary: where the international road crosses the same Chuhuivska/Malynivska hromada boundary (inside the 10.5 km OSM way 734565907, so a 200 m piece is marked); river named from geography, not from the data: position +-300 m, unverified"
"""

def network_toml(title, places):
    return NETWORK_TEMPLATE.replace("@TITLE@", title).replace("@PLACES@", ", ".join('"%s"' % p for p in places))


NETWORK_TEMPLATE = """# The road network of the @TITLE@ scenario, built by evac on first use from the shared
# main-road layers and cached in .cache/ (rebuilt when any file below changes).
# Written by scripts/build_ukraine_scenarios.py. Paths are relative to this file:
# ../../../shared is the shared data beside the repository. Main roads only: settlements,
# centres and stations are joined to them by straight access links, flagged approximate
# beyond 500 m (docs/network.md, "Road layers").
name = "@TITLE@: Ukraine's main roads (KSE shapefiles) with access links"
snap_m = 50
# Kharkiv oblast and the reception cities Poltava and Dnipro.
bbox = [34.3, 48.3, 38.6, 50.6]
bridges = "bridges.csv"

[[layer]]
file = "../../../shared/data/ukraine-main-roads/roads_international.shp"
class = "trunk"
id_field = "osm_id"

[[layer]]
file = "../../../shared/data/ukraine-main-roads/roads_national.shp"
class = "primary"
id_field = "osm_id"

[access]
places = [@PLACES@]
approximate_beyond_m = 500
speed_kmh = 25
class = "unclassified"
# The north of the raion is far from any main road of the layers: no limit short of the
# farthest settlement, so that every one is linked (and counted as approximate).
max_m = 100000
"""

KUPIANSK_RAIL = """# Evacuation trains (ILLUSTRATIVE capacities, timings and turnarounds): shuttles from the
# Kupiansk-Vuzlovyi junction (OSM node 1576981974, stations.csv) toward Kharkiv; buses
# bring people without cars to the railhead. Written by scripts/build_ukraine_scenarios.py.
[[station]]
id = "kupiansk-vuzlovyi"
name = "Kupiansk-Vuzlovyi"
lat = 49.6525866
lon = 37.6439339

[[train]]
id = "EVAC-1"
station = "kupiansk-vuzlovyi"
capacity = 800              # illustrative: a 10-car train with standing room
first_departure_min = 90
turnaround_min = 270        # illustrative: 2 h each way and 30 min at the ends
destination = "kharkiv"
travel_min = 120            # illustrative: about 130 km by rail

[[train]]
id = "EVAC-2"
station = "kupiansk-vuzlovyi"
capacity = 800
first_departure_min = 150
turnaround_min = 270
destination = "kharkiv"
travel_min = 120

[[train]]
id = "EVAC-3"
station = "kupiansk-vuzlovyi"
capacity = 800
first_departure_min = 210
turnaround_min = 270
destination = "kharkiv"
travel_min = 120
"""

KUPIANSK_FLEET = """id,kind,depot_lat,depot_lon,seats,count,note
bus-kharkiv,bus,49.99350,36.23040,50,40,illustrative: coaches from Kharkiv
bus-chuhuiv,bus,49.83560,36.68570,50,30,illustrative: coaches gathered at Chuhuiv
minibus-shevchenkove,minibus,49.69510,37.17625,19,20,illustrative: minibuses at Shevchenkove
ambulance-chuhuiv,ambulance,49.83560,36.68570,2,30,illustrative: stretcher places
ambulance-kharkiv,ambulance,49.99350,36.23040,2,20,illustrative: stretcher places
accessible-kharkiv,accessible,49.99350,36.23040,8,15,illustrative: wheelchair places
"""


def dump_json(obj):
    return json.dumps(obj, ensure_ascii=False, indent=1) + "\n"


def scenario_toml(name, authority, boundary, extra=""):
    return f"""# evac scenario -- see docs/scenario.md
name = "{name}"
authority = "{authority}"
illustrative = "{ILLUSTRATIVE}. Reception centre capacities, the fleet and the trains are illustrative too."

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
        extra = ""
        if slug == "kupiansk":
            write_text(os.path.join(d, "stations.csv"), stations_csv(args.shared))
            write_text(os.path.join(d, "bridges.csv"), KUPIANSK_BRIDGES)
            write_text(os.path.join(d, "network.toml"), network_toml("Kupiansk", ["settlements.csv", "centres.csv", "stations.csv"]))
            write_text(os.path.join(d, "rail.toml"), KUPIANSK_RAIL)
            write_text(os.path.join(d, "fleet.csv"), KUPIANSK_FLEET)
            extra = (
                "# Built from the shared main-road shapefiles on first use (network.toml, docs/network.md).\n"
                'network = "network.toml"\n'
                'fleet = "fleet.csv"\n'
                'rail = "rail.toml"\n'
            )
        if slug == "kharkiv-oblast":
            # The same main-road skeleton, railhead, trains and fleet as Kupiansk: the scale
            # case of the whole pipeline (order diff, car plan, transit; bench/oblast.sh).
            write_text(os.path.join(d, "stations.csv"), stations_csv(args.shared))
            write_text(os.path.join(d, "bridges.csv"), KUPIANSK_BRIDGES)
            write_text(
                os.path.join(d, "network.toml"),
                network_toml("Kharkiv oblast", ["settlements.csv", "centres.csv", "stations.csv"]),
            )
            write_text(os.path.join(d, "rail.toml"), KUPIANSK_RAIL)
            write_text(os.path.join(d, "fleet.csv"), KUPIANSK_FLEET)
            extra = (
                "# Built from the shared main-road shapefiles on first use (network.toml, docs/network.md).\n"
                'network = "network.toml"\n'
                'fleet = "fleet.csv"\n'
                'rail = "rail.toml"\n'
            )
        write_text(os.path.join(d, "scenario.toml"), scenario_toml(title, authority, "boundary.geojson", extra))
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
