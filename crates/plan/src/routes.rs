//! Convoy-ready plans: at most N routes per settlement.
//!
//! A settlement's route is its destination and the roads its vehicles take after leaving
//! the settlement's area for the last time ([`Problem::route_key`]): the streets from each
//! home to the way out are not routes of their own. [`limit_routes`] keeps, for every
//! settlement, the N routes of a plan that carry the most vehicles and plans again with
//! each origin restricted to those (the free-flow fastest way from the origin to where the
//! route starts, then the route), vehicles leaving in waves as the roads' room allows.

use crate::error::PlanError;
use crate::heuristic::{Heuristic, Start};
use crate::plan::{Plan, Waiting};
use crate::problem::{EdgeIx, Problem};
use crate::reserve::Reservations;
use crate::run::Objective;
use crate::timing::OrdF64;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

/// A route-limited plan and how well the limit could be kept.
#[derive(Debug, Clone)]
pub struct Limited {
    pub plan: Plan,
    /// Sources that could reach none of their settlement's kept routes, or found all of
    /// them led to full destinations, and were planned freely (their settlement may then
    /// exceed the limit).
    pub unconstrained_sources: Vec<String>,
}

/// Rounds of the route-limited heuristic with priority bonuses (see
/// [`limit_routes_as_planned`]).
const LIMIT_ROUNDS: usize = 6;

