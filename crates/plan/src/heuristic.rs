//! The planning heuristic: capacity-constrained route planning (CCRP, Lu, George & Shekhar
//! 2005) — repeatedly send the group that can reach safety earliest, over time-dependent
//! residual capacities, waiting at nodes where a road is full — made fast and stable:
//!
//! * **A\*** instead of Dijkstra: the free-flow time to the nearest destination is an
//!   admissible, consistent heuristic (waiting only adds time), so each search explores a
//!   corridor instead of the whole network.
//! * **Search reuse (CCRP++)**: each source keeps its last earliest-arrival value, a lower
//!   bound on its next one (capacities only shrink), and its route. The source with the
//!   smallest bound is served next; if its cached route still arrives at that bound it is
//!   optimal for this round and no search runs.
//! * **Stable routes**: among equally early routes the search keeps the one the source
//!   already uses, so convoys follow few routes per settlement.

use crate::plan::{Group, Leg, Plan};
use crate::problem::Problem;
use crate::reserve::Reservations;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

struct Search {
    label: Vec<u32>,
    parent: Vec<u32>,
    stamp: Vec<u32>,
    closed: Vec<u32>,
    generation: u32,
}

impl Search {
    fn new(n: usize) -> Self {
        Search {
            label: vec![u32::MAX; n],
            parent: vec![u32::MAX; n],
            stamp: vec![0; n],
            closed: vec![0; n],
            generation: 0,
        }
    }
    fn label(&self, v: u32) -> u32 {
        if self.stamp[v as usize] == self.generation { self.label[v as usize] } else { u32::MAX }
    }
}

/// The result of one earliest-arrival search.
struct Found {
    arrival: u32,
    destination: u32,
    edges: Vec<u32>,
}

pub struct Heuristic<'p> {
    p: &'p Problem,
    h: Vec<u32>,
    dest_at: Vec<Vec<u32>>,
    remaining_dest: Vec<Option<u32>>,
    open_dest_node: Vec<bool>,
    search: Search,
    /// Priority bonus (steps) per source: a source with bonus b competes as if it arrived
    /// b steps earlier. Used by the improvement phase to serve the critical sources first.
    bonus: Vec<u32>,
    pub searches: u64,
}

impl<'p> Heuristic<'p> {
    pub fn new(p: &'p Problem) -> Self {
        let mut dest_at = vec![Vec::new(); p.node_count];
        for (i, d) in p.destinations.iter().enumerate() {
            dest_at[d.node as usize].push(i as u32);
        }
        let remaining_dest: Vec<Option<u32>> = p.destinations.iter().map(|d| d.capacity_vehicles).collect();
        let mut open_dest_node = vec![false; p.node_count];
        for d in &p.destinations {
            if d.capacity_vehicles != Some(0) {
                open_dest_node[d.node as usize] = true;
            }
        }
        Heuristic {
            p,
            h: p.steps_to_destinations(),
            dest_at,
            remaining_dest,
            open_dest_node,
            search: Search::new(p.node_count),
            bonus: vec![0; p.sources.len()],
            searches: 0,
        }
    }

    pub fn with_bonus(mut self, bonus: Vec<u32>) -> Self {
        self.bonus = bonus;
        self
    }

    fn open_destination_at(&self, v: u32) -> Option<u32> {
        self.dest_at[v as usize].iter().copied().find(|&d| self.remaining_dest[d as usize] != Some(0))
    }

    /// Earliest arrival at any open destination from `source` leaving at step 0 or later.
    fn earliest_arrival(&mut self, res: &Reservations, source: u32, preferred: &[u32]) -> Option<Found> {
        self.searches += 1;
        let p = self.p;
        let s = &mut self.search;
        s.generation = s.generation.wrapping_add(1);
        if s.generation == 0 {
            s.stamp.fill(0);
            s.closed.fill(0);
            s.generation = 1;
        }
        let g = s.generation;
        let mut heap = BinaryHeap::new();
        s.stamp[source as usize] = g;
        s.label[source as usize] = 0;
        s.parent[source as usize] = u32::MAX;
        if self.h[source as usize] == u32::MAX {
            return None;
        }
        heap.push(Reverse((self.h[source as usize], 0u32, source)));
        while let Some(Reverse((_, t, v))) = heap.pop() {
            if s.closed[v as usize] == g || t > s.label(v) {
                continue;
            }
            s.closed[v as usize] = g;
            if self.open_dest_node[v as usize] {
                let dest =
                    self.dest_at[v as usize].iter().copied().find(|&d| self.remaining_dest[d as usize] != Some(0))?;
                let mut edges = Vec::new();
                let mut at = v;
                while s.parent[at as usize] != u32::MAX {
                    let e = s.parent[at as usize];
                    edges.push(e);
                    at = p.edges[e as usize].from;
                }
                edges.reverse();
                return Some(Found { arrival: t, destination: dest, edges });
            }
            for &e in p.out(v) {
                let edge = &p.edges[e as usize];
                let w = edge.to;
                if s.closed[w as usize] == g || self.h[w as usize] == u32::MAX {
                    continue;
                }
                let arrive = res.earliest_free(p, e, t) + edge.travel_steps;
                let old = s.label(w);
                if arrive < old || (arrive == old && preferred.contains(&e)) {
                    s.stamp[w as usize] = g;
                    s.label[w as usize] = arrive;
                    s.parent[w as usize] = e;
                    heap.push(Reverse((arrive.saturating_add(self.h[w as usize]), arrive, w)));
                }
            }
        }
        None
    }

