//! Exposure, checked independently: plan.json is read with serde_json alone and every
//! group's exposure recomputed from its legs, the edges and the nodes' zone flags — no
//! planner code — and compared with the figures evac printed and wrote. The same check in
//! Python: scripts/check_exposure.py (run here too); and the least exposure by linear
//! programming, scripts/exposure_lp.py (SciPy's HiGHS), against the bound and the plan.

mod common;
use common::*;
use std::collections::HashMap;
use std::process::Command;

/// The exposure of every settlement (vehicle-steps), from plan.json alone: a group is
/// exposed from the order until it arrives at the node after its last node inside the zone
/// (waiting at home counts; until its arrival if it ends inside); one never inside is not
/// exposed. `weighted`: each group's
/// vehicle-steps times its source's `exposure_weight` (1 where plan.json has none).
fn recompute(plan: &serde_json::Value, weighted: bool) -> HashMap<String, f64> {
    let in_zone: HashMap<u64, bool> = plan["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_u64().unwrap(), n["in_zone"].as_bool().unwrap()))
        .collect();
    // Edge ids are the network's (numbers) or "j<node>…" for a junction's edges.
    let edges: HashMap<String, (u64, u64)> = plan["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].to_string(), (e["to"].as_u64().unwrap(), e["travel_steps"].as_u64().unwrap())))
        .collect();
    assert_eq!(edges.len(), plan["edges"].as_array().unwrap().len(), "edge ids are unique");
    let sources: HashMap<&str, (u64, &str, f64)> = plan["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let weight = if weighted { s.get("exposure_weight").map_or(1.0, |w| w.as_f64().unwrap()) } else { 1.0 };
            (s["id"].as_str().unwrap(), (s["node"].as_u64().unwrap(), s["settlement"].as_str().unwrap(), weight))
        })
        .collect();
    let mut per_settlement: HashMap<String, f64> = HashMap::new();
    for g in plan["groups"].as_array().unwrap() {
        let (node, settlement, weight) = sources[g["source"].as_str().unwrap()];
        let vehicles = g["vehicles"].as_u64().unwrap();
        let mut exposed = 0;
        let mut inside = in_zone[&node];
        for leg in g["legs"].as_array().unwrap() {
            let (to, travel) = edges[&leg["edge"].to_string()];
            // A leg from inside, or into the zone, ends at or before the final exit.
            if inside || in_zone[&to] {
                exposed = leg["enter_step"].as_u64().unwrap() + travel;
            }
            inside = in_zone[&to];
        }
        *per_settlement.entry(settlement.to_string()).or_default() += (vehicles * exposed) as f64 * weight;
    }
    per_settlement
}

fn check(objective: &str) {
    let dir = andorra_mini();
    check_in(dir.path(), objective);
}

/// Plan the scenario in `dir` with `objective` and check plan.json's exposure figures
/// against the recomputation (and scripts/check_exposure.py); returns plan.json.
fn check_in(dir: &std::path::Path, objective: &str) -> serde_json::Value {
    let out = dir.join("out");
    let o = evac(&["plan", dir.to_str().unwrap(), "--out", out.to_str().unwrap(), "--objective", objective]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["objective"], objective);
    let minutes_per_step = plan["step_s"].as_f64().unwrap() / 60.0;
    let per_settlement = recompute(&plan, true);
    let total: f64 = per_settlement.values().sum();
    assert!(total > 0.0, "the fixture has settlements inside the zone");
    let written = plan["exposure_vehicle_minutes"].as_f64().unwrap();
    assert!((written - total * minutes_per_step).abs() < 1e-6, "{written} vs {total} vehicle-steps");
    // The printed figure (rounded to the minute).
    let printed: f64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("exposure inside the mandatory zone: "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the summary prints the exposure")
        .parse()
        .unwrap();
    assert_eq!(printed, (total * minutes_per_step).round(), "{text}");
    for s in plan["settlements"].as_array().unwrap() {
        let mine = per_settlement.get(s["id"].as_str().unwrap()).copied().unwrap_or(0.0) * minutes_per_step;
        assert!((s["exposure_vehicle_minutes"].as_f64().unwrap() - mine).abs() < 1e-6, "{s}");
        assert!(s["routes"].as_u64().unwrap() >= 1);
    }
    // The bound holds, and the gap is what the figures say.
    let bound = plan["exposure_lower_bound"].as_f64().unwrap();
    assert!(bound > 0.0 && bound <= written + 1e-9, "bound {bound}, exposure {written}");
    let gap = plan["exposure_gap"].as_f64().unwrap();
    assert!((gap - (written - bound) / bound).abs() < 1e-9);
    // Every group stays within the nodes listed.
    assert!(plan["nodes"].as_array().unwrap().len() >= plan["sources"].as_array().unwrap().len());
    let o = Command::new("python3")
        .arg(repo().join("scripts/check_exposure.py"))
        .arg(out.join("plan.json"))
        .output()
        .expect("python3");
    assert!(o.status.success(), "check_exposure.py: {}", String::from_utf8_lossy(&o.stdout));
    // The least exposure by linear programming (SciPy's HiGHS, no evac code): never above
    // the plan's, never below the bound, equal to a complete bound.
    let o = Command::new("python3")
        .arg(repo().join("scripts/exposure_lp.py"))
        .arg(out.join("plan.json"))
        .output()
        .expect("python3");
    if o.status.code() == Some(2) {
        assert!(std::env::var("CI").is_err(), "CI installs SciPy: {}", String::from_utf8_lossy(&o.stderr));
        eprintln!("skipped the LP check: {}", String::from_utf8_lossy(&o.stderr));
    } else {
        assert!(
            o.status.success(),
            "exposure_lp.py: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    plan
}

/// `[zone] exposure_rings`: each origin's weight is its settlement's ring (checked here
/// against the distances of order.json), plan.json lists the rings, and the written
/// figures are the weighted recomputation (not the unweighted one). el Serrat (2.8 km) is
/// in the first ring, Llorts (5.0 km) in the second.
#[test]
fn ring_weights_recomputed_from_plan_json() {
    let dir = andorra_mini();
    let toml_path = dir.path().join("scenario.toml");
    let toml = std::fs::read_to_string(&toml_path).unwrap().replace(
        "advisory_km = 8.0\n",
        "advisory_km = 8.0\nexposure_rings = [{ within_km = 3.0, weight = 4.0 }, { within_km = 6.0, weight = 0.5 }]\n",
    );
    std::fs::write(&toml_path, toml).unwrap();
    let plan = check_in(dir.path(), "balanced");
    assert_eq!(
        plan["exposure_rings"],
        serde_json::json!([{"within_km": 3.0, "weight": 4.0}, {"within_km": 6.0, "weight": 0.5}])
    );
    let o =
        evac(&["order", dir.path().to_str().unwrap(), "--json", "--out", dir.path().join("order").to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let order: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let distance: HashMap<&str, f64> = order["settlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["distance_km"].as_f64().unwrap()))
        .collect();
    let mut weights_seen = std::collections::BTreeSet::new();
    for s in plan["sources"].as_array().unwrap() {
        let km = distance[s["settlement"].as_str().unwrap()];
        let ring = if km <= 3.0 {
            4.0
        } else if km <= 6.0 {
            0.5
        } else {
            1.0
        };
        assert_eq!(s["exposure_weight"].as_f64().unwrap(), ring, "{s} at {km} km");
        weights_seen.insert(s["exposure_weight"].to_string());
    }
    assert_eq!(weights_seen.len(), 2, "the fixture has settlements in both rings: {weights_seen:?}");
    let minutes_per_step = plan["step_s"].as_f64().unwrap() / 60.0;
    let unweighted: f64 = recompute(&plan, false).values().sum::<f64>() * minutes_per_step;
    let written = plan["exposure_vehicle_minutes"].as_f64().unwrap();
    assert!((written - unweighted).abs() > 1.0, "the weights change the figure: {written} vs {unweighted}");
}

#[test]
fn balanced_exposure_recomputed_from_plan_json() {
    check("balanced");
}

#[test]
fn clearance_and_exposure_objectives_recomputed_from_plan_json() {
    check("clearance");
    check("exposure");
}

/// `--max-routes 2`: no settlement takes more than two routes (counted from plan.json's
/// schedules), and the cost of the limit is printed. (With the valley's traffic signals
/// at the default green share every plan leaves by one route and no limit binds: the
/// profile here opens the signals, `signal_share = 1`, so that the plans spread.)
#[test]
fn at_most_two_routes_per_settlement() {
    let dir = andorra_mini();
    let out = dir.path().join("out");
    let mut open_signals = evac_plan::Calibration::default();
    open_signals.junctions.signal_share = 1.0;
    let profile = dir.path().join("open-signals.toml");
    std::fs::write(&profile, open_signals.to_toml("signals open")).unwrap();
    let o = evac(&[
        "plan",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--max-routes",
        "2",
        "--calibration",
        profile.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["max_routes"], 2);
    let limit = &plan["route_limit"];
    assert!(limit["unlimited_max_routes"].as_u64().unwrap() > 2, "the fixture needs the limit: {limit}");
    assert!(limit["unconstrained_sources"].as_array().unwrap().is_empty(), "{limit}");
    for s in plan["settlements"].as_array().unwrap() {
        assert!(s["routes"].as_u64().unwrap() <= 2, "{s}");
        assert_eq!(s["route_waves"].as_array().unwrap().len() as u64, s["routes"].as_u64().unwrap(), "{s}");
    }
    assert!(text.contains("cost of at most 2 routes per settlement"), "{text}");
    let bad = evac(&["plan", dir.path().to_str().unwrap(), "--clearance-slack=-1"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("--clearance-slack must be a share"), "{stderr}");
}
