//! The car plan of a scenario: who drives out (the ordered settlements' households with a
//! car), from where (origins spread over each settlement's roads), to where (the reception
//! centres outside the zone), over which network (with the closures asked for) — and the
//! plan, its bound and the baseline. The CLI, `evac up` and the what-if analysis all start
//! here.

use crate::error::PlanError;
use crate::problem::{Calibration, Destination, Problem, Source};
use crate::run::{Method, Objective, RunOptions, RunResult, run};
use crate::side::{OpenSnapper, beyond_line_nodes, close_beyond_line, reaches_destination};
use crate::sites::attach_scenario;
use evac_model::{LatLon, Settlement};
use evac_network::{ClosedRoad, Closures, Network};
use evac_scenario::Scenario;
use evac_zone::{HazardIndex, Order, OrderOptions, Zone};
use std::time::Duration;

/// Routes per settlement in a balanced plan unless told otherwise: a convoy leader, a
/// police post or a bus driver can work with two or three.
pub const DEFAULT_BALANCED_MAX_ROUTES: u32 = 3;

/// The length of the planner's time step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum TimeStep {
    /// [`AUTO_MIN_STEP_S`] unless the evacuation is long: then the smallest whole minute
    /// that keeps the horizon within about [`AUTO_TARGET_STEPS`] steps (see
    /// [`TimeStep::choose`]).
    #[default]
    Auto,
    /// This many seconds (1..=3600).
    Seconds(f64),
}

/// The step of short evacuations under [`TimeStep::Auto`], seconds.
pub const AUTO_MIN_STEP_S: f64 = 60.0;
/// The horizon [`TimeStep::Auto`] aims at, in steps.
pub const AUTO_TARGET_STEPS: u32 = 240;

impl TimeStep {
    /// The step for an evacuation that takes at least `lower_bound_s` seconds (a proven lower
    /// bound on the clearance at the one-minute step): one minute while that is at most
    /// [`AUTO_TARGET_STEPS`] minutes, else the smallest whole number of minutes that keeps
    /// the bound within [`AUTO_TARGET_STEPS`] steps.
    ///
    /// Why: every solver's work grows with the horizon in steps (the exact optimum's
    /// time-expanded network, the heuristic's time-dependent searches, the groups of the
    /// plan), while a departure wave timed to the minute means nothing in a 20-hour
    /// evacuation. A 20-hour clearance gets 5-minute steps (its figures then carry at most
    /// 5 minutes, 0.4%, of rounding); the Rhine valley's one hour keeps 1-minute steps.
    /// Travel times are not rounded per edge at any step (docs/planning.md, "Time model").
    pub fn choose(lower_bound_s: f64) -> f64 {
        let minutes = (lower_bound_s / 60.0).max(0.0);
        let per_step = (minutes / f64::from(AUTO_TARGET_STEPS)).ceil().max(1.0);
        per_step * AUTO_MIN_STEP_S
    }
}

impl std::fmt::Display for TimeStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeStep::Auto => f.write_str("auto"),
            TimeStep::Seconds(s) => write!(f, "{s}"),
        }
    }
}

impl std::str::FromStr for TimeStep {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(TimeStep::Auto);
        }
        s.trim()
            .parse::<f64>()
            .map(TimeStep::Seconds)
            .map_err(|_| format!("`{s}` is neither `auto` nor a number of seconds"))
    }
}

/// How to plan the cars.
#[derive(Debug, Clone, PartialEq)]
pub struct CarOptions {
    /// Length of a time step.
    pub step: TimeStep,
    /// Persons per car (>= 1).
    pub occupancy: f64,
    /// Evacuate the advisory zone too (default: the mandatory zone only).
    pub advisory: bool,
    /// Bridges or roads to close: a name, a river or an edge id each.
    pub close: Vec<String>,
    pub method: Method,
    /// Time allowed to the exact optimum before the plan falls back to the best bound.
    pub exact_seconds: u64,
    /// Speeds, capacities and junctions as fitted against traffic simulation.
    pub calibration: Calibration,
    /// What the published plan optimises.
    pub objective: Objective,
    /// Balanced objective: how far (a share, 0..=10) the clearance may exceed the optimum.
    pub clearance_slack: f64,
    /// Routes per settlement at most: `None` for the objective's default (3 for balanced,
    /// no limit otherwise), `Some(0)` for no limit.
    pub max_routes: Option<u32>,
}

