use crate::network::closures;
use crate::scenario::{attach_scenario, load_network};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use evac_geo::HazardIndex;
use evac_model::Zone;
use evac_network::{Closures, Network};
use evac_plan::problem::{Destination, Problem, Source};
use evac_plan::run::{Method, RunOptions, run};
use evac_report::plan::{plan_geojson, plan_json, safe_over_time_svg, schedule_csv, summary, summary_text};
use evac_scenario::Scenario;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodArg {
    /// The optimal plan where the exact solver fits, else the heuristic.
    Auto,
    /// The CCRP-class heuristic only (fast on very large networks).
    Heuristic,
    /// The exact optimum (fails if the time-expanded network is too large).
    Optimal,
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
    /// Length of a time step, seconds.
    #[arg(long, default_value_t = 60.0)]
    pub step_s: f64,
    /// Persons per car.
    #[arg(long, default_value_t = 2.5)]
    pub occupancy: f64,
    /// Evacuate the advisory zone too (default: the mandatory zone only).
    #[arg(long)]
    pub advisory: bool,
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// Time allowed to the exact optimum (with --method auto) before the plan falls back to
    /// the best lower bound proved so far.
    #[arg(long, default_value_t = 60)]
    pub exact_seconds: u64,
    /// What-if analysis instead of a single plan.
    #[arg(long, value_enum)]
    pub what_if: Option<WhatIf>,
}

/// The problem a scenario poses on its network.
pub struct Built {
    pub problem: Problem,
    pub network: Network,
    pub scenario: Scenario,
    pub warnings: Vec<String>,
}

pub fn build_problem(a: &PlanArgs, closed: Option<&Closures>, network: Network, scenario: Scenario) -> Result<Built> {
    if !(1.0..=3600.0).contains(&a.step_s) {
        bail!("--step-s must be between 1 and 3600 seconds");
    }
    if a.occupancy.is_nan() || a.occupancy < 1.0 {
        bail!("--occupancy must be at least 1 person per car");
    }
    let attached = attach_scenario(&scenario, &network)?;
    let order = crate::order::full_order(&scenario, "plan", None);
    let zone_of: std::collections::HashMap<&str, Zone> =
        order.settlements.iter().map(|e| (e.id.as_str(), e.zone)).collect();
    let demand = scenario.demand();
    let snapper = evac_network::Snapper::new(&network);
    let mut sources = Vec::new();
    for (s, site) in scenario.settlements.iter().zip(&attached.settlements) {
        let zone = zone_of[s.id.as_str()];
        if zone == Zone::Mandatory || (a.advisory && zone == Zone::Advisory) {
            let with_car = f64::from(s.population) * (1.0 - demand.no_car_share(s));
            let vehicles = (with_car / a.occupancy).ceil() as u32;
            if vehicles == 0 {
                continue;
            }
            // People leave from all over a settlement, not from one junction: spread its
            // vehicles over up to 12 road nodes within a radius that grows with its size.
            let radius = (400.0 * (f64::from(s.population) / 1000.0).sqrt()).clamp(300.0, 2500.0);
            let near = snapper.within(s.location, radius);
            let k = (vehicles / 50).clamp(1, 12) as usize;
            let origins: Vec<u32> = if near.len() <= 1 {
                vec![site.node]
            } else {
                let k = k.min(near.len());
                let mut picked: Vec<u32> = (0..k).map(|i| near[i * near.len() / k].node).collect();
                picked.dedup();
                picked
            };
            let n = origins.len() as u32;
            for (i, node) in origins.into_iter().enumerate() {
                let share = vehicles / n + u32::from((i as u32) < vehicles % n);
                if share > 0 {
                    sources.push(Source {
                        id: format!("{}#{}", s.id, i + 1),
                        name: s.name.clone(),
                        node,
                        vehicles: share,
                    });
                }
            }
        }
    }
    let index = HazardIndex::new(&scenario.hazard);
    let mut warnings = attached.warnings.clone();
    let mut destinations = Vec::new();
    for (c, site) in scenario.centres.iter().zip(&attached.centres) {
        if index.distance_m(c.location) <= scenario.config.zone.advisory_km * 1000.0 {
            warnings.push(format!("reception centre {} lies inside the zone and is not used", c.name));
            continue;
        }
        destinations.push(Destination {
            id: c.id.clone(),
            name: c.name.clone(),
            node: site.node,
            capacity_vehicles: Some((f64::from(c.capacity) / a.occupancy).floor() as u32),
        });
    }
    let mandatory_m = scenario.config.zone.mandatory_km * 1000.0;
    let nodes: Vec<evac_model::LatLon> =
        network.nodes().iter().map(|n| evac_model::LatLon::new(n.lat, n.lon)).collect();
    let in_zone: Vec<bool> = index.distances_m(&nodes).into_iter().map(|d| d <= mandatory_m).collect();
    let problem = Problem::new(&network, closed, a.step_s, sources, destinations, in_zone);
    Ok(Built { problem, network, scenario, warnings })
}

