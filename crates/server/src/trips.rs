//! The trip calls: the transit plan's trips by pickup point and vehicle, a trip's pickup list
//! (who rides it, by the rule in [`crate::pickup`]), its printable copy, and boarding by a
//! tap or a household's code. Reads of the list are audited like every personal-data read.

use crate::api::{
    ApiError, ApiResult, Caller, Shared, blocking, body, check_client_id, created_or_replayed, etag, if_match,
};
use crate::pickup::{PointRow, TransitTrips, TripPlan, VehicleRow};
use crate::state::{AppState, TripsUnavailable};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use evac_store::{EventKind, Household, HouseholdStatus, NewEvent};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// The plan, or why there is none: 404 without transit.json, 500 when it is damaged.
fn plan(s: &AppState) -> ApiResult<&TransitTrips> {
    match &s.trips {
        Ok(t) => Ok(t),
        Err(TripsUnavailable::Missing(path)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no transit plan: {} does not exist; run `evac transit` (or `evac up`) for this scenario and restart the server",
                path.display()
            ),
        )),
        Err(TripsUnavailable::Damaged(e)) => {
            Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the transit plan cannot be used: {e}")))
        }
    }
}

fn trip<'a>(s: &'a AppState, id: &str) -> ApiResult<&'a TripPlan> {
    plan(s)?.trip(id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no trip \"{id}\" in the transit plan: trips are named <vehicle>.<number>, see GET /api/trips"),
        )
    })
}

#[derive(Deserialize)]
pub struct TripQuery {
    pub settlement: Option<String>,
    pub vehicle: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TripList<'a> {
    pub pickup_points: Vec<PointRow>,
    pub vehicles: &'a [VehicleRow],
    /// The trips of `?settlement=` (in departure order from it) or `?vehicle=`; none without.
    pub trips: Vec<&'a TripPlan>,
}

pub async fn list(State(s): State<Shared>, Query(q): Query<TripQuery>) -> ApiResult<Response> {
    let t = plan(&s)?;
    let trips = match (&q.settlement, &q.vehicle) {
        (Some(id), _) if !s.settlement_index.contains_key(id) => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no settlement {id} in this scenario")));
        }
        (Some(id), _) => t.at_settlement(id),
        (None, Some(v)) if !t.vehicles.iter().any(|r| &r.id == v) => {
            return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no vehicle \"{v}\" in the transit plan")));
        }
        (None, Some(v)) => t.of_vehicle(v),
        (None, None) => vec![],
    };
    Ok(Json(TripList { pickup_points: t.points(), vehicles: &t.vehicles, trips }).into_response())
}

/// A household on a pickup list: its code (what is typed or scanned to board it) and its
/// record.
#[derive(Debug, Serialize)]
pub struct PickupHousehold {
    pub code: String,
    #[serde(flatten)]
    pub household: Household,
}

#[derive(Debug, Serialize)]
pub struct PickupStop {
    pub settlement: String,
    pub name: String,
    pub name_uk: Option<String>,
    pub point: Option<String>,
    pub at_s: f64,
    /// People the plan puts on this trip here.
    pub seats: u32,
    /// People of the households listed.
    pub seated_people: u64,
    pub households: Vec<PickupHousehold>,
    /// Households of the settlement that need transport and fit on none of its trips.
    pub unseated: usize,
}