impl Default for CarOptions {
    fn default() -> Self {
        CarOptions {
            step: TimeStep::Auto,
            occupancy: 2.5,
            advisory: false,
            close: Vec::new(),
            method: Method::Auto,
            exact_seconds: 60,
            calibration: Calibration::default(),
            objective: Objective::Balanced,
            clearance_slack: 0.05,
            max_routes: None,
        }
    }
}

impl CarOptions {
    pub fn validate(&self) -> Result<(), PlanError> {
        if let TimeStep::Seconds(s) = self.step
            && !(1.0..=3600.0).contains(&s)
        {
            return Err(PlanError::InvalidOption {
                option: "--step-s",
                message: "must be between 1 and 3600 seconds".into(),
            });
        }
        if self.occupancy.is_nan() || !(1.0..=100.0).contains(&self.occupancy) {
            return Err(PlanError::InvalidOption {
                option: "--occupancy",
                message: "must be at least 1 person per car (and at most 100)".into(),
            });
        }
        if !(0.0..=10.0).contains(&self.clearance_slack) {
            return Err(PlanError::InvalidOption {
                option: "--clearance-slack",
                message: "must be a share between 0 and 10 (0.05: within 5% of the optimum)".into(),
            });
        }
        Ok(())
    }

    /// The route limit in force: the one given, else the objective's default.
    pub fn route_limit(&self) -> Option<u32> {
        match self.max_routes {
            Some(0) => None,
            Some(n) => Some(n),
            None if self.objective == Objective::Balanced => Some(DEFAULT_BALANCED_MAX_ROUTES),
            None => None,
        }
    }

    /// The solver options these stand for; `baseline`: also plan the naive baseline.
    pub fn run_options(&self, baseline: bool) -> RunOptions {
        RunOptions {
            method: self.method,
            baseline,
            exact_budget: Duration::from_secs(self.exact_seconds),
            objective: self.objective,
            clearance_slack: self.clearance_slack,
            max_routes: self.route_limit(),
            ..RunOptions::default()
        }
    }

    /// Whether a settlement in `zone` drives out under these options (never from beyond
    /// the line: the authority cannot reach it, and its roads out cross the line).
    pub fn evacuates(&self, zone: Zone) -> bool {
        zone == Zone::Mandatory || (self.advisory && zone == Zone::Advisory)
    }
}

/// The problem a scenario poses on its network.
#[derive(Debug, Clone)]
pub struct CarProblem {
    pub problem: Problem,
    /// What `close` matched, in the order given.
    pub closed: Vec<ClosedRoad>,
    /// The roads closed: those of `close` and every road touching a node beyond the line.
    pub closures: Closures,
    /// Road nodes beyond a line hazard (closed, and in the zone), one per network node.
    pub beyond_line: Vec<bool>,
    /// Far places, centres inside the zone.
    pub warnings: Vec<String>,
    /// Settlements left out because every road from them runs beyond the line.
    pub cut_off: Vec<CutOff>,
}

/// A settlement on our side of the line that cannot drive out: every road from it to a
/// reception centre runs beyond the line. It is left out of the car plan and listed in
/// plan.json (`cut_off_by_line`) and the summary, so that nobody is dropped unseen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CutOff {
    pub settlement: String,
    pub name: String,
    /// The vehicles it would have sent.
    pub vehicles: u32,
}

