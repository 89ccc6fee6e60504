//! Transit outputs: transit.json (checkable: seats, people, times), printable driver
//! sheets, pickup times per settlement (what a village head tells residents), the train
//! boarding plan, and a summary.

use crate::map::esc;
use evac_transit::{Dropoff, Transit, TransitPlan, TransitProblem, TransitSummary};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Seconds after the order as h:mm.
pub fn hm(s: f64) -> String {
    let m = (s / 60.0).round() as i64;
    format!("{}:{:02}", m / 60, m % 60)
}

fn dropoff_name(p: &TransitProblem, d: &Dropoff) -> String {
    match d {
        Dropoff::Centre(c) => p.centres[*c].name.clone(),
        Dropoff::Train { train, .. } => format!("{} (train {})", p.trains[*train].station_name, p.trains[*train].id),
    }
}

fn dropoff_id(p: &TransitProblem, d: &Dropoff) -> String {
    match d {
        Dropoff::Centre(c) => p.centres[*c].id.clone(),
        Dropoff::Train { train, .. } => format!("train:{}", p.trains[*train].id),
    }
}

/// Every file of a transit plan by name: transit.json, pickups.csv, trains.csv and the
/// printable driver_sheets.html.
pub fn transit_files(title: &str, illustrative: Option<&str>, t: &Transit) -> Vec<(&'static str, Vec<u8>)> {
    let (p, plan) = (&t.problem, &t.plan);
    vec![
        ("transit.json", transit_json(p, plan, &t.summary).into_bytes()),
        ("pickups.csv", pickups_csv(p, plan).into_bytes()),
        ("trains.csv", trains_csv(p, plan).into_bytes()),
        ("driver_sheets.html", driver_sheets_html(title, p, plan, illustrative).into_bytes()),
    ]
}

