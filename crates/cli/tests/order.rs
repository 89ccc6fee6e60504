//! `evac order` and `evac find` end to end, through the real binary, on the bundled
//! Kupiansk scenario. Golden files: set EVAC_UPDATE_GOLDEN=1 to rewrite them after an
//! intended change, then review the diff.

mod common;
use common::*;

fn kupiansk() -> String {
    repo().join("scenarios/kupiansk").display().to_string()
}

#[test]
fn kupiansk_order_matches_golden_files() {
    let out = tempfile::tempdir().unwrap();
    let o = evac(&[
        "order",
        &kupiansk(),
        "--out",
        out.path().to_str().unwrap(),
        "--date",
        "2025-10-02",
        "--number",
        "17/2025",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["order.json", "order.csv", "order.geojson", "order.html"] {
        let text = std::fs::read_to_string(out.path().join(f)).unwrap();
        check_golden(&format!("kupiansk/{f}"), &text);
    }
    check_golden("kupiansk/table.txt", &String::from_utf8(o.stdout).unwrap());
    // Nothing but the four files: no temporary file left behind.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 4);
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = tempfile::tempdir().unwrap();
    let o = evac(&["order", &kupiansk(), "--json", "--out", out.path().to_str().unwrap()]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is order.json");
    assert_eq!(v["scenario"], "Kupiansk raion (Kharkiv oblast)");
    assert_eq!(v["mandatory_km"], 10.0);
    assert_eq!(v["advisory_km"], 20.0);
    let settlements = v["settlements"].as_array().unwrap();
    assert!(settlements.len() > 50, "{}", settlements.len());
    let mut last = 0.0;
    for s in settlements {
        for key in ["id", "name", "lat", "lon", "population", "distance_km", "zone"] {
            assert!(!s[key].is_null(), "missing {key} in {s}");
        }
        let d = s["distance_km"].as_f64().unwrap();
        assert!(d >= last, "not sorted by distance");
        last = d;
        let zone = s["zone"].as_str().unwrap();
        assert_eq!(zone, if d <= 10.0 { "mandatory" } else { "advisory" });
    }
    // Kupiansk itself lies within 10 km of the illustrative line.
    let kup = settlements.iter().find(|s| s["name"] == "Kupiansk").expect("Kupiansk is ordered");
    assert_eq!(kup["zone"], "mandatory");
    let totals = &v["totals"];
    assert_eq!(totals["ordered"]["settlements"].as_u64().unwrap() as usize, settlements.len());
    assert_eq!(
        totals["ordered"]["settlements"].as_u64().unwrap() + totals["outside"]["settlements"].as_u64().unwrap(),
        262
    );
}

#[test]
fn history_reports_what_changed_since_the_previous_order() {
    let earlier = tempfile::tempdir().unwrap();
    let now = tempfile::tempdir().unwrap();
    let hazard = repo().join("scenarios/kupiansk/hazard-earlier.geojson");
    let o = evac(&[
        "order",
        &kupiansk(),
        "--hazard",
        hazard.to_str().unwrap(),
        "--out",
        earlier.path().to_str().unwrap(),
        "--date",
        "2024-09-02",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let previous = earlier.path().join("order.json");
    let o =
        evac(&["order", &kupiansk(), "--previous", previous.to_str().unwrap(), "--out", now.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(stdout.contains("Changes since the previous order"), "{stdout}");
    let changes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(now.path().join("order_changes.json")).unwrap()).unwrap();
    let before = changes["previous_settlements"].as_u64().unwrap();
    let after = changes["current_settlements"].as_u64().unwrap();
    let added = changes["added"].as_array().unwrap().len() as u64;
    let removed = changes["removed"].as_array().unwrap().len() as u64;
    assert!(after > before, "the line moved west: the order must grow ({before} -> {after})");
    assert_eq!(before + added - removed, after);
    assert!(changes["population_growth"].as_i64().unwrap() > 0);
    // Kupiansk was outside the earlier order and is in the current one.
    assert!(changes["added"].as_array().unwrap().iter().any(|e| e["name"] == "Kupiansk"));
    let html = std::fs::read_to_string(now.path().join("order.html")).unwrap();
    assert!(html.contains("Changes since the previous order"));
}

#[test]
fn bad_input_exits_non_zero_names_the_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("scenarios/kupiansk");
    for f in ["scenario.toml", "settlements.csv", "hazard.geojson", "centres.csv", "boundary.geojson"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let csv = std::fs::read_to_string(dir.path().join("settlements.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mut fields: Vec<&str> = lines[5].split(',').collect();
    fields[2] = "149.5";
    lines[5] = fields.join(",");
    std::fs::write(dir.path().join("settlements.csv"), lines.join("\n")).unwrap();
    let out = dir.path().join("out");
    let o = evac(&["order", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(stderr.contains("settlements.csv, line 6, field `lat`"), "{stderr}");
    assert!(!out.exists(), "no output may be written for bad input");
}

#[test]
fn find_matches_russian_era_and_official_spellings() {
    for (query, expected) in [
        ("Kupyansk", "Kupiansk"),
        ("Kupjansk", "Kupiansk"),
        ("Куп'янськ", "Kupiansk"),
        ("Купянск", "Kupiansk"),
        ("Kupyansk-Uzlovoy", "Kupiansk-Vuzlovyi"),
        ("Kupiansk Vuzlovyi", "Kupiansk-Vuzlovyi"),
        ("Velikiy Burluk", "Velykyi Burluk"),
    ] {
        let o = evac(&["find", &kupiansk(), query, "--json", "--limit", "1"]);
        assert!(o.status.success());
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v[0]["name"], expected, "{query}");
    }
    let o = evac(&["find", &kupiansk(), "Zaporizhzhia"]);
    assert!(!o.status.success(), "no match is an error");
}
