//! Loose road geometries made into one network: ways that share a vertex share a node;
//! ways whose ends nearly meet another road are joined to it ([`RoadSet::snap_ends`]); new
//! junctions are made where bridges and access links meet a road
//! ([`RoadSet::insert_points`]).

use crate::read::LayerWay;
use evac_network::RoadClass;
use evac_network::format::{Coord, from_fixed, to_fixed};
use rstar::primitives::{GeomWithData, Line};
use rstar::{AABB, RTree};
use std::collections::HashMap;

/// Road segments (degrees) with their (way, segment) positions.
type SegmentTree = RTree<GeomWithData<Line<[f64; 2]>, (u32, u32)>>;

/// A road of the set: node ids into [`RoadSet::coords`].
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    pub id: i64,
    pub class: RoadClass,
    pub name: String,
    pub ref_: String,
    /// `evac_network::flags` (bridge, approximate).
    pub flags: u8,
    /// Speed over the way when it is not the class's (access links), km/h.
    pub speed_kmh: Option<f32>,
    pub nodes: Vec<u32>,
}

/// Roads with shared nodes.
#[derive(Debug, Clone, Default)]
pub struct RoadSet {
    /// Node positions, 1e-7 degrees [lon, lat] (OSM's precision: vertices of ways that met
    /// at one OSM node are equal here).
    pub coords: Vec<Coord>,
    index: HashMap<Coord, u32>,
    pub ways: Vec<Way>,
}

/// Components of the undirected road graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components {
    pub count: u64,
    /// Vertices of the largest component.
    pub largest: u64,
    /// Vertices used by any way.
    pub vertices: u64,
}

/// The closest point of a road to a place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub way: u32,
    /// Segment `nodes[seg]`–`nodes[seg + 1]` of the way.
    pub seg: u32,
    /// Position along the segment, 0..=1.
    pub t: f64,
    pub point: [f64; 2],
    pub dist_m: f64,
}

/// Metres per degree of longitude and latitude at a latitude (WGS84, series to 1 cm/km):
/// the local plane distances are measured in. Within the few kilometres searched here its
/// error is far below the positional accuracy of the layers.
pub fn metres_per_degree(lat: f64) -> (f64, f64) {
    let phi = lat.to_radians();
    let ky = 111_132.954 - 559.822 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
    let kx = 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos();
    (kx, ky)
}

/// Closest point of segment a–b to p (all [lon, lat]): (t, point, metres).
pub fn closest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, [f64; 2], f64) {
    let (kx, ky) = metres_per_degree(p[1]);
    let (ax, ay) = ((a[0] - p[0]) * kx, (a[1] - p[1]) * ky);
    let (dx, dy) = ((b[0] - a[0]) * kx, (b[1] - a[1]) * ky);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) };
    let (qx, qy) = (ax + t * dx, ay + t * dy);
    (t, [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], qx.hypot(qy))
}

/// Plane distance in metres between two [lon, lat] points.
pub fn distance_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    closest_on_segment(a, b, b).2
}

fn deg(c: Coord) -> [f64; 2] {
    [from_fixed(c[0]), from_fixed(c[1])]
}

/// Union-find with path halving.
struct Sets(Vec<u32>);

