//! Exposure: how long vehicles stay inside the mandatory zone (see docs/planning.md).
//!
//! A vehicle's exposure is the step at which it leaves the zone for good (waiting at home
//! counts; 0 for one never inside): it reaches a node after which its route stays outside.
//! Such a node is *safe* ([`Problem::safe_nodes`]: outside, with a way on to a destination
//! that stays outside), so no vehicle is out for good before it first reaches a safe node;
//! once there, it may wait without adding exposure. So the *exit problem* — the roads
//! starting at nodes that are not safe, every safe node they reach a sink without limit,
//! the vehicles of every source not at a safe node — bounds every plan's exposure, and is
//! what both the exposure-first plan and the exposure lower bound are computed on. (A road
//! out of the zone into a pocket it must cross again to reach a reception centre is not an
//! exit: on Kupiansk 59 of the 61 roads out of the zone lead only back in.)

use crate::error::PlanError;
use crate::exact::{self, ExactError};
use crate::heuristic::{Heuristic, Start};
use crate::plan::{Group, Leg, Plan, Waiting};
use crate::problem::{Destination, EdgeIx, PlanEdge, Problem, Source};
use crate::reserve::Reservations;

/// The exit problem of a [`Problem`] (see the module documentation).
#[derive(Debug, Clone)]
pub struct ExitProblem {
    pub problem: Problem,
    /// The position in the full problem of each of its edges.
    pub edges: Vec<EdgeIx>,
    /// The full problem's source of each of its sources.
    pub sources: Vec<u32>,
    /// Per node of the full problem: a sink (a safe node, or a destination: a vehicle at
    /// a destination inside the zone is out of it when it arrives).
    pub sink: Vec<bool>,
}

/// Build the exit problem: roads starting at nodes that are not safe, the safe nodes they
/// reach as sinks, the sources not at safe nodes.
pub fn exit_problem(p: &Problem) -> ExitProblem {
    let mut sink = p.safe_nodes();
    for d in &p.destinations {
        sink[d.node as usize] = true;
    }
    let mut edges = Vec::new();
    let mut map = Vec::new();
    let mut exit = vec![false; p.node_count];
    for (i, e) in p.edges.iter().enumerate() {
        if !sink[e.from as usize] {
            edges.push(*e);
            map.push(EdgeIx(i as u32));
            if sink[e.to as usize] {
                exit[e.to as usize] = true;
            }
        }
    }
    let destinations: Vec<Destination> = (0..p.node_count as u32)
        .filter(|&v| exit[v as usize])
        .map(|v| Destination {
            id: format!("exit-{v}"),
            name: format!("zone exit {v}"),
            node: v,
            capacity_vehicles: None,
        })
        .collect();
    let (sources, source_map): (Vec<Source>, Vec<u32>) = p
        .sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.vehicles > 0 && !sink[s.node as usize])
        .map(|(i, s)| (s.clone(), i as u32))
        .unzip();
    let problem = Problem::from_edges(p.step_s, p.node_count, edges, sources, destinations, p.in_zone.clone());
    ExitProblem { problem, edges: map, sources: source_map, sink }
}

/// The exposure-first plan: every vehicle inside the zone leaves it as early as the roads
/// allow (CCRP on the exit problem: the stream that can be out earliest goes first), then
/// drives on from where it left the zone to a destination with room (CCRP again, from each
/// exit at the step it was reached, over the room the first stage left). Waiting is put
/// outside the zone. The clearance may be far from the optimum: it is one candidate of
/// the balanced objective and the plan of the exposure objective.
pub fn exposure_first(p: &Problem, deadline: Option<std::time::Instant>) -> Result<Plan, PlanError> {
    exposure_first_with(p, deadline, false)
}

/// Whether the sources' exposure weights differ (the scenario has rings that matter).
pub fn weights_differ(p: &Problem) -> bool {
    p.sources.windows(2).any(|w| w[0].exposure_weight != w[1].exposure_weight)
}

/// Priority bonus (steps) per source that puts every heavier weight class strictly before
/// every lighter one: the number of distinct lighter weights times a bonus no arrival step
/// reaches.
fn inner_first_bonus(sources: &[Source]) -> Vec<u32> {
    const CLASS: u32 = 1 << 20;
    let mut weights: Vec<f64> = sources.iter().map(|s| s.exposure_weight).collect();
    weights.sort_by(f64::total_cmp);
    weights.dedup();
    sources.iter().map(|s| weights.partition_point(|&w| w < s.exposure_weight) as u32 * CLASS).collect()
}

