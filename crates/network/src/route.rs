//! Shortest paths by free-flow travel time.
//!
//! * [`Router::shortest_path`]: bidirectional Dijkstra, for single queries.
//! * [`Router::times_from`] / [`Router::times_to`]: one-to-all trees; a settlements x
//!   centres table runs one tree per centre (the small side), in parallel.
//! * [`Closures`]: edges taken out of service (a destroyed bridge, an area to avoid);
//!   every query honours them.

use crate::format::EdgeId;
use crate::format::NONE;
use crate::network::Network;
use evac_model::LatLon;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Edges out of service.
#[derive(Debug, Clone)]
pub struct Closures {
    closed: Vec<bool>,
    count: usize,
}

/// Why a road could not be closed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClosureError {
    #[error("there is no edge {id} (the network has {edges} edges)")]
    NoSuchEdge { id: u32, edges: usize },
    #[error("no bridge or road matches \"{what}\"; bridges of this network include: {known}")]
    NoMatch { what: String, known: String },
}

/// What `--close` matched.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedRoad {
    pub label: String,
    pub edges: Vec<EdgeId>,
}

impl Closures {
    pub fn none(network: &Network) -> Self {
        Closures { closed: vec![false; network.edges().len()], count: 0 }
    }

    pub fn is_closed(&self, e: u32) -> bool {
        self.closed[e as usize]
    }

    pub fn closed_count(&self) -> usize {
        self.count
    }

    /// Close an edge and, a road being destroyed in both directions, its twin.
    pub fn close_edge(&mut self, network: &Network, e: EdgeId) {
        for id in [e.0, network.edge(e).twin] {
            if id != NONE && !self.closed[id as usize] {
                self.closed[id as usize] = true;
                self.count += 1;
            }
        }
    }

    /// Close by edge id (a number) or by name: bridges (and fords, ferries) whose name,
    /// ref or crossed river contains the text, case-insensitively; if no crossing matches,
    /// any road of that name.
    pub fn close_by_name_or_id(&mut self, network: &Network, what: &str) -> Result<ClosedRoad, ClosureError> {
        if let Ok(id) = what.trim().parse::<u32>() {
            if (id as usize) < network.edges().len() {
                let id = EdgeId(id);
                self.close_edge(network, id);
                return Ok(ClosedRoad { label: network.edge_label(id), edges: vec![id] });
            }
            return Err(ClosureError::NoSuchEdge { id, edges: network.edges().len() });
        }
        let needle = what.trim().to_lowercase();
        let matches = |e: EdgeId, crossings_only: bool| {
            let edge = network.edge(e);
            let crossing = edge.flags & (crate::flags::BRIDGE | crate::flags::FORD | crate::flags::FERRY) != 0;
            if crossings_only && !crossing {
                return false;
            }
            [edge.name, edge.ref_, edge.crossing].iter().any(|&s| network.string(s).to_lowercase().contains(&needle))
                || network.edge_label(e).to_lowercase().contains(&needle)
                || (crossing && crate::stats::crossing_label(network, e).to_lowercase().contains(&needle))
        };
        let mut hits: Vec<EdgeId> = network.edge_ids().filter(|&e| matches(e, true)).collect();
        if hits.is_empty() {
            hits = network.edge_ids().filter(|&e| matches(e, false)).collect();
        }
        if hits.is_empty() || needle.is_empty() {
            let mut known: Vec<String> = crate::stats::bridges(network).into_iter().map(|b| b.label).collect();
            known.dedup();
            known.truncate(12);
            return Err(ClosureError::NoMatch {
                what: what.to_string(),
                known: if known.is_empty() { "none".into() } else { known.join("; ") },
            });
        }
        for &e in &hits {
            self.close_edge(network, e);
        }
        let label = network.edge_label(hits[0]);
        Ok(ClosedRoad { label, edges: hits })
    }

    /// Close every edge whose geometry touches the polygon (lon/lat).
    pub fn avoid_area(&mut self, network: &Network, area: &geo::MultiPolygon<f64>) -> usize {
        use geo::{BoundingRect, Intersects};
        let Some(rect) = area.bounding_rect() else { return 0 };
        let before = self.count;
        for e in network.edge_ids() {
            let pts = network.edge_geometry(e);
            let line = geo::LineString::from(pts.iter().map(|p| (p.lon, p.lat)).collect::<Vec<_>>());
            let Some(lr) = line.bounding_rect() else { continue };
            if lr.intersects(&rect) && line.intersects(area) {
                self.close_edge(network, e);
            }
        }
        self.count - before
    }
}