/// Free-flow fastest paths from `from`: the parent edge of each node (u32::MAX: none).
fn fastest_tree(p: &Problem, from: u32) -> Vec<u32> {
    let mut dist = vec![u32::MAX; p.node_count];
    let mut parent = vec![u32::MAX; p.node_count];
    let mut heap = BinaryHeap::new();
    dist[from as usize] = 0;
    heap.push(Reverse((0u32, from)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > dist[v as usize] {
            continue;
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
    parent
}

fn path_to(p: &Problem, parent: &[u32], from: u32, to: u32) -> Option<Vec<u32>> {
    let mut edges = Vec::new();
    let mut at = to;
    while at != from {
        let e = parent[at as usize];
        if e == u32::MAX {
            return None;
        }
        edges.push(e);
        at = p.edges[e as usize].from;
    }
    edges.reverse();
    Some(edges)
}

/// The fastest path (edge positions) from `from` to `to` over no node of `banned`, if any.
fn fastest_path_avoiding(p: &Problem, from: u32, to: u32, banned: &std::collections::HashSet<u32>) -> Option<Vec<u32>> {
    if banned.contains(&from) {
        return None;
    }
    let mut dist: HashMap<u32, u32> = HashMap::new();
    let mut parent: HashMap<u32, u32> = HashMap::new();
    let mut heap = BinaryHeap::new();
    dist.insert(from, 0);
    heap.push(Reverse((0u32, from)));
    while let Some(Reverse((d, v))) = heap.pop() {
        if v == to {
            let mut edges = Vec::new();
            let mut at = to;
            while at != from {
                let e = parent[&at];
                edges.push(e);
                at = p.edges[e as usize].from;
            }
            edges.reverse();
            return Some(edges);
        }
        if d > dist[&v] {
            continue;
        }
        for &e in p.out(v) {
            let edge = &p.edges[e as usize];
            if banned.contains(&edge.to) {
                continue;
            }
            let nd = d + edge.travel_steps;
            if dist.get(&edge.to).is_none_or(|&old| nd < old) {
                dist.insert(edge.to, nd);
                parent.insert(edge.to, e);
                heap.push(Reverse((nd, edge.to)));
            }
        }
    }
    None
}

/// Whether a route from `start` over `edges` passes no node twice.
fn is_simple(p: &Problem, start: u32, edges: &[u32]) -> bool {
    let mut seen = std::collections::HashSet::new();
    seen.insert(start);
    edges.iter().all(|&e| seen.insert(p.edges[e as usize].to))
}

/// The paths from `from` onto each of `routes` ((destination node, edges) as
/// [`Problem::route_key`] gives them): the free-flow fastest way to where the route starts,
/// then the route; routes it cannot reach without passing a node twice are left out.
/// `trees` caches the fastest-path trees by start node.
pub(crate) fn candidate_paths(
    p: &Problem,
    from: u32,
    routes: &[(u32, Vec<EdgeIx>)],
    trees: &mut HashMap<u32, Vec<u32>>,
) -> Vec<Vec<u32>> {
    let parent = trees.entry(from).or_insert_with(|| fastest_tree(p, from));
    candidate_paths_on(p, from, routes, parent)
}

/// [`candidate_paths`] with `from`'s fastest-path tree (`parent`) at hand.
fn candidate_paths_on(p: &Problem, from: u32, routes: &[RouteKey], parent: &[u32]) -> Vec<Vec<u32>> {
    distinct(routes.iter().filter_map(|route| path_onto(p, from, route, parent)))
}

/// The paths in their order, each once (two routes may give an origin the same path).
fn distinct(paths: impl Iterator<Item = Vec<u32>>) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    for path in paths {
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// The path from `from` onto `route`: the free-flow fastest way to where it starts, then
/// the route; `None` where that passes a node twice.
fn path_onto(p: &Problem, from: u32, (dest_node, trunk): &RouteKey, parent: &[u32]) -> Option<Vec<u32>> {
    let anchor = trunk.first().map_or(*dest_node, |e| p.edge(*e).from);
    let mut path = path_to(p, parent, from, anchor)?;
    path.extend(trunk.iter().map(|e| e.0));
    if !is_simple(p, from, &path) {
        // The fastest way to the route's start runs over the route itself (an origin
        // beside it, past where it leaves the settlement): the fastest way that keeps
        // off the route's nodes instead, so the origin still joins the route.
        let banned: std::collections::HashSet<u32> = trunk.iter().map(|e| p.edge(*e).to).collect();
        let mut detour = fastest_path_avoiding(p, from, anchor, &banned)?;
        detour.extend(trunk.iter().map(|e| e.0));
        path = detour;
    }
    let end = path.last().map_or(from, |&e| p.edges[e as usize].to);
    (end == *dest_node && !path.is_empty() && is_simple(p, from, &path)).then_some(path)
}

/// Plan with at most `max_routes` routes per settlement chosen as CCRP goes
/// ([`Heuristic::with_route_limit`]); up to six rounds, the settlements that finish last
/// getting a priority bonus each round (as the heuristic's improvement phase); the round
/// with the fewest origins escaping the limit, then the earliest clearance, is kept.
pub fn limit_routes_as_planned(
    p: &Problem,
    max_routes: u32,
    waiting: Waiting,
    deadline: Option<std::time::Instant>,
) -> Result<Limited, PlanError> {
    let starts: Vec<Start> = p
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| Start { source: i as u32, node: s.node, release: 0, vehicles: s.vehicles })
        .collect();
    // As the heuristic's improvement phase: the settlements whose last vehicles arrive
    // last get a priority bonus and the plan is made again; the best of a few rounds.
    let settlements = crate::bound::settlement_groups(p);
    let mut bonus = vec![0u32; p.sources.len()];
    let mut best: Option<((usize, u32), crate::heuristic::Streams)> = None;
    for round in 0..LIMIT_ROUNDS {
        if round > 0 && deadline.is_some_and(|d| std::time::Instant::now() > d) {
            break;
        }
        let mut h = Heuristic::new(p).with_route_limit(max_routes as usize).with_bonus(bonus.clone());
        if let Some(d) = deadline {
            h = h.with_deadline(d);
        }
        let mut res = Reservations::new(p);
        let run = match h.run_starts(&mut res, &starts, &[]) {
            Ok(run) => run,
            Err(e) if round == 0 => return Err(e),
            Err(_) => break,
        };
        let mut last = vec![0u32; p.sources.len()];
        for g in &run.groups {
            last[g.source as usize] = last[g.source as usize].max(g.arrival_step(p));
        }
        let clearance = last.iter().copied().max().unwrap_or(0);
        let step = (clearance / 20).max(1);
        for group in &settlements {
            if group.iter().map(|&i| last[i]).max().unwrap_or(0) + step >= clearance {
                for &i in group {
                    bonus[i] += step;
                }
            }
        }
        // Keeping the limit first (fewest origins that escaped it), then the clearance.
        let score = (run.escaped.len(), clearance);
        if best.as_ref().is_none_or(|(c, _)| score < *c) {
            best = Some((score, run));
        }
    }
    let Some((_, run)) = best else { return Err(PlanError::Internal("no route-limited round ran".into())) };
    let unconstrained = run.escaped.iter().map(|&i| p.sources[i as usize].id.clone()).collect();
    let mut plan = Plan { groups: run.groups };
    plan.tidy_with(p, waiting);
    if waiting == Waiting::OutsideZone {
        plan.leave_early(p);
    }
    Ok(Limited { plan, unconstrained_sources: unconstrained })
}

/// A route as [`Problem::route_key`] gives it: (destination node, edges).
type RouteKey = (u32, Vec<EdgeIx>);

/// Per settlement of `plan`: how many routes its vehicles take, and the `max_routes` of
/// them that carry the most vehicles (ties by route, so the choice is deterministic).
fn busiest_routes<'p>(p: &'p Problem, plan: &Plan, max_routes: u32) -> BTreeMap<&'p str, (usize, Vec<RouteKey>)> {
    let mut use_: HashMap<&str, HashMap<RouteKey, u64>> = HashMap::new();
    for g in plan.groups.iter().filter(|g| !g.legs.is_empty()) {
        let settlement = p.sources[g.source as usize].settlement.as_str();
        *use_.entry(settlement).or_default().entry(p.route_key(g)).or_default() += u64::from(g.vehicles);
    }
    use_.into_iter()
        .map(|(s, routes)| {
            let taken = routes.len();
            let mut list: Vec<(RouteKey, u64)> = routes.into_iter().collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            (s, (taken, list.into_iter().take(max_routes as usize).map(|(k, _)| k).collect()))
        })
        .collect()
}

/// Plan again with at most `max_routes` routes per settlement: each settlement keeps the
/// routes of `plan` that carry the most vehicles. Waiting goes where `waiting` says, and
/// for [`Waiting::OutsideZone`] the plan then leaves the zone as early as room allows.
pub fn limit_routes(p: &Problem, plan: &Plan, max_routes: u32, waiting: Waiting) -> Result<Limited, PlanError> {
    let kept: BTreeMap<&str, Vec<RouteKey>> =
        busiest_routes(p, plan, max_routes).into_iter().map(|(s, (_, routes))| (s, routes)).collect();
    plan_on_routes(p, &kept, waiting, &mut HashMap::new())
}

/// Plan with each origin restricted to its settlement's routes in `kept` (settlements not
/// in it route freely). `trees` caches the fastest-path trees by start node.
fn plan_on_routes(
    p: &Problem,
    kept: &BTreeMap<&str, Vec<RouteKey>>,
    waiting: Waiting,
    trees: &mut HashMap<u32, Vec<u32>>,
) -> Result<Limited, PlanError> {
    fill_trees(p, kept, trees);
    let paths = |from: u32, routes: &[RouteKey]| candidate_paths_on(p, from, routes, &trees[&from]);
    Ok(ccrp_on_routes(p, kept, &paths)?.finish(p, waiting))
}

/// The fastest-path trees of every origin of the settlements in `kept`, in `trees`.
fn fill_trees(p: &Problem, kept: &BTreeMap<&str, Vec<RouteKey>>, trees: &mut HashMap<u32, Vec<u32>>) {
    use rayon::prelude::*;
    let mut missing: Vec<u32> = p
        .sources
        .iter()
        .filter(|s| kept.contains_key(s.settlement.as_str()) && !trees.contains_key(&s.node))
        .map(|s| s.node)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    let built: Vec<(u32, Vec<u32>)> = missing.into_par_iter().map(|v| (v, fastest_tree(p, v))).collect();
    trees.extend(built);
}

/// A route-limited plan as CCRP made it, before the waiting is placed: its clearance is
/// already final ([`Plan::tidy_with`] and [`Plan::leave_early`] never change an arrival),
/// so a candidate that cannot win on it is dropped before the two passes that take two
/// thirds of the time.
struct RawLimited {
    plan: Plan,
    unconstrained_sources: Vec<String>,
}

impl RawLimited {
    fn finish(self, p: &Problem, waiting: Waiting) -> Limited {
        let mut plan = self.plan;
        plan.tidy_with(p, waiting);
        if waiting == Waiting::OutsideZone {
            plan.leave_early(p);
        }
        Limited { plan, unconstrained_sources: self.unconstrained_sources }
    }
}

/// CCRP with each origin restricted to its settlement's routes in `kept`; `paths` gives
/// an origin's paths onto a list of routes ([`candidate_paths_on`]).
fn ccrp_on_routes<F: Fn(u32, &[RouteKey]) -> Vec<Vec<u32>>>(
    p: &Problem,
    kept: &BTreeMap<&str, Vec<RouteKey>>,
    paths: &F,
) -> Result<RawLimited, PlanError> {
    let mut candidates: Vec<Vec<Vec<u32>>> = vec![Vec::new(); p.sources.len()];
    let mut unconstrained = Vec::new();
    for (i, s) in p.sources.iter().enumerate() {
        // Vehicles starting at a destination need no route.
        if s.vehicles == 0 || p.destinations.iter().any(|d| d.node == s.node) {
            continue;
        }
        let Some(routes) = kept.get(s.settlement.as_str()) else { continue };
        candidates[i] = paths(s.node, routes);
        if candidates[i].is_empty() {
            unconstrained.push(s.id.clone());
        }
    }
    let starts: Vec<Start> = p
        .sources
        .iter()
        .enumerate()
        .map(|(i, s)| Start { source: i as u32, node: s.node, release: 0, vehicles: s.vehicles })
        .collect();
    let mut res = Reservations::new(p);
    let run = Heuristic::new(p).run_starts(&mut res, &starts, &candidates)?;
    for &i in &run.escaped {
        let id = &p.sources[i as usize].id;
        if !unconstrained.contains(id) {
            unconstrained.push(id.clone());
        }
    }
    Ok(RawLimited { plan: Plan { groups: run.groups }, unconstrained_sources: unconstrained })
}

/// Keep `plan` where it already keeps the limit and re-plan only the rest: every group of
/// a settlement within `max_routes` routes, and every group of a settlement over it that
/// takes one of its `max_routes` busiest routes, stays as it is (roads and destination
/// room reserved); the other vehicles of those settlements are planned again over what is
/// left, each origin restricted to the kept routes (free search only where none works,
/// and then named). Why: re-planning everything with the heuristic ([`limit_routes`])
/// inherits the heuristic's distance from the optimum — on the Kharkiv oblast with the
/// line moved 3 km, 12% — to move the few hundred vehicles of one settlement's fourth
/// route; this keeps the optimal plan's timing for everyone else.
pub fn limit_routes_locally(p: &Problem, plan: &Plan, max_routes: u32, waiting: Waiting) -> Result<Limited, PlanError> {
    // Only the settlements over the limit: the others keep every route they take.
    let kept: BTreeMap<&str, Vec<RouteKey>> = busiest_routes(p, plan, max_routes)
        .into_iter()
        .filter(|(_, (taken, _))| *taken > max_routes as usize)
        .map(|(s, (_, routes))| (s, routes))
        .collect();
    // The groups that stay, and the vehicles of each source to plan again.
    let mut fixed = Vec::new();
    let mut again = vec![0u32; p.sources.len()];
    for g in &plan.groups {
        let settlement = p.sources[g.source as usize].settlement.as_str();
        let stays = g.legs.is_empty() || kept.get(settlement).is_none_or(|routes| routes.contains(&p.route_key(g)));
        if stays {
            fixed.push(g.clone());
        } else {
            again[g.source as usize] += g.vehicles;
        }
    }
    let mut res = Reservations::new(p);
    let mut rest = p.clone();
    for g in &fixed {
        for l in &g.legs {
            res.reserve(p, l.edge.0, l.enter_step, g.vehicles);
        }
        if let Some(room) = rest.destinations[g.destination as usize].capacity_vehicles.as_mut() {
            *room = room.saturating_sub(g.vehicles);
        }
    }
    let mut starts = Vec::new();
    let mut candidates = Vec::new();
    let mut trees: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &vehicles) in again.iter().enumerate().filter(|&(_, &v)| v > 0) {
        let s = &p.sources[i];
        starts.push(Start { source: i as u32, node: s.node, release: 0, vehicles });
        let routes = kept.get(s.settlement.as_str()).map_or(&[][..], Vec::as_slice);
        candidates.push(candidate_paths(p, s.node, routes, &mut trees));
    }
    let mut unconstrained: Vec<String> = Vec::new();
    let mut groups = fixed;
    if !starts.is_empty() {
        let run = Heuristic::new(&rest).run_starts(&mut res, &starts, &candidates)?;
        for &k in &run.escaped {
            let id = &p.sources[starts[k as usize].source as usize].id;
            if !unconstrained.contains(id) {
                unconstrained.push(id.clone());
            }
        }
        groups.extend(run.groups.into_iter().map(|mut g| {
            g.source = starts[g.source as usize].source;
            g
        }));
    }
    let mut plan = Plan { groups };
    plan.tidy_with(p, waiting);
    if waiting == Waiting::OutsideZone {
        plan.leave_early(p);
    }
    Ok(Limited { plan, unconstrained_sources: unconstrained })
}