impl CarProblem {
    pub fn build(scenario: &Scenario, network: &Network, options: &CarOptions) -> Result<CarProblem, PlanError> {
        options.validate()?;
        let mut closures = Closures::none(network);
        let closed = options
            .close
            .iter()
            .map(|what| closures.close_by_name_or_id(network, what))
            .collect::<Result<Vec<_>, _>>()?;
        // Beyond the line: closed to traffic, and (below) inside the zone.
        let beyond = beyond_line_nodes(scenario, network);
        let asked = closures.clone();
        close_beyond_line(network, &beyond, &mut closures);
        let attached = attach_scenario(scenario, network)?;
        let mut warnings = attached.warnings;
        warnings.extend(evac_zone::side_warning(scenario));
        let order = Order::build(scenario, &OrderOptions::all_settlements());
        let zone_of = order.zones();
        // Each settlement's exposure weight, from its distance as the order states it (so
        // the ring, like the zone, is decided on the printed distance).
        let weight_of: std::collections::HashMap<&str, f64> = order
            .settlements
            .iter()
            .map(|e| (e.id.as_str(), scenario.config.zone.exposure_weight(e.distance_km)))
            .collect();
        let demand = scenario.demand();
        let snapper = OpenSnapper::new(network, &beyond);
        let mut sources = Vec::new();
        let mut areas = std::collections::HashMap::new();
        for (s, site) in scenario.settlements.iter().zip(&attached.settlements) {
            if !options.evacuates(zone_of[s.id.as_str()]) {
                continue;
            }
            let near: Vec<u32> = snapper.within(s.location, origin_radius_m(s)).iter().map(|n| n.node).collect();
            // A settlement on our side near the line may snap to a node beyond it: its
            // people leave from the nearest road on our side instead.
            let Some(home) = (if beyond[site.node as usize] {
                snapper.nearest(s.location).map(|n| n.node)
            } else {
                Some(site.node)
            }) else {
                continue;
            };
            areas.insert(s.id.clone(), near.clone());
            let with_car = f64::from(s.population) * (1.0 - demand.no_car_share(s));
            let vehicles = (with_car / options.occupancy).ceil() as u32;
            let exposure_weight = weight_of[s.id.as_str()];
            sources
                .extend(spread_origins(s, home, &near, vehicles).into_iter().map(|o| Source { exposure_weight, ..o }));
        }
        let index = HazardIndex::new(&scenario.hazard);
        let mut destinations = Vec::new();
        for (c, site) in scenario.centres.iter().zip(&attached.centres) {
            if index.distance_m(c.location) <= scenario.config.zone.advisory_km * 1000.0 {
                warnings.push(format!("reception centre {} lies inside the zone and is not used", c.name));
                continue;
            }
            if beyond[site.node as usize] {
                warnings.push(format!("reception centre {}: its nearest road lies beyond the line; not used", c.name));
                continue;
            }
            destinations.push(Destination {
                id: c.id.clone(),
                name: c.name.clone(),
                node: site.node,
                capacity_vehicles: Some((f64::from(c.capacity) / options.occupancy).floor() as u32),
            });
        }
        let cut_off =
            cut_off_by_the_line(network, &asked, &closures, &destinations, &mut sources, &mut areas, &mut warnings);
        let mandatory_m = scenario.config.zone.mandatory_km * 1000.0;
        let nodes: Vec<LatLon> = network.nodes().iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
        // A node beyond the line is in the zone whatever its distance: no plan may count
        // reaching it as having left (the exit problem, the exposure bound).
        let in_zone: Vec<bool> =
            index.distances_m(&nodes).into_iter().zip(&beyond).map(|(d, &b)| b || d <= mandatory_m).collect();
        let build = |step_s: f64, sources: Vec<Source>, destinations: Vec<Destination>, in_zone: Vec<bool>| {
            Problem::calibrated(network, Some(&closures), step_s, sources, destinations, in_zone, options.calibration)
        };
        let problem = match options.step {
            TimeStep::Seconds(step_s) => build(step_s, sources, destinations, in_zone),
            TimeStep::Auto => {
                let p = build(AUTO_MIN_STEP_S, sources.clone(), destinations.clone(), in_zone.clone());
                let (bound, _) = crate::bound::best_cheap_bound(&p);
                let step_s = TimeStep::choose(f64::from(bound) * AUTO_MIN_STEP_S);
                if step_s == AUTO_MIN_STEP_S { p } else { build(step_s, sources, destinations, in_zone) }
            }
        };
        let problem = problem.with_areas(areas);
        Ok(CarProblem { problem, closed, closures, beyond_line: beyond, warnings, cut_off })
    }
}

