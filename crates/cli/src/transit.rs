use anyhow::{Context, Result};
use clap::Args;
use evac_network::Network;
use evac_plan::{CarOptions, CarPlan};
use evac_report::transit::hm;
use evac_scenario::Scenario;
use evac_transit::{Transit, TransitOptions, parse_duration};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct TransitArgs {
    /// Scenario folder (with a network and a fleet under [files]).
    pub scenario: PathBuf,
    /// Output folder [default: <scenario>/out].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print transit.json to standard output instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Serve the advisory zone too.
    #[arg(long)]
    pub advisory: bool,
    /// Persons per car in the car plan (beds are shared with car evacuees).
    #[arg(long, default_value_t = TransitOptions::default().occupancy)]
    pub occupancy: f64,
    /// How many more vehicles finish by this time? (e.g. 6h, 90m, 5400s)
    #[arg(long, value_parser = parse_duration)]
    pub deadline: Option<f64>,
    /// Seconds to spend improving the plan.
    #[arg(long, default_value_t = TransitOptions::default().seconds)]
    pub seconds: u64,
    /// Also write the problem (demand, fleet, centres, stations, travel times, timing rules)
    /// as JSON to this file, for other solvers (bench/transit_ortools.py).
    #[arg(long, value_name = "FILE")]
    pub export_instance: Option<PathBuf>,
    /// Plan on free-flow travel times, ignoring the car traffic (today's roads empty; for
    /// comparisons). Without it the car plan is solved first and buses wait where it fills
    /// a road.
    #[arg(long)]
    pub free_flow: bool,
}

pub fn run(a: TransitArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    let network = crate::scenario::require_network(&scenario)?;
    let options = TransitOptions {
        advisory: a.advisory,
        occupancy: a.occupancy,
        seconds: a.seconds,
        deadline_s: a.deadline,
        free_flow: a.free_flow,
    };
    // The buses share the roads with the car plan's traffic.
    let car = if a.free_flow {
        None
    } else {
        let car_options = CarOptions {
            occupancy: a.occupancy,
            advisory: a.advisory,
            calibration: evac_plan::Calibration::for_scenario(&scenario)?,
            ..CarOptions::default()
        };
        match CarPlan::solve(&scenario, &network, &car_options) {
            Ok(car) => Some(car),
            Err(e) => {
                eprintln!("warning: no car plan ({e}): buses are planned on free-flow times");
                None
            }
        }
    };
    write_transit(&scenario, &network, car.as_ref(), &options, a.out.as_deref(), a.json, a.export_instance.as_deref())
}

/// Plan transit, write its files and print the summary (or transit.json with `json`).
/// `evac transit` and `evac up` both end here.
pub fn write_transit(
    scenario: &Scenario,
    network: &Network,
    car: Option<&CarPlan>,
    options: &TransitOptions,
    out: Option<&Path>,
    json: bool,
    export_instance: Option<&Path>,
) -> Result<()> {
    let t = Transit::solve_in_traffic(scenario, network, car, options)?;
    if let Some(path) = export_instance {
        evac_files::write_atomic(path, evac_report::transit::instance_json(&t.problem).as_bytes())
            .with_context(|| format!("cannot write the instance to {}", path.display()))?;
    }
    for w in &t.warnings {
        eprintln!("warning: {w}");
    }
    let files = evac_report::transit::transit_files(&scenario.config.name, scenario.config.illustrative.as_deref(), &t);
    let out_dir = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let wrote = crate::write_files(&out_dir, &files).context("cannot write the transit plan")?;
    if json {
        print!("{}", evac_report::transit::transit_json(&t.problem, &t.plan, &t.summary));
    } else {
        print!("{}", evac_report::transit::transit_text(&t));
        if let Some(d) = &t.deadline {
            if d.extra_vehicles == 0 {
                println!("\nthe fleet finishes by {} (deadline {})", hm(t.plan.completion_s()), hm(d.deadline_s));
            } else if let Some(done) = d.completion_s {
                println!(
                    "\nto finish by {}: {} more {} vehicles (then done by {})",
                    hm(d.deadline_s),
                    d.extra_vehicles,
                    d.kind,
                    hm(done)
                );
            } else {
                println!(
                    "\nno number of extra {} vehicles up to {} finishes by {}: the roads, not the fleet, are the limit",
                    d.kind,
                    d.extra_vehicles,
                    hm(d.deadline_s)
                );
            }
        }
    }
    eprintln!("{wrote}");
    Ok(())
}