/// [`exposure_first`] with the heavier exposure weights (the inner rings) served first
/// out of the zone: each weight class goes as early as the roads allow given the classes
/// before it, as a staged evacuation clears the inner zone first. The earliest-out-first
/// order of [`exposure_first`] ignores weights; with rings, making the heavily weighted
/// wait behind lighter streams can cost more than it saves, so the objectives get both and
/// keep the one with less weighted exposure.
pub fn exposure_first_inner_first(p: &Problem, deadline: Option<std::time::Instant>) -> Result<Plan, PlanError> {
    exposure_first_with(p, deadline, true)
}

fn exposure_first_with(
    p: &Problem,
    deadline: Option<std::time::Instant>,
    inner_first: bool,
) -> Result<Plan, PlanError> {
    let x = exit_problem(p);
    let mut exits = Vec::new();
    if !x.problem.sources.is_empty() {
        let xp = &x.problem;
        let xs: Vec<Start> = xp
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| Start { source: i as u32, node: s.node, release: 0, vehicles: s.vehicles })
            .collect();
        let mut xres = Reservations::new(xp);
        let mut first = Heuristic::new(xp);
        if let Some(d) = deadline {
            first = first.with_deadline(d);
        }
        if inner_first {
            first = first.with_bonus(inner_first_bonus(&xp.sources));
        }
        exits = first.run_starts(&mut xres, &xs, &[])?.groups;
    }
    on_from_the_exits(p, &x, exits, Onward::AnyRoad, deadline)
}

/// Which roads the vehicles take on from the exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Onward {
    /// Any road (the fastest way may cross the zone again; exposure then counts it).
    AnyRoad,
    /// Only roads between safe nodes: out of the zone stays out.
    StayOutside,
}

/// A plan of the exit problem `x` (its `exits`: every vehicle not at a safe node to a safe
/// node) completed into a plan of `p`: from each exit, at the step it was reached, on to a
/// destination with room (CCRP over the room the exits left); the vehicles of sources at
/// safe nodes from home at step 0. Tidied with the waiting outside the zone.
fn on_from_the_exits(
    p: &Problem,
    x: &ExitProblem,
    exits: Vec<Group>,
    onward: Onward,
    deadline: Option<std::time::Instant>,
) -> Result<Plan, PlanError> {
    // Staying outside: the roads between safe nodes (and centres), none of which the exits
    // use (theirs start at nodes that are not safe), so their room is all there.
    let outside = (onward == Onward::StayOutside).then(|| {
        let (edges, map) = outside_roads(p, x);
        let problem = Problem::from_edges(
            p.step_s,
            p.node_count,
            edges,
            p.sources.clone(),
            p.destinations.clone(),
            p.in_zone.clone(),
        );
        (problem, map)
    });
    let onward_problem = outside.as_ref().map_or(p, |(op, _)| op);
    let mut res = Reservations::new(onward_problem);
    let mut starts = Starts::default();
    for g in &exits {
        let legs = starts.join_exit(x, g);
        if outside.is_none() {
            for l in &legs {
                res.reserve(p, l.edge.0, l.enter_step, g.vehicles);
            }
        }
    }
    starts.join_safe_sources(p, x);
    let mut second = Heuristic::new(onward_problem);
    if let Some(d) = deadline {
        second = second.with_deadline(d);
    }
    let mut groups = Vec::new();
    for g in second.run_starts(&mut res, &starts.starts, &[])?.groups {
        let onward_legs: Vec<Leg> = match &outside {
            Some((_, map)) => {
                g.legs.iter().map(|l| Leg { edge: map[l.edge.index()], enter_step: l.enter_step }).collect()
            }
            None => g.legs.clone(),
        };
        starts.hand_back(g.source as usize, g.destination, g.vehicles, &onward_legs, &mut groups);
    }
    let mut plan = Plan { groups };
    plan.tidy_with(p, Waiting::OutsideZone);
    plan.leave_early(p);
    Ok(plan)
}

/// The roads between safe nodes, and the position of each in `p`. (A centre inside the
/// zone is a sink of the exit problem but not safe: no road leads on from it or to it
/// here, so a vehicle that reached it stays, and none is sent back into the zone.)
fn outside_roads(p: &Problem, x: &ExitProblem) -> (Vec<PlanEdge>, Vec<EdgeIx>) {
    let safe = |v: u32| x.sink[v as usize] && !p.in_zone[v as usize];
    p.edges.iter().enumerate().filter(|(_, e)| safe(e.from) && safe(e.to)).map(|(i, e)| (*e, EdgeIx(i as u32))).unzip()
}

