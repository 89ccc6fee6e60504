//! From imported roads to the routing graph.

use crate::class::{RoadClass, flags};
use crate::format::*;
use crate::network::{Network, NetworkMeta, NetworkParts};
use evac_geo::geodesy::fast_distance_m;
use evac_model::LatLon;
use std::collections::HashMap;

/// Attributes of a road, per direction of its node order.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadAttrs {
    pub class: RoadClass,
    /// Traffic may go in the node order.
    pub forward: bool,
    /// Traffic may go against the node order.
    pub backward: bool,
    pub speed_kmh: f32,
    pub lanes_forward: u8,
    pub lanes_backward: u8,
    pub capacity_per_lane_vph: f32,
    /// Road flags (bridge, tunnel, ford, ferry, roundabout).
    pub flags: u8,
    pub name: String,
    pub ref_: String,
}

impl RoadAttrs {
    /// The same road described in the opposite node order.
    fn reversed(&self) -> RoadAttrs {
        RoadAttrs {
            forward: self.backward,
            backward: self.forward,
            lanes_forward: self.lanes_backward,
            lanes_backward: self.lanes_forward,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputRoad {
    pub way_id: i64,
    pub nodes: Vec<i64>,
    pub attrs: RoadAttrs,
}

/// A railway or waterway line.
#[derive(Debug, Clone, PartialEq)]
pub struct InputLine {
    pub way_id: i64,
    pub nodes: Vec<i64>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputStation {
    pub osm_id: i64,
    pub location: LatLon,
    pub name: String,
    /// 0 station, 1 halt.
    pub kind: u32,
}

/// OSM node coordinates, sorted by id, looked up by binary search.
#[derive(Debug, Clone, Default)]
pub struct NodeCoords {
    pub ids: Vec<i64>,
    pub coords: Vec<Coord>,
}

impl NodeCoords {
    /// Sort by id (keeping the first of duplicates).
    pub fn from_unsorted(mut pairs: Vec<(i64, Coord)>) -> Self {
        pairs.sort_unstable_by_key(|p| p.0);
        pairs.dedup_by_key(|p| p.0);
        let (ids, coords) = pairs.into_iter().unzip();
        NodeCoords { ids, coords }
    }
    pub fn index(&self, id: i64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Everything the builder needs.
#[derive(Debug, Clone, Default)]
pub struct NetworkInput {
    pub roads: Vec<InputRoad>,
    pub rails: Vec<InputLine>,
    /// Rivers and canals, used to name the crossings of bridges, fords and ferries.
    pub waterways: Vec<InputLine>,
    pub stations: Vec<InputStation>,
    pub nodes: NodeCoords,
    pub meta: NetworkMeta,
}

/// Why no network could be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BuildError {
    #[error("no routable road: the extract has no car-routable highway=* ways (or none with node coordinates)")]
    NoRoads,
}

fn latlon(c: Coord) -> LatLon {
    LatLon::new(from_fixed(c[1]), from_fixed(c[0]))
}

/// A stretch of road between two graph nodes, in the node order of its way.
struct Piece {
    road: u32,
    from: u32,
    to: u32,
    coords: std::ops::Range<u32>,
    length_m: f64,
}

/// Build the routing network.
pub fn build_network(input: &NetworkInput) -> Result<Network, BuildError> {
    let nodes = &input.nodes;
    // 1. How many times each OSM node is used by roads: intersections split ways.
    let mut uses = vec![0u8; nodes.len()];
    let mut resolved: Vec<Vec<u32>> = Vec::with_capacity(input.roads.len());
    for road in &input.roads {
        let idx: Vec<u32> = road.nodes.iter().map(|&id| nodes.index(id).map_or(NONE, |i| i as u32)).collect();
        for &i in &idx {
            if i != NONE {
                uses[i as usize] = uses[i as usize].saturating_add(1);
            }
        }
        resolved.push(idx);
    }
    // 2. Pieces between graph nodes (intersections, way ends, and the sides of missing nodes).
    let mut graph_node: HashMap<u32, u32> = HashMap::new();
    let mut graph_nodes: Vec<u32> = Vec::new();
    let mut node_id = |osm_index: u32, graph_nodes: &mut Vec<u32>| -> u32 {
        *graph_node.entry(osm_index).or_insert_with(|| {
            graph_nodes.push(osm_index);
            (graph_nodes.len() - 1) as u32
        })
    };
    let mut piece_coords: Vec<Coord> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    for (r, idx) in resolved.iter().enumerate() {
        for run in idx.split(|&i| i == NONE) {
            if run.len() < 2 {
                continue;
            }
            let mut start = 0;
            for k in 1..run.len() {
                let is_end = k == run.len() - 1;
                if is_end || uses[run[k] as usize] >= 2 {
                    let from = node_id(run[start], &mut graph_nodes);
                    let to = node_id(run[k], &mut graph_nodes);
                    let begin = piece_coords.len() as u32;
                    let mut length = 0.0;
                    for w in run[start..=k].windows(2) {
                        length +=
                            fast_distance_m(latlon(nodes.coords[w[0] as usize]), latlon(nodes.coords[w[1] as usize]));
                    }
                    piece_coords.extend(run[start..=k].iter().map(|&i| nodes.coords[i as usize]));
                    pieces.push(Piece {
                        road: r as u32,
                        from,
                        to,
                        coords: begin..piece_coords.len() as u32,
                        length_m: length,
                    });
                    start = k;
                }
            }
        }
    }
    let attrs = |p: &Piece| &input.roads[p.road as usize].attrs;
    if pieces.is_empty() {
        return Err(BuildError::NoRoads);
    }
    let n = graph_nodes.len();
    // 3. Largest strongly connected component of the directed graph.
    let mut g = petgraph::graph::DiGraph::<(), (), u32>::with_capacity(n, pieces.len() * 2);
    for _ in 0..n {
        g.add_node(());
    }
    for p in &pieces {
        let a = attrs(p);
        if a.forward {
            g.add_edge(p.from.into(), p.to.into(), ());
        }
        if a.backward {
            g.add_edge(p.to.into(), p.from.into(), ());
        }
    }
    let components = petgraph::algo::kosaraju_scc(&g);
    drop(g);
    let largest = components.iter().max_by_key(|c| c.len()).ok_or(BuildError::NoRoads)?;
    let mut kept = vec![false; n];
    for v in largest {
        kept[v.index()] = true;
    }
    let mut meta = input.meta.clone();
    meta.dropped_components = components.len() as u64 - 1;
    meta.dropped_nodes = (n - largest.len()) as u64;
    meta.nodes_before_contraction = largest.len() as u64;
    drop(components);
    let keep_piece = |p: &Piece| kept[p.from as usize] && kept[p.to as usize];
    for p in pieces.iter().filter(|p| !keep_piece(p)) {
        let a = attrs(p);
        meta.dropped_edges += u64::from(a.forward) + u64::from(a.backward);
        meta.dropped_km += p.length_m / 1000.0;
    }
    // 4. Contract degree-2 nodes joining two pieces with equal attributes.
    let mut incident_count = vec![0u32; n];
    for p in pieces.iter().filter(|p| keep_piece(p)) {
        incident_count[p.from as usize] += 1;
        incident_count[p.to as usize] += 1;
    }
    let mut incident_start = vec![0u32; n + 1];
    for v in 0..n {
        incident_start[v + 1] = incident_start[v] + incident_count[v];
    }
    let mut incident = vec![0u32; incident_start[n] as usize];
    let mut fill = incident_start.clone();
    for (i, p) in pieces.iter().enumerate().filter(|(_, p)| keep_piece(p)) {
        for v in [p.from, p.to] {
            incident[fill[v as usize] as usize] = i as u32;
            fill[v as usize] += 1;
        }
    }
    let incident_of = |v: u32| &incident[incident_start[v as usize] as usize..incident_start[v as usize + 1] as usize];
    // Attributes of piece `i` oriented so that it leaves node `v`.
    let oriented = |i: u32, v: u32| -> RoadAttrs {
        let p = &pieces[i as usize];
        if p.from == v { attrs(p).clone() } else { attrs(p).reversed() }
    };
    let mut contractible = vec![false; n];
    for v in 0..n as u32 {
        if !kept[v as usize] {
            continue;
        }
        let inc = incident_of(v);
        if inc.len() == 2 && inc[0] != inc[1] {
            // Entering over the first piece then leaving over the second must look like one road.
            let arriving = oriented(inc[0], v).reversed();
            let leaving = oriented(inc[1], v);
            contractible[v as usize] = arriving == leaving;
        }
    }
    struct Link {
        from: u32,
        to: u32,
        attrs: RoadAttrs,
        way_id: i64,
        coords: Vec<Coord>,
        length_m: f64,
    }
    let mut visited = vec![false; pieces.len()];
    let mut links: Vec<Link> = Vec::new();
    let walk = |start: u32, first: u32, contractible: &[bool], visited: &mut Vec<bool>, links: &mut Vec<Link>| {
        let mut coords: Vec<Coord> = Vec::new();
        let mut length = 0.0;
        let mut at = start;
        let mut piece = first;
        let link_attrs = oriented(first, start);
        let way_id = input.roads[pieces[first as usize].road as usize].way_id;
        loop {
            visited[piece as usize] = true;
            let p = &pieces[piece as usize];
            let mut c: Vec<Coord> = piece_coords[p.coords.start as usize..p.coords.end as usize].to_vec();
            let next = if p.from == at { p.to } else { p.from };
            if p.from != at {
                c.reverse();
            }
            if !coords.is_empty() {
                c.remove(0);
            }
            coords.extend(c);
            length += p.length_m;
            at = next;
            if !contractible[at as usize] {
                break;
            }
            let inc = incident_of(at);
            let other = if inc[0] == piece { inc[1] } else { inc[0] };
            if visited[other as usize] {
                break;
            }
            piece = other;
        }
        links.push(Link { from: start, to: at, attrs: link_attrs, way_id, coords, length_m: length });
    };
    for v in 0..n as u32 {
        if kept[v as usize] && !contractible[v as usize] {
            for &i in incident_of(v) {
                if !visited[i as usize] {
                    walk(v, i, &contractible, &mut visited, &mut links);
                }
            }
        }
    }
    // Cycles made only of contractible nodes: break each at one of its nodes.
    for i in 0..pieces.len() {
        if keep_piece(&pieces[i]) && !visited[i] {
            let v = pieces[i].from;
            contractible[v as usize] = false;
            walk(v, i as u32, &contractible, &mut visited, &mut links);
        }
    }
    // 5. Final numbering: the kept nodes that were not contracted.
    let mut final_id = vec![NONE; n];
    let mut node_recs: Vec<NodeRec> = Vec::new();
    for v in 0..n {
        if kept[v] && !contractible[v] {
            final_id[v] = node_recs.len() as u32;
            let osm_index = graph_nodes[v] as usize;
            let c = nodes.coords[osm_index];
            node_recs.push(NodeRec { lat: from_fixed(c[1]), lon: from_fixed(c[0]), osm_id: nodes.ids[osm_index] });
        }
    }
    // 6. Directed edges, strings, geometry.
    let mut strings: Vec<String> = Vec::new();
    let mut interned: HashMap<String, u32> = HashMap::new();
    let mut intern = |s: &str| -> u32 {
        if s.is_empty() {
            return NONE;
        }
        if let Some(&i) = interned.get(s) {
            return i;
        }
        strings.push(s.to_string());
        interned.insert(s.to_string(), (strings.len() - 1) as u32);
        (strings.len() - 1) as u32
    };
    let crossings = CrossingFinder::new(&input.waterways, nodes);
    let mut coords: Vec<Coord> = Vec::new();
    // (edge, index of its twin in this vector or NONE)
    let mut edges: Vec<(EdgeRec, u32)> = Vec::new();
    for link in &links {
        let a = &link.attrs;
        let geom_start = coords.len() as u32;
        coords.extend_from_slice(&link.coords);
        let crossing = if a.flags & (flags::BRIDGE | flags::FORD | flags::FERRY) != 0 {
            crossings.find(&link.coords).map_or(NONE, &mut intern)
        } else {
            NONE
        };
        let speed = a.speed_kmh.max(1.0);
        let base = EdgeRec {
            way_id: link.way_id,
            from: final_id[link.from as usize],
            to: final_id[link.to as usize],
            length_m: link.length_m as f32,
            time_s: (link.length_m / (f64::from(speed) / 3.6)) as f32,
            capacity_vph: 0.0,
            name: intern(&a.name),
            ref_: intern(&a.ref_),
            crossing,
            geom_start,
            geom_len: link.coords.len() as u32,
            twin: NONE,
            class: a.class as u8,
            lanes: 0,
            flags: a.flags & flags::ROAD_MASK,
            speed_kmh: speed.round().min(255.0) as u8,
        };
        let forward = a.forward.then(|| EdgeRec {
            lanes: a.lanes_forward.max(1),
            capacity_vph: f32::from(a.lanes_forward.max(1)) * a.capacity_per_lane_vph,
            ..base
        });
        let backward = a.backward.then(|| EdgeRec {
            from: base.to,
            to: base.from,
            lanes: a.lanes_backward.max(1),
            capacity_vph: f32::from(a.lanes_backward.max(1)) * a.capacity_per_lane_vph,
            flags: base.flags | flags::REVERSED_GEOMETRY,
            ..base
        });
        match (forward, backward) {
            (Some(f), Some(b)) => {
                let i = edges.len() as u32;
                edges.push((f, i + 1));
                edges.push((b, i));
            }
            (Some(e), None) | (None, Some(e)) => edges.push((e, NONE)),
            (None, None) => {}
        }
    }
    // Sort by tail node (CSR), keeping twins linked.
    let mut order: Vec<u32> = (0..edges.len() as u32).collect();
    order.sort_by_key(|&i| (edges[i as usize].0.from, edges[i as usize].0.to, i));
    let mut new_index = vec![0u32; edges.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old as usize] = new as u32;
    }
    let sorted: Vec<EdgeRec> = order
        .iter()
        .map(|&old| {
            let (mut e, twin) = edges[old as usize];
            e.twin = if twin == NONE { NONE } else { new_index[twin as usize] };
            e
        })
        .collect();
    let nn = node_recs.len();
    let mut out_offsets = vec![0u32; nn + 1];
    let mut in_offsets = vec![0u32; nn + 1];
    for e in &sorted {
        out_offsets[e.from as usize + 1] += 1;
        in_offsets[e.to as usize + 1] += 1;
    }
    for v in 0..nn {
        out_offsets[v + 1] += out_offsets[v];
        in_offsets[v + 1] += in_offsets[v];
    }
    let mut in_edges = vec![0u32; sorted.len()];
    let mut fill = in_offsets.clone();
    for (i, e) in sorted.iter().enumerate() {
        in_edges[fill[e.to as usize] as usize] = i as u32;
        fill[e.to as usize] += 1;
    }
    // 7. Rail lines (display) and stations (snapped to the road graph).
    let mut rail_lines = Vec::new();
    for line in &input.rails {
        for run in line.nodes.split(|&id| nodes.index(id).is_none()) {
            if run.len() < 2 {
                continue;
            }
            let geom_start = coords.len() as u32;
            coords.extend(run.iter().map(|&id| nodes.coords[nodes.index(id).expect("present")]));
            rail_lines.push(RailRec {
                way_id: line.way_id,
                geom_start,
                geom_len: run.len() as u32,
                name: intern(&line.name),
                flags: 0,
            });
        }
    }
    let node_points: Vec<LatLon> = node_recs.iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
    let snapper = crate::snap::Snapper::from_points(&node_points);
    let stations = input
        .stations
        .iter()
        .filter_map(|s| {
            let snap = snapper.nearest(s.location)?;
            Some(StationRec {
                lat: s.location.lat,
                lon: s.location.lon,
                osm_id: s.osm_id,
                name: intern(&s.name),
                node: snap.node,
                snap_m: snap.distance_m as f32,
                kind: s.kind,
            })
        })
        .collect();
    if sorted.is_empty() {
        return Err(BuildError::NoRoads);
    }
    let (mut lat0, mut lon0, mut lat1, mut lon1) = (90.0f64, 180.0f64, -90.0f64, -180.0f64);
    for n in &node_recs {
        lat0 = lat0.min(n.lat);
        lat1 = lat1.max(n.lat);
        lon0 = lon0.min(n.lon);
        lon1 = lon1.max(n.lon);
    }
    meta.bbox = Some([lon0, lat0, lon1, lat1]);
    let parts = NetworkParts {
        nodes: node_recs,
        edges: sorted,
        out_offsets,
        in_offsets,
        in_edges,
        coords,
        strings,
        stations,
        rail_lines,
        meta,
    };
    Ok(Network::from_parts(&parts))
}

/// Finds the named river or canal a crossing's geometry intersects.
struct CrossingFinder {
    tree: rstar::RTree<rstar::primitives::GeomWithData<rstar::primitives::Line<[f64; 2]>, u32>>,
    names: Vec<String>,
}

impl CrossingFinder {
    fn new(waterways: &[InputLine], nodes: &NodeCoords) -> Self {
        let mut segments = Vec::new();
        let mut names = Vec::new();
        for w in waterways.iter().filter(|w| !w.name.is_empty()) {
            let idx = names.len() as u32;
            names.push(w.name.clone());
            let pts: Vec<[f64; 2]> = w
                .nodes
                .iter()
                .filter_map(|&id| nodes.index(id))
                .map(|i| [from_fixed(nodes.coords[i][0]), from_fixed(nodes.coords[i][1])])
                .collect();
            for s in pts.windows(2) {
                segments.push(rstar::primitives::GeomWithData::new(rstar::primitives::Line::new(s[0], s[1]), idx));
            }
        }
        CrossingFinder { tree: rstar::RTree::bulk_load(segments), names }
    }

    fn find(&self, geometry: &[Coord]) -> Option<&str> {
        for s in geometry.windows(2) {
            let a = [from_fixed(s[0][0]), from_fixed(s[0][1])];
            let b = [from_fixed(s[1][0]), from_fixed(s[1][1])];
            let env = rstar::AABB::from_corners(a, b);
            for w in self.tree.locate_in_envelope_intersecting(&env) {
                if segments_intersect(a, b, w.geom().from, w.geom().to) {
                    return Some(&self.names[w.data as usize]);
                }
            }
        }
        None
    }
}

fn segments_intersect(p1: [f64; 2], p2: [f64; 2], q1: [f64; 2], q2: [f64; 2]) -> bool {
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let d1 = cross(q1, q2, p1);
    let d2 = cross(q1, q2, p2);
    let d3 = cross(p1, p2, q1);
    let d4 = cross(p1, p2, q2);
    (d1 * d2 <= 0.0) && (d3 * d4 <= 0.0) && !(d1 == 0.0 && d2 == 0.0)
}
