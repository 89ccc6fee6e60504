//! From free-flow seconds to whole steps without per-edge rounding (see docs/planning.md,
//! "Time model").
//!
//! Rounding every edge up to a whole step made a route of sixty 8-second edges take sixty
//! steps. Instead each edge's steps are the difference of rounded *potentials*: with `P(v)`
//! the free-flow seconds from node `v` to the nearest destination, `R(x) = round(x / step)`
//! and `h(u, v)` a fixed pseudo-random number in [0, 1) per edge, an edge `u -> v` of `t`
//! seconds takes
//!
//! ```text
//! steps(u -> v) = max(0, R(P(u)) - R(P(v)) + floor(r / step + h(u, v))),   r = t + P(v) - P(u) >= 0
//! ```
//!
//! `r` is the edge's *reduced cost*: zero on every fastest route to a destination. Along a
//! route the potential terms telescope, so a route's steps are `R(P(source))` plus the
//! rounded reduced costs of its edges off the fastest routes: a fastest route is within half
//! a step of its free-flow time whatever its number of edges. The reduced costs are rounded
//! with a fixed dither (`floor(x + h)` equals `x` on average), so detours are neither
//! systematically cheap nor dear in the model. Edges shorter than a step may take zero steps
//! (they are crossed within the step in which the vehicle reaches them).
//!
//! The rule uses nothing but the plan's edges, so `scripts/verify_plan.py` recomputes it.

/// Whole steps per edge for edges `(from, to, seconds)`, given the free-flow seconds from
/// every node to the nearest destination (`f64::INFINITY` where none is reachable: such
/// edges are rounded up on their own, as no route to safety uses them).
///
/// ```
/// use evac_plan::timing::{edge_steps, seconds_to};
/// // A chain of six 8-second edges into a destination at node 6, 60-s steps.
/// let edges: Vec<(u32, u32, f64)> = (0..6).map(|i| (i, i + 1, 8.0)).collect();
/// let steps = edge_steps(&edges, &seconds_to(7, &edges, &[6]), 60.0);
/// // 48 s in all: one step (rounded), not six.
/// assert_eq!(steps.iter().sum::<u32>(), 1);
/// ```
pub fn edge_steps(edges: &[(u32, u32, f64)], to_destination_s: &[f64], step_s: f64) -> Vec<u32> {
    let round = |x: f64| (x / step_s).round();
    edges
        .iter()
        .map(|&(u, v, t)| {
            let (pu, pv) = (to_destination_s[u as usize], to_destination_s[v as usize]);
            if !(pu.is_finite() && pv.is_finite()) {
                return (t / step_s).ceil().max(1.0) as u32;
            }
            let reduced = (t + pv - pu).max(0.0);
            (round(pu) - round(pv) + (reduced / step_s + unit_hash(u, v)).floor()).max(0.0) as u32
        })
        .collect()
}

/// Free-flow seconds from every node to the nearest of `roots` over edges `(from, to,
/// seconds)` (a backward Dijkstra).
pub fn seconds_to(node_count: usize, edges: &[(u32, u32, f64)], roots: &[u32]) -> Vec<f64> {
    use std::cmp::Reverse;
    let mut incoming: Vec<Vec<(u32, f64)>> = vec![Vec::new(); node_count];
    for &(u, v, t) in edges {
        incoming[v as usize].push((u, t));
    }
    let mut dist = vec![f64::INFINITY; node_count];
    let mut heap = std::collections::BinaryHeap::new();
    for &r in roots {
        dist[r as usize] = 0.0;
        heap.push(Reverse((OrdF64(0.0), r)));
    }
    while let Some(Reverse((OrdF64(d), v))) = heap.pop() {
        if d > dist[v as usize] {
            continue;
        }
        for &(u, t) in &incoming[v as usize] {
            let nd = d + t;
            if nd < dist[u as usize] {
                dist[u as usize] = nd;
                heap.push(Reverse((OrdF64(nd), u)));
            }
        }
    }
    dist
}

/// An `f64` ordered totally (`total_cmp`; on whole numbers their integer order): seconds
/// in the heap here, exposures and clearances as sort keys in `run`. Never NaN where used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrdF64(pub(crate) f64);
impl PartialEq for OrdF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A fixed pseudo-random number in [0, 1) per edge (its end nodes hashed; the same
/// arithmetic is in scripts/verify_plan.py).
pub fn unit_hash(u: u32, v: u32) -> f64 {
    let mut x = (u64::from(u) << 32 | u64::from(v)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    (x >> 11) as f64 / (1u64 << 53) as f64
}
