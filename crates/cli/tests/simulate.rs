//! `evac simulate` end to end with the real Eclipse SUMO: the Andorra mini fixture (real OSM
//! roads) planned, then simulated (micro with the baseline, meso twice for determinism).
//! Without SUMO the SUMO tests skip with a reason, except in CI (`CI` set), where a missing
//! SUMO is a failure: .ci/run installs it.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// Are SUMO and osmium (the fixture is PBF) installed? None, or why not.
fn missing_tools() -> Option<String> {
    let on_path = |tool: &str| {
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file())).unwrap_or(false)
    };
    let missing: Vec<&str> = ["sumo", "netconvert", "osmium"].into_iter().filter(|t| !on_path(t)).collect();
    (!missing.is_empty()).then(|| format!("{} not on PATH", missing.join(", ")))
}

/// True when the test must be skipped (printing why); panics in CI.
fn skip_without_sumo() -> bool {
    let Some(why) = missing_tools() else { return false };
    if std::env::var_os("CI").is_some() {
        panic!("{why}: CI must run the simulation check (.ci/run installs sumo sumo-tools osmium-tool)");
    }
    // Straight to stderr: the test harness captures eprintln! of passing tests, and a skip
    // must be seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipping the SUMO test: {why} (apt-get install sumo sumo-tools osmium-tool)");
    true
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn andorra_mini_plan_and_baseline_in_sumo() {
    if skip_without_sumo() {
        return;
    }
    let started = std::time::Instant::now();
    let dir = andorra_mini();
    let d = dir.path().to_str().unwrap();
    let out = dir.path().join("out");
    ok(&evac(&["plan", d, "--out", out.to_str().unwrap()]));
    let plan = read_json(&out.join("plan.json"));

    let text = ok(&evac(&["simulate", d, "--baseline", "--out", out.to_str().unwrap()]));
    assert!(text.contains("last vehicle safe") && text.contains("SUMO micro"), "{text}");
    assert!(text.contains("OpenStreetMap contributors"), "{text}");
    let r = read_json(&out.join("simulation.json"));
    assert_eq!(r["settings"]["mode"], "micro");
    assert_eq!(r["network"]["cached"], false, "the first run builds the SUMO network");
    let step_s = plan["step_s"].as_f64().unwrap();
    for run in ["plan", "baseline"] {
        let x = &r[run];
        let vehicles = x["vehicles"].as_u64().unwrap();
        assert!(vehicles > 0 && vehicles <= 980, "{run}: {vehicles}");
        // Every leg maps onto SUMO, nearly all of them exactly.
        let m = &x["mapping"];
        assert_eq!(m["vehicles_unmapped"], 0, "{run}: {m}");
        assert!(m["legs_exact"].as_f64().unwrap() >= 0.95 * m["legs"].as_f64().unwrap(), "{run}: {m}");
        // Junctions sit exactly on the plan's nodes: the projection round trip holds.
        assert!(m["max_junction_offset_m"].as_f64().unwrap() < 0.5, "{run}: {m}");
        // Everyone gets out in SUMO, in order, and the figures are consistent.
        let sim = &x["simulated"];
        assert_eq!(sim["arrived"].as_u64(), Some(vehicles), "{run}: {sim}");
        assert_eq!(x["unfinished"], 0);
        let last = sim["last_arrival_s"].as_f64().unwrap();
        assert!(last > 0.0 && sim["arrival_90_s"].as_f64().unwrap() <= last);
        assert_eq!(sim["safe_by_step"].as_array().unwrap().last().unwrap().as_u64(), Some(vehicles));
        assert!(x["travel"]["simulated_free_flow_s"].as_f64().unwrap() > 0.0);
        // The planned side is the planner's own numbers.
        assert_eq!(x["planned"]["vehicles"].as_u64(), Some(vehicles));
        assert!(Path::new(x["sumo_config"].as_str().unwrap()).is_file(), "the run can be repeated");
    }
    assert_eq!(
        r["plan"]["planned"]["last_arrival_s"].as_f64(),
        Some(plan["clearance_steps"].as_f64().unwrap() * step_s)
    );
    assert_eq!(
        r["baseline"]["planned"]["last_arrival_s"].as_f64(),
        Some(plan["baseline_clearance_steps"].as_f64().unwrap() * step_s)
    );
    let planned_exposure = r["plan"]["planned"]["exposure_vehicle_minutes"].as_f64().unwrap();
    assert!((planned_exposure - plan["exposure_vehicle_minutes"].as_f64().unwrap()).abs() < 1e-6);
    assert!(r["saving_s"]["simulated"].is_number());
    assert!(!r["plan"]["queues"].as_array().unwrap().is_empty());
    // The planner's own queues, recomputed from plan.json: a group waits on a road from
    // reaching its end until it enters the next road (junction gates in between count).
    let travel: std::collections::HashMap<String, (f64, bool)> = plan["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].to_string(), (e["travel_steps"].as_f64().unwrap(), !e["junction"].is_null())))
        .collect();
    let mut waiting_steps = 0.0;
    for g in plan["groups"].as_array().unwrap() {
        // (enter step, steps until the next road may be entered: the road's and its
        // junction gates' travel)
        let mut roads: Vec<(f64, f64)> = Vec::new();
        for l in g["legs"].as_array().unwrap() {
            let (t, gate) = travel[&l["edge"].to_string()];
            match (gate, roads.last_mut()) {
                (true, Some(last)) => last.1 += t,
                (true, None) => {}
                (false, _) => roads.push((l["enter_step"].as_f64().unwrap(), t)),
            }
        }
        for w in roads.windows(2) {
            waiting_steps += g["vehicles"].as_f64().unwrap() * (w[1].0 - (w[0].0 + w[0].1)).max(0.0);
        }
    }
    let reported = r["plan"]["planned_waiting_vehicle_hours"].as_f64().unwrap();
    assert!((reported - waiting_steps * step_s / 3600.0).abs() < 1e-6, "{reported} vs {waiting_steps} steps");
    for run in ["plan", "baseline"] {
        let listed = r[run]["planned_queues"].as_array().unwrap();
        assert!(listed.len() <= 10);
        let hours: Vec<f64> = listed.iter().map(|q| q["planned_waiting_vehicle_hours"].as_f64().unwrap()).collect();
        assert!(hours.iter().all(|&h| h > 0.0) && hours.windows(2).all(|w| w[0] >= w[1]), "{run}: {hours:?}");
    }
    let svg = std::fs::read_to_string(out.join("simulation.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("naive baseline, SUMO micro") && svg.contains("OpenStreetMap"));

    // Meso, twice with the same seed: the SUMO network comes from the cache and the runs agree.
    let meso = |name: &str| {
        let o = dir.path().join(name);
        std::fs::create_dir_all(&o).unwrap();
        let plan_json = out.join("plan.json");
        ok(&evac(&["simulate", d, "--meso", "--plan", plan_json.to_str().unwrap(), "--out", o.to_str().unwrap()]));
        read_json(&o.join("simulation.json"))
    };
    let (a, b) = (meso("meso-a"), meso("meso-b"));
    assert_eq!(a["network"]["cached"], true);
    assert_eq!(a["settings"]["mode"], "meso");
    assert!(a["baseline"].is_null());
    assert_eq!(a["plan"]["simulated"], b["plan"]["simulated"], "same seed, same simulation");
    assert!(started.elapsed().as_secs() < 60, "keep this test fast: {:?}", started.elapsed());
}

#[test]
fn what_if_bridges_simulates_every_variant_side_by_side() {
    if skip_without_sumo() {
        return;
    }
    let dir = andorra_mini();
    let d = dir.path().to_str().unwrap();
    let out = dir.path().join("out");
    let planned =
        read_json_text(&ok(&evac(&["plan", d, "--what-if", "bridges", "--json", "--out", out.to_str().unwrap()])));
    let text = ok(&evac(&[
        "plan",
        d,
        "--what-if",
        "bridges",
        "--simulate",
        "--meso",
        "--jobs",
        "2",
        "--top",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(text.contains("the open plan and the 3 worst losses replayed in SUMO meso (2 runs at a time"), "{text}");
    let r = read_json(&out.join("whatif-bridges-simulated.json"));
    // The planner's table is the plain what-if's; the open plan and the three worst
    // crossings it could replan around (in its order) are simulated.
    assert_eq!(r["planned"], planned);
    let variants = r["variants"].as_array().unwrap();
    let worst: Vec<&serde_json::Value> =
        planned["bridges"].as_array().unwrap().iter().filter(|b| b["cut_off"].is_null()).take(3).collect();
    assert_eq!(worst.len(), 3, "the fixture must have crossings to close: {planned}");
    assert_eq!(variants.len(), 4);
    for (v, b) in variants[1..].iter().zip(&worst) {
        assert_eq!(v["crossing"], b["crossing"]);
    }
    assert!(variants[0]["bridge"].is_null());
    assert_eq!(variants[0]["planned_clearance_s"], planned["base_clearance_steps"].as_f64().unwrap() * 60.0);
    for v in variants {
        let sim = v["simulated_clearance_s"].as_f64().expect("every variant simulated to the end");
        assert!(sim > 0.0 && sim < 6.0 * 3600.0, "{v}");
        if !v["bridge"].is_null() {
            let b = worst.iter().find(|b| b["crossing"] == v["crossing"]).unwrap();
            assert_eq!(v["planned_delay_s"].as_f64().unwrap(), b["delay_steps"].as_f64().unwrap() * 60.0, "{v}");
            let base = variants[0]["simulated_clearance_s"].as_f64().unwrap();
            assert_eq!(v["simulated_delay_s"].as_f64().unwrap(), sim - base);
        }
    }
    // Each variant ran SUMO in its own files.
    let configs: std::collections::HashSet<&str> =
        variants.iter().map(|v| v["run"]["sumo_config"].as_str().unwrap()).collect();
    assert_eq!(configs.len(), variants.len());
}

fn read_json_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn bad_or_missing_plans_are_refused_and_nothing_is_written() {
    if skip_without_sumo() {
        return;
    }
    let dir = andorra_mini();
    let d = dir.path().to_str().unwrap();
    let out = dir.path().join("out");
    let o = evac(&["simulate", d, "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("plan.json") && err.contains("run `evac plan"), "{err}");

    let bad = dir.path().join("bad-plan.json");
    std::fs::write(&bad, r#"{"step_s": 60, "sources": [], "groups": [{"source": "x#1", "vehicles": 3, "legs": []}]}"#)
        .unwrap();
    let o = evac(&["simulate", d, "--plan", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad-plan.json") && err.contains("not listed under `sources`"), "{err}");
    assert!(!out.join("simulation.json").exists(), "nothing written on failure");
}

#[test]
fn without_sumo_it_says_how_to_install_it() {
    // Runs everywhere: a PATH with no SUMO on it.
    let dir = andorra_mini();
    let empty = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_evac"))
        .args(["simulate", dir.path().to_str().unwrap()])
        .env("PATH", empty.path())
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`sumo`") && err.contains("apt-get install sumo sumo-tools"), "{err}");
    assert!(!dir.path().join("out/simulation.json").exists());
}
