//! The planner, the exact optimum and the bounds on hand-made networks with a known
//! optimum and on random instances.

use evac_network::EdgeId;
use evac_plan::problem::{Destination, PlanEdge, Problem, Source};
use evac_plan::{Objective, RunOptions, baseline, bound, exact, exposure, heuristic, verify::verify};
use proptest::prelude::*;

fn edge(id: u32, from: u32, to: u32, travel_steps: u32, capacity_per_step: u32) -> PlanEdge {
    PlanEdge {
        id: EdgeId(id),
        junction: None,
        free_flow_s: travel_steps as f32 * 60.0,
        from,
        to,
        travel_steps,
        capacity_per_step: capacity_per_step.into(),
    }
}

fn src(id: &str, node: u32, vehicles: u32) -> Source {
    Source { id: id.into(), settlement: id.into(), name: id.into(), node, vehicles, exposure_weight: 1.0 }
}

fn dst(id: &str, node: u32, capacity: Option<u32>) -> Destination {
    Destination { id: id.into(), name: id.into(), node, capacity_vehicles: capacity }
}

fn problem(nodes: usize, edges: Vec<PlanEdge>, sources: Vec<Source>, destinations: Vec<Destination>) -> Problem {
    Problem::from_edges(60.0, nodes, edges, sources, destinations, vec![])
}

/// Independent check of the optimum: an explicit time-expanded network and Edmonds-Karp
/// maximum flow, for every horizon from 0 up.
fn explicit_optimum(p: &Problem, upper: u32) -> u32 {
    let total = p.total_vehicles();
    for t_max in 0..=upper {
        let t_len = t_max as usize + 1;
        let id = |v: u32, t: u32| v as usize * t_len + t as usize;
        let n = p.node_count() * t_len + p.destinations().len() + 2;
        let (s, z) = (n - 2, n - 1);
        let mut cap: std::collections::HashMap<(usize, usize), u64> = Default::default();
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut add = |a: usize, b: usize, c: u64| {
            *cap.entry((a, b)).or_default() += c;
            cap.entry((b, a)).or_default();
            adj[a].push(b);
            adj[b].push(a);
        };
        for v in 0..p.node_count() as u32 {
            for t in 0..t_max {
                add(id(v, t), id(v, t + 1), u64::MAX / 4);
            }
        }
        for e in p.edges() {
            for t in 0..=t_max {
                if t + e.travel_steps <= t_max {
                    add(id(e.from, t), id(e.to, t + e.travel_steps), u64::from(e.capacity_at(t)));
                }
            }
        }
        for src in p.sources() {
            add(s, id(src.node, 0), u64::from(src.vehicles));
        }
        for (i, d) in p.destinations().iter().enumerate() {
            let agg = p.node_count() * t_len + i;
            for t in 0..=t_max {
                add(id(d.node, t), agg, u64::MAX / 4);
            }
            add(agg, z, d.capacity_vehicles.map_or(u64::MAX / 4, u64::from));
        }
        let mut flow = 0u64;
        loop {
            let mut prev = vec![usize::MAX; n];
            prev[s] = s;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(x) = queue.pop_front() {
                for &y in &adj[x] {
                    if prev[y] == usize::MAX && cap[&(x, y)] > 0 {
                        prev[y] = x;
                        queue.push_back(y);
                    }
                }
            }
            if prev[z] == usize::MAX {
                break;
            }
            let mut b = u64::MAX;
            let mut y = z;
            while y != s {
                b = b.min(cap[&(prev[y], y)]);
                y = prev[y];
            }
            let mut y = z;
            while y != s {
                *cap.get_mut(&(prev[y], y)).unwrap() -= b;
                *cap.get_mut(&(y, prev[y])).unwrap() += b;
                y = prev[y];
            }
            flow += b;
        }
        if flow >= total {
            return t_max;
        }
    }
    panic!("no horizon up to {upper} carries everyone");
}

