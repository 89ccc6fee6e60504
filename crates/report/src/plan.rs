//! Plan outputs: the summary a coordinator reads, plan.json (checkable by an independent
//! verifier), plan.geojson (routes and loads for the map), schedule.csv and the
//! safe-over-time chart.

use evac_network::EdgeId;
use evac_network::Network;
use evac_network::stats::crossing_label;
use evac_plan::{CarPlan, EdgeIx, Group, Leg, ObjectiveBest, Plan, Problem, RouteLimitCost, RunResult};
use evac_scenario::ExposureRing;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// A road that limited the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Bottleneck {
    pub label: String,
    /// The road, or `None` when the bottleneck is a junction gate (no network edge).
    pub edge: Option<EdgeId>,
    /// The junction (network node) when the bottleneck is a junction, not a road.
    pub junction: Option<u32>,
    pub vehicles: u64,
    /// Flow rate of the road, vehicles per hour.
    pub capacity_vph: f64,
    /// Steps during which the road was full.
    pub saturated_steps: u32,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Wave {
    pub depart_step: u32,
    pub arrive_step: u32,
    pub vehicles: u32,
    pub destination: String,
    pub route: String,
}

/// One route of a settlement (see `Problem::route_key`) with its departure windows: the
/// runs of consecutive steps in which its vehicles set off.
///
/// The fields after `windows` are for the printed route sheets (routes.html) and are not
/// written to plan.json: plan.json's keys stay what they were, and everything in them
/// can be recomputed from the groups and edges plan.json already has.
#[derive(Debug, Clone, Serialize)]
pub struct RouteWaves {
    /// The roads by name after leaving the settlement.
    pub route: String,
    pub destination: String,
    pub vehicles: u32,
    /// (first, last) departure step of each window.
    pub windows: Vec<(u32, u32)>,
    /// Vehicles setting off in each window (same order as `windows`).
    #[serde(skip)]
    pub window_vehicles: Vec<u32>,
    /// The roads of `route`, in full (not shortened as `route` is), as a driver follows them.
    #[serde(skip)]
    pub parts: Vec<RoadPart>,
    /// Length of the route's roads, metres (junction gates have none).
    #[serde(skip)]
    pub length_m: f64,
    /// Free-flow driving time over the route's roads and junctions, seconds (the planner's
    /// calibrated free-flow times, without queues).
    #[serde(skip)]
    pub free_flow_s: f64,
}

/// What kind of road a part of a route is, for the printed route sheets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoadKind {
    /// A road with a name or a number.
    Named,
    /// A bridge, ford or ferry, named by what it crosses.
    Crossing,
    /// Roads with neither name nor number (consecutive ones are one part).
    Unnamed,
    /// An approximate access link: a straight line standing for village roads missing from
    /// the data (`flags::APPROXIMATE`); the driver must find the actual road.
    Approximate,
}

/// Consecutive edges of a route under one label.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadPart {
    /// The road's name as in the route string (empty for [`RoadKind::Unnamed`]).
    pub label: String,
    pub kind: RoadKind,
    pub length_m: f64,
}

/// The label a road edge has in a route: the crossing's label for a bridge, ford or
/// ferry over a named river, else "name (ref)", the name or the ref; `None` when it has
/// neither. The one labelling rule of [`route_summary`] and [`route_parts`].
fn road_label(network: &Network, id: EdgeId) -> Option<(String, bool)> {
    let e = network.edge(id);
    let crossing = evac_network::flags::BRIDGE | evac_network::flags::FORD | evac_network::flags::FERRY;
    if e.flags & crossing != 0 && e.crossing != evac_network::NONE {
        return Some((crossing_label(network, id), true));
    }
    let name = network.string(e.name);
    let r = network.string(e.ref_);
    match (name, r) {
        ("", "") => None,
        (n, "") => Some((n.to_string(), false)),
        ("", r) => Some((r.to_string(), false)),
        (n, r) => Some((format!("{n} ({r})"), false)),
    }
}

/// Unnamed stretches shorter than this between roads with names (slip roads, the link
/// across a junction) are folded into the road before them on the route sheets: a driver
/// does not look for a 20-m connector, and listing each one split "CG-3" into a dozen
/// lines on the Andorra fixture.
pub const SHORT_UNNAMED_M: f64 = 150.0;

/// A route's roads as a driver follows them: consecutive edges with the same label (or
/// all unnamed, or all approximate with the same label) make one part; junction gates are
/// not roads and are skipped; an unnamed part shorter than [`SHORT_UNNAMED_M`] after a
/// named road (not an approximate link) counts as part of that road.
pub fn route_parts(p: &Problem, network: &Network, edges: &[EdgeIx]) -> Vec<RoadPart> {
    let mut parts: Vec<RoadPart> = Vec::new();
    for &ix in edges {
        if p.edge(ix).junction.is_some() {
            continue;
        }
        let id = p.edge(ix).id;
        let e = network.edge(id);
        let labelled = road_label(network, id);
        let (label, kind) = if e.flags & evac_network::flags::APPROXIMATE != 0 {
            (labelled.map(|l| l.0).unwrap_or_default(), RoadKind::Approximate)
        } else {
            match labelled {
                Some((l, true)) => (l, RoadKind::Crossing),
                Some((l, false)) => (l, RoadKind::Named),
                None => (String::new(), RoadKind::Unnamed),
            }
        };
        let length_m = f64::from(e.length_m);
        match parts.last_mut() {
            Some(last) if last.kind == kind && last.label == label => last.length_m += length_m,
            _ => parts.push(RoadPart { label, kind, length_m }),
        }
    }
    let mut folded: Vec<RoadPart> = Vec::with_capacity(parts.len());
    for part in parts {
        match folded.last_mut() {
            Some(last)
                if part.kind == RoadKind::Unnamed
                    && part.length_m < SHORT_UNNAMED_M
                    && matches!(last.kind, RoadKind::Named | RoadKind::Crossing) =>
            {
                last.length_m += part.length_m;
            }
            // The road goes on after a short connector: one part again.
            Some(last) if last.kind == part.kind && last.label == part.label => last.length_m += part.length_m,
            _ => folded.push(part),
        }
    }
    folded
}

