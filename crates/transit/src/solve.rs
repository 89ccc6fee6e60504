//! From a scenario to a transit plan: the pickups, the fleet, the beds, the trains, the
//! travel times between them, the plan and its bound.

use crate::problem::{Pickup, TCentre, TTrain, TVehicle, Times, TransitPlan, TransitProblem};
use evac_model::{LatLon, VehicleKind};
use evac_network::{Closures, Network, Router, Snapper};
use evac_plan::CarPlan;
use evac_plan::side::{OpenSnapper, beyond_line_nodes, close_beyond_line};
use evac_scenario::Scenario;
use evac_zone::{Order, OrderOptions, Zone};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How to plan transit.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitOptions {
    /// Serve the advisory zone too.
    pub advisory: bool,
    /// Persons per car in the car plan (their beds are not available to transit).
    pub occupancy: f64,
    /// Seconds to spend improving the plan.
    pub seconds: u64,
    /// Ask how many more vehicles finish by this time, seconds after the order.
    pub deadline_s: Option<f64>,
    /// Plan on free-flow travel times even when a car plan is given (for comparisons).
    pub free_flow: bool,
}

impl Default for TransitOptions {
    fn default() -> Self {
        TransitOptions { advisory: false, occupancy: 2.5, seconds: 10, deadline_s: None, free_flow: false }
    }
}

/// Why transit could not be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitError {
    #[error("{option} {message}")]
    InvalidOption { option: &'static str, message: String },
    #[error(
        "{scenario} has no fleet: add `fleet = \"fleet.csv\"` under [files] with columns id,kind,depot_lat,depot_lon,seats,count (kind: bus, minibus, ambulance, accessible; see docs/scenario.md)"
    )]
    NoFleet { scenario: String },
    #[error("{scenario} has no road network: add `network = ...` under [files] (docs/network.md)")]
    NoNetwork { scenario: String },
    #[error(
        "people who cannot walk live in {settlements} but the fleet has no ambulance or accessible vehicle: add one to {fleet_file} (kind ambulance or accessible)"
    )]
    NoStretcherVehicle { settlements: String, fleet_file: String },
}

/// A duration such as `6h`, `90m`, `90min` or `5400s` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.trim().parse().map_err(|_| format!("expected a duration like 6h, 90m or 5400s, found \"{s}\""))?;
    let factor = match unit.trim() {
        "h" => 3600.0,
        "m" | "min" => 60.0,
        "s" | "" => 1.0,
        other => return Err(format!("unknown unit \"{other}\" (use h, m or s)")),
    };
    let seconds = n * factor;
    if !seconds.is_finite() || !(0.0..=30.0 * 86_400.0).contains(&seconds) {
        return Err(format!("expected a duration between 0 and 30 days, found \"{s}\""));
    }
    Ok(seconds)
}

/// The answer to "how many more vehicles to finish by the deadline?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineAnswer {
    pub deadline_s: f64,
    /// 0 when the fleet already finishes in time.
    pub extra_vehicles: u32,
    /// The kind (and seats) of the extra vehicles, the kind whose trips finish last.
    pub kind: String,
    /// When the enlarged fleet finishes; `None` when no number up to the limit is enough
    /// (the roads, not the fleet, are the limit).
    pub completion_s: Option<f64>,
}

/// One unserved settlement in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unserved {
    pub settlement: String,
    pub people: u32,
    pub immobile: u32,
}

/// A pickup point left out of the transit plan: every road to it runs beyond the line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CutOffPickup {
    pub pickup: String,
    pub name: String,
    pub people: u32,
    pub immobile: u32,
}