/// Plan with every method and check everything that must hold; returns
/// (heuristic, optimum, cheap bound, baseline) clearances.
fn solve_all(p: &Problem) -> (u32, u32, u32, u32) {
    let (h, _) = heuristic::plan(p).unwrap();
    let errors = verify(p, &h);
    assert!(errors.is_empty(), "heuristic plan invalid: {errors:?}");
    let b = baseline::plan(p).unwrap();
    let errors = verify(p, &b);
    assert!(errors.is_empty(), "baseline plan invalid: {errors:?}");
    let (cheap, _) = bound::best_cheap_bound(p);
    let hc = h.clearance_steps(p);
    let x = exact::solve(p, 0, hc, 10_000_000).expect("small problems are solved exactly");
    let errors = verify(p, &x.plan);
    assert!(errors.is_empty(), "optimal plan invalid: {errors:?}");
    assert_eq!(x.plan.clearance_steps(p), x.optimum_steps, "the optimal plan achieves the optimum");
    assert!(cheap <= x.optimum_steps, "bound {cheap} above the optimum {}", x.optimum_steps);
    assert!(x.optimum_steps <= hc, "optimum {} above a feasible plan {hc}", x.optimum_steps);
    assert!(x.optimum_steps <= b.clearance_steps(p));
    // Starting the exact search at the cheap bound gives the same optimum.
    let y = exact::solve(p, cheap, hc, 10_000_000).unwrap();
    assert_eq!(y.optimum_steps, x.optimum_steps);
    // Warm-started from the heuristic plan (at every lower starting horizon): same optimum, valid plan.
    for start in [0, cheap, x.optimum_steps.saturating_sub(1), x.optimum_steps] {
        let w = exact::solve_warm(p, start.min(hc), hc, 10_000_000, None, &h).unwrap();
        assert_eq!(w.optimum_steps, x.optimum_steps, "warm start from horizon {start}");
        let errors = verify(p, &w.plan);
        assert!(errors.is_empty(), "warm-started optimal plan invalid: {errors:?}");
    }
    assert_eq!(x.optimum_steps, explicit_optimum(p, hc), "independent time-expanded max flow");
    (hc, x.optimum_steps, cheap, b.clearance_steps(p))
}

#[test]
fn one_bridge() {
    // S -(2 steps, 10/step)-> B -(bridge: 1 step, 5/step)-> D; 20 vehicles.
    let p = problem(3, vec![edge(0, 0, 1, 2, 10), edge(1, 1, 2, 1, 5)], vec![src("S", 0, 20)], vec![dst("D", 2, None)]);
    let (h, opt, _, _) = solve_all(&p);
    assert_eq!(opt, 6);
    assert_eq!(h, 6, "the planner is optimal on one bridge");
}

#[test]
fn two_parallel_roads() {
    // A short road (3 steps, 4/step) and a long one (5 steps, 4/step); 24 vehicles.
    let p = problem(
        4,
        vec![edge(0, 0, 1, 3, 4), edge(1, 0, 2, 4, 4), edge(2, 2, 1, 1, 4)],
        vec![src("S", 0, 24)],
        vec![dst("D", 1, None)],
    );
    let (h, opt, cheap, baseline) = solve_all(&p);
    assert_eq!(opt, 6);
    assert_eq!(h, 6, "the planner uses both roads");
    assert_eq!(cheap, 6, "temporally repeated flows are exact for one source and one sink");
    assert!(baseline > opt, "everyone on the shortest road takes longer ({baseline})");
}

#[test]
fn funnel() {
    // Two villages merge onto one road: S1 -1-> M, S2 -2-> M, M -(1 step, 4/step)-> D.
    let p = problem(
        4,
        vec![edge(0, 0, 2, 1, 10), edge(1, 1, 2, 2, 10), edge(2, 2, 3, 1, 4)],
        vec![src("S1", 0, 10), src("S2", 1, 10)],
        vec![dst("D", 3, None)],
    );
    let (h, opt, _, _) = solve_all(&p);
    assert_eq!(opt, 6);
    assert_eq!(h, 6, "the planner is optimal on a funnel");
}