/// How route-limited plans rank: one keeping the limit beats one that does not; then the
/// objective decides — the earliest clearance, the least exposure, or (balanced) the least
/// exposure among the plans within the clearance limit, else the earliest clearance.
#[derive(Debug, Clone, Copy)]
pub struct Ranking {
    pub objective: Objective,
    pub max_routes: u32,
    /// Balanced: the latest clearance (steps) of a plan ranked by its exposure.
    pub clearance_limit: u32,
}

/// [`Ranking::key`] of a plan: the smaller the better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RankKey {
    over_limit: bool,
    /// Balanced: 1 when the clearance is over the limit.
    tier: u8,
    first: OrdF64,
    second: OrdF64,
    /// The clearance again (it is `first` or `second`), for [`Ranking::may_beat`].
    clearance: u32,
}

impl Ranking {
    pub fn key(&self, p: &Problem, l: &Limited) -> RankKey {
        let over_limit = l.plan.max_routes(p) > self.max_routes as usize;
        self.key_of(l.plan.clearance_steps(p), l.plan.exposure_vehicle_steps(p), over_limit)
    }

    fn key_of(&self, clearance: u32, exposure: f64, over_limit: bool) -> RankKey {
        let (c, x) = (OrdF64(f64::from(clearance)), OrdF64(exposure));
        let (tier, first, second) = match self.objective {
            Objective::Clearance => (0, c, x),
            Objective::Exposure => (0, x, c),
            Objective::Balanced if clearance <= self.clearance_limit => (0, x, c),
            Objective::Balanced => (1, c, x),
        };
        RankKey { over_limit, tier, first, second, clearance }
    }

