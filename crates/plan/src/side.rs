//! The road network beyond a front line: closed to the plans.
//!
//! A settlement beyond a line hazard is not ordered to leave ([`evac_zone::Zone::BeyondLine`]),
//! and the roads beyond it are no way out either: a plan that "leaves the zone" eastward
//! across a front line has left into enemy-held ground. So every road node beyond the line
//! (the rule of [`evac_zone::LineSide`]) is closed — each edge touching it, through the same
//! [`Closures`] as `--close` — and counts as inside the zone, so the exposure bound cannot
//! count it as safety. Places that snap to the road network (origins, pickup points) snap
//! to the nodes on our side only.

use evac_model::LatLon;
use evac_network::{Closures, EdgeId, Network, Snap, Snapper};
use evac_scenario::Scenario;
use evac_zone::LineSide;

/// Which road nodes lie beyond the scenario's line hazard (all `false` when the rule does
/// not apply: a polygon hazard, `beyond_line = "none"`, no reception centres).
pub fn beyond_line_nodes(scenario: &Scenario, network: &Network) -> Vec<bool> {
    match LineSide::of(scenario) {
        Ok(side) => {
            let nodes: Vec<LatLon> = network.nodes().iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
            side.beyond_all(&nodes)
        }
        Err(_) => vec![false; network.nodes().len()],
    }
}

/// Close every edge into or out of a node beyond the line (both directions of each road).
pub fn close_beyond_line(network: &Network, beyond: &[bool], closures: &mut Closures) {
    for (v, _) in beyond.iter().enumerate().filter(|(_, b)| **b) {
        let v = v as u32;
        for e in network.out_edge_ids(v) {
            closures.close_edge(network, EdgeId(e));
        }
        for &e in network.in_edges_of(v) {
            closures.close_edge(network, EdgeId(e));
        }
    }
}

/// Snapping to the road nodes on our side of the line only.
pub struct OpenSnapper {
    snapper: Snapper,
    /// Network node of each indexed point; `None`: every node is indexed, in order.
    nodes: Option<Vec<u32>>,
}

impl OpenSnapper {
    /// Index the nodes not `beyond` the line (every node when none is).
    pub fn new(network: &Network, beyond: &[bool]) -> OpenSnapper {
        if !beyond.iter().any(|&b| b) {
            return OpenSnapper { snapper: Snapper::new(network), nodes: None };
        }
        let (points, nodes): (Vec<LatLon>, Vec<u32>) = network
            .nodes()
            .iter()
            .enumerate()
            .filter(|(v, _)| !beyond[*v])
            .map(|(v, n)| (LatLon::new(n.lat, n.lon), v as u32))
            .unzip();
        OpenSnapper { snapper: Snapper::from_points(&points), nodes: Some(nodes) }
    }

    fn node(&self, s: Snap) -> Snap {
        Snap { node: self.nodes.as_ref().map_or(s.node, |n| n[s.node as usize]), distance_m: s.distance_m }
    }

    /// The open node nearest to `p` (`None`: every node is beyond the line).
    pub fn nearest(&self, p: LatLon) -> Option<Snap> {
        self.snapper.nearest(p).map(|s| self.node(s))
    }

    /// Open nodes within `radius_m` of `p`, nearest first.
    pub fn within(&self, p: LatLon, radius_m: f64) -> Vec<Snap> {
        self.snapper.within(p, radius_m).into_iter().map(|s| self.node(s)).collect()
    }
}

/// Which network nodes can reach one of `destinations` over the roads not `closed` (a
/// search backwards from the destinations).
pub fn reaches_destination(network: &Network, closed: &Closures, destinations: &[u32]) -> Vec<bool> {
    let mut reached = vec![false; network.nodes().len()];
    let mut stack: Vec<u32> = Vec::new();
    for &d in destinations {
        if !std::mem::replace(&mut reached[d as usize], true) {
            stack.push(d);
        }
    }
    while let Some(v) = stack.pop() {
        for &e in network.in_edges_of(v) {
            let from = network.edge(EdgeId(e)).from;
            if !closed.is_closed(e) && !std::mem::replace(&mut reached[from as usize], true) {
                stack.push(from);
            }
        }
    }
    reached
}
