//! Field operations over real HTTP, each test on SQLite and on PostgreSQL
//! (`EVAC_TEST_POSTGRES`, skipped with a message when unset): idempotent writes under
//! concurrent retries, search and duplicate hints from the index, the check-in/boarding
//! workflow with undo, merge, order revocation, the dashboard against the database, the
//! CSV export, error codes.

use evac_store::{Actor, Role, Store};
use serde_json::{Value, json};
use std::sync::Arc;

const KUPIANSK: &str = "UA63080090010026457";

macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&super::TestDb::sqlite());
            }
            #[test]
            fn postgres() {
                if let Some(db) = super::TestDb::postgres() {
                    super::$name(&db);
                }
            }
        }
    )+};
}

on_both_engines!(
    a_retried_write_never_duplicates,
    search_and_duplicate_hints_use_the_index,
    workflow_with_person_counts_and_undo,
    merged_households_leave_lists_and_counts,
    orders_identical_refused_and_revoked,
    draft_diff_against_a_different_order,
    dashboard_totals_equal_the_database_and_export_is_audited,
);

pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir, path: String },
    Postgres { admin: String, name: String, url: String },
}

impl TestDb {
    fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evac.sqlite").to_string_lossy().into_owned();
        TestDb::Sqlite { _dir: dir, path }
    }

    fn postgres() -> Option<TestDb> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let admin = std::env::var("EVAC_TEST_POSTGRES").ok().filter(|u| !u.is_empty());
        let Some(admin) = admin.filter(|u| postgres::Client::connect(u, postgres::NoTls).is_ok()) else {
            assert!(std::env::var("CI").is_err(), "CI must reach PostgreSQL at EVAC_TEST_POSTGRES");
            eprintln!("skipped: no PostgreSQL reachable (set EVAC_TEST_POSTGRES)");
            return None;
        };
        let name = format!("evac_fo{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
        Some(TestDb::Postgres { admin, name, url })
    }

    fn arg(&self) -> &str {
        match self {
            TestDb::Sqlite { path, .. } => path,
            TestDb::Postgres { url, .. } => url,
        }
    }

    /// The integer a query answers, read beside the server.
    fn count(&self, sql: &str) -> i64 {
        match self {
            TestDb::Sqlite { path, .. } => {
                rusqlite::Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
            }
            TestDb::Postgres { url, .. } => {
                postgres::Client::connect(url, postgres::NoTls).unwrap().query_one(sql, &[]).unwrap().get(0)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin, name, .. } = self
            && let Ok(mut c) = postgres::Client::connect(admin, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A server on a free port over `db`, with a coordinator and two registrars.
struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn start(db: &TestDb) -> Server {
    start_with(db, |_| {})
}

/// A server as [`start`], after `prepare` ran on its state (before it serves).
fn start_with(db: &TestDb, prepare: impl FnOnce(&evac_server::AppState)) -> Server {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scenario = evac_scenario::Scenario::load(&repo.join("scenarios/kupiansk")).unwrap();
    let store = Store::connect(db.arg(), matches!(db, TestDb::Sqlite { .. })).unwrap();
    for (name, role) in [("coord", Role::Coordinator), ("reg", Role::Registrar), ("reg2", Role::Registrar)] {
        store.add_user(&Actor::command_line(), name, role, &format!("{name}-passphrase")).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let state = Arc::new(evac_server::AppState::build(&scenario, None, out.path(), store));
    prepare(&state);
    let limits = evac_server::Limits { requests_per_s: 0.0, logins_per_min: 0.0, ..Default::default() };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        // The store is dropped here, outside the runtime: the PostgreSQL driver's
        // connections block on their own runtime when they close.
        let keep = state.clone();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            evac_server::serve_on(listener, state, limits, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        drop(rt);
        drop(keep);
        drop(out);
    });
    Server { base, stop: Some(stop), thread: Some(thread) }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// (status, JSON body or the text as a JSON string)
fn call(base: &str, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let a = agent();
    let url = format!("{base}{path}");
    let auth = format!("Bearer {token}");
    let r = match (method, body) {
        ("get", _) => a.get(&url).header("Authorization", &auth).call(),
        ("post", Some(b)) => a.post(&url).header("Authorization", &auth).send_json(&b),
        ("post", None) => a.post(&url).header("Authorization", &auth).send_empty(),
        _ => unreachable!(),
    }
    .unwrap();
    let status = r.status().as_u16();
    let text = r.into_body().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn login(base: &str, user: &str) -> String {
    let r = agent()
        .post(&format!("{base}/api/session"))
        .send_json(json!({"username": user, "password": format!("{user}-passphrase")}))
        .unwrap();
    let v: Value = serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap();
    v["token"].as_str().unwrap().to_string()
}

fn register(s: &Server, token: &str, body: Value) -> (u16, Value) {
    call(&s.base, "post", "/api/households", token, Some(body))
}

fn a_retried_write_never_duplicates(db: &TestDb) {
    let s = start(db);
    let reg = login(&s.base, "reg");
    let body =
        json!({"settlement_id": KUPIANSK, "head_name": "Коваленко Олена", "people": 3, "client_id": "reg-0001-aaaa"});
    let (st, first) = register(&s, &reg, body.clone());
    assert_eq!(st, 201, "{first}");
    assert_eq!(first["replayed"], false);
    let (st, again) = register(&s, &reg, body.clone());
    assert_eq!((st, &again["id"], &again["replayed"]), (200, &first["id"], &json!(true)), "{again}");
    // Another user's client id is another write.
    let reg2 = login(&s.base, "reg2");
    assert_eq!(register(&s, &reg2, body.clone()).0, 201);
    // Twenty concurrent retries of one registration: one household.
    let retried =
        json!({"settlement_id": KUPIANSK, "head_name": "Шевченко Тарас", "people": 1, "client_id": "reg-0002-bbbb"});
    let threads: Vec<_> = (0..20)
        .map(|_| {
            let (base, token, body) = (s.base.clone(), reg.clone(), retried.clone());
            std::thread::spawn(move || call(&base, "post", "/api/households", &token, Some(body)))
        })
        .collect();
    let answers: Vec<(u16, Value)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(answers.iter().filter(|a| a.0 == 201).count(), 1, "{answers:?}");
    assert!(answers.iter().all(|a| a.1["id"] == answers[0].1["id"]), "{answers:?}");
    assert_eq!(db.count("SELECT count(*) FROM households WHERE client_id = 'reg-0002-bbbb'"), 1);
    assert_eq!(db.count("SELECT count(*) FROM households"), 3);
    // Events: a retried check-in is recorded once; the version does not move.
    let id = first["id"].as_i64().unwrap();
    let ev = json!({"kind": "checked_in", "client_id": "ev-000000001"});
    let path = format!("/api/households/{id}/events");
    let (st, e1) = call(&s.base, "post", &path, &reg, Some(ev.clone()));
    assert_eq!((st, &e1["replayed"], &e1["version"]), (201, &json!(false), &json!(2)), "{e1}");
    let (st, e2) = call(&s.base, "post", &path, &reg, Some(ev.clone()));
    assert_eq!((st, &e2["id"], &e2["replayed"], &e2["version"]), (200, &e1["id"], &json!(true), &json!(2)), "{e2}");
    assert_eq!(db.count(&format!("SELECT count(*) FROM events WHERE household_id = {id}")), 1);
    // The same client id for another household's event is a mistake, said so.
    let other = answers[0].1["id"].as_i64().unwrap();
    let (st, e) = call(&s.base, "post", &format!("/api/households/{other}/events"), &reg, Some(ev));
    assert_eq!((st, e["code"].as_str()), (409, Some("client_id_reused")), "{e}");
    // A bad client id is a field error with a code.
    let (st, e) =
        register(&s, &reg, json!({"settlement_id": KUPIANSK, "head_name": "X", "people": 1, "client_id": "a b"}));
    assert_eq!((st, e["code"].as_str()), (400, Some("invalid_input")), "{e}");
    assert!(e["fields"]["client_id"].is_string(), "{e}");
}

fn search_and_duplicate_hints_use_the_index(db: &TestDb) {
    let s = start(db);
    let reg = login(&s.base, "reg");
    let (_, first) = register(
        &s,
        &reg,
        json!({"settlement_id": KUPIANSK, "head_name": "Коваленко Олена Петрівна", "people": 2, "phone": "+380 50 123 45 67",
               "document": "КВ 123456", "birth_year": 1971}),
    );
    let id = first["id"].clone();
    // Other Kovalenkos and other families: the common surname repeats.
    for (i, given) in ["Оксана", "Ірина", "Тарас", "Микола", "Ганна", "Юрій", "Наталія"].iter().enumerate()
    {
        let (st, _) = register(
            &s,
            &reg,
            json!({"settlement_id": KUPIANSK, "head_name": format!("Коваленко {given}"), "people": 1, "phone": format!("+38067000000{i}")}),
        );
        assert_eq!(st, 201);
    }
    register(&s, &reg, json!({"settlement_id": KUPIANSK, "head_name": "Шевченко Тарас", "people": 1}));
    let search = |q: &str| {
        let (st, v) = call(
            &s.base,
            "get",
            &format!("/api/households/search?q={}", q.replace(' ', "%20").replace('+', "%2B")),
            &reg,
            None,
        );
        assert_eq!(st, 200, "{q}: {v}");
        v
    };
    for q in [
        "Kovalenko Olena",
        "Коваленко Олена",
        "Olena Kovalenko",
        "Kowalenko Olena",
        "Kovalenko Olna",
        "050 123 45 67",
        "+380501234567",
        "KB123456",
        "кв123456",
    ] {
        let v = search(q);
        assert_eq!(v["results"][0]["id"], id, "{q}: {v}");
    }
    let v = search("Коваленко");
    assert_eq!(v["results"].as_array().unwrap().len(), 5, "at most five: {v}");
    assert!(v["total_candidates"].as_u64().unwrap() >= 8, "{v}");
    assert_eq!(search("Бондаренко Ольга")["results"].as_array().unwrap().len(), 0);
    let (_, v) = call(&s.base, "get", "/api/households/search?q=Kovalenko&settlement=nowhere", &reg, None);
    assert_eq!(v["results"].as_array().unwrap().len(), 0, "{v}");
    // The same family again in Latin letters: flagged, best first.
    let (st, dup) = register(
        &s,
        &reg,
        json!({"settlement_id": KUPIANSK, "head_name": "Kovalenko Olena", "people": 2, "phone": "0501234567"}),
    );
    assert_eq!(st, 201);
    assert_eq!(dup["possible_duplicates"][0]["id"], id, "{dup}");
    assert_eq!(dup["possible_duplicates"][0]["reason"], "same phone and similar name");
    assert!(dup["possible_duplicates"].as_array().unwrap().len() <= 5);
    let (_, doc) = register(
        &s,
        &reg,
        json!({"settlement_id": KUPIANSK, "head_name": "Інше Ім'я", "people": 1, "document": "kb-123456"}),
    );
    assert_eq!(doc["possible_duplicates"][0]["reason"], "same document", "{doc}");
    // Searching personal data is audited.
    let coord = login(&s.base, "coord");
    let (_, log) = call(&s.base, "get", "/api/audit?limit=500", &coord, None);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "search households"), "{log}");
    assert_eq!(db.count("SELECT count(*) FROM household_keys WHERE key LIKE 'p:%'"), 9);
}

fn workflow_with_person_counts_and_undo(db: &TestDb) {
    let s = start(db);
    let reg = login(&s.base, "reg");
    let (st, e) = register(
        &s,
        &reg,
        json!({"settlement_id": KUPIANSK, "head_name": "Бойко Ганна", "people": 2, "cannot_walk": 3}),
    );
    assert_eq!((st, e["fields"]["cannot_walk"].is_string()), (400, true), "{e}");
    let (st, h) = register(
        &s,
        &reg,
        json!({"settlement_id": KUPIANSK, "head_name": "Бойко Ганна", "people": 4, "cannot_walk": 1, "needs_oxygen": 1,
               "needs_bed": 1, "needs_escort": 1, "children": 2, "pets": 3}),
    );
    assert_eq!(st, 201, "{h}");
    let id = h["id"].as_i64().unwrap();
    let path = format!("/api/households/{id}/events");
    let ev = |body: Value| call(&s.base, "post", &path, &reg, Some(body));
    assert_eq!(ev(json!({"kind": "checked_in"})).0, 201);
    let (st, e) = ev(json!({"kind": "checked_in"}));
    assert_eq!((st, e["code"].as_str()), (409, Some("already_in_status")), "{e}");
    assert_eq!(ev(json!({"kind": "boarded", "vehicle": "bus 3", "trip": "T12"})).0, 201);
    let (st, e) = ev(json!({"kind": "refused", "reason": "stays"}));
    assert_eq!((st, e["code"].as_str()), (409, Some("transition_not_allowed")), "{e}");
    assert_eq!(ev(json!({"kind": "arrived", "centre_id": "kharkiv"})).0, 201);
    let get = || call(&s.base, "get", &format!("/api/households/{id}"), &reg, None).1;
    let h = get();
    assert_eq!(
        (&h["status"], &h["centre_id"], &h["vehicle"], &h["trip"], &h["people"], &h["cannot_walk"], &h["pets"]),
        (&json!("arrived"), &json!("kharkiv"), &json!("bus 3"), &json!("T12"), &json!(4), &json!(1), &json!(3)),
        "{h}"
    );
    // Undo: back to boarded (the centre goes, the vehicle stays); again: checked in.
    let (st, u) = ev(json!({"kind": "undo"}));
    assert_eq!(st, 201, "{u}");
    let h = get();
    assert_eq!(
        (&h["status"], &h["centre_id"], &h["vehicle"]),
        (&json!("boarded"), &Value::Null, &json!("bus 3")),
        "{h}"
    );
    ev(json!({"kind": "undo"}));
    assert_eq!(get()["status"], "checked_in");
    ev(json!({"kind": "undo"}));
    assert_eq!(get()["status"], "registered");
    let (st, e) = ev(json!({"kind": "undo"}));
    assert_eq!((st, e["code"].as_str()), (409, Some("nothing_to_undo")), "{e}");
    assert_eq!(ev(json!({"kind": "unreachable", "reason": "no answer"})).0, 201);
    assert_eq!(ev(json!({"kind": "refused", "reason": "will stay"})).0, 201);
    // The history says who did what, and which events were undone.
    let (st, events) = call(&s.base, "get", &path, &reg, None);
    assert_eq!(st, 200);
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 8);
    assert!(events.iter().all(|e| e["by"] == "reg" && e["at"].is_string()));
    assert_eq!(events.iter().filter(|e| e["undone_by"].is_i64()).count(), 3);
    assert_eq!(events.last().unwrap()["reason"], "will stay");
}

fn merged_households_leave_lists_and_counts(db: &TestDb) {
    let s = start(db);
    let reg = login(&s.base, "reg");
    let coord = login(&s.base, "coord");
    let (_, a) = register(&s, &reg, json!({"settlement_id": KUPIANSK, "head_name": "Мельник Іван", "people": 3}));
    let (_, b) = register(&s, &reg, json!({"settlement_id": KUPIANSK, "head_name": "Melnyk Ivan", "people": 3}));
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let merge = |token: &str, from: i64, into: i64| {
        call(&s.base, "post", &format!("/api/households/{from}/merge"), token, Some(json!({"into": into})))
    };
    assert_eq!(merge(&reg, b, a).0, 403, "coordinators only");
    let (st, m) = merge(&coord, b, a);
    assert_eq!(st, 200, "{m}");
    assert_eq!((m["id"].as_i64(), m["merged_into"].as_i64()), (Some(b), Some(a)));
    let (st, e) = merge(&coord, b, a);
    assert_eq!((st, e["code"].as_str()), (409, Some("household_merged")), "{e}");
    assert_eq!(merge(&coord, a, a).1["code"], "merge_not_allowed");
    let (_, list) = call(&s.base, "get", &format!("/api/households?settlement_id={KUPIANSK}"), &reg, None);
    assert_eq!(list.as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect::<Vec<_>>(), [a]);
    let (_, one) = call(&s.base, "get", &format!("/api/households/{b}"), &reg, None);
    assert_eq!(one["merged_into"], a, "the merged household keeps its pointer");
    let (_, dash) = call(&s.base, "get", "/api/dashboard", &reg, None);
    assert_eq!((&dash["totals"]["households"], &dash["totals"]["registered"]), (&json!(1), &json!(3)), "{dash}");
    let (_, found) = call(&s.base, "get", "/api/households/search?q=Melnyk", &reg, None);
    assert_eq!(found["results"].as_array().unwrap().len(), 1, "{found}");
    let (st, e) =
        call(&s.base, "post", &format!("/api/households/{b}/events"), &reg, Some(json!({"kind": "checked_in"})));
    assert_eq!((st, e["code"].as_str()), (409, Some("household_merged")));
    let (_, log) = call(&s.base, "get", "/api/audit", &coord, None);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "merge household"
        && e["target"] == format!("household {b}")
        && e["detail"] == format!("into household {a}")));
}