#[derive(Debug, Clone, Serialize)]
pub struct SettlementSchedule {
    pub id: String,
    pub name: String,
    pub vehicles: u32,
    /// Distinct routes: destination and roads after leaving the settlement's area
    /// (`Problem::route_key`); the streets from each origin to the way out do not count.
    pub routes: usize,
    /// Distinct paths, origin to destination, every street counted.
    pub paths: usize,
    pub exposure_vehicle_minutes: f64,
    pub first_departure_step: u32,
    pub last_arrival_step: u32,
    pub waves: Vec<Wave>,
    /// Each route with its departure windows, most vehicles first.
    pub route_waves: Vec<RouteWaves>,
}

/// Everything about a plan a person reads (also embedded in plan.json).
#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    pub scenario: String,
    pub plan_kind: String,
    pub step_s: f64,
    pub vehicles: u64,
    pub clearance_steps: u32,
    pub clearance_90_steps: u32,
    pub lower_bound_steps: u32,
    pub bound_kind: String,
    pub optimum_steps: Option<u32>,
    pub gap: f64,
    pub heuristic_clearance_steps: u32,
    pub heuristic_gap: f64,
    pub heuristic_searches: u64,
    pub baseline_clearance_steps: Option<u32>,
    pub baseline_clearance_90_steps: Option<u32>,
    pub exposure_vehicle_minutes: f64,
    pub baseline_exposure_vehicle_minutes: Option<f64>,
    /// What the published plan optimises: clearance, exposure or balanced.
    pub objective: String,
    pub clearance_slack: f64,
    /// Balanced: the latest clearance admitted (steps).
    pub clearance_limit_steps: u32,
    /// A lower bound on the exposure of every plan, vehicle-minutes.
    pub exposure_lower_bound: f64,
    pub exposure_bound_kind: String,
    /// (exposure - bound) / bound.
    pub exposure_gap: f64,
    /// The route limit per settlement (null: none).
    pub max_routes: Option<u32>,
    /// The most routes any settlement of the plan takes.
    pub max_routes_used: usize,
    /// The best plan found for each objective (before any route limit).
    pub objectives: Vec<ObjectiveFigures>,
    /// What the route limit cost (null when no limit applied).
    pub route_limit: Option<RouteLimitFigures>,
    pub closures: Vec<String>,
    /// Settlements on our side left out of the plan because every road from them runs
    /// beyond the line (empty without a line hazard): they need another way out.
    pub cut_off_by_line: Vec<evac_plan::CutOff>,
    /// The scenario's exposure rings, when it sets any: every exposure figure (and the
    /// bound) is then weighted by them. Not written without rings, so that plan.json stays
    /// what it was for scenarios without (a missing key means weight 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exposure_rings: Vec<ExposureRing>,
    pub bottlenecks: Vec<Bottleneck>,
    pub settlements: Vec<SettlementSchedule>,
    pub exact_skipped: Option<String>,
    pub seconds: BTreeMap<String, f64>,
}

/// [`ObjectiveBest`] in minutes.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveFigures {
    pub objective: String,
    pub plan: String,
    pub clearance_steps: u32,
    pub exposure_vehicle_minutes: f64,
    pub max_routes: usize,
}

/// [`RouteLimitCost`] in minutes.
#[derive(Debug, Clone, Serialize)]
pub struct RouteLimitFigures {
    pub max_routes: u32,
    pub unlimited_clearance_steps: u32,
    pub unlimited_exposure_vehicle_minutes: f64,
    pub unlimited_max_routes: usize,
    pub limited_clearance_steps: u32,
    pub limited_exposure_vehicle_minutes: f64,
    pub limited_max_routes: usize,
    pub unconstrained_sources: Vec<String>,
}

/// Road names along a route, consecutive repeats merged, bridges named by their river.
pub fn route_summary(p: &Problem, network: &Network, legs: &[Leg], max_parts: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    for l in legs.iter().filter(|l| p.edge(l.edge).junction.is_none()) {
        let Some((label, _)) = road_label(network, p.edge(l.edge).id) else { continue };
        if parts.last() != Some(&label) {
            parts.push(label);
        }
    }
    if parts.len() > max_parts {
        let keep = max_parts.saturating_sub(1);
        let last = parts.last().cloned().unwrap_or_default();
        parts.truncate(keep);
        parts.push(format!("... {last}"));
    }
    if parts.is_empty() { "(unnamed roads)".into() } else { parts.join(" → ") }
}

