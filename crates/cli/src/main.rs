//! `evac`: plan and run mandatory evacuations.

mod calibrate;
mod find;
mod network;
mod order;
mod plan;
mod progress;
mod scenario;
mod serve;
mod simulate;
mod transit;
mod up;

use clap::{Parser, Subcommand};
use std::path::Path;
use std::process::ExitCode;

/// Write named files into `dir` (each atomically, all staged before any is renamed);
/// returns the line that says so, for the caller to print after its output.
pub fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) -> anyhow::Result<String> {
    let paths: Vec<(std::path::PathBuf, Vec<u8>)> = files.iter().map(|(n, b)| (dir.join(n), b.clone())).collect();
    evac_files::write_all_atomic(&paths).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    Ok(format!("wrote {} to {}", names.join(", "), dir.display()))
}

#[derive(Parser)]
#[command(
    name = "evac",
    version,
    about = "Plan and run mandatory evacuations of civilians",
    long_about = "evac turns a scenario folder (settlements, a hazard line or area, reception centres, \
a road network, a fleet) into an evacuation order, capacity-constrained evacuation plans and \
transport schedules, and serves the web application used to run the evacuation.\n\n\
Start with the bundled scenario:\n  evac order scenarios/kupiansk\n\n\
The scenario folder format is described in docs/scenario.md.",
    after_help = "Every command that reads a scenario takes the folder (or its scenario.toml) as first argument."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline on a scenario: the order, then the plan (and, once the
    /// scenario names a fleet, the transit schedule), writing every output.
    #[command(after_help = "Example:\n  evac up scenarios/rhine")]
    Up(up::UpArgs),
    /// Compute the evacuation order: which settlements lie within the mandatory and advisory
    /// distances of the hazard. Prints a table and writes order.json, order.csv,
    /// order.geojson and a printable order.html.
    #[command(after_help = "Examples:\n  evac order scenarios/kupiansk\n  \
evac order scenarios/kupiansk --hazard scenarios/kupiansk/hazard-earlier.geojson --out /tmp/earlier\n  \
evac order scenarios/kupiansk --previous /tmp/earlier/order.json   # what changed since\n  \
evac order scenarios/kupiansk --json | jq '.totals'")]
    Order(order::OrderArgs),
    /// Find a settlement by any common spelling: Ukrainian, official Latin, Russian-era
    /// transliterations, with or without apostrophes (Kupiansk, Kupyansk, Куп'янськ, Купянск).
    #[command(after_help = "Example:\n  evac find scenarios/kupiansk Kupyansk-Uzlovoy")]
    Find(find::FindArgs),
    /// Road networks from OpenStreetMap: import and inspect.
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// The fastest route between two points, optionally with closed bridges or an area to avoid.
    #[command(after_help = "Examples:\n  evac route li.evacnet --from 47.166,9.510 --to 47.060,9.500\n  \
evac route li.evacnet --from 47.166,9.510 --to 47.16,9.47 --close Rhein --json")]
    Route(network::RouteArgs),
    /// Plan the evacuation of the ordered settlements over the road network: routes and
    /// departure waves that clear the zone as early as capacities allow, beside the optimum
    /// (or a proven lower bound) and the naive everyone-leaves-now baseline.
    #[command(
        after_help = "Examples:\n  evac plan scenarios/rhine\n  evac plan scenarios/rhine --close \"Rheinbrücke Haag-Bendern\"\n  \
evac plan scenarios/rhine --what-if bridges\n  evac plan scenarios/rhine --json | jq '.clearance_steps, .lower_bound_steps'"
    )]
    Plan(plan::PlanArgs),
    /// Plan buses, ambulances and trains for the people without cars: vehicle itineraries
    /// (driver sheets), pickup times per settlement, the train boarding plan, the time the
    /// last person is safe beside a lower bound; --deadline says how many more vehicles
    /// would finish in time.
    #[command(after_help = "Examples:\n  evac transit scenarios/rhine\n  evac transit scenarios/rhine --deadline 3h")]
    Transit(transit::TransitArgs),
    /// Check a plan in Eclipse SUMO: build SUMO's network from the scenario's OSM extract,
    /// replay every group of plan.json on it (and with --baseline the naive baseline), and
    /// set planned against simulated clearance, 90% times, exposure and queues. Needs SUMO
    /// (`apt-get install sumo sumo-tools`) and, for PBF extracts, osmium.
    #[command(after_help = "Examples:\n  evac plan scenarios/rhine && evac simulate scenarios/rhine --baseline\n  \
evac simulate scenarios/rhine --meso --baseline --out /tmp/rhine-meso --plan scenarios/rhine/out/plan.json\n  \
evac simulate scenarios/rhine --json | jq '.plan.simulated.last_arrival_s'")]
    Simulate(simulate::SimulateArgs),
    /// Fit the car planner's calibration (free-flow speed, road and junction capacities) to
    /// Eclipse SUMO on the scenario's roads: plans and simulates the plan and the naive
    /// baseline for each candidate and writes the best as a profile `evac plan` reads.
    #[command(
        after_help = "Example:\n  evac calibrate scenarios/rhine --evaluations 12\n  evac calibrate scenarios/rhine --meso --evaluations 6 --out /tmp/calibration.toml"
    )]
    Calibrate(calibrate::CalibrateArgs),
    /// Serve the operations web application (map, orders, registration, tracking, audit)
    /// over an embedded SQLite database, created on first start.
    #[command(after_help = "Example:\n  evac serve scenarios/kupiansk --db evac.sqlite --bind 127.0.0.1:8080")]
    Serve(serve::ServeArgs),
    /// Manage the users of the web application.
    #[command(subcommand)]
    User(serve::UserCommand),
    /// Copy a SQLite database consistently, also while it is being served (SQLite's online
    /// backup API); the copy is checked before it is put in place.
    #[command(after_help = "Example:\n  evac backup evac.sqlite /backups/evac-$(date +%Y%m%d-%H%M).sqlite")]
    Backup {
        /// The database file.
        db: std::path::PathBuf,
        /// The backup file to write.
        file: std::path::PathBuf,
    },
    /// Put a backup in place of a SQLite database (stop the server first).
    #[command(after_help = "Example:\n  evac restore /backups/evac-20250101-1200.sqlite evac.sqlite")]
    Restore {
        /// The backup file.
        backup: std::path::PathBuf,
        /// The database file to replace.
        db: std::path::PathBuf,
    },
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Make and check scenarios.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain: every record unchanged, none removed.
    Verify {
        #[arg(long, default_value = "evac.sqlite")]
        db: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Up(args) => up::run(args),
        Command::Order(args) => order::run(args),
        Command::Find(args) => find::run(args),
        Command::Network(cmd) => network::run(cmd),
        Command::Route(args) => network::route(args),
        Command::Plan(args) => plan::run(args),
        Command::Transit(args) => transit::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Serve(args) => serve::serve(args),
        Command::User(cmd) => serve::user(cmd),
        Command::Backup { db, file } => serve::backup(&db, &file),
        Command::Restore { backup, db } => serve::restore(&backup, &db),
        Command::Audit(AuditCommand::Verify { db }) => serve::audit_verify(&db),
        Command::Scenario(scenario::ScenarioCommand::FromOsm(args)) => scenario::from_osm(args),
        Command::Scenario(scenario::ScenarioCommand::Check(args)) => scenario::check(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