fn method(m: MethodArg) -> Method {
    match m {
        MethodArg::Auto => Method::Auto,
        MethodArg::Heuristic => Method::Heuristic,
        MethodArg::Optimal => Method::Optimal,
    }
}

fn load(a: &PlanArgs) -> Result<(Scenario, Network)> {
    let scenario = Scenario::load(&a.scenario)?;
    let Some(network) = load_network(&scenario)? else {
        bail!(
            "{} has no road network: add `network = \"<extract>.osm.pbf\"` (or an evac network file) under [files] in scenario.toml (see docs/network.md)",
            scenario.config.name
        );
    };
    Ok((scenario, network))
}

pub fn run_plan(a: PlanArgs) -> Result<()> {
    if let Some(WhatIf::Bridges) = a.what_if {
        return what_if_bridges(&a);
    }
    let (scenario, network) = load(&a)?;
    let closed = closures(&network, &a.close, None)?;
    let described: Vec<String> = a.close.clone();
    let built = build_problem(&a, Some(&closed), network, scenario)?;
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    let p = &built.problem;
    p.check(&described.join(", ")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = RunOptions {
        method: method(a.method),
        exact_budget: std::time::Duration::from_secs(a.exact_seconds),
        ..Default::default()
    };
    let result = run(p, options).map_err(anyhow::Error::msg)?;
    for (label, plan) in [("published plan", &result.plan), ("heuristic plan", &result.heuristic)] {
        let errors = evac_plan::verify::verify(p, plan);
        if !errors.is_empty() {
            bail!("internal error: the {label} breaks {} rule(s), first: {}", errors.len(), errors[0]);
        }
    }
    let s = summary(&built.scenario.config.name, p, &built.network, &result, &described);
    let out_dir = a.out.clone().unwrap_or_else(|| built.scenario.dir.join("out"));
    let json = plan_json(p, &result, &s);
    let mut curves = vec![(format!("evac plan ({})", s.plan_kind), "#1565c0", result.plan.safe_over_time(p), false)];
    if result.plan_kind == "optimal" {
        curves.push(("CCRP heuristic".to_string(), "#6a1b9a", result.heuristic.safe_over_time(p), true));
    }
    if let Some(b) = &result.baseline {
        curves.push(("naive baseline".to_string(), "#c62828", b.safe_over_time(p), true));
    }
    let curves_ref: Vec<(&str, &str, Vec<u64>, bool)> =
        curves.iter().map(|(l, c, v, d)| (l.as_str(), *c, v.clone(), *d)).collect();
    let chart = safe_over_time_svg(
        &format!("Vehicles safe over time — {}", built.scenario.config.name),
        p.step_s,
        &curves_ref,
        p.total_vehicles(),
    );
    let files = vec![
        (out_dir.join("plan.json"), json.clone().into_bytes()),
        (out_dir.join("plan.geojson"), plan_geojson(p, &built.network, &result.plan).into_bytes()),
        (out_dir.join("schedule.csv"), schedule_csv(&s).into_bytes()),
        (out_dir.join("plan.svg"), chart.into_bytes()),
    ];
    evac_report::write_all_atomic(&files).with_context(|| format!("cannot write the plan to {}", out_dir.display()))?;
    if a.json {
        print!("{json}");
    } else {
        print!("{}", summary_text(&s));
    }
    eprintln!("wrote plan.json, plan.geojson, schedule.csv, plan.svg to {}", out_dir.display());
    Ok(())
}

#[derive(serde::Serialize)]
struct WhatIfRow {
    bridge: String,
    clearance_steps: Option<u32>,
    delay_steps: Option<i64>,
    lower_bound_steps: Option<u32>,
    cut_off: Option<String>,
}

fn what_if_bridges(a: &PlanArgs) -> Result<()> {
    let (scenario, network) = load(a)?;
    let base_closed = closures(&network, &a.close, None)?;
    let options = RunOptions {
        method: method(a.method),
        baseline: false,
        exact_budget: std::time::Duration::from_secs(a.exact_seconds),
        ..Default::default()
    };
    let built = build_problem(a, Some(&base_closed), network, scenario)?;
    built.problem.check("").map_err(|e| anyhow::anyhow!("{e}"))?;
    let base = run(&built.problem, options).map_err(anyhow::Error::msg)?;
    let base_clearance = base.plan.clearance_steps(&built.problem);
    let crossings: Vec<evac_network::stats::Bridge> =
        evac_network::stats::bridges(&built.network).into_iter().filter(|b| b.crossing.is_some()).collect();
    eprintln!("closing each of {} river crossings in turn...", crossings.len());
    let mut rows = Vec::new();
    for b in &crossings {
        let mut closed = base_closed.clone();
        for &e in &b.edges {
            closed.close_edge(&built.network, e);
        }
        let sources = built.problem.sources.clone();
        let destinations = built.problem.destinations.clone();
        let p =
            Problem::new(&built.network, Some(&closed), a.step_s, sources, destinations, built.problem.in_zone.clone());
        match p.check(&b.label) {
            Err(e) => rows.push(WhatIfRow {
                bridge: b.label.clone(),
                clearance_steps: None,
                delay_steps: None,
                lower_bound_steps: None,
                cut_off: Some(e.to_string()),
            }),
            Ok(()) => {
                let r = run(&p, options).map_err(anyhow::Error::msg)?;
                let c = r.plan.clearance_steps(&p);
                rows.push(WhatIfRow {
                    bridge: b.label.clone(),
                    clearance_steps: Some(c),
                    delay_steps: Some(i64::from(c) - i64::from(base_clearance)),
                    lower_bound_steps: Some(r.lower_bound),
                    cut_off: None,
                });
            }
        }
    }
    rows.sort_by(|x, y| {
        y.cut_off
            .is_some()
            .cmp(&x.cut_off.is_some())
            .then(y.delay_steps.unwrap_or(0).cmp(&x.delay_steps.unwrap_or(0)))
            .then(x.bridge.cmp(&y.bridge))
    });
    let out_dir = a.out.clone().unwrap_or_else(|| built.scenario.dir.join("out"));
    let json = serde_json::to_string_pretty(
        &serde_json::json!({"base_clearance_steps": base_clearance, "step_s": a.step_s, "bridges": rows}),
    )? + "\n";
    evac_report::write_all_atomic(&[(out_dir.join("whatif-bridges.json"), json.clone().into_bytes())])?;
    if a.json {
        print!("{json}");
        return Ok(());
    }
    let min = |s: u32| {
        format!(
            "{}:{:02}",
            (f64::from(s) * a.step_s / 60.0) as u64 / 60,
            (f64::from(s) * a.step_s / 60.0).round() as u64 % 60
        )
    };
    println!(
        "What if a bridge is lost? {} — clearance with every crossing open: {}",
        built.scenario.config.name,
        min(base_clearance)
    );
    println!("{:<60} {:>9} {:>8}", "closed crossing", "clearance", "delay");
    for r in &rows {
        match (&r.cut_off, r.clearance_steps, r.delay_steps) {
            (Some(why), _, _) => {
                println!("{:<60} {:>9} {:>8}  {}", r.bridge.chars().take(60).collect::<String>(), "-", "CUT OFF", why)
            }
            (None, Some(c), Some(d)) => println!(
                "{:<60} {:>9} {:>+7.0}m",
                r.bridge.chars().take(60).collect::<String>(),
                min(c),
                d as f64 * a.step_s / 60.0
            ),
            _ => {}
        }
    }
    eprintln!("wrote whatif-bridges.json to {}", out_dir.display());
    Ok(())
}