/// Vehicles gathered by where and when they go on from: one [`Start`] per (node, step),
/// each keeping its members (source, legs so far, vehicles) to hand the vehicles back.
#[derive(Default)]
struct Starts {
    index: std::collections::HashMap<(u32, u32), usize>,
    starts: Vec<Start>,
    members: Vec<Vec<(u32, Vec<Leg>, u32)>>,
    /// Per start, its first member with vehicles not handed back yet.
    next: Vec<usize>,
}

impl Starts {
    fn join(&mut self, source: u32, node: u32, release: u32, prefix: Vec<Leg>, vehicles: u32) {
        let k = *self.index.entry((node, release)).or_insert_with(|| {
            self.starts.push(Start { source, node, release, vehicles: 0 });
            self.members.push(Vec::new());
            self.next.push(0);
            self.starts.len() - 1
        });
        self.starts[k].vehicles += vehicles;
        self.members[k].push((source, prefix, vehicles));
    }

    /// A group of the exit problem: from its exit node at the step it got there. Returns
    /// its legs as legs of the full problem.
    fn join_exit(&mut self, x: &ExitProblem, g: &Group) -> Vec<Leg> {
        let xp = &x.problem;
        let legs: Vec<Leg> =
            g.legs.iter().map(|l| Leg { edge: x.edges[l.edge.index()], enter_step: l.enter_step }).collect();
        self.join(
            x.sources[g.source as usize],
            xp.destinations[g.destination as usize].node,
            g.arrival_step(xp),
            legs.clone(),
            g.vehicles,
        );
        legs
    }

    /// The sources already at safe nodes (or centres): from home at step 0.
    fn join_safe_sources(&mut self, p: &Problem, x: &ExitProblem) {
        for (i, s) in p.sources.iter().enumerate() {
            if s.vehicles > 0 && x.sink[s.node as usize] {
                self.join(i as u32, s.node, 0, Vec::new(), s.vehicles);
            }
        }
    }

    /// `vehicles` of start `k` went on by `onward` to `destination`: one group per member
    /// they came from, its legs so far then `onward`.
    fn hand_back(&mut self, k: usize, destination: u32, vehicles: u32, onward: &[Leg], groups: &mut Vec<Group>) {
        let mut need = vehicles;
        while need > 0 {
            let m = &mut self.members[k][self.next[k]];
            let take = need.min(m.2);
            let mut legs = m.1.clone();
            legs.extend(onward.iter().copied());
            groups.push(Group { source: m.0, destination, vehicles: take, legs });
            m.2 -= take;
            need -= take;
            if m.2 == 0 {
                self.next[k] += 1;
            }
        }
    }
}

/// The least-exposure plan of the exit problem and the exposure bound of its profile.
#[derive(Debug, Clone)]
pub struct LeastExposure {
    /// The earliest-arrival flow out of the zone, driven on to destinations over roads
    /// between safe nodes (`None` when the profile is partial).
    pub plan: Option<Plan>,
    /// The bound of [`weighted_profile_bound`] on its profile: where every step was computed
    /// and without exposure weights, the least exposure of any plan.
    pub bound: f64,
    /// Whether the profile reached a horizon by which everyone is out (else the deadline
    /// passed: the bound is partial, still valid, and there is no plan).
    pub complete: bool,
    /// Every how many steps a horizon was computed (1: every step, the exact least
    /// exposure without weights; more: a weaker bound).
    pub stride: u32,
}

/// Weight and vehicles of each source of the exit problem.
fn weights(x: &ExitProblem) -> Vec<(f64, u64)> {
    x.problem.sources.iter().map(|s| (s.exposure_weight, u64::from(s.vehicles))).collect()
}

/// The exit problem of `p` is small enough for [`least_exposure`] to compute every horizon
/// in one chain: at most this many node-steps (nodes short of safety × `upper`). Above it
/// that chain is the longest stage (the 2,400-node river case, where 4,683 of 4,689 nodes
/// are in the zone, 0.9 M: over 60 s, against 29 s for the two chains of every k-th horizon
/// of [`flow_exposure_bound`] on two cores), and the flow of those is taken instead.
pub const LEAST_EXPOSURE_NODE_STEPS: u64 = 500_000;