fn orders_identical_refused_and_revoked(db: &TestDb) {
    let s = start(db);
    let coord = login(&s.base, "coord");
    let reg = login(&s.base, "reg");
    // The preview before issuing: no order yet, so every ordered settlement is added.
    let (_, draft) = call(&s.base, "get", "/api/orders/draft", &reg, None);
    // The draft lists the settlements beyond the line too (not ordered: no diff entry).
    let ordered: Vec<&Value> =
        draft["settlements"].as_array().unwrap().iter().filter(|e| e["zone"] != "beyond_line").collect();
    let (st, d) = call(&s.base, "get", "/api/orders/draft/diff", &coord, None);
    assert_eq!(st, 200, "{d}");
    assert_eq!((&d["previous"], &d["identical"]), (&Value::Null, &json!(false)), "{d}");
    assert_eq!(d["diff"]["added"].as_array().unwrap().len(), ordered.len());
    assert_eq!(d["diff"]["population_added"], draft["totals"]["ordered"]["population"]);
    assert!(
        d["diff"]["removed"].as_array().unwrap().is_empty() && d["diff"]["zone_changed"].as_array().unwrap().is_empty()
    );
    assert_eq!(call(&s.base, "post", "/api/orders", &coord, None).0, 201);
    // Against order 1 the draft is the same order: identical, nothing changes.
    let (_, d) = call(&s.base, "get", "/api/orders/draft/diff", &reg, None);
    assert_eq!((&d["previous"], &d["identical"]), (&json!(1), &json!(true)), "{d}");
    assert_eq!((&d["diff"]["added"], &d["diff"]["population_growth"]), (&json!([]), &json!(0)), "{d}");
    let (st, e) = call(&s.base, "post", "/api/orders", &coord, None);
    assert_eq!((st, e["code"].as_str()), (409, Some("order_identical")), "{e}");
    assert!(e["error"].as_str().unwrap().contains("identical"));
    assert_eq!(call(&s.base, "post", "/api/orders/1/revoke", &reg, Some(json!({"reason": "x"}))).0, 403);
    let (st, e) = call(&s.base, "post", "/api/orders/1/revoke", &coord, Some(json!({"reason": "  "})));
    assert_eq!((st, e["code"].as_str()), (400, Some("invalid_input")), "{e}");
    let (st, o) = call(&s.base, "post", "/api/orders/1/revoke", &coord, Some(json!({"reason": "wrong hazard line"})));
    assert_eq!(st, 200, "{o}");
    assert_eq!(
        (&o["status"], &o["revoked_by"], &o["revoke_reason"]),
        (&json!("revoked"), &json!("coord"), &json!("wrong hazard line"))
    );
    let (st, e) = call(&s.base, "post", "/api/orders/1/revoke", &coord, Some(json!({"reason": "again"})));
    assert_eq!((st, e["code"].as_str()), (409, Some("order_revoked")));
    // With the last order revoked, the same order may be issued again, as No. 2.
    let (st, o) = call(&s.base, "post", "/api/orders", &coord, None);
    assert_eq!((st, &o["number"], &o["status"]), (201, &json!(2), &json!("issued")), "{o}");
    let (_, list) = call(&s.base, "get", "/api/orders", &reg, None);
    let statuses: Vec<&str> = list.as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["revoked", "issued"]);
    assert_eq!(call(&s.base, "get", "/api/orders/draft/diff", &reg, None).1["previous"], 2, "the order in force");
    assert_eq!(call(&s.base, "get", "/api/orders/1/print", &reg, None).0, 200, "the printable order stays");
    assert_eq!(
        call(&s.base, "post", "/api/orders/9/revoke", &coord, Some(json!({"reason": "x"}))).1["code"],
        "not_found"
    );
}

