//! Exposure, checked independently: plan.json is read with serde_json alone and every
//! group's exposure recomputed from its legs, the edges and the nodes' zone flags — no
//! planner code — and compared with the figures evac printed and wrote. The same check in
//! Python: scripts/check_exposure.py (run here too).

mod common;
use common::*;
use std::collections::HashMap;
use std::process::Command;

/// The exposure of every settlement (vehicle-steps), from plan.json alone: a group starting
/// at a node inside the zone is exposed until it arrives at the first node outside it
/// (waiting at home counts); one starting outside is not exposed.
fn recompute(plan: &serde_json::Value) -> HashMap<String, u64> {
    let in_zone: HashMap<u64, bool> = plan["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_u64().unwrap(), n["in_zone"].as_bool().unwrap()))
        .collect();
    // Edge ids are the network's (numbers) or "j<node>" for a junction gate.
    let edges: HashMap<String, (u64, u64)> = plan["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].to_string(), (e["to"].as_u64().unwrap(), e["travel_steps"].as_u64().unwrap())))
        .collect();
    let sources: HashMap<&str, (u64, &str)> = plan["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), (s["node"].as_u64().unwrap(), s["settlement"].as_str().unwrap())))
        .collect();
    let mut per_settlement: HashMap<String, u64> = HashMap::new();
    for g in plan["groups"].as_array().unwrap() {
        let (node, settlement) = sources[g["source"].as_str().unwrap()];
        let vehicles = g["vehicles"].as_u64().unwrap();
        let mut exposed = 0;
        if in_zone[&node] {
            for leg in g["legs"].as_array().unwrap() {
                let (to, travel) = edges[&leg["edge"].to_string()];
                exposed = leg["enter_step"].as_u64().unwrap() + travel;
                if !in_zone[&to] {
                    break;
                }
            }
        }
        *per_settlement.entry(settlement.to_string()).or_default() += vehicles * exposed;
    }
    per_settlement
}

fn check(objective: &str) {
    let dir = andorra_mini();
    let out = dir.path().join("out");
    let o = evac(&["plan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap(), "--objective", objective]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["objective"], objective);
    let minutes_per_step = plan["step_s"].as_f64().unwrap() / 60.0;
    let per_settlement = recompute(&plan);
    let total: u64 = per_settlement.values().sum();
    assert!(total > 0, "the fixture has settlements inside the zone");
    let written = plan["exposure_vehicle_minutes"].as_f64().unwrap();
    assert!((written - total as f64 * minutes_per_step).abs() < 1e-6, "{written} vs {total} vehicle-steps");
    // The printed figure (rounded to the minute).
    let printed: f64 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("exposure inside the mandatory zone: "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the summary prints the exposure")
        .parse()
        .unwrap();
    assert_eq!(printed, (total as f64 * minutes_per_step).round(), "{text}");
    for s in plan["settlements"].as_array().unwrap() {
        let mine = per_settlement.get(s["id"].as_str().unwrap()).copied().unwrap_or(0) as f64 * minutes_per_step;
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
/// schedules), and the cost of the limit is printed.
#[test]
fn at_most_two_routes_per_settlement() {
    let dir = andorra_mini();
    let out = dir.path().join("out");
    let o = evac(&["plan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap(), "--max-routes", "2"]);
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
