//! Pickup lists end to end on the Kupiansk scenario: `evac transit` writes the plan, the
//! real `evac serve` reads its trips over a temporary SQLite file (and a PostgreSQL
//! database when `EVAC_TEST_POSTGRES` names one), households are
//! registered in a settlement the plan serves, the trip's pickup list is fetched, households
//! board by a tap and by their code, some arrive at a centre, and the list, the statuses and
//! the centre's arrival count are checked against the database.

mod common;
use common::*;
use serde_json::{Value, json};

fn read_json(p: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// A trip's stop at a settlement: (departure, vehicle index, trip id, people, of whom
/// cannot walk).
type Stop = (f64, usize, String, u64, u64);

/// The trips stopping at each settlement, in departure order from it (then vehicle order,
/// then trip number), with the seats of their stop there.
fn stops_by_settlement(transit: &Value) -> std::collections::HashMap<String, Vec<Stop>> {
    let mut out: std::collections::HashMap<String, Vec<Stop>> = Default::default();
    for (vi, v) in transit["vehicles"].as_array().unwrap().iter().enumerate() {
        for (n, t) in v["trips"].as_array().unwrap().iter().enumerate() {
            for s in t["pickup"].as_array().unwrap() {
                out.entry(s["settlement"].as_str().unwrap().to_string()).or_default().push((
                    s["at_s"].as_f64().unwrap(),
                    vi,
                    format!("{}.{}", v["id"].as_str().unwrap(), n + 1),
                    s["people"].as_u64().unwrap(),
                    s["immobile"].as_u64().unwrap(),
                ));
            }
        }
    }
    for stops in out.values_mut() {
        stops.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    }
    out
}

fn post_with(a: &ureq::Agent, url: &str, token: &str, if_match: Option<&str>, body: &Value) -> (u16, Value) {
    let mut r = a.post(url).header("Authorization", &format!("Bearer {token}"));
    if let Some(tag) = if_match {
        r = r.header("If-Match", tag);
    }
    let resp = r.send_json(body).unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap_or(Value::Null))
}

#[test]
fn kupiansk_pickup_list_boarding_and_arrivals_agree_with_the_database_sqlite() {
    pickup_list_boarding_and_arrivals(&TestDb::sqlite());
}

/// The same on PostgreSQL (`EVAC_TEST_POSTGRES`; skipped with a message without it).
#[test]
fn kupiansk_pickup_list_boarding_and_arrivals_agree_with_the_database_postgres() {
    if let Some(db) = TestDb::postgres() {
        pickup_list_boarding_and_arrivals(&db);
    }
}

