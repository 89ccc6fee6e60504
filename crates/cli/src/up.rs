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
}

pub fn run(a: UpArgs) -> Result<()> {
    let out = a.out.clone();
    println!("== 1/2 evacuation order ==");
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
    println!("\n== 2/2 evacuation plan ==");
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
    Ok(())
}