/// A path through the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub nodes: Vec<u32>,
    pub edges: Vec<u32>,
    pub distance_m: f64,
    pub duration_s: f64,
}

/// Runs queries on one network with one set of closures.
pub struct Router<'a> {
    network: &'a Network,
    closures: Option<&'a Closures>,
}

fn key(t: f64) -> u64 {
    // Non-negative floats order like their bit patterns.
    t.to_bits()
}

/// Per-thread search state, reused between queries (stamps avoid clearing arrays).
pub struct Workspace {
    dist: [Vec<f64>; 2],
    parent: [Vec<u32>; 2],
    stamp: [Vec<u32>; 2],
    settled: [Vec<u32>; 2],
    generation: u32,
}

impl Workspace {
    pub fn new(n: usize) -> Self {
        Workspace {
            dist: [vec![f64::INFINITY; n], vec![f64::INFINITY; n]],
            parent: [vec![NONE; n], vec![NONE; n]],
            stamp: [vec![0; n], vec![0; n]],
            settled: [vec![0; n], vec![0; n]],
            generation: 0,
        }
    }
    fn next_generation(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            for s in &mut self.stamp {
                s.fill(0);
            }
            for s in &mut self.settled {
                s.fill(0);
            }
            self.generation = 1;
        }
    }
    fn get(&self, side: usize, v: u32) -> f64 {
        if self.stamp[side][v as usize] == self.generation { self.dist[side][v as usize] } else { f64::INFINITY }
    }
    fn set(&mut self, side: usize, v: u32, d: f64, parent_edge: u32) {
        self.stamp[side][v as usize] = self.generation;
        self.dist[side][v as usize] = d;
        self.parent[side][v as usize] = parent_edge;
    }
}

impl<'a> Router<'a> {
    pub fn new(network: &'a Network, closures: Option<&'a Closures>) -> Self {
        Router { network, closures }
    }