/// The figures of a transit plan (the head of transit.json).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitSummary {
    pub scenario: String,
    pub people: u64,
    pub immobile: u64,
    pub vehicles_in_fleet: usize,
    pub trips: usize,
    pub completion_s: f64,
    pub lower_bound_s: f64,
    pub gap: f64,
    pub unserved: Vec<Unserved>,
    pub planning_seconds: f64,
    pub deadline: Option<DeadlineAnswer>,
    /// Vehicles with at least one trip.
    pub vehicles_used: usize,
    /// From leaving the depot to the last arrival, summed over the vehicles used.
    pub vehicle_hours: f64,
    /// Person-minutes waited at pickup points inside the mandatory zone.
    pub exposure_person_min: f64,
    /// The fleet-work bound of each group alone (people who cannot walk; who can).
    pub lower_bound_immobile_s: f64,
    pub lower_bound_mobile_s: f64,
    /// How the car traffic delays the buses (`None`: planned on free-flow times).
    pub congestion: Option<Congestion>,
    /// Pickup points left out because every road to them runs beyond the line: not in
    /// `people`, not served; they need another way out.
    pub cut_off_by_line: Vec<CutOffPickup>,
}

/// What the car traffic costs the buses: the same trips timed on empty roads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Congestion {
    /// When the car plan's last car arrives, seconds after the order.
    pub car_clearance_s: f64,
    /// When the last person would be safe with the same trips on empty roads.
    pub completion_free_flow_s: f64,
    /// The plan's completion minus that.
    pub delay_s: f64,
    /// Vehicle-seconds the buses spend waiting in traffic (all trips).
    pub vehicle_delay_s: f64,
}

/// A solved transit plan with its problem.
#[derive(Debug, Clone)]
pub struct Transit {
    pub problem: TransitProblem,
    pub plan: TransitPlan,
    pub lower_bound_s: f64,
    pub deadline: Option<DeadlineAnswer>,
    pub summary: TransitSummary,
    pub warnings: Vec<String>,
}

impl Transit {
    /// Plan transit for a scenario on its network, on free-flow travel times.
    pub fn solve(scenario: &Scenario, network: &Network, options: &TransitOptions) -> Result<Transit, TransitError> {
        Self::solve_in_traffic(scenario, network, None, options)
    }

    /// Plan transit with the car plan's traffic: buses wait where the cars fill a road
    /// (unless `options.free_flow`).
    pub fn solve_in_traffic(
        scenario: &Scenario,
        network: &Network,
        car: Option<&CarPlan>,
        options: &TransitOptions,
    ) -> Result<Transit, TransitError> {
        let BuiltProblem { problem, warnings, cut_off_by_line } =
            build_problem(scenario, network, car.filter(|_| !options.free_flow), options)?;
        let started = Instant::now();
        let plan = problem.plan_within(400, Duration::from_secs(options.seconds));
        let planning_seconds = started.elapsed().as_secs_f64();
        let lower_bound_s = problem.lower_bound_s();
        let deadline = options.deadline_s.map(|d| extra_fleet_for(&problem, d, plan.completion_s()));
        let (lb_immobile, lb_mobile) = problem.group_bounds_s();
        let congestion = car.filter(|_| problem.times.in_traffic()).map(|car| {
            let mut free = problem.clone();
            free.times.by_departure.clear();
            let on_empty = free.retimed(&plan);
            Congestion {
                car_clearance_s: f64::from(car.result.plan.clearance_steps(&car.problem)) * car.problem.step_s(),
                completion_free_flow_s: on_empty.completion_s().round(),
                delay_s: (plan.completion_s() - on_empty.completion_s()).round(),
                vehicle_delay_s: (plan.vehicle_seconds() - on_empty.vehicle_seconds()).round(),
            }
        });
        let summary = TransitSummary {
            scenario: scenario.config.name.clone(),
            people: problem.pickups.iter().map(|x| u64::from(x.mobile + x.immobile)).sum(),
            immobile: problem.pickups.iter().map(|x| u64::from(x.immobile)).sum(),
            vehicles_in_fleet: problem.vehicles.len(),
            trips: plan.trip_count(),
            completion_s: plan.completion_s().round(),
            lower_bound_s: lower_bound_s.round(),
            gap: if lower_bound_s > 0.0 { (plan.completion_s() - lower_bound_s) / lower_bound_s } else { 0.0 },
            unserved: plan
                .unserved
                .iter()
                .map(|(i, m, im)| Unserved {
                    settlement: problem.pickups[*i].id.clone(),
                    people: m + im,
                    immobile: *im,
                })
                .collect(),
            planning_seconds,
            deadline: deadline.clone(),
            vehicles_used: plan.vehicles_used(),
            vehicle_hours: (plan.vehicle_seconds() / 36.0).round() / 100.0,
            exposure_person_min: (plan.exposure_person_s(&problem) / 60.0).round(),
            lower_bound_immobile_s: lb_immobile.round(),
            lower_bound_mobile_s: lb_mobile.round(),
            congestion,
            cut_off_by_line,
        };
        Ok(Transit { problem, plan, lower_bound_s, deadline, summary, warnings })
    }
}

