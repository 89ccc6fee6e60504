use anyhow::{Context, Result};
use clap::Args;
use evac_scenario::Scenario;
use evac_sim::{Mode, SimOptions, Simulation};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct SimulateArgs {
    /// Scenario folder (its network must be an OSM extract: SUMO builds its roads from it).
    pub scenario: PathBuf,
    /// The plan to simulate [default: <out>/plan.json, as `evac plan` writes it].
    #[arg(long, value_name = "PATH")]
    pub plan: Option<PathBuf>,
    /// Also simulate evac's naive baseline (everyone leaves now by the fastest route).
    #[arg(long)]
    pub baseline: bool,
    /// Mesoscopic simulation (queues per road segment, with junction control): fast.
    #[arg(long, conflicts_with = "micro")]
    pub meso: bool,
    /// Microscopic simulation (car following, lane changes, junctions): the default.
    #[arg(long)]
    pub micro: bool,
    /// Output folder [default: <scenario>/out]; SUMO's files go to <out>/sumo-<mode>.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// SUMO's random seed.
    #[arg(long, default_value_t = SimOptions::default().seed)]
    pub seed: u64,
    /// Seconds a blocked vehicle waits before SUMO teleports it past the blockage (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = SimOptions::default().time_to_teleport_s)]
    pub time_to_teleport: f64,
    /// Print simulation.json to standard output instead of the summary.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: SimulateArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    let network = crate::scenario::require_network(&scenario)?;
    let out_dir = a.out.clone().unwrap_or_else(|| scenario.dir.join("out"));
    let plan = a.plan.clone().unwrap_or_else(|| out_dir.join("plan.json"));
    let mode = if a.meso { Mode::Meso } else { Mode::Micro };
    let options = SimOptions {
        mode,
        seed: a.seed,
        baseline: a.baseline,
        time_to_teleport_s: a.time_to_teleport,
        work_dir: out_dir.join(format!("sumo-{}", mode.name())),
        car_options: evac_plan::CarOptions {
            calibration: evac_plan::Calibration::for_scenario(&scenario)?,
            ..evac_plan::CarOptions::default()
        },
        ..SimOptions::default()
    };
    let report = Simulation::run(&scenario, &network, &plan, &options, |what| eprintln!("{what}..."))?;
    let docs = evac_report::simulation::simulation_documents(&report);
    let wrote = crate::write_files(Path::new(&out_dir), &docs.files).context("cannot write the simulation check")?;
    if a.json {
        print!("{}", docs.json);
    } else {
        print!("{}", docs.summary);
    }
    eprintln!("{wrote}");
    Ok(())
}