/// The draft against an order in force that differs from it: one settlement the draft
/// orders was not in it, one it had is not in the draft, one had the other zone.
fn draft_diff_against_a_different_order(db: &TestDb) {
    use evac_zone::Zone;
    let changed = std::sync::Mutex::new(None);
    let s = start_with(db, |state| {
        let mut previous = state.draft.clone();
        let dropped = previous.settlements.remove(0);
        let flipped = &mut previous.settlements[0];
        let from = if flipped.zone == Zone::Mandatory { Zone::Advisory } else { Zone::Mandatory };
        let to = std::mem::replace(&mut flipped.zone, from);
        let flipped = flipped.id.clone();
        let mut gone = previous.settlements[1].clone();
        (gone.id, gone.name, gone.population) = ("UA-GONE".into(), "Gone".into(), 1234);
        previous.settlements.push(gone);
        let population: u64 = previous.ordered().map(|e| u64::from(e.population)).sum();
        let record = evac_store::OrderRecord {
            scope: "an earlier hazard line".into(),
            settlements: previous.ordered().count() as i64,
            population: population as i64,
            body: serde_json::to_string(&previous).unwrap(),
        };
        let by = Actor::user(&coordinator(state), None);
        state.store.issue_order(&by, record, Box::new(|_, _| String::new()), None).unwrap();
        let growth = state.draft.totals.ordered.population as i64 - population as i64;
        *changed.lock().unwrap() = Some((dropped, flipped, from, to, growth));
    });
    let (dropped, flipped, from, to, growth) = changed.into_inner().unwrap().unwrap();
    let reg = login(&s.base, "reg");
    let (st, d) = call(&s.base, "get", "/api/orders/draft/diff", &reg, None);
    assert_eq!(st, 200, "{d}");
    assert_eq!((&d["previous"], &d["identical"]), (&json!(1), &json!(false)), "{d}");
    let diff = &d["diff"];
    let ids =
        |k: &str| diff[k].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids("added"), [dropped.id.as_str()]);
    assert_eq!(ids("removed"), ["UA-GONE"]);
    assert_eq!(ids("zone_changed"), [flipped]);
    let z = &diff["zone_changed"][0];
    assert_eq!((&z["from"], &z["to"]), (&json!(from), &json!(to)), "{z}");
    assert_eq!(
        (&diff["population_added"], &diff["population_removed"], &diff["population_growth"]),
        (&json!(dropped.population), &json!(1234), &json!(growth))
    );
    // Issuing it is not refused: it is not the order in force.
    let coord = login(&s.base, "coord");
    let (st, o) = call(&s.base, "post", "/api/orders", &coord, None);
    assert_eq!((st, &o["number"]), (201, &json!(2)), "{o}");
    assert_eq!(call(&s.base, "get", "/api/orders/draft/diff", &reg, None).1["identical"], true);
}