#[derive(Debug, Serialize)]
pub struct TripDropoff {
    pub id: String,
    pub name: Option<String>,
    /// A reception centre (else a train).
    pub centre: bool,
    pub capacity: Option<u32>,
    /// People arrived at this centre, all trips and own means together (the database's
    /// count, as `GET /api/centres` gives it).
    pub arrived_people: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct PickupList {
    pub trip: TripPlan,
    pub stops: Vec<PickupStop>,
    pub dropoff: TripDropoff,
    /// People of this list boarded on this trip (boarded, departed or arrived since).
    pub boarded_people: u64,
    /// People of this list arrived at a centre.
    pub arrived_people: u64,
}

/// The list of trip `t` from the households of its settlements (registration order).
fn pickup_list(s: &AppState, t: &TripPlan, rows: Vec<Household>, occupancy: &HashMap<String, u64>) -> PickupList {
    let trips = plan(s).expect("the trip was found in the plan");
    let mut by_settlement: HashMap<&str, Vec<&Household>> = HashMap::new();
    for h in &rows {
        by_settlement.entry(h.settlement_id.as_str()).or_default().push(h);
    }
    let by_id: HashMap<i64, &Household> = rows.iter().map(|h| (h.id, h)).collect();
    let mut stops = Vec::new();
    let (mut boarded_people, mut arrived_people) = (0, 0);
    for stop in &t.stops {
        if stops.iter().any(|p: &PickupStop| p.settlement == stop.settlement) {
            continue; // a second stop at the same point: its people are listed at the first
        }
        let here = by_settlement.get(stop.settlement.as_str()).cloned().unwrap_or_default();
        let seating = trips.seating(&stop.settlement, &here);
        let order = trips.at_settlement(&stop.settlement);
        let mut ids: Vec<i64> = order
            .iter()
            .zip(&seating.seated)
            .filter(|(trip, _)| trip.id == t.id)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        ids.sort_unstable();
        let households: Vec<PickupHousehold> =
            ids.iter().map(|id| PickupHousehold { code: id.to_string(), household: by_id[id].clone() }).collect();
        for h in &households {
            let h = &h.household;
            if h.trip.as_deref() == Some(t.id.as_str()) {
                boarded_people += u64::from(h.people);
                if h.status == HouseholdStatus::Arrived {
                    arrived_people += u64::from(h.people);
                }
            }
        }
        let seats = t.stops.iter().filter(|x| x.settlement == stop.settlement).map(|x| x.people).sum();
        let name_uk = s.settlement_index.get(&stop.settlement).and_then(|&i| s.settlements[i].name_uk.clone());
        stops.push(PickupStop {
            settlement: stop.settlement.clone(),
            name: stop.name.clone(),
            name_uk,
            point: stop.point.clone(),
            at_s: stop.at_s,
            seats,
            seated_people: households.iter().map(|h| u64::from(h.household.people)).sum(),
            households,
            unseated: seating.unseated.len(),
        });
    }
    let centre = s.centres.iter().find(|c| c.id == t.dropoff);
    PickupList {
        trip: t.clone(),
        stops,
        dropoff: TripDropoff {
            id: t.dropoff.clone(),
            name: centre.map(|c| c.name.clone()).or_else(|| t.dropoff_name.clone()),
            centre: centre.is_some(),
            capacity: centre.map(|c| c.capacity),
            arrived_people: centre.map(|c| occupancy.get(&c.id).copied().unwrap_or(0)),
        },
        boarded_people,
        arrived_people,
    }
}

/// Read a trip's list (audited as `action`), with the centres' arrivals.
async fn read_list(s: &Shared, c: Caller, id: String, action: &'static str) -> ApiResult<PickupList> {
    let t = trip(s, &id)?.clone();
    let store = s.store.clone();
    let state = s.clone();
    blocking(move || {
        let occupancy = store.occupancy()?;
        let settlements: Vec<&str> = t.stops.iter().map(|x| x.settlement.as_str()).collect();
        store.view_trip_households(&c.actor(), action, &t.id, &settlements, |rows| {
            let list = pickup_list(&state, &t, rows, &occupancy);
            let n = list.stops.iter().map(|p| p.households.len()).sum();
            (list, n)
        })
    })
    .await
}

pub async fn pickup(State(s): State<Shared>, c: Caller, Path(id): Path<String>) -> ApiResult<Json<PickupList>> {
    Ok(Json(read_list(&s, c, id, "view pickup list").await?))
}

/// Seconds after the order as h:mm.
fn hm(s: f64) -> String {
    let m = (s / 60.0).round() as i64;
    format!("{}:{:02}", m / 60, m % 60)
}

/// A status on the printed list, in Ukrainian and English.
fn status_label(s: HouseholdStatus) -> &'static str {
    use HouseholdStatus as S;
    match s {
        S::Registered => "зареєстровано / registered",
        S::CheckedIn => "на пункті збору / at the pickup point",
        S::Boarded => "в транспорті / on board",
        S::Departed => "виїхали / departed",
        S::Arrived => "прибули / arrived",
        S::Refused => "відмова / refused",
        S::Unreachable => "немає зв'язку / unreachable",
        S::Returned => "повернулись / returned",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The printable pickup list: A4, one table per pickup point with a box to tick, then a
/// boarding slip per household with its code.
pub fn print_html(title: &str, illustrative: Option<&str>, list: &PickupList) -> String {
    let t = &list.trip;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"uk\"><head><meta charset=\"utf-8\"><title>Список посадки / Pickup list {id}</title>\n<style>\n\
@page {{ size: A4; margin: 12mm; }}\nbody {{ font-family: \"DejaVu Sans\", Arial, sans-serif; font-size: 11pt; max-width: 190mm; margin: auto; }}\n\
h1 {{ font-size: 15pt; margin: 0 0 4px; }} h2 {{ font-size: 12pt; margin: 12px 0 2px; }} .en {{ color: #444; font-weight: normal; }}\n\
table {{ border-collapse: collapse; width: 100%; margin-top: 4px; }} th, td {{ border: 1px solid #999; padding: 3px 6px; text-align: left; }}\n\
th {{ background: #eee; font-size: 9pt; }} .code {{ font-family: \"DejaVu Sans Mono\", monospace; font-size: 14pt; font-weight: bold; }}\n\
.tick {{ width: 18mm; }} .warn {{ border: 2px solid #b00020; color: #b00020; padding: 4px 8px; font-weight: bold; }}\n\
.slips {{ display: flex; flex-wrap: wrap; gap: 4mm; break-before: page; }} .slip {{ border: 1px dashed #000; width: 58mm; padding: 3mm; break-inside: avoid; }}\n\
.slip .code {{ font-size: 22pt; }} footer {{ font-size: 8pt; margin-top: 10px; }}\n\
@media print {{ .noprint {{ display: none; }} }}\n</style></head><body>\n",
        id = esc(&t.id)
    );
    let _ = writeln!(
        out,
        "<h1>Список посадки <span class=en>/ Pickup list</span>: {} — {} ({}, {} місць / seats)</h1>\n<div>{}</div>",
        esc(&t.id),
        esc(&t.vehicle),
        esc(&t.kind),
        t.seats,
        esc(title)
    );
    if let Some(note) = illustrative {
        let _ = writeln!(out, "<div class=warn>НАВЧАЛЬНИЙ ПРИКЛАД / ILLUSTRATIVE: {}</div>", esc(note));
    }
    let dropoff = list.dropoff.name.clone().unwrap_or_else(|| list.dropoff.id.clone());
    let _ = writeln!(
        out,
        "<div>Доставити <span class=en>/ drop off</span>: {} · прибуття <span class=en>/ arrive</span> {}</div>",
        esc(&dropoff),
        hm(t.arrive_s)
    );
    for stop in &list.stops {
        let name = stop.name_uk.as_deref().map_or(stop.name.clone(), |uk| format!("{uk} / {}", stop.name));
        let _ = writeln!(
            out,
            "<h2>{} — {} · відправлення <span class=en>/ departs</span> {} · {} місць <span class=en>/ seats</span>, {} людей у списку <span class=en>/ people listed</span></h2>",
            esc(&name),
            esc(stop.point.as_deref().unwrap_or("")),
            hm(stop.at_s),
            stop.seats,
            stop.seated_people
        );
        out.push_str("<table><thead><tr><th>Код <span class=en>/ Code</span></th><th>Голова домогосподарства <span class=en>/ Head of household</span></th><th>Людей <span class=en>/ People</span></th><th>Телефон <span class=en>/ Phone</span></th><th>Статус <span class=en>/ Status</span></th><th class=tick>Сів <span class=en>/ On board</span></th></tr></thead><tbody>\n");
        for h in &stop.households {
            let hh = &h.household;
            let people = if hh.counts.cannot_walk > 0 {
                format!("{} ({} ♿)", hh.people, hh.counts.cannot_walk)
            } else {
                hh.people.to_string()
            };
            let _ = writeln!(
                out,
                "<tr><td class=code>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=tick>{}</td></tr>",
                esc(&h.code),
                esc(&hh.head_name),
                people,
                esc(hh.phone.as_deref().unwrap_or("")),
                status_label(hh.status),
                if hh.trip.as_deref() == Some(t.id.as_str()) { "✔" } else { "☐" }
            );
        }
        if stop.households.is_empty() {
            out.push_str("<tr><td colspan=6>Нікого не зареєстровано / nobody registered for this trip yet</td></tr>\n");
        }
        out.push_str("</tbody></table>\n");
        if stop.unseated > 0 {
            let _ = writeln!(
                out,
                "<p class=warn>Без місця в плані / without a seat in the plan: {} домогосподарств / households</p>",
                stop.unseated
            );
        }
    }
    out.push_str("<p style=\"font-size:9pt\">Час — від моменту розпорядження (год:хв) / Times are hours:minutes after the order. Посадка: торкніться «сів» або введіть код у застосунку / Boarding: tap \"boarded\" or type the code in the app.</p>\n");
    out.push_str("<div class=slips>\n");
    for stop in &list.stops {
        for h in &stop.households {
            let _ = writeln!(
                out,
                "<div class=slip><div>Посадковий талон <span class=en>/ Boarding slip</span></div><div class=code>{}</div><div>{}</div><div>{} · {} · {}</div></div>",
                esc(&h.code),
                esc(&h.household.head_name),
                esc(&t.id),
                esc(&stop.name),
                hm(stop.at_s)
            );
        }
    }
    out.push_str("</div>\n");
    let _ = writeln!(
        out,
        "<footer>{} Road network © OpenStreetMap contributors (ODbL 1.0). Generated by evac.</footer></body></html>",
        esc(evac_report::DATA_ATTRIBUTION)
    );
    out
}

pub async fn print(State(s): State<Shared>, c: Caller, Path(id): Path<String>) -> ApiResult<Html<String>> {
    let list = read_list(&s, c, id, "print pickup list").await?;
    Ok(Html(print_html(&s.scenario_name, s.illustrative.as_deref(), &list)))
}

#[derive(Deserialize)]
pub struct BoardRequest {
    /// The household's code as printed (its id; a leading `#` or `H` is ignored).
    pub code: String,
    #[serde(default)]
    pub client_id: Option<String>,
}

/// A household's id from its code as typed or scanned.
pub fn parse_code(code: &str) -> Option<i64> {
    let c = code.trim();
    let c = c.strip_prefix('#').unwrap_or(c);
    let c = c.strip_prefix(['H', 'h', 'Н', 'н']).unwrap_or(c).trim();
    if c.is_empty() || c.len() > 15 || !c.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    c.parse().ok().filter(|id| *id > 0)
}

/// Board a household on this trip: status boarded with the trip's vehicle and trip.
pub async fn board(
    State(s): State<Shared>,
    c: Caller,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    r: Result<Json<BoardRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let t = trip(&s, &id)?.clone();
    let req = body(r)?;
    let mut fields = BTreeMap::new();
    let household = parse_code(&req.code);
    if household.is_none() {
        fields.insert("code".into(), format!("\"{}\" is not a household code (the number on the list)", req.code));
    }
    check_client_id(&req.client_id, &mut fields);
    let Some(household) = household.filter(|_| fields.is_empty()) else {
        return Err(ApiError::invalid(fields));
    };
    let version = if_match(&headers)?;
    let store = s.store.clone();
    let recorded = blocking(move || {
        let h = store.view_household(&c.actor(), household)?;
        if !t.stops.iter().any(|x| x.settlement == h.settlement_id) {
            let names: Vec<&str> = t.stops.iter().map(|x| x.name.as_str()).collect();
            return Err(evac_store::StoreError::Conflict(format!(
                "household {household} is registered in settlement {}, where trip {} does not stop (it stops at {})",
                h.settlement_id,
                t.id,
                names.join(", ")
            )));
        }
        let ev = NewEvent {
            kind: EventKind::Boarded,
            centre_id: None,
            vehicle: Some(t.vehicle.clone()),
            trip: Some(t.id.clone()),
            reason: None,
            client_id: req.client_id,
        };
        store.event(&c.actor(), household, ev, version)
    })
    .await?;
    Ok((created_or_replayed(recorded.replayed), [(header::ETAG, etag(recorded.version))], Json(recorded))
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_as_typed_or_scanned() {
        assert_eq!(parse_code("123"), Some(123));
        assert_eq!(parse_code(" #42\n"), Some(42));
        assert_eq!(parse_code("H7"), Some(7));
        assert_eq!(parse_code("Н7"), Some(7), "a Cyrillic Н typed on a Ukrainian keyboard");
        for bad in ["", "0", "12a", "-3", "1 2", "9999999999999999"] {
            assert_eq!(parse_code(bad), None, "{bad:?}");
        }
    }
}