    /// Plan every vehicle. `None` when a source cannot reach any open destination.
    pub fn run(mut self) -> Result<(Plan, u64), String> {
        let p = self.p;
        let mut res = Reservations::new(p);
        let mut remaining: Vec<u32> = p.sources.iter().map(|s| s.vehicles).collect();
        let mut route: Vec<Vec<u32>> = vec![Vec::new(); p.sources.len()];
        let mut route_dest: Vec<u32> = vec![0; p.sources.len()];
        // (priority key, earliest-arrival lower bound, source)
        let mut heap: BinaryHeap<Reverse<(i64, u32, u32)>> = BinaryHeap::new();
        let key = |arrival: u32, si: usize, bonus: &[u32]| i64::from(arrival) - i64::from(bonus[si]);
        for (i, s) in p.sources.iter().enumerate() {
            if s.vehicles == 0 {
                continue;
            }
            let found = self
                .earliest_arrival(&res, s.node, &[])
                .ok_or_else(|| format!("{} cannot reach any destination", s.name))?;
            route[i] = found.edges;
            route_dest[i] = found.destination;
            heap.push(Reverse((key(found.arrival, i, &self.bonus), found.arrival, i as u32)));
        }
        let mut groups: Vec<Group> = Vec::new();
        while let Some(Reverse((_, bound, si))) = heap.pop() {
            let i = si as usize;
            if remaining[i] == 0 {
                continue;
            }
            let source_node = p.sources[i].node;
            let (enters, arrival) = res.timed_route(p, &route[i], 0);
            let dest_open = self.remaining_dest[route_dest[i] as usize] != Some(0);
            if arrival != bound || !dest_open {
                // The cached route got slower (or its destination filled up): search again.
                let preferred = std::mem::take(&mut route[i]);
                match self.earliest_arrival(&res, source_node, &preferred) {
                    Some(found) => {
                        debug_assert!(found.arrival >= bound, "earliest arrivals never improve");
                        route[i] = found.edges;
                        route_dest[i] = found.destination;
                        heap.push(Reverse((key(found.arrival, i, &self.bonus), found.arrival, si)));
                    }
                    None => return Err(format!("{} cannot reach any destination with room left", p.sources[i].name)),
                }
                continue;
            }
            let d = route_dest[i] as usize;
            let mut amount = remaining[i];
            if let Some(cap) = self.remaining_dest[d] {
                amount = amount.min(cap);
            }
            for (&e, &t) in route[i].iter().zip(&enters) {
                amount = amount.min(res.residual(p, e, t));
            }
            debug_assert!(amount > 0);
            for (&e, &t) in route[i].iter().zip(&enters) {
                res.reserve(e, t, amount);
            }
            remaining[i] -= amount;
            if let Some(cap) = self.remaining_dest[d].as_mut() {
                *cap -= amount;
                if *cap == 0 {
                    let node = p.destinations[d].node;
                    self.open_dest_node[node as usize] = self.open_destination_at(node).is_some();
                }
            }
            groups.push(Group {
                source: si,
                destination: d as u32,
                vehicles: amount,
                legs: route[i].iter().zip(&enters).map(|(&edge, &enter_step)| Leg { edge, enter_step }).collect(),
            });
            if remaining[i] > 0 {
                heap.push(Reverse((key(bound, i, &self.bonus), bound, si)));
            }
        }
        let mut plan = Plan { groups };
        plan.merge_identical();
        Ok((plan, self.searches))
    }
}

/// Plan with the heuristic and improve it; also returns the number of searches run.
///
/// Improvement phase: greedy earliest-arrival routing serves the sources near the exits
/// first and leaves the far ones to queue at the end. The settlements whose last vehicles
/// arrive last are given a priority bonus and the plan is rebuilt; the best plan of a few
/// rounds is kept.
pub fn plan(p: &Problem) -> Result<(Plan, u64), String> {
    plan_with(p, 0, std::time::Duration::from_secs(3600))
}

/// [`plan`], stopping the improvement phase as soon as the plan reaches `lower_bound`
/// (it is then optimal) or after `budget` (each round costs about as much as the first).
pub fn plan_with(p: &Problem, lower_bound: u32, budget: std::time::Duration) -> Result<(Plan, u64), String> {
    let started = std::time::Instant::now();
    let (mut best, mut searches) = Heuristic::new(p).run()?;
    let first_round = started.elapsed();
    let mut best_clearance = best.clearance_steps(p);
    let mut bonus = vec![0u32; p.sources.len()];
    let groups = crate::bound::settlement_groups(p);
    let mut stale = 0;
    for round in 0..8 {
        // Stop at the bound (optimal), out of time, or after three rounds without gain.
        if best_clearance <= lower_bound || started.elapsed() + first_round > budget || stale >= 3 {
            break;
        }
        let plan = if round == 0 {
            best.clone()
        } else {
            let (plan, s) = Heuristic::new(p).with_bonus(bonus.clone()).run()?;
            searches += s;
            plan
        };
        let clearance = plan.clearance_steps(p);
        if clearance < best_clearance {
            best = plan.clone();
            best_clearance = clearance;
            stale = 0;
        } else if round > 0 {
            stale += 1;
        }
        // Last arrival per source.
        let mut last = vec![0u32; p.sources.len()];
        for g in &plan.groups {
            last[g.source as usize] = last[g.source as usize].max(g.arrival_step(p));
        }
        let step = (clearance / 20).max(1);
        let mut changed = false;
        for group in &groups {
            let settlement_last = group.iter().map(|&i| last[i]).max().unwrap_or(0);
            if settlement_last + step >= clearance {
                for &i in group {
                    bonus[i] += step;
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Ok((best, searches))
}