/// Settlements on our side whose every road to a reception centre runs beyond the line
/// (in the Kupiansk exercise, five villages east of the Oskil whose only main road runs
/// just beyond the drawn line) cannot drive out: leaving them in would fail the whole plan,
/// quietly dropping them would hide them. They are taken out of the car plan and named in
/// a warning. Settlements cut off by the closures asked for (`--close`) are left in, so the
/// plan still fails naming them, as before.
fn cut_off_by_the_line(
    network: &Network,
    asked: &Closures,
    closures: &Closures,
    destinations: &[Destination],
    sources: &mut Vec<Source>,
    areas: &mut std::collections::HashMap<String, Vec<u32>>,
    warnings: &mut Vec<String>,
) -> Vec<CutOff> {
    if asked.closed_count() == closures.closed_count() {
        return Vec::new();
    }
    let targets: Vec<u32> = destinations.iter().map(|d| d.node).collect();
    let (open, without_line) =
        (reaches_destination(network, closures, &targets), reaches_destination(network, asked, &targets));
    let cut: std::collections::BTreeSet<String> = sources
        .iter()
        .filter(|s| !open[s.node as usize] && without_line[s.node as usize])
        .map(|s| s.settlement.clone())
        .collect();
    if cut.is_empty() {
        return Vec::new();
    }
    let mut listed: Vec<CutOff> = Vec::new();
    for s in sources.iter().filter(|s| cut.contains(&s.settlement)) {
        match listed.last_mut() {
            Some(c) if c.settlement == s.settlement => c.vehicles += s.vehicles,
            _ => listed.push(CutOff { settlement: s.settlement.clone(), name: s.name.clone(), vehicles: s.vehicles }),
        }
    }
    let vehicles: u64 = listed.iter().map(|c| u64::from(c.vehicles)).sum();
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    warnings.push(format!(
        "{} ({vehicles} vehicles) cut off by the line: every road from them to a reception centre runs beyond it; left out of the car plan, they need another way out (docs/planning.md, \"Beyond the line\")",
        names.join(", ")
    ));
    sources.retain(|s| !cut.contains(&s.settlement));
    areas.retain(|id, _| !cut.contains(id));
    listed
}

/// People leave from all over a settlement, not from one junction: its vehicles are spread
/// over up to 12 road nodes (one per 50 vehicles) of `near` (the road nodes within
/// [`origin_radius_m`], nearest first), as evenly as the counts allow; from `home` (its
/// nearest road node) when fewer than two nodes are near.
pub fn spread_origins(s: &Settlement, home: u32, near: &[u32], vehicles: u32) -> Vec<Source> {
    if vehicles == 0 {
        return Vec::new();
    }
    let k = (vehicles / 50).clamp(1, 12) as usize;
    let origins: Vec<u32> = if near.len() <= 1 {
        vec![home]
    } else {
        let k = k.min(near.len());
        let mut picked: Vec<u32> = (0..k).map(|i| near[i * near.len() / k]).collect();
        picked.dedup();
        picked
    };
    let n = origins.len() as u32;
    origins
        .into_iter()
        .enumerate()
        .filter_map(|(i, node)| {
            let share = vehicles / n + u32::from((i as u32) < vehicles % n);
            (share > 0).then(|| Source {
                id: format!("{}#{}", s.id, i + 1),
                settlement: s.id.clone(),
                name: s.name.clone(),
                node,
                vehicles: share,
                // Set by the caller from the scenario's exposure rings.
                exposure_weight: 1.0,
            })
        })
        .collect()
}

