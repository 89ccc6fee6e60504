//! routes.html, the printable route sheets, checked against plan.json from the same run:
//! one page per evacuated settlement, as many routes as plan.json's `routes`, the departure
//! windows and their vehicles as in `route_waves`, and every name from the input files
//! escaped. Run through `evac up --no-serve`, so the pipeline command writes the sheets too.

mod common;
use common::*;

/// The h:mm label of a window of steps `first..=last`, computed here from plan.json's step
/// length (the sheets print the start of the first step to the end of the last).
fn expected_label(first: u64, last: u64, step_s: f64) -> String {
    let hm = |steps: u64| {
        let m = (steps as f64 * step_s / 60.0).round() as u64;
        format!("{}:{:02}", m / 60, m % 60)
    };
    format!("{}–{}", hm(first), hm(last + 1))
}

/// The same escaping rule the sheets must follow, for comparing names.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// (steps "a-b", label, vehicles) of every window row of a route's markup.
fn windows(route: &str) -> Vec<(String, String, u64)> {
    route
        .split("<tr class=window data-steps=\"")
        .skip(1)
        .map(|row| {
            let (steps, rest) = row.split_once('"').unwrap();
            let cells: Vec<&str> = rest.split("<td").skip(1).map(|c| c.split_once('>').unwrap().1).collect();
            let cell = |i: usize| cells[i].split_once("</td>").unwrap().0.to_string();
            (steps.to_string(), cell(1), cell(2).parse().unwrap())
        })
        .collect()
}

#[test]
fn route_sheets_match_plan_json_and_escape_names() {
    let dir = andorra_mini();
    // A settlement named with markup (names come from input files) and one with a
    // Ukrainian and a Latin name.
    let csv = std::fs::read_to_string(dir.path().join("settlements.csv")).unwrap();
    let hostile = "el Serrat <script>alert('x')</script> & \"co\"";
    let csv = csv
        .replace("osm-node-64954451,el Serrat,", &format!("osm-node-64954451,\"{}\",", hostile.replace('"', "\"\"")))
        .replace(",Llorts,42.5962642,1.5261846,500,,", ",Llorts,42.5962642,1.5261846,500,Льйортс,");
    std::fs::write(dir.path().join("settlements.csv"), csv).unwrap();
    let out = dir.path().join("out");
    let o = evac(&["up", dir.path().to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-serve"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("routes.html")).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let step_s = plan["step_s"].as_f64().unwrap();

    // Printable and self-contained: A4, nothing fetched from elsewhere.
    assert!(html.starts_with("<!doctype html>") && html.contains("size: A4"), "{}", &html[..200]);
    assert!(html.contains("break-after: page"));
    for external in ["<link", "<script", "src=", "@import", "url("] {
        assert!(!html.contains(external), "external asset or script: {external}");
    }
    assert!(html.contains("© OpenStreetMap contributors (ODbL)"));
    assert!(html.contains("GeoNames (CC BY 4.0)"), "the data sources' attribution");
    assert!(html.contains("ILLUSTRATIVE test fixture"), "the fixture's illustrative warning");

    // Escaping: the hostile name appears only escaped.
    assert!(!html.contains("alert('x')</script>"));
    assert!(html.contains(&escaped(hostile)), "the escaped name is shown");
    assert!(html.contains("Льйортс <span class=en>/ Llorts</span>"), "both names of Llorts");

    // One sheet per evacuated settlement, in plan.json's order.
    let settlements = plan["settlements"].as_array().unwrap();
    let sheets: Vec<&str> = html.split("<section class=\"sheet\"").skip(1).collect();
    assert_eq!(sheets.len(), settlements.len());
    assert!(settlements.iter().any(|s| s["name"] == hostile), "the hostile settlement is evacuated");
    let mut windows_seen = 0;
    for (s, sheet) in settlements.iter().zip(&sheets) {
        assert!(sheet.starts_with(&format!(" data-settlement=\"{}\"", escaped(s["id"].as_str().unwrap()))));
        let routes: Vec<&str> = sheet.split("<div class=\"route\"").skip(1).collect();
        let waves = s["route_waves"].as_array().unwrap();
        assert_eq!(routes.len() as u64, s["routes"].as_u64().unwrap(), "{}", s["name"]);
        assert_eq!(routes.len(), waves.len());
        assert!(routes.len() <= 3, "balanced plans keep at most 3 routes per settlement");
        for (k, (route, wave)) in routes.iter().zip(waves).enumerate() {
            assert!(route.starts_with(&format!(" data-route=\"{}\"", k + 1)));
            assert!(route.contains(&format!("Маршрут {} <span class=en>/ Route {}</span>", k + 1, k + 1)));
            assert!(route.contains(&escaped(wave["destination"].as_str().unwrap())));
            let rows = windows(route);
            let expected: Vec<(u64, u64)> = wave["windows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| (w[0].as_u64().unwrap(), w[1].as_u64().unwrap()))
                .collect();
            assert_eq!(rows.len(), expected.len(), "{route}");
            for ((steps, label, _), (a, b)) in rows.iter().zip(&expected) {
                assert_eq!(steps, &format!("{a}-{b}"));
                assert_eq!(label, &expected_label(*a, *b, step_s));
            }
            let vehicles: u64 = rows.iter().map(|r| r.2).sum();
            assert_eq!(vehicles, wave["vehicles"].as_u64().unwrap(), "{route}");
            assert!(rows.iter().all(|r| r.2 > 0));
            // The roads: a numbered list, at least one entry.
            assert!(route.contains("<ol class=\"roads") && route.contains("<li "), "{route}");
            windows_seen += rows.len();
        }
        assert!(sheet.contains("Convoy leader's notes"));
    }
    assert!(windows_seen > 0);
}