#[test]
fn destination_capacity_sends_the_rest_farther() {
    // Near centre takes 5, far centre the rest.
    let p = problem(
        3,
        vec![edge(0, 0, 1, 1, 5), edge(1, 0, 2, 3, 5)],
        vec![src("S", 0, 15)],
        vec![dst("near", 1, Some(5)), dst("far", 2, Some(100))],
    );
    let (h, opt, _, _) = solve_all(&p);
    assert_eq!(opt, 4); // far road: departures 0 and 1 -> arrive 3, 4
    assert_eq!(h, opt);
}

#[test]
fn problems_that_cannot_be_solved_say_why() {
    let p = problem(3, vec![edge(0, 0, 1, 1, 5)], vec![src("Village", 2, 3)], vec![dst("D", 1, None)]);
    let err = p.check("").unwrap_err();
    assert!(err.to_string().contains("Village cannot reach any destination"), "{err}");
    let p = problem(2, vec![edge(0, 0, 1, 1, 5)], vec![src("V", 0, 30)], vec![dst("D", 1, Some(10))]);
    let err = p.check("").unwrap_err();
    assert!(err.to_string().contains("10"), "{err}");
    let p = problem(2, vec![edge(0, 0, 1, 1, 5)], vec![src("V", 0, 30)], vec![]);
    assert!(p.check("").is_err());
}

prop_compose! {
    /// A random strongly connected grid with random travel times (zero included) and
    /// capacities (fractional included).
    fn random_problem()(w in 2usize..6, h in 2usize..5, seed in any::<u64>(), sources in 1usize..4, dests in 1usize..3,
                        limited in any::<bool>()) -> Problem {
        let mut x = seed | 1;
        let mut rnd = move |m: u64| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x % m };
        let n = w * h;
        let mut edges = Vec::new();
        for y in 0..h {
            for xx in 0..w {
                let v = (y * w + xx) as u32;
                let mut link = |a: u32, b: u32, edges: &mut Vec<PlanEdge>| {
                    let id = edges.len() as u32;
                    // Zero-step edges (shorter than a step) and fractional rates (a road
                    // admitting a vehicle every other step) are part of the model.
                    let mut e = edge(id, a, b, rnd(5) as u32, 1);
                    e.capacity_per_step = (1 + rnd(12)) as f64 / 2.0;
                    edges.push(e);
                };
                if xx + 1 < w { link(v, v + 1, &mut edges); link(v + 1, v, &mut edges); }
                if y + 1 < h { link(v, v + w as u32, &mut edges); link(v + w as u32, v, &mut edges); }
            }
        }
        let srcs: Vec<Source> = (0..sources).map(|i| src(&format!("s{i}"), rnd(n as u64) as u32, 1 + rnd(40) as u32)).collect();
        let total: u32 = srcs.iter().map(|s| s.vehicles).sum();
        let dsts: Vec<Destination> = (0..dests)
            .map(|i| dst(&format!("d{i}"), rnd(n as u64) as u32, limited.then_some(total / dests as u32 + 1 + rnd(10) as u32)))
            .collect();
        problem(n, edges, srcs, dsts)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Every plan satisfies the verifier; bound <= optimum <= heuristic, baseline.
    #[test]
    fn plans_are_valid_and_ordered(p in random_problem()) {
        solve_all(&p);
    }
}