/// The radius over which a settlement's origins are spread (its area, see
/// [`Problem::with_areas`]): 400 m × sqrt(population / 1000), within 300 m..2.5 km.
pub fn origin_radius_m(s: &Settlement) -> f64 {
    (400.0 * (f64::from(s.population) / 1000.0).sqrt()).clamp(300.0, 2500.0)
}

/// A solved car plan: the problem, every plan computed on it, and what was closed.
#[derive(Debug, Clone)]
pub struct CarPlan {
    pub problem: Problem,
    pub result: RunResult,
    pub closed: Vec<ClosedRoad>,
    /// The closures as the user named them (for reports).
    pub closures: Vec<String>,
    pub warnings: Vec<String>,
    /// Settlements left out of the plan: every road from them runs beyond the line.
    pub cut_off: Vec<CutOff>,
    /// The scenario's exposure rings (empty: every vehicle's exposure weighs 1), which set
    /// the sources' `exposure_weight`; reports name them beside the weighted figures.
    pub exposure_rings: Vec<evac_scenario::ExposureRing>,
}

impl CarPlan {
    /// Plan the cars of a scenario: heuristic, bound, exact optimum where it fits, baseline.
    /// Every published plan is verified before it is returned.
    pub fn solve(scenario: &Scenario, network: &Network, options: &CarOptions) -> Result<CarPlan, PlanError> {
        let built = CarProblem::build(scenario, network, options)?;
        built.problem.check(&options.close.join(", "))?;
        let result = run(&built.problem, options.run_options(true))?;
        for (label, plan) in [
            ("published plan", &result.plan),
            ("heuristic plan", &result.heuristic),
            ("clearance plan", &result.clearance_plan),
        ] {
            let errors = crate::verify::verify(&built.problem, plan);
            if let Some(first) = errors.first() {
                return Err(PlanError::Internal(format!(
                    "the {label} breaks {} rule(s), first: {first}",
                    errors.len()
                )));
            }
        }
        Ok(CarPlan {
            problem: built.problem,
            result,
            closed: built.closed,
            closures: options.close.clone(),
            warnings: built.warnings,
            cut_off: built.cut_off,
            exposure_rings: scenario.config.zone.exposure_rings.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_automatic_step_is_a_minute_until_the_horizon_outgrows_it() {
        // The Rhine valley's hour, Andorra's four: one minute.
        assert_eq!(TimeStep::choose(57.0 * 60.0), 60.0);
        assert_eq!(TimeStep::choose(f64::from(AUTO_TARGET_STEPS) * 60.0), 60.0);
        // One minute more needs two-minute steps.
        assert_eq!(TimeStep::choose(f64::from(AUTO_TARGET_STEPS + 1) * 60.0), 120.0);
        // A 20-hour clearance: five-minute steps, within the target horizon.
        let step = TimeStep::choose(20.0 * 3600.0);
        assert_eq!(step, 300.0);
        assert!(20.0 * 3600.0 / step <= f64::from(AUTO_TARGET_STEPS));
        // Nothing to move, or a bound of zero: still a minute, never zero.
        assert_eq!(TimeStep::choose(0.0), 60.0);
    }

    #[test]
    fn time_steps_read_as_auto_or_seconds() {
        assert_eq!("auto".parse::<TimeStep>(), Ok(TimeStep::Auto));
        assert_eq!(" AUTO ".parse::<TimeStep>(), Ok(TimeStep::Auto));
        assert_eq!("30".parse::<TimeStep>(), Ok(TimeStep::Seconds(30.0)));
        assert!("fast".parse::<TimeStep>().is_err());
        assert_eq!(TimeStep::Auto.to_string(), "auto");
        // Out-of-range seconds are refused by the options, naming the flag.
        let options = CarOptions { step: TimeStep::Seconds(0.5), ..CarOptions::default() };
        assert!(options.validate().unwrap_err().to_string().contains("--step-s"));
        let options = CarOptions { step: TimeStep::Seconds(f64::NAN), ..CarOptions::default() };
        assert!(options.validate().is_err());
    }
}
