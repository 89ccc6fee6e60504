//! Exposure: how long vehicles stay inside the mandatory zone (see docs/planning.md).
//!
//! A vehicle's exposure is the step at which it first reaches a node outside the zone
//! (waiting at home counts; 0 for one that starts outside). Only the legs up to that node
//! matter, and they use only roads that start inside the zone; once outside, a vehicle may
//! wait anywhere without adding exposure. So the *exit problem* — the roads starting
//! inside the zone, every node just outside it (that still leads to a destination) a sink
//! without limit — carries every plan's exposure, and is what both the exposure-first plan
//! and the exposure lower bound are computed on.

use crate::error::PlanError;
use crate::exact::{self, ExactError};
use crate::heuristic::{Heuristic, Start};
use crate::plan::{Group, Leg, Plan, Waiting};
use crate::problem::{Destination, EdgeIx, Problem, Source};
use crate::reserve::Reservations;

/// The exit problem of a [`Problem`] (see the module documentation).
#[derive(Debug, Clone)]
pub struct ExitProblem {
    pub problem: Problem,
    /// The position in the full problem of each of its edges.
    pub edges: Vec<EdgeIx>,
    /// The full problem's source of each of its sources.
    pub sources: Vec<u32>,
}

/// Build the exit problem: roads starting inside the zone, sinks just outside it, the
/// sources inside it.
pub fn exit_problem(p: &Problem) -> ExitProblem {
    let to_dest = p.steps_to_destinations();
    let mut edges = Vec::new();
    let mut map = Vec::new();
    let mut exit = vec![false; p.node_count];
    for (i, e) in p.edges.iter().enumerate() {
        if p.in_zone[e.from as usize] {
            edges.push(*e);
            map.push(EdgeIx(i as u32));
            if !p.in_zone[e.to as usize] && to_dest[e.to as usize] != u32::MAX {
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
        .filter(|(_, s)| s.vehicles > 0 && p.in_zone[s.node as usize])
        .map(|(i, s)| (s.clone(), i as u32))
        .unzip();
    let problem = Problem::from_edges(p.step_s, p.node_count, edges, sources, destinations, p.in_zone.clone());
    ExitProblem { problem, edges: map, sources: source_map }
}

/// The exposure-first plan: every vehicle inside the zone leaves it as early as the roads
/// allow (CCRP on the exit problem: the stream that can be out earliest goes first), then
/// drives on from where it left the zone to a destination with room (CCRP again, from each
/// exit at the step it was reached, over the room the first stage left). Waiting is put
/// outside the zone. The clearance may be far from the optimum: it is one candidate of
/// the balanced objective and the plan of the exposure objective.
pub fn exposure_first(p: &Problem, deadline: Option<std::time::Instant>) -> Result<Plan, PlanError> {
    let x = exit_problem(p);
    let mut res = Reservations::new(p);
    // Streams leaving from the same node at the same step go on as one start; each keeps
    // its members (source, legs so far, vehicles) to hand the vehicles back.
    type Member = (u32, Vec<Leg>, u32);
    let mut index: std::collections::HashMap<(u32, u32), usize> = Default::default();
    let mut starts: Vec<Start> = Vec::new();
    let mut members: Vec<Vec<Member>> = Vec::new();
    let mut join = |source: u32, node: u32, release: u32, prefix: Vec<Leg>, vehicles: u32| {
        let k = *index.entry((node, release)).or_insert_with(|| {
            starts.push(Start { source, node, release, vehicles: 0 });
            members.push(Vec::new());
            starts.len() - 1
        });
        starts[k].vehicles += vehicles;
        members[k].push((source, prefix, vehicles));
    };
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
        for g in first.run_starts(&mut xres, &xs, &[])?.groups {
            let legs: Vec<Leg> =
                g.legs.iter().map(|l| Leg { edge: x.edges[l.edge.index()], enter_step: l.enter_step }).collect();
            for l in &legs {
                res.reserve(p, l.edge.0, l.enter_step, g.vehicles);
            }
            let exit = xp.destinations[g.destination as usize].node;
            join(x.sources[g.source as usize], exit, g.arrival_step(xp), legs, g.vehicles);
        }
    }
    for (i, s) in p.sources.iter().enumerate() {
        if s.vehicles > 0 && !p.in_zone[s.node as usize] {
            join(i as u32, s.node, 0, Vec::new(), s.vehicles);
        }
    }
    let mut second = Heuristic::new(p);
    if let Some(d) = deadline {
        second = second.with_deadline(d);
    }
    let mut next = vec![0usize; starts.len()];
    let mut groups = Vec::new();
    for g in second.run_starts(&mut res, &starts, &[])?.groups {
        let k = g.source as usize;
        let mut need = g.vehicles;
        while need > 0 {
            let m = &mut members[k][next[k]];
            let take = need.min(m.2);
            let mut legs = m.1.clone();
            legs.extend(g.legs.iter().copied());
            groups.push(Group { source: m.0, destination: g.destination, vehicles: take, legs });
            m.2 -= take;
            need -= take;
            if m.2 == 0 {
                next[k] += 1;
            }
        }
    }
    let mut plan = Plan { groups };
    plan.tidy_with(p, Waiting::OutsideZone);
    plan.leave_early(p);
    Ok(plan)
}

/// No vehicle leaves the zone before its free-flow time to the nearest node outside it:
/// the sum of those times over the vehicles (vehicle-steps) bounds every plan's exposure.
pub fn free_flow_exposure_bound(p: &Problem) -> u64 {
    let outside: Vec<u32> = (0..p.node_count as u32).filter(|&v| !p.in_zone[v as usize]).collect();
    if outside.is_empty() {
        return 0;
    }
    let steps = p.multi_source_steps(&outside, false);
    p.sources
        .iter()
        .filter(|s| p.in_zone[s.node as usize] && steps[s.node as usize] != u32::MAX)
        .map(|s| u64::from(s.vehicles) * u64::from(steps[s.node as usize]))
        .sum()
}

/// The earliest-arrival bound: with V vehicles inside the zone and F(t) the maximum
/// dynamic flow of the exit problem by step t (the most vehicles any plan can have out of
/// the zone by t, computed exactly by the time-expanded max flow for each t), every plan's
/// exposure is at least Σ_t (V − F(t)) — the sum over vehicles of their exit steps is the
/// sum over steps of the vehicles still inside. `upper`: a step by which everyone can be
/// out (an exposure-first plan's last exit). F is computed exactly for every step when
/// `upper` ≤ 64, else at every k-th step (k = ceil(upper / 64)), the steps in between taking
/// the next computed value (an over-estimate of F: the bound stays valid). Returns the bound (vehicle-steps) and whether
/// the profile was completed before the deadline (if not, the bound is still valid,
/// only weaker).
pub fn flow_exposure_bound(
    p: &Problem,
    upper: u32,
    max_states: usize,
    deadline: Option<std::time::Instant>,
) -> Result<(u64, bool), ExactError> {
    let x = exit_problem(p);
    if x.problem.sources.is_empty() {
        return Ok((0, true));
    }
    let total = x.problem.total_vehicles();
    // Exact per step up to 64 steps; beyond, every k-th step (k = upper / 64), each step in
    // between bounded by the next computed one: at most about 64 max-flow rounds.
    let stride = upper.div_ceil(64).max(1);
    let (profile, complete) = exact::arrival_profile(&x.problem, upper, stride, max_states, deadline)?;
    Ok((profile.iter().map(|&out| total - out).sum(), complete))
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
        let sources = vec![Source { id: "a#1".into(), settlement: "a".into(), name: "a".into(), node: 0, vehicles }];
        let destinations = vec![Destination { id: "d".into(), name: "d".into(), node: 3, capacity_vehicles: None }];
        Problem::from_edges(60.0, 4, edges, sources, destinations, vec![true, true, false, false])
    }

    #[test]
    fn bounds_on_a_chain_are_the_exit_times() {
        // One vehicle per step through the chain: exits at steps 3, 4, 5 (12 in all).
        let p = chain(3);
        assert_eq!(free_flow_exposure_bound(&p), 9);
        let (bound, complete) = flow_exposure_bound(&p, 10, 1_000_000, None).unwrap();
        assert!(complete);
        assert_eq!(bound, 3 + 4 + 5);
        let plan = exposure_first(&p, None).unwrap();
        assert!(crate::verify::verify(&p, &plan).is_empty());
        assert_eq!(plan.exposure_vehicle_steps(&p), 12);
        assert_eq!(last_exit_step(&p, &plan), 5);
    }

    #[test]
    fn the_exit_problem_keeps_only_roads_starting_inside() {
        let p = chain(1);
        let x = exit_problem(&p);
        assert_eq!(x.edges, vec![EdgeIx(0), EdgeIx(1)]);
        assert_eq!(x.problem.destinations().len(), 1);
        assert_eq!(x.problem.destinations()[0].node, 2);
        assert_eq!(x.sources, vec![0]);
    }
}