prop_compose! {
    /// A random grid as above whose first columns are the mandatory zone, with the sources
    /// anywhere and the destinations outside the zone; in half the cases each settlement
    /// has a random exposure weight (0.1..=100, as scenario.toml allows).
    fn random_zoned_problem()(w in 2usize..6, h in 2usize..5, seed in any::<u64>(), sources in 1usize..5,
                              dests in 1usize..3, limited in any::<bool>(), zone_share in 1usize..10,
                              weighted in any::<bool>()) -> Problem {
        let mut x = seed | 1;
        let mut rnd = move |m: u64| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x % m };
        let n = w * h;
        let zone_cols = (w * zone_share / 10).clamp(1, w - 1);
        let mut edges = Vec::new();
        for y in 0..h {
            for xx in 0..w {
                let v = (y * w + xx) as u32;
                let mut link = |a: u32, b: u32, edges: &mut Vec<PlanEdge>| {
                    let id = edges.len() as u32;
                    let mut e = edge(id, a, b, rnd(5) as u32, 1);
                    e.capacity_per_step = (1 + rnd(12)) as f64 / 2.0;
                    edges.push(e);
                };
                if xx + 1 < w { link(v, v + 1, &mut edges); link(v + 1, v, &mut edges); }
                if y + 1 < h { link(v, v + w as u32, &mut edges); link(v + w as u32, v, &mut edges); }
            }
        }
        let in_zone: Vec<bool> = (0..n).map(|v| v % w < zone_cols).collect();
        // Two origins per settlement sometimes (settlement "s0" has sources s0 and s0b).
        let mut srcs: Vec<Source> = Vec::new();
        for i in 0..sources {
            let mut s = src(&format!("s{i}"), rnd(n as u64) as u32, 1 + rnd(40) as u32);
            if weighted {
                s.exposure_weight = [0.1, 0.5, 1.0, 1.7, 3.0, 100.0][rnd(6) as usize];
            }
            if i % 2 == 1 {
                s.settlement = format!("s{}", i - 1);
                s.exposure_weight = srcs[i - 1].exposure_weight;
            }
            srcs.push(s);
        }
        let total: u32 = srcs.iter().map(|s| s.vehicles).sum();
        let outside: Vec<u32> = (0..n as u32).filter(|&v| !in_zone[v as usize]).collect();
        let dsts: Vec<Destination> = (0..dests)
            .map(|i| {
                let node = outside[rnd(outside.len() as u64) as usize];
                dst(&format!("d{i}"), node, limited.then_some(total / dests as u32 + 1 + rnd(10) as u32))
            })
            .collect();
        Problem::from_edges(60.0, n, edges, srcs, dsts, in_zone)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// The safety-first objectives: every published plan is valid (every vehicle
    /// delivered, within capacities); the balanced plan clears within the slack of the
    /// optimum and is exposed no longer than the clearance plan; the exposure plan no
    /// longer than the naive baseline, and without weights exactly the exposure bound; no
    /// plan below the exposure lower bound; the earliest-arrival bound at least the
    /// free-flow one.
    #[test]
    fn safety_first_plans_are_valid_and_ordered(p in random_zoned_problem()) {
        let base = RunOptions { max_states: 10_000_000, ..RunOptions::default() };
        let clearance = evac_plan::run::run(&p, base).unwrap();
        let optimum = clearance.optimum.expect("small problems are solved exactly");
        let balanced = evac_plan::run::run(&p, RunOptions { objective: Objective::Balanced, ..base }).unwrap();
        let least = evac_plan::run::run(&p, RunOptions { objective: Objective::Exposure, ..base }).unwrap();
        let baseline = clearance.baseline.as_ref().unwrap();
        for r in [&clearance, &balanced, &least] {
            let errors = verify(&p, &r.plan);
            prop_assert!(errors.is_empty(), "{} plan invalid: {:?}", r.objective, errors);
            prop_assert!(r.exposure_lower_bound <= r.plan.exposure_vehicle_steps(&p),
                "{}: bound {} above the plan's {}", r.objective, r.exposure_lower_bound, r.plan.exposure_vehicle_steps(&p));
            prop_assert!(exposure::free_flow_exposure_bound(&p) <= r.exposure_lower_bound);
        }
        prop_assert_eq!(clearance.plan.clearance_steps(&p), optimum);
        let limit = (f64::from(optimum) * 1.05).floor() as u32;
        prop_assert!(balanced.plan.clearance_steps(&p) <= limit.max(optimum));
        prop_assert!(balanced.plan.exposure_vehicle_steps(&p) <= clearance.plan.exposure_vehicle_steps(&p));
        prop_assert!(least.plan.exposure_vehicle_steps(&p) <= balanced.plan.exposure_vehicle_steps(&p));
        prop_assert!(least.plan.exposure_vehicle_steps(&p) <= baseline.exposure_vehicle_steps(&p));
        // Without weights the exposure plan is the least-exposure one: its exposure is the
        // bound (the earliest-arrival flow out of the zone is a plan's exits).
        if !exposure::weights_differ(&p) {
            // (Equal weights other than 1 make the bound a sum in f64, lowered by 1e-9.)
            let (x, b) = (least.plan.exposure_vehicle_steps(&p), least.exposure_lower_bound);
            prop_assert!((x - b).abs() <= 1e-6 * b.max(1.0),
                "the exposure plan ({}) is not the least-exposure one: {} against the bound {}", least.plan_kind, x, b);
        }
        // Without the exact solver the published plan is still never slower than everyone
        // leaving now.
        let heuristic_only = evac_plan::run::run(&p, RunOptions { method: evac_plan::Method::Heuristic, ..base }).unwrap();
        prop_assert!(heuristic_only.plan.clearance_steps(&p) <= baseline.clearance_steps(&p));
        prop_assert!(verify(&p, &heuristic_only.plan).is_empty());
        // A route limit of one keeps every plan valid and one route per settlement where
        // every origin reaches the kept route.
        let one = evac_plan::run::run(&p, RunOptions { objective: Objective::Balanced, max_routes: Some(1), ..base }).unwrap();
        let errors = verify(&p, &one.plan);
        prop_assert!(errors.is_empty(), "route-limited plan invalid: {:?}", errors);
        if one.route_limit.as_ref().is_none_or(|c| c.unconstrained_sources.is_empty()) {
            prop_assert!(one.plan.max_routes(&p) <= 1, "{} routes", one.plan.max_routes(&p));
        }
    }
}

