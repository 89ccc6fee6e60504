//! From imported roads to the routing graph.

use crate::class::{RoadClass, flags};
use crate::csr::Csr;
use crate::format::*;
use crate::network::{Network, NetworkMeta, NetworkParts};
use bytemuck::Zeroable;
use evac_geo::geodesy::fast_distance_m;
use evac_model::LatLon;
use rayon::prelude::*;
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
    /// (forward, backward, lanes forward, lanes backward), seen in or against the node order.
    fn directions(&self, against: bool) -> (bool, bool, u8, u8) {
        if against {
            (self.backward, self.forward, self.lanes_backward, self.lanes_forward)
        } else {
            (self.forward, self.backward, self.lanes_forward, self.lanes_backward)
        }
    }

    /// Is road `self` (read against its node order if `self_against`) the same road as
    /// `other` (likewise): equal attributes and the same directions?
    fn same_road(&self, self_against: bool, other: &RoadAttrs, other_against: bool) -> bool {
        self.directions(self_against) == other.directions(other_against)
            && self.class == other.class
            && self.speed_kmh == other.speed_kmh
            && self.capacity_per_lane_vph == other.capacity_per_lane_vph
            && self.flags == other.flags
            && self.name == other.name
            && self.ref_ == other.ref_
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
        pairs.par_sort_unstable_by_key(|p| p.0);
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

/// A turn restriction: an OSM `type=restriction` relation with a via node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRestriction {
    pub relation_id: i64,
    pub from_way: i64,
    pub via_node: i64,
    pub to_way: i64,
    /// `only_*`: every other turn from `from_way` at the via node is banned; else
    /// (`no_*`) this one.
    pub only: bool,
    /// `*_u_turn`: the turn back onto the same road.
    pub u_turn: bool,
}

/// Everything the builder needs.
#[derive(Debug, Clone, Default)]
pub struct NetworkInput {
    pub roads: Vec<InputRoad>,
    /// Turn restrictions (see [`NetworkParts::turn_bans`](crate::NetworkParts)).
    pub restrictions: Vec<InputRestriction>,
    /// Nodes with traffic signals (OSM ids): the edges that end at one where it is a node
    /// of the graph get [`flags::SIGNALS`].
    pub signals: Vec<i64>,
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
    coords_start: u32,
    coords_end: u32,
    length_m: f64,
}

/// A contracted chain of pieces: one road link between two final nodes.
struct Link {
    from: u32,
    to: u32,
    /// The road whose attributes the link has, and whether the link runs against its
    /// node order.
    road: u32,
    /// The road of the link's last piece (the link may run over several ways).
    last_road: u32,
    reversed: bool,
    coords_start: u32,
    coords_len: u32,
    length_m: f64,
}

/// Strongly connected components of a directed graph in CSR form (iterative Tarjan):
/// the component id of each node, and the number of components.
fn strongly_connected(n: usize, offsets: &[u32], targets: &[u32]) -> (Vec<u32>, u32) {
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut component = vec![NONE; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut call: Vec<(u32, u32)> = Vec::new(); // (node, next edge position)
    let mut next_index = 0u32;
    let mut components = 0u32;
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        call.push((root, offsets[root as usize]));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = call.last_mut() {
            if *pos < offsets[v as usize + 1] {
                let w = targets[*pos as usize];
                *pos += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    call.push((w, offsets[w as usize]));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        component[w as usize] = components;
                        if w == v {
                            break;
                        }
                    }
                    components += 1;
                }
            }
        }
    }
    (component, components)
}

/// Build the routing network in memory.
pub fn build_network(input: &NetworkInput) -> Result<Network, BuildError> {
    Ok(Network::from_parts(&build_parts(input)?))
}

