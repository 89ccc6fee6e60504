use crate::scenario::load_network;
use anyhow::{Context, Result, bail};
use clap::Args;
use evac_model::{VehicleKind, Zone};
use evac_network::{Network, Router, Snapper};
use evac_plan::transit::{Pickup, TCentre, TTrain, TVehicle, Times, TransitProblem};
use evac_report::transit::{driver_sheets_html, hm, pickups_csv, trains_csv, transit_json, transit_text};
use evac_scenario::Scenario;
use std::path::PathBuf;

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
    #[arg(long, default_value_t = 2.5)]
    pub occupancy: f64,
    /// How many more vehicles finish by this time? (e.g. 6h, 90m, 5400s)
    #[arg(long, value_parser = parse_duration)]
    pub deadline: Option<f64>,
    /// Seconds to spend improving the plan.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

fn parse_duration(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.trim().parse().map_err(|_| format!("expected a duration like 6h, 90m or 5400s, found \"{s}\""))?;
    let factor = match unit.trim() {
        "h" => 3600.0,
        "m" | "min" => 60.0,
        "s" | "" => 1.0,
        other => return Err(format!("unknown unit \"{other}\" (use h, m or s)")),
    };
    Ok(n * factor)
}

pub struct BuiltTransit {
    pub problem: TransitProblem,
    pub warnings: Vec<String>,
    pub scenario: Scenario,
}