/// The coordinator, logged in through the store (before the server serves).
fn coordinator(state: &evac_server::AppState) -> evac_store::User {
    match state.store.login("coord", "coord-passphrase", 1, None).unwrap() {
        evac_store::LoginOutcome::LoggedIn { user, .. } => user,
        evac_store::LoginOutcome::Refused => panic!("coord cannot log in"),
    }
}

fn dashboard_totals_equal_the_database_and_export_is_audited(db: &TestDb) {
    let s = start(db);
    let reg = login(&s.base, "reg");
    let coord = login(&s.base, "coord");
    let (_, draft) = call(&s.base, "get", "/api/orders/draft", &reg, None);
    let other = draft["settlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .find(|id| *id != KUPIANSK)
        .unwrap()
        .to_string();
    let mut ids = Vec::new();
    for i in 0..12u32 {
        let place = if i % 3 == 0 { other.as_str() } else { KUPIANSK };
        let (st, h) = register(
            &s,
            &reg,
            json!({"settlement_id": place, "head_name": format!("=Родина {i}"), "people": 1 + i % 4, "cannot_walk": i % 2}),
        );
        assert_eq!(st, 201, "{h}");
        ids.push(h["id"].as_i64().unwrap());
    }
    let ev = |id: i64, body: Value| call(&s.base, "post", &format!("/api/households/{id}/events"), &reg, Some(body)).0;
    assert_eq!(ev(ids[1], json!({"kind": "checked_in"})), 201);
    assert_eq!(ev(ids[2], json!({"kind": "boarded"})), 201);
    assert_eq!(ev(ids[4], json!({"kind": "arrived", "centre_id": "kharkiv"})), 201);
    assert_eq!(ev(ids[5], json!({"kind": "refused", "reason": "stays"})), 201);
    assert_eq!(ev(ids[7], json!({"kind": "unreachable"})), 201);
    // History for the timeline: an undone boarding, boarded then arrived, arrived then returned.
    assert_eq!(ev(ids[3], json!({"kind": "boarded"})), 201);
    assert_eq!(ev(ids[3], json!({"kind": "undo"})), 201);
    assert_eq!(ev(ids[6], json!({"kind": "boarded"})), 201);
    assert_eq!(ev(ids[6], json!({"kind": "arrived", "centre_id": "kharkiv"})), 201);
    assert_eq!(ev(ids[8], json!({"kind": "arrived", "centre_id": "kharkiv"})), 201);
    assert_eq!(ev(ids[8], json!({"kind": "returned"})), 201);
    let (st, dash) = call(&s.base, "get", "/api/dashboard", &reg, None);
    assert_eq!(st, 200);
    // The timeline: its last point (now) is the database's people by status, its earlier
    // points the people registered before each point's time; bounded, oldest first.
    let points = dash["timeline"]["points"].as_array().unwrap();
    assert!((2..=160).contains(&points.len()), "{}", dash["timeline"]);
    assert_eq!(dash["timeline"]["bucket_minutes"], 10);
    assert!(points.windows(2).all(|w| w[0]["at"].as_str() < w[1]["at"].as_str()), "{}", dash["timeline"]);
    assert_eq!(points[0]["registered"], 0);
    let last = points.last().unwrap();
    let people = |cond: &str| {
        db.count(&format!(
            "SELECT CAST(COALESCE(sum(members), 0) AS BIGINT) FROM households WHERE merged_into IS NULL AND {cond}"
        ))
    };
    assert_eq!(last["registered"], json!(people("1 = 1")));
    assert_eq!(last["boarded_or_later"], json!(people("status IN ('boarded', 'departed', 'arrived')")));
    assert_eq!(last["arrived"], json!(people("status = 'arrived'")));
    assert_eq!(
        last["boarded_or_later"].as_i64().unwrap(),
        people(&format!("id IN ({}, {}, {})", ids[2], ids[4], ids[6]))
    );
    for p in &points[..points.len() - 1] {
        let at = p["at"].as_str().unwrap();
        assert_eq!(
            p["registered"],
            json!(people(&format!("substr(created_at, 1, 19) < substr('{at}', 1, 19)"))),
            "{p}"
        );
    }
    let t = &dash["totals"];
    let n = |sql: &str| json!(db.count(sql));
    assert_eq!(t["households"], n("SELECT count(*) FROM households WHERE merged_into IS NULL"));
    assert_eq!(t["registered"], n("SELECT CAST(sum(members) AS BIGINT) FROM households WHERE merged_into IS NULL"));
    assert_eq!(t["people"], t["registered"]);
    assert_eq!(
        t["cannot_walk"],
        n("SELECT CAST(sum(cannot_walk) AS BIGINT) FROM households WHERE merged_into IS NULL")
    );
    for status in ["checked_in", "boarded", "arrived", "refused", "unreachable"] {
        // People, as the order counts them (one household in each status).
        let people = n(&format!(
            "SELECT CAST(sum(members) AS BIGINT) FROM households WHERE status = '{status}' AND merged_into IS NULL"
        ));
        assert_eq!(t[status], people, "{status}");
        assert!(t[status].as_u64().unwrap() >= 1, "{status}");
    }
    let rows = dash["settlements"].as_array().unwrap();
    let sum = |f: &str| rows.iter().map(|r| r[f].as_u64().unwrap()).sum::<u64>();
    for f in ["ordered", "households", "registered", "people", "cannot_walk", "arrived"] {
        assert_eq!(json!(sum(f)), t[f], "{f}");
    }
    let kupiansk = rows.iter().find(|r| r["settlement"] == KUPIANSK).unwrap();
    assert_eq!(kupiansk["households"], 8);
    assert!(kupiansk["ordered"].as_u64().unwrap() > 20_000, "{kupiansk}");
    let kharkiv = dash["centres"].as_array().unwrap().iter().find(|c| c["id"] == "kharkiv").unwrap();
    assert_eq!(
        kharkiv["occupancy"],
        n(&format!("SELECT CAST(sum(members) AS BIGINT) FROM households WHERE id IN ({}, {})", ids[4], ids[6]))
    );
    // The export: coordinators only, one line per household, formulas neutralised, audited.
    assert_eq!(call(&s.base, "get", "/api/households/export.csv", &reg, None).0, 403);
    let (st, csv) = call(&s.base, "get", "/api/households/export.csv", &coord, None);
    assert_eq!(st, 200);
    let csv = csv.as_str().unwrap().to_string();
    assert_eq!(csv.lines().count(), 13, "{csv}");
    assert!(csv.lines().next().unwrap().starts_with("id,settlement_id,settlement,head_name,people,cannot_walk"));
    assert!(csv.contains(",'=Родина 0,") && !csv.contains(",=Родина"), "{csv}");
    // The XLSX export: the same role check, the same rows and columns as the CSV (numbers as
    // numbers), the same neutralised text, audited too.
    assert_eq!(call(&s.base, "get", "/api/households/export.xlsx", &reg, None).0, 403);
    let r = agent()
        .get(&format!("{}/api/households/export.xlsx", s.base))
        .header("Authorization", &format!("Bearer {coord}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers().get("content-type").unwrap().to_str().unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(r.headers().get("cache-control").unwrap().to_str().unwrap(), "no-store");
    let bytes = r.into_body().read_to_vec().unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "households").unwrap();
    let xlsx: Vec<Vec<String>> = sheet.rows().map(|row| row.iter().map(|c| c.to_string()).collect()).collect();
    let csv_rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(xlsx.len(), 13);
    assert_eq!(xlsx, csv_rows);
    assert!(matches!(sheet.get_value((1, 4)), Some(calamine::Data::Float(_))), "people is a number");
    assert!(xlsx.iter().any(|r| r[3] == "'=Родина 0") && !xlsx.iter().any(|r| r[3].starts_with('=')));
    let (_, log) = call(&s.base, "get", "/api/audit", &coord, None);
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "export households" && e["detail"] == "12 records"));
    assert!(
        log.as_array().unwrap().iter().any(|e| e["action"] == "export households" && e["detail"] == "12 records, xlsx")
    );
    // The dashboard is aggregates only: no names.
    assert!(!dash.to_string().contains("Родина"));
}