pub fn bottlenecks(p: &Problem, network: &Network, plan: &Plan, top: usize) -> Vec<Bottleneck> {
    let loads = plan.edge_loads();
    let mut per_edge: HashMap<EdgeIx, (u64, u32)> = HashMap::new();
    for ((e, t), v) in &loads {
        let entry = per_edge.entry(*e).or_default();
        entry.0 += u64::from(*v);
        if *v >= p.edge(*e).capacity_at(*t) {
            entry.1 += 1;
        }
    }
    let mut list: Vec<(EdgeIx, u64, u32)> =
        per_edge.into_iter().map(|(e, (v, s))| (e, v, s)).filter(|x| x.2 > 0).collect();
    list.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    let mut seen_labels = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (e, vehicles, saturated) in list {
        let id = p.edge(e).id;
        let (label, mid) = match p.edge(e).junction {
            Some(node) => (junction_label(network, node), network.node_location(node)),
            None => {
                let edge = network.edge(id);
                let crossing = evac_network::flags::BRIDGE | evac_network::flags::FORD | evac_network::flags::FERRY;
                let label =
                    if edge.flags & crossing != 0 { crossing_label(network, id) } else { network.edge_label(id) };
                let g = network.edge_geometry(id);
                (label, g[g.len() / 2])
            }
        };
        if !seen_labels.insert(label.clone()) {
            continue;
        }
        out.push(Bottleneck {
            label,
            edge: if p.edge(e).junction.is_some() { None } else { Some(id) },
            junction: p.edge(e).junction,
            vehicles,
            capacity_vph: (p.edge(e).capacity_per_step * 3600.0 / p.step_s()).round(),
            saturated_steps: saturated,
            lat: mid.lat,
            lon: mid.lon,
        });
        if out.len() == top {
            break;
        }
    }
    out
}

/// "junction of A and B": the named roads that meet at a node, by capacity.
pub fn junction_label(network: &Network, node: u32) -> String {
    let mut roads: Vec<(f32, String)> = network
        .out_edge_ids(node)
        .map(|e| (network.edges()[e as usize].capacity_vph, network.edge_label(evac_network::EdgeId(e))))
        .chain(
            network
                .in_edges_of(node)
                .iter()
                .map(|&e| (network.edges()[e as usize].capacity_vph, network.edge_label(evac_network::EdgeId(e)))),
        )
        .filter(|(_, l)| !l.starts_with("way "))
        .collect();
    roads.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut names: Vec<String> = Vec::new();
    for (_, l) in roads {
        if !names.contains(&l) {
            names.push(l);
        }
    }
    match names.as_slice() {
        [] => format!("junction at node {node}"),
        [one] => format!("junction on {one}"),
        [a, b, ..] => format!("junction of {a} and {b}"),
    }
}

/// Per settlement (all its origins together): waves of departures with their routes.
pub fn schedules(p: &Problem, network: &Network, plan: &Plan) -> Vec<SettlementSchedule> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_settlement: HashMap<&str, Vec<&Group>> = HashMap::new();
    let mut vehicles: HashMap<&str, u32> = HashMap::new();
    let mut names: HashMap<&str, &str> = HashMap::new();
    for s in p.sources() {
        let key = s.settlement.as_str();
        if !names.contains_key(key) {
            order.push(key);
            names.insert(key, &s.name);
        }
        *vehicles.entry(key).or_default() += s.vehicles;
    }
    for g in &plan.groups {
        by_settlement.entry(p.sources()[g.source as usize].settlement.as_str()).or_default().push(g);
    }
    let mut out: Vec<SettlementSchedule> = Vec::new();
    for key in order {
        let mut groups = by_settlement.remove(key).unwrap_or_default();
        groups.sort_by_key(|g| (g.depart_step(), g.arrival_step(p)));
        let paths: std::collections::HashSet<Vec<EdgeIx>> =
            groups.iter().map(|g| g.legs.iter().map(|l| l.edge).collect()).collect();
        // A group already at its destination (no legs) takes no route.
        let routes: std::collections::HashSet<(u32, Vec<EdgeIx>)> =
            groups.iter().filter(|g| !g.legs.is_empty()).map(|g| p.route_key(g)).collect();
        // Per route: its vehicles and each group's (departure step, vehicles).
        type Departures = (u32, Vec<(u32, u32)>);
        let mut by_route: BTreeMap<(u32, Vec<EdgeIx>), Departures> = BTreeMap::new();
        for g in groups.iter().filter(|g| !g.legs.is_empty()) {
            let entry = by_route.entry(p.route_key(g)).or_default();
            entry.0 += g.vehicles;
            entry.1.push((g.depart_step(), g.vehicles));
        }
        let mut route_waves: Vec<RouteWaves> = by_route
            .into_iter()
            .map(|((node, edges), (vehicles, mut departs))| {
                departs.sort_unstable();
                let mut windows: Vec<(u32, u32)> = Vec::new();
                let mut window_vehicles: Vec<u32> = Vec::new();
                for (t, v) in departs {
                    match windows.last_mut() {
                        Some(w) if w.1 == t || w.1 + 1 == t => {
                            w.1 = t;
                            *window_vehicles.last_mut().expect("one count per window") += v;
                        }
                        _ => {
                            windows.push((t, t));
                            window_vehicles.push(v);
                        }
                    }
                }
                let legs: Vec<Leg> = edges.iter().map(|&edge| Leg { edge, enter_step: 0 }).collect();
                let length_m = edges
                    .iter()
                    .filter(|&&e| p.edge(e).junction.is_none())
                    .map(|&e| f64::from(network.edge(p.edge(e).id).length_m))
                    .sum();
                RouteWaves {
                    window_vehicles,
                    parts: route_parts(p, network, &edges),
                    length_m,
                    free_flow_s: edges.iter().map(|&e| f64::from(p.edge(e).free_flow_s)).sum(),
                    route: route_summary(p, network, &legs, 6),
                    destination: p
                        .destinations()
                        .iter()
                        .filter(|d| d.node == node)
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" / "),
                    vehicles,
                    windows,
                }
            })
            .collect();
        route_waves.sort_by_key(|r| std::cmp::Reverse(r.vehicles));
        let exposure: f64 = groups.iter().map(|g| g.weighted_exposure(p)).sum();
        // A wave: the vehicles leaving in one step towards one destination by one route.
        let mut waves: Vec<Wave> = Vec::new();
        for g in groups {
            let route = route_summary(p, network, &g.legs, 6);
            let destination = p.destinations()[g.destination as usize].name.clone();
            match waves
                .iter_mut()
                .find(|w| w.depart_step == g.depart_step() && w.route == route && w.destination == destination)
            {
                Some(w) => {
                    w.vehicles += g.vehicles;
                    w.arrive_step = w.arrive_step.max(g.arrival_step(p));
                }
                None => waves.push(Wave {
                    depart_step: g.depart_step(),
                    arrive_step: g.arrival_step(p),
                    vehicles: g.vehicles,
                    destination,
                    route,
                }),
            }
        }
        out.push(SettlementSchedule {
            id: key.to_string(),
            name: names[key].to_string(),
            vehicles: vehicles[key],
            routes: routes.len(),
            paths: paths.len(),
            exposure_vehicle_minutes: exposure * p.step_s() / 60.0,
            first_departure_step: waves.iter().map(|w| w.depart_step).min().unwrap_or(0),
            last_arrival_step: waves.iter().map(|w| w.arrive_step).max().unwrap_or(0),
            waves,
            route_waves,
        });
    }
    out
}

