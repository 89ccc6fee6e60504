use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use evac_network::Network;
use evac_plan::{Calibration, CarOptions, CarPlan, Method, Objective, TimeStep, WhatIfBridges, what_if_bridges};
use evac_scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodArg {
    /// The optimal plan where the exact solver fits, else the heuristic.
    Auto,
    /// The CCRP-class heuristic only (fast on very large networks).
    Heuristic,
    /// The exact optimum (fails if the time-expanded network is too large).
    Optimal,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Auto => Method::Auto,
            MethodArg::Heuristic => Method::Heuristic,
            MethodArg::Optimal => Method::Optimal,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ObjectiveArg {
    /// The earliest time the last vehicle is safe (people wait at home).
    Clearance,
    /// The least vehicle-minutes inside the mandatory zone, whatever the clearance.
    Exposure,
    /// The least exposure among plans whose clearance is within --clearance-slack of the
    /// optimum.
    Balanced,
}

impl From<ObjectiveArg> for Objective {
    fn from(o: ObjectiveArg) -> Objective {
        match o {
            ObjectiveArg::Clearance => Objective::Clearance,
            ObjectiveArg::Exposure => Objective::Exposure,
            ObjectiveArg::Balanced => Objective::Balanced,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum WhatIf {
    /// Close each river crossing in turn and rank them by the damage their loss does.
    Bridges,
}

#[derive(Args)]
pub struct PlanArgs {
    /// Scenario folder (it must name a network under [files]).
    pub scenario: PathBuf,
    /// Output folder [default: <scenario>/out].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print plan.json to standard output instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Close a bridge or road (name, river or edge id); repeatable.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub close: Vec<String>,
    /// Length of a time step, seconds, or `auto`: one minute, or for a long evacuation the
    /// smallest whole number of minutes that keeps the horizon within about 240 steps (a
    /// 20-hour clearance gets 5-minute steps).
    #[arg(long, value_name = "SECONDS|auto", default_value_t = CarOptions::default().step)]
    pub step_s: TimeStep,
    /// Persons per car.
    #[arg(long, default_value_t = CarOptions::default().occupancy)]
    pub occupancy: f64,
    /// Evacuate the advisory zone too (default: the mandatory zone only).
    #[arg(long)]
    pub advisory: bool,
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Time allowed to the exact optimum (with --method auto) before the plan falls back to
    /// the best lower bound proved so far.
    #[arg(long, default_value_t = CarOptions::default().exact_seconds)]
    pub exact_seconds: u64,
    /// What the published plan optimises.
    #[arg(long, value_enum, default_value_t = ObjectiveArg::Balanced)]
    pub objective: ObjectiveArg,
    /// With --objective balanced: how far the clearance may exceed the optimum, as a share
    /// (0.05: within 5%).
    #[arg(long, value_name = "SHARE", default_value_t = CarOptions::default().clearance_slack)]
    pub clearance_slack: f64,
    /// At most N routes per settlement, each with its departure waves (0: no limit)
    /// [default: 3 with --objective balanced, else no limit].
    #[arg(long, value_name = "N")]
    pub max_routes: Option<u32>,
    /// What-if analysis instead of a single plan.
    #[arg(long, value_enum)]
    pub what_if: Option<WhatIf>,
    /// With --what-if: replay every variant in SUMO (needs sumo, sumo-tools) and set the
    /// simulated clearance beside the planned one.
    #[arg(long, requires = "what_if")]
    pub simulate: bool,
    /// With --simulate: SUMO's mesoscopic model (fast) instead of the microscopic one.
    #[arg(long, requires = "simulate")]
    pub meso: bool,
    /// With --simulate: SUMO runs at the same time [default: the machine's cores].
    #[arg(long, requires = "simulate", value_name = "N")]
    pub jobs: Option<usize>,
    /// With --simulate: how many closed crossings to simulate, the worst by the planner's
    /// ranking first (after the plan with every crossing open).
    #[arg(long, requires = "simulate", value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Calibration profile (from `evac calibrate`) [default: the scenario's
    /// `[files] calibration`, else the shipped calibration].
    #[arg(long, value_name = "TOML")]
    pub calibration: Option<PathBuf>,
}

impl PlanArgs {
    fn options(&self, scenario: &Scenario) -> Result<CarOptions> {
        let calibration = match &self.calibration {
            Some(path) => Calibration::from_toml_file(path)?,
            None => Calibration::for_scenario(scenario)?,
        };
        Ok(CarOptions {
            calibration,
            step: self.step_s,
            occupancy: self.occupancy,
            advisory: self.advisory,
            close: self.close.clone(),
            method: self.method.into(),
            exact_seconds: self.exact_seconds,
            objective: self.objective.into(),
            clearance_slack: self.clearance_slack,
            max_routes: self.max_routes,
        })
    }
}

pub fn run(a: PlanArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    let network = crate::scenario::require_network(&scenario)?;
    let options = a.options(&scenario)?;
    if let Some(WhatIf::Bridges) = a.what_if {
        if a.simulate {
            let jobs = a.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
            return what_if_simulated(&scenario, &network, options, (a.meso, jobs, a.top), a.out.as_deref(), a.json);
        }
        return what_if(&scenario, &network, &options, a.out.as_deref(), a.json);
    }
    write_plan(&scenario, &network, &options, a.out.as_deref(), a.json).map(drop)
}

/// Plan the cars of a scenario, write the plan's files and print its summary (or plan.json
/// with `json`). `evac plan` and `evac up` both end here.
pub fn write_plan(
    scenario: &Scenario,
    network: &Network,
    options: &CarOptions,
    out: Option<&Path>,
    json: bool,
) -> Result<CarPlan> {
    let car = CarPlan::solve(scenario, network, options)?;
    for c in &car.closed {
        eprintln!("closed {} ({} edges)", c.label, c.edges.len());
    }
    for w in &car.warnings {
        eprintln!("warning: {w}");
    }
    let approximate = evac_plan::approximate_use(&car, network, options.occupancy);
    let mut docs = evac_report::plan::plan_documents(&scenario.config.name, &car, network, Some(&approximate));
    // The convoy leaders' printable sheets, from the same summary as plan.json.
    let sheets = evac_report::route_sheets::route_sheets_html(
        &docs.summary,
        &scenario.settlements,
        &scenario.config.authority,
        scenario.config.illustrative.as_deref(),
        evac_report::DATA_ATTRIBUTION,
    );
    docs.files.push(("routes.html", sheets.into_bytes()));
    let out_dir = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let wrote = crate::write_files(&out_dir, &docs.files).context("cannot write the plan")?;
    if json {
        print!("{}", docs.json);
    } else {
        print!("{}", evac_report::plan::summary_text(&docs.summary));
        print!("{}", evac_report::plan::approximate_text(&approximate));
    }
    eprintln!("{wrote}");
    Ok(car)
}

fn what_if(scenario: &Scenario, network: &Network, options: &CarOptions, out: Option<&Path>, json: bool) -> Result<()> {
    let report = what_if_bridges(scenario, network, options, |done, total| {
        if done == 0 {
            eprintln!("closing each of {total} river crossings in turn...");
        }
    })?;
    let text = serde_json::to_string_pretty(&serde_json::to_value(&report)?)? + "\n";
    let out_dir = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let wrote = crate::write_files(&out_dir, &[("whatif-bridges.json", text.clone().into_bytes())])?;
    if json {
        print!("{text}");
        return Ok(());
    }
    print!("{}", what_if_text(&scenario.config.name, &report));
    eprintln!("{wrote}");
    Ok(())
}

fn what_if_text(scenario: &str, report: &WhatIfBridges) -> String {
    use std::fmt::Write;
    let step_s = report.step_s;
    let min = |s: u32| {
        let minutes = f64::from(s) * step_s / 60.0;
        format!("{}:{:02}", minutes as u64 / 60, minutes.round() as u64 % 60)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "What if a bridge is lost? {scenario} — clearance with every crossing open: {}",
        min(report.base_clearance_steps)
    );
    let _ = writeln!(out, "{:<60} {:>9} {:>8}", "closed crossing", "clearance", "delay");
    for r in &report.bridges {
        let bridge = r.bridge.chars().take(60).collect::<String>();
        match (&r.cut_off, r.clearance_steps, r.delay_steps) {
            (Some(why), _, _) => {
                let _ = writeln!(out, "{bridge:<60} {:>9} {:>8}  {why}", "-", "CUT OFF");
            }
            (None, Some(c), Some(d)) => {
                let _ = writeln!(out, "{bridge:<60} {:>9} {:>+7.0}m", min(c), d as f64 * step_s / 60.0);
            }
            _ => {}
        }
    }
    out
}

fn what_if_simulated(
    scenario: &Scenario,
    network: &Network,
    car: CarOptions,
    (meso, jobs, top): (bool, usize, usize),
    out: Option<&Path>,
    json: bool,
) -> Result<()> {
    use evac_sim::whatif::{WhatIfSimOptions, simulate_what_if_bridges};
    let mode = if meso { evac_sim::Mode::Meso } else { evac_sim::Mode::Micro };
    let out_dir = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let options = WhatIfSimOptions {
        sim: evac_sim::SimOptions {
            mode,
            work_dir: out_dir.join(format!("sumo-whatif-{}", mode.name())),
            car_options: car.clone(),
            ..evac_sim::SimOptions::default()
        },
        car,
        jobs,
        top,
    };
    let report = simulate_what_if_bridges(scenario, network, &options, |what| eprintln!("{what}..."))?;
    let text = serde_json::to_string_pretty(&report)? + "\n";
    let wrote = crate::write_files(&out_dir, &[("whatif-bridges-simulated.json", text.clone().into_bytes())])?;
    if json {
        print!("{text}");
    } else {
        print!("{}", evac_report::simulation::what_if_text(&report));
    }
    eprintln!("{wrote}");
    Ok(())
}
