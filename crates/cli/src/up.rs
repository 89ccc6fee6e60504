//! `evac up`: the whole pipeline on one scenario, in order.

use anyhow::Result;
use clap::Args;
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
    /// SQLite database of the web application.
    #[arg(long, default_value = "evac.sqlite")]
    pub db: PathBuf,
    /// Address of the web application.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
}

pub fn run(a: UpArgs) -> Result<()> {
    let out = a.out.clone();
    let has_fleet = evac_scenario::Scenario::load(&a.scenario)?.config.files.fleet.is_some();
    let steps = if has_fleet { 3 } else { 2 } + usize::from(!a.no_serve);
    println!("== 1/{steps} evacuation order ==");
    crate::order::run(crate::order::OrderArgs {
        scenario: a.scenario.clone(),
        out: out.clone(),
        json: false,
        previous: None,
        hazard: None,
        number: "draft".into(),
        date: None,
        all: false,
    })?;
    println!("\n== 2/{steps} evacuation plan (cars) ==");
    crate::plan::run_plan(crate::plan::PlanArgs {
        scenario: a.scenario.clone(),
        out,
        json: false,
        close: vec![],
        step_s: 60.0,
        occupancy: 2.5,
        advisory: false,
        method: crate::plan::MethodArg::Auto,
        exact_seconds: 60,
        what_if: None,
    })?;
    if has_fleet {
        println!("\n== 3/{steps} transit (buses, ambulances, trains) ==");
        crate::transit::run(crate::transit::TransitArgs {
            scenario: a.scenario.clone(),
            out: a.out.clone(),
            json: false,
            advisory: false,
            occupancy: 2.5,
            deadline: None,
            seconds: 10,
        })?;
    }
    if !a.no_serve {
        println!("\n== {steps}/{steps} operations web application ==");
        crate::serve::serve(crate::serve::ServeArgs { scenario: a.scenario, db: a.db, bind: a.bind, out: a.out })?;
    }
    Ok(())
}