pub fn summary(
    scenario: &str,
    p: &Problem,
    network: &Network,
    run: &RunResult,
    closures: &[String],
    exposure_rings: &[ExposureRing],
) -> PlanSummary {
    // Exposures are f64 (weighted vehicle-steps; whole numbers without rings, converted
    // exactly as the u64 they used to be).
    let minutes = |steps: f64| steps * p.step_s() / 60.0;
    let mut seconds = BTreeMap::new();
    seconds.insert("heuristic".to_string(), run.seconds_heuristic);
    seconds.insert("bound".to_string(), run.seconds_bound);
    seconds.insert("exact".to_string(), run.seconds_exact);
    seconds.insert("baseline".to_string(), run.seconds_baseline);
    seconds.insert("exposure".to_string(), run.seconds_exposure);
    let figures = |b: &ObjectiveBest| ObjectiveFigures {
        objective: b.objective.name().to_string(),
        plan: b.plan.clone(),
        clearance_steps: b.clearance_steps,
        exposure_vehicle_minutes: minutes(b.exposure_vehicle_steps),
        max_routes: b.max_routes,
    };
    let limit = |c: &RouteLimitCost| RouteLimitFigures {
        max_routes: c.max_routes,
        unlimited_clearance_steps: c.unlimited_clearance_steps,
        unlimited_exposure_vehicle_minutes: minutes(c.unlimited_exposure_vehicle_steps),
        unlimited_max_routes: c.unlimited_max_routes,
        limited_clearance_steps: c.limited_clearance_steps,
        limited_exposure_vehicle_minutes: minutes(c.limited_exposure_vehicle_steps),
        limited_max_routes: c.limited_max_routes,
        unconstrained_sources: c.unconstrained_sources.clone(),
    };
    PlanSummary {
        scenario: scenario.to_string(),
        plan_kind: run.plan_kind.to_string(),
        step_s: p.step_s(),
        vehicles: p.total_vehicles(),
        clearance_steps: run.plan.clearance_steps(p),
        clearance_90_steps: run.plan.steps_to_clear_share(p, 0.9),
        lower_bound_steps: run.lower_bound,
        bound_kind: run.bound_kind.clone(),
        optimum_steps: run.optimum,
        gap: run.gap(p),
        heuristic_clearance_steps: run.heuristic.clearance_steps(p),
        heuristic_gap: run.heuristic_gap(p),
        heuristic_searches: run.heuristic_searches,
        baseline_clearance_steps: run.baseline.as_ref().map(|b| b.clearance_steps(p)),
        baseline_clearance_90_steps: run.baseline.as_ref().map(|b| b.steps_to_clear_share(p, 0.9)),
        exposure_vehicle_minutes: minutes(run.plan.exposure_vehicle_steps(p)),
        baseline_exposure_vehicle_minutes: run.baseline.as_ref().map(|b| minutes(b.exposure_vehicle_steps(p))),
        objective: run.objective.name().to_string(),
        clearance_slack: run.clearance_slack,
        clearance_limit_steps: run.clearance_limit,
        exposure_lower_bound: minutes(run.exposure_lower_bound),
        exposure_bound_kind: run.exposure_bound_kind.clone(),
        exposure_gap: run.exposure_gap(p),
        max_routes: run.max_routes,
        max_routes_used: run.plan.max_routes(p),
        objectives: run.best.iter().map(figures).collect(),
        route_limit: run.route_limit.as_ref().map(limit),
        closures: closures.to_vec(),
        cut_off_by_line: Vec::new(),
        exposure_rings: exposure_rings.to_vec(),
        bottlenecks: bottlenecks(p, network, &run.plan, 10),
        settlements: schedules(p, network, &run.plan),
        exact_skipped: run.exact_skipped.clone(),
        seconds,
    }
}

