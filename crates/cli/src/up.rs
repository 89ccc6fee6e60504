//! `evac up`: the whole pipeline on one scenario, in order, with each stage's defaults.

use anyhow::Result;
use clap::Args;
use evac_plan::CarOptions;
use evac_transit::TransitOptions;
use evac_zone::OrderOptions;
use std::path::PathBuf;

#[derive(Args)]
pub struct UpArgs {
    /// Scenario folder.
    pub scenario: PathBuf,
    /// Output folder [default: <scenario>/out].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not start the web application at the end.
    #[arg(long)]
    pub no_serve: bool,
    /// Database of the web application: a SQLite file or a PostgreSQL URL.
    #[arg(long, default_value = "evac.sqlite")]
    pub db: String,
    /// Address of the web application.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
}

pub fn run(a: UpArgs) -> Result<()> {
    // The scenario and its network are loaded once and handed to every stage.
    let scenario = evac_scenario::Scenario::load(&a.scenario)?;
    let has_fleet = !scenario.fleet.is_empty();
    let steps = if has_fleet { 3 } else { 2 } + usize::from(!a.no_serve);
    let out = a.out.as_deref();
    println!("== 1/{steps} evacuation order ==");
    let order = OrderOptions { date: Some(chrono::Local::now().date_naive()), ..OrderOptions::default() };
    crate::order::write_order(&scenario, &order, None, out, false)?;
    println!("\n== 2/{steps} evacuation plan (cars) ==");
    let network = crate::scenario::require_network(&scenario)?;
    let options = CarOptions { calibration: evac_plan::Calibration::for_scenario(&scenario)?, ..CarOptions::default() };
    let car = crate::plan::write_plan(&scenario, &network, &options, out, false)?;
    if has_fleet {
        println!("\n== 3/{steps} transit (buses, ambulances, trains) ==");
        // The buses plan inside the car plan's traffic.
        crate::transit::write_transit(&scenario, &network, Some(&car), &TransitOptions::default(), out, false, None)?;
    }
    if !a.no_serve {
        println!("\n== {steps}/{steps} operations web application ==");
        crate::serve::serve_loaded(&scenario, Some(&network), &a.db, a.bind, out, evac_server::Limits::default())?;
    }
    Ok(())
}
