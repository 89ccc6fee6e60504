//! Plan routes onto SUMO edges.
//!
//! A plan's route is a sequence of evac network nodes, each an OSM node (`NodeRec.osm_id`);
//! netconvert keeps OSM node ids as junction ids. Each leg (evac edge u -> v, a contracted
//! chain of OSM ways) becomes a SUMO path from junction u to junction v that a car may
//! drive, found by a shortest-path search over SUMO's lane connections that starts from the
//! edge the previous leg ended on (so turn restrictions and missing turns are respected and
//! the concatenated route is one SUMO accepts). The search follows the leg's own road: a
//! SUMO edge whose two junctions lie on the evac edge's geometry costs its length, any other
//! edge twenty times its length, so a shorter parallel street never replaces the planned one
//! while a detour is still found where the planned road cannot be driven in SUMO.
//!
//! A leg is mapped **exactly** when both of its nodes are junctions by id, every SUMO edge
//! of its path lies on its geometry, and the path is as long as the evac edge (within
//! 40 m + 15%: SUMO's lanes stop at junction borders). Otherwise it is a **fallback**: a
//! node netconvert did not keep as a junction is skipped (the path runs on to the next node
//! that is one, along the geometry of the legs in between), a source or destination that is
//! not a junction is replaced by the nearest junction by coordinates, and a detour is
//! accepted but counted.

use crate::net::{NetProjection, SumoNet};
use evac_network::{EdgeId, Network};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// Sources and destinations farther than this from any usable junction are not mapped.
const MAX_NEAREST_M: f64 = 300.0;

/// How well a plan mapped onto the SUMO network.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MappingStats {
    pub groups: u64,
    pub groups_unmapped: u64,
    pub vehicles_unmapped: u64,
    /// Legs of all groups (a road used by many groups counts for each).
    pub legs: u64,
    pub legs_exact: u64,
    pub legs_fallback: u64,
    /// Distinct network edges the plan uses, and those every use of which mapped exactly.
    pub edges: u64,
    pub edges_exact: u64,
    /// Distinct plan nodes that are not SUMO junctions: skipped on the way, or (sources and
    /// destinations) replaced by the nearest junction.
    pub nodes_skipped: u64,
    pub nodes_nearest: u64,
    /// The largest distance between a plan node and the SUMO junction of the same OSM id, in
    /// metres: both are the OSM node in the same projection, so anything but ~0 means
    /// netconvert moved junctions (or the projection is off) and zone membership would be too.
    pub max_junction_offset_m: f64,
    /// Why groups could not be mapped (the first few).
    pub unmapped: Vec<String>,
    /// Why legs were mapped by fallback (the first few distinct cases).
    pub fallback_examples: Vec<String>,
}

/// One route on SUMO edges, with how each of its legs mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedRoute {
    pub edges: Vec<u32>,
    pub leg_exact: Vec<bool>,
}

/// A SUMO junction within this distance of a leg's geometry is on it (junctions are the OSM
/// nodes themselves, projected the same way: the tolerance only absorbs rounding).
const ON_ROAD_M: f64 = 5.0;

/// What leaving the planned road costs per metre, against 1 on it.
const OFF_ROAD_FACTOR: f64 = 20.0;

/// A path over SUMO edges, its length in metres, and whether it stays on the leg's road.
#[derive(Debug, Clone, PartialEq)]
struct SumoPath {
    edges: Vec<u32>,
    length_m: f64,
    on_road: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum From {
    Junction(u32),
    Edge(u32),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NodeMatch {
    ById(u32),
    Nearest(u32),
    Missing,
}

/// Maps routes, remembering what it has mapped (plans reuse roads and whole routes).
pub struct Mapper<'a> {
    net: &'a SumoNet,
    network: &'a Network,
    projection: NetProjection,
    incoming: Vec<u32>,
    by_id: HashMap<u32, Option<u32>>,
    nearest: HashMap<(u32, bool), Option<u32>>,
    paths: HashMap<(From, u32, Vec<EdgeId>), Option<SumoPath>>,
    geometry: HashMap<EdgeId, Vec<(f64, f64)>>,
    routes: HashMap<Vec<u32>, Result<MappedRoute, String>>,
    /// The network edge each SUMO edge carries (from exactly mapped legs first).
    evac_of: HashMap<u32, EdgeId>,
    edge_exact: HashMap<EdgeId, bool>,
    skipped: std::collections::HashSet<u32>,
    replaced: std::collections::HashSet<u32>,
    stats: MappingStats,
}

impl<'a> Mapper<'a> {
    pub fn new(net: &'a SumoNet, network: &'a Network, projection: NetProjection) -> Self {
        let mut incoming = vec![0u32; net.junctions.len()];
        for e in net.edges.iter().filter(|e| e.passenger()) {
            incoming[e.to as usize] += 1;
        }
        Mapper {
            net,
            network,
            projection,
            incoming,
            by_id: HashMap::new(),
            nearest: HashMap::new(),
            paths: HashMap::new(),
            geometry: HashMap::new(),
            routes: HashMap::new(),
            evac_of: HashMap::new(),
            edge_exact: HashMap::new(),
            skipped: Default::default(),
            replaced: Default::default(),
            stats: MappingStats::default(),
        }
    }