/// A car plan rendered: the summary a person reads, plan.json, and every file by name
/// (plan.json, plan.geojson, schedule.csv, plan.svg).
pub struct PlanDocuments {
    pub summary: PlanSummary,
    pub json: String,
    pub files: Vec<(&'static str, Vec<u8>)>,
}

/// The plan's documents; `approximate`: the plan's dependence on approximate links
/// (plan.json key `approximate_links`).
pub fn plan_documents(
    scenario: &str,
    car: &CarPlan,
    network: &Network,
    approximate: Option<&evac_plan::ApproximateUse>,
) -> PlanDocuments {
    let (p, result) = (&car.problem, &car.result);
    let mut summary = summary(scenario, p, network, result, &car.closures, &car.exposure_rings);
    summary.cut_off_by_line = car.cut_off.clone();
    let json = plan_json(p, network, result, &summary, approximate);
    let mut curves =
        vec![(format!("evac plan ({})", summary.plan_kind), "#1565c0", result.plan.safe_over_time(p), false)];
    if result.plan != result.clearance_plan {
        let label = format!("best clearance ({})", result.clearance_plan_kind);
        curves.push((label, "#2e7d32", result.clearance_plan.safe_over_time(p), true));
    }
    if result.clearance_plan_kind == "optimal" {
        curves.push(("CCRP heuristic".to_string(), "#6a1b9a", result.heuristic.safe_over_time(p), true));
    }
    if let Some(b) = &result.baseline {
        curves.push(("naive baseline".to_string(), "#c62828", b.safe_over_time(p), true));
    }
    let curves_ref: Vec<(&str, &str, Vec<u64>, bool)> =
        curves.iter().map(|(l, c, v, d)| (l.as_str(), *c, v.clone(), *d)).collect();
    let chart = safe_over_time_svg(
        &format!("Vehicles safe over time — {scenario}"),
        p.step_s(),
        &curves_ref,
        p.total_vehicles(),
    );
    let files = vec![
        ("plan.json", json.clone().into_bytes()),
        ("plan.geojson", plan_geojson(p, network, &result.plan).into_bytes()),
        ("schedule.csv", schedule_csv(&summary).into_bytes()),
        ("plan.svg", chart.into_bytes()),
    ];
    PlanDocuments { summary, json, files }
}

/// plan.json: the summary plus everything an independent verifier needs (edges, sources,
/// destinations, groups with legs; edge ids are the network's; every node of the problem
/// with its position and whether it lies in the mandatory zone, so that exposure can be
/// recomputed from the groups).
pub fn plan_json(
    p: &Problem,
    network: &Network,
    run: &RunResult,
    summary: &PlanSummary,
    approximate: Option<&evac_plan::ApproximateUse>,
) -> String {
    // The large arrays (an oblast's plan has 1.5 million legs) are written straight from
    // typed rows: as `serde_json::Value`s they were a fifth of the whole `evac plan`. The
    // rows' fields are in alphabetical order, as the objects of the small summary part
    // (a `Value`, whose maps are sorted) are, so the file reads the same throughout.
    #[derive(Serialize)]
    struct NodeRow {
        id: u32,
        in_zone: bool,
        lat: f64,
        lon: f64,
    }
    #[derive(Serialize)]
    #[serde(untagged)]
    enum EdgeKey {
        Junction(String),
        Road(EdgeId),
    }
    #[derive(Serialize)]
    struct EdgeRow {
        capacity_per_step: f64,
        free_flow_s: f64,
        from: u32,
        id: EdgeKey,
        #[serde(skip_serializing_if = "Option::is_none")]
        junction: Option<u32>,
        to: u32,
        travel_steps: u32,
    }
    #[derive(Serialize)]
    struct SourceRow<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        exposure_weight: Option<f64>,
        id: &'a str,
        name: &'a str,
        node: u32,
        settlement: &'a str,
        vehicles: u32,
    }
    #[derive(Serialize)]
    struct DestinationRow<'a> {
        capacity_vehicles: Option<u32>,
        id: &'a str,
        name: &'a str,
        node: u32,
    }
    #[derive(Serialize)]
    struct LegRow<'a> {
        edge: &'a EdgeKey,
        enter_step: u32,
    }
    #[derive(Serialize)]
    struct GroupRow<'a> {
        arrive_step: u32,
        depart_step: u32,
        destination: &'a str,
        legs: Vec<LegRow<'a>>,
        source: &'a str,
        vehicles: u32,
    }
    // The id of a problem edge in plan.json: the network's edge id for a road, else its
    // junction edge name (`Problem::junction_edge_name`).
    let key = |e: EdgeIx| match p.junction_edge_name(e) {
        Some(name) => EdgeKey::Junction(name),
        None => EdgeKey::Road(p.edge(e).id),
    };
    let round = |x: f64| (x * 1e6).round() / 1e6;
    let nodes: Vec<NodeRow> = (0..p.node_count() as u32)
        .map(|v| {
            let at = network.node_location(p.network_node(v));
            NodeRow { id: v, in_zone: p.in_zone(v), lat: round(at.lat), lon: round(at.lon) }
        })
        .collect();
    let edges: Vec<EdgeRow> = p
        .edges()
        .iter()
        .enumerate()
        .map(|(i, e)| EdgeRow {
            capacity_per_step: e.capacity_per_step,
            free_flow_s: f64::from(e.free_flow_s),
            from: e.from,
            id: key(EdgeIx(i as u32)),
            junction: e.junction,
            to: e.to,
            travel_steps: e.travel_steps,
        })
        .collect();
    // With rings only (as `exposure_rings`): a source without it weighs 1.
    let weighted = !summary.exposure_rings.is_empty();
    let sources: Vec<SourceRow> = p
        .sources()
        .iter()
        .map(|s| SourceRow {
            exposure_weight: weighted.then_some(s.exposure_weight),
            id: &s.id,
            name: &s.name,
            node: s.node,
            settlement: &s.settlement,
            vehicles: s.vehicles,
        })
        .collect();
    let destinations: Vec<DestinationRow> = p
        .destinations()
        .iter()
        .map(|d| DestinationRow { capacity_vehicles: d.capacity_vehicles, id: &d.id, name: &d.name, node: d.node })
        .collect();
    // One key per edge, shared by every leg over it.
    let keys: Vec<EdgeKey> = (0..p.edges().len()).map(|i| key(EdgeIx(i as u32))).collect();
    let groups: Vec<GroupRow> = run
        .plan
        .groups
        .iter()
        .map(|g| GroupRow {
            arrive_step: g.arrival_step(p),
            depart_step: g.depart_step(),
            destination: &p.destinations()[g.destination as usize].id,
            legs: g.legs.iter().map(|l| LegRow { edge: &keys[l.edge.index()], enter_step: l.enter_step }).collect(),
            source: &p.sources()[g.source as usize].id,
            vehicles: g.vehicles,
        })
        .collect();
    let mut v = serde_json::to_value(summary).expect("summary serialises");
    let obj = v.as_object_mut().expect("object");
    if let Some(a) = approximate {
        obj.insert("approximate_links".into(), json!(a));
    }
    for big in ["edges", "sources", "destinations", "groups", "nodes"] {
        obj.insert(big.into(), serde_json::Value::Null);
    }
    let mut out: Vec<u8> = Vec::with_capacity(64 * run.plan.groups.len() + (1 << 16));
    out.push(b'{');
    for (i, (k, v)) in obj.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, k).expect("a key serialises");
        out.push(b':');
        let written = match k.as_str() {
            "edges" => serde_json::to_writer(&mut out, &edges),
            "sources" => serde_json::to_writer(&mut out, &sources),
            "destinations" => serde_json::to_writer(&mut out, &destinations),
            "groups" => serde_json::to_writer(&mut out, &groups),
            "nodes" => serde_json::to_writer(&mut out, &nodes),
            _ => serde_json::to_writer(&mut out, v),
        };
        written.expect("plan serialises");
    }
    out.extend_from_slice(b"}\n");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn minutes_label(steps: u32, step_s: f64) -> String {
    let m = (f64::from(steps) * step_s / 60.0).round() as u64;
    format!("{}:{:02}", m / 60, m % 60)
}

