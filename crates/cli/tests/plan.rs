//! `evac plan` end to end on the bundled Rhine scenario (real OSM network), checked by the
//! independent Python verifier, with closures, what-if and bad input.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn verify_with_python(plan: &Path) {
    let o = Command::new("python3").arg(repo().join("scripts/verify_plan.py")).arg(plan).output().expect("python3");
    assert!(o.status.success(), "independent verifier: {}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn rhine_plan_is_valid_optimal_and_beats_the_baseline() {
    let dir = rhine_copy();
    let out = dir.path().join("out");
    let o = evac(&["plan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap(), "--objective", "clearance"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("clearance"), "{text}");
    for f in ["plan.json", "plan.geojson", "schedule.csv", "plan.svg"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    verify_with_python(&out.join("plan.json"));
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let clearance = plan["clearance_steps"].as_u64().unwrap();
    let bound = plan["lower_bound_steps"].as_u64().unwrap();
    assert_eq!(plan["bound_kind"], "exact");
    assert!(bound <= clearance);
    assert!((clearance as f64) <= bound as f64 * 1.03, "gap over 3%: {clearance} vs {bound}");
    let baseline = plan["baseline_clearance_steps"].as_u64().unwrap();
    assert!(baseline > clearance, "the plan beats everyone-leaves-now ({baseline} vs {clearance})");
    assert!(plan["clearance_90_steps"].as_u64().unwrap() <= clearance);
    // The Rhine bridges are the bottleneck, named.
    let bottlenecks = plan["bottlenecks"].as_array().unwrap();
    assert!(bottlenecks.iter().any(|b| b["label"].as_str().unwrap().starts_with("Rhein bridge")), "{bottlenecks:?}");
    let schedule = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    assert!(schedule.starts_with("settlement_id,settlement,wave,depart_after_order"));
    assert!(schedule.contains("Vaduz"));
    let svg = std::fs::read_to_string(out.join("plan.svg")).unwrap();
    assert!(svg.contains("naive baseline") && svg.starts_with("<svg"));
}

#[test]
fn closing_a_bridge_slows_the_evacuation() {
    let dir = rhine_copy();
    let base_out = dir.path().join("base");
    let closed_out = dir.path().join("closed");
    let d = dir.path().to_str().unwrap();
    let a = evac(&["plan", d, "--out", base_out.to_str().unwrap(), "--method", "heuristic"]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = evac(&[
        "plan",
        d,
        "--out",
        closed_out.to_str().unwrap(),
        "--method",
        "heuristic",
        "--close",
        "Rheinstrasse (16)",
    ]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let read = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p.join("plan.json")).unwrap()).unwrap()
    };
    let (pa, pb) = (read(&base_out), read(&closed_out));
    verify_with_python(&closed_out.join("plan.json"));
    assert!(pb["clearance_steps"].as_u64() > pa["clearance_steps"].as_u64(), "losing the busiest bridge costs time");
    // No group uses a closed edge: closed edges are not even in the plan's edge list.
    assert!(pb["edges"].as_array().unwrap().len() < pa["edges"].as_array().unwrap().len());
    let err = evac(&["plan", d, "--close", "Dnipro bridge"]);
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("no bridge or road matches"));
}

#[test]
fn scenario_without_network_says_what_to_add() {
    // The Kupiansk scenario without its network line.
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("scenarios/kupiansk");
    for f in ["settlements.csv", "hazard.geojson", "centres.csv", "boundary.geojson"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let toml = std::fs::read_to_string(src.join("scenario.toml")).unwrap();
    let toml: String = toml
        .lines()
        .filter(|l| !l.starts_with("network") && !l.starts_with("fleet") && !l.starts_with("rail"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.path().join("scenario.toml"), toml).unwrap();
    let o = evac(&["plan", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has no road network") && err.contains("network ="), "{err}");
}