/// The earliest-arrival exposure bound against brute force on a tiny network: the least
/// total exit time over every way of sending the vehicles along simple paths with waits
/// equals the bound (one source and one sink, the zone's edge: an earliest-arrival flow
/// exists, Gale 1959, so the bound is exact).
#[test]
fn exposure_bound_matches_brute_force_on_a_tiny_network() {
    // Zone {0, 1, 2}; exits 3 and 4. 0 -> 1 (1 step, 1 a step), 0 -> 2 (2 steps, 1 a
    // step), 1 -> 3 (1 step, 1 a step), 2 -> 4 (0 steps, 2 a step), 1 -> 2 (1 step, 1).
    let edges = vec![
        edge(0, 0, 1, 1, 1),
        edge(1, 0, 2, 2, 1),
        edge(2, 1, 3, 1, 1),
        edge(3, 2, 4, 0, 2),
        edge(4, 1, 2, 1, 1),
        edge(5, 3, 5, 3, 9),
        edge(6, 4, 5, 3, 9),
    ];
    for vehicles in 1..=5u32 {
        let p = Problem::from_edges(
            60.0,
            6,
            edges.clone(),
            vec![src("a", 0, vehicles)],
            vec![dst("d", 5, None)],
            vec![true, true, true, false, false, false],
        );
        let (bound, complete) = exposure::flow_exposure_bound(&p, 20, 1_000_000, None).unwrap();
        assert!(complete);
        assert_eq!(bound, brute_force_least_exposure(&p, vehicles) as f64, "{vehicles} vehicles");
        // The least-exposure plan reaches it: the earliest-arrival flow out of the zone,
        // driven on, is a valid plan with exactly the least exposure.
        let least = exposure::least_exposure(&p, 20, 1_000_000, None).unwrap().expect("no deadline");
        assert!(least.complete);
        let least_plan = least.plan.expect("a complete profile has its flow");
        assert!(verify(&p, &least_plan).is_empty(), "{vehicles} vehicles: {:?}", verify(&p, &least_plan));
        assert_eq!(least.bound, bound);
        assert_eq!(least_plan.exposure_vehicle_steps(&p), bound, "{vehicles} vehicles");
        let least =
            evac_plan::run::run(&p, RunOptions { objective: Objective::Exposure, ..RunOptions::default() }).unwrap();
        assert!(least.plan.exposure_vehicle_steps(&p) >= bound);
    }
}

