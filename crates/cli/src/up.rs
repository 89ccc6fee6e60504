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
    /// Use this hazard GeoJSON instead of the scenario's (the line has moved): every stage
    /// plans for it.
    #[arg(long, value_name = "GEOJSON")]
    pub hazard: Option<PathBuf>,
    /// The order.json of the last order: the new order reports the settlements added and
    /// removed since (copy it aside first when --out is the same folder).
    #[arg(long, value_name = "ORDER_JSON")]
    pub previous: Option<PathBuf>,
    /// Time allowed to the transit plan's improvement search, seconds (as `evac transit
    /// --seconds`).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = TransitOptions::default().seconds,
        value_parser = clap::value_parser!(u64).range(0..=3600)
    )]
    pub transit_seconds: u64,
}

pub fn run(a: UpArgs) -> Result<()> {
    // The scenario and its network are loaded once and handed to every stage.
    let mut scenario = evac_scenario::Scenario::load(&a.scenario)?;
    if let Some(h) = &a.hazard {
        scenario = scenario.with_hazard_file(h)?;
    }
    // Read before anything is written: --previous may be the order.json this run replaces.
    let previous = a.previous.as_deref().map(crate::order::read_order).transpose()?;
    let started = std::time::Instant::now();
    let mut timings: Vec<(&str, f64)> = Vec::new();
    let has_fleet = !scenario.fleet.is_empty();
    let steps = if has_fleet { 3 } else { 2 } + usize::from(!a.no_serve);
    let out = a.out.as_deref();
    println!("== 1/{steps} evacuation order ==");
    let order = OrderOptions { date: Some(chrono::Local::now().date_naive()), ..OrderOptions::default() };
    crate::order::write_order(&scenario, &order, previous.as_ref(), out, false)?;
    timings.push(("order", started.elapsed().as_secs_f64()));
    println!("\n== 2/{steps} evacuation plan (cars) ==");
    let network = crate::scenario::require_network(&scenario)?;
    let options = CarOptions { calibration: evac_plan::Calibration::for_scenario(&scenario)?, ..CarOptions::default() };
    let car = crate::plan::write_plan(&scenario, &network, &options, out, false)?;
    timings.push(("car plan", started.elapsed().as_secs_f64()));
    if has_fleet {
        println!("\n== 3/{steps} transit (buses, ambulances, trains) ==");
        // The buses plan inside the car plan's traffic.
        let transit = TransitOptions { seconds: a.transit_seconds, ..TransitOptions::default() };
        crate::transit::write_transit(&scenario, &network, Some(&car), &transit, out, false, None)?;
        timings.push(("transit", started.elapsed().as_secs_f64()));
    }
    // What each stage took (the network is loaded, or built once and cached, in the plan's).
    let mut before = 0.0;
    let parts: Vec<String> = timings
        .iter()
        .map(|(stage, at)| {
            let part = format!("{stage} {:.1} s", at - before);
            before = *at;
            part
        })
        .collect();
    println!("\nevery stage done in {:.1} s ({})", started.elapsed().as_secs_f64(), parts.join(", "));
    if !a.no_serve {
        println!("\n== {steps}/{steps} operations web application ==");
        crate::serve::serve_loaded(&scenario, Some(&network), &a.db, a.bind, out, evac_server::Limits::default())?;
    }
    Ok(())
}
