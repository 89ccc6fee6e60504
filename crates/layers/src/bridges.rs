//! Bridges from a list (`bridges.csv`: name, river, lat, lon, method): road layers without
//! bridge tags get their river crossings marked where the list says they are, so closures
//! (`--close Oskil`) and the what-if analysis work on them as on OSM bridges.

use crate::roads::{Hit, RoadSet, closest_on_segment, distance_m, metres_per_degree};
use evac_network::flags;
use evac_scenario::{InputError, Location};
use std::path::Path;

/// How far the listed point may be from the road it names: positions read off a map or
/// taken from a short OSM way are within tens of metres of the road's line.
pub const MAX_OFFSET_M: f64 = 200.0;
/// A way this short is taken to be the bridge itself (OSM splits roads at bridge ends, so a
/// short way at a crossing is usually exactly the bridge).
pub const WHOLE_WAY_M: f64 = 500.0;
/// Otherwise this much of the way, centred on the point, is marked.
pub const PIECE_M: f64 = 200.0;

#[derive(Debug, Clone, PartialEq)]
pub struct BridgeRow {
    pub line: u64,
    pub name: String,
    pub river: String,
    pub lat: f64,
    pub lon: f64,
    pub method: String,
}

/// A short line across a marked bridge, named after the river: the network builder names
/// crossings by the waterway lines they intersect, and the river's course is not in the data.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossingMarker {
    pub from: [f64; 2],
    pub to: [f64; 2],
    pub river: String,
}

pub fn read_bridges(path: &Path) -> Result<Vec<BridgeRow>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let headers = reader.headers().map_err(|e| InputError::file(path, e.to_string()))?.clone();
    let col = |name: &str| -> Result<usize, InputError> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            InputError::at(
                path,
                Location::Line(1),
                Some(name),
                format!(
                    "missing column (the header must have name,river,lat,lon,method; found {})",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            )
        })
    };
    let (c_name, c_river, c_lat, c_lon, c_method) =
        (col("name")?, col("river")?, col("lat")?, col("lon")?, col("method")?);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            InputError::at(path, Location::Line(line), None, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let text = |c: usize, field: &str| -> Result<String, InputError> {
            match record.get(c).filter(|s| !s.is_empty()) {
                Some(s) => Ok(s.to_string()),
                None => Err(InputError::at(path, Location::Line(line), Some(field), "empty")),
            }
        };
        let number = |c: usize, field: &str, range: std::ops::RangeInclusive<f64>| -> Result<f64, InputError> {
            let s = text(c, field)?;
            s.parse::<f64>().ok().filter(|v| range.contains(v)).ok_or_else(|| {
                InputError::at(
                    path,
                    Location::Line(line),
                    Some(field),
                    format!("expected degrees in {range:?}, found \"{s}\""),
                )
            })
        };
        rows.push(BridgeRow {
            line,
            name: text(c_name, "name")?,
            river: text(c_river, "river")?,
            lat: number(c_lat, "lat", -90.0..=90.0)?,
            lon: number(c_lon, "lon", -180.0..=180.0)?,
            method: text(c_method, "method")?,
        });
    }
    Ok(rows)
}

/// The point `s` metres along way `w` from its start, as a hit on its segment.
fn along(set: &RoadSet, w: usize, s: f64) -> Hit {
    let nodes = &set.ways[w].nodes;
    let mut walked = 0.0;
    for (i, pair) in nodes.windows(2).enumerate() {
        let (a, b) = (set.position(pair[0]), set.position(pair[1]));
        let len = distance_m(a, b);
        if walked + len >= s || i + 2 == nodes.len() {
            let t = if len > 0.0 { ((s - walked) / len).clamp(0.0, 1.0) } else { 0.0 };
            let point = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            return Hit { way: w as u32, seg: i as u32, t, point, dist_m: 0.0 };
        }
        walked += len;
    }
    unreachable!("a way has at least one segment")
}

/// Mark each listed bridge inside the area on the road nearest its point; returns the
/// crossing markers. A point inside the area with no road within [`MAX_OFFSET_M`] is an
/// error naming its line (a list may cover more than the area clipped to).
pub fn mark_bridges(
    set: &mut RoadSet,
    rows: &[BridgeRow],
    path: &Path,
    inside: &dyn Fn(f64, f64) -> bool,
) -> Result<Vec<CrossingMarker>, InputError> {
    let mut markers = Vec::new();
    for row in rows.iter().filter(|r| inside(r.lon, r.lat)) {
        let p = [row.lon, row.lat];
        let Some(hit) = set.closest(p, MAX_OFFSET_M, |w| w.flags & flags::APPROXIMATE == 0) else {
            return Err(InputError::at(
                path,
                Location::Line(row.line),
                Some("lat"),
                format!(
                    "no road of the layers within {MAX_OFFSET_M:.0} m of {:.5},{:.5} ({}): the point must be on the road where it crosses the river",
                    row.lat, row.lon, row.name
                ),
            ));
        };
        let w = hit.way as usize;
        let length = set.way_length_m(&set.ways[w]);
        let bridge = if length <= WHOLE_WAY_M {
            w
        } else {
            // Distance of the hit along the way, then a piece of PIECE_M around it.
            let nodes = set.ways[w].nodes.clone();
            let mut s_hit = 0.0;
            for pair in nodes.windows(2).take(hit.seg as usize) {
                s_hit += distance_m(set.position(pair[0]), set.position(pair[1]));
            }
            let (a, b) = (set.position(nodes[hit.seg as usize]), set.position(nodes[hit.seg as usize + 1]));
            s_hit += hit.t * distance_m(a, b);
            let (s0, s1) = ((s_hit - PIECE_M / 2.0).max(0.0), (s_hit + PIECE_M / 2.0).min(length));
            let ends = [along(set, w, s0), along(set, w, s1)];
            let cut = set.insert_points(&ends);
            let nodes = &set.ways[w].nodes;
            let pos = |n: u32| nodes.iter().position(|&m| m == n).expect("inserted into this way");
            let (i0, i1) = (pos(cut[0]), pos(cut[1]));
            let pieces = set.split_way(w, &[i0, i1]);
            *pieces.iter().find(|&&k| set.ways[k].nodes[0] == cut[0]).expect("a piece starts at the first cut")
        };
        let way = &mut set.ways[bridge];
        way.flags |= flags::BRIDGE;
        way.name = row.name.clone();
        // The marker: 25 m either side of the road, square to the segment nearest the point.
        let nodes = &set.ways[bridge].nodes;
        let (seg, at) = nodes
            .windows(2)
            .map(|s| {
                let (a, b) = (set.position(s[0]), set.position(s[1]));
                let (_, q, d) = closest_on_segment(p, a, b);
                ((a, b), (q, d))
            })
            .min_by(|x, y| x.1.1.total_cmp(&y.1.1))
            .map(|(seg, (q, _))| (seg, q))
            .expect("a way has a segment");
        let (kx, ky) = metres_per_degree(at[1]);
        let (dx, dy) = ((seg.1[0] - seg.0[0]) * kx, (seg.1[1] - seg.0[1]) * ky);
        let norm = dx.hypot(dy).max(1e-9);
        let (px, py) = (-dy / norm * 25.0, dx / norm * 25.0);
        markers.push(CrossingMarker {
            from: [at[0] - px / kx, at[1] - py / ky],
            to: [at[0] + px / kx, at[1] + py / ky],
            river: row.river.clone(),
        });
    }
    Ok(markers)
}