/// Build the arrays of the routing network (write them with [`NetworkParts::write`]).
pub fn build_parts(input: &NetworkInput) -> Result<NetworkParts, BuildError> {
    let nodes = &input.nodes;
    // 1. How many times each OSM node is used by roads: intersections split ways.
    let mut uses = vec![0u8; nodes.len()];
    let resolved: Vec<Vec<u32>> = input
        .roads
        .par_iter()
        .map(|road| road.nodes.iter().map(|&id| nodes.index(id).map_or(NONE, |i| i as u32)).collect())
        .collect();
    for idx in &resolved {
        for &i in idx {
            if i != NONE {
                uses[i as usize] = uses[i as usize].saturating_add(1);
            }
        }
    }
    // 2. Pieces between graph nodes (intersections, way ends, and the sides of missing nodes).
    let mut graph_node = vec![NONE; nodes.len()];
    let mut graph_nodes: Vec<u32> = Vec::new();
    let mut node_id = |osm_index: u32| -> u32 {
        let slot = &mut graph_node[osm_index as usize];
        if *slot == NONE {
            *slot = graph_nodes.len() as u32;
            graph_nodes.push(osm_index);
        }
        *slot
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
                if k == run.len() - 1 || uses[run[k] as usize] >= 2 {
                    let from = node_id(run[start]);
                    let to = node_id(run[k]);
                    let coords_start = piece_coords.len() as u32;
                    let mut length = 0.0;
                    let mut prev = latlon(nodes.coords[run[start] as usize]);
                    piece_coords.push(nodes.coords[run[start] as usize]);
                    for &i in &run[start + 1..=k] {
                        let c = nodes.coords[i as usize];
                        let here = latlon(c);
                        length += fast_distance_m(prev, here);
                        prev = here;
                        piece_coords.push(c);
                    }
                    pieces.push(Piece {
                        road: r as u32,
                        from,
                        to,
                        coords_start,
                        coords_end: piece_coords.len() as u32,
                        length_m: length,
                    });
                    start = k;
                }
            }
        }
    }
    drop(resolved);
    drop(uses);
    drop(graph_node);
    let attrs = |p: &Piece| &input.roads[p.road as usize].attrs;
    if pieces.is_empty() {
        return Err(BuildError::NoRoads);
    }
    let n = graph_nodes.len();
    // 3. Largest strongly connected component of the directed graph.
    let adjacency = Csr::from_pairs(n, || {
        pieces.iter().flat_map(|p| {
            let a = attrs(p);
            let forward = a.forward.then_some((p.from, p.to));
            let backward = a.backward.then_some((p.to, p.from));
            forward.into_iter().chain(backward)
        })
    });
    let (component, count) = strongly_connected(n, &adjacency.offsets, &adjacency.values);
    drop(adjacency);
    let mut sizes = vec![0u32; count as usize];
    for &c in &component {
        sizes[c as usize] += 1;
    }
    // The largest component; ties go to the lowest id, so the result is deterministic.
    let largest = (0..count).max_by_key(|&c| (sizes[c as usize], std::cmp::Reverse(c))).ok_or(BuildError::NoRoads)?;
    let kept: Vec<bool> = component.iter().map(|&c| c == largest).collect();
    let mut meta = input.meta.clone();
    meta.dropped_components = u64::from(count) - 1;
    meta.dropped_nodes = (n as u64) - u64::from(sizes[largest as usize]);
    meta.nodes_before_contraction = u64::from(sizes[largest as usize]);
    drop((component, sizes));
    let keep_piece = |p: &Piece| kept[p.from as usize] && kept[p.to as usize];
    for p in pieces.iter().filter(|p| !keep_piece(p)) {
        let a = attrs(p);
        meta.dropped_edges += u64::from(a.forward) + u64::from(a.backward);
        meta.dropped_km += p.length_m / 1000.0;
    }
    // 4. Contract degree-2 nodes joining two pieces with equal attributes.
    let mut incident_start = vec![0u32; n + 1];
    for p in pieces.iter().filter(|p| keep_piece(p)) {
        incident_start[p.from as usize + 1] += 1;
        incident_start[p.to as usize + 1] += 1;
    }
    for v in 0..n {
        incident_start[v + 1] += incident_start[v];
    }
    let mut incident = vec![0u32; incident_start[n] as usize];
    let mut fill = incident_start.clone();
    for (i, p) in pieces.iter().enumerate().filter(|(_, p)| keep_piece(p)) {
        for v in [p.from, p.to] {
            incident[fill[v as usize] as usize] = i as u32;
            fill[v as usize] += 1;
        }
    }
    drop(fill);
    let incident_of = |v: u32| &incident[incident_start[v as usize] as usize..incident_start[v as usize + 1] as usize];
    let mut contractible = vec![false; n];
    for v in 0..n as u32 {
        if !kept[v as usize] {
            continue;
        }
        let inc = incident_of(v);
        if inc.len() == 2 && inc[0] != inc[1] {
            // Arriving over the first piece then leaving over the second must look like one road.
            let (a, b) = (&pieces[inc[0] as usize], &pieces[inc[1] as usize]);
            let arrives_along = a.to == v; // first piece runs into v in its node order
            let leaves_along = b.from == v; // second piece runs out of v in its node order
            contractible[v as usize] = attrs(a).same_road(!arrives_along, attrs(b), !leaves_along);
        }
    }
    let mut visited = vec![false; pieces.len()];
    let mut links: Vec<Link> = Vec::new();
    let mut link_coords: Vec<Coord> = Vec::with_capacity(piece_coords.len());
    let mut walk = |start: u32, first: u32, contractible: &[bool], visited: &mut [bool]| {
        let coords_start = link_coords.len() as u32;
        let mut length = 0.0;
        let mut at = start;
        let mut piece = first;
        let first_piece = &pieces[first as usize];
        let mut last_road;
        loop {
            visited[piece as usize] = true;
            let p = &pieces[piece as usize];
            last_road = p.road;
            let slice = &piece_coords[p.coords_start as usize..p.coords_end as usize];
            let skip = usize::from(link_coords.len() > coords_start as usize);
            if p.from == at {
                link_coords.extend(slice.iter().skip(skip));
                at = p.to;
            } else {
                link_coords.extend(slice.iter().rev().skip(skip));
                at = p.from;
            }
            length += p.length_m;
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
        links.push(Link {
            from: start,
            to: at,
            road: first_piece.road,
            last_road,
            reversed: first_piece.from != start,
            coords_start,
            coords_len: link_coords.len() as u32 - coords_start,
            length_m: length,
        });
    };
    for v in 0..n as u32 {
        if kept[v as usize] && !contractible[v as usize] {
            for &i in incident_of(v) {
                if !visited[i as usize] {
                    walk(v, i, &contractible, &mut visited);
                }
            }
        }
    }
    // Cycles made only of contractible nodes: break each at one of its nodes.
    for i in 0..pieces.len() {
        if keep_piece(&pieces[i]) && !visited[i] {
            let v = pieces[i].from;
            contractible[v as usize] = false;
            walk(v, i as u32, &contractible, &mut visited);
        }
    }
    drop((visited, incident, incident_start, piece_coords, pieces));
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
    drop((kept, contractible, graph_nodes));
    // 6. Directed edges placed straight into CSR order (no sort): count out-degrees first.
    let nn = node_recs.len();
    let out_offsets = Csr::offsets(
        nn,
        links.iter().flat_map(|l| {
            let (f, b, _, _) = input.roads[l.road as usize].attrs.directions(l.reversed);
            let forward = f.then_some(final_id[l.from as usize]);
            let backward = b.then_some(final_id[l.to as usize]);
            forward.into_iter().chain(backward)
        }),
    );
    let m = out_offsets[nn] as usize;
    if m == 0 {
        return Err(BuildError::NoRoads);
    }
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
    // The graph nodes with traffic signals.
    let signal_ids: std::collections::HashSet<i64> = input.signals.iter().copied().collect();
    let signalled: Vec<bool> = node_recs.iter().map(|n| signal_ids.contains(&n.osm_id)).collect();
    drop(signal_ids);
    // Names are interned once per road, not once per link.
    let mut road_strings: Vec<Option<(u32, u32)>> = vec![None; input.roads.len()];
    let mut edges = vec![EdgeRec::zeroed(); m];
    // The OSM way each directed edge starts and ends on, to place the turn restrictions.
    let mut end_ways = vec![[0i64; 2]; m];
    let mut cursor = out_offsets.clone();
    for l in &links {
        let a = &input.roads[l.road as usize].attrs;
        let (forward, backward, lanes_forward, lanes_backward) = a.directions(l.reversed);
        let geometry = &link_coords[l.coords_start as usize..(l.coords_start + l.coords_len) as usize];
        let crossing = if a.flags & (flags::BRIDGE | flags::FORD | flags::FERRY) != 0 {
            crossings.find(geometry).map_or(NONE, &mut intern)
        } else {
            NONE
        };
        let (name, ref_) = *road_strings[l.road as usize].get_or_insert_with(|| (intern(&a.name), intern(&a.ref_)));
        let speed = a.speed_kmh.max(1.0);
        let (from, to) = (final_id[l.from as usize], final_id[l.to as usize]);
        let base = EdgeRec {
            way_id: input.roads[l.road as usize].way_id,
            from,
            to,
            length_m: l.length_m as f32,
            time_s: (l.length_m / (f64::from(speed) / 3.6)) as f32,
            capacity_vph: 0.0,
            name,
            ref_,
            crossing,
            geom_start: l.coords_start,
            geom_len: l.coords_len,
            twin: NONE,
            class: a.class as u8,
            lanes: 0,
            flags: a.flags & flags::ROAD_MASK,
            speed_kmh: speed.round().min(255.0) as u8,
        };
        let mut place = |e: EdgeRec| -> u32 {
            let slot = cursor[e.from as usize];
            cursor[e.from as usize] += 1;
            edges[slot as usize] = e;
            slot
        };
        let signals_at = |v: u32| if signalled[v as usize] { flags::SIGNALS } else { 0 };
        let f = forward.then(|| {
            place(EdgeRec {
                lanes: lanes_forward.max(1),
                capacity_vph: f32::from(lanes_forward.max(1)) * a.capacity_per_lane_vph,
                flags: base.flags | signals_at(to),
                ..base
            })
        });
        let b = backward.then(|| {
            place(EdgeRec {
                from: to,
                to: from,
                lanes: lanes_backward.max(1),
                capacity_vph: f32::from(lanes_backward.max(1)) * a.capacity_per_lane_vph,
                flags: base.flags | flags::REVERSED_GEOMETRY | signals_at(from),
                ..base
            })
        });
        let (first_way, last_way) = (input.roads[l.road as usize].way_id, input.roads[l.last_road as usize].way_id);
        if let Some(f) = f {
            end_ways[f as usize] = [first_way, last_way];
        }
        if let Some(b) = b {
            end_ways[b as usize] = [last_way, first_way];
        }
        if let (Some(f), Some(b)) = (f, b) {
            edges[f as usize].twin = b;
            edges[b as usize].twin = f;
        }
    }
    drop((links, final_id, cursor));
    let Csr { offsets: in_offsets, values: in_edges } = Csr::build(nn, edges.iter().map(|e| e.to));
    let (turn_bans, report) =
        place_restrictions(&input.restrictions, &node_recs, &edges, &end_ways, &out_offsets, &in_offsets, &in_edges);
    meta.turn_restrictions = report;
    drop(end_ways);
    let mut coords = link_coords;
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
    let stations = if input.stations.is_empty() {
        Vec::new()
    } else {
        let node_points: Vec<LatLon> = node_recs.iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
        let snapper = crate::snap::Snapper::from_points(&node_points);
        input
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
            .collect()
    };
    let (mut lat0, mut lon0, mut lat1, mut lon1) = (90.0f64, 180.0f64, -90.0f64, -180.0f64);
    for n in &node_recs {
        lat0 = lat0.min(n.lat);
        lat1 = lat1.max(n.lat);
        lon0 = lon0.min(n.lon);
        lon1 = lon1.max(n.lon);
    }
    meta.bbox = Some([lon0, lat0, lon1, lat1]);
    Ok(NetworkParts {
        nodes: node_recs,
        edges,
        out_offsets,
        in_offsets,
        in_edges,
        coords,
        strings,
        stations,
        rail_lines,
        turn_bans,
        meta,
    })
}