pub fn build(a: &TransitArgs, scenario: Scenario, network: &Network) -> Result<BuiltTransit> {
    if scenario.fleet.is_empty() {
        bail!(
            "{} has no fleet: add `fleet = \"fleet.csv\"` under [files] with columns id,kind,depot_lat,depot_lon,seats,count (kind: bus, minibus, ambulance, accessible; see docs/scenario.md)",
            scenario.config.name
        );
    }
    let demand = scenario.demand();
    let order = crate::order::full_order(&scenario, "transit", None);
    let zone: std::collections::HashMap<&str, Zone> =
        order.settlements.iter().map(|e| (e.id.as_str(), e.zone)).collect();
    let snapper = Snapper::new(network);
    let mut site_nodes: Vec<u32> = Vec::new();
    let mut site_names: Vec<String> = Vec::new();
    let mut site = |node: u32, name: String| -> usize {
        site_nodes.push(node);
        site_names.push(name);
        site_nodes.len() - 1
    };
    let mut warnings = Vec::new();
    let max_snap = scenario.config.network.max_snap_km * 1000.0;
    let snap = |what: &str, loc: evac_model::LatLon, warnings: &mut Vec<String>| -> u32 {
        let s = snapper.nearest(loc).expect("network has nodes");
        if s.distance_m > max_snap {
            warnings.push(format!("{what} is {:.1} km from the nearest road", s.distance_m / 1000.0));
        }
        s.node
    };
    // Pickups: people without cars, and people who cannot walk.
    let mut pickups = Vec::new();
    let mut car_people = 0u64;
    let mut has_immobile = Vec::new();
    for s in &scenario.settlements {
        let z = zone[s.id.as_str()];
        if !(z == Zone::Mandatory || (a.advisory && z == Zone::Advisory)) {
            continue;
        }
        let immobile = demand.immobile(s).min(s.population);
        let mobile_carless = (f64::from(s.population - immobile) * demand.no_car_share(s)).round() as u32;
        car_people += u64::from(s.population - immobile - mobile_carless);
        if mobile_carless + immobile == 0 {
            continue;
        }
        let point = scenario.assembly.iter().find(|p| p.settlement_id == s.id);
        let (loc, label) = match point {
            Some(p) => (p.location, format!("{} ({})", s.name, p.name)),
            None => (s.location, format!("{} centre", s.name)),
        };
        let node = snap(&format!("the pickup point of {}", s.name), loc, &mut warnings);
        let idx = site(node, label);
        if immobile > 0 {
            has_immobile.push(s.name.clone());
        }
        pickups.push(Pickup { id: s.id.clone(), name: s.name.clone(), site: idx, mobile: mobile_carless, immobile });
    }
    let stretcher = scenario.fleet.iter().any(|f| f.kind.carries_immobile() && f.count > 0);
    if !has_immobile.is_empty() && !stretcher {
        bail!(
            "people who cannot walk live in {} but the fleet has no ambulance or accessible vehicle: add one to {} (kind ambulance or accessible)",
            has_immobile.join(", "),
            scenario.optional_file("fleet").map(|p| p.display().to_string()).unwrap_or_default()
        );
    }
    // Centres: the beds not taken by car evacuees (shared in proportion to capacity).
    let total_beds: u64 = scenario.centres.iter().map(|c| u64::from(c.capacity)).sum();
    let mut centres = Vec::new();
    for c in &scenario.centres {
        let node = snap(&format!("centre {}", c.name), c.location, &mut warnings);
        let share = (car_people * u64::from(c.capacity)).checked_div(total_beds).unwrap_or(0);
        centres.push(TCentre {
            id: c.id.clone(),
            name: c.name.clone(),
            site: site(node, c.name.clone()),
            capacity: (u64::from(c.capacity).saturating_sub(share)) as u32,
        });
    }
    let mut vehicles = Vec::new();
    for f in &scenario.fleet {
        let node = snap(&format!("depot of {}", f.id), f.depot, &mut warnings);
        let depot = site(node, format!("depot {}", f.id));
        for k in 1..=f.count {
            vehicles.push(TVehicle { id: format!("{}-{k}", f.id), kind: f.kind, seats: f.seats, depot_site: depot });
        }
    }
    let mut trains = Vec::new();
    if let Some(rail) = &scenario.rail {
        for t in &rail.trains {
            let st = rail.stations.iter().find(|s| s.id == t.station).expect("validated");
            let node = snap(&format!("station {}", st.name), st.location, &mut warnings);
            let destination = centres.iter().position(|c| c.id == t.destination).expect("validated");
            trains.push(TTrain {
                id: t.id.clone(),
                station_site: site(node, format!("station {}", st.name)),
                station_name: st.name.clone(),
                capacity: t.capacity,
                first_departure_s: t.first_departure_min * 60.0,
                period_s: t.turnaround_min * 60.0,
                travel_s: t.travel_min * 60.0,
                destination,
            });
        }
    }
    // Free-flow times between every pair of sites (one Dijkstra tree per site).
    let router = Router::new(network, None);
    let mut unique: Vec<u32> = site_nodes.clone();
    unique.sort_unstable();
    unique.dedup();
    let trees: Vec<Vec<f64>> = unique.iter().map(|&n| router.times_from(n).0).collect();
    let seconds: Vec<Vec<f64>> = site_nodes
        .iter()
        .map(|&a| {
            let tree = &trees[unique.binary_search(&a).expect("present")];
            site_nodes.iter().map(|&b| tree[b as usize]).collect()
        })
        .collect();
    for pk in &pickups {
        let from_depot = vehicles.iter().any(|v| seconds[v.depot_site][pk.site].is_finite());
        let to_centre = centres.iter().any(|c| seconds[pk.site][c.site].is_finite());
        if !from_depot || !to_centre {
            warnings.push(format!("the pickup point of {} cannot be reached by road from a depot or cannot reach a centre: move it (assembly.csv) or add a depot", pk.name));
        }
    }
    let problem =
        TransitProblem::with_standard_timings(site_names, Times { seconds }, pickups, vehicles, centres, trains);
    Ok(BuiltTransit { problem, warnings, scenario })
}

