//! The import pipeline: read, clip, build.

use crate::profile::Profile;
use crate::read::{Collected, Place, ReadError, ReadProgress, read};
use evac_geo::area::AreaIndex;
use evac_geo::geodesy::fast_distance_m;
use evac_model::LatLon;
use evac_network::build::BuildError;
use evac_network::format::{Coord, from_fixed};
use evac_network::{Network, NetworkInput, NetworkMeta, NetworkParts, NodeCoords, RoadClass};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: {reason}")]
    NoRoads { path: String, reason: String },
    #[error(
        "{path}: the clip area {clip} contains none of the file's {nodes} nodes (data spans lon {lon0:.4}..{lon1:.4}, lat {lat0:.4}..{lat1:.4})"
    )]
    ClipMissesData { path: String, clip: String, nodes: usize, lon0: f64, lat0: f64, lon1: f64, lat1: f64 },
}

/// How to import.
pub struct ImportOptions<'a> {
    pub profile: Profile,
    /// Keep only the part of the network inside this area (lon/lat), named for messages.
    pub clip: Option<(String, geo::MultiPolygon<f64>)>,
    /// Keep only the part inside [min_lon, min_lat, max_lon, max_lat].
    pub bbox: Option<[f64; 4]>,
    pub progress: &'a dyn ReadProgress,
}

impl Default for ImportOptions<'_> {
    fn default() -> Self {
        ImportOptions { profile: Profile::default(), clip: None, bbox: None, progress: &() }
    }
}

fn latlon(c: Coord) -> LatLon {
    LatLon::new(from_fixed(c[1]), from_fixed(c[0]))
}

/// Length of a way whose every node is in the file (`None` for a way cut by the extract's
/// edge: such ways are left out of the raw per-class count, as other tools do).
fn complete_way_length_m(nodes: &NodeCoords, refs: &[i64]) -> Option<f64> {
    let mut total = 0.0;
    for w in refs.windows(2) {
        let (a, b) = (nodes.index(w[0])?, nodes.index(w[1])?);
        total += fast_distance_m(latlon(nodes.coords[a]), latlon(nodes.coords[b]));
    }
    Some(total)
}

fn way_length_m(nodes: &NodeCoords, refs: &[i64]) -> f64 {
    let mut total = 0.0;
    let mut prev: Option<Coord> = None;
    for &r in refs {
        let c = nodes.index(r).map(|i| nodes.coords[i]);
        if let (Some(a), Some(b)) = (prev, c) {
            total += fast_distance_m(latlon(a), latlon(b));
        }
        prev = c;
    }
    total
}

/// Import an OSM extract into a routing network (in memory).
pub fn import(path: &Path, options: &ImportOptions<'_>) -> Result<Network, ImportError> {
    Ok(Network::from_parts(&import_parts(path, options)?))
}

/// Import an OSM extract into the arrays of a network (write them with `NetworkParts::write`).
/// Import `path` into the network file `out` and open it. Nothing is written unless the
/// whole import succeeds (the file is staged, then renamed).
pub fn import_to_file(
    path: &Path,
    out: &Path,
    options: &ImportOptions<'_>,
) -> Result<Network, crate::cache::CacheError> {
    let parts = import_parts(path, options)?;
    parts.write(out).map_err(|e| crate::cache::CacheError::Write { path: out.to_path_buf(), source: e })?;
    drop(parts);
    Ok(Network::load(out)?)
}

