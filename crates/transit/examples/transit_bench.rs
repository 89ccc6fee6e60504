//! Transit planner at scale: a synthetic 1,000-settlement, 500-vehicle instance (travel
//! times from straight-line distances at 40 km/h over a 120 x 80 km region).
//!
//!     cargo run --release -p evac-plan --example transit_bench

use evac_model::VehicleKind;
use evac_transit::{Pickup, TCentre, TTrain, TVehicle, Times, TransitProblem};
use std::time::{Duration, Instant};

fn main() {
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut rnd = move |m: f64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64 * m
    };
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut pickups = Vec::new();
    for i in 0..1000 {
        points.push((rnd(80.0), rnd(80.0)));
        pickups.push(Pickup {
            id: format!("s{i}"),
            name: format!("s{i}"),
            site: points.len() - 1,
            mobile: 20 + rnd(300.0) as u32,
            immobile: rnd(8.0) as u32,
            in_zone: true,
            closeness: 0.5,
        });
    }
    let mut centres = Vec::new();
    for i in 0..6 {
        points.push((100.0 + rnd(20.0), rnd(80.0)));
        centres.push(TCentre { id: format!("c{i}"), name: format!("c{i}"), site: points.len() - 1, capacity: 60_000 });
    }
    let mut vehicles = Vec::new();
    for d in 0..10 {
        points.push((90.0 + rnd(10.0), rnd(80.0)));
        let depot = points.len() - 1;
        for k in 0..50 {
            let (kind, seats) = match k % 10 {
                0 => (VehicleKind::Ambulance, 2),
                1 => (VehicleKind::Accessible, 8),
                2 | 3 => (VehicleKind::Minibus, 19),
                _ => (VehicleKind::Bus, 50),
            };
            vehicles.push(TVehicle { id: format!("d{d}-{k}"), kind, seats, depot_site: depot });
        }
    }
    points.push((70.0, 40.0));
    let station = points.len() - 1;
    let trains = vec![TTrain {
        id: "t1".into(),
        station_site: station,
        station_name: "station".into(),
        capacity: 800,
        first_departure_s: 3600.0,
        period_s: 5400.0,
        travel_s: 5400.0,
        destination: 0,
    }];
    let kmh = 40.0;
    let seconds =
        points.iter().map(|a| points.iter().map(|b| (a.0 - b.0).hypot(a.1 - b.1) / kmh * 3600.0).collect()).collect();
    let site_names = (0..points.len()).map(|i| format!("site{i}")).collect();
    let p = TransitProblem::with_standard_timings(
        site_names,
        Times::free_flow(seconds),
        pickups,
        vehicles,
        centres,
        trains,
    );
    let people: u64 = p.pickups.iter().map(|pk| u64::from(pk.mobile + pk.immobile)).sum();
    let t = Instant::now();
    let first = p.plan_with(evac_transit::Rule::Workload, 0);
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let plan = p.plan_within(400, Duration::from_secs(20));
    let all = t.elapsed().as_secs_f64();
    let lb = p.lower_bound_s();
    println!("1,000 settlements, {people} people, 500 vehicles, 6 centres, 1 train");
    println!("  one greedy pass:           {one:.2} s, completion {:.0} min", first.completion_s() / 60.0);
    println!(
        "  rules + restarts + search: {all:.2} s, completion {:.0} min, {} trips",
        plan.completion_s() / 60.0,
        plan.trip_count()
    );
    println!("  lower bound {:.0} min, gap {:.1}%", lb / 60.0, (plan.completion_s() - lb) / lb * 100.0);
}
