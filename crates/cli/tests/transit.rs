//! `evac transit` end to end on the Rhine scenario: transit.json checked independently
//! (seats, everyone once, times), driver sheets written, bad fleets refused.

mod common;
use common::*;

#[test]
fn rhine_transit_plan_carries_everyone_once_within_seats() {
    let dir = rhine_copy();
    let out = dir.path().join("out");
    let o = evac(&["transit", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap(), "--seconds", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("transit.json")).unwrap()).unwrap();
    let mut carried = 0u64;
    for vehicle in v["vehicles"].as_array().unwrap() {
        let seats = vehicle["seats"].as_u64().unwrap();
        let mut last = 0.0f64;
        for trip in vehicle["trips"].as_array().unwrap() {
            let people: u64 = trip["pickup"].as_array().unwrap().iter().map(|p| p["people"].as_u64().unwrap()).sum();
            assert!(people <= seats, "seats exceeded");
            carried += people;
            let leave = trip["leave_s"].as_f64().unwrap();
            assert!(leave >= last, "a vehicle is in two places at once");
            for p in trip["pickup"].as_array().unwrap() {
                assert!(p["at_s"].as_f64().unwrap() > leave);
            }
            assert!(
                trip["arrive_s"].as_f64().unwrap()
                    >= trip["pickup"].as_array().unwrap().last().unwrap()["at_s"].as_f64().unwrap()
            );
            last = trip["arrive_s"].as_f64().unwrap();
        }
    }
    assert_eq!(carried, v["people"].as_u64().unwrap(), "everyone picked up exactly once");
    assert!(v["unserved"].as_array().unwrap().is_empty());
    assert!(v["lower_bound_s"].as_f64().unwrap() <= v["completion_s"].as_f64().unwrap());
    // Planned in the car plan's traffic: the delay is reported, the bound per group too.
    let c = &v["congestion"];
    assert!(c["car_clearance_s"].as_f64().unwrap() > 0.0, "{c}");
    assert!(c["vehicle_delay_s"].as_f64().unwrap() >= 0.0, "{c}");
    assert!(v["lower_bound_immobile_s"].as_f64().unwrap() <= v["lower_bound_s"].as_f64().unwrap());
    assert!(v["vehicles_used"].as_u64().unwrap() <= v["vehicles_in_fleet"].as_u64().unwrap());
    let sheets = std::fs::read_to_string(out.join("driver_sheets.html")).unwrap();
    assert!(sheets.contains("Driver sheet") && sheets.contains("ILLUSTRATIVE"));
    let pickups = std::fs::read_to_string(out.join("pickups.csv")).unwrap();
    assert!(pickups.lines().count() > 20 && pickups.contains("Vaduz"));
    assert!(std::fs::read_to_string(out.join("trains.csv")).unwrap().starts_with("train,station"));
}

#[test]
fn fleets_that_cannot_do_the_job_are_refused_with_the_reason() {
    let dir = rhine_copy();
    let d = dir.path().to_str().unwrap();
    std::fs::write(
        dir.path().join("fleet.csv"),
        "id,kind,depot_lat,depot_lon,seats,count\nb,bus,47.1688,9.4795,50,3\n",
    )
    .unwrap();
    let o = evac(&["transit", d]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot walk") && err.contains("ambulance or accessible"), "{err}");
    std::fs::write(
        dir.path().join("fleet.csv"),
        "id,kind,depot_lat,depot_lon,seats,count\nb,tractor,47.1688,9.4795,50,3\n",
    )
    .unwrap();
    let o = evac(&["transit", d]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fleet.csv, line 2, field `kind`"), "{err}");
    let toml = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    std::fs::write(dir.path().join("scenario.toml"), toml.replace("fleet = \"fleet.csv\"\n", "")).unwrap();
    let o = evac(&["transit", d]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has no fleet") && err.contains("fleet.csv"), "{err}");
}

#[test]
fn the_instance_is_exported_for_other_solvers() {
    let dir = rhine_copy();
    let out = dir.path().join("out");
    let file = dir.path().join("instance.json");
    let o = evac(&[
        "transit",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seconds",
        "1",
        "--free-flow",
        "--export-instance",
        file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("transit.json")).unwrap()).unwrap();
    assert!(plan["congestion"].is_null(), "free flow: no traffic figures");
    let inst: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(inst["format"], "evac-transit-instance/1");
    let sites = inst["sites"].as_array().unwrap().len();
    let times = inst["times_s"].as_array().unwrap();
    assert_eq!(times.len(), sites);
    assert!(times.iter().all(|row| row.as_array().unwrap().len() == sites));
    let people: u64 = inst["pickups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["mobile"].as_u64().unwrap() + p["immobile"].as_u64().unwrap())
        .sum();
    assert_eq!(people, plan["people"].as_u64().unwrap());
    assert_eq!(inst["rules"]["stop_s"].as_f64().unwrap(), 300.0);
    assert!(inst["vehicles"].as_array().unwrap().iter().all(|v| v["seats"].as_u64().unwrap() > 0));
    assert!(inst["traffic"].is_null());
}