/// Sites (pickup points, centres, depots, stations) in the order they were added, each with
/// its routing node and a label for driver sheets.
#[derive(Default)]
struct Sites {
    nodes: Vec<u32>,
    names: Vec<String>,
}

impl Sites {
    fn add(&mut self, node: u32, name: String) -> usize {
        self.nodes.push(node);
        self.names.push(name);
        self.nodes.len() - 1
    }

    /// Free-flow times between every pair of sites (one Dijkstra tree per distinct node),
    /// on the roads not `closed`.
    fn travel_times(&self, network: &Network, closed: &Closures) -> Times {
        let router = Router::new(network, Some(closed));
        let mut unique: Vec<u32> = self.nodes.clone();
        unique.sort_unstable();
        unique.dedup();
        let trees: Vec<Vec<f64>> = unique.iter().map(|&n| router.times_from(n).0).collect();
        let seconds = self
            .nodes
            .iter()
            .map(|&a| {
                let tree = &trees[unique.binary_search(&a).expect("present")];
                self.nodes.iter().map(|&b| tree[b as usize]).collect()
            })
            .collect();
        Times::free_flow(seconds)
    }
}

/// The transit problem a scenario poses, with warnings about far or unreachable places.
pub fn build_problem(
    scenario: &Scenario,
    network: &Network,
    car: Option<&CarPlan>,
    options: &TransitOptions,
) -> Result<BuiltProblem, TransitError> {
    if options.occupancy.is_nan() || !(1.0..=100.0).contains(&options.occupancy) {
        return Err(TransitError::InvalidOption {
            option: "--occupancy",
            message: "must be at least 1 person per car (and at most 100)".into(),
        });
    }
    // Long runs belong to a batch job, not to a typo: an hour is the most a solve may take.
    if options.seconds > 3600 {
        return Err(TransitError::InvalidOption {
            option: "--seconds",
            message: format!("must be at most 3600 (an hour), found {}", options.seconds),
        });
    }
    if let Some(d) = options.deadline_s
        && !(d.is_finite() && d > 0.0 && d <= 30.0 * 86_400.0)
    {
        return Err(TransitError::InvalidOption {
            option: "--deadline",
            message: format!("must be a time after the order of at most 30 days, found {d} s"),
        });
    }
    if scenario.fleet.is_empty() {
        return Err(TransitError::NoFleet { scenario: scenario.config.name.clone() });
    }
    let demand = scenario.demand();
    let order = Order::build(scenario, &OrderOptions::all_settlements());
    let zone = order.zones();
    let distance_km: std::collections::HashMap<&str, f64> =
        order.settlements.iter().map(|e| (e.id.as_str(), e.distance_km)).collect();
    // As for cars (evac_plan::side): no pickup from, and no route through, the road
    // network beyond a front line; every place snaps to a road on our side.
    let beyond = beyond_line_nodes(scenario, network);
    let mut closed = Closures::none(network);
    close_beyond_line(network, &beyond, &mut closed);
    let snapper = OpenSnapper::new(network, &beyond);
    let all_nodes = Snapper::new(network);
    let side = evac_zone::LineSide::of(scenario).ok();
    let mut sites = Sites::default();
    let mut warnings: Vec<String> = evac_zone::side_warning(scenario).into_iter().collect();
    let max_snap = scenario.config.network.max_snap_km * 1000.0;
    let snap = |what: &str, loc: LatLon, warnings: &mut Vec<String>| -> u32 {
        if side.as_ref().is_some_and(|side| side.beyond(loc)) {
            warnings.push(format!("{what} lies beyond the line: it is served from the nearest road on our side"));
        }
        // Every node beyond the line only if the line cuts the whole network off: then the
        // place is unreachable, as the warnings below say.
        let s = snapper.nearest(loc).or_else(|| all_nodes.nearest(loc)).expect("network has nodes");
        if s.distance_m > max_snap {
            warnings.push(format!("{what} is {:.1} km from the nearest road", s.distance_m / 1000.0));
        }
        s.node
    };
    // Pickups: people without cars, and people who cannot walk.
    let mut pickups = Vec::new();
    let mut car_people = 0u64;
    let mut has_immobile = Vec::new();
    for s in &scenario.settlements {
        let z = zone[s.id.as_str()];
        if !(z == Zone::Mandatory || (options.advisory && z == Zone::Advisory)) {
            continue;
        }
        let immobile = demand.immobile(s).min(s.population);
        let mobile_carless = (f64::from(s.population - immobile) * demand.no_car_share(s)).round() as u32;
        car_people += u64::from(s.population - immobile - mobile_carless);
        if mobile_carless + immobile == 0 {
            continue;
        }
        let point = scenario.assembly.iter().find(|p| p.settlement_id == s.id);
        let (loc, label) = match point {
            Some(p) => (p.location, format!("{} ({})", s.name, p.name)),
            None => (s.location, format!("{} centre", s.name)),
        };
        let node = snap(&format!("the pickup point of {}", s.name), loc, &mut warnings);
        let idx = sites.add(node, label);
        if immobile > 0 {
            has_immobile.push(s.name.clone());
        }
        pickups.push(Pickup {
            id: s.id.clone(),
            name: s.name.clone(),
            site: idx,
            mobile: mobile_carless,
            immobile,
            in_zone: z == Zone::Mandatory,
            closeness: distance_km
                .get(s.id.as_str())
                .map_or(0.0, |d| (1.0 - d / order.mandatory_km.max(1e-9)).clamp(0.0, 1.0)),
        });
    }
    let stretcher = scenario.fleet.iter().any(|f| f.kind.carries_immobile() && f.count > 0);
    if !has_immobile.is_empty() && !stretcher {
        return Err(TransitError::NoStretcherVehicle {
            settlements: has_immobile.join(", "),
            fleet_file: scenario.optional_file("fleet").map(|p| p.display().to_string()).unwrap_or_default(),
        });
    }
    // Centres: the beds not taken by car evacuees (shared in proportion to capacity).
    let total_beds: u64 = scenario.centres.iter().map(|c| u64::from(c.capacity)).sum();
    let mut centres = Vec::new();
    for c in &scenario.centres {
        let node = snap(&format!("centre {}", c.name), c.location, &mut warnings);
        let share = (car_people * u64::from(c.capacity)).checked_div(total_beds).unwrap_or(0);
        centres.push(TCentre {
            id: c.id.clone(),
            name: c.name.clone(),
            site: sites.add(node, c.name.clone()),
            capacity: (u64::from(c.capacity).saturating_sub(share)) as u32,
        });
    }
    let mut vehicles = Vec::new();
    for f in &scenario.fleet {
        let node = snap(&format!("depot of {}", f.id), f.depot, &mut warnings);
        let depot = sites.add(node, format!("depot {}", f.id));
        for k in 1..=f.count {
            vehicles.push(TVehicle { id: format!("{}-{k}", f.id), kind: f.kind, seats: f.seats, depot_site: depot });
        }
    }
    let mut trains = Vec::new();
    if let Some(rail) = &scenario.rail {
        for t in &rail.trains {
            let st = rail.stations.iter().find(|s| s.id == t.station).expect("validated");
            let node = snap(&format!("station {}", st.name), st.location, &mut warnings);
            let destination = centres.iter().position(|c| c.id == t.destination).expect("validated");
            trains.push(TTrain {
                id: t.id.clone(),
                station_site: sites.add(node, format!("station {}", st.name)),
                station_name: st.name.clone(),
                capacity: t.capacity,
                first_departure_s: t.first_departure_min * 60.0,
                period_s: t.turnaround_min * 60.0,
                travel_s: t.travel_min * 60.0,
                destination,
            });
        }
    }
    let mut times = sites.travel_times(network, &closed);
    if let Some(car) = car {
        times = crate::traffic::congested(car, &sites.nodes, &times);
    }
    let served = |times: &Times, pk: &Pickup| {
        vehicles.iter().any(|v| times.get(v.depot_site, pk.site).is_finite())
            && centres.iter().any(|c| times.get(pk.site, c.site).is_finite())
    };
    // Pickups cut off by the line alone (every road to them runs beyond it) are left out
    // with a warning, as the car plan leaves such settlements out: kept, they could not be
    // served and the plan's bound would be infinite.
    let mut cut_off_by_line = Vec::new();
    if pickups.iter().any(|pk| !served(&times, pk)) {
        let open = sites.travel_times(network, &Closures::none(network));
        let (cut, kept): (Vec<Pickup>, Vec<Pickup>) =
            pickups.into_iter().partition(|pk| !served(&times, pk) && served(&open, pk));
        pickups = kept;
        cut_off_by_line = cut
            .iter()
            .map(|pk| CutOffPickup {
                pickup: pk.id.clone(),
                name: pk.name.clone(),
                people: pk.mobile + pk.immobile,
                immobile: pk.immobile,
            })
            .collect();
        for pk in cut {
            warnings.push(format!(
                "the pickup point of {} ({} people) is cut off by the line: every road to it runs beyond it; left out of the transit plan, it needs another way out",
                pk.name,
                pk.mobile + pk.immobile
            ));
        }
    }
    for pk in &pickups {
        if !served(&times, pk) {
            warnings.push(format!("the pickup point of {} cannot be reached by road from a depot or cannot reach a centre: move it (assembly.csv) or add a depot", pk.name));
        }
    }
    let problem = TransitProblem::with_standard_timings(sites.names, times, pickups, vehicles, centres, trains);
    Ok(BuiltProblem { problem, warnings, cut_off_by_line })
}

