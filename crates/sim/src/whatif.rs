//! `evac plan --what-if bridges --simulate`: the plan with each river crossing closed in
//! turn, every variant replayed in SUMO. The variants are independent, so they run side by
//! side (`jobs` SUMO processes at a time) on one SUMO network built once; on many machines,
//! give each its own scenario copy and `--close` list (docs/simulation.md).

use crate::{Prepared, RunReport, SimError, SimOptions, Simulation, run_warnings};
use evac_network::Network;
use evac_plan::{CarOptions, Variant, WhatIfBridges, what_if_bridges_each};
use evac_scenario::Scenario;
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How to run the what-if simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIfSimOptions {
    /// SUMO settings (mode, seed, teleporting, work folder); `baseline` is not used.
    pub sim: SimOptions,
    /// How every variant is planned.
    pub car: CarOptions,
    /// SUMO runs at the same time (at least 1).
    pub jobs: usize,
    /// Simulate the open plan and this many closed crossings, the worst by the planner's
    /// ranking first (a valley has dozens of crossings; most change nothing).
    pub top: usize,
}

/// One variant, planned and simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulatedVariant {
    /// The closed crossing ([`evac_plan::BridgeLoss::crossing`]); None for the open plan.
    pub crossing: Option<usize>,
    pub bridge: Option<String>,
    pub planned_clearance_s: Option<f64>,
    pub simulated_clearance_s: Option<f64>,
    pub simulated_90_s: Option<f64>,
    /// Clearance minus the open plan's, planned and simulated.
    pub planned_delay_s: Option<f64>,
    pub simulated_delay_s: Option<f64>,
    pub teleports: u64,
    pub unfinished: u64,
    pub sumo_seconds: f64,
    /// The full planned-against-simulated report of this variant.
    pub run: RunReport,
}

/// The what-if table of the planner and every variant simulated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIfSimReport {
    pub scenario: String,
    pub planned: WhatIfBridges,
    /// The open plan first, then the `top` closed crossings in the planner's order (worst
    /// first; crossings whose loss cuts settlements off have no plan to simulate).
    pub variants: Vec<SimulatedVariant>,
    pub top: usize,
    /// SUMO's model: "micro" or "meso".
    pub mode: String,
    pub jobs: usize,
    pub warnings: Vec<String>,
    pub seconds: f64,
    pub attribution: &'static str,
}

/// Plan every variant (the planner's what-if), then simulate each in SUMO, `jobs` at a time.
/// `progress` hears what is being done.
pub fn simulate_what_if_bridges(
    scenario: &Scenario,
    network: &Network,
    options: &WhatIfSimOptions,
    progress: impl Fn(&str) + Sync,
) -> Result<WhatIfSimReport, SimError> {
    if options.jobs == 0 {
        return Err(SimError::InvalidOption { option: "--jobs", message: "must be at least 1".into() });
    }
    let started = std::time::Instant::now();
    let (extract, tools) = Simulation::prepare(scenario, &options.sim)?;
    let mut plans: Vec<(Option<usize>, Option<String>, crate::PlanInput)> = Vec::new();
    progress("planning every variant (each river crossing closed in turn)");
    let planned = what_if_bridges_each(
        scenario,
        network,
        &options.car,
        |done, total| {
            if done % 10 == 0 {
                progress(&format!("planning: {done} of {total} crossings closed"))
            }
        },
        |v: Variant<'_>| {
            // Labels are file names in the work folder: numbered, not the bridge's name.
            let label = v.crossing.map_or_else(|| "whatif-open".to_string(), |c| format!("whatif-{c}"));
            plans.push((
                v.crossing,
                v.bridge.map(str::to_owned),
                crate::PlanInput::from_plan(&label, v.problem, v.plan),
            ));
        },
    )?;
    // The open plan, then the worst `top` crossings that leave a plan.
    let mut inputs = Vec::new();
    let mut take = |crossing: Option<usize>| {
        if let Some(i) = plans.iter().position(|(c, _, _)| *c == crossing) {
            inputs.push(plans.swap_remove(i));
        }
    };
    take(None);
    for b in planned.bridges.iter().filter(|b| b.cut_off.is_none()).take(options.top) {
        take(Some(b.crossing));
    }
    drop(plans);
    let prepared = Prepared::new(scenario, network, &options.sim, extract, tools, &mut |m: &str| progress(m))?;
    let context = prepared.context(network, &options.sim.work_dir);

    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RunReport, SimError>>>> =
        Mutex::new((0..inputs.len()).map(|_| None).collect());
    let workers = options.jobs.min(inputs.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((_, _, input)) = inputs.get(i) else { break };
                    let r = context.simulate(input);
                    results.lock().expect("no worker panics holding the lock")[i] = Some(r);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(&format!("simulated {n} of {} variants (SUMO {})", inputs.len(), options.sim.mode.name()));
                }
            });
        }
    });

    let results = results.into_inner().expect("no worker panicked");
    let mut warnings = prepared.warnings.clone();
    let mut variants = Vec::with_capacity(inputs.len());
    for ((crossing, bridge, _), r) in inputs.into_iter().zip(results) {
        let run = r.expect("every variant was run")?;
        for w in run_warnings(&run, prepared.settings.end_s) {
            warnings.push(format!("{}: {w}", bridge.as_deref().unwrap_or("every crossing open")));
        }
        variants.push(SimulatedVariant {
            crossing,
            bridge,
            planned_clearance_s: run.planned.last_arrival_s,
            simulated_clearance_s: run.simulated.last_arrival_s,
            simulated_90_s: run.simulated.arrival_90_s,
            planned_delay_s: None,
            simulated_delay_s: None,
            teleports: run.teleports.total,
            unfinished: run.unfinished,
            sumo_seconds: run.sumo_seconds,
            run,
        });
    }
    let (base_planned, base_simulated) =
        variants.first().map_or((None, None), |b| (b.planned_clearance_s, b.simulated_clearance_s));
    for v in variants.iter_mut().skip(1) {
        v.planned_delay_s = v.planned_clearance_s.zip(base_planned).map(|(c, b)| c - b);
        v.simulated_delay_s = v.simulated_clearance_s.zip(base_simulated).map(|(c, b)| c - b);
    }
    Ok(WhatIfSimReport {
        scenario: scenario.config.name.clone(),
        planned,
        variants,
        top: options.top,
        mode: options.sim.mode.name().to_string(),
        jobs: workers,
        warnings,
        seconds: started.elapsed().as_secs_f64(),
        attribution: crate::OSM_ATTRIBUTION,
    })
}