/// schedule.csv: one row per wave.
pub fn schedule_csv(summary: &PlanSummary) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    crate::write_csv_row(
        &mut w,
        [
            "settlement_id",
            "settlement",
            "wave",
            "depart_after_order",
            "depart_step",
            "vehicles",
            "route",
            "destination",
            "arrive_after_order",
            "arrive_step",
        ],
    )
    .expect("memory");
    for s in &summary.settlements {
        for (i, wave) in s.waves.iter().enumerate() {
            crate::write_csv_row(
                &mut w,
                [
                    s.id.clone(),
                    s.name.clone(),
                    (i + 1).to_string(),
                    minutes_label(wave.depart_step, summary.step_s),
                    wave.depart_step.to_string(),
                    wave.vehicles.to_string(),
                    wave.route.clone(),
                    wave.destination.clone(),
                    minutes_label(wave.arrive_step, summary.step_s),
                    wave.arrive_step.to_string(),
                ],
            )
            .expect("memory");
        }
    }
    String::from_utf8(w.into_inner().expect("memory")).expect("utf-8")
}

/// plan.geojson: routes with their vehicles, loaded edges, sources and destinations.
pub fn plan_geojson(p: &Problem, network: &Network, plan: &Plan) -> String {
    let mut features: Vec<serde_json::Value> = Vec::new();
    let mut per_edge: HashMap<EdgeIx, u64> = HashMap::new();
    let mut saturated: HashMap<EdgeIx, u32> = HashMap::new();
    for ((e, t), v) in plan.edge_loads() {
        *per_edge.entry(e).or_default() += u64::from(v);
        if v >= p.edge(e).capacity_at(t) {
            *saturated.entry(e).or_default() += 1;
        }
    }
    let mut edges: Vec<(&EdgeIx, &u64)> = per_edge.iter().collect();
    edges.sort();
    for (&e, &vehicles) in edges {
        let id = p.edge(e).id;
        if let Some(node) = p.edge(e).junction {
            let q = network.node_location(node);
            features.push(json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [(q.lon * 1e6).round() / 1e6, (q.lat * 1e6).round() / 1e6]},
                "properties": {"kind": "junction", "node": node, "vehicles": vehicles, "capacity_per_step": p.edge(e).capacity_per_step,
                               "saturated_steps": saturated.get(&e).copied().unwrap_or(0), "name": junction_label(network, node)}}));
            continue;
        }
        let coords: Vec<[f64; 2]> = network
            .edge_geometry(id)
            .iter()
            .map(|q| [(q.lon * 1e6).round() / 1e6, (q.lat * 1e6).round() / 1e6])
            .collect();
        features.push(json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"kind": "load", "edge": id, "vehicles": vehicles, "capacity_per_step": p.edge(e).capacity_per_step,
                           "saturated_steps": saturated.get(&e).copied().unwrap_or(0), "name": network.edge_label(id)}}));
    }
    // One feature per distinct route (source, destination, edges), with its vehicles.
    let mut routes: BTreeMap<(u32, u32, Vec<EdgeIx>), u64> = BTreeMap::new();
    for g in &plan.groups {
        *routes.entry((g.source, g.destination, g.legs.iter().map(|l| l.edge).collect())).or_default() +=
            u64::from(g.vehicles);
    }
    for ((s, d, legs), vehicles) in routes {
        let mut coords: Vec<[f64; 2]> = Vec::new();
        for e in &legs {
            if p.edge(*e).junction.is_some() {
                continue;
            }
            for q in network.edge_geometry(p.edge(*e).id) {
                let c = [(q.lon * 1e6).round() / 1e6, (q.lat * 1e6).round() / 1e6];
                if coords.last() != Some(&c) {
                    coords.push(c);
                }
            }
        }
        if coords.len() < 2 {
            continue;
        }
        features.push(json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"kind": "route", "source": p.sources()[s as usize].id, "settlement": p.sources()[s as usize].name,
                           "destination": p.destinations()[d as usize].name, "vehicles": vehicles}}));
    }
    for s in p.sources() {
        let n = network.node_location(s.node);
        features.push(json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
            "properties": {"kind": "source", "id": s.id, "name": s.name, "vehicles": s.vehicles}}));
    }
    for d in p.destinations() {
        let n = network.node_location(d.node);
        features.push(json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
            "properties": {"kind": "destination", "id": d.id, "name": d.name, "capacity_vehicles": d.capacity_vehicles}}));
    }
    let mut s = serde_json::to_string(&json!({"type": "FeatureCollection", "features": features,
        "attribution": "Road network © OpenStreetMap contributors (ODbL 1.0)"}))
    .expect("geojson");
    s.push('\n');
    s
}