/// The transit problem of a scenario, what to warn about, and who is left out of it.
pub struct BuiltProblem {
    pub problem: TransitProblem,
    pub warnings: Vec<String>,
    /// Pickup points every road to which runs beyond the line.
    pub cut_off_by_line: Vec<CutOffPickup>,
}

/// The fewest extra vehicles (of the kind whose trips finish last, the largest of that kind)
/// that bring the completion under `deadline`, by doubling then bisection.
pub fn extra_fleet_for(p: &TransitProblem, deadline: f64, current: f64) -> DeadlineAnswer {
    if current <= deadline {
        return DeadlineAnswer {
            deadline_s: deadline,
            extra_vehicles: 0,
            kind: String::new(),
            completion_s: Some(current),
        };
    }
    let plan = p.plan_within(20, Duration::from_secs(2));
    let last_kind = plan
        .trips
        .iter()
        .enumerate()
        .flat_map(|(v, ts)| ts.iter().map(move |t| (v, t.safe_s)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(VehicleKind::Bus, |(v, _)| p.vehicles[v].kind);
    let template = p
        .vehicles
        .iter()
        .filter(|v| v.kind == last_kind)
        .max_by_key(|v| v.seats)
        .cloned()
        .expect("a vehicle of that kind");
    let kind = format!("{} ({} seats)", last_kind.as_str(), template.seats);
    let with = |k: u32| -> f64 {
        let mut q = p.clone();
        for i in 0..k {
            let mut v = template.clone();
            v.id = format!("extra-{}", i + 1);
            q.vehicles.push(v);
        }
        q.plan_within(10, Duration::from_millis(800)).completion_s()
    };
    let limit = 1024;
    let (mut lo, mut hi) = (0u32, 1u32);
    while with(hi) > deadline {
        lo = hi;
        hi *= 2;
        if hi > limit {
            return DeadlineAnswer { deadline_s: deadline, extra_vehicles: limit, kind, completion_s: None };
        }
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if with(mid) <= deadline { hi = mid } else { lo = mid }
    }
    DeadlineAnswer { deadline_s: deadline, extra_vehicles: hi, kind, completion_s: Some(with(hi)) }
}
