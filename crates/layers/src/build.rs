//! The layer import: read the layers, clip, join, mark bridges, add access links, and hand
//! the result to the network builder (which keeps the largest strongly connected part and
//! contracts chains).

use crate::access::{add_access, read_places};
use crate::bridges::{mark_bridges, read_bridges};
use crate::mapping::LayersFile;
use crate::read::read_layer;
use crate::roads::RoadSet;
use evac_geo::area::AreaIndex;
use evac_network::build::BuildError;
use evac_network::format::to_fixed;
use evac_network::{
    InputLine, InputRoad, LayerReport, Network, NetworkError, NetworkInput, NetworkMeta, NetworkParts, NodeCoords,
    RoadAttrs,
};
use evac_osm::Profile;
use evac_scenario::InputError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{path}: {reason}")]
    NoRoads { path: String, reason: String },
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error("cannot write the network {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Build the network a layers file describes.
pub fn build_parts(layers: &LayersFile, profile: &Profile) -> Result<NetworkParts, LayerError> {
    let shown = layers.path.display().to_string();
    if layers.layers.is_empty() {
        return Err(LayerError::NoRoads { path: shown, reason: "no [[layer]] to read".into() });
    }
    let mut ways = Vec::new();
    let mut records = 0;
    let mut sources = Vec::new();
    for rule in &layers.layers {
        let layer = read_layer(rule)?;
        records += layer.records;
        sources.push(rule.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        // Classes the profile does not route (e.g. tracks) are left out, as in the OSM import.
        ways.extend(layer.ways.into_iter().filter(|w| profile.get(w.class).route));
    }
    let mut set = RoadSet::from_layers(ways);
    let raw_km_by_class = set.km_by_class();
    let area = match &layers.clip {
        Some(p) => Some(AreaIndex::new(&evac_scenario::read_boundary(p)?)),
        None => None,
    };
    let inside = |lon: f64, lat: f64| {
        layers.bbox.is_none_or(|b| lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3])
            && area.as_ref().is_none_or(|a| a.contains(lon, lat))
    };
    if area.is_some() || layers.bbox.is_some() {
        set.clip(inside);
        if set.ways.is_empty() {
            return Err(LayerError::NoRoads {
                path: shown,
                reason: format!("no road of the layers lies inside the clip area {}", clip_name(layers)),
            });
        }
    }
    let (_, before) = set.components();
    let snapped = set.snap_ends(layers.snap_m);
    let (_, after) = set.components();
    let markers = match &layers.bridges {
        Some(p) => mark_bridges(&mut set, &read_bridges(p)?, p, &inside)?,
        None => Vec::new(),
    };
    let mut report = LayerReport {
        snap_m: layers.snap_m,
        vertices: before.vertices,
        components_shared_vertices: before.count,
        largest_shared_vertices: before.largest,
        snapped_ends: snapped,
        components_snapped: after.count,
        largest_snapped: after.largest,
        bridges: markers.len() as u64,
        ..LayerReport::default()
    };
    if let Some(rule) = &layers.access {
        let mut places = Vec::new();
        for p in &rule.places {
            places.extend(read_places(p)?);
        }
        let outcome = add_access(&mut set, &places, rule, &inside);
        report.access_links = outcome.links;
        report.approximate_links = outcome.approximate;
        report.approximate_beyond_m = rule.approximate_beyond_m;
        report.places_not_linked = outcome.not_linked;
    }
    let input = network_input(
        set,
        &markers,
        profile,
        NetworkMeta {
            source: sources.join(" + "),
            profile: format!("{} ({})", layers.name, profile.name),
            raw_km_by_class,
            imported_ways: records,
            clip: (layers.clip.is_some() || layers.bbox.is_some()).then(|| clip_name(layers)),
            layers: Some(report),
            ..NetworkMeta::default()
        },
    );
    evac_network::build_parts(&input).map_err(|e| match e {
        BuildError::NoRoads => LayerError::NoRoads { path: shown, reason: "no routable road in the layers".into() },
    })
}

fn clip_name(layers: &LayersFile) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &layers.clip {
        parts.push(c.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    if let Some(b) = layers.bbox {
        parts.push(format!("bbox {b:?}"));
    }
    parts.join(" and ")
}

/// The builder's input: node ids are positions in the set plus one (there are no OSM node
/// ids in a layer); way ids are the layers' own (`osm_id`), access links negative.
fn network_input(
    mut set: RoadSet,
    markers: &[crate::bridges::CrossingMarker],
    profile: &Profile,
    meta: NetworkMeta,
) -> NetworkInput {
    let mut waterways = Vec::new();
    for (i, m) in markers.iter().enumerate() {
        let a = set.node_at([to_fixed(m.from[0]), to_fixed(m.from[1])]);
        let b = set.node_at([to_fixed(m.to[0]), to_fixed(m.to[1])]);
        waterways.push(InputLine {
            way_id: -(i as i64 + 1),
            nodes: vec![i64::from(a) + 1, i64::from(b) + 1],
            name: m.river.clone(),
        });
    }
    let roads = set
        .ways
        .iter()
        .map(|w| {
            let c = profile.get(w.class);
            InputRoad {
                way_id: w.id,
                nodes: w.nodes.iter().map(|&n| i64::from(n) + 1).collect(),
                attrs: RoadAttrs {
                    class: w.class,
                    // The layers carry no direction: every road is taken as two-way (a dual
                    // carriageway then counts twice: see docs/network.md).
                    forward: true,
                    backward: true,
                    speed_kmh: w.speed_kmh.unwrap_or(c.speed_kmh),
                    lanes_forward: c.lanes,
                    lanes_backward: c.lanes,
                    capacity_per_lane_vph: c.capacity_per_lane_vph,
                    flags: w.flags,
                    name: w.name.clone(),
                    ref_: w.ref_.clone(),
                },
            }
        })
        .collect();
    let ids: Vec<i64> = (1..=set.coords.len() as i64).collect();
    NetworkInput {
        roads,
        restrictions: Vec::new(),
        // (The road layers carry no signals: their junctions are priority ones.)
        signals: Vec::new(),
        rails: Vec::new(),
        waterways,
        stations: Vec::new(),
        nodes: NodeCoords { ids, coords: set.coords },
        meta,
    }
}

/// Build and write the network file `out` (staged and renamed: nothing is written unless
/// the whole build succeeds), then open it.
pub fn build_to_file(layers: &LayersFile, profile: &Profile, out: &Path) -> Result<Network, LayerError> {
    let parts = build_parts(layers, profile)?;
    parts.write(out).map_err(|e| LayerError::Write { path: out.to_path_buf(), source: e })?;
    drop(parts);
    Ok(Network::load(out)?)
}
