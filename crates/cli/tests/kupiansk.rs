//! The Kupiansk scenario end to end through the real binary, on Ukraine's main roads from
//! the shared shapefiles (network.toml): order, car plan with its optimum, transit with
//! trains; the Oskil bridge closure; `evac network import` of road layers.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn kupiansk_runs_the_whole_pipeline_on_its_main_roads() {
    let dir = kupiansk_copy();
    let out = dir.path().join("out");
    let o = evac(&["up", dir.path().to_str().unwrap(), "--no-serve", "--out", out.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("== 3/3 transit"), "{stdout}");
    assert!(stderr.contains("3 bridges") && stderr.contains("approximate"), "the build is reported: {stderr}");
    // Order: official 2022 figures, marked as such.
    let order = std::fs::read_to_string(out.join("order.csv")).unwrap();
    assert!(order.contains(",Kupiansk-Vuzlovyi,") && order.contains("official_ukrstat_2022"));
    assert!(std::fs::read_to_string(out.join("order.html")).unwrap().contains("State Statistics Service of Ukraine"));
    // Car plan: the balanced objective beside the proven clearance optimum, checked by the
    // independent verifier, with what rests on approximate links.
    let plan = read_json(&out.join("plan.json"));
    assert_eq!(plan["objective"], "balanced");
    let optimum = plan["optimum_steps"].as_u64().expect("the clearance optimum is proven");
    let best = &plan["objectives"][0];
    assert_eq!(best["objective"], "clearance");
    assert_eq!(best["clearance_steps"].as_u64(), Some(optimum), "the clearance plan is the optimal one");
    assert!(plan["clearance_steps"].as_u64().unwrap() >= optimum);
    assert!(plan["exposure_lower_bound"].as_f64().unwrap() <= plan["exposure_vehicle_minutes"].as_f64().unwrap());
    nothing_is_planned_beyond_the_front_line(dir.path(), &plan);
    let v =
        Command::new("python3").arg(repo().join("scripts/verify_plan.py")).arg(out.join("plan.json")).output().unwrap();
    assert!(v.status.success(), "independent verifier: {}", String::from_utf8_lossy(&v.stdout));
    let a = &plan["approximate_links"];
    assert!(a["network_links"].as_u64().unwrap() > 200, "{a}");
    assert!(a["vehicles"].as_u64().unwrap() > 0 && a["people"].as_u64().unwrap() > a["vehicles"].as_u64().unwrap());
    assert!(a["share"].as_f64().unwrap() > 0.5, "most villages are off the main roads: {a}");
    assert!(stdout.contains("on approximate links"), "{stdout}");
    // The routes cross the Oskil at Kupiansk.
    let schedule = std::fs::read_to_string(out.join("schedule.csv")).unwrap();
    assert!(schedule.contains("Oskil bridge, Kupiansk"));
    // Transit: buses to the railhead, trains to Kharkiv.
    let trains = std::fs::read_to_string(out.join("trains.csv")).unwrap();
    assert!(trains.lines().skip(1).any(|l| l.starts_with("EVAC-") && l.contains("Kupiansk-Vuzlovyi")), "{trains}");
    let transit = read_json(&out.join("transit.json"));
    // 29,545 before the beyond-the-line rule: less the carless of the settlements beyond the
    // line, and of the five villages whose only road runs beyond it (left out, with a warning).
    assert_eq!(transit["people"].as_u64(), Some(25_266));
    assert!(stderr.contains("Kruhliakivka") && stderr.contains("cut off by the line"), "{stderr}");
    // ... and listed in the plans and their summaries, not only warned about.
    let listed = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v["cut_off_by_line"].as_array().unwrap().iter().map(|c| c[key].as_str().unwrap().to_string()).collect()
    };
    let (cars_cut, buses_cut) = (listed(&plan, "name"), listed(&transit, "name"));
    assert!(cars_cut.iter().any(|n| n == "Kruhliakivka") && cars_cut.len() == 5, "{cars_cut:?}");
    assert!(buses_cut.iter().any(|n| n == "Kruhliakivka"), "{buses_cut:?}");
    let vehicles: u64 =
        plan["cut_off_by_line"].as_array().unwrap().iter().map(|c| c["vehicles"].as_u64().unwrap()).sum();
    assert!(vehicles > 0);
    assert_eq!(stdout.matches("NOT IN THIS PLAN — cut off by the line").count(), 2, "{stdout}");
    // The cached network: stats count the approximate links and list the crossings.
    let cached = std::fs::read_dir(dir.path().join(".cache")).unwrap().next().unwrap().unwrap().path();
    let o = evac(&["network", "stats", cached.to_str().unwrap(), "--json"]);
    assert!(o.status.success());
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(s["approximate_links"].as_u64().unwrap() > 200 && s["approximate_km"].as_f64().unwrap() > 1000.0);
    assert_eq!(s["river_crossings"], 3);
    assert_eq!(s["layers"]["components_shared_vertices"], 19);
    // The line moves (here: back to the earlier one): one command gives the new order with
    // what changed since the last one, the plan and the transit for it, and their times.
    let last = dir.path().join("last-order.json");
    std::fs::copy(out.join("order.json"), &last).unwrap();
    let earlier = dir.path().join("hazard-earlier.geojson");
    let o = evac(&[
        "up",
        dir.path().to_str().unwrap(),
        "--no-serve",
        "--out",
        out.to_str().unwrap(),
        "--hazard",
        earlier.to_str().unwrap(),
        "--previous",
        last.to_str().unwrap(),
        "--transit-seconds",
        "1",
    ]);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("Changes since the previous order"), "{stdout}");
    assert!(stdout.contains("every stage done in") && stdout.contains("transit"), "{stdout}");
    let changes = read_json(&out.join("order_changes.json"));
    let moved = changes["added"].as_array().unwrap().len() + changes["removed"].as_array().unwrap().len();
    assert!(moved > 0, "the earlier line orders other settlements: {changes}");
    let replanned = read_json(&out.join("plan.json"));
    assert_ne!(replanned["vehicles"], plan["vehicles"], "the plan is for the new line");
    assert!(read_json(&out.join("transit.json"))["planning_seconds"].as_f64().unwrap() < 5.0);
    // Bad input to the new options is refused before anything runs.
    let o = evac(&["up", dir.path().to_str().unwrap(), "--no-serve", "--transit-seconds", "99999"]);
    assert!(!o.status.success());
}