/// The earliest-arrival flow of the exit problem ([`exact::earliest_arrival`]: the most
/// vehicles at safe nodes by every step at once, so the least total of exit steps), driven
/// on from the exits over roads between safe nodes only, and the bound of its profile.
/// Up to [`LEAST_EXPOSURE_NODE_STEPS`] every horizon is computed, so without exposure
/// weights its exits are as early as any plan's can be: the plan's exposure is the bound,
/// the least possible, unless waiting moved. Above, every k-th horizon (k = upper / 64), as
/// for [`flow_exposure_bound`], whose bound it then gives: its exits are the earliest at
/// those horizons and within k steps of them in between. `upper`: a step by which everyone
/// can be out (an exposure-first plan's last exit). `Ok(None)` at the deadline.
pub fn least_exposure(
    p: &Problem,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<Option<LeastExposure>, PlanError> {
    let x = exit_problem(p);
    let short_of_safety = x.sink.iter().filter(|&&s| !s).count() as u64;
    let every_step = short_of_safety * u64::from(upper) <= LEAST_EXPOSURE_NODE_STEPS;
    let (exits, profile) = if x.problem.sources.is_empty() {
        // Everyone at a safe node already: nobody need be exposed.
        (Plan::default(), Vec::new())
    } else if every_step {
        match exact::earliest_arrival(&x.problem, upper, max_states, deadline) {
            Ok(Some(found)) => found,
            Ok(None) | Err(_) => return Ok(None),
        }
    } else {
        // Every k-th horizon, in two chains on two cores: the flow of the chain that
        // carried everyone first, the profile of both (the bound of flow_exposure_bound).
        let stride = upper.div_ceil(64).max(1);
        let (profile, complete, flow) =
            match exact::arrival_profile_and_flow(&x.problem, upper, stride, max_states, deadline) {
                Ok(found) => found,
                Err(_) => return Ok(None),
            };
        let bound = weighted_profile_bound(&profile, &weights(&x));
        match flow {
            Some(flow) if complete => (flow, profile),
            // Out of time: the bound stands (a partial profile still bounds), no plan.
            _ => return Ok(Some(LeastExposure { plan: None, bound, complete: false, stride })),
        }
    };
    let stride = if every_step { 1 } else { upper.div_ceil(64).max(1) };
    let bound = weighted_profile_bound(&profile, &weights(&x));
    // Going on may fail where the exits' bound does not (centres reachable outside the zone
    // full): the bound stands, without a plan.
    let Ok(mut plan) = on_from_the_exits(p, &x, exits.groups.clone(), Onward::StayOutside, deadline) else {
        return Ok(Some(LeastExposure { plan: None, bound, complete: true, stride }));
    };
    // The quickest way on from those exits, proven: an earlier clearance, often within the
    // balanced objective's slack where CCRP's was not, and never more exposure.
    if let Ok(Some(quicker)) = onward_exact(p, &x, &exits.groups, plan.clearance_steps(p), max_states, deadline)
        && quicker.clearance_steps(p) < plan.clearance_steps(p)
        && quicker.exposure_vehicle_steps(p) <= plan.exposure_vehicle_steps(p)
    {
        plan = quicker;
    }
    Ok(Some(LeastExposure { plan: Some(plan), bound, complete: true, stride }))
}

/// The exits of `exits` (a plan of the exit problem `x`) driven on to destinations with the
/// earliest clearance possible over roads between safe nodes: the exact solver on the
/// outside roads, each group of vehicles that reached an exit at step r entering through a
/// virtual node joined to the exit by an edge of r steps (so it cannot set off earlier),
/// the vehicles of sources at safe nodes from their homes. `upper`: a clearance known to be
/// feasible (CCRP's). `Ok(None)` when the exact solver does not finish (too large, or the
/// deadline).
fn onward_exact(
    p: &Problem,
    x: &ExitProblem,
    exits: &[Group],
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<Option<Plan>, PlanError> {
    let (mut edges, map) = outside_roads(p, x);
    let outside_edges = edges.len();
    let mut starts = Starts::default();
    for g in exits {
        starts.join_exit(x, g);
    }
    starts.join_safe_sources(p, x);
    let node_count = p.node_count + starts.starts.len();
    let mut sources = Vec::with_capacity(starts.starts.len());
    for (k, &Start { source, node, release, vehicles }) in starts.starts.iter().enumerate() {
        let virtual_node = (p.node_count + k) as u32;
        let first = &p.sources[source as usize];
        edges.push(PlanEdge {
            id: evac_network::EdgeId(u32::MAX),
            junction: None,
            free_flow_s: release as f32 * p.step_s as f32,
            from: virtual_node,
            to: node,
            travel_steps: release,
            // Everyone of the start may enter it in one step.
            capacity_per_step: f64::from(vehicles),
        });
        sources.push(Source { id: format!("{}@{k}", first.id), node: virtual_node, vehicles, ..first.clone() });
    }
    let mut in_zone = p.in_zone.clone();
    in_zone.resize(node_count, false);
    let op = Problem::from_edges(p.step_s, node_count, edges, sources, p.destinations.clone(), in_zone);
    let lower = starts.starts.iter().map(|s| s.release).max().unwrap_or(0);
    let exact = match exact::solve_until(&op, lower.min(upper), upper, max_states, deadline) {
        Ok(found) => found,
        Err(_) => return Ok(None),
    };
    let mut groups = Vec::new();
    for g in exact.plan.groups {
        // The virtual edge first (its step is when the start's vehicles were released, or
        // later: they waited at the exit), then outside roads.
        let onward: Vec<Leg> = g
            .legs
            .iter()
            .filter(|l| l.edge.index() < outside_edges)
            .map(|l| Leg { edge: map[l.edge.index()], enter_step: l.enter_step })
            .collect();
        starts.hand_back(g.source as usize, g.destination, g.vehicles, &onward, &mut groups);
    }
    let mut plan = Plan { groups };
    plan.tidy_with(p, Waiting::OutsideZone);
    plan.leave_early(p);
    Ok(Some(plan))
}

/// No vehicle is out of the zone for good before its free-flow time to the nearest sink of
/// the exit problem (a safe node or a destination): the sum of those times over the
/// vehicles, each times its source's exposure weight (vehicle-steps), bounds every plan's
/// exposure term by term.
pub fn free_flow_exposure_bound(p: &Problem) -> f64 {
    let x = exit_problem(p);
    let sinks: Vec<u32> = (0..p.node_count as u32).filter(|&v| x.sink[v as usize]).collect();
    if sinks.is_empty() {
        return 0.0;
    }
    let steps = p.multi_source_steps(&sinks, false);
    let sum = p
        .sources
        .iter()
        .filter(|s| !x.sink[s.node as usize] && steps[s.node as usize] != u32::MAX)
        .map(|s| f64::from(s.vehicles) * f64::from(steps[s.node as usize]) * s.exposure_weight)
        .sum();
    below_rounding(sum, p.sources.iter().map(|s| s.exposure_weight))
}

/// A bound summed in floating point, lowered by a relative 1e-9 unless every weight is a
/// whole number. With whole weights every term and sum is a whole number below 2^53, exact
/// in f64 (unweighted figures stay exactly what they were). Otherwise both the bound and a
/// plan's exposure carry rounding errors of up to about (terms × 2^-53) relative — under
/// 1e-9 for up to 10^7 terms — and a tight bound could come out a few ulps above the plan
/// it bounds; lowering it by more than those errors keeps `bound ≤ exposure` true in f64 too.
fn below_rounding(sum: f64, weights: impl IntoIterator<Item = f64>) -> f64 {
    if weights.into_iter().all(|w| w.fract() == 0.0) { sum } else { sum * (1.0 - 1e-9) }
}

/// The earliest-arrival bound: with V vehicles inside the zone and F(t) the maximum
/// dynamic flow of the exit problem by step t (the most vehicles any plan can have out of
/// the zone by t, computed exactly by the time-expanded max flow for each t), every plan's
/// unweighted exposure is at least Σ_t (V − F(t)) — the sum over vehicles of their exit
/// steps is the sum over steps of the vehicles still inside. With exposure weights it is
/// [`weighted_profile_bound`] (the same number when every weight is 1). `upper`: a step by
/// which everyone can be out (an exposure-first plan's last exit). F is computed exactly for
/// every step when `upper` ≤ 64, else at every k-th step (k = ceil(upper / 64)), the steps in
/// between taking the next computed value (an over-estimate of F: the bound stays valid).
/// Returns the bound (weighted vehicle-steps) and whether the profile was completed before
/// the deadline (if not, the bound is still valid, only weaker).
pub fn flow_exposure_bound(
    p: &Problem,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<(f64, bool), ExactError> {
    let x = exit_problem(p);
    if x.problem.sources.is_empty() {
        return Ok((0.0, true));
    }
    // Exact per step up to 64 steps; beyond, every k-th step (k = upper / 64), each step in
    // between bounded by the next computed one: at most about 64 max-flow rounds.
    let stride = upper.div_ceil(64).max(1);
    let (profile, complete) = exact::arrival_profile(&x.problem, upper, stride, max_states, deadline)?;
    let weights: Vec<(f64, u64)> =
        x.problem.sources.iter().map(|s| (s.exposure_weight, u64::from(s.vehicles))).collect();
    Ok((weighted_profile_bound(&profile, &weights), complete))
}

/// A lower bound on Σ_v w_v·x_v over every plan, x_v the step vehicle v leaves the zone and
/// w_v its weight, from a profile F (`profile[t]` ≥ the most vehicles any plan can have out
/// by step t) and the vehicles' weights (`(weight, vehicles)` per source).
///
/// Why it is valid. Take any plan and number its vehicles by exit step, x_(1) ≤ x_(2) ≤ ….
/// By step x_(k) at least k vehicles are out, so F(x_(k)) ≥ k; F is nondecreasing (made so
/// below without lowering any F(t) below the true maximum flow), hence x_(k) ≥ T_k, the
/// number of steps t of the profile with F(t) < k (T_k = min {t : F(t) ≥ k}, or the
/// profile's length when no computed step reaches k: a plan's exits past the profile are
/// counted only up to its end, which only lowers the bound). So Σ_v w_v·x_v ≥ Σ_k w_π(k)·T_k
/// for the plan's own pairing π of weights to ranks, and by the rearrangement inequality
/// (T nondecreasing) no pairing gives less than the heaviest weights on the earliest ranks:
/// Σ_k w_[k]·T_k with w_[1] ≥ w_[2] ≥ …. This is at least w_min·Σ_k T_k (the unweighted
/// bound times the smallest weight, also valid but weaker) and equals Σ_k T_k = Σ_t (V − F(t))
/// when every weight is 1 (each step t counts the V − F(t) ranks k with F(t) < k), so
/// unweighted figures are unchanged. It ignores which sources can reach the exits early
/// (F is over all of them), so it is weaker with weights than without, never invalid.
pub fn weighted_profile_bound(profile: &[u64], weights: &[(f64, u64)]) -> f64 {
    // The suffix minimum is nondecreasing and still ≥ the true maximum flow at every t (the
    // true one is nondecreasing): the identity on the profiles `arrival_profile` makes.
    let mut f = profile.to_vec();
    for t in (0..f.len().saturating_sub(1)).rev() {
        f[t] = f[t].min(f[t + 1]);
    }
    let mut by_weight = weights.to_vec();
    by_weight.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut k, mut t, mut sum) = (0u64, 0usize, 0.0f64);
    for (weight, vehicles) in by_weight {
        for _ in 0..vehicles {
            k += 1;
            while t < f.len() && f[t] < k {
                t += 1;
            }
            sum += weight * t as f64;
        }
    }
    below_rounding(sum, weights.iter().map(|w| w.0))
}

/// The latest exit from the zone in a plan (0 if nobody starts inside).
pub fn last_exit_step(p: &Problem, plan: &Plan) -> u32 {
    plan.groups.iter().map(|g| g.exposure_steps(p, p.sources[g.source as usize].node)).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::PlanEdge;

    fn edge(from: u32, to: u32, travel_steps: u32, capacity_per_step: f64) -> PlanEdge {
        PlanEdge::road(from, to, travel_steps, capacity_per_step)
    }

    /// 0 and 1 inside the zone; 0 → 1 → 2 (edge of the zone) → 3 (destination).
    fn chain(vehicles: u32) -> Problem {
        let edges = vec![edge(0, 1, 2, 1.0), edge(1, 2, 1, 1.0), edge(2, 3, 5, 1.0)];
        let sources = vec![Source::first_origin("a", 0, vehicles)];
        let destinations = vec![Destination { id: "d".into(), name: "d".into(), node: 3, capacity_vehicles: None }];
        Problem::from_edges(60.0, 4, edges, sources, destinations, vec![true, true, false, false])
    }

    #[test]
    fn bounds_on_a_chain_are_the_exit_times() {
        // One vehicle per step through the chain: exits at steps 3, 4, 5 (12 in all).
        let p = chain(3);
        assert_eq!(free_flow_exposure_bound(&p), 9.0);
        let (bound, complete) = flow_exposure_bound(&p, 10, 1_000_000, None).unwrap();
        assert!(complete);
        assert_eq!(bound, f64::from(3 + 4 + 5));
        let plan = exposure_first(&p, None).unwrap();
        assert!(crate::verify::verify(&p, &plan).is_empty());
        assert_eq!(plan.exposure_vehicle_steps(&p), 12.0);
        assert_eq!(last_exit_step(&p, &plan), 5);
    }

    #[test]
    fn weights_scale_the_exposure_and_the_bounds() {
        let mut p = chain(3);
        p.sources[0].exposure_weight = 2.5;
        assert_eq!(free_flow_exposure_bound(&p), 9.0 * 2.5 * (1.0 - 1e-9));
        let (bound, _) = flow_exposure_bound(&p, 10, 1_000_000, None).unwrap();
        assert_eq!(bound, 12.0 * 2.5 * (1.0 - 1e-9));
        let plan = exposure_first(&p, None).unwrap();
        assert_eq!(plan.exposure_vehicle_steps(&p), 12.0 * 2.5);
        assert!(bound <= plan.exposure_vehicle_steps(&p));
        p.sources[0].exposure_weight = 2.0;
        assert_eq!(free_flow_exposure_bound(&p), 18.0, "whole weights: exact");
        assert_eq!(flow_exposure_bound(&p, 10, 1_000_000, None).unwrap().0, 24.0);
    }

    #[test]
    fn inner_rings_first_serves_the_heavy_weights_before_the_light() {
        // Two streams, each one step from node 1, share the one-vehicle-a-step road 1 → 2
        // out of the zone. Earliest arrival first does not look at weights (the light one,
        // listed first, goes first on ties); inner-first lets the heavy one out first.
        let edges = vec![edge(0, 1, 1, 9.0), edge(3, 1, 2, 9.0), edge(1, 2, 1, 1.0), edge(2, 4, 1, 9.0)];
        let source = |id: &str, node: u32, w: f64| Source {
            id: id.into(),
            settlement: id.into(),
            name: id.into(),
            node,
            vehicles: 3,
            exposure_weight: w,
        };
        let destinations = vec![Destination { id: "d".into(), name: "d".into(), node: 4, capacity_vehicles: None }];
        let p = Problem::from_edges(
            60.0,
            5,
            edges,
            vec![source("light", 0, 1.0), source("heavy", 3, 10.0)],
            destinations,
            vec![true, true, false, true, false],
        );
        assert!(weights_differ(&p));
        assert_eq!(inner_first_bonus(p.sources()), vec![0, 1 << 20]);
        let plain = exposure_first(&p, None).unwrap();
        let inner = exposure_first_inner_first(&p, None).unwrap();
        assert!(crate::verify::verify(&p, &inner).is_empty());
        let exit_of = |plan: &Plan, s: u32| {
            plan.groups.iter().filter(|g| g.source == s).map(|g| g.exposure_steps(&p, p.sources[s as usize].node)).max()
        };
        assert!(exit_of(&inner, 1) < exit_of(&inner, 0), "the heavy stream is out first");
        assert!(inner.exposure_vehicle_steps(&p) < plain.exposure_vehicle_steps(&p));
    }

    #[test]
    fn the_profile_bound_puts_the_heaviest_on_the_earliest_exits() {
        // Out by step: 0, 1, 2, 2, 3 → the k-th vehicle out no earlier than step 1, 2, 4, 4.
        let profile = [0, 1, 2, 2, 4];
        assert_eq!(weighted_profile_bound(&profile, &[(1.0, 4)]), f64::from(1 + 2 + 4 + 4));
        assert_eq!(weighted_profile_bound(&profile, &[(1.0, 4)]), profile.iter().map(|&f| (4 - f) as f64).sum::<f64>());
        // Heaviest first: 3·1 + 3·2 + 1·4 + 1·4, whatever order the sources come in.
        assert_eq!(weighted_profile_bound(&profile, &[(1.0, 2), (3.0, 2)]), 3.0 + 6.0 + 4.0 + 4.0);
        assert_eq!(weighted_profile_bound(&profile, &[(3.0, 2), (1.0, 2)]), 17.0);
        // A profile that stops short (deadline): the last ranks count up to its end only.
        assert_eq!(weighted_profile_bound(&[0, 1], &[(2.0, 3)]), 2.0 * (1.0 + 2.0 + 2.0));
        // A dip is read as the smaller later value (still an over-estimate of the flow).
        assert_eq!(
            weighted_profile_bound(&[0, 2, 1, 3], &[(1.0, 3)]),
            weighted_profile_bound(&[0, 1, 1, 3], &[(1.0, 3)])
        );
    }

    #[test]
    fn the_exit_problem_keeps_only_roads_starting_short_of_safety() {
        let p = chain(1);
        let x = exit_problem(&p);
        assert_eq!(x.edges, vec![EdgeIx(0), EdgeIx(1)]);
        assert_eq!(x.problem.destinations().len(), 1);
        assert_eq!(x.problem.destinations()[0].node, 2);
        assert_eq!(x.sources, vec![0]);
    }

    /// 0 and 2 inside the zone; 1 a pocket outside it (a village between the zone and the
    /// border) that leads only back in: 0 → 1 → 2 → 3, 3 outside and the destination.
    fn pocket() -> Problem {
        let edges = vec![edge(0, 1, 1, 9.0), edge(1, 2, 1, 9.0), edge(2, 3, 4, 9.0)];
        let sources = vec![Source::first_origin("a", 0, 2)];
        let destinations = vec![Destination { id: "d".into(), name: "d".into(), node: 3, capacity_vehicles: None }];
        Problem::from_edges(60.0, 4, edges, sources, destinations, vec![true, false, true, false])
    }

    #[test]
    fn a_pocket_that_leads_back_into_the_zone_is_no_way_out() {
        let p = pocket();
        assert_eq!(p.safe_nodes(), vec![false, false, false, true]);
        let x = exit_problem(&p);
        assert_eq!(x.problem.destinations().len(), 1, "only the safe node is a sink");
        assert_eq!(x.problem.destinations()[0].node, 3);
        // Out for good at step 6 (1 + 1 + 4), not at step 1 on reaching the pocket.
        assert_eq!(free_flow_exposure_bound(&p), 12.0);
        assert_eq!(flow_exposure_bound(&p, 10, 1_000_000, None).unwrap().0, 12.0);
        let plan = exposure_first(&p, None).unwrap();
        assert!(crate::verify::verify(&p, &plan).is_empty());
        assert_eq!(plan.exposure_vehicle_steps(&p), 12.0);
        assert_eq!(last_exit_step(&p, &plan), 6);
    }

    #[test]
    fn a_vehicle_is_exposed_until_it_leaves_the_zone_for_good() {
        let p = pocket();
        let leg = |edge: u32, enter_step: u32| Leg { edge: EdgeIx(edge), enter_step };
        let route = |source_in_zone: bool, legs: Vec<Leg>| {
            let mut p = p.clone();
            p.in_zone[0] = source_in_zone;
            Group { source: 0, destination: 0, vehicles: 3, legs }.exposure_steps(&p, 0)
        };
        // Out at step 1, back in at step 3, out for good at step 8.
        assert_eq!(route(true, vec![leg(0, 0), leg(1, 2), leg(2, 4)]), 8);
        // Starting outside, it is exposed from the order until it is out again: waiting at
        // home outside does not count as being out for good when the route crosses the zone.
        assert_eq!(route(false, vec![leg(0, 0), leg(1, 2), leg(2, 4)]), 8);
        // Never inside: nothing; a group that does not move: nothing.
        let mut outside = p.clone();
        outside.in_zone = vec![false; 4];
        let g = Group { source: 0, destination: 0, vehicles: 3, legs: vec![leg(0, 0), leg(1, 1), leg(2, 2)] };
        assert_eq!(g.exposure_steps(&outside, 0), 0);
        assert_eq!(route(true, Vec::new()), 0);
        // Ending inside (a destination in the zone): until it arrives.
        assert_eq!(route(true, vec![leg(0, 0), leg(1, 2)]), 3);
    }

    /// A centre inside the zone is a sink of the exit problem (arriving there ends the
    /// exposure) but no way on: from a safe node the least-exposure plan never drives back
    /// into the zone to reach it, however near it is.
    #[test]
    fn the_least_exposure_plan_does_not_go_on_into_the_zone() {
        // 0 inside (a, 2 vehicles) → 1 outside (b, 2 vehicles) → 2 outside, a centre 5
        // steps on; 1 → 3, a centre inside the zone one step on.
        let edges = vec![edge(0, 1, 1, 9.0), edge(1, 2, 5, 9.0), edge(1, 3, 1, 9.0)];
        let sources = vec![Source::first_origin("a", 0, 2), Source::first_origin("b", 1, 2)];
        let centre =
            |id: &str, node: u32| Destination { id: id.into(), name: id.into(), node, capacity_vehicles: None };
        let destinations = vec![centre("out", 2), centre("in", 3)];
        let p = Problem::from_edges(60.0, 4, edges, sources, destinations, vec![true, false, false, true]);
        let least = least_exposure(&p, 10, 1_000_000, None).unwrap().expect("no deadline");
        assert_eq!((least.bound, least.complete, least.stride), (2.0, true, 1));
        let plan = least.plan.expect("a plan");
        assert!(crate::verify::verify(&p, &plan).is_empty());
        assert_eq!(plan.exposure_vehicle_steps(&p), 2.0, "out at step 1 and staying out");
        assert!(plan.groups.iter().all(|g| g.destination == 0), "{:?}", plan.groups);
    }
}