/// The banned turns of `restrictions` as (in-edge, out-edge) pairs of the built graph,
/// sorted, and how many restrictions were placed. A restriction whose via node, from way
/// or to way is not in the graph (clipped, dropped with a small component, a via way) is
/// counted as not placed. `end_ways[e]`: the OSM way edge `e` starts and ends on.
fn place_restrictions(
    restrictions: &[InputRestriction],
    nodes: &[NodeRec],
    edges: &[EdgeRec],
    end_ways: &[[i64; 2]],
    out_offsets: &[u32],
    in_offsets: &[u32],
    in_edges: &[u32],
) -> (Vec<[u32; 2]>, Option<crate::network::RestrictionReport>) {
    if restrictions.is_empty() {
        return (Vec::new(), None);
    }
    let wanted: std::collections::HashSet<i64> = restrictions.iter().map(|r| r.via_node).collect();
    let via: HashMap<i64, u32> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| wanted.contains(&n.osm_id))
        .map(|(i, n)| (n.osm_id, i as u32))
        .collect();
    let mut bans = Vec::new();
    let mut report = crate::network::RestrictionReport { read: restrictions.len() as u64, ..Default::default() };
    for r in restrictions {
        let Some(&v) = via.get(&r.via_node) else {
            report.not_placed += 1;
            continue;
        };
        let outs: Vec<u32> = (out_offsets[v as usize]..out_offsets[v as usize + 1]).collect();
        let ins = &in_edges[in_offsets[v as usize] as usize..in_offsets[v as usize + 1] as usize];
        let mut placed = false;
        for &a in ins.iter().filter(|&&a| end_ways[a as usize][1] == r.from_way) {
            let back = edges[a as usize].twin;
            // The turns the restriction names: onto the to way; where that is the from way
            // itself, back along it for a U-turn, else on along it.
            let named: Vec<u32> = outs
                .iter()
                .copied()
                .filter(|&b| end_ways[b as usize][0] == r.to_way && (r.from_way != r.to_way || (b == back) == r.u_turn))
                .collect();
            if named.is_empty() {
                continue;
            }
            placed = true;
            for &b in &outs {
                if named.contains(&b) != r.only {
                    bans.push([a, b]);
                }
            }
        }
        if placed {
            report.placed += 1;
        } else {
            report.not_placed += 1;
        }
    }
    bans.sort_unstable();
    bans.dedup();
    report.banned_turns = bans.len() as u64;
    (bans, Some(report))
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