fn pickup_list_boarding_and_arrivals(db: &TestDb) {
    // The transit stage only (free flow: the pickup lists need the trips, not the car plan).
    let dir = kupiansk_copy();
    let out = dir.path().join("out");
    quick_transit(dir.path(), &out);
    let transit = read_json(&out.join("transit.json"));
    let stops = stops_by_settlement(&transit);
    // A settlement whose first trip has 8-50 seats there, none for people who cannot walk,
    // and a later trip with seats for a household too big for what the first one has left.
    let (settlement, trips) = {
        let mut candidates: Vec<_> = stops
            .iter()
            .filter(|(_, s)| {
                s.len() >= 2
                    && (8..=50).contains(&s[0].3)
                    && s[0].4 == 0
                    && s[1..].iter().any(|x| x.3 - x.4 + 4 >= s[0].3)
            })
            .collect();
        candidates.sort_by(|a, b| a.0.cmp(b.0));
        let (id, s) = candidates.first().expect("a settlement served by several trips");
        (id.to_string(), s.to_vec())
    };
    let (first, seats) = (trips[0].2.clone(), trips[0].3);

    add_user(db.arg(), "coord", "coordinator", "coordinator-pass");
    add_user(db.arg(), "reg", "registrar", "registrar-pass");
    let s = Server::start_with(
        dir.path().to_str().unwrap(),
        db.arg(),
        &["--rate-limit", "0", "--out", out.to_str().unwrap()],
    );
    let a = agent();
    let reg = login(&a, &s.base, "reg", "registrar-pass");
    let url = |p: &str| format!("{}{p}", s.base);

    // The trips at the pickup point are the plan's, in departure order.
    let (st, list) = call(&a, "get", &url(&format!("/api/trips?settlement={settlement}")), Some(&reg), None);
    assert_eq!(st, 200, "{list}");
    let ids: Vec<&str> = list["trips"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, trips.iter().map(|t| t.2.as_str()).collect::<Vec<_>>());
    assert!(list["pickup_points"].as_array().unwrap().iter().any(|p| p["settlement"] == settlement.as_str()));

    // Households: who needs a seat (no car), one with a car, one who refuses, one too big
    // for what the first trip has left, one small enough to fit after it.
    let register = |name: &str, people: u64, needs: &[&str]| -> i64 {
        let (st, r) = call(
            &a,
            "post",
            &url("/api/households"),
            Some(&reg),
            Some(&json!({"settlement_id": settlement, "head_name": name, "people": people, "needs": needs,
                "cannot_walk": u64::from(name == "Кравченко Степан")})),
        );
        assert_eq!(st, 201, "{r}");
        r["id"].as_i64().unwrap()
    };
    let h1 = register("Шевченко Тарас", 3, &["no_car"]);
    let h2 = register("Петренко Олена", 2, &["no_car", "elderly"]);
    let with_car = register("Коваленко Іван", 4, &[]);
    let refuses = register("Бондар Марія", 2, &["no_car"]);
    let big = register("Ткаченко Петро", seats - 4, &["no_car"]);
    let h6 = register("Мельник Ганна", 1, &["no_car"]);
    let (st, r) = call(
        &a,
        "post",
        &url(&format!("/api/households/{refuses}/events")),
        Some(&reg),
        Some(&json!({"kind": "refused", "reason": "stays"})),
    );
    assert_eq!(st, 201, "{r}");
    // Expected by the rule: the first trip holds 3 + 2 = 5, then `big` (seats - 4) does not
    // fit in the seats - 5 left and takes the first later trip with room; h6 fits the first.
    let big_trip = trips[1..].iter().find(|t| t.3 - t.4 >= seats - 4).unwrap().2.clone();
    // Someone who cannot walk, with an escort: the first trip with a place for them and a
    // seat (or that place left over) for the escort; none at all: without a seat.
    let wheelchair = register("Кравченко Степан", 2, &["no_car", "wheelchair"]);
    let wheelchair_trip = trips.iter().find(|t| t.4 >= 1 && t.3 >= 2).map(|t| t.2.clone());

    let pickup = |trip: &str| -> Value {
        let (st, l) = call(&a, "get", &url(&format!("/api/trips/{trip}")), Some(&reg), None);
        assert_eq!(st, 200, "{l}");
        l
    };
    let codes = |l: &Value| -> Vec<i64> {
        let stop = l["stops"].as_array().unwrap().iter().find(|p| p["settlement"] == settlement.as_str()).unwrap();
        stop["households"].as_array().unwrap().iter().map(|h| h["code"].as_str().unwrap().parse().unwrap()).collect()
    };
    let l = pickup(&first);
    assert_eq!(codes(&l), vec![h1, h2, h6], "{l}");
    let stop = l["stops"].as_array().unwrap().iter().find(|p| p["settlement"] == settlement.as_str()).unwrap();
    assert_eq!(stop["seats"].as_u64(), Some(seats));
    assert_eq!(stop["seated_people"].as_u64(), Some(6));
    assert_eq!(l["trip"]["vehicle"], first.rsplit_once('.').unwrap().0);
    assert!(codes(&pickup(&big_trip)).contains(&big));
    match &wheelchair_trip {
        Some(t) => assert!(codes(&pickup(t)).contains(&wheelchair), "on {t}"),
        None => assert!(stop["unseated"].as_u64().unwrap() >= 1, "no place for a wheelchair: {stop}"),
    }
    assert!(!codes(&l).contains(&wheelchair), "not on a bus without a place for a wheelchair");
    assert!(!codes(&l).contains(&with_car) && !codes(&l).contains(&refuses));
    // Reading the list is audited, with the number of households shown.
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM audit WHERE action = 'view pickup list' AND target = 'trip {first}' AND detail = '3 records'"
        )),
        1
    );

    // Boarding: h1 by a tap (with its version, as the UI sends), retried with the same
    // client id; h2 by its code typed as printed; a stale version is refused.
    let board = url(&format!("/api/trips/{first}/board"));
    let h1_row = &stop["households"][0];
    let tag = format!("\"v{}\"", h1_row["version"]);
    let tap = json!({"code": h1.to_string(), "client_id": "tap-0001-h1"});
    assert_eq!(post_with(&a, &board, &reg, Some(&tag), &tap).0, 201);
    let (st, again) = post_with(&a, &board, &reg, Some(&tag), &tap);
    assert_eq!((st, &again["replayed"]), (200, &json!(true)), "{again}");
    let (st, r) = post_with(&a, &board, &reg, None, &json!({"code": format!(" #{h2}\n")}));
    assert_eq!(st, 201, "{r}");
    let (st, r) = post_with(&a, &board, &reg, Some("\"v0\""), &json!({"code": h6.to_string()}));
    assert_eq!(st, 412, "{r}");
    let (st, r) = post_with(&a, &board, &reg, None, &json!({"code": "12x"}));
    assert_eq!((st, r["fields"]["code"].is_string()), (400, true), "{r}");
    // A household of a settlement this trip does not serve is refused, naming both.
    let served: Vec<&str> =
        l["trip"]["stops"].as_array().unwrap().iter().map(|s| s["settlement"].as_str().unwrap()).collect();
    let elsewhere = stops.keys().filter(|k| !served.contains(&k.as_str())).min().unwrap();
    let (st, r) = call(
        &a,
        "post",
        &url("/api/households"),
        Some(&reg),
        Some(&json!({"settlement_id": elsewhere, "head_name": "Інша Людина", "people": 1, "needs": ["no_car"]})),
    );
    assert_eq!(st, 201, "{r}");
    let (st, r) = post_with(&a, &board, &reg, None, &json!({"code": r["id"].to_string()}));
    assert_eq!(st, 409, "{r}");
    assert!(r["error"].as_str().unwrap().contains(elsewhere.as_str()), "{r}");

    // h1 arrives at the drop-off centre (Kharkiv when the trip ends at a train).
    let dropoff = l["dropoff"].clone();
    let centre = if dropoff["centre"] == true { dropoff["id"].as_str().unwrap().to_string() } else { "kharkiv".into() };
    let (st, r) = call(
        &a,
        "post",
        &url(&format!("/api/households/{h1}/events")),
        Some(&reg),
        Some(&json!({"kind": "arrived", "centre_id": centre})),
    );
    assert_eq!(st, 201, "{r}");

    // The list, the statuses and the arrival count agree with the database.
    let l = pickup(&first);
    assert_eq!(codes(&l), vec![h1, h2, h6], "boarding keeps everyone on the trip they boarded: {l}");
    let stop = l["stops"].as_array().unwrap().iter().find(|p| p["settlement"] == settlement.as_str()).unwrap();
    for h in stop["households"].as_array().unwrap() {
        let id = h["id"].as_i64().unwrap();
        let status = h["status"].as_str().unwrap();
        assert_eq!(db.count(&format!("SELECT count(*) FROM households WHERE id = {id} AND status = '{status}'")), 1);
    }
    let status_of =
        |id: i64| stop["households"].as_array().unwrap().iter().find(|h| h["id"] == id).unwrap()["status"].clone();
    assert_eq!(
        (status_of(h1), status_of(h2), status_of(h6)),
        (json!("arrived"), json!("boarded"), json!("registered"))
    );
    let (vehicle, _) = first.rsplit_once('.').unwrap();
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) FROM households WHERE trip = '{first}' AND vehicle = '{vehicle}' AND status IN ('boarded', 'arrived')"
        )),
        2
    );
    assert_eq!(
        l["boarded_people"].as_i64(),
        Some(db.count(&format!("SELECT CAST(sum(members) AS BIGINT) FROM households WHERE trip = '{first}'")))
    );
    assert_eq!(l["boarded_people"].as_u64(), Some(5));
    assert_eq!(l["arrived_people"].as_u64(), Some(3));
    let arrived_db = db.count(&format!(
        "SELECT CAST(coalesce(sum(members), 0) AS BIGINT) FROM households WHERE status = 'arrived' AND centre_id = '{centre}' AND merged_into IS NULL"
    ));
    assert_eq!(arrived_db, 3);
    if dropoff["centre"] == true {
        assert_eq!(l["dropoff"]["arrived_people"].as_i64(), Some(arrived_db));
    }
    let (_, centres) = call(&a, "get", &url("/api/centres"), Some(&reg), None);
    let row = centres.as_array().unwrap().iter().find(|c| c["id"] == centre.as_str()).unwrap();
    assert_eq!(row["occupancy"].as_i64(), Some(arrived_db));

    // The printable list: codes, names, who is on board, the attribution.
    let r = a
        .get(&url(&format!("/api/trips/{first}/print")))
        .header("Authorization", &format!("Bearer {reg}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = r.into_body().read_to_string().unwrap();
    assert!(html.contains("Шевченко Тарас") && html.contains(&format!(">{h6}<")), "codes and names");
    assert!(html.contains("Boarding slip") && html.contains("@page") && html.contains("OpenStreetMap contributors"));
    assert!(
        html.contains("прибули / arrived") && html.contains("в транспорті / on board"),
        "statuses in both languages"
    );
    assert!(!html.contains("Коваленко"), "the household with a car is not on the list");
}
