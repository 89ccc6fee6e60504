//! A plan: groups of vehicles with their legs, and what can be measured on it.

use crate::problem::{EdgeIx, Problem};
use serde::{Deserialize, Serialize};

/// Entering one edge at one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Leg {
    /// Position in the problem's edges (written to plan.json as the network's edge id).
    pub edge: EdgeIx,
    pub enter_step: u32,
}

/// Vehicles that travel together: same source, destination, route and timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Index into `Problem::sources`.
    pub source: u32,
    /// Index into `Problem::destinations`.
    pub destination: u32,
    pub vehicles: u32,
    pub legs: Vec<Leg>,
}

impl Group {
    /// The step at which the group reaches its destination.
    pub fn arrival_step(&self, p: &Problem) -> u32 {
        self.legs.last().map_or(0, |l| l.enter_step + p.edge(l.edge).travel_steps)
    }

    pub fn depart_step(&self) -> u32 {
        self.legs.first().map_or(0, |l| l.enter_step)
    }

    /// Steps until the group is out of the mandatory zone (0 if it starts outside).
    pub fn exposure_steps(&self, p: &Problem, source_node: u32) -> u32 {
        if !p.in_zone[source_node as usize] {
            return 0;
        }
        let mut out_at = 0;
        for l in &self.legs {
            let e = p.edge(l.edge);
            let arrive = l.enter_step + e.travel_steps;
            if p.in_zone[e.to as usize] {
                out_at = arrive;
            } else {
                return arrive.max(out_at);
            }
        }
        out_at
    }
}

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub groups: Vec<Group>,
}

impl Plan {
    pub fn clearance_steps(&self, p: &Problem) -> u32 {
        self.groups.iter().map(|g| g.arrival_step(p)).max().unwrap_or(0)
    }

    /// Vehicles safe (arrived) by the end of each step 0..=clearance.
    pub fn safe_over_time(&self, p: &Problem) -> Vec<u64> {
        let t = self.clearance_steps(p) as usize;
        let mut arrivals = vec![0u64; t + 1];
        for g in &self.groups {
            arrivals[g.arrival_step(p) as usize] += u64::from(g.vehicles);
        }
        let mut acc = 0;
        arrivals
            .into_iter()
            .map(|a| {
                acc += a;
                acc
            })
            .collect()
    }

    /// The step by which `share` (0..1) of the vehicles are safe.
    pub fn steps_to_clear_share(&self, p: &Problem, share: f64) -> u32 {
        let curve = self.safe_over_time(p);
        let total = *curve.last().unwrap_or(&0);
        let need = (total as f64 * share).ceil() as u64;
        curve.iter().position(|&v| v >= need).unwrap_or(0) as u32
    }

    /// Vehicle-steps spent inside the mandatory zone.
    pub fn exposure_vehicle_steps(&self, p: &Problem) -> u64 {
        self.groups
            .iter()
            .map(|g| u64::from(g.vehicles) * u64::from(g.exposure_steps(p, p.sources[g.source as usize].node)))
            .sum()
    }

    /// Vehicles entering each edge at each step: (edge position, step) -> vehicles.
    pub fn edge_loads(&self) -> std::collections::HashMap<(EdgeIx, u32), u32> {
        let mut loads = std::collections::HashMap::new();
        for g in &self.groups {
            for l in &g.legs {
                *loads.entry((l.edge, l.enter_step)).or_insert(0) += g.vehicles;
            }
        }
        loads
    }

    /// The nodes a group passes, from its source to its end.
    pub fn route_nodes(p: &Problem, source_node: u32, legs: &[Leg]) -> Vec<u32> {
        std::iter::once(source_node).chain(legs.iter().map(|l| p.edge(l.edge).to)).collect()
    }

    /// Make every route simple and put waiting where people can wait: a route that comes
    /// back to a node it passed (a loop, or a U-turn) keeps the earlier visit and holds
    /// there until it left the node the second time; then each leg is entered as late as
    /// the roads' room allows without delaying the next leg, so waiting moves upstream —
    /// home first. Arrivals never get later and no road gets more vehicles in a step.
    pub fn tidy(&mut self, p: &Problem) {
        for g in &mut self.groups {
            let source_node = p.sources[g.source as usize].node;
            remove_loops(p, source_node, &mut g.legs);
        }
        let mut loads = self.edge_loads();
        for g in &mut self.groups {
            wait_upstream(p, g, &mut loads);
        }
        self.merge_identical();
    }

    /// Merge groups that share source, destination and legs.
    pub fn merge_identical(&mut self) {
        use std::collections::HashMap;
        let mut index: HashMap<(u32, u32, Vec<Leg>), usize> = HashMap::new();
        let mut merged: Vec<Group> = Vec::with_capacity(self.groups.len());
        for g in self.groups.drain(..) {
            match index.get(&(g.source, g.destination, g.legs.clone())) {
                Some(&i) => merged[i].vehicles += g.vehicles,
                None => {
                    index.insert((g.source, g.destination, g.legs.clone()), merged.len());
                    merged.push(g);
                }
            }
        }
        self.groups = merged;
    }
}

/// Cut every loop out of a route: when a node comes back, the legs between the two visits
/// are dropped (the group holds at the node instead; the next leg keeps its step, which is
/// after the second arrival and so after the first).
fn remove_loops(p: &Problem, source_node: u32, legs: &mut Vec<Leg>) {
    let mut seen: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut kept: Vec<Leg> = Vec::with_capacity(legs.len());
    seen.insert(source_node, 0);
    for &leg in legs.iter() {
        kept.push(leg);
        let at = p.edge(leg.edge).to;
        if let Some(&k) = seen.get(&at) {
            // Back at a node reached after `k` legs: forget the legs of the loop.
            for l in kept.drain(k..) {
                seen.remove(&p.edge(l.edge).to);
            }
            seen.insert(at, k);
        } else {
            seen.insert(at, kept.len());
        }
    }
    *legs = kept;
}

/// Enter each leg of `g` as late as possible without delaying the next one (the last leg
/// keeps its step), within each road's room per step: the group waits upstream, at home
/// when it can.
fn wait_upstream(p: &Problem, g: &mut Group, loads: &mut std::collections::HashMap<(EdgeIx, u32), u32>) {
    let n = g.vehicles;
    for i in (0..g.legs.len().saturating_sub(1)).rev() {
        let leg = g.legs[i];
        let latest = g.legs[i + 1].enter_step - p.edge(leg.edge).travel_steps;
        if latest <= leg.enter_step {
            continue;
        }
        let cap = |t: u32| p.edge(leg.edge).capacity_at(t);
        let target = (leg.enter_step + 1..=latest)
            .rev()
            .find(|&t| loads.get(&(leg.edge, t)).copied().unwrap_or(0) + n <= cap(t));
        if let Some(t) = target {
            *loads.entry((leg.edge, leg.enter_step)).or_default() -= n;
            *loads.entry((leg.edge, t)).or_default() += n;
            g.legs[i].enter_step = t;
        }
    }
}
