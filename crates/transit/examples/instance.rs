//! Plan an exported instance (`evac transit --export-instance FILE`) and print the figures:
//! the quick loop for tuning the planner without the scenario, the network or the CLI.
//!
//!     cargo run --release -p evac-transit --example instance -- FILE [SECONDS]

use evac_model::VehicleKind;
use evac_transit::{Pickup, TCentre, TTrain, TVehicle, Times, TransitProblem};
use serde_json::Value;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).expect("usage: instance FILE [SECONDS]");
    let seconds: f64 = args.get(2).map_or(10.0, |s| s.parse().expect("seconds"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("json");
    let s = |x: &Value| x.as_str().expect("string").to_string();
    let u = |x: &Value| x.as_u64().expect("integer") as usize;
    let pickups = v["pickups"]
        .as_array()
        .expect("pickups")
        .iter()
        .map(|p| Pickup {
            id: s(&p["id"]),
            name: s(&p["name"]),
            site: u(&p["site"]),
            mobile: u(&p["mobile"]) as u32,
            immobile: u(&p["immobile"]) as u32,
            in_zone: p["in_zone"].as_bool().unwrap_or(true),
            closeness: p["closeness"].as_f64().unwrap_or(0.0),
        })
        .collect();
    let vehicles = v["vehicles"]
        .as_array()
        .expect("vehicles")
        .iter()
        .map(|x| TVehicle {
            id: s(&x["id"]),
            kind: VehicleKind::parse(x["kind"].as_str().expect("kind")).expect("known kind"),
            seats: u(&x["seats"]) as u32,
            depot_site: u(&x["depot_site"]),
        })
        .collect();
    let centres = v["centres"]
        .as_array()
        .expect("centres")
        .iter()
        .map(|c| TCentre { id: s(&c["id"]), name: s(&c["name"]), site: u(&c["site"]), capacity: u(&c["beds"]) as u32 })
        .collect();
    let trains = v["trains"]
        .as_array()
        .expect("trains")
        .iter()
        .map(|t| TTrain {
            id: s(&t["id"]),
            station_site: u(&t["station_site"]),
            station_name: s(&t["id"]),
            capacity: u(&t["capacity"]) as u32,
            first_departure_s: t["first_departure_s"].as_f64().expect("number"),
            period_s: t["period_s"].as_f64().expect("number"),
            travel_s: t["travel_s"].as_f64().expect("number"),
            destination: u(&t["destination_centre"]),
        })
        .collect();
    let seconds_m = v["times_s"]
        .as_array()
        .expect("times")
        .iter()
        .map(|row| row.as_array().expect("row").iter().map(|t| t.as_f64().unwrap_or(f64::INFINITY)).collect())
        .collect();
    let names = v["sites"].as_array().expect("sites").iter().map(s).collect();
    let mut times = Times::free_flow(seconds_m);
    if let Some(tr) = v["traffic"].as_object() {
        times.slot_s = tr["slot_s"].as_f64().expect("slot");
        times.by_departure = tr["times_by_departure_s"]
            .as_array()
            .expect("matrices")
            .iter()
            .map(|m| {
                m.as_array()
                    .expect("matrix")
                    .iter()
                    .map(|row| {
                        row.as_array().expect("row").iter().map(|t| t.as_f64().unwrap_or(f64::INFINITY)).collect()
                    })
                    .collect()
            })
            .collect();
    }
    let p = TransitProblem::with_standard_timings(names, times, pickups, vehicles, centres, trains);
    if p.times.in_traffic() {
        // The plan made for empty roads, driven in the traffic.
        let mut free = p.clone();
        free.times.by_departure.clear();
        let on_empty = free.plan_within(400, Duration::from_secs_f64(seconds));
        let hm = |x: f64| format!("{}:{:02}", (x / 60.0).round() as i64 / 60, (x / 60.0).round() as i64 % 60);
        println!(
            "free-flow plan: {} on empty roads, {} in traffic",
            hm(on_empty.completion_s()),
            hm(p.retimed(&on_empty).completion_s())
        );
    }
    let t = Instant::now();
    let plan = p.plan_within(400, Duration::from_secs_f64(seconds));
    let took = t.elapsed().as_secs_f64();
    let lb = p.lower_bound_s();
    let (bi, bm) = p.group_bounds_s();
    let hm = |x: f64| format!("{}:{:02}", (x / 60.0).round() as i64 / 60, (x / 60.0).round() as i64 % 60);
    println!(
        "finish {} trips {} vehicles {} vehicle-hours {:.1} exposure {:.0} person-h unserved {} lower bound {} (cannot walk {}, walking {}) run {took:.1} s",
        hm(plan.completion_s()),
        plan.trip_count(),
        plan.vehicles_used(),
        plan.vehicle_seconds() / 3600.0,
        plan.exposure_person_s(&p) / 3600.0,
        plan.unserved.len(),
        hm(lb),
        hm(bi),
        hm(bm)
    );
}