impl Sets {
    fn new(n: usize) -> Self {
        Sets((0..n as u32).collect())
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            self.0[x as usize] = self.0[self.0[x as usize] as usize];
            x = self.0[x as usize];
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

impl RoadSet {
    /// Ways of the layers, vertices at the same position (to 1e-7 degrees) shared.
    pub fn from_layers(ways: impl IntoIterator<Item = LayerWay>) -> Self {
        let mut set = RoadSet::default();
        for w in ways {
            let mut nodes: Vec<u32> = w.points.iter().map(|p| set.node_at([to_fixed(p[0]), to_fixed(p[1])])).collect();
            nodes.dedup();
            if nodes.len() >= 2 {
                set.ways.push(Way {
                    id: w.id,
                    class: w.class,
                    name: w.name,
                    ref_: w.ref_,
                    flags: 0,
                    speed_kmh: None,
                    nodes,
                });
            }
        }
        set
    }

    /// The node at a position, made if there is none.
    pub fn node_at(&mut self, c: Coord) -> u32 {
        if let Some(&n) = self.index.get(&c) {
            return n;
        }
        let n = self.coords.len() as u32;
        self.coords.push(c);
        self.index.insert(c, n);
        n
    }

    pub fn position(&self, node: u32) -> [f64; 2] {
        deg(self.coords[node as usize])
    }

    /// Keep what is inside: ways are cut where they leave the area (a segment with an end
    /// outside is dropped, as the OSM import does).
    pub fn clip(&mut self, inside: impl Fn(f64, f64) -> bool) {
        let keep: Vec<bool> = self.coords.iter().map(|&c| inside(from_fixed(c[0]), from_fixed(c[1]))).collect();
        let mut ways = Vec::with_capacity(self.ways.len());
        for w in self.ways.drain(..) {
            for run in w.nodes.split(|&n| !keep[n as usize]) {
                if run.len() >= 2 {
                    ways.push(Way { nodes: run.to_vec(), ..w.clone() });
                }
            }
        }
        self.ways = ways;
    }

    /// Total length of the ways by class (km).
    pub fn km_by_class(&self) -> std::collections::BTreeMap<String, f64> {
        let mut km = std::collections::BTreeMap::new();
        for w in &self.ways {
            *km.entry(w.class.osm_name().to_string()).or_insert(0.0) += self.way_length_m(w) / 1000.0;
        }
        km
    }

    pub fn way_length_m(&self, w: &Way) -> f64 {
        w.nodes.windows(2).map(|s| distance_m(self.position(s[0]), self.position(s[1]))).sum()
    }

    /// The component of each node (its smallest node id; nodes no way uses are their own)
    /// and the counts, ways joined where they share a node.
    pub fn components(&self) -> (Vec<u32>, Components) {
        let mut sets = Sets::new(self.coords.len());
        let mut used = vec![false; self.coords.len()];
        for w in &self.ways {
            for s in w.nodes.windows(2) {
                sets.union(s[0], s[1]);
            }
            for &n in &w.nodes {
                used[n as usize] = true;
            }
        }
        let roots: Vec<u32> = (0..self.coords.len() as u32).map(|n| sets.find(n)).collect();
        let mut sizes: HashMap<u32, u64> = HashMap::new();
        for (n, &r) in roots.iter().enumerate() {
            if used[n] {
                *sizes.entry(r).or_default() += 1;
            }
        }
        let c = Components {
            count: sizes.len() as u64,
            largest: sizes.values().copied().max().unwrap_or(0),
            vertices: used.iter().filter(|&&u| u).count() as u64,
        };
        (roots, c)
    }

    /// The nodes of the largest component (ties: the one with the smallest node id).
    pub fn largest_component(&self) -> Vec<bool> {
        let (roots, _) = self.components();
        let mut sizes: HashMap<u32, u64> = HashMap::new();
        for w in &self.ways {
            *sizes.entry(roots[w.nodes[0] as usize]).or_default() += w.nodes.len() as u64;
        }
        let best = sizes.iter().max_by_key(|(r, s)| (**s, std::cmp::Reverse(**r))).map(|(r, _)| *r);
        roots.iter().map(|&r| Some(r) == best).collect()
    }

    fn segment_index(&self, use_way: impl Fn(&Way) -> bool) -> SegmentTree {
        let mut segments = Vec::new();
        for (wi, w) in self.ways.iter().enumerate().filter(|(_, w)| use_way(w)) {
            for (si, s) in w.nodes.windows(2).enumerate() {
                segments.push(GeomWithData::new(
                    Line::new(self.position(s[0]), self.position(s[1])),
                    (wi as u32, si as u32),
                ));
            }
        }
        RTree::bulk_load(segments)
    }

    /// The closest point of the roads in `tree` to `p` within `max_m`, skipping ways for
    /// which `skip` holds. Ties go to the lowest (way, segment), so results are reproducible.
    fn nearest(&self, tree: &SegmentTree, p: [f64; 2], max_m: f64, skip: impl Fn(u32) -> bool) -> Option<Hit> {
        let (kx, ky) = metres_per_degree(p[1]);
        // Search a small box first and widen it: most places are near a road.
        let mut radius = max_m.min(2_000.0);
        loop {
            let envelope =
                AABB::from_corners([p[0] - radius / kx, p[1] - radius / ky], [p[0] + radius / kx, p[1] + radius / ky]);
            let mut best: Option<Hit> = None;
            for s in tree.locate_in_envelope_intersecting(&envelope) {
                let (way, seg) = s.data;
                if skip(way) {
                    continue;
                }
                let (t, point, dist_m) = closest_on_segment(p, s.geom().from, s.geom().to);
                let better = match &best {
                    None => true,
                    Some(b) => dist_m < b.dist_m || (dist_m == b.dist_m && (way, seg) < (b.way, b.seg)),
                };
                if dist_m <= radius && better {
                    best = Some(Hit { way, seg, t, point, dist_m });
                }
            }
            if best.is_some() || radius >= max_m {
                return best;
            }
            radius = (radius * 4.0).min(max_m);
        }
    }

    /// Make a node at each hit (an existing vertex when the hit is within 0.5 m of one),
    /// splicing new vertices into their ways. Returns the node of each hit, in order.
    pub fn insert_points(&mut self, hits: &[Hit]) -> Vec<u32> {
        let mut out = vec![0u32; hits.len()];
        let mut by_way: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, h) in hits.iter().enumerate() {
            by_way.entry(h.way).or_default().push(i);
        }
        let mut ways: Vec<u32> = by_way.keys().copied().collect();
        ways.sort_unstable();
        for w in ways {
            let mut list = by_way.remove(&w).expect("listed");
            list.sort_by(|&a, &b| (hits[a].seg, hits[a].t).partial_cmp(&(hits[b].seg, hits[b].t)).expect("finite"));
            let old = self.ways[w as usize].nodes.clone();
            let mut nodes = Vec::with_capacity(old.len() + list.len());
            let mut k = 0;
            for (i, &n) in old.iter().enumerate() {
                nodes.push(n);
                while k < list.len() && hits[list[k]].seg as usize == i {
                    let h = hits[list[k]];
                    let (a, b) = (self.position(old[i]), self.position(old[i + 1]));
                    out[list[k]] = if distance_m(h.point, a) < 0.5 {
                        old[i]
                    } else if distance_m(h.point, b) < 0.5 {
                        old[i + 1]
                    } else {
                        let node = self.node_at([to_fixed(h.point[0]), to_fixed(h.point[1])]);
                        if nodes.last() != Some(&node) {
                            nodes.push(node);
                        }
                        node
                    };
                    k += 1;
                }
            }
            nodes.dedup();
            self.ways[w as usize].nodes = nodes;
        }
        out
    }

    /// Join loose way ends to the road they nearly meet: every end that no other way
    /// shares, within `tol_m` of another way, is moved onto that way's closest point
    /// (a vertex there if within 0.5 m, else a new vertex spliced in). Returns how many
    /// ends were joined.
    pub fn snap_ends(&mut self, tol_m: f64) -> u64 {
        if tol_m <= 0.0 {
            return 0;
        }
        let mut uses = vec![0u32; self.coords.len()];
        for w in &self.ways {
            for &n in &w.nodes {
                uses[n as usize] += 1;
            }
        }
        let loose = |n: u32| uses[n as usize] == 1;
        let tree = self.segment_index(|_| true);
        let mut ends: Vec<u32> = Vec::new();
        let mut hits: Vec<Hit> = Vec::new();
        for (wi, w) in self.ways.iter().enumerate() {
            let (first, last) = (w.nodes[0], *w.nodes.last().expect("two nodes"));
            if first == last {
                continue;
            }
            for end in [first, last] {
                if !loose(end) {
                    continue;
                }
                if let Some(h) = self.nearest(&tree, self.position(end), tol_m, |other| other == wi as u32) {
                    ends.push(end);
                    hits.push(h);
                }
            }
        }
        let targets = self.insert_points(&hits);
        let mut sets = Sets::new(self.coords.len());
        for (&e, &t) in ends.iter().zip(&targets) {
            sets.union(e, t);
        }
        // Each joined group takes the position of a member that stays put (a vertex of the
        // road joined to) rather than of a moved end.
        let moved: std::collections::HashSet<u32> = ends.iter().copied().collect();
        let mut best: HashMap<u32, u32> = HashMap::new();
        for &n in ends.iter().chain(&targets) {
            let root = sets.find(n);
            let entry = best.entry(root).or_insert(n);
            if (moved.contains(&n), n) < (moved.contains(entry), *entry) {
                *entry = n;
            }
        }
        let mut rename: HashMap<u32, u32> = HashMap::new();
        for &n in ends.iter().chain(&targets) {
            let to = best[&sets.find(n)];
            if to != n {
                rename.insert(n, to);
            }
        }
        for w in &mut self.ways {
            for n in &mut w.nodes {
                if let Some(&to) = rename.get(n) {
                    *n = to;
                }
            }
            w.nodes.dedup();
        }
        self.ways.retain(|w| w.nodes.len() >= 2);
        ends.len() as u64
    }

    /// The closest point of any way (except those `skip` rejects) to `p` within `max_m`.
    pub fn closest(&self, p: [f64; 2], max_m: f64, use_way: impl Fn(&Way) -> bool) -> Option<Hit> {
        let tree = self.segment_index(&use_way);
        self.nearest(&tree, p, max_m, |_| false)
    }

    /// Closest points of many places at once (one index for all).
    pub fn closest_many(&self, places: &[[f64; 2]], max_m: f64, use_way: impl Fn(&Way) -> bool) -> Vec<Option<Hit>> {
        let tree = self.segment_index(&use_way);
        places.iter().map(|&p| self.nearest(&tree, p, max_m, |_| false)).collect()
    }

    /// Split way `w` at its vertices `at` (positions in its node list, ascending, interior):
    /// the pieces keep the way's attributes; the indices of the pieces are returned
    /// (the first piece stays at `w`).
    pub fn split_way(&mut self, w: usize, at: &[usize]) -> Vec<usize> {
        let nodes = self.ways[w].nodes.clone();
        let mut cuts: Vec<usize> = at.iter().copied().filter(|&i| i > 0 && i + 1 < nodes.len()).collect();
        cuts.dedup();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(nodes.len() - 1);
        let mut pieces = Vec::new();
        for (k, pair) in bounds.windows(2).enumerate() {
            let part = nodes[pair[0]..=pair[1]].to_vec();
            if k == 0 {
                self.ways[w].nodes = part;
                pieces.push(w);
            } else {
                let mut piece = self.ways[w].clone();
                piece.nodes = part;
                self.ways.push(piece);
                pieces.push(self.ways.len() - 1);
            }
        }
        pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn way(id: i64, pts: &[[f64; 2]]) -> LayerWay {
        LayerWay { id, class: RoadClass::Primary, name: String::new(), ref_: String::new(), points: pts.to_vec() }
    }

    #[test]
    fn shared_vertices_join_ways() {
        let set =
            RoadSet::from_layers([way(1, &[[37.0, 49.0], [37.01, 49.0]]), way(2, &[[37.01, 49.0], [37.02, 49.0]])]);
        assert_eq!(set.coords.len(), 3);
        assert_eq!(set.components().1, Components { count: 1, largest: 3, vertices: 3 });
    }

    #[test]
    fn near_ends_are_joined_within_the_tolerance_only() {
        // Way 2 starts 20 m east of way 1's end (1e-4 degrees of longitude at 49 N is 7.3 m).
        let gap = 20.0 / metres_per_degree(49.0).0;
        let ways = || [way(1, &[[37.0, 49.0], [37.01, 49.0]]), way(2, &[[37.01 + gap, 49.0], [37.02, 49.0]])];
        let mut set = RoadSet::from_layers(ways());
        assert_eq!(set.components().1.count, 2);
        assert_eq!(set.snap_ends(10.0), 0);
        assert_eq!(set.components().1.count, 2);
        let mut set = RoadSet::from_layers(ways());
        assert_eq!(set.snap_ends(25.0), 2, "both loose ends see each other");
        assert_eq!(set.components().1.count, 1);
    }

    #[test]
    fn an_end_near_the_middle_of_a_road_makes_a_junction_there() {
        // A north-south road ending 15 m south of an east-west road, between its vertices.
        let d = 15.0 / metres_per_degree(49.0).1;
        let mut set = RoadSet::from_layers([
            way(1, &[[37.0, 49.0], [37.02, 49.0]]),
            way(2, &[[37.01, 49.0 - d], [37.01, 48.99]]),
        ]);
        assert_eq!(set.snap_ends(30.0), 1);
        assert_eq!(set.components().1.count, 1);
        assert_eq!(set.ways[0].nodes.len(), 3, "a vertex spliced into the east-west road");
        let junction = set.ways[0].nodes[1];
        assert_eq!(set.ways[1].nodes[0], junction);
        assert!((set.position(junction)[0] - 37.01).abs() < 1e-7);
    }

    #[test]
    fn clipping_cuts_ways_at_the_area_edge() {
        let mut set = RoadSet::from_layers([way(1, &[[37.0, 49.0], [37.01, 49.0], [37.02, 49.0], [37.03, 49.0]])]);
        set.clip(|lon, _| lon < 37.015);
        assert_eq!(set.ways.len(), 1);
        assert_eq!(set.ways[0].nodes.len(), 2);
    }
}
