//! The simulation check's outputs: simulation.json (planned and simulated figures for the
//! plan and the baseline), simulation.svg (vehicles safe over time, planned against
//! simulated) and the terminal summary.

use crate::plan::safe_over_time_svg;
use evac_sim::whatif::WhatIfSimReport;
use evac_sim::{Figures, RunReport, SimReport};
use serde_json::json;
use std::fmt::Write;

/// simulation.json, simulation.svg and the summary.
pub struct SimulationDocuments {
    pub summary: String,
    pub json: String,
    pub files: Vec<(&'static str, Vec<u8>)>,
}

pub fn simulation_documents(report: &SimReport) -> SimulationDocuments {
    let json = simulation_json(report);
    let svg = simulation_svg(report);
    SimulationDocuments {
        summary: summary_text(report),
        json: json.clone(),
        files: vec![("simulation.json", json.into_bytes()), ("simulation.svg", svg.into_bytes())],
    }
}

/// How much earlier the plan clears than the baseline: (planned, simulated) seconds.
pub fn savings(report: &SimReport) -> Option<(Option<f64>, Option<f64>)> {
    let b = report.baseline.as_ref()?;
    let p = &report.plan;
    let diff = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    Some((
        diff(p.planned.last_arrival_s, b.planned.last_arrival_s),
        diff(p.simulated.last_arrival_s, b.simulated.last_arrival_s),
    ))
}

pub fn simulation_json(report: &SimReport) -> String {
    let mut v = serde_json::to_value(report).expect("report serialises");
    if let Some((planned, simulated)) = savings(report) {
        v.as_object_mut()
            .expect("object")
            .insert("saving_s".into(), json!({"planned": planned, "simulated": simulated}));
    }
    let mut s = serde_json::to_string_pretty(&v).expect("json");
    s.push('\n');
    s
}

pub fn simulation_svg(report: &SimReport) -> String {
    let mode = report.settings.mode.name();
    let mut curves: Vec<(String, &str, Vec<u64>, bool)> = vec![
        ("plan, as planned".into(), "#1565c0", report.plan.planned.safe_by_step.clone(), false),
        (format!("plan, SUMO {mode}"), "#2e7d32", report.plan.simulated.safe_by_step.clone(), false),
    ];
    if let Some(b) = &report.baseline {
        curves.push(("naive baseline, as planned".into(), "#c62828", b.planned.safe_by_step.clone(), true));
        curves.push((format!("naive baseline, SUMO {mode}"), "#ef6c00", b.simulated.safe_by_step.clone(), true));
    }
    let refs: Vec<(&str, &str, Vec<u64>, bool)> =
        curves.iter().map(|(l, c, v, d)| (l.as_str(), *c, v.clone(), *d)).collect();
    let total = report.plan.vehicles.max(report.baseline.as_ref().map_or(0, |b| b.vehicles));
    let svg = safe_over_time_svg(
        // Short: scenario names are long and the title is one line.
        &format!("Planned vs SUMO {mode} — {}", report.scenario),
        report.step_s,
        &refs,
        total,
    );
    // The roads are OpenStreetMap's: say so on the chart itself.
    let note = format!(
        r##"<text x="736" y="354" text-anchor="end" font-size="10" fill="#666">SUMO {} on {}{}</text>
"##,
        crate::map::esc(&report.network.sumo_version.replace("Eclipse SUMO sumo Version ", "")),
        crate::map::esc(report.attribution),
        report.illustrative.as_ref().map(|_| " — ILLUSTRATIVE scenario").unwrap_or_default()
    );
    match svg.rfind("</svg>") {
        Some(i) => format!("{}{note}{}", &svg[..i], &svg[i..]),
        None => svg,
    }
}

/// h:mm from seconds, or "not all" when some vehicles never arrived.
fn hm(s: Option<f64>) -> String {
    match s {
        Some(s) => {
            let m = (s / 60.0).round() as i64;
            let sign = if m < 0 { "-" } else { "" };
            format!("{sign}{}:{:02}", m.abs() / 60, m.abs() % 60)
        }
        None => "not all".into(),
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 { 100.0 } else { a as f64 * 100.0 / b as f64 }
}

fn figure_rows(out: &mut String, label: &str, planned: &Figures, simulated: &Figures) {
    let _ = writeln!(
        out,
        "  {label:<10} last vehicle safe  {:>8}  {:>8}",
        hm(planned.last_arrival_s),
        hm(simulated.last_arrival_s)
    );
    let _ = writeln!(
        out,
        "  {:<10} 90% safe by        {:>8}  {:>8}",
        "",
        hm(planned.arrival_90_s),
        hm(simulated.arrival_90_s)
    );
    let _ = writeln!(
        out,
        "  {:<10} in-zone veh-min    {:>8.0}  {:>8.0}",
        "", planned.exposure_vehicle_minutes, simulated.exposure_vehicle_minutes
    );
}

fn run_lines(out: &mut String, r: &RunReport) {
    let m = &r.mapping;
    let _ = writeln!(
        out,
        "  {}: {} legs, {} mapped exactly ({:.1}%), {} by fallback; {} of {} roads exact; {} vehicles unmapped",
        r.label,
        m.legs,
        m.legs_exact,
        pct(m.legs_exact, m.legs),
        m.legs_fallback,
        m.edges_exact,
        m.edges,
        m.vehicles_unmapped
    );
    let _ = writeln!(
        out,
        "  {}: teleports {} (jam {}, yield {}, wrong lane {}), unfinished {}; SUMO ran {:.1} s",
        r.label,
        r.teleports.total,
        r.teleports.jam,
        r.teleports.yield_,
        r.teleports.wrong_lane,
        r.unfinished,
        r.sumo_seconds
    );
}

/// m:ss from seconds.
fn ms(s: f64) -> String {
    let s = s.round().max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn travel_lines(out: &mut String, r: &RunReport) {
    let t = &r.travel;
    let _ = writeln!(
        out,
        "  {:<10} on the road {:>6} (free flow {:>6})   SUMO {:>6} (free flow {:>6}), waiting to enter {} mean / {} max",
        r.label,
        ms(t.planned_on_road_s),
        t.planned_free_flow_s.map_or("?".into(), ms),
        ms(t.simulated_on_road_s),
        ms(t.simulated_free_flow_s),
        ms(t.depart_delay_mean_s),
        ms(t.depart_delay_max_s)
    );
}

pub fn summary_text(r: &SimReport) -> String {
    let mut out = String::new();
    let mode = r.settings.mode.name();
    let _ = writeln!(
        out,
        "Simulation check — {} ({} vehicles; {}, {mode}, seed {})",
        r.scenario,
        r.plan.vehicles,
        r.network.sumo_version.replace("Eclipse SUMO sumo Version ", "SUMO "),
        r.settings.seed
    );
    if let Some(note) = &r.illustrative {
        let _ = writeln!(out, "  {note}");
    }
    let _ = writeln!(out, "  {:<10} {:<18} {:>8}  {:>8}", "", "", "planned", format!("SUMO {mode}"));
    figure_rows(&mut out, "plan", &r.plan.planned, &r.plan.simulated);
    if let Some(b) = &r.baseline {
        figure_rows(&mut out, "baseline", &b.planned, &b.simulated);
    }
    if let Some((planned, simulated)) = savings(r) {
        let _ = writeln!(out, "  {:<10} {:<18} {:>8}  {:>8}", "plan saves", "", hm(planned), hm(simulated));
    }
    let _ = writeln!(out, "\ntime per vehicle (mean, m:ss), planned and in SUMO:");
    travel_lines(&mut out, &r.plan);
    if let Some(b) = &r.baseline {
        travel_lines(&mut out, b);
    }
    let _ = writeln!(
        out,
        "\nmapping onto SUMO ({} junctions, {} edges{}):",
        r.network.junctions,
        r.network.edges,
        if r.network.cached { ", cached" } else { "" }
    );
    run_lines(&mut out, &r.plan);
    if let Some(b) = &r.baseline {
        run_lines(&mut out, b);
    }
    for run in std::iter::once(&r.plan).chain(&r.baseline) {
        let legend = if run.planner_bottlenecks.is_empty() { "" } else { "; * = on the planner's bottleneck list" };
        let _ = writeln!(out, "\nwhere SUMO queues, {} (vehicle-hours lost{legend}):", run.label);
        for q in &run.queues {
            let _ = writeln!(
                out,
                "  {}{:<62} {:>7.1} veh-h  {:>6} veh{}",
                if q.planner_bottleneck { "*" } else { " " },
                q.label.chars().take(62).collect::<String>(),
                q.time_loss_vehicle_hours,
                q.vehicles,
                if q.in_zone { "  (in the zone)" } else { "" }
            );
        }
        if !run.planned_queues.is_empty() {
            let _ = writeln!(
                out,
                "where the planner queues, {} (vehicle-hours waiting as planned | lost in SUMO on the same road; all roads: {:.1} | {:.1}):",
                run.label, run.planned_waiting_vehicle_hours, run.simulated_time_loss_vehicle_hours
            );
            for q in &run.planned_queues {
                let _ = writeln!(
                    out,
                    "  {}{:<62} {:>7.1} | {:>5.1} veh-h{}",
                    if q.planner_bottleneck { "*" } else { " " },
                    q.label.chars().take(62).collect::<String>(),
                    q.planned_waiting_vehicle_hours,
                    q.time_loss_vehicle_hours,
                    if q.in_zone { "  (in the zone)" } else { "" }
                );
            }
        }
    }
    for w in &r.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = writeln!(out, "{}; repeat a run with `sumo -c {}`", r.attribution, r.plan.sumo_config.display());
    out
}

/// The what-if table with every variant simulated: planned and simulated clearance and
/// delay per closed crossing, the crossings whose loss cuts settlements off, the warnings.
pub fn what_if_text(r: &WhatIfSimReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "What if a bridge is lost? {}: the open plan and the {} worst losses replayed in SUMO {} ({} runs at a time, {:.0} s)",
        r.scenario,
        r.variants.len().saturating_sub(1),
        r.mode,
        r.jobs,
        r.seconds
    );
    let delay = |d: Option<f64>| match d {
        Some(d) if d >= 0.0 => format!("+{}", hm(Some(d))),
        d => hm(d),
    };
    let _ = writeln!(
        out,
        "{:<52} {:>8} {:>7} {:>8} {:>7} {:>8} {:>9}",
        "closed crossing", "planned", "delay", "SUMO", "delay", "SUMO 90%", "teleports"
    );
    for v in &r.variants {
        let name: String = v.bridge.as_deref().unwrap_or("(none: every crossing open)").chars().take(52).collect();
        let (pd, sd) = if v.bridge.is_some() {
            (delay(v.planned_delay_s), delay(v.simulated_delay_s))
        } else {
            (String::new(), String::new())
        };
        let _ = writeln!(
            out,
            "{name:<52} {:>8} {pd:>7} {:>8} {sd:>7} {:>8} {:>9}",
            hm(v.planned_clearance_s),
            hm(v.simulated_clearance_s),
            hm(v.simulated_90_s),
            v.teleports
        );
    }
    for b in r.planned.bridges.iter().filter(|b| b.cut_off.is_some()) {
        let name: String = b.bridge.chars().take(52).collect();
        let _ = writeln!(out, "{name:<52} CUT OFF  {}", b.cut_off.as_deref().unwrap_or_default());
    }
    for w in &r.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = writeln!(out, "{}", r.attribution);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use evac_sim::{MappingStats, Mode, NetReport, Queue, SumoSettings, Teleports, TravelTimes};

    fn figures(last: f64, curve: Vec<u64>) -> Figures {
        Figures {
            vehicles: 10,
            arrived: 10,
            last_arrival_s: Some(last),
            arrival_90_s: Some(last - 60.0),
            exposure_vehicle_minutes: 42.0,
            safe_by_step: curve,
        }
    }

    fn run(label: &str, planned: f64, simulated: f64) -> RunReport {
        RunReport {
            label: label.into(),
            vehicles: 10,
            groups: 2,
            mapping: MappingStats {
                legs: 20,
                legs_exact: 19,
                legs_fallback: 1,
                edges: 8,
                edges_exact: 7,
                ..Default::default()
            },
            planned: figures(planned, vec![0, 5, 10]),
            simulated: figures(simulated, vec![0, 2, 8, 10]),
            teleports: Teleports::default(),
            unfinished: 0,
            travel: TravelTimes {
                planned_on_road_s: 600.0,
                planned_free_flow_s: Some(540.0),
                simulated_on_road_s: 300.0,
                simulated_free_flow_s: 120.0,
                depart_delay_mean_s: 3.0,
                depart_delay_max_s: 20.0,
            },
            queues: vec![Queue {
                label: "Rhein bridge, Rheinstrasse".into(),
                edge: None,
                sumo_edges: vec!["12#0".into()],
                time_loss_vehicle_hours: 1.5,
                waiting_vehicle_hours: 1.0,
                planned_waiting_vehicle_hours: 4.0,
                vehicles: 10,
                in_zone: false,
                planner_bottleneck: true,
                lat: 47.0,
                lon: 9.5,
            }],
            planned_queues: vec![Queue {
                label: "Landstrasse".into(),
                edge: None,
                sumo_edges: Vec::new(),
                time_loss_vehicle_hours: 0.2,
                waiting_vehicle_hours: 0.0,
                planned_waiting_vehicle_hours: 6.5,
                vehicles: 0,
                in_zone: true,
                planner_bottleneck: false,
                lat: 47.1,
                lon: 9.5,
            }],
            planned_waiting_vehicle_hours: 10.5,
            simulated_time_loss_vehicle_hours: 3.0,
            planner_bottlenecks: vec!["Rhein bridge, Rheinstrasse".into()],
            sumo_seconds: 1.0,
            sumo_config: "/tmp/plan.sumocfg".into(),
        }
    }

    fn report() -> SimReport {
        SimReport {
            scenario: "Test <valley>".into(),
            illustrative: Some("ILLUSTRATIVE".into()),
            step_s: 60.0,
            mandatory_km: 5.0,
            settings: SumoSettings {
                mode: Mode::Meso,
                seed: 7,
                time_to_teleport_s: 300.0,
                end_s: 86400.0,
                step_length_s: 1.0,
                depart_lane: "best",
                depart_speed: "max",
                vehicle_type: "car",
            },
            network: NetReport {
                extract: "x.osm.pbf".into(),
                sumo_net: "x.net.xml".into(),
                cached: true,
                netconvert_seconds: 0.1,
                junctions: 4,
                edges: 6,
                sumo_version: "Eclipse SUMO sumo Version 1.15.0".into(),
            },
            plan: run("plan", 120.0, 180.0),
            baseline: Some(run("baseline", 600.0, 240.0)),
            warnings: vec![],
            seconds: 2.0,
            attribution: evac_sim::OSM_ATTRIBUTION,
        }
    }

    #[test]
    fn documents_set_planned_beside_simulated() {
        let r = report();
        assert_eq!(savings(&r), Some((Some(480.0), Some(60.0))));
        let docs = simulation_documents(&r);
        let v: serde_json::Value = serde_json::from_str(&docs.json).unwrap();
        assert_eq!(v["saving_s"]["planned"], 480.0);
        assert_eq!(v["plan"]["teleports"]["yield"], 0);
        assert_eq!(v["settings"]["mode"], "meso");
        assert!(v["attribution"].as_str().unwrap().contains("OpenStreetMap"));
        let svg = String::from_utf8(docs.files[1].1.clone()).unwrap();
        for legend in ["plan, as planned", "plan, SUMO meso", "naive baseline, as planned", "naive baseline, SUMO meso"]
        {
            assert!(svg.contains(legend), "{legend}");
        }
        assert!(svg.contains("Test &lt;valley&gt;") && svg.contains("© OpenStreetMap contributors (ODbL)"));
        assert!(svg.contains(r#"viewBox="0 0 760 438""#), "a second legend row");
        let text = docs.summary;
        assert!(text.contains("SUMO 1.15.0, meso, seed 7"), "{text}");
        let saves = text.lines().find(|l| l.contains("plan saves")).unwrap();
        assert!(saves.ends_with("0:08      0:01"), "{saves}");
        assert!(text.contains("*Rhein bridge, Rheinstrasse"), "{text}");
        assert!(text.contains("19 mapped exactly (95.0%)"), "{text}");
        // The planner's queues beside SUMO's lost time on the same road.
        assert!(text.contains("all roads: 10.5 | 3.0"), "{text}");
        let line = text.lines().find(|l| l.contains("Landstrasse")).unwrap();
        assert!(line.ends_with("6.5 |   0.2 veh-h  (in the zone)"), "{line}");
    }

    #[test]
    fn what_if_table_sets_simulated_beside_planned_delays() {
        use evac_plan::{BridgeLoss, WhatIfBridges};
        use evac_sim::whatif::{SimulatedVariant, WhatIfSimReport};
        let variant = |bridge: Option<&str>, planned: f64, simulated: f64, base: Option<(f64, f64)>| SimulatedVariant {
            crossing: bridge.map(|_| 1),
            bridge: bridge.map(str::to_owned),
            planned_clearance_s: Some(planned),
            simulated_clearance_s: Some(simulated),
            simulated_90_s: Some(simulated - 600.0),
            planned_delay_s: base.map(|(p, _)| planned - p),
            simulated_delay_s: base.map(|(_, s)| simulated - s),
            teleports: 3,
            unfinished: 0,
            sumo_seconds: 1.0,
            run: run("x", planned, simulated),
        };
        let base = (3420.0, 3840.0);
        let r = WhatIfSimReport {
            scenario: "Rhine".into(),
            planned: WhatIfBridges {
                base_clearance_steps: 57,
                step_s: 60.0,
                bridges: vec![
                    BridgeLoss {
                        crossing: 0,
                        bridge: "Old bridge".into(),
                        clearance_steps: None,
                        delay_steps: None,
                        lower_bound_steps: None,
                        cut_off: Some("Vaduz is cut off".into()),
                    },
                    BridgeLoss {
                        crossing: 1,
                        bridge: "Rhein bridge".into(),
                        clearance_steps: Some(70),
                        delay_steps: Some(13),
                        lower_bound_steps: Some(70),
                        cut_off: None,
                    },
                ],
            },
            variants: vec![
                variant(None, base.0, base.1, None),
                variant(Some("Rhein bridge"), 4200.0, 4560.0, Some(base)),
            ],
            top: 10,
            mode: "meso".into(),
            jobs: 2,
            warnings: vec!["Rhein bridge: 4 vehicles had not arrived".into()],
            seconds: 12.0,
            attribution: evac_sim::OSM_ATTRIBUTION,
        };
        let text = what_if_text(&r);
        assert!(
            text.contains("the open plan and the 1 worst losses replayed in SUMO meso (2 runs at a time"),
            "{text}"
        );
        let open = text.lines().find(|l| l.starts_with("(none")).expect("the open plan's row");
        assert!(open.contains("0:57") && open.contains("1:04"), "{open}");
        let rhein = text.lines().find(|l| l.starts_with("Rhein bridge")).expect("the closed bridge's row");
        assert!(
            rhein.contains("1:10") && rhein.contains("+0:13") && rhein.contains("1:16") && rhein.contains("+0:12"),
            "{rhein}"
        );
        assert!(
            text.lines().any(|l| l.starts_with("Old bridge") && l.contains("CUT OFF") && l.contains("Vaduz")),
            "{text}"
        );
        assert!(text.contains("warning: Rhein bridge: 4 vehicles"), "{text}");
        assert!(text.contains("OpenStreetMap"), "{text}");
    }

    #[test]
    fn times_read_as_hours_and_minutes() {
        assert_eq!(hm(Some(4860.0)), "1:21");
        assert_eq!(hm(Some(29.0)), "0:00");
        assert_eq!(hm(Some(-120.0)), "-0:02");
        assert_eq!(hm(None), "not all");
        assert_eq!(pct(1, 4), 25.0);
        assert_eq!(ms(503.4), "8:23");
    }
}
