//! The car plan of a scenario: who drives out (the ordered settlements' households with a
//! car), from where (origins spread over each settlement's roads), to where (the reception
//! centres outside the zone), over which network (with the closures asked for) — and the
//! plan, its bound and the baseline. The CLI, `evac up` and the what-if analysis all start
//! here.

use crate::error::PlanError;
use crate::problem::{Calibration, Destination, Problem, Source};
use crate::run::{Method, Objective, RunOptions, RunResult, run};
use crate::sites::{Site, attach_scenario};
use evac_model::{LatLon, Settlement};
use evac_network::{ClosedRoad, Closures, Network, Snapper};
use evac_scenario::Scenario;
use evac_zone::{HazardIndex, Order, OrderOptions, Zone};
use std::time::Duration;

/// Routes per settlement in a balanced plan unless told otherwise: a convoy leader, a
/// police post or a bus driver can work with two or three.
pub const DEFAULT_BALANCED_MAX_ROUTES: u32 = 3;

/// How to plan the cars.
#[derive(Debug, Clone, PartialEq)]
pub struct CarOptions {
    /// Length of a time step, seconds (1..=3600).
    pub step_s: f64,
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
            step_s: 60.0,
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
        if !(1.0..=3600.0).contains(&self.step_s) {
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

    /// Whether a settlement in `zone` drives out under these options.
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
    pub closures: Closures,
    /// Far places, centres inside the zone.
    pub warnings: Vec<String>,
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
        let attached = attach_scenario(scenario, network)?;
        let mut warnings = attached.warnings;
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
        let snapper = Snapper::new(network);
        let mut sources = Vec::new();
        let mut areas = std::collections::HashMap::new();
        for (s, site) in scenario.settlements.iter().zip(&attached.settlements) {
            if !options.evacuates(zone_of[s.id.as_str()]) {
                continue;
            }
            let area: Vec<u32> = snapper.within(s.location, origin_radius_m(s)).iter().map(|n| n.node).collect();
            areas.insert(s.id.clone(), area);
            let with_car = f64::from(s.population) * (1.0 - demand.no_car_share(s));
            let vehicles = (with_car / options.occupancy).ceil() as u32;
            let exposure_weight = weight_of[s.id.as_str()];
            sources.extend(
                spread_origins(s, site, vehicles, &snapper).into_iter().map(|o| Source { exposure_weight, ..o }),
            );
        }
        let index = HazardIndex::new(&scenario.hazard);
        let mut destinations = Vec::new();
        for (c, site) in scenario.centres.iter().zip(&attached.centres) {
            if index.distance_m(c.location) <= scenario.config.zone.advisory_km * 1000.0 {
                warnings.push(format!("reception centre {} lies inside the zone and is not used", c.name));
                continue;
            }
            destinations.push(Destination {
                id: c.id.clone(),
                name: c.name.clone(),
                node: site.node,
                capacity_vehicles: Some((f64::from(c.capacity) / options.occupancy).floor() as u32),
            });
        }
        let mandatory_m = scenario.config.zone.mandatory_km * 1000.0;
        let nodes: Vec<LatLon> = network.nodes().iter().map(|n| LatLon::new(n.lat, n.lon)).collect();
        let in_zone: Vec<bool> = index.distances_m(&nodes).into_iter().map(|d| d <= mandatory_m).collect();
        let problem = Problem::calibrated(
            network,
            Some(&closures),
            options.step_s,
            sources,
            destinations,
            in_zone,
            options.calibration,
        )
        .with_areas(areas);
        Ok(CarProblem { problem, closed, closures, warnings })
    }
}

/// People leave from all over a settlement, not from one junction: its vehicles are spread
/// over up to 12 road nodes (one per 50 vehicles) within a radius that grows with its size,
/// as evenly as the counts allow.
pub fn spread_origins(s: &Settlement, site: &Site, vehicles: u32, snapper: &Snapper) -> Vec<Source> {
    if vehicles == 0 {
        return Vec::new();
    }
    let near = snapper.within(s.location, origin_radius_m(s));
    let k = (vehicles / 50).clamp(1, 12) as usize;
    let origins: Vec<u32> = if near.len() <= 1 {
        vec![site.node]
    } else {
        let k = k.min(near.len());
        let mut picked: Vec<u32> = (0..k).map(|i| near[i * near.len() / k].node).collect();
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
            exposure_rings: scenario.config.zone.exposure_rings.clone(),
        })
    }
}