    /// Whether a plan clearing at `clearance` may rank before `best` — a necessary
    /// condition, known before the plan's waiting is placed (which never moves an arrival).
    fn may_beat(&self, clearance: u32, best: &RankKey) -> bool {
        if best.over_limit {
            return true;
        }
        match self.objective {
            Objective::Clearance => clearance <= best.clearance,
            Objective::Exposure => true,
            Objective::Balanced if best.tier == 0 => clearance <= self.clearance_limit,
            Objective::Balanced => clearance <= best.clearance,
        }
    }
}

/// Improve a route-limited plan by choosing other routes: for each settlement, latest
/// last arrival first, try each of its kept routes swapped for another route some plan in
/// `pool` sends its vehicles on (or added, below the limit), plan again on the new choice
/// and keep the first choice (in that order) that `ranking` puts first; repeat until a
/// whole pass finds nothing better or `deadline`. Why: the routes a plan uses most are not
/// the best few to keep — on Rhine with 3 routes the busiest left Mauren's 1,325 vehicles
/// on one bridge. The tries are planned a few at a time in parallel, and a try whose
/// CCRP clearance already rules it out is not finished (two thirds of a try's time).
pub fn improve_route_choice(
    p: &Problem,
    start: Limited,
    pool: &[&Plan],
    ranking: Ranking,
    waiting: Waiting,
    deadline: std::time::Instant,
) -> Limited {
    use rayon::prelude::*;
    if !start.unconstrained_sources.is_empty() {
        return start;
    }
    let max_routes = ranking.max_routes;
    // The settlements that keep the limit, and their routes.
    let mut chosen: BTreeMap<&str, Vec<RouteKey>> = busiest_routes(p, &start.plan, max_routes)
        .into_iter()
        .filter(|(_, (taken, _))| *taken <= max_routes as usize)
        .map(|(s, (_, routes))| (s, routes))
        .collect();
    let mut alternatives: BTreeMap<&str, Vec<RouteKey>> = BTreeMap::new();
    for plan in pool {
        for (s, (_, routes)) in busiest_routes(p, plan, MAX_ALTERNATIVES) {
            let list = alternatives.entry(s).or_default();
            for r in routes {
                if !list.contains(&r) {
                    list.push(r);
                }
            }
        }
    }
    // Every try restricts the same settlements to routes from the same lists: each
    // origin's path onto each of them, once.
    let mut trees = HashMap::new();
    fill_trees(p, &chosen, &mut trees);
    type PathsOnto = Vec<(RouteKey, Option<Vec<u32>>)>;
    let per_source: Vec<(u32, PathsOnto)> = p
        .sources
        .par_iter()
        .filter_map(|s| {
            let kept = chosen.get(s.settlement.as_str())?;
            let more = alternatives.get(s.settlement.as_str()).map_or(&[][..], Vec::as_slice);
            let parent = &trees[&s.node];
            Some((s.node, kept.iter().chain(more).map(|r| (r.clone(), path_onto(p, s.node, r, parent))).collect()))
        })
        .collect();
    drop(trees);
    // (Origins of two settlements may share a node: their routes are listed together.)
    let mut onto: HashMap<u32, HashMap<RouteKey, Option<Vec<u32>>>> = HashMap::new();
    for (node, paths) in per_source {
        onto.entry(node).or_default().extend(paths);
    }
    let paths = |from: u32, routes: &[RouteKey]| distinct(routes.iter().filter_map(|r| onto[&from][r].clone()));
    let batch = 2 * rayon::current_num_threads().max(1);
    let mut best_key = ranking.key(p, &start);
    let mut best = start;
    loop {
        // Settlements by last arrival, latest first.
        let mut last: BTreeMap<&str, u32> = BTreeMap::new();
        for g in &best.plan.groups {
            let s = p.sources[g.source as usize].settlement.as_str();
            let a = g.arrival_step(p);
            last.entry(s).and_modify(|l| *l = (*l).max(a)).or_insert(a);
        }
        let mut order: Vec<(&str, u32)> = last.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let mut improved = false;
        'settlements: for (settlement, _) in order {
            let Some(routes) = chosen.get(settlement).cloned() else { continue };
            let Some(others) = alternatives.get(settlement) else { continue };
            // Each kept route swapped for an alternative; or the alternative added.
            let mut tries: Vec<Vec<RouteKey>> = Vec::new();
            for alt in others.iter().filter(|r| !routes.contains(r)) {
                for j in 0..routes.len() {
                    let mut t = routes.clone();
                    t[j] = alt.clone();
                    tries.push(t);
                }
                if routes.len() < max_routes as usize {
                    let mut t = routes.clone();
                    t.push(alt.clone());
                    tries.push(t);
                }
            }
            for chunk in tries.chunks(batch) {
                if std::time::Instant::now() > deadline {
                    return best;
                }
                let outcomes: Vec<Option<(RankKey, Limited)>> = chunk
                    .par_iter()
                    .map(|t| {
                        let mut choice = chosen.clone();
                        choice.insert(settlement, t.clone());
                        let raw = ccrp_on_routes(p, &choice, &paths).ok()?;
                        if !raw.unconstrained_sources.is_empty()
                            || !ranking.may_beat(raw.plan.clearance_steps(p), &best_key)
                        {
                            return None;
                        }
                        let limited = raw.finish(p, waiting);
                        let key = ranking.key(p, &limited);
                        (key < best_key).then_some((key, limited))
                    })
                    .collect();
                // The first better try in order: the same choice as one at a time.
                if let Some((j, (key, limited))) = outcomes.into_iter().enumerate().find_map(|(j, o)| o.map(|o| (j, o)))
                {
                    best_key = key;
                    best = limited;
                    chosen.insert(settlement, chunk[j].clone());
                    improved = true;
                    break 'settlements;
                }
            }
        }
        if !improved {
            return best;
        }
    }
}