    pub fn stats(&self) -> MappingStats {
        let mut s = self.stats.clone();
        s.edges = self.edge_exact.len() as u64;
        s.edges_exact = self.edge_exact.values().filter(|&&x| x).count() as u64;
        s.nodes_skipped = self.skipped.len() as u64;
        s.nodes_nearest = self.replaced.len() as u64;
        s
    }

    /// The network edge a SUMO edge was mapped from, if any.
    pub fn evac_edge(&self, sumo_edge: u32) -> Option<EdgeId> {
        self.evac_of.get(&sumo_edge).copied()
    }

    /// Map a group's route (its nodes and edges), counting its legs `vehicles` times in the
    /// statistics as one group. None when it cannot be driven in SUMO (the reason is kept).
    pub fn map_group(&mut self, nodes: &[u32], edges: &[EdgeId], vehicles: u32) -> Option<MappedRoute> {
        self.stats.groups += 1;
        let result = match self.routes.get(nodes) {
            Some(r) => r.clone(),
            None => {
                let r = self.map_route(nodes, edges);
                self.routes.insert(nodes.to_vec(), r.clone());
                r
            }
        };
        match result {
            Ok(route) => {
                for (e, &exact) in edges.iter().zip(&route.leg_exact) {
                    self.stats.legs += 1;
                    if exact {
                        self.stats.legs_exact += 1;
                    } else {
                        self.stats.legs_fallback += 1;
                    }
                    let all = self.edge_exact.entry(*e).or_insert(true);
                    *all &= exact;
                }
                Some(route)
            }
            Err(why) => {
                self.stats.groups_unmapped += 1;
                self.stats.vehicles_unmapped += u64::from(vehicles);
                self.stats.legs += edges.len() as u64;
                if self.stats.unmapped.len() < 5 {
                    self.stats.unmapped.push(why);
                }
                None
            }
        }
    }

    fn osm(&self, v: u32) -> i64 {
        self.network.nodes()[v as usize].osm_id
    }

    fn junction_by_id(&mut self, v: u32) -> Option<u32> {
        if let Some(&j) = self.by_id.get(&v) {
            return j;
        }
        let j = self.net.junction(&self.osm(v).to_string());
        if let Some(j) = j {
            let (x, y) = self.projection.to_xy(self.network.node_location(v));
            let at = &self.net.junctions[j as usize];
            let offset = (at.x - x).hypot(at.y - y);
            self.stats.max_junction_offset_m = self.stats.max_junction_offset_m.max(offset);
        }
        self.by_id.insert(v, j);
        j
    }

