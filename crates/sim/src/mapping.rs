//! Plan routes onto SUMO edges.
//!
//! A plan's route is a sequence of evac network nodes, each an OSM node (`NodeRec.osm_id`);
//! netconvert keeps OSM node ids as junction ids. Each leg (evac edge u -> v, a contracted
//! chain of OSM ways) becomes the shortest SUMO path, by length, from junction u to junction
//! v that a car may drive: the search runs over SUMO's lane connections starting from the
//! edge the previous leg ended on, so turn restrictions and missing turns are respected and
//! the concatenated route is one SUMO accepts.
//!
//! A leg is mapped **exactly** when both of its nodes are junctions by id and the SUMO path
//! is as long as the evac edge (within 40 m + 15%: SUMO's lanes stop at junction borders).
//! Otherwise it is a **fallback**: a node netconvert did not keep as a junction is skipped
//! (the path runs on to the next node that is one), a source or destination that is not a
//! junction is replaced by the nearest junction by coordinates, and a path of another
//! length (a detour around a missing turn) is accepted but counted.

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
    /// Why groups could not be mapped (the first few).
    pub unmapped: Vec<String>,
}

/// One route on SUMO edges, with how each of its legs mapped.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedRoute {
    pub edges: Vec<u32>,
    pub leg_exact: Vec<bool>,
}

/// A path over SUMO edges and its length in metres.
type SumoPath = (Vec<u32>, f64);

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
    paths: HashMap<(From, u32), Option<SumoPath>>,
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
        let osm = self.osm(v);
        *self.by_id.entry(v).or_insert_with(|| self.net.junction(&osm.to_string()))
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
            let Some((path, length)) = self.search(from, target) else {
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
            let exact = leg == segment_start
                && matches!(matches[segment_start], NodeMatch::ById(_))
                && matches!(matches[leg + 1], NodeMatch::ById(_))
                && (length - segment_m).abs() <= 40.0 + 0.15 * segment_m;
            leg_exact[leg] = exact;
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

    /// The shortest car path (SUMO edges, length) from a junction or from the end of an edge
    /// to `target`, at least one edge long.
    fn search(&mut self, from: From, target: u32) -> Option<SumoPath> {
        if let Some(r) = self.paths.get(&(from, target)) {
            return r.clone();
        }
        let r = shortest_path(self.net, from, target);
        self.paths.insert((from, target), r.clone());
        r
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

/// Dijkstra over edges (the cost of an edge includes its own length), so that a path's
/// consecutive edges are always joined by a car connection.
fn shortest_path(net: &SumoNet, from: From, target: u32) -> Option<SumoPath> {
    let first: &[u32] = match from {
        From::Junction(j) => &net.out_edges[j as usize],
        From::Edge(e) => &net.successors[e as usize],
    };
    let mut best: HashMap<u32, (f64, Option<u32>)> = HashMap::new();
    let mut heap = BinaryHeap::new();
    for &e in first {
        let c = net.edges[e as usize].length_m;
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
            return Some((path, c));
        }
        for &n in &net.successors[e as usize] {
            let nc = c + net.edges[n as usize].length_m;
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
        let (path, len) = shortest_path(&net, From::Edge(e), net.junction("2").unwrap()).unwrap();
        assert_eq!(path, vec![net.edge_index("-100#1").unwrap()]);
        assert!((len - 100.0).abs() < 1e-9);
        // Junction 4 has no car edge out at all.
        assert!(shortest_path(&net, From::Junction(net.junction("4").unwrap()), 0).is_none());
    }
}