/// The illustrative front line runs east of the Oskil; 40 settlements (11,298 people) lie
/// beyond it, away from every reception centre. No published group may start at, pass
/// through or end at a road node beyond the line, none of those settlements is a source,
/// and the exposure bound, which before the rule let vehicles "leave the zone" eastward
/// (2.0 M vehicle-minutes against 11.3 M for every plan), is now of the plan's order.
fn nothing_is_planned_beyond_the_front_line(scenario_dir: &Path, plan: &serde_json::Value) {
    use evac_model::LatLon;
    let scenario = evac_scenario::Scenario::load(scenario_dir).unwrap();
    let side = evac_zone::LineSide::of(&scenario).expect("a line hazard and centres");
    let beyond: std::collections::HashSet<&str> =
        scenario.settlements.iter().filter(|s| side.beyond(s.location)).map(|s| s.id.as_str()).collect();
    let people: u64 =
        scenario.settlements.iter().filter(|s| beyond.contains(s.id.as_str())).map(|s| u64::from(s.population)).sum();
    assert_eq!((beyond.len(), people), (40, 11_298));
    let nodes = plan["nodes"].as_array().unwrap();
    let at = |v: &serde_json::Value| {
        let n = &nodes[v.as_u64().unwrap() as usize];
        LatLon::new(n["lat"].as_f64().unwrap(), n["lon"].as_f64().unwrap())
    };
    let beyond_nodes: Vec<bool> = nodes
        .iter()
        .map(|n| side.beyond(LatLon::new(n["lat"].as_f64().unwrap(), n["lon"].as_f64().unwrap())))
        .collect();
    // 80 of the 1,052 nodes of the plan lie beyond the line.
    assert!(beyond_nodes.iter().filter(|&&b| b).count() > 50, "the network reaches beyond the line");
    // Every node beyond the line counts as inside the zone.
    for (n, &b) in nodes.iter().zip(&beyond_nodes) {
        assert!(!b || n["in_zone"] == true, "{n} is beyond the line but outside the zone");
    }
    let edges: std::collections::HashMap<String, (&serde_json::Value, &serde_json::Value)> =
        plan["edges"].as_array().unwrap().iter().map(|e| (e["id"].to_string(), (&e["from"], &e["to"]))).collect();
    let sources: std::collections::HashMap<&str, &serde_json::Value> =
        plan["sources"].as_array().unwrap().iter().map(|s| (s["id"].as_str().unwrap(), s)).collect();
    for s in sources.values() {
        assert!(!beyond.contains(s["settlement"].as_str().unwrap()), "{s} is beyond the line");
        assert!(!side.beyond(at(&s["node"])), "{s} starts beyond the line");
    }
    let groups = plan["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    for g in groups {
        for leg in g["legs"].as_array().unwrap() {
            let (from, to) = edges[&leg["edge"].to_string()];
            assert!(!side.beyond(at(from)) && !side.beyond(at(to)), "group from {} crosses the line", g["source"]);
        }
    }
    let (bound, exposure) =
        (plan["exposure_lower_bound"].as_f64().unwrap(), plan["exposure_vehicle_minutes"].as_f64().unwrap());
    println!("exposure lower bound {bound:.0} vehicle-minutes, published plan {exposure:.0}");
    assert!(bound <= exposure);
    // Measured: 2.27 M against 8.23 M (3.6x); before the rule 2.0 M against 11.3 M (5.6x).
    // The rest of the gap is the plans keeping vehicles at home behind the Chuhuiv
    // bottleneck instead of staging them outside the zone, not the line.
    assert!(exposure <= 4.0 * bound, "the bound ({bound}) is within a factor 4 of the plan ({exposure})");
}

