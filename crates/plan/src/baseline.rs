//! The naive baseline every plan is compared with: everyone leaves at step 0 on the
//! free-flow fastest route to the nearest destination that has room, and vehicles queue
//! first-come-first-served wherever a road is full.

use crate::error::PlanError;
use crate::plan::{Group, Leg, Plan};
use crate::problem::{EdgeIx, Problem};
use crate::reserve::Reservations;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Free-flow fastest route from `s` to the nearest node of `targets`: (edges, destination node).
fn fastest(p: &Problem, s: u32, targets: &[bool]) -> Option<Vec<u32>> {
    let mut dist = vec![u32::MAX; p.node_count];
    let mut parent = vec![u32::MAX; p.node_count];
    let mut heap = BinaryHeap::new();
    dist[s as usize] = 0;
    heap.push(Reverse((0u32, s)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > dist[v as usize] {
            continue;
        }
        if targets[v as usize] {
            let mut edges = Vec::new();
            let mut at = v;
            while parent[at as usize] != u32::MAX {
                edges.push(parent[at as usize]);
                at = p.edges[parent[at as usize] as usize].from;
            }
            edges.reverse();
            return Some(edges);
        }
        for &e in p.out(v) {
            let edge = &p.edges[e as usize];
            let nd = d + edge.travel_steps;
            if nd < dist[edge.to as usize] {
                dist[edge.to as usize] = nd;
                parent[edge.to as usize] = e;
                heap.push(Reverse((nd, edge.to)));
            }
        }
    }
    None
}

/// The naive plan (first-come-first-served queues at capacities).
pub fn plan(p: &Problem) -> Result<Plan, PlanError> {
    // Assign each source to its nearest destination with room, nearest sources first.
    let mut remaining_dest: Vec<Option<u32>> = p.destinations.iter().map(|d| d.capacity_vehicles).collect();
    let to_dest = p.steps_to_destinations();
    let mut order: Vec<usize> = (0..p.sources.len()).filter(|&i| p.sources[i].vehicles > 0).collect();
    order.sort_by_key(|&i| (to_dest[p.sources[i].node as usize], i));
    // (source, destination, route, vehicles)
    let mut streams: Vec<(u32, u32, Vec<u32>, u32)> = Vec::new();
    for i in order {
        let s = &p.sources[i];
        let mut left = s.vehicles;
        while left > 0 {
            let mut targets = vec![false; p.node_count];
            for (d, dest) in p.destinations.iter().enumerate() {
                if remaining_dest[d] != Some(0) {
                    targets[dest.node as usize] = true;
                }
            }
            let route =
                fastest(p, s.node, &targets).ok_or_else(|| PlanError::NoRoomLeft { source_name: s.name.clone() })?;
            let end = route.last().map_or(s.node, |&e| p.edges[e as usize].to);
            let d = (0..p.destinations.len())
                .find(|&d| p.destinations[d].node == end && remaining_dest[d] != Some(0))
                .expect("the route ends at an open destination");
            let n = remaining_dest[d].map_or(left, |cap| cap.min(left));
            if let Some(cap) = remaining_dest[d].as_mut() {
                *cap -= n;
            }
            streams.push((i as u32, d as u32, route, n));
            left -= n;
        }
    }
    // Event simulation: packets of vehicles wait at a node until their next road has room;
    // ties go to whoever reached the node first (FIFO), then to the lower stream index.
    let mut res = Reservations::new(p);
    // (ready step, reached-node step, stream, leg index, vehicles, history entry)
    type Packet = (u32, u32, u32, u32, u32, u32);
    let mut heap: BinaryHeap<Reverse<Packet>> = BinaryHeap::new();
    // The steps at which a packet entered its legs, shared between the packets split from
    // one another: a tree of (parent entry, enter step) per stream, walked back when a
    // packet arrives. (A copy of the whole list per leg was quadratic in the route's length:
    // gigabytes on an oblast's 200-leg routes.)
    const ROOT: u32 = u32::MAX;
    let mut history: Vec<Vec<(u32, u32)>> = vec![Vec::new(); streams.len()];
    for (k, st) in streams.iter().enumerate() {
        heap.push(Reverse((0, 0, k as u32, 0, st.3, ROOT)));
    }
    let mut groups = Vec::new();
    while let Some(Reverse((ready, reached, k, leg, count, hist))) = heap.pop() {
        let (src, dst, route, _) = &streams[k as usize];
        if leg as usize == route.len() {
            let tree = &history[k as usize];
            let mut enters = Vec::with_capacity(route.len());
            let mut at = hist;
            while at != ROOT {
                let (parent, step) = tree[at as usize];
                enters.push(step);
                at = parent;
            }
            enters.reverse();
            groups.push(Group {
                source: *src,
                destination: *dst,
                vehicles: count,
                legs: route
                    .iter()
                    .zip(enters)
                    .map(|(&edge, enter_step)| Leg { edge: EdgeIx(edge), enter_step })
                    .collect(),
            });
            continue;
        }
        let e = route[leg as usize];
        let n = count.min(res.residual(p, e, ready));
        if n > 0 {
            res.reserve(p, e, ready, n);
            let tree = &mut history[k as usize];
            tree.push((hist, ready));
            let h = (tree.len() - 1) as u32;
            let arrive = ready + p.edges[e as usize].travel_steps;
            heap.push(Reverse((arrive, arrive, k, leg + 1, n, h)));
        }
        if count > n {
            heap.push(Reverse((ready + 1, reached, k, leg, count - n, hist)));
        }
    }
    let mut plan = Plan { groups };
    plan.merge_identical();
    Ok(plan)
}