/// Send the vehicles one by one, each along every simple path out of the zone with up to
/// five steps of waiting before each leg, within the capacities the earlier ones left;
/// the least total of exit steps.
fn brute_force_least_exposure(p: &Problem, vehicles: u32) -> u64 {
    // Safe nodes, found here without the planner's code: outside the zone, with a way on
    // to a destination over outside nodes only (repeat until nothing changes).
    let mut safe: Vec<bool> = (0..p.zone_flags().len() as u32)
        .map(|v| !p.in_zone(v) && p.destinations().iter().any(|d| d.node == v))
        .collect();
    loop {
        let grown: Vec<(u32, u32)> = p
            .edges()
            .iter()
            .filter(|e| !p.in_zone(e.from) && safe[e.to as usize] && !safe[e.from as usize])
            .map(|e| (e.from, e.to))
            .collect();
        if grown.is_empty() {
            break;
        }
        for (u, _) in grown {
            safe[u as usize] = true;
        }
    }
    // Simple paths from the source to the first safe node: no vehicle is out for good
    // before it reaches one.
    fn paths(
        p: &Problem,
        safe: &[bool],
        v: u32,
        seen: &mut Vec<u32>,
        path: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if safe[v as usize] {
            out.push(path.clone());
            return;
        }
        for (i, e) in p.edges().iter().enumerate() {
            if e.from == v && !seen.contains(&e.to) {
                seen.push(e.to);
                path.push(i);
                paths(p, safe, e.to, seen, path, out);
                path.pop();
                seen.pop();
            }
        }
    }
    let source = p.sources()[0].node;
    let mut all = Vec::new();
    paths(p, &safe, source, &mut vec![source], &mut Vec::new(), &mut all);
    // Timed routes: each path with waits before each leg, 0..=3 steps each.
    let mut timed: Vec<Vec<(usize, u32)>> = Vec::new();
    for path in &all {
        let mut stack: Vec<(Vec<(usize, u32)>, u32)> = vec![(Vec::new(), 0)];
        while let Some((legs, t)) = stack.pop() {
            if legs.len() == path.len() {
                timed.push(legs);
                continue;
            }
            let e = path[legs.len()];
            for wait in 0..=5 {
                let mut next = legs.clone();
                next.push((e, t + wait));
                stack.push((next, t + wait + p.edges()[e].travel_steps));
            }
        }
    }
    let exit = |legs: &[(usize, u32)]| legs.last().map_or(0, |&(e, t)| u64::from(t + p.edges()[e].travel_steps));
    // Each timed route with its exit step, earliest first.
    let mut timed: Vec<(Vec<(usize, u32)>, u64)> = timed
        .into_iter()
        .map(|legs| {
            let x = exit(&legs);
            (legs, x)
        })
        .collect();
    timed.sort_by_key(|t| t.1);
    fn search(
        p: &Problem,
        timed: &[(Vec<(usize, u32)>, u64)],
        used: &mut std::collections::HashMap<(usize, u32), u32>,
        left: u32,
        from: usize,
        best: &mut u64,
        so_far: u64,
    ) {
        if left == 0 {
            *best = (*best).min(so_far);
            return;
        }
        // Vehicles are alike: choose timed routes in a non-decreasing order (of exit time:
        // no later choice exits earlier, so the search stops where it cannot gain).
        for (k, (legs, exit)) in timed.iter().enumerate().skip(from) {
            if so_far + u64::from(left) * exit >= *best {
                break;
            }
            if legs.iter().all(|&(e, t)| used.get(&(e, t)).copied().unwrap_or(0) < p.edges()[e].capacity_at(t)) {
                for &(e, t) in legs {
                    *used.entry((e, t)).or_default() += 1;
                }
                search(p, timed, used, left - 1, k, best, so_far + exit);
                for &(e, t) in legs {
                    *used.get_mut(&(e, t)).unwrap() -= 1;
                }
            }
        }
    }
    let mut best = u64::MAX;
    search(p, &timed, &mut Default::default(), vehicles, 0, &mut best, 0);
    best
}
