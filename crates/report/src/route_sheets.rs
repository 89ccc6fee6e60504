//! routes.html: the printable route sheets of a car plan, one A4 page per evacuated
//! settlement, for the convoy leader and the police posts along the way. Everything comes
//! from the plan's summary (`route_waves`, the same data as plan.json and schedule.csv), so
//! the sheet and the files a coordinator checks cannot disagree.

use crate::map::esc;
use crate::plan::{PlanSummary, RoadKind, RouteWaves, SettlementSchedule};
use evac_model::Settlement;
use std::collections::HashMap;
use std::fmt::Write;

/// Road data on every sheet: the plan's roads are OpenStreetMap's.
pub const ROAD_ATTRIBUTION: &str = "Road network © OpenStreetMap contributors (ODbL).";

const STYLE: &str = r#"
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; line-height: 1.35; max-width: 182mm; margin: 0 auto; overflow-wrap: anywhere; }
.sheet { break-after: page; page-break-after: always; padding-top: 2px; }
.sheet:last-of-type { break-after: auto; page-break-after: auto; }
.doc { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.02em; border-bottom: 2px solid #111; padding-bottom: 3px; }
h1 { font-size: 16pt; margin: 6px 0 2px; }
h2 { font-size: 12.5pt; margin: 12px 0 4px; border-bottom: 1px solid #999; padding-bottom: 2px; break-after: avoid; }
h3 { font-size: 10pt; margin: 8px 0 2px; break-after: avoid; }
.en { color: #444; font-weight: normal; }
.meta { font-size: 9.5pt; margin: 2px 0 4px; }
.warn { border: 2px solid #b00020; color: #b00020; padding: 4px 8px; margin: 6px 0; font-weight: bold; }
.route { break-inside: avoid; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: 2px 0 6px; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top; font-size: 9.5pt; overflow-wrap: anywhere; }
th { background: #eee; font-size: 8pt; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
ol.roads { margin: 2px 0 6px; padding-left: 8mm; }
ol.roads li { margin: 1px 0; break-inside: avoid; }
ol.roads.two { columns: 2; column-gap: 8mm; }
li.crossing { font-weight: bold; }
li.approximate, li.unnamed { font-style: italic; }
.km { color: #444; font-size: 9pt; white-space: nowrap; }
.tag { font-size: 8pt; border: 1px solid #666; padding: 0 3px; margin-left: 4px; font-style: normal; font-weight: normal; }
.notes { margin-top: 10px; break-inside: avoid; }
.notes div { border-bottom: 1px solid #111; height: 8mm; }
footer { margin-top: 10px; font-size: 7.5pt; color: #444; border-top: 1px solid #999; padding-top: 3px; }
@media screen { body { padding: 10px; } .sheet { border-bottom: 3px dashed #999; margin-bottom: 16px; } }
"#;

/// Road lists longer than this are printed in two columns.
const LONG_LIST: usize = 8;

/// h:mm from a number of seconds (rounded to the minute).
fn hm(seconds: f64) -> String {
    let m = (seconds / 60.0).round().max(0.0) as u64;
    format!("{}:{:02}", m / 60, m % 60)
}

/// A part's length as a driver reads it: metres (to 10 m) under a kilometre, else km.
fn length_label(m: f64) -> String {
    if m < 995.0 { format!("{:.0} m", (m / 10.0).round() * 10.0) } else { format!("{:.1} km", m / 1000.0) }
}

/// A departure window as clock offsets after the order: vehicles leave during steps
/// `first..=last`, i.e. from the start of `first` to the end of `last` ("0:00–0:06" for
/// steps 0..=5 of a minute).
pub fn window_label((first, last): (u32, u32), step_s: f64) -> String {
    format!("{}–{}", hm(f64::from(first) * step_s), hm(f64::from(last + 1) * step_s))
}

/// The settlement's name as the heading shows it: Ukrainian and Latin when the scenario has
/// both ("Куп'янськ / Kupiansk"), else the one it has.
fn heading_name(settlement: Option<&Settlement>, fallback: &str) -> String {
    let Some(s) = settlement else { return esc(fallback) };
    let latin = s.name_latin.as_deref().unwrap_or(&s.name);
    match s.name_uk.as_deref() {
        Some(uk) if uk != latin => format!("{} <span class=en>/ {}</span>", esc(uk), esc(latin)),
        _ => esc(latin),
    }
}

/// The route sheets of a plan: one page per settlement of the plan (every settlement
/// that drives out), `settlements` giving the names by id (Ukrainian, Latin).
pub fn route_sheets_html(
    summary: &PlanSummary,
    settlements: &[Settlement],
    authority: &str,
    illustrative: Option<&str>,
    attribution: &str,
) -> String {
    let by_id: HashMap<&str, &Settlement> = settlements.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"uk\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Маршрутні листи колон / Convoy route sheets — {}</title>\n<style>{STYLE}</style></head><body>\n",
        esc(&summary.scenario)
    );
    for s in &summary.settlements {
        sheet(&mut out, summary, s, by_id.get(s.id.as_str()).copied(), authority, illustrative, attribution);
    }
    out.push_str("</body></html>\n");
    out
}

fn sheet(
    out: &mut String,
    summary: &PlanSummary,
    s: &SettlementSchedule,
    settlement: Option<&Settlement>,
    authority: &str,
    illustrative: Option<&str>,
    attribution: &str,
) {
    let _ = writeln!(out, "<section class=\"sheet\" data-settlement=\"{}\">", esc(&s.id));
    let _ = writeln!(
        out,
        "<div class=doc>Маршрутний лист колони <span class=en>/ Convoy route sheet</span> — {}{}</div>",
        esc(&summary.scenario),
        if authority.is_empty() { String::new() } else { format!(" — {}", esc(authority)) }
    );
    let _ = writeln!(out, "<h1>{}</h1>", heading_name(settlement, &s.name));
    let _ = writeln!(
        out,
        "<div class=meta>Транспортних засобів <span class=en>/ Vehicles</span>: <b>{}</b> &nbsp;·&nbsp; Маршрутів <span class=en>/ Routes</span>: <b>{}</b> &nbsp;·&nbsp; Час — год:хв після розпорядження <span class=en>/ times are h:mm after the order</span></div>",
        s.vehicles,
        s.route_waves.len()
    );
    if let Some(note) = illustrative {
        let _ = writeln!(out, "<div class=warn>НАВЧАЛЬНИЙ ПРИКЛАД / ILLUSTRATIVE: {}</div>", esc(note));
    }
    if s.route_waves.is_empty() {
        out.push_str("<p>Маршрут не потрібен: транспорт уже в пункті прийому. <span class=en>/ No route: the vehicles start at the reception centre.</span></p>\n");
    }
    for (i, r) in s.route_waves.iter().enumerate() {
        route(out, i + 1, r, summary.step_s);
    }
    out.push_str(
        "<div class=notes><h3>Нотатки старшого колони <span class=en>/ Convoy leader's notes</span></h3><div></div><div></div><div></div></div>\n",
    );
    let _ = writeln!(
        out,
        "<footer>Маршрути — від виїзду з населеного пункту до пункту прийому; вулиці від домівок до виїзду не наведено. <span class=en>Routes run from where the convoy leaves the settlement to the reception centre; the streets from homes to the way out are not listed. Driving times are at free flow, without queues.</span><br>{} {} Generated by evac.</footer>",
        esc(ROAD_ATTRIBUTION),
        esc(attribution)
    );
    out.push_str("</section>\n");
}

fn route(out: &mut String, number: usize, r: &RouteWaves, step_s: f64) {
    let _ = writeln!(out, "<div class=\"route\" data-route=\"{number}\">");
    let _ = writeln!(out, "<h2>Маршрут {number} <span class=en>/ Route {number}</span> → {}</h2>", esc(&r.destination));
    let _ = writeln!(
        out,
        "<table><tbody><tr><th>Пункт прийому <span class=en>/ Reception centre</span></th><td>{}</td><th>Транспортних засобів <span class=en>/ Vehicles</span></th><td class=n>{}</td></tr>\n<tr><th>Відстань <span class=en>/ Distance</span></th><td>{:.1} km</td><th>Час руху (вільна дорога) <span class=en>/ Free-flow driving time</span></th><td class=n>{}</td></tr></tbody></table>",
        esc(&r.destination),
        r.vehicles,
        r.length_m / 1000.0,
        hm(r.free_flow_s)
    );
    // A long list in two columns (read down the first, then the second): on the Rhine
    // scenario one column took 40 pages for 12 settlements.
    let two = if r.parts.len() > LONG_LIST { " two" } else { "" };
    let _ = writeln!(out, "<h3>Дороги <span class=en>/ Roads</span></h3>\n<ol class=\"roads{two}\">");
    if r.parts.is_empty() {
        out.push_str(
            "<li class=unnamed>вулиці населеного пункту <span class=en>/ the settlement's streets</span></li>\n",
        );
    }
    for part in &r.parts {
        let km = format!("<span class=km>{}</span>", length_label(part.length_m));
        let _ = match part.kind {
            RoadKind::Named => writeln!(out, "<li class=named>{} {km}</li>", esc(&part.label)),
            RoadKind::Crossing => writeln!(
                out,
                "<li class=crossing>{} <span class=tag>міст / переправа <span class=en>crossing</span></span> {km}</li>",
                esc(&part.label)
            ),
            RoadKind::Unnamed => {
                writeln!(out, "<li class=unnamed>дорога без назви <span class=en>/ unnamed road</span> {km}</li>")
            }
            RoadKind::Approximate => writeln!(
                out,
                "<li class=approximate>{} <span class=tag>наближено: дороги немає в даних <span class=en>/ approximate: road not in the data</span></span> {km}</li>",
                if part.label.is_empty() {
                    "під'їзд <span class=en>/ access link</span>".to_string()
                } else {
                    esc(&part.label)
                }
            ),
        };
    }
    out.push_str("</ol>\n");
    out.push_str("<h3>Вікна виїзду <span class=en>/ Departure windows</span></h3>\n<table class=windows><thead><tr><th>#</th><th>Виїзд після розпорядження <span class=en>/ Leave after the order</span></th><th class=n>Транспортних засобів <span class=en>/ Vehicles</span></th></tr></thead><tbody>\n");
    for (k, (&w, &v)) in r.windows.iter().zip(&r.window_vehicles).enumerate() {
        let _ = writeln!(
            out,
            "<tr class=window data-steps=\"{}-{}\"><td>{}</td><td>{}</td><td class=n>{v}</td></tr>",
            w.0,
            w.1,
            k + 1,
            window_label(w, step_s)
        );
    }
    out.push_str("</tbody></table>\n</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::RoadPart;

    fn settlement(name: &str, uk: Option<&str>, latin: Option<&str>) -> Settlement {
        Settlement {
            id: "s1".into(),
            name: name.into(),
            name_uk: uk.map(Into::into),
            name_latin: latin.map(Into::into),
            alt_names: Vec::new(),
            hromada: None,
            katottg: None,
            location: evac_model::LatLon::new(50.0, 37.0),
            population: 100,
            households: None,
            no_car_share: None,
            immobile: None,
            children: None,
            population_source: None,
        }
    }

    #[test]
    fn windows_are_clock_offsets_to_the_end_of_the_last_step() {
        assert_eq!(window_label((0, 49), 60.0), "0:00–0:50");
        assert_eq!(window_label((0, 0), 60.0), "0:00–0:01");
        assert_eq!(window_label((60, 89), 60.0), "1:00–1:30");
        assert_eq!(window_label((2, 3), 30.0), "0:01–0:02");
    }

    #[test]
    fn lengths_in_metres_under_a_kilometre() {
        assert_eq!(length_label(4.0), "0 m");
        assert_eq!(length_label(146.0), "150 m");
        assert_eq!(length_label(994.0), "990 m");
        assert_eq!(length_label(996.0), "1.0 km");
        assert_eq!(length_label(20_840.0), "20.8 km");
    }

    #[test]
    fn headings_show_both_names_and_escape_them() {
        let both = settlement("Kupiansk", Some("Куп'янськ"), Some("Kupiansk"));
        assert_eq!(heading_name(Some(&both), "x"), "Куп'янськ <span class=en>/ Kupiansk</span>");
        let latin_only = settlement("Vaduz", None, None);
        assert_eq!(heading_name(Some(&latin_only), "x"), "Vaduz");
        let bad = settlement("<script>alert(1)</script>", Some("<b>"), None);
        let h = heading_name(Some(&bad), "x");
        assert!(!h.contains("<script>") && !h.contains("<b>"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{h}");
        assert_eq!(heading_name(None, "a & b"), "a &amp; b");
    }

    #[test]
    fn a_route_lists_its_roads_windows_and_vehicles() {
        let r = RouteWaves {
            route: "A → B".into(),
            destination: "Centre \"N\"".into(),
            vehicles: 7,
            windows: vec![(0, 2), (5, 5)],
            window_vehicles: vec![5, 2],
            parts: vec![
                RoadPart { label: "access to X".into(), kind: RoadKind::Approximate, length_m: 800.0 },
                RoadPart { label: String::new(), kind: RoadKind::Unnamed, length_m: 1200.0 },
                RoadPart { label: "River bridge, M-2".into(), kind: RoadKind::Crossing, length_m: 300.0 },
                RoadPart { label: "M-2 <x>".into(), kind: RoadKind::Named, length_m: 10_000.0 },
            ],
            length_m: 12_300.0,
            free_flow_s: 725.0,
        };
        let mut out = String::new();
        route(&mut out, 2, &r, 60.0);
        assert!(out.contains("Маршрут 2 <span class=en>/ Route 2</span>"), "{out}");
        assert_eq!(out.matches("<li ").count(), 4, "{out}");
        assert!(out.contains("approximate: road not in the data"), "{out}");
        assert!(out.contains("unnamed road"), "{out}");
        assert!(out.contains("M-2 &lt;x&gt;") && !out.contains("<x>"), "{out}");
        assert!(out.contains("Centre &quot;N&quot;"), "{out}");
        assert!(out.contains("800 m") && out.contains("10.0 km"), "{out}");
        assert!(out.contains("12.3 km") && out.contains("<td class=n>0:12</td>"), "{out}");
        assert!(out.contains("<td>0:00–0:03</td><td class=n>5</td>"), "{out}");
        assert!(out.contains("<td>0:05–0:06</td><td class=n>2</td>"), "{out}");
    }
}