/// transit.json.
pub fn transit_json(p: &TransitProblem, plan: &TransitPlan, summary: &TransitSummary) -> String {
    let vehicles: Vec<serde_json::Value> = p
        .vehicles
        .iter()
        .zip(&plan.trips)
        .map(|(v, trips)| {
            json!({
                "id": v.id, "kind": v.kind.as_str(), "seats": v.seats,
                "depot": p.site_names[v.depot_site],
                "trips": trips.iter().map(|t| json!({
                    "leave_s": t.leave_s.round(),
                    "pickup": t.stops.iter().map(|s| json!({
                        "settlement": p.pickups[s.pickup].id, "name": p.pickups[s.pickup].name,
                        "point": p.site_names[p.pickups[s.pickup].site],
                        "people": s.mobile + s.immobile, "immobile": s.immobile, "at_s": s.at_s.round()})).collect::<Vec<_>>(),
                    "dropoff": dropoff_id(p, &t.dropoff),
                    "dropoff_name": dropoff_name(p, &t.dropoff),
                    "arrive_s": t.arrive_s.round(),
                    "safe_s": t.safe_s.round(),
                    "train_departure_s": match t.dropoff { Dropoff::Train { depart_s, .. } => Some(depart_s.round()), _ => None },
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut v = serde_json::to_value(summary).expect("summary serialises");
    let obj = v.as_object_mut().expect("summary is an object");
    obj.insert("vehicles".into(), json!(vehicles));
    let mut s = serde_json::to_string_pretty(&v).expect("json");
    s.push('\n');
    s
}

/// Per settlement: when vehicles leave its pickup point and with how many people.
pub fn pickups_csv(p: &TransitProblem, plan: &TransitPlan) -> String {
    let mut rows: Vec<(usize, f64, String, String, u32, u32, String)> = Vec::new();
    for (v, trips) in p.vehicles.iter().zip(&plan.trips) {
        for t in trips {
            for s in &t.stops {
                rows.push((
                    s.pickup,
                    s.at_s,
                    v.id.clone(),
                    v.kind.as_str().to_string(),
                    s.mobile,
                    s.immobile,
                    dropoff_name(p, &t.dropoff),
                ));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut w = csv::Writer::from_writer(Vec::new());
    crate::write_csv_row(
        &mut w,
        [
            "settlement_id",
            "settlement",
            "pickup_point",
            "leaves_after_order",
            "leaves_s",
            "vehicle",
            "kind",
            "people",
            "immobile",
            "to",
        ],
    )
    .expect("memory");
    for (i, at, vehicle, kind, mobile, immobile, to) in rows {
        let pk = &p.pickups[i];
        crate::write_csv_row(
            &mut w,
            [
                pk.id.clone(),
                pk.name.clone(),
                p.site_names[pk.site].clone(),
                hm(at),
                format!("{at:.0}"),
                vehicle,
                kind,
                (mobile + immobile).to_string(),
                immobile.to_string(),
                to,
            ],
        )
        .expect("memory");
    }
    String::from_utf8(w.into_inner().expect("memory")).expect("utf-8")
}

/// The train boarding plan: each departure with the pickups whose people board it.
pub fn trains_csv(p: &TransitProblem, plan: &TransitPlan) -> String {
    let mut runs: BTreeMap<(usize, i64), (u32, BTreeMap<String, u32>)> = BTreeMap::new();
    for trips in &plan.trips {
        for t in trips {
            if let Dropoff::Train { train, depart_s } = t.dropoff {
                let run = runs.entry((train, depart_s.round() as i64)).or_default();
                run.0 += t.people();
                for s in &t.stops {
                    *run.1.entry(p.pickups[s.pickup].name.clone()).or_default() += s.mobile;
                }
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    crate::write_csv_row(
        &mut w,
        [
            "train",
            "station",
            "departs_after_order",
            "arrives_after_order",
            "destination",
            "passengers",
            "capacity",
            "from",
        ],
    )
    .expect("memory");
    for ((k, depart), (people, from)) in runs {
        let tr = &p.trains[k];
        crate::write_csv_row(
            &mut w,
            [
                tr.id.clone(),
                tr.station_name.clone(),
                hm(depart as f64),
                hm(depart as f64 + tr.travel_s),
                p.centres[tr.destination].name.clone(),
                people.to_string(),
                tr.capacity.to_string(),
                from.iter().map(|(n, c)| format!("{n} {c}")).collect::<Vec<_>>().join("; "),
            ],
        )
        .expect("memory");
    }
    String::from_utf8(w.into_inner().expect("memory")).expect("utf-8")
}

/// Printable driver sheets: one page per vehicle with its itinerary.
pub fn driver_sheets_html(title: &str, p: &TransitProblem, plan: &TransitPlan, illustrative: Option<&str>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"uk\"><head><meta charset=\"utf-8\"><title>Маршрутні листи / Driver sheets — {}</title>\n<style>\n@page {{ size: A4; margin: 14mm; }}\nbody {{ font-family: \"DejaVu Sans\", Arial, sans-serif; font-size: 11pt; max-width: 190mm; margin: auto; }}\n.sheet {{ break-after: page; padding-top: 4px; }}\nh1 {{ font-size: 15pt; margin: 0 0 4px; }} .en {{ color: #444; font-weight: normal; }}\ntable {{ border-collapse: collapse; width: 100%; margin-top: 6px; }}\nth, td {{ border: 1px solid #999; padding: 3px 6px; text-align: left; }} th {{ background: #eee; font-size: 9pt; }}\n.warn {{ border: 2px solid #b00020; color: #b00020; padding: 4px 8px; font-weight: bold; }}\n.sign {{ margin-top: 18px; border-top: 1px solid #000; width: 60%; font-size: 9pt; }}\n</style></head><body>\n",
        esc(title)
    );
    for (v, trips) in p.vehicles.iter().zip(&plan.trips) {
        if trips.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<div class=\"sheet\"><h1>Маршрутний лист <span class=en>/ Driver sheet</span>: {} ({}, {} місць / seats)</h1>\n<div>Депо <span class=en>/ depot</span>: {} &nbsp; {}</div>\n",
            esc(&v.id),
            esc(v.kind.as_str()),
            v.seats,
            esc(&p.site_names[v.depot_site]),
            esc(title)
        );
        if let Some(note) = illustrative {
            let _ = writeln!(out, "<div class=warn>НАВЧАЛЬНИЙ ПРИКЛАД / ILLUSTRATIVE: {}</div>", esc(note));
        }
        out.push_str("<table><thead><tr><th>#</th><th>Виїзд <span class=en>/ Leave</span></th><th>Забрати <span class=en>/ Pick up</span></th><th>Людей <span class=en>/ People</span></th><th>Відправлення <span class=en>/ Depart</span></th><th>Доставити <span class=en>/ Drop off</span></th><th>Прибуття <span class=en>/ Arrive</span></th></tr></thead><tbody>\n");
        for (n, t) in trips.iter().enumerate() {
            let stops: Vec<String> = t
                .stops
                .iter()
                .map(|s| {
                    let pk = &p.pickups[s.pickup];
                    format!("{} — {}", esc(&pk.name), esc(&p.site_names[pk.site]))
                })
                .collect();
            let people: Vec<String> = t
                .stops
                .iter()
                .map(|s| {
                    if s.immobile > 0 {
                        format!("{} ({} ♿)", s.mobile + s.immobile, s.immobile)
                    } else {
                        s.mobile.to_string()
                    }
                })
                .collect();
            let departs: Vec<String> = t.stops.iter().map(|s| hm(s.at_s)).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                n + 1,
                hm(t.leave_s),
                stops.join("<br>"),
                people.join("<br>"),
                departs.join("<br>"),
                esc(&dropoff_name(p, &t.dropoff)),
                hm(t.arrive_s)
            );
        }
        out.push_str("</tbody></table>\n<p style=\"font-size:9pt\">Час — від моменту розпорядження (год:хв) / Times are hours:minutes after the order. Route by the roads given by the dispatcher; report delays by radio.</p>\n<div class=sign>Водій / Driver: ______________________</div></div>\n");
    }
    out.push_str("<footer style=\"font-size:8pt\">Road network © OpenStreetMap contributors (ODbL 1.0). Generated by evac.</footer></body></html>\n");
    out
}

/// The transit plan in a few lines.
pub fn transit_text(t: &Transit) -> String {
    let (p, plan, lower_bound_s, sm) = (&t.problem, &t.plan, t.lower_bound_s, &t.summary);
    let mut out = String::new();
    let completion = plan.completion_s();
    let people: u64 = p.pickups.iter().map(|pk| u64::from(pk.mobile + pk.immobile)).sum();
    let immobile: u64 = p.pickups.iter().map(|pk| u64::from(pk.immobile)).sum();
    let gap = if lower_bound_s > 0.0 { (completion - lower_bound_s) / lower_bound_s * 100.0 } else { 0.0 };
    let _ = writeln!(
        out,
        "Transit plan: {people} people without cars ({immobile} who cannot walk), {} vehicles, {} trips",
        p.vehicles.len(),
        plan.trip_count()
    );
    let _ = writeln!(out, "  last person safe      {}", hm(completion));
    let _ = writeln!(
        out,
        "  lower bound           {}  (gap {gap:.1}%; fleet work of people who cannot walk {}, who can {})",
        hm(lower_bound_s),
        hm(sm.lower_bound_immobile_s),
        hm(sm.lower_bound_mobile_s)
    );
    let _ = writeln!(
        out,
        "  vehicles used         {} of {}, {:.1} vehicle-hours",
        sm.vehicles_used,
        p.vehicles.len(),
        sm.vehicle_hours
    );
    let _ = writeln!(
        out,
        "  waiting in the zone   {:.0} person-hours (at pickup points, until the vehicle leaves)",
        sm.exposure_person_min / 60.0
    );
    match &sm.congestion {
        Some(c) => {
            let _ = writeln!(
                out,
                "  car traffic           cars clear by {}; the buses wait {:.0} vehicle-minutes in it; the last person is safe {:.0} min later than with the same trips on empty roads ({})",
                hm(c.car_clearance_s),
                c.vehicle_delay_s / 60.0,
                c.delay_s / 60.0,
                hm(c.completion_free_flow_s)
            );
        }
        None => {
            let _ = writeln!(out, "  travel times          free flow (car traffic not taken into account)");
        }
    }
    let by_train: u32 =
        plan.trips.iter().flatten().filter(|t| matches!(t.dropoff, Dropoff::Train { .. })).map(|t| t.people()).sum();
    if !p.trains.is_empty() {
        let _ = writeln!(out, "  by train              {by_train} people");
    }
    for (i, m, im) in &plan.unserved {
        let _ = writeln!(
            out,
            "  NOT SERVED: {} — {m} people, {im} who cannot walk (no suitable vehicle or centre can reach them)",
            p.pickups[*i].name
        );
    }
    if !sm.cut_off_by_line.is_empty() {
        let names: Vec<&str> = sm.cut_off_by_line.iter().map(|c| c.name.as_str()).collect();
        let people = sm.cut_off_by_line.iter().map(|c| u64::from(c.people)).sum();
        let _ = writeln!(out, "  {}", crate::cut_off_line("to them", "pickup points", &names, people, "people"));
    }
    let _ = writeln!(out, "\npickup points (first and last departure):");
    for (i, pk) in p.pickups.iter().enumerate() {
        let times: Vec<f64> = plan
            .trips
            .iter()
            .flatten()
            .flat_map(|t| t.stops.iter().filter(|s| s.pickup == i).map(|s| s.at_s))
            .collect();
        if times.is_empty() {
            continue;
        }
        let (first, last) =
            (times.iter().copied().fold(f64::INFINITY, f64::min), times.iter().copied().fold(0.0, f64::max));
        let _ = writeln!(
            out,
            "  {:<24} {:>5} people  {} - {}  ({} vehicle stops)",
            pk.name,
            pk.mobile + pk.immobile,
            hm(first),
            hm(last),
            times.len()
        );
    }
    out
}

/// The transit problem as JSON, so that any solver can run on exactly evac's instance
/// (`evac transit --export-instance`; `bench/transit_ortools.py` reads it). The timing
/// rules are spelled out beside the numbers they apply to; `times_s[a][b]` is the driving
/// time from site `a` to site `b` in seconds, to the millisecond so that a re-timing
/// reproduces evac's (`null` where no road leads).
pub fn instance_json(p: &TransitProblem) -> String {
    let matrix = |m: &[Vec<f64>]| -> Vec<Vec<serde_json::Value>> {
        m.iter()
            .map(|row| {
                row.iter()
                    .map(|&t| if t.is_finite() { json!((t * 1000.0).round() / 1000.0) } else { json!(null) })
                    .collect()
            })
            .collect()
    };
    use evac_model::VehicleKind as K;
    let kinds = |f: fn(K) -> bool| -> Vec<&'static str> {
        [K::Bus, K::Minibus, K::Ambulance, K::Accessible].into_iter().filter(|k| f(*k)).map(K::as_str).collect()
    };
    let v = json!({
        "format": "evac-transit-instance/1",
        "rules": {
            "stop_s": p.stop_s,
            "board_s_per_person": {"mobile": p.per_person_s, "immobile": 3.0 * p.per_person_s},
            "alight_s_per_person": p.per_person_s,
            "multi_stop": p.multi_stop,
            "max_detour_s": p.max_detour_s,
            "transfer_s": p.transfer_s,
            "immobile_kinds": kinds(K::carries_immobile),
            "mobile_kinds": kinds(K::carries_mobile),
            "timing": "a vehicle leaves its depot at 0; at each pickup it spends stop_s + boarding; it leaves a centre or station stop_s + alighting after arriving; people are safe on arrival at a centre, or when their train arrives (a departure at least transfer_s after the vehicle reached the station)",
            "detour": "a trip with several pickups drives from its first pickup to its drop-off at most max_detour_s longer than straight from its first pickup to the nearest centre",
        },
        "sites": p.site_names,
        "pickups": p.pickups.iter().map(|pk| json!({
            "id": pk.id, "name": pk.name, "site": pk.site, "mobile": pk.mobile, "immobile": pk.immobile,
            "in_zone": pk.in_zone, "closeness": pk.closeness,
        })).collect::<Vec<_>>(),
        "vehicles": p.vehicles.iter().map(|v| json!({
            "id": v.id, "kind": v.kind.as_str(), "seats": v.seats, "depot_site": v.depot_site,
            "carries_mobile": v.kind.carries_mobile(), "carries_immobile": v.kind.carries_immobile(),
        })).collect::<Vec<_>>(),
        "centres": p.centres.iter().map(|c| json!({"id": c.id, "name": c.name, "site": c.site, "beds": c.capacity})).collect::<Vec<_>>(),
        "trains": p.trains.iter().map(|t| json!({
            "id": t.id, "station_site": t.station_site, "capacity": t.capacity, "first_departure_s": t.first_departure_s,
            "period_s": t.period_s, "travel_s": t.travel_s, "destination_centre": t.destination,
        })).collect::<Vec<_>>(),
        "times_s": matrix(&p.times.seconds),
        // In traffic: the times for departures at k * slot_s; after the last, `times_s`.
        "traffic": if p.times.in_traffic() {
            json!({"slot_s": p.times.slot_s, "times_by_departure_s": p.times.by_departure.iter().map(|m| matrix(m)).collect::<Vec<_>>()})
        } else {
            serde_json::Value::Null
        },
    });
    let mut s = serde_json::to_string(&v).expect("json");
    s.push('\n');
    s
}