pub fn import_parts(path: &Path, options: &ImportOptions<'_>) -> Result<NetworkParts, ImportError> {
    let shown = path.display().to_string();
    let mut c: Collected = read(path, &options.profile, options.progress)?;
    let all_nodes = NodeCoords::from_unsorted(std::mem::take(&mut c.nodes));
    if all_nodes.is_empty() {
        return Err(ImportError::NoRoads { path: shown, reason: "the file contains no nodes".into() });
    }
    // The per-class length of every highway way, before any filtering: a figure other tools
    // (osmium) can reproduce from the same file.
    let road_lengths: Vec<(&str, f64)> = c
        .roads
        .par_iter()
        .zip(&c.road_highway)
        .filter(|(road, _)| road.attrs.class != RoadClass::Ferry)
        .filter_map(|(road, highway)| Some((highway.as_str(), complete_way_length_m(&all_nodes, &road.nodes)?)))
        .chain(
            c.other_highways
                .par_iter()
                .filter_map(|(h, refs)| Some((h.as_str(), complete_way_length_m(&all_nodes, refs)?))),
        )
        .collect();
    let mut raw_km_by_class: BTreeMap<String, f64> = BTreeMap::new();
    for (highway, m) in road_lengths {
        *raw_km_by_class.entry(highway.to_string()).or_default() += m / 1000.0;
    }
    for &(i, duration) in &c.ferry_durations {
        let len = way_length_m(&all_nodes, &c.roads[i].nodes);
        if len > 0.0 {
            c.roads[i].attrs.speed_kmh = (len / duration * 3.6).clamp(1.0, 80.0) as f32;
        }
    }
    let node_count = all_nodes.len();
    let extent = all_nodes.coords.iter().fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |(a, b, c, d), p| {
        let (lon, lat) = (from_fixed(p[0]), from_fixed(p[1]));
        (a.min(lon), b.min(lat), c.max(lon), d.max(lat))
    });
    let nodes = clip_nodes(all_nodes, options);
    if nodes.is_empty() {
        let clip = match (&options.clip, options.bbox) {
            (Some((name, _)), _) => name.clone(),
            (None, Some(b)) => format!("bbox {b:?}"),
            (None, None) => unreachable!("nodes are only dropped by a clip or a bbox"),
        };
        let (lon0, lat0, lon1, lat1) = extent;
        return Err(ImportError::ClipMissesData { path: shown, clip, nodes: node_count, lon0, lat0, lon1, lat1 });
    }
    let input = NetworkInput {
        roads: std::mem::take(&mut c.roads),
        restrictions: std::mem::take(&mut c.restrictions),
        signals: std::mem::take(&mut c.signals),
        rails: std::mem::take(&mut c.rails),
        waterways: std::mem::take(&mut c.waterways),
        stations: std::mem::take(&mut c.stations).into_iter().filter(|s| nodes.index(s.osm_id).is_some()).collect(),
        nodes,
        meta: NetworkMeta {
            source: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            profile: options.profile.name.clone(),
            raw_km_by_class,
            imported_ways: c.ways_seen,
            clip: options.clip.as_ref().map(|(n, _)| n.clone()).or(options.bbox.map(|b| format!("bbox {b:?}"))),
            ..Default::default()
        },
    };
    let imported_roads = input.roads.len();
    evac_network::build_parts(&input).map_err(|e| match e {
        BuildError::NoRoads => ImportError::NoRoads {
            path: shown,
            reason: format!(
                "no routable road: {} ways read, {imported_roads} car-routable highway ways found{}",
                input.meta.imported_ways,
                if options.clip.is_some() || options.bbox.is_some() { " before clipping" } else { "" }
            ),
        },
    })
}

fn clip_nodes(nodes: NodeCoords, options: &ImportOptions<'_>) -> NodeCoords {
    if options.clip.is_none() && options.bbox.is_none() {
        return nodes;
    }
    let area = options.clip.as_ref().map(|(_, mp)| AreaIndex::new(mp));
    let keep = |c: &Coord| {
        let (lon, lat) = (from_fixed(c[0]), from_fixed(c[1]));
        options.bbox.is_none_or(|b| lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3])
            && area.as_ref().is_none_or(|a| a.contains(lon, lat))
    };
    let (ids, coords) = nodes.ids.into_iter().zip(nodes.coords).filter(|(_, c)| keep(c)).unzip();
    NodeCoords { ids, coords }
}

/// The `place=city|town|village|hamlet` nodes and closed ways of a file, with locations
/// (a way's location is the mean of its nodes).
pub fn read_places(path: &Path) -> Result<Vec<Place>, ImportError> {
    let mut c = read(path, &Profile::default(), &())?;
    let nodes = NodeCoords::from_unsorted(std::mem::take(&mut c.nodes));
    let mut places = std::mem::take(&mut c.places);
    for p in &mut places {
        if p.location.is_none() {
            let pts: Vec<LatLon> =
                p.way_nodes.iter().filter_map(|&r| nodes.index(r)).map(|i| latlon(nodes.coords[i])).collect();
            if !pts.is_empty() {
                let n = pts.len() as f64;
                p.location = Some(LatLon::new(
                    pts.iter().map(|q| q.lat).sum::<f64>() / n,
                    pts.iter().map(|q| q.lon).sum::<f64>() / n,
                ));
            }
        }
    }
    places.retain(|p| p.location.is_some());
    Ok(places)
}
