//! Golden files for the stages after the order: a small network import (its stats) and a
//! small plan (plan.json, schedule.csv, routes.html), so that a refactor of the import or the planner shows its diff.
//! Rewrite with EVAC_UPDATE_GOLDEN=1 after an intended change and review the diff.

mod common;
use common::*;
use std::path::Path;

/// plan.json without what varies from run to run (timings) or is only the network
/// (edges and nodes: covered by the network golden), one top-level key per line and one array
/// element (a group, a settlement's schedule) per line, so that diffs are readable.
fn normalized_plan(plan: &Path) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(plan).unwrap()).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.remove("seconds");
    obj.remove("edges");
    obj.remove("nodes");
    let mut out = String::new();
    for (k, v) in obj.iter() {
        match v.as_array() {
            Some(items) => {
                out.push_str(&format!("{k}: [\n"));
                for item in items {
                    out.push_str(&format!("  {item}\n"));
                }
                out.push_str("]\n");
            }
            None => out.push_str(&format!("{k}: {v}\n")),
        }
    }
    out
}

#[test]
fn andorra_network_stats_match_golden() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("andorra.evacnet");
    let o = evac(&["network", "import", "data/osm/andorra-2013-05.osm.pbf", "--out", net.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = evac(&["network", "stats", net.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_golden("andorra/network-stats.json", &String::from_utf8(o.stdout).unwrap());
}

#[test]
fn andorra_mini_plan_matches_golden() {
    let dir = andorra_mini();
    let out = dir.path().join("out");
    let o = evac(&["plan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_golden("andorra-mini/plan.txt", &normalized_plan(&out.join("plan.json")));
    check_golden("andorra-mini/schedule.csv", &std::fs::read_to_string(out.join("schedule.csv")).unwrap());
    // The printed route sheets, byte for byte: a change to their wording or layout shows here.
    check_golden("andorra-mini/routes.html", &std::fs::read_to_string(out.join("routes.html")).unwrap());
}