pub fn run(a: TransitArgs) -> Result<()> {
    let scenario = Scenario::load(&a.scenario)?;
    let Some(network) = load_network(&scenario)? else {
        bail!("{} has no road network: add `network = ...` under [files] (docs/network.md)", scenario.config.name);
    };
    let built = build(&a, scenario, &network)?;
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    let p = &built.problem;
    let started = std::time::Instant::now();
    let plan = p.plan_within(400, std::time::Duration::from_secs(a.seconds));
    let seconds = started.elapsed().as_secs_f64();
    let bound = p.lower_bound_s();
    let mut deadline_answer = None;
    if let Some(deadline) = a.deadline {
        deadline_answer = Some(extra_fleet_for(p, deadline, plan.completion_s()));
    }
    let summary = serde_json::json!({
        "scenario": built.scenario.config.name,
        "people": p.pickups.iter().map(|x| u64::from(x.mobile + x.immobile)).sum::<u64>(),
        "immobile": p.pickups.iter().map(|x| u64::from(x.immobile)).sum::<u64>(),
        "vehicles_in_fleet": p.vehicles.len(),
        "trips": plan.trip_count(),
        "completion_s": plan.completion_s().round(),
        "lower_bound_s": bound.round(),
        "gap": if bound > 0.0 { (plan.completion_s() - bound) / bound } else { 0.0 },
        "unserved": plan.unserved.iter().map(|(i, m, im)| serde_json::json!({"settlement": p.pickups[*i].id, "people": m + im, "immobile": im})).collect::<Vec<_>>(),
        "planning_seconds": seconds,
        "deadline": deadline_answer.as_ref().map(|d| serde_json::json!({"deadline_s": a.deadline, "extra_vehicles": d.0, "kind": d.1, "completion_s": d.2})),
    });
    let out = a.out.clone().unwrap_or_else(|| built.scenario.dir.join("out"));
    let json = transit_json(p, &plan, &summary);
    let files = vec![
        (out.join("transit.json"), json.clone().into_bytes()),
        (out.join("pickups.csv"), pickups_csv(p, &plan).into_bytes()),
        (out.join("trains.csv"), trains_csv(p, &plan).into_bytes()),
        (
            out.join("driver_sheets.html"),
            driver_sheets_html(&built.scenario.config.name, p, &plan, built.scenario.config.illustrative.as_deref())
                .into_bytes(),
        ),
    ];
    evac_report::write_all_atomic(&files).with_context(|| format!("cannot write to {}", out.display()))?;
    if a.json {
        print!("{json}");
    } else {
        print!("{}", transit_text(p, &plan, bound));
        if let (Some(deadline), Some((extra, kind, done))) = (a.deadline, &deadline_answer) {
            if *extra == 0 {
                println!("\nthe fleet finishes by {} (deadline {})", hm(plan.completion_s()), hm(deadline));
            } else if let Some(done) = done {
                println!("\nto finish by {}: {extra} more {kind} vehicles (then done by {})", hm(deadline), hm(*done));
            } else {
                println!(
                    "\nno number of extra {kind} vehicles up to {extra} finishes by {}: the roads, not the fleet, are the limit",
                    hm(deadline)
                );
            }
        }
    }
    eprintln!("wrote transit.json, pickups.csv, trains.csv, driver_sheets.html to {}", out.display());
    Ok(())
}

/// The fewest extra vehicles (of the kind whose trips finish last, at its busiest depot)
/// that bring the completion under `deadline`: (count, kind, completion).
fn extra_fleet_for(p: &TransitProblem, deadline: f64, current: f64) -> (u32, String, Option<f64>) {
    if current <= deadline {
        return (0, String::new(), Some(current));
    }
    let plan = p.plan_within(20, std::time::Duration::from_secs(2));
    let last_kind = plan
        .trips
        .iter()
        .enumerate()
        .flat_map(|(v, ts)| ts.iter().map(move |t| (v, t.safe_s)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(VehicleKind::Bus, |(v, _)| p.vehicles[v].kind);
    let template = p
        .vehicles
        .iter()
        .filter(|v| v.kind == last_kind)
        .max_by_key(|v| v.seats)
        .cloned()
        .expect("a vehicle of that kind");
    let with = |k: u32| -> f64 {
        let mut q = p.clone();
        for i in 0..k {
            let mut v = template.clone();
            v.id = format!("extra-{}", i + 1);
            q.vehicles.push(v);
        }
        q.plan_within(10, std::time::Duration::from_millis(800)).completion_s()
    };
    let limit = 1024;
    let (mut lo, mut hi) = (0u32, 1u32);
    while with(hi) > deadline {
        lo = hi;
        hi *= 2;
        if hi > limit {
            return (limit, format!("{} ({} seats)", last_kind.as_str(), template.seats), None);
        }
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if with(mid) <= deadline { hi = mid } else { lo = mid }
    }
    (hi, format!("{} ({} seats)", last_kind.as_str(), template.seats), Some(with(hi)))
}