    /// The junction nearest to node `v` with a car edge leaving (`leaving`) or arriving.
    fn nearest_junction(&mut self, v: u32, leaving: bool) -> Option<u32> {
        if let Some(&j) = self.nearest.get(&(v, leaving)) {
            return j;
        }
        let (x, y) = self.projection.to_xy(self.network.node_location(v));
        let usable = |j: usize| if leaving { !self.net.out_edges[j].is_empty() } else { self.incoming[j] > 0 };
        let best = self
            .net
            .junctions
            .iter()
            .enumerate()
            .filter(|(j, _)| usable(*j))
            .map(|(j, n)| (j as u32, (n.x - x).hypot(n.y - y)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .filter(|(_, d)| *d <= MAX_NEAREST_M)
            .map(|(j, _)| j);
        self.nearest.insert((v, leaving), best);
        best
    }

    fn map_route(&mut self, nodes: &[u32], edges: &[EdgeId]) -> Result<MappedRoute, String> {
        let last = nodes.len() - 1;
        let describe = |m: &Self, v: u32| format!("node {v} (OSM node {})", m.osm(v));
        let mut matches = Vec::with_capacity(nodes.len());
        for (i, &v) in nodes.iter().enumerate() {
            let m = match self.junction_by_id(v) {
                Some(j) => NodeMatch::ById(j),
                None if i == 0 || i == last => match self.nearest_junction(v, i == 0) {
                    Some(j) => {
                        self.replaced.insert(v);
                        NodeMatch::Nearest(j)
                    }
                    None => {
                        let what = if i == 0 { "source" } else { "destination" };
                        return Err(format!(
                            "{what} {} is not a SUMO junction and none is within {MAX_NEAREST_M} m",
                            describe(self, v)
                        ));
                    }
                },
                None => {
                    self.skipped.insert(v);
                    NodeMatch::Missing
                }
            };
            matches.push(m);
        }
        let (NodeMatch::ById(start) | NodeMatch::Nearest(start)) = matches[0] else { unreachable!("checked above") };
        let mut from = From::Junction(start);
        let mut route: Vec<u32> = Vec::new();
        let mut leg_exact = vec![false; edges.len()];
        let mut segment_start = 0usize;
        let mut segment_m = 0.0;
        for leg in 0..edges.len() {
            segment_m += f64::from(self.network.edge(edges[leg]).length_m);
            let target = match matches[leg + 1] {
                NodeMatch::ById(j) | NodeMatch::Nearest(j) => j,
                NodeMatch::Missing => continue,
            };
            let Some(found) = self.search(from, target, &edges[segment_start..=leg]) else {
                if leg + 1 < last {
                    // Unreachable as a waypoint (a junction with no way on for cars):
                    // carry on to the next node.
                    self.skipped.insert(nodes[leg + 1]);
                    continue;
                }
                return Err(format!(
                    "no car route in SUMO from {} to destination {}",
                    describe(self, nodes[segment_start]),
                    describe(self, nodes[leg + 1])
                ));
            };
            let SumoPath { edges: path, length_m: length, on_road } = found;
            let exact = leg == segment_start
                && matches!(matches[segment_start], NodeMatch::ById(_))
                && matches!(matches[leg + 1], NodeMatch::ById(_))
                && on_road
                && (length - segment_m).abs() <= 40.0 + 0.15 * segment_m;
            leg_exact[leg] = exact;
            if !exact && self.stats.fallback_examples.len() < 5 {
                let legs = leg + 1 - segment_start;
                let why = format!(
                    "{} (edge {}{}): {:.0} m in SUMO (via {}{}) against {:.0} m{}",
                    self.network.edge_label(edges[segment_start]),
                    edges[segment_start],
                    if legs > 1 { format!(" and {} more", legs - 1) } else { String::new() },
                    length,
                    path.iter().map(|&e| self.net.edges[e as usize].id.as_str()).collect::<Vec<_>>().join(" "),
                    if on_road { "" } else { ", off the planned road" },
                    segment_m,
                    if matches!(matches[segment_start], NodeMatch::ById(_))
                        && matches!(matches[leg + 1], NodeMatch::ById(_))
                    {
                        ""
                    } else {
                        " (an end is not a SUMO junction)"
                    }
                );
                if !self.stats.fallback_examples.contains(&why) {
                    self.stats.fallback_examples.push(why);
                }
            }
            for &e in &path {
                if exact {
                    self.evac_of.insert(e, edges[leg]);
                } else {
                    self.evac_of.entry(e).or_insert(edges[segment_start]);
                }
            }
            from = From::Edge(*path.last().expect("paths have an edge"));
            route.extend(path);
            segment_start = leg + 1;
            segment_m = 0.0;
        }
        Ok(MappedRoute { edges: route, leg_exact })
    }

    /// The evac edge's geometry in SUMO's coordinates.
    fn polyline(&mut self, e: EdgeId) -> &[(f64, f64)] {
        let (network, projection) = (self.network, self.projection);
        self.geometry
            .entry(e)
            .or_insert_with(|| network.edge_geometry(e).into_iter().map(|p| projection.to_xy(p)).collect())
    }

    /// The car path from a junction or from the end of an edge to `target` along the
    /// geometry of `legs`, at least one edge long.
    fn search(&mut self, from: From, target: u32, legs: &[EdgeId]) -> Option<SumoPath> {
        let key = (from, target, legs.to_vec());
        if let Some(r) = self.paths.get(&key) {
            return r.clone();
        }
        let mut road: Vec<(f64, f64)> = Vec::new();
        for &e in legs {
            let line = self.polyline(e).to_vec();
            road.extend(line);
        }
        let net = self.net;
        let near = |j: u32| {
            let p = &net.junctions[j as usize];
            distance_to_polyline((p.x, p.y), &road) <= ON_ROAD_M
        };
        let mut cache: HashMap<u32, bool> = HashMap::new();
        let mut on_road = |e: u32| {
            let edge = &net.edges[e as usize];
            let mut at = |j: u32| *cache.entry(j).or_insert_with(|| near(j));
            at(edge.from) && at(edge.to)
        };
        let r = shortest_path(net, from, target, |e| {
            let len = net.edges[e as usize].length_m;
            if on_road(e) { len } else { len * OFF_ROAD_FACTOR }
        })
        .map(|edges| {
            let length_m = edges.iter().map(|&e| net.edges[e as usize].length_m).sum();
            let on_road = edges.iter().all(|&e| on_road(e));
            SumoPath { edges, length_m, on_road }
        });
        self.paths.insert(key, r.clone());
        r
    }
}

/// Distance from a point to a polyline (planar, metres).
fn distance_to_polyline(p: (f64, f64), line: &[(f64, f64)]) -> f64 {
    let segment = |a: (f64, f64), b: (f64, f64)| {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
        (p.0 - a.0 - t * dx).hypot(p.1 - a.1 - t * dy)
    };
    match line {
        [] => f64::INFINITY,
        [a] => segment(*a, *a),
        _ => line.windows(2).map(|w| segment(w[0], w[1])).fold(f64::INFINITY, f64::min),
    }
}

#[derive(PartialEq)]
struct Item(f64, u32);
impl Eq for Item {}
impl Ord for Item {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Dijkstra over edges (an edge's cost is paid on entering it), so that a path's
/// consecutive edges are always joined by a car connection.
fn shortest_path(net: &SumoNet, from: From, target: u32, mut cost: impl FnMut(u32) -> f64) -> Option<Vec<u32>> {
    let first: &[u32] = match from {
        From::Junction(j) => &net.out_edges[j as usize],
        From::Edge(e) => &net.successors[e as usize],
    };
    let mut best: HashMap<u32, (f64, Option<u32>)> = HashMap::new();
    let mut heap = BinaryHeap::new();
    for &e in first {
        let c = cost(e);
        if best.get(&e).is_none_or(|b| c < b.0) {
            best.insert(e, (c, None));
            heap.push(Item(c, e));
        }
    }
    while let Some(Item(c, e)) = heap.pop() {
        if best.get(&e).is_some_and(|b| c > b.0) {
            continue;
        }
        if net.edges[e as usize].to == target {
            let mut path = vec![e];
            let mut at = e;
            while let Some(prev) = best[&at].1 {
                path.push(prev);
                at = prev;
            }
            path.reverse();
            return Some(path);
        }
        for &n in &net.successors[e as usize] {
            let nc = c + cost(n);
            if best.get(&n).is_none_or(|b| nc < b.0) {
                best.insert(n, (nc, Some(e)));
                heap.push(Item(nc, n));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::tests::tiny;
    use evac_network::testing::{input, road};
    use evac_network::{RoadClass, build_network};

    /// The evac side of the tiny SUMO net: OSM nodes 1..4 where the SUMO junctions are, plus
    /// node 5 halfway between 1 and 2 where the street's name changes (evac keeps it as a
    /// node; netconvert did not split there). Roads are two-way so all of it is one
    /// strongly connected network.
    fn evac_network(net: &SumoNet) -> Network {
        let proj = net.projection().unwrap();
        let at = |x: f64, y: f64| proj.to_latlon(x, y);
        let nodes: Vec<(i64, f64, f64)> =
            [(1, 0.0, 0.0), (5, 50.0, 0.0), (2, 100.0, 0.0), (3, 200.0, 0.0), (4, 100.0, 100.0)]
                .into_iter()
                .map(|(id, x, y)| {
                    let p = at(x, y);
                    (id, p.lat, p.lon)
                })
                .collect();
        let named = |n: &str| {
            let mut r = road(RoadClass::Residential, 30.0, 1, 600.0);
            r.name = n.into();
            r
        };
        build_network(&input(
            &nodes,
            vec![
                (100, vec![1, 5], named("Oberdorf")),
                (101, vec![5, 2, 3], named("Hauptstrasse")),
                (200, vec![2, 4], named("Spur")),
            ],
        ))
        .unwrap()
    }

    fn node(network: &Network, osm: i64) -> u32 {
        network.nodes().iter().position(|n| n.osm_id == osm).unwrap() as u32
    }

    fn edge(network: &Network, a: u32, b: u32) -> EdgeId {
        network.edge_ids().find(|&e| network.edge(e).from == a && network.edge(e).to == b).unwrap()
    }

    fn route(network: &Network, osm: &[i64]) -> (Vec<u32>, Vec<EdgeId>) {
        let nodes: Vec<u32> = osm.iter().map(|&o| node(network, o)).collect();
        let edges = nodes.windows(2).map(|w| edge(network, w[0], w[1])).collect();
        (nodes, edges)
    }

    fn ids(net: &SumoNet, r: &MappedRoute) -> Vec<String> {
        r.edges.iter().map(|&e| net.edges[e as usize].id.clone()).collect()
    }

    #[test]
    fn legs_between_junctions_map_exactly() {
        let net = tiny();
        let network = evac_network(&net);
        let mut m = Mapper::new(&net, &network, net.projection().unwrap());
        let (nodes, edges) = route(&network, &[2, 3]);
        let r = m.map_group(&nodes, &edges, 10).unwrap();
        assert_eq!(ids(&net, &r), vec!["100#1"]);
        assert_eq!(r.leg_exact, vec![true]);
        let (nodes, edges) = route(&network, &[3, 2, 4]);
        let r = m.map_group(&nodes, &edges, 5).unwrap();
        assert_eq!(ids(&net, &r), vec!["-100#1", "200"]);
        assert_eq!(r.leg_exact, vec![true, true]);
        let s = m.stats();
        assert_eq!((s.groups, s.legs, s.legs_exact, s.edges, s.edges_exact), (2, 3, 3, 3, 3));
        assert_eq!(m.evac_edge(net.edge_index("200").unwrap()), Some(edges[1]));
    }

    #[test]
    fn a_node_netconvert_did_not_keep_is_skipped_and_counted() {
        let net = tiny();
        let network = evac_network(&net);
        let mut m = Mapper::new(&net, &network, net.projection().unwrap());
        let (nodes, edges) = route(&network, &[1, 5, 2, 3]);
        let r = m.map_group(&nodes, &edges, 3).unwrap();
        assert_eq!(ids(&net, &r), vec!["100#0", "100#1"]);
        assert_eq!(r.leg_exact, vec![false, false, true]);
        let s = m.stats();
        assert_eq!((s.legs_exact, s.legs_fallback, s.nodes_skipped), (1, 2, 1));
        // Starting at node 5 (not a junction): the nearest junction with a way out stands in.
        let (nodes, edges) = route(&network, &[5, 2, 4]);
        let r = m.map_group(&nodes, &edges, 1).unwrap();
        assert_eq!(r.edges.last().map(|&e| net.edges[e as usize].id.as_str()), Some("200"));
        assert_eq!(m.stats().nodes_nearest, 1);
    }

    #[test]
    fn a_route_sumo_cannot_drive_is_reported_not_invented() {
        let net = tiny();
        let network = evac_network(&net);
        let mut m = Mapper::new(&net, &network, net.projection().unwrap());
        // 4 -> 2: evac has the spur both ways; in SUMO it is one-way (and 3 -> 4 is bus-only).
        let (nodes, edges) = route(&network, &[4, 2, 5, 1]);
        assert!(m.map_group(&nodes, &edges, 7).is_none());
        let s = m.stats();
        assert_eq!((s.groups_unmapped, s.vehicles_unmapped), (1, 7));
        assert!(s.unmapped[0].contains("OSM node"), "{:?}", s.unmapped);
    }

    #[test]
    fn paths_follow_connections_not_just_junctions() {
        let net = tiny();
        // From the end of 100#1 (at junction 3) the only car turn is the turnaround.
        let e = net.edge_index("100#1").unwrap();
        let length = |e: u32| net.edges[e as usize].length_m;
        let path = shortest_path(&net, From::Edge(e), net.junction("2").unwrap(), length).unwrap();
        assert_eq!(path, vec![net.edge_index("-100#1").unwrap()]);
        // Junction 4 has no car edge out at all.
        assert!(shortest_path(&net, From::Junction(net.junction("4").unwrap()), 0, length).is_none());
    }
}
