//! What a network contains: counts, km by class, bridges and river crossings, stations.

use crate::class::{RoadClass, flags};
use crate::format::EdgeId;
use crate::format::NONE;
use crate::network::Network;
use serde::Serialize;
use std::collections::BTreeMap;

/// A bridge (or ford, or car ferry): one road link, both directions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bridge {
    /// "Oskil bridge, vul. Soborna (T2106)"-style label.
    pub label: String,
    pub name: String,
    /// River or canal crossed, where known.
    pub crossing: Option<String>,
    pub kind: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// Capacity in the stronger direction, vehicles per hour.
    pub capacity_vph: f64,
    pub lanes: u32,
    pub directions: u32,
    pub length_m: f64,
    pub class: String,
    /// Edge ids (both directions).
    pub edges: Vec<EdgeId>,
    pub way_id: i64,
}

/// Label for a crossing edge: "<river> bridge, <road>".
pub fn crossing_label(network: &Network, e: EdgeId) -> String {
    let edge = network.edge(e);
    let kind = if edge.flags & flags::FERRY != 0 {
        "ferry"
    } else if edge.flags & flags::FORD != 0 {
        "ford"
    } else {
        "bridge"
    };
    let river = network.string(edge.crossing);
    let road = network.edge_label(e);
    if river.is_empty() { format!("{kind}, {road}") } else { format!("{river} {kind}, {road}") }
}

