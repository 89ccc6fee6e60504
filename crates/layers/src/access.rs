//! Access links, the last mile modelled openly: where the layers hold only main roads, each
//! place (settlement, reception centre, station) is joined in a straight line to the closest
//! point of the main network. Links longer than `approximate_beyond_m` stand for village
//! roads whose course is unknown and carry the `APPROXIMATE` flag, so that statistics and
//! plans can say how much depends on them.

use crate::mapping::AccessRule;
use crate::roads::{RoadSet, Way};
use evac_network::flags;
use evac_network::format::to_fixed;
use evac_scenario::{InputError, Location};
use std::path::{Path, PathBuf};

/// A place to join to the roads.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub file: PathBuf,
    pub line: u64,
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// Read a CSV file with (at least) `id,name,lat,lon` columns.
pub fn read_places(path: &Path) -> Result<Vec<Place>, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let headers = reader.headers().map_err(|e| InputError::file(path, e.to_string()))?.clone();
    let col = |name: &str| -> Result<usize, InputError> {
        headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name).ok_or_else(|| {
            InputError::at(path, Location::Line(1), Some(name), "missing column (places need id,name,lat,lon)")
        })
    };
    let (ci, cn, clat, clon) = (col("id")?, col("name")?, col("lat")?, col("lon")?);
    let mut places = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            InputError::at(path, Location::Line(e.position().map_or(0, |p| p.line())), None, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let number = |c: usize, field: &str, limit: f64| -> Result<f64, InputError> {
            let s = record.get(c).unwrap_or("");
            s.parse::<f64>().ok().filter(|v| v.abs() <= limit).ok_or_else(|| {
                InputError::at(
                    path,
                    Location::Line(line),
                    Some(field),
                    format!("expected decimal degrees, found \"{s}\""),
                )
            })
        };
        places.push(Place {
            file: path.to_path_buf(),
            line,
            id: record.get(ci).unwrap_or("").to_string(),
            name: record.get(cn).unwrap_or("").to_string(),
            lat: number(clat, "lat", 90.0)?,
            lon: number(clon, "lon", 180.0)?,
        });
    }
    Ok(places)
}

/// What [`add_access`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessOutcome {
    pub links: u64,
    pub approximate: u64,
    /// "name (id): why" for each place given no link.
    pub not_linked: Vec<String>,
}

/// Join every place inside the area to the closest point of the largest connected part of
/// the roads (bridges excluded: a village road does not join a bridge deck). A place on a
/// road already (within 1 m) needs no link.
pub fn add_access(
    set: &mut RoadSet,
    places: &[Place],
    rule: &AccessRule,
    inside: &dyn Fn(f64, f64) -> bool,
) -> AccessOutcome {
    let mut outcome = AccessOutcome::default();
    let main = set.largest_component();
    let candidates: Vec<&Place> = places
        .iter()
        .filter(|p| {
            let ok = inside(p.lon, p.lat);
            if !ok {
                outcome.not_linked.push(format!("{} ({}): outside the network's area", p.name, p.id));
            }
            ok
        })
        .collect();
    let points: Vec<[f64; 2]> = candidates.iter().map(|p| [p.lon, p.lat]).collect();
    let hits = set.closest_many(&points, rule.max_m, |w: &Way| {
        main[w.nodes[0] as usize] && w.flags & (flags::BRIDGE | flags::APPROXIMATE) == 0
    });
    let mut linked: Vec<(&Place, crate::roads::Hit)> = Vec::new();
    for (place, hit) in candidates.into_iter().zip(hits) {
        match hit {
            None => outcome.not_linked.push(format!(
                "{} ({}): no main road within {:.0} km",
                place.name,
                place.id,
                rule.max_m / 1000.0
            )),
            Some(h) if h.dist_m < 1.0 => {}
            Some(h) => linked.push((place, h)),
        }
    }
    let hits: Vec<crate::roads::Hit> = linked.iter().map(|(_, h)| *h).collect();
    let targets = set.insert_points(&hits);
    let mut done = std::collections::HashSet::new();
    for (k, ((place, hit), target)) in linked.into_iter().zip(targets).enumerate() {
        let node = set.node_at([to_fixed(place.lon), to_fixed(place.lat)]);
        // Two places at one spot (a town and its station) share one link.
        if node == target || !done.insert(node) {
            continue;
        }
        let approximate = hit.dist_m > rule.approximate_beyond_m;
        set.ways.push(Way {
            id: -(k as i64 + 1),
            class: rule.class,
            name: if approximate {
                format!("access to {} (approximate)", place.name)
            } else {
                format!("access to {}", place.name)
            },
            ref_: String::new(),
            flags: if approximate { flags::APPROXIMATE } else { 0 },
            speed_kmh: Some(rule.speed_kmh),
            nodes: vec![node, target],
        });
        outcome.links += 1;
        outcome.approximate += u64::from(approximate);
    }
    outcome
}