    pub fn network(&self) -> &'a Network {
        self.network
    }

    pub fn is_open(&self, e: u32) -> bool {
        self.closures.is_none_or(|c| !c.is_closed(e))
    }

    pub fn workspace(&self) -> Workspace {
        Workspace::new(self.network.nodes().len())
    }

    /// Fastest path from `s` to `t` (bidirectional Dijkstra).
    pub fn shortest_path(&self, s: u32, t: u32) -> Option<Path> {
        self.shortest_path_with(&mut self.workspace(), s, t)
    }

    /// [`Router::shortest_path`] reusing a workspace (for many queries).
    pub fn shortest_path_with(&self, ws: &mut Workspace, s: u32, t: u32) -> Option<Path> {
        let net = self.network;
        let edges = net.edges();
        ws.next_generation();
        if s == t {
            return Some(Path { nodes: vec![s], edges: vec![], distance_m: 0.0, duration_s: 0.0 });
        }
        let mut heaps = [BinaryHeap::new(), BinaryHeap::new()];
        ws.set(0, s, 0.0, NONE);
        ws.set(1, t, 0.0, NONE);
        heaps[0].push(Reverse((key(0.0), s)));
        heaps[1].push(Reverse((key(0.0), t)));
        let mut best = f64::INFINITY;
        let mut meet = NONE;
        loop {
            let top = |h: &BinaryHeap<Reverse<(u64, u32)>>| {
                h.peek().map_or(f64::INFINITY, |Reverse((k, _))| f64::from_bits(*k))
            };
            let (tf, tb) = (top(&heaps[0]), top(&heaps[1]));
            if tf + tb >= best || (tf.is_infinite() && tb.is_infinite()) {
                break;
            }
            let side = if tf <= tb { 0 } else { 1 };
            let Some(Reverse((k, v))) = heaps[side].pop() else { break };
            let d = f64::from_bits(k);
            if d > ws.get(side, v) || ws.settled[side][v as usize] == ws.generation {
                continue;
            }
            ws.settled[side][v as usize] = ws.generation;
            let other = ws.get(1 - side, v);
            if d + other < best {
                best = d + other;
                meet = v;
            }
            if side == 0 {
                for e in net.out_edge_ids(v) {
                    if !self.is_open(e) {
                        continue;
                    }
                    let edge = &edges[e as usize];
                    let nd = d + f64::from(edge.time_s);
                    if nd < ws.get(0, edge.to) {
                        ws.set(0, edge.to, nd, e);
                        heaps[0].push(Reverse((key(nd), edge.to)));
                    }
                }
            } else {
                for &e in net.in_edges_of(v) {
                    if !self.is_open(e) {
                        continue;
                    }
                    let edge = &edges[e as usize];
                    let nd = d + f64::from(edge.time_s);
                    if nd < ws.get(1, edge.from) {
                        ws.set(1, edge.from, nd, e);
                        heaps[1].push(Reverse((key(nd), edge.from)));
                    }
                }
            }
        }
        if meet == NONE {
            return None;
        }
        let mut path_edges = Vec::new();
        let mut v = meet;
        while v != s {
            let e = ws.parent[0][v as usize];
            path_edges.push(e);
            v = edges[e as usize].from;
        }
        path_edges.reverse();
        let mut v = meet;
        while v != t {
            let e = ws.parent[1][v as usize];
            path_edges.push(e);
            v = edges[e as usize].to;
        }
        Some(self.path_from_edges(s, path_edges))
    }

    /// Assemble a [`Path`] from consecutive edges starting at `s`.
    pub fn path_from_edges(&self, s: u32, path_edges: Vec<u32>) -> Path {
        let edges = self.network.edges();
        let mut nodes = vec![s];
        nodes.extend(path_edges.iter().map(|&e| edges[e as usize].to));
        let distance_m = path_edges.iter().map(|&e| f64::from(edges[e as usize].length_m)).sum();
        let duration_s = path_edges.iter().map(|&e| f64::from(edges[e as usize].time_s)).sum();
        Path { nodes, edges: path_edges, distance_m, duration_s }
    }

    /// The geometry of a path, vertex by vertex.
    pub fn geometry(&self, path: &Path) -> Vec<LatLon> {
        let mut out: Vec<LatLon> = Vec::new();
        for &e in &path.edges {
            let g = self.network.edge_geometry(EdgeId(e));
            let skip = usize::from(!out.is_empty());
            out.extend(g.into_iter().skip(skip));
        }
        if out.is_empty()
            && let Some(&v) = path.nodes.first()
        {
            out.push(self.network.node_location(v));
        }
        out
    }

    fn tree(&self, root: u32, forward: bool) -> (Vec<f64>, Vec<u32>) {
        let net = self.network;
        let edges = net.edges();
        let n = net.nodes().len();
        let mut dist = vec![f64::INFINITY; n];
        let mut parent = vec![NONE; n];
        let mut heap = BinaryHeap::new();
        dist[root as usize] = 0.0;
        heap.push(Reverse((key(0.0), root)));
        while let Some(Reverse((k, v))) = heap.pop() {
            let d = f64::from_bits(k);
            if d > dist[v as usize] {
                continue;
            }
            let mut relax = |e: u32, w: u32| {
                let nd = d + f64::from(edges[e as usize].time_s);
                if nd < dist[w as usize] {
                    dist[w as usize] = nd;
                    parent[w as usize] = e;
                    heap.push(Reverse((key(nd), w)));
                }
            };
            if forward {
                for e in net.out_edge_ids(v) {
                    if self.is_open(e) {
                        relax(e, edges[e as usize].to);
                    }
                }
            } else {
                for &e in net.in_edges_of(v) {
                    if self.is_open(e) {
                        relax(e, edges[e as usize].from);
                    }
                }
            }
        }
        (dist, parent)
    }

    /// Free-flow time (s) from `s` to every node (infinite where unreachable), and the
    /// edge each node was reached by.
    pub fn times_from(&self, s: u32) -> (Vec<f64>, Vec<u32>) {
        self.tree(s, true)
    }

    /// Free-flow time (s) from every node to `t`, and the edge each node leaves by.
    pub fn times_to(&self, t: u32) -> (Vec<f64>, Vec<u32>) {
        self.tree(t, false)
    }

    /// Travel-time table `sources x targets` (seconds, `None` if unreachable): one
    /// Dijkstra tree per element of the smaller side, in parallel.
    pub fn matrix(&self, sources: &[u32], targets: &[u32]) -> Vec<Vec<Option<f64>>> {
        let finite = |t: f64| t.is_finite().then_some(t);
        if targets.len() <= sources.len() {
            let columns: Vec<Vec<f64>> = targets.par_iter().map(|&t| self.times_to(t).0).collect();
            sources.iter().map(|&s| columns.iter().map(|c| finite(c[s as usize])).collect()).collect()
        } else {
            sources
                .par_iter()
                .map(|&s| {
                    let row = self.times_from(s).0;
                    targets.iter().map(|&t| finite(row[t as usize])).collect()
                })
                .collect()
        }
    }
}