/// Routes per settlement of each pool plan that [`improve_route_choice`] may try.
const MAX_ALTERNATIVES: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::{Destination, PlanEdge, Source};

    fn edge(from: u32, to: u32, travel_steps: u32, capacity_per_step: f64) -> PlanEdge {
        PlanEdge::road(from, to, travel_steps, capacity_per_step)
    }

    /// A settlement with origins 0 and 1 (its area: 0, 1, 2) and four parallel roads from
    /// its gathering node 2 to the destination 7, over nodes 3..=6, one vehicle a step each.
    fn fan() -> Problem {
        let mut edges = vec![edge(0, 2, 1, 5.0), edge(1, 2, 1, 5.0)];
        for mid in 3..=6 {
            edges.push(edge(2, mid, 2 + mid % 2, 1.0));
            edges.push(edge(mid, 7, 2, 1.0));
        }
        let sources = vec![
            Source {
                id: "a#1".into(),
                settlement: "a".into(),
                name: "a".into(),
                node: 0,
                vehicles: 20,
                exposure_weight: 1.0,
            },
            Source {
                id: "a#2".into(),
                settlement: "a".into(),
                name: "a".into(),
                node: 1,
                vehicles: 20,
                exposure_weight: 1.0,
            },
        ];
        let destinations = vec![Destination { id: "d".into(), name: "d".into(), node: 7, capacity_vehicles: None }];
        let zone = vec![true, true, true, false, false, false, false, false];
        let mut areas = HashMap::new();
        areas.insert("a".to_string(), vec![0, 1, 2]);
        Problem::from_edges(60.0, 8, edges, sources, destinations, zone).with_areas(areas)
    }

    /// An origin beside the route, past where it leaves the settlement: its fastest way to
    /// the route's start runs over the route itself (0 → 3 → 2, then 2 → 3 → 4 again), so
    /// it joins by the slower road that keeps off it (0 → 1 → 2) instead of escaping the
    /// limit. Area: 1, 2 (and the origin 0); route: 2 → 3 → 4, the destination 4.
    #[test]
    fn an_origin_beside_the_route_joins_it_by_a_road_off_it() {
        let edges = vec![
            edge(0, 3, 1, 5.0),
            edge(3, 2, 1, 5.0),
            edge(0, 1, 3, 5.0),
            edge(1, 2, 3, 5.0),
            edge(2, 3, 1, 5.0),
            edge(3, 4, 1, 5.0),
        ];
        let source = Source::first_origin("a", 0, 5);
        let destinations = vec![Destination { id: "d".into(), name: "d".into(), node: 4, capacity_vehicles: None }];
        let mut areas = HashMap::new();
        areas.insert("a".to_string(), vec![0, 1, 2]);
        let p = Problem::from_edges(60.0, 5, edges, vec![source], destinations, vec![true; 5]).with_areas(areas);
        let route = (4, vec![EdgeIx(4), EdgeIx(5)]);
        let paths = candidate_paths(&p, 0, &[route], &mut HashMap::new());
        assert_eq!(paths, vec![vec![2, 3, 4, 5]], "0 → 1 → 2, then the route");
    }

    #[test]
    fn the_limit_keeps_at_most_n_routes_and_costs_time() {
        let p = fan();
        let (free, _) = crate::heuristic::plan(&p).unwrap();
        assert_eq!(free.max_routes(&p), 4, "the free plan uses every road");
        for n in 1..=3u32 {
            for limited in [
                limit_routes(&p, &free, n, Waiting::OutsideZone).unwrap(),
                limit_routes_as_planned(&p, n, Waiting::Home, None).unwrap(),
                limit_routes_locally(&p, &free, n, Waiting::Home).unwrap(),
            ] {
                assert!(crate::verify::verify(&p, &limited.plan).is_empty());
                assert!(limited.unconstrained_sources.is_empty());
                assert_eq!(limited.plan.max_routes(&p), n as usize);
                assert!(limited.plan.clearance_steps(&p) >= free.clearance_steps(&p));
            }
        }
        let one = limit_routes(&p, &free, 1, Waiting::Home).unwrap().plan;
        // 40 vehicles over one road admitting one a step from step 1: the last enters at
        // step 40 or later and needs 4 more steps.
        assert!(one.clearance_steps(&p) >= 44, "{}", one.clearance_steps(&p));
    }

    /// Kept on the fan's two slow roads (over nodes 3 and 5), the choice moves to the two
    /// fast ones (4 and 6) that the free plan also uses, and the plan clears earlier.
    #[test]
    fn a_better_choice_of_routes_replaces_the_busiest() {
        let p = fan();
        let (free, _) = crate::heuristic::plan(&p).unwrap();
        let all = busiest_routes(&p, &free, 4);
        let over = |mid: u32| all["a"].1.iter().find(|r| p.edge(r.1[0]).to == mid).unwrap().clone();
        let mut slow = BTreeMap::new();
        slow.insert("a", vec![over(3), over(5)]);
        let start = plan_on_routes(&p, &slow, Waiting::Home, &mut HashMap::new()).unwrap();
        let ranking = Ranking { objective: Objective::Clearance, max_routes: 2, clearance_limit: 0 };
        let before = start.plan.clearance_steps(&p);
        let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let better = improve_route_choice(&p, start, &[&free], ranking, Waiting::Home, far);
        assert!(crate::verify::verify(&p, &better.plan).is_empty());
        assert!(better.unconstrained_sources.is_empty());
        assert_eq!(better.plan.max_routes(&p), 2);
        let vehicles: u64 = better.plan.groups.iter().map(|g| u64::from(g.vehicles)).sum();
        assert_eq!(vehicles, p.total_vehicles(), "nobody is lost");
        let mut mids: Vec<u32> = better.plan.groups.iter().map(|g| p.edge(p.route_key(g).1[0]).to).collect();
        mids.sort_unstable();
        mids.dedup();
        assert_eq!(mids, vec![4, 6]);
        assert!(better.plan.clearance_steps(&p) < before, "{} vs {before}", better.plan.clearance_steps(&p));
    }

    proptest::proptest! {
        /// `may_beat` only ever drops plans that rank after the best: whenever a plan's
        /// key is smaller, its clearance alone says it may be.
        #[test]
        fn may_beat_never_drops_a_better_plan(
            objective in 0usize..3,
            limit in 0u32..50,
            a in (0u32..60, 0u32..1000, proptest::bool::ANY),
            b in (0u32..60, 0u32..1000, proptest::bool::ANY),
        ) {
            let ranking = Ranking { objective: Objective::ALL[objective], max_routes: 3, clearance_limit: limit };
            let ka = ranking.key_of(a.0, f64::from(a.1), a.2);
            let kb = ranking.key_of(b.0, f64::from(b.1), b.2);
            if ka < kb {
                proptest::prop_assert!(ranking.may_beat(a.0, &kb), "{ka:?} < {kb:?}");
            }
        }
    }

    /// Origins of two settlements on one node (a node on the boundary of both areas):
    /// each keeps its own routes, and the search plans both (it once looked the node's
    /// paths up for one settlement only and panicked).
    #[test]
    fn two_settlements_sharing_an_origin_node_keep_their_own_routes() {
        let mut p = fan();
        p.sources[1] = Source {
            id: "b#1".into(),
            settlement: "b".into(),
            name: "b".into(),
            node: 0,
            vehicles: 10,
            exposure_weight: 1.0,
        };
        let mut areas = HashMap::new();
        areas.insert("a".to_string(), vec![0, 1, 2]);
        areas.insert("b".to_string(), vec![0]);
        let p = p.with_areas(areas);
        let (free, _) = crate::heuristic::plan(&p).unwrap();
        let all = busiest_routes(&p, &free, 4);
        let over = |s: &str, mid: u32| all[s].1.iter().find(|r| p.edge(r.1[0]).to == mid).cloned();
        let mut slow = BTreeMap::new();
        slow.insert("a", vec![over("a", 3).or_else(|| over("a", 4)).unwrap()]);
        slow.insert("b", vec![all["b"].1[0].clone()]);
        let start = plan_on_routes(&p, &slow, Waiting::Home, &mut HashMap::new()).unwrap();
        let before = start.plan.clearance_steps(&p);
        let ranking = Ranking { objective: Objective::Clearance, max_routes: 2, clearance_limit: 0 };
        let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let better = improve_route_choice(&p, start, &[&free], ranking, Waiting::Home, far);
        assert!(crate::verify::verify(&p, &better.plan).is_empty());
        assert!(better.unconstrained_sources.is_empty());
        assert!(better.plan.max_routes(&p) <= 2);
        let vehicles: u64 = better.plan.groups.iter().map(|g| u64::from(g.vehicles)).sum();
        assert_eq!(vehicles, p.total_vehicles(), "nobody is lost");
        assert!(better.plan.clearance_steps(&p) < before, "{} vs {before}", better.plan.clearance_steps(&p));
    }

    /// Two settlements on the fan: "a" (over the limit) and "b" (one route, untouched).
    #[test]
    fn the_local_repair_leaves_settlements_within_the_limit_as_they_were() {
        let mut p = fan();
        p.sources.push(Source {
            id: "b#1".into(),
            settlement: "b".into(),
            name: "b".into(),
            node: 3,
            vehicles: 5,
            exposure_weight: 1.0,
        });
        let mut areas = HashMap::new();
        areas.insert("a".to_string(), vec![0, 1, 2]);
        areas.insert("b".to_string(), vec![3]);
        let p = p.with_areas(areas);
        let (free, _) = crate::heuristic::plan(&p).unwrap();
        assert!(free.max_routes(&p) > 2);
        let limited = limit_routes_locally(&p, &free, 2, Waiting::Home).unwrap();
        assert!(crate::verify::verify(&p, &limited.plan).is_empty());
        assert!(limited.unconstrained_sources.is_empty());
        assert!(limited.plan.max_routes(&p) <= 2);
        let vehicles = |plan: &Plan| plan.groups.iter().map(|g| u64::from(g.vehicles)).sum::<u64>();
        assert_eq!(vehicles(&limited.plan), p.total_vehicles(), "nobody is lost");
        // b's vehicles keep their departures and roads.
        let of_b = |plan: &Plan| {
            let mut legs: Vec<(u32, Vec<(u32, u32)>)> = plan
                .groups
                .iter()
                .filter(|g| p.sources[g.source as usize].settlement == "b")
                .map(|g| (g.vehicles, g.legs.iter().map(|l| (l.edge.0, l.enter_step)).collect()))
                .collect();
            legs.sort();
            legs
        };
        assert_eq!(of_b(&limited.plan), of_b(&free));
    }
}
