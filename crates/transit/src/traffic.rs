//! Buses inside the car traffic: travel times between sites that depend on when a vehicle
//! leaves, from the car plan's vehicles entering each road in each time step.
//!
//! A road is full in a step when the car plan already sends its capacity of cars onto it
//! then; a bus that reaches a full road waits for the next step with room, as the cars do
//! (the plan holds cars upstream the same way). A bus is one vehicle among thousands of
//! cars and its own use of room is not taken from the cars. Times are computed by a
//! time-dependent Dijkstra (waiting keeps arrivals first-in first-out) from every site at
//! departures every [`slot_s`] seconds until the car plan clears; between departures they
//! are interpolated, and after the last car has arrived the roads are free again.

use crate::problem::Times;
use evac_plan::CarPlan;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Departures between two computed travel-time matrices, seconds, at least.
pub const SLOT_S: f64 = 300.0;
/// At most this many matrices: a long evacuation gets longer slots.
pub const MAX_SLOTS: f64 = 96.0;

/// The time between two computed matrices for a car plan clearing after `clearance_s`:
/// [`SLOT_S`], or for a long plan its clearance over [`MAX_SLOTS`]. Why: each matrix is a
/// search from every site, and the queues of a 20-hour car plan change over hours, not
/// minutes (12.5-minute slots there; with 5-minute ones this was a third of `evac up` on the
/// Kharkiv oblast).
pub fn slot_s(clearance_s: f64) -> f64 {
    SLOT_S.max(clearance_s / MAX_SLOTS)
}

/// Travel times between `nodes` (the sites' routing nodes) for departures every
/// [`slot_s`] until the car plan clears, never below the free-flow `free` times.
pub fn congested(car: &CarPlan, nodes: &[u32], free: &Times) -> Times {
    let p = &car.problem;
    let step = p.step_s();
    let mut full: Vec<Vec<u32>> = vec![Vec::new(); p.edges().len()];
    for ((e, t), load) in car.result.plan.edge_loads() {
        if load >= p.edge(e).capacity_at(t) {
            full[e.index()].push(t);
        }
    }
    for f in &mut full {
        f.sort_unstable();
    }
    let clearance_s = f64::from(car.result.plan.clearance_steps(p)) * step;
    let slot = slot_s(clearance_s);
    let slots = (clearance_s / slot).ceil() as usize + 1;
    let mut unique: Vec<u32> = nodes.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut is_target = vec![false; p.node_count()];
    for &n in &unique {
        is_target[n as usize] = true;
    }
    // Each departure's matrix is independent of the others: one per core (on the Kharkiv
    // oblast, a few hundred sites times some 250 departures, this was a third of `evac up`).
    let by_departure: Vec<Vec<Vec<f64>>> = (0..slots)
        .into_par_iter()
        .map(|k| {
            let depart = k as f64 * slot;
            let trees: Vec<Vec<f64>> =
                unique.iter().map(|&n| arrivals(car, &full, n, depart, &is_target, unique.len())).collect();
            nodes
                .iter()
                .enumerate()
                .map(|(a, na)| {
                    let tree = &trees[unique.binary_search(na).expect("present")];
                    nodes.iter().enumerate().map(|(b, &nb)| (tree[nb as usize] - depart).max(free.get(a, b))).collect()
                })
                .collect()
        })
        .collect();
    Times { seconds: free.seconds.clone(), by_departure, slot_s: slot }
}

/// Earliest arrival at every node leaving `from` at `depart` (infinite where no road leads),
/// exact at least for the `targets` nodes: the search stops once all `target_count` of
/// them are settled.
fn arrivals(
    car: &CarPlan,
    full: &[Vec<u32>],
    from: u32,
    depart: f64,
    targets: &[bool],
    target_count: usize,
) -> Vec<f64> {
    let p = &car.problem;
    let step = p.step_s();
    let mut best = vec![f64::INFINITY; p.node_count()];
    let mut heap = BinaryHeap::new();
    best[from as usize] = depart;
    // Non-negative floats order like their bit patterns.
    heap.push(Reverse((depart.to_bits(), from)));
    let mut settled = vec![false; p.node_count()];
    let mut targets_left = target_count;
    while let Some(Reverse((bits, v))) = heap.pop() {
        let t = f64::from_bits(bits);
        if t > best[v as usize] || settled[v as usize] {
            continue;
        }
        settled[v as usize] = true;
        if targets[v as usize] {
            targets_left -= 1;
            if targets_left == 0 {
                break;
            }
        }
        for &e in p.out(v) {
            let edge = &p.edges()[e as usize];
            // Wait while the cars fill the road.
            let mut s = (t / step).floor() as u32;
            let mut enter = t;
            let f = &full[e as usize];
            if !f.is_empty() {
                let mut i = f.partition_point(|&x| x < s);
                while i < f.len() && f[i] == s {
                    s += 1;
                    i += 1;
                    enter = f64::from(s) * step;
                }
            }
            let arrive = enter + f64::from(edge.free_flow_s);
            if arrive < best[edge.to as usize] {
                best[edge.to as usize] = arrive;
                heap.push(Reverse((arrive.to_bits(), edge.to)));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_five_minutes_until_the_plan_outgrows_them() {
        assert_eq!(slot_s(0.0), SLOT_S);
        assert_eq!(slot_s(3600.0), SLOT_S);
        assert_eq!(slot_s(MAX_SLOTS * SLOT_S), SLOT_S);
        let twenty_hours = 20.0 * 3600.0;
        assert_eq!(slot_s(twenty_hours), 750.0);
        assert!(twenty_hours / slot_s(twenty_hours) <= MAX_SLOTS);
    }
}
