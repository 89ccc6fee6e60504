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

    /// The position of the leg that takes the group out of the mandatory zone for good (the
    /// leg after its last arrival inside the zone; the last leg if it ends inside), `None`
    /// if it is never inside (or does not move).
    pub fn exit_leg(&self, p: &Problem, source_node: u32) -> Option<usize> {
        if self.legs.is_empty() {
            return None;
        }
        let last_inside = self.legs.iter().rposition(|l| p.in_zone[p.edge(l.edge).to as usize]);
        match last_inside {
            Some(k) => Some((k + 1).min(self.legs.len() - 1)),
            None if p.in_zone[source_node as usize] => Some(0),
            None => None,
        }
    }

    /// The group's exposure: its vehicles × its steps in the zone × its source's weight.
    pub fn weighted_exposure(&self, p: &Problem) -> f64 {
        let s = &p.sources[self.source as usize];
        f64::from(self.vehicles) * f64::from(self.exposure_steps(p, s.node)) * s.exposure_weight
    }

    /// Steps until the group is out of the mandatory zone for good: the step it reaches the
    /// node after its last one inside (from the order, waiting at home included), or its
    /// arrival if it ends inside; 0 if it is never inside. A route that leaves the zone and
    /// comes back is counted until it leaves the last time: a moment outside between two
    /// stretches under fire does not end the exposure.
    pub fn exposure_steps(&self, p: &Problem, source_node: u32) -> u32 {
        match self.exit_leg(p, source_node) {
            Some(k) => self.legs[k].enter_step + p.edge(self.legs[k].edge).travel_steps,
            None => 0,
        }
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

    /// Vehicle-steps spent inside the mandatory zone, each vehicle's weighted by its
    /// source's `exposure_weight` (the ring of its settlement; 1 without rings, when this is
    /// a whole number: sums of whole numbers below 2^53 are exact in f64, so unweighted
    /// figures are what they were as integers).
    pub fn exposure_vehicle_steps(&self, p: &Problem) -> f64 {
        self.groups.iter().map(|g| g.weighted_exposure(p)).sum()
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

    /// [`Plan::edge_loads`] with a cheaper hash, for the tidying passes that look loads
    /// up step by step (SipHash was a tenth of a plan's time there). Only looked up,
    /// never iterated: the order of the map does not matter.
    fn loads(&self) -> Loads {
        let mut loads = Loads::default();
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
        self.tidy_with(p, Waiting::Home);
    }

    /// [`Plan::tidy`] with a choice of where to wait: [`Waiting::OutsideZone`] never moves
    /// the leg that leaves the mandatory zone (or any before it) later, so no exposure is
    /// added; waiting moves upstream only as far as the first node outside the zone.
    pub fn tidy_with(&mut self, p: &Problem, waiting: Waiting) {
        for g in &mut self.groups {
            let source_node = p.sources[g.source as usize].node;
            remove_loops(p, source_node, &mut g.legs);
        }
        let mut loads = self.loads();
        for g in &mut self.groups {
            let first_movable = match waiting {
                Waiting::Home => 0,
                Waiting::OutsideZone => g.exit_leg(p, p.sources[g.source as usize].node).map_or(0, |k| k + 1),
            };
            wait_upstream(p, g, &mut loads, first_movable);
        }
        self.merge_identical();
    }

    /// Leave the zone as early as the roads' room allows: for every group starting inside
    /// the mandatory zone, the legs up to the one that leaves it are entered as early as
    /// possible (never later than now), the group waiting outside the zone instead of at
    /// home. Arrivals at destinations never change and no road gets more vehicles in a
    /// step; the exposure never grows. Groups with the most exposure go first; repeated
    /// while it gains (room freed by one group may serve another).
    pub fn leave_early(&mut self, p: &Problem) {
        let mut loads = self.loads();
        for _round in 0..4 {
            let mut order: Vec<usize> = (0..self.groups.len()).collect();
            // The most (weighted) exposure first: the most endangered get the room.
            let groups = &self.groups;
            order.sort_by(|&a, &b| {
                groups[b].weighted_exposure(p).total_cmp(&groups[a].weighted_exposure(p)).then(a.cmp(&b))
            });
            let mut moved = false;
            for i in order {
                moved |= leave_group_early(p, &mut self.groups[i], &mut loads);
            }
            if !moved {
                break;
            }
        }
        self.merge_identical();
    }

    /// Per settlement, the distinct routes its vehicles take (see [`Problem::route_key`]).
    pub fn routes_per_settlement(&self, p: &Problem) -> std::collections::BTreeMap<String, usize> {
        use std::collections::{BTreeMap, HashSet};
        let mut routes: BTreeMap<String, HashSet<(u32, Vec<EdgeIx>)>> = BTreeMap::new();
        for s in &p.sources {
            routes.entry(s.settlement.clone()).or_default();
        }
        // A group already at its destination (no legs) takes no route.
        for g in self.groups.iter().filter(|g| !g.legs.is_empty()) {
            let settlement = &p.sources[g.source as usize].settlement;
            routes.entry(settlement.clone()).or_default().insert(p.route_key(g));
        }
        routes.into_iter().map(|(k, v)| (k, v.len())).collect()
    }

    /// The most routes any settlement takes.
    pub fn max_routes(&self, p: &Problem) -> usize {
        self.routes_per_settlement(p).values().copied().max().unwrap_or(0)
    }

    /// Exposure per settlement, vehicle-steps weighted as [`Plan::exposure_vehicle_steps`].
    pub fn exposure_per_settlement(&self, p: &Problem) -> std::collections::BTreeMap<String, f64> {
        let mut out: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
        for s in &p.sources {
            out.entry(s.settlement.clone()).or_default();
        }
        for g in &self.groups {
            *out.entry(p.sources[g.source as usize].settlement.clone()).or_default() += g.weighted_exposure(p);
        }
        out
    }

    /// Merge groups that share source, destination and legs.
    pub fn merge_identical(&mut self) {
        use std::collections::hash_map::Entry;
        let mut index: std::collections::HashMap<(u32, u32, Vec<Leg>), usize, FastHash> = Default::default();
        let mut merged: Vec<Group> = Vec::with_capacity(self.groups.len());
        for g in self.groups.drain(..) {
            match index.entry((g.source, g.destination, g.legs.clone())) {
                Entry::Occupied(i) => merged[*i.get()].vehicles += g.vehicles,
                Entry::Vacant(slot) => {
                    slot.insert(merged.len());
                    merged.push(g);
                }
            }
        }
        self.groups = merged;
    }
}

/// Vehicles entering each edge at each step, as [`Plan::edge_loads`], with [`FastHash`].
type Loads = std::collections::HashMap<(EdgeIx, u32), u32, FastHash>;

/// A multiply-rotate hash (as rustc's FxHash) for maps that are only looked up: much
/// cheaper than SipHash on small integer keys. Deterministic; not DoS-resistant, which
/// does not matter for keys the planner makes itself.
#[derive(Default, Clone, Copy)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(0)
    }
}

struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Where a tidied plan's vehicles wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// At home first (the clearance objective: the same arrivals, people at home longer).
    Home,
    /// Outside the mandatory zone first: the legs up to the zone's edge are not delayed.
    OutsideZone,
}

/// Enter the legs of `g` up to its zone exit as early as the roads' room allows; true if
/// any leg moved.
fn leave_group_early(p: &Problem, g: &mut Group, loads: &mut Loads) -> bool {
    let Some(exit) = g.exit_leg(p, p.sources[g.source as usize].node) else { return false };
    let n = g.vehicles;
    let mut ready = 0;
    let mut moved = false;
    for i in 0..=exit {
        let leg = g.legs[i];
        let edge = p.edge(leg.edge);
        if ready < leg.enter_step {
            let target = (ready..leg.enter_step)
                .find(|&t| loads.get(&(leg.edge, t)).copied().unwrap_or(0) + n <= edge.capacity_at(t));
            if let Some(t) = target {
                *loads.entry((leg.edge, leg.enter_step)).or_default() -= n;
                *loads.entry((leg.edge, t)).or_default() += n;
                g.legs[i].enter_step = t;
                moved = true;
            }
        }
        ready = g.legs[i].enter_step + edge.travel_steps;
    }
    moved
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
fn wait_upstream(p: &Problem, g: &mut Group, loads: &mut Loads, first_movable: usize) {
    let n = g.vehicles;
    for i in (first_movable..g.legs.len().saturating_sub(1)).rev() {
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