/// A chart of vehicles safe over time, one line per curve (label, colour, cumulative
/// vehicles per step, dashed).
pub fn safe_over_time_svg(title: &str, step_s: f64, curves: &[(&str, &str, Vec<u64>, bool)], total: u64) -> String {
    // Three legend entries fit a row; more (planned against simulated) add rows below.
    let extra_rows = curves.len().saturating_sub(1) / 3;
    let (w, h) = (760.0, 420.0 + 18.0 * extra_rows as f64);
    let (left, right, top, bottom) = (70.0, 20.0, 40.0, 60.0 + 18.0 * extra_rows as f64);
    let steps = curves.iter().map(|c| c.2.len()).max().unwrap_or(1).max(2) as f64 - 1.0;
    let minutes = steps * step_s / 60.0;
    let x = |step: f64| left + step / steps * (w - left - right);
    let y = |v: f64| top + (1.0 - v / total.max(1) as f64) * (h - top - bottom);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px" font-family="sans-serif" font-size="12">
<rect width="{w}" height="{h}" fill="#ffffff"/>
<text x="{left}" y="24" font-size="15" font-weight="bold">{}</text>
"##,
        crate::map::esc(title)
    );
    // Grid: 5 horizontal lines, ticks every round number of minutes.
    for i in 0..=4 {
        let v = total as f64 * f64::from(i) / 4.0;
        let yy = y(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e0e0e0"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            w - right,
            left - 6.0,
            yy + 4.0,
            v.round()
        );
    }
    let tick =
        [5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0].into_iter().find(|t| minutes / t <= 10.0).unwrap_or(960.0);
    let mut m = 0.0;
    while m <= minutes + 1e-9 {
        let xx = x(m * 60.0 / step_s);
        let _ = writeln!(
            svg,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{top}" y2="{}" stroke="#f0f0f0"/><text x="{xx:.1}" y="{}" text-anchor="middle">{}:{:02}</text>"##,
            h - bottom,
            h - bottom + 16.0,
            (m / 60.0).floor(),
            (m % 60.0).round()
        );
        m += tick;
    }
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle">time after the order (h:mm)</text>"##,
        (left + w - right) / 2.0,
        h - bottom + 34.0
    );
    let _ = writeln!(
        svg,
        r##"<text transform="translate(16,{}) rotate(-90)" text-anchor="middle">vehicles safe</text>"##,
        (top + h - bottom) / 2.0
    );
    for (i, (label, colour, curve, dashed)) in curves.iter().enumerate() {
        let mut d = String::new();
        let mut last = 0u64;
        for (step, &v) in curve.iter().enumerate() {
            let _ = write!(d, "{}{:.1},{:.1}", if step == 0 { "M" } else { "L" }, x(step as f64), y(v as f64));
            last = v;
        }
        // Hold the final value to the right edge.
        let _ = write!(d, "L{:.1},{:.1}", x(steps), y(last as f64));
        let dash = if *dashed { r#" stroke-dasharray="6 4""# } else { "" };
        let _ = writeln!(svg, r##"<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.4"{dash}/>"##);
        let ly = h - 14.0 - 18.0 * (extra_rows - i / 3) as f64;
        let lx = left + (i % 3) as f64 * 230.0;
        let _ = writeln!(
            svg,
            r##"<line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"{dash}/><text x="{}" y="{}">{}</text>"##,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            crate::map::esc(label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The plan in a few lines of text.
/// A figure rounded to a whole number for printing: half away from zero, as anyone
/// recomputing it rounds (`{:.0}` alone rounds a tie to even: ring weights of 0.5 make
/// half vehicle-minutes).
fn whole(x: f64) -> f64 {
    x.round()
}

pub fn summary_text(s: &PlanSummary) -> String {
    let mut out = String::new();
    let min = |steps: u32| minutes_label(steps, s.step_s);
    let _ = writeln!(
        out,
        "Evacuation plan — {} ({} vehicles, step {} s, {} plan)",
        s.scenario, s.vehicles, s.step_s, s.plan_kind
    );
    if !s.closures.is_empty() {
        let _ = writeln!(out, "closed: {}", s.closures.join("; "));
    }
    if !s.cut_off_by_line.is_empty() {
        let names: Vec<&str> = s.cut_off_by_line.iter().map(|c| c.name.as_str()).collect();
        let vehicles = s.cut_off_by_line.iter().map(|c| u64::from(c.vehicles)).sum();
        let _ = writeln!(out, "{}", crate::cut_off_line("out", "settlements", &names, vehicles, "vehicles"));
    }
    let _ =
        writeln!(out, "  clearance (last vehicle safe)   {}  ({} steps)", min(s.clearance_steps), s.clearance_steps);
    let _ = writeln!(out, "  90% of vehicles safe by         {}", min(s.clearance_90_steps));
    let bound = match s.optimum_steps {
        Some(o) => format!("optimum {} ({} steps, exact)", min(o), o),
        None => format!("lower bound {} ({} steps, {})", min(s.lower_bound_steps), s.lower_bound_steps, s.bound_kind),
    };
    let _ = writeln!(out, "  {bound}; gap {:.1}%", s.gap * 100.0);
    let _ = writeln!(
        out,
        "  CCRP heuristic alone            {}  (gap {:.1}%, {} searches)",
        min(s.heuristic_clearance_steps),
        s.heuristic_gap * 100.0,
        s.heuristic_searches
    );
    if let (Some(b), Some(b90)) = (s.baseline_clearance_steps, s.baseline_clearance_90_steps) {
        let _ = writeln!(
            out,
            "  naive baseline (all leave now, shortest route): {} (90% by {}) — the plan saves {}",
            min(b),
            min(b90),
            min(b.saturating_sub(s.clearance_steps))
        );
    }
    let weighted = if s.exposure_rings.is_empty() {
        String::new()
    } else {
        let rings: Vec<String> =
            s.exposure_rings.iter().map(|r| format!("within {} km × {}", r.within_km, r.weight)).collect();
        format!(", weighted by ring: {}, else × 1", rings.join(", "))
    };
    let _ = writeln!(
        out,
        "  exposure inside the mandatory zone: {:.0} vehicle-minutes{}{weighted}",
        whole(s.exposure_vehicle_minutes),
        s.baseline_exposure_vehicle_minutes.map(|b| format!(" (baseline {:.0})", whole(b))).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "  exposure lower bound {:.0} vehicle-minutes ({}); gap {}",
        whole(s.exposure_lower_bound),
        s.exposure_bound_kind,
        if s.exposure_gap.is_finite() { format!("{:.1}%", s.exposure_gap * 100.0) } else { "-".into() }
    );
    let slack = if s.objective == "balanced" {
        format!(
            " (clearance within {:.0}% of the optimum: by {})",
            s.clearance_slack * 100.0,
            min(s.clearance_limit_steps)
        )
    } else {
        String::new()
    };
    let limit =
        s.max_routes.map_or_else(|| "no route limit".to_string(), |n| format!("at most {n} routes per settlement"));
    let _ = writeln!(out, "  objective {}{slack}; {limit} (most used: {})", s.objective, s.max_routes_used);
    let _ = writeln!(out, "  best plan found per objective:    clearance   exposure (veh-min)   routes  plan");
    for b in &s.objectives {
        let _ = writeln!(
            out,
            "    {:<30} {:>9}   {:>18.0}   {:>6}  {}",
            b.objective,
            min(b.clearance_steps),
            whole(b.exposure_vehicle_minutes),
            b.max_routes,
            b.plan
        );
    }
    if let Some(c) = &s.route_limit {
        let _ = writeln!(
            out,
            "  cost of at most {} routes per settlement: clearance {} → {}, exposure {:.0} → {:.0} vehicle-minutes, routes {} → {}{}",
            c.max_routes,
            min(c.unlimited_clearance_steps),
            min(c.limited_clearance_steps),
            whole(c.unlimited_exposure_vehicle_minutes),
            whole(c.limited_exposure_vehicle_minutes),
            c.unlimited_max_routes,
            c.limited_max_routes,
            if c.unconstrained_sources.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} origins reach none of their settlement's routes: {})",
                    c.unconstrained_sources.len(),
                    c.unconstrained_sources.join(", ")
                )
            }
        );
    }
    if let Some(why) = &s.exact_skipped {
        let _ = writeln!(out, "  exact optimum not computed: {why}");
    }
    let _ = writeln!(out, "\nworst bottlenecks (minutes at capacity, vehicles):");
    for b in &s.bottlenecks {
        let _ = writeln!(
            out,
            "  {:<64} {:>4} min  {:>6} vehicles  ({} veh/h)",
            b.label.chars().take(64).collect::<String>(),
            (f64::from(b.saturated_steps) * s.step_s / 60.0).round(),
            b.vehicles,
            b.capacity_vph
        );
    }
    let _ = writeln!(out, "\nsettlements (first departure → last arrival, routes, main route):");
    let mut rows: Vec<&SettlementSchedule> = s.settlements.iter().collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.last_arrival_step));
    for r in rows {
        let _ = writeln!(
            out,
            "  {:<22} {:>5} veh  {} → {}  {} route(s)  {}",
            r.name,
            r.vehicles,
            min(r.first_departure_step),
            min(r.last_arrival_step),
            r.routes,
            r.waves.first().map(|w| format!("{} → {}", w.route, w.destination)).unwrap_or_default()
        );
    }
    out
}

/// The lines of the plan summary about approximate links (none when the network has none).
pub fn approximate_text(a: &evac_plan::ApproximateUse) -> String {
    if a.network_links == 0 {
        return String::new();
    }
    format!(
        "\non approximate links (straight access links standing for village roads not in the data): \
{} vehicles ({} people, {:.0}% of vehicles) from {} settlements use {} of the network's {} approximate links ({:.1} km); \
their times and capacities are estimates (docs/network.md)\n",
        a.vehicles,
        a.people,
        a.share * 100.0,
        a.settlements,
        a.links_used,
        a.network_links,
        a.km_used
    )
}