#[test]
fn closing_the_oskil_bridge_cuts_off_the_east_bank() {
    let dir = kupiansk_copy();
    let o = evac(&[
        "plan",
        dir.path().to_str().unwrap(),
        "--close",
        "Oskil",
        "--out",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Kupiansk-Vuzlovyi") && err.contains("cannot reach any destination with Oskil closed"),
        "{err}"
    );
}

#[test]
fn road_layers_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k.evacnet");
    let shared = repo().join("../shared/data/ukraine-main-roads");
    let (national, international) = (shared.join("roads_national.shp"), shared.join("roads_international.shp"));
    let o = evac(&[
        "network",
        "import",
        national.to_str().unwrap(),
        international.to_str().unwrap(),
        "--layers",
        "data/layers/ukraine-main-roads.toml",
        "--clip",
        "scenarios/kupiansk/boundary.geojson",
        "--bridges",
        "scenarios/kupiansk/bridges.csv",
        "--access",
        "scenarios/kupiansk/settlements.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = evac(&["network", "stats", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Oskil bridge, Kupiansk"), "{text}");
    assert!(text.contains("approximate links (straight access links"), "{text}");
    assert!(text.contains("loose way ends joined within 50 m"), "{text}");

    // A layer without a layers file, a listed bridge on no road, a layer the layers file
    // does not map: each refused with what to do, nothing written.
    let bad = dir.path().join("bad.evacnet");
    for (args, expect) in [
        (vec![national.to_str().unwrap()], "need a layers file"),
        // The national roads alone lack the M-03 bridge of the scenario's bridge list.
        (vec![national.to_str().unwrap(), "--layers", "scenarios/kupiansk/network.toml"], "bridges.csv, line 4"),
        (vec!["/nonexistent/roads.shp", "--layers", "data/layers/ukraine-main-roads.toml"], "no [[layer]] for"),
    ] {
        let mut full = vec!["network", "import"];
        full.extend(args);
        full.extend(["--out", bad.to_str().unwrap()]);
        let o = evac(&full);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expect), "{err}");
        assert!(!bad.exists());
    }
}

/// The Kharkiv oblast scenario on the same skeleton (1,671 settlements joined): slow in a
/// debug build, so run with `cargo test -p evac-cli --test kupiansk -- --ignored`.
#[test]
#[ignore]
fn kharkiv_oblast_plans_on_the_same_skeleton() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("scenarios/kharkiv-oblast");
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let shared = repo().join("../shared").canonicalize().unwrap();
    let toml = std::fs::read_to_string(dir.path().join("network.toml")).unwrap();
    std::fs::write(dir.path().join("network.toml"), toml.replace("../../../shared", shared.to_str().unwrap())).unwrap();
    let out = dir.path().join("out");
    let o = evac(&["plan", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan = read_json(&out.join("plan.json"));
    assert!(plan["approximate_links"]["network_links"].as_u64().unwrap() > 1500);
    assert!(plan["lower_bound_steps"].as_u64().unwrap() <= plan["clearance_steps"].as_u64().unwrap());
}
