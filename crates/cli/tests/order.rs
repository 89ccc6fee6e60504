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
    // The ordered settlements nearest first, then those beyond the line, nearest first.
    let (mut last, mut beyond) = (0.0, false);
    for s in settlements {
        for key in ["id", "name", "lat", "lon", "population", "distance_km", "zone"] {
            assert!(!s[key].is_null(), "missing {key} in {s}");
        }
        let d = s["distance_km"].as_f64().unwrap();
        let zone = s["zone"].as_str().unwrap();
        if zone == "beyond_line" && !beyond {
            (beyond, last) = (true, 0.0);
        }
        assert!(d >= last, "not sorted by distance");
        last = d;
        assert_eq!(
            zone,
            if beyond {
                "beyond_line"
            } else if d <= 10.0 {
                "mandatory"
            } else {
                "advisory"
            }
        );
    }
    // Kupiansk itself lies within 10 km of the illustrative line.
    let kup = settlements.iter().find(|s| s["name"] == "Kupiansk").expect("Kupiansk is ordered");
    assert_eq!(kup["zone"], "mandatory");
    let totals = &v["totals"];
    let count = |k: &str| totals[k]["settlements"].as_u64().unwrap();
    assert_eq!((count("ordered") + count("beyond_line")) as usize, settlements.len());
    assert_eq!(count("ordered") + count("outside") + count("beyond_line"), 262);
}

/// A copy of the Kupiansk scenario, with `edit` applied to its scenario.toml.
fn kupiansk_with(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = kupiansk_copy();
    let toml = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    std::fs::write(dir.path().join("scenario.toml"), edit(&toml)).unwrap();
    dir
}

fn order_json(scenario: &std::path::Path, out: &std::path::Path) -> (serde_json::Value, String, String) {
    let o = evac(&["order", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = serde_json::from_str(&std::fs::read_to_string(out.join("order.json")).unwrap()).unwrap();
    (v, String::from_utf8(o.stdout).unwrap(), String::from_utf8(o.stderr).unwrap())
}

#[test]
fn settlements_beyond_the_front_line_are_listed_apart_and_not_ordered() {
    let out = tempfile::tempdir().unwrap();
    let (v, table, _) = order_json(&repo().join("scenarios/kupiansk"), out.path());
    // 40 settlements, 11,298 people lie east of the illustrative line, away from every
    // reception centre. All were ordered before the rule, 22 of them (within 10 km) mandatory.
    let beyond: Vec<&serde_json::Value> =
        v["settlements"].as_array().unwrap().iter().filter(|e| e["zone"] == "beyond_line").collect();
    assert_eq!(beyond.len(), 40);
    assert_eq!(v["totals"]["beyond_line"]["settlements"], 40);
    assert_eq!(v["totals"]["beyond_line"]["population"], 11_298);
    for name in ["Bohdanivske", "Velykyi Vyselok", "Vilshana", "Kamianka", "Lyman Druhyi"] {
        assert!(beyond.iter().any(|e| e["name"] == name), "{name} is beyond the line");
    }
    assert_eq!(beyond.iter().filter(|e| e["distance_km"].as_f64().unwrap() <= 10.0).count(), 22);
    // West of the line nothing changes: Kupiansk (on the Oskil) is still mandatory.
    let kup = v["settlements"].as_array().unwrap().iter().find(|e| e["name"] == "Kupiansk").unwrap();
    assert_eq!(kup["zone"], "mandatory");
    assert!(table.contains("beyond the line: on the far side of the hazard line"), "{table}");
    assert!(table.contains("beyond_line") && table.contains("11\u{202f}298 people on the far side"), "{table}");
    let csv = std::fs::read_to_string(out.path().join("order.csv")).unwrap();
    assert_eq!(csv.lines().filter(|l| l.contains(",beyond_line,")).count(), 40);
    let html = std::fs::read_to_string(out.path().join("order.html")).unwrap();
    assert!(html.contains("Beyond the line — not ordered to leave by road") && html.contains("zone-beyond_line"));
}

#[test]
fn beyond_line_none_keeps_both_sides_and_the_diff_says_who_is_now_beyond() {
    // `none`: the symmetric rings of before, both sides ordered.
    let none = kupiansk_with(|t| t.replace("advisory_km = 20.0", "advisory_km = 20.0\nbeyond_line = \"none\""));
    let before = tempfile::tempdir().unwrap();
    let (old, _, _) = order_json(none.path(), before.path());
    assert_eq!(old["totals"]["beyond_line"]["settlements"], 0);
    let ordered_old = old["totals"]["ordered"]["settlements"].as_u64().unwrap();
    // Against that order, the current one removes the 40 settlements beyond the line and
    // says why; an order.json written before the rule (no `beyond_line` totals) reads too.
    let mut previous = old.clone();
    previous["totals"].as_object_mut().unwrap().remove("beyond_line");
    let previous_path = before.path().join("previous.json");
    std::fs::write(&previous_path, serde_json::to_string(&previous).unwrap()).unwrap();
    let now = tempfile::tempdir().unwrap();
    let o = evac(&[
        "order",
        repo().join("scenarios/kupiansk").to_str().unwrap(),
        "--previous",
        previous_path.to_str().unwrap(),
        "--out",
        now.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let changes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(now.path().join("order_changes.json")).unwrap()).unwrap();
    let moved = changes["beyond_line_changed"].as_array().unwrap();
    assert_eq!(moved.len(), 40);
    assert!(moved.iter().all(|c| c["to"] == "beyond_line" && c["from"] != "beyond_line"));
    assert_eq!(changes["removed"].as_array().unwrap().len(), 40);
    assert_eq!(changes["previous_settlements"].as_u64().unwrap(), ordered_old);
    assert_eq!(changes["current_settlements"].as_u64().unwrap(), ordered_old - 40);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.matches("; now beyond the line)").count(), 40, "{stdout}");
}

#[test]
fn a_bad_beyond_line_value_names_the_file_and_the_field() {
    let dir = kupiansk_with(|t| t.replace("advisory_km = 20.0", "advisory_km = 20.0\nbeyond_line = \"east\""));
    let out = dir.path().join("out");
    let o = evac(&["order", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(stderr.contains("scenario.toml, line 9") && stderr.contains("zone.beyond_line"), "{stderr}");
    assert!(stderr.contains("\"auto\"") && stderr.contains("\"none\"") && stderr.contains("\"east\""), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_line_hazard_without_centres_orders_both_sides_and_says_so() {
    // No centres (and so no trains, which go to a centre).
    let dir = kupiansk_with(|t| t.replace("centres = \"centres.csv\"\n", "").replace("rail = \"rail.toml\"\n", ""));
    let out = tempfile::tempdir().unwrap();
    let (v, _, stderr) = order_json(dir.path(), out.path());
    assert_eq!(v["totals"]["beyond_line"]["settlements"], 0);
    assert!(
        v["settlements"].as_array().unwrap().iter().any(|e| e["name"] == "Bohdanivske" && e["zone"] == "mandatory")
    );
    assert!(stderr.contains("warning:") && stderr.contains("no reception centres"), "{stderr}");
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
