//! Contraction hierarchies (via `fast_paths`) for heavy query loads on a fixed network.
//!
//! Weights are free-flow times in milliseconds, at least 1: `fast_paths` drops
//! zero-weight edges, which would silently disconnect very short edges. Closed edges are
//! left out when the hierarchy is built, so a new set of closures needs a new hierarchy.

use crate::network::Network;
use crate::route::{Closures, Path, Router};
use fast_paths::{FastGraph, InputGraph, PathCalculator};

pub struct ContractionHierarchy {
    graph: FastGraph,
}

fn weight(time_s: f32) -> usize {
    ((f64::from(time_s) * 1000.0).round() as usize).max(1)
}

impl ContractionHierarchy {
    pub fn build(network: &Network, closures: Option<&Closures>) -> Self {
        let mut input = InputGraph::new();
        for (i, e) in network.edges().iter().enumerate() {
            if e.from != e.to && closures.is_none_or(|c| !c.is_closed(i as u32)) {
                input.add_edge(e.from as usize, e.to as usize, weight(e.time_s));
            }
        }
        // Make sure every node exists even when its edges are all closed.
        let last = network.nodes().len().saturating_sub(1);
        if last > 0 {
            input.add_edge(last, last, 1);
        }
        input.freeze();
        ContractionHierarchy { graph: fast_paths::prepare(&input) }
    }

    pub fn calculator(&self) -> PathCalculator {
        fast_paths::create_calculator(&self.graph)
    }

    /// Fastest path; the node sequence from the hierarchy is turned back into network
    /// edges (the fastest open edge between consecutive nodes).
    pub fn shortest_path(&self, calc: &mut PathCalculator, router: &Router, s: u32, t: u32) -> Option<Path> {
        let p = calc.calc_path(&self.graph, s as usize, t as usize)?;
        let net = router.network();
        let mut edges = Vec::new();
        for w in p.get_nodes().windows(2) {
            let (a, b) = (w[0] as u32, w[1] as u32);
            let e = net
                .out_edge_ids(a)
                .filter(|&e| net.edges()[e as usize].to == b && router.is_open(e))
                .min_by(|&x, &y| net.edges()[x as usize].time_s.total_cmp(&net.edges()[y as usize].time_s))?;
            edges.push(e);
        }
        Some(router.path_from_edges(s, edges))
    }

    /// Travel time only (milliseconds), the cheapest query.
    pub fn time_ms(&self, calc: &mut PathCalculator, s: u32, t: u32) -> Option<usize> {
        calc.calc_path(&self.graph, s as usize, t as usize).map(|p| p.get_weight())
    }
}
