//! `evac calibrate`: fit the car planner's calibration (a factor on free-flow times, factors
//! on major and minor road capacities, the junction model) so that what it plans is what
//! SUMO drives — the plan and the naive baseline both, because a model can agree on one and
//! be far off on the other (docs/simulation.md, "Calibration").
//!
//! The search is a coordinate descent: each round tries every parameter a little lower and
//! higher, keeping a change when it lowers the error. One evaluation plans the scenario
//! with the candidate calibration and simulates its plan and its baseline.

use crate::{PlanInput, SimError, SimOptions, Simulation};
use evac_network::Network;
use evac_plan::{Calibration, CarOptions, CarPlan};
use evac_scenario::Scenario;
use serde::Serialize;

/// How to search.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateOptions {
    /// Simulation settings (mode, seed, work folder); the baseline is always simulated.
    pub sim: SimOptions,
    /// Planner settings other than the calibration.
    pub car: CarOptions,
    /// Most plan-and-simulate evaluations.
    pub evaluations: usize,
}

/// One evaluated calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    pub calibration: Calibration,
    /// Mean relative difference of planned and simulated: plan and baseline, last and 90%.
    pub error: f64,
    /// Planned and simulated minutes: plan last, plan 90%, baseline last, baseline 90%.
    pub planned_min: [f64; 4],
    pub simulated_min: [f64; 4],
}

/// Every trial, the first (the starting calibration) and the best.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    pub trials: Vec<Trial>,
    pub start: usize,
    pub best: usize,
}

/// The error of one calibration: plan and simulate its plan and baseline.
pub fn evaluate(
    scenario: &Scenario,
    network: &Network,
    calibration: Calibration,
    options: &CalibrateOptions,
) -> Result<Trial, SimError> {
    let car = CarOptions { calibration, ..options.car.clone() };
    let plan = CarPlan::solve(scenario, network, &car)?;
    let input = PlanInput::from_plan("plan", &plan.problem, &plan.result.plan);
    let sim = SimOptions { baseline: true, car_options: car, ..options.sim.clone() };
    let report = Simulation::run_input(scenario, network, &input, &sim, |_| {})?;
    let baseline = report
        .baseline
        .as_ref()
        .ok_or_else(|| SimError::Baseline(evac_plan::PlanError::Internal("the baseline was not simulated".into())))?;
    let minutes = |s: Option<f64>| s.map_or(f64::NAN, |s| s / 60.0);
    let figures = |f: &crate::Figures| [minutes(f.last_arrival_s), minutes(f.arrival_90_s)];
    let [pl, p9] = figures(&report.plan.planned);
    let [sl, s9] = figures(&report.plan.simulated);
    let [bpl, bp9] = figures(&baseline.planned);
    let [bsl, bs9] = figures(&baseline.simulated);
    let planned_min = [pl, p9, bpl, bp9];
    let simulated_min = [sl, s9, bsl, bs9];
    let error = planned_min.iter().zip(&simulated_min).map(|(p, s)| ((p - s) / s).abs()).sum::<f64>() / 4.0;
    Ok(Trial { calibration, error: if error.is_finite() { error } else { f64::INFINITY }, planned_min, simulated_min })
}

/// Search from `start`; `progress` hears each trial.
pub fn calibrate(
    scenario: &Scenario,
    network: &Network,
    start: Calibration,
    options: &CalibrateOptions,
    mut progress: impl FnMut(&Trial, usize),
) -> Result<CalibrationReport, SimError> {
    let mut trials = vec![evaluate(scenario, network, start, options)?];
    progress(&trials[0], 1);
    let mut best = 0;
    // (how to read a parameter, how to set it)
    type Knob = (fn(&Calibration) -> f64, fn(&mut Calibration, f64));
    // (A knob at 0 stays there: the steps are relative.)
    let knobs: [Knob; 9] = [
        (|c| c.junctions.priority_factor, |c, v| c.junctions.priority_factor = v),
        (|c| c.primary_capacity_factor, |c, v| c.primary_capacity_factor = v),
        (|c| c.secondary_capacity_factor, |c, v| c.secondary_capacity_factor = v),
        (|c| c.tertiary_capacity_factor, |c, v| c.tertiary_capacity_factor = v),
        (|c| c.minor_capacity_factor, |c, v| c.minor_capacity_factor = v),
        (|c| c.speed_factor, |c, v| c.speed_factor = v),
        (|c| c.junctions.minor_vph, |c, v| c.junctions.minor_vph = v),
        (|c| c.junctions.minor_delay_s, |c, v| c.junctions.minor_delay_s = v),
        (|c| c.junctions.signal_share, |c, v| c.junctions.signal_share = v.min(1.0)),
    ];
    let mut step = 0.15;
    while trials.len() < options.evaluations {
        let mut improved = false;
        for (get, set) in knobs {
            for direction in [-1.0, 1.0] {
                if trials.len() >= options.evaluations {
                    break;
                }
                let mut c = trials[best].calibration;
                let v = get(&c) * (1.0 + direction * step);
                set(&mut c, (v * 1000.0).round() / 1000.0);
                if c.validate().is_err() || trials.iter().any(|t| t.calibration == c) {
                    continue;
                }
                let t = evaluate(scenario, network, c, options)?;
                trials.push(t);
                progress(trials.last().expect("pushed"), trials.len());
                if trials.last().expect("pushed").error < trials[best].error {
                    best = trials.len() - 1;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            step /= 2.0;
            if step < 0.02 {
                break;
            }
        }
    }
    Ok(CalibrationReport { trials, start: 0, best })
}