/// Every bridge, ford and ferry link of the network, river crossings first, then by capacity.
pub fn bridges(network: &Network) -> Vec<Bridge> {
    let edges = network.edges();
    let mut out = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        let i = i as u32;
        if e.flags & (flags::BRIDGE | flags::FORD | flags::FERRY) == 0 || (e.twin != NONE && e.twin < i) {
            continue;
        }
        let geometry = network.edge_geometry(EdgeId(i));
        let mid = geometry[geometry.len() / 2];
        let mut ids = vec![EdgeId(i)];
        let mut capacity = f64::from(e.capacity_vph);
        let mut lanes = u32::from(e.lanes);
        if e.twin != NONE {
            ids.push(EdgeId(e.twin));
            let t = &edges[e.twin as usize];
            capacity = capacity.max(f64::from(t.capacity_vph));
            lanes += u32::from(t.lanes);
        }
        let crossing = network.string(e.crossing);
        out.push(Bridge {
            label: crossing_label(network, EdgeId(i)),
            name: network.edge_label(EdgeId(i)),
            crossing: (!crossing.is_empty()).then(|| crossing.to_string()),
            kind: if e.flags & flags::FERRY != 0 {
                "ferry"
            } else if e.flags & flags::FORD != 0 {
                "ford"
            } else {
                "bridge"
            },
            lat: mid.lat,
            lon: mid.lon,
            capacity_vph: capacity,
            lanes,
            directions: ids.len() as u32,
            length_m: f64::from(e.length_m),
            class: RoadClass::from_u8(e.class).map_or("?", RoadClass::osm_name).to_string(),
            edges: ids,
            way_id: e.way_id,
        });
    }
    out.sort_by(|a, b| {
        b.crossing
            .is_some()
            .cmp(&a.crossing.is_some())
            .then(b.capacity_vph.total_cmp(&a.capacity_vph))
            .then(a.way_id.cmp(&b.way_id))
    });
    out
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StationInfo {
    pub name: String,
    pub kind: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub osm_id: i64,
    pub node: u32,
    pub snap_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dropped {
    pub components: u64,
    pub nodes: u64,
    pub edges: u64,
    pub km: f64,
}

/// `evac network stats --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkStats {
    pub source: String,
    pub nodes: usize,
    pub edges: usize,
    /// Road length, each road once whatever its directions.
    pub road_km: f64,
    pub km_by_class: BTreeMap<String, f64>,
    pub oneway_km: f64,
    /// Approximate links (straight access links to settlements where village roads are
    /// missing), each counted once whatever its directions, and their length.
    pub approximate_links: usize,
    pub approximate_km: f64,
    pub bridges: Vec<Bridge>,
    pub river_crossings: usize,
    pub stations: Vec<StationInfo>,
    pub rail_km: f64,
    pub dropped: Dropped,
    pub nodes_before_contraction: u64,
    /// Every `highway=*` way of the source by class, before filtering (km): compare with
    /// other tools' counts.
    pub raw_km_by_class: BTreeMap<String, f64>,
    pub file_bytes: usize,
    /// For networks built from road layers: snapping, bridges and access links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<crate::network::LayerReport>,
    /// OSM turn restrictions read and placed (none for road layers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_restrictions: Option<crate::network::RestrictionReport>,
    /// Nodes of the graph with traffic signals (the roads into them carry
    /// [`crate::flags::SIGNALS`]); not written when there are none.
    #[serde(skip_serializing_if = "is_zero")]
    pub signalised_nodes: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub fn stats(network: &Network) -> NetworkStats {
    let edges = network.edges();
    let mut km_by_class: BTreeMap<String, f64> = BTreeMap::new();
    let mut oneway_km = 0.0;
    let (mut approximate_links, mut approximate_km) = (0, 0.0);
    for (i, e) in edges.iter().enumerate() {
        if e.twin != NONE && (e.twin as usize) < i {
            continue;
        }
        let km = f64::from(e.length_m) / 1000.0;
        if e.flags & flags::APPROXIMATE != 0 {
            approximate_links += 1;
            approximate_km += km;
        }
        *km_by_class.entry(RoadClass::from_u8(e.class).map_or("?", RoadClass::osm_name).to_string()).or_default() += km;
        if e.twin == NONE {
            oneway_km += km;
        }
    }
    let round = |m: &mut BTreeMap<String, f64>| m.values_mut().for_each(|v| *v = (*v * 1000.0).round() / 1000.0);
    round(&mut km_by_class);
    let mut raw = network.meta().raw_km_by_class.clone();
    round(&mut raw);
    let rail_km = network
        .rail_lines()
        .iter()
        .map(|r| {
            let g = network.rail_geometry(r);
            g.windows(2).map(|w| evac_geo::geodesy::fast_distance_m(w[0], w[1])).sum::<f64>()
        })
        .sum::<f64>()
        / 1000.0;
    let bridges = bridges(network);
    let meta = network.meta();
    NetworkStats {
        source: meta.source.clone(),
        nodes: network.nodes().len(),
        edges: edges.len(),
        road_km: (network.road_km() * 1000.0).round() / 1000.0,
        km_by_class,
        oneway_km: (oneway_km * 1000.0).round() / 1000.0,
        approximate_links,
        approximate_km: (approximate_km * 1000.0).round() / 1000.0,
        river_crossings: bridges.iter().filter(|b| b.crossing.is_some()).count(),
        bridges,
        stations: network
            .stations()
            .iter()
            .map(|s| StationInfo {
                name: network.string(s.name).to_string(),
                kind: if s.kind == 1 { "halt" } else { "station" },
                lat: s.lat,
                lon: s.lon,
                osm_id: s.osm_id,
                node: s.node,
                snap_m: f64::from(s.snap_m),
            })
            .collect(),
        // + 0.0: an empty sum is -0.0, printed "-0.0 km".
        rail_km: (rail_km * 1000.0).round() / 1000.0 + 0.0,
        dropped: Dropped {
            components: meta.dropped_components,
            nodes: meta.dropped_nodes,
            edges: meta.dropped_edges,
            km: (meta.dropped_km * 1000.0).round() / 1000.0,
        },
        nodes_before_contraction: meta.nodes_before_contraction,
        raw_km_by_class: raw,
        file_bytes: network.size_bytes(),
        layers: meta.layers.clone(),
        turn_restrictions: meta.turn_restrictions.clone(),
        signalised_nodes: {
            let mut at: Vec<u32> =
                network.edges().iter().filter(|e| e.flags & crate::flags::SIGNALS != 0).map(|e| e.to).collect();
            at.sort_unstable();
            at.dedup();
            at.len() as u64
        },
    }
}
