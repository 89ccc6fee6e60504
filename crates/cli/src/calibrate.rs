use anyhow::{Context, Result};
use clap::Args;
use evac_plan::{Calibration, CarOptions};
use evac_scenario::Scenario;
use evac_sim::calibrate::{CalibrateOptions, calibrate};
use evac_sim::{Mode, SimOptions};
use std::path::PathBuf;

#[derive(Args)]
pub struct CalibrateArgs {
    /// Scenario folder whose network is an OSM extract (SUMO builds its roads from it).
    pub scenario: PathBuf,
    /// Where to write the fitted profile [default: <scenario>/calibration.toml]; point the
    /// scenario at it with `calibration = "calibration.toml"` under [files].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Start from this profile [default: the scenario's, else the shipped calibration].
    #[arg(long, value_name = "TOML")]
    pub start: Option<PathBuf>,
    /// Most plan-and-simulate evaluations (each plans the scenario and simulates its plan
    /// and baseline).
    #[arg(long, default_value_t = 12)]
    pub evaluations: usize,
    /// Fit against SUMO's mesoscopic model (fast) instead of the microscopic one.
    #[arg(long)]
    pub meso: bool,
    /// SUMO's random seed.
    #[arg(long, default_value_t = SimOptions::default().seed)]
    pub seed: u64,
}

pub fn run(a: CalibrateArgs) -> Result<()> {
    if !(1..=200).contains(&a.evaluations) {
        anyhow::bail!("--evaluations must be between 1 and 200");
    }
    let scenario = Scenario::load(&a.scenario)?;
    let network = crate::scenario::require_network(&scenario)?;
    let start = match &a.start {
        Some(p) => Calibration::from_toml_file(p)?,
        None => Calibration::for_scenario(&scenario)?,
    };
    let mode = if a.meso { Mode::Meso } else { Mode::Micro };
    let options = CalibrateOptions {
        sim: SimOptions {
            mode,
            seed: a.seed,
            work_dir: scenario.dir.join(".cache").join(format!("calibrate-{}", mode.name())),
            ..SimOptions::default()
        },
        car: CarOptions::default(),
        evaluations: a.evaluations,
    };
    eprintln!(
        "{:>3}  {:>6}  {:<64}  planned vs SUMO (min): plan last, 90%; baseline last, 90%",
        "#", "error", "calibration"
    );
    let report = calibrate(&scenario, &network, start, &options, |t, n| {
        let c = t.calibration;
        let pairs: Vec<String> =
            t.planned_min.iter().zip(&t.simulated_min).map(|(p, s)| format!("{p:.0}/{s:.0}")).collect();
        eprintln!(
            "{n:>3}  {:>5.1}%  speed {:.2} capacity {:.2}/{:.2}/{:.2}/{:.2} junction {:.2} / {:.0} / {:.0} s, signals {:.2}  {}",
            t.error * 100.0,
            c.speed_factor,
            c.primary_capacity_factor,
            c.secondary_capacity_factor,
            c.tertiary_capacity_factor,
            c.minor_capacity_factor,
            c.junctions.priority_factor,
            c.junctions.minor_vph,
            c.junctions.minor_delay_s,
            c.junctions.signal_share,
            pairs.join("  ")
        );
    })?;
    let best = &report.trials[report.best];
    let first = &report.trials[report.start];
    let out = a.out.clone().unwrap_or_else(|| scenario.dir.join("calibration.toml"));
    let comment = format!(
        "Written by `evac calibrate` (SUMO {}, seed {}, {} evaluations) for {}.\nMean relative difference planned vs simulated (plan and baseline, last and 90%): {:.1}% (start: {:.1}%).",
        mode.name(),
        a.seed,
        report.trials.len(),
        scenario.config.name,
        best.error * 100.0,
        first.error * 100.0
    );
    evac_files::write_atomic(&out, best.calibration.to_toml(&comment).as_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "best of {} trials: error {:.1}% (start {:.1}%), written to {}",
        report.trials.len(),
        best.error * 100.0,
        first.error * 100.0,
        out.display()
    );
    Ok(())
}
