//! The operations API over real HTTP against a real SQLite file and a real PostgreSQL
//! database (each test runs on both): the whole flow, the authorization matrix (every role
//! x every route), validation and limits, and a crash test (SIGKILL during concurrent
//! registrations loses nothing acknowledged).

mod common;
use common::*;
use serde_json::{Value, json};

const KUPIANSK: &str = "UA63080090010026457";

/// Each test, once on SQLite and once on PostgreSQL.
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
    the_whole_flow,
    authorization_matrix_every_role_every_route,
    bad_requests_get_field_level_errors_and_limits,
    a_change_whose_audit_record_fails_is_not_made,
    sigkill_during_concurrent_registrations_loses_nothing_acknowledged,
);

fn setup(db: &TestDb) -> Server {
    add_user(db.arg(), "coord", "coordinator", "coordinator-pass");
    add_user(db.arg(), "reg", "registrar", "registrar-pass");
    add_user(db.arg(), "view", "viewer", "viewer-pass-1");
    add_user(db.arg(), "victim", "viewer", "victim-pass-1");
    Server::start("scenarios/kupiansk", db.arg())
}

fn the_whole_flow(db: &TestDb) {
    let s = setup(db);
    let a = agent();
    let coord = login(&a, &s.base, "coord", "coordinator-pass");
    let reg = login(&a, &s.base, "reg", "registrar-pass");
    let url = |p: &str| format!("{}{p}", s.base);
    // Issue an order.
    let (st, order) = call(&a, "post", &url("/api/orders"), Some(&coord), None);
    assert_eq!(st, 201, "{order}");
    assert_eq!(order["number"], 1);
    assert!(order["settlements"].as_i64().unwrap() > 50);
    let (st, html) = {
        let r = a.get(&url("/api/orders/1/print")).header("Authorization", &format!("Bearer {coord}")).call().unwrap();
        (r.status().as_u16(), r.into_body().read_to_string().unwrap())
    };
    assert_eq!(st, 200);
    assert!(html.contains("Розпорядження № 1") && html.contains("OpenStreetMap"));
    // Register, depart, arrive.
    let (st, h) = call(
        &a,
        "post",
        &url("/api/households"),
        Some(&reg),
        Some(
            &json!({"settlement_id": KUPIANSK, "head_name": "Коваленко Олена", "members": 3, "needs": ["children"], "phone": "+380501234567"}),
        ),
    );
    assert_eq!(st, 201, "{h}");
    let id = h["id"].as_i64().unwrap();
    let (_, dup) = call(
        &a,
        "post",
        &url("/api/households"),
        Some(&reg),
        Some(
            &json!({"settlement_id": KUPIANSK, "head_name": "Kovalenko Olena", "members": 3, "phone": "050 123 45 67"}),
        ),
    );
    assert_eq!(dup["possible_duplicates"][0]["id"], id, "the same family spelt in Latin letters is flagged: {dup}");
    let (st, _) =
        call(&a, "post", &url(&format!("/api/households/{id}/events")), Some(&reg), Some(&json!({"kind": "departed"})));
    assert_eq!(st, 201);
    let (_, row) = call(&a, "get", &url(&format!("/api/settlements/{KUPIANSK}")), Some(&reg), None);
    assert_eq!((row["registered"].as_u64(), row["departed"].as_u64()), (Some(6), Some(3)));
    assert_eq!(row["remaining"].as_u64().unwrap(), row["population"].as_u64().unwrap() - 3);
    let (st, _) = call(
        &a,
        "post",
        &url(&format!("/api/households/{id}/events")),
        Some(&reg),
        Some(&json!({"kind": "arrived", "centre_id": "kharkiv"})),
    );
    assert_eq!(st, 201);
    let (_, centres) = call(&a, "get", &url("/api/centres"), Some(&reg), None);
    let kharkiv = centres.as_array().unwrap().iter().find(|c| c["id"] == "kharkiv").unwrap();
    assert_eq!(kharkiv["occupancy"], 3);
    let (_, row) = call(&a, "get", &url(&format!("/api/settlements/{KUPIANSK}")), Some(&reg), None);
    assert_eq!((row["departed"].as_u64(), row["arrived"].as_u64()), (Some(0), Some(3)));
    // The audit knows who did and who viewed what.
    let (_, list) = call(&a, "get", &url(&format!("/api/households?settlement_id={KUPIANSK}")), Some(&reg), None);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (st, audit) = call(&a, "get", &url("/api/audit"), Some(&coord), None);
    assert_eq!(st, 200);
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["username"].as_str().unwrap_or(""), e["action"].as_str().unwrap()))
        .collect();
    for expected in [
        ("coord", "issue order"),
        ("reg", "register household"),
        ("reg", "event departed"),
        ("reg", "event arrived"),
        ("reg", "view households"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} not in {actions:?}");
    }
    // Everything done over HTTP carries the caller's address; the accounts added with
    // `evac user add` are recorded too, as done at the command line (no session, no address).
    for e in audit.as_array().unwrap() {
        if e["username"].is_null() {
            assert_eq!((e["action"].as_str(), e["ip"].is_null()), (Some("add user"), true), "{e}");
            assert!(e["detail"].as_str().unwrap().ends_with("at the command line"), "{e}");
        } else {
            assert_eq!(e["ip"], "127.0.0.1", "{e}");
        }
    }
    assert!(actions.contains(&("reg", "log in")), "{actions:?}");
    // Personal data is not kept in caches.
    let r =
        a.get(&url(&format!("/api/households/{id}"))).header("Authorization", &format!("Bearer {reg}")).call().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    // Issued orders and audit records never change.
    assert!(db.exec("UPDATE orders SET population = 0 WHERE number = 1").is_err());
    assert!(db.exec("DELETE FROM orders").is_err());
    assert!(db.exec("UPDATE audit SET username = 'someone'").unwrap_err().contains("audit records cannot be changed"));
    assert!(db.exec("DELETE FROM audit").unwrap_err().contains("audit records cannot be deleted"));
    // Status changes follow the state machine, and If-Match catches a lost update.
    let events = url(&format!("/api/households/{id}/events"));
    let (st, e) = call(&a, "post", &events, Some(&reg), Some(&json!({"kind": "refused"})));
    assert_eq!(st, 409, "{e}");
    assert!(e["error"].as_str().unwrap().contains("cannot be recorded as refused"), "{e}");
    let r =
        a.get(&url(&format!("/api/households/{id}"))).header("Authorization", &format!("Bearer {reg}")).call().unwrap();
    let tag = r.headers().get("etag").unwrap().to_str().unwrap().to_string();
    let stale = a
        .post(&events)
        .header("Authorization", &format!("Bearer {reg}"))
        .header("If-Match", "\"v1\"")
        .send_json(json!({"kind": "returned"}))
        .unwrap();
    assert_eq!(stale.status(), 412);
    let fresh = a
        .post(&events)
        .header("Authorization", &format!("Bearer {reg}"))
        .header("If-Match", &tag)
        .send_json(json!({"kind": "returned"}))
        .unwrap();
    assert_eq!(fresh.status(), 201);
    // A double click issues one order; a retry with the same key gets the first.
    let issue = |key: &str| {
        let r = a
            .post(&url("/api/orders"))
            .header("Authorization", &format!("Bearer {coord}"))
            .header("Idempotency-Key", key)
            .send_empty()
            .unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_str::<Value>(&r.into_body().read_to_string().unwrap()).unwrap())
    };
    let (st, again) = issue("click-1");
    assert_eq!(st, 409, "identical to order 1: {again}");
    assert_eq!(db.count("SELECT count(*) FROM orders"), 1);
}

/// A request that succeeds for a role allowed to make it.
fn sample(path: &str, method: &str, household: i64, role: &str) -> (String, Option<Value>) {
    let body = match (method, path) {
        ("post", "/api/session") => Some(json!({"username": "view", "password": "viewer-pass-1"})),
        ("post", "/api/households") => Some(json!({"settlement_id": KUPIANSK, "head_name": "Test", "members": 1})),
        // The registrar's call comes first: refused, then the coordinator's (who refused may
        // still leave).
        ("post", "/api/households/{id}/events") => {
            Some(json!({"kind": if role == "coordinator" { "departed" } else { "refused" }}))
        }
        ("post", "/api/households/{id}/merge") => Some(json!({"into": household + 1})),
        ("post", "/api/orders/{n}/revoke") => Some(json!({"reason": "matrix"})),
        ("post", "/api/users") => Some(
            json!({"username": format!("u{}", household + rand_suffix()), "role": "viewer", "password": "long-enough"}),
        ),
        _ => None,
    };
    let path = if path == "/api/households/search" {
        format!("{path}?q=Matrix")
    } else {
        path.replace("{username}", "victim")
    };
    let path = path
        .replace(
            "{id}",
            &if path.starts_with("/api/settlements") { KUPIANSK.to_string() } else { household.to_string() },
        )
        .replace("{n}", "1")
        .replace("{trip}", "bus-1.1");
    (path, body)
}

fn rand_suffix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64 % 1_000_000
}

fn authorization_matrix_every_role_every_route(db: &TestDb) {
    use evac_server::routes::{Access, ROUTES};
    let s = setup(db);
    let a = agent();
    let coord = login(&a, &s.base, "coord", "coordinator-pass");
    // Something to look at: an order and a household.
    assert_eq!(call(&a, "post", &format!("{}/api/orders", s.base), Some(&coord), None).0, 201);
    let (_, h) = call(
        &a,
        "post",
        &format!("{}/api/households", s.base),
        Some(&coord),
        Some(&json!({"settlement_id": KUPIANSK, "head_name": "Matrix", "members": 2})),
    );
    let household = h["id"].as_i64().unwrap();
    let mut checked = 0;
    for role in ["none", "viewer", "registrar", "coordinator"] {
        let token = match role {
            "none" => None,
            "viewer" => Some(login(&a, &s.base, "view", "viewer-pass-1")),
            "registrar" => Some(login(&a, &s.base, "reg", "registrar-pass")),
            _ => Some(login(&a, &s.base, "coord", "coordinator-pass")),
        };
        for r in ROUTES {
            let method = r.method.as_str();
            if method == "delete" {
                continue; // logging out would end this role's session mid-test; tested below
            }
            let (path, body) = sample(r.path, method, household, role);
            let (status, answer) = call(&a, method, &format!("{}{path}", s.base), token.as_deref(), body.as_ref());
            let allowed = match r.access {
                Access::Public => true,
                Access::Anyone => role != "none",
                Access::Registrars => matches!(role, "registrar" | "coordinator"),
                Access::Coordinators => role == "coordinator",
            };
            if allowed {
                // No plan was computed for this scenario, so there is no chart; the draft was
                // issued before the loop, so issuing it again is refused as identical.
                let expected = match (method, r.path) {
                    (_, "/api/plan/chart.svg") => 404,
                    // Nor a transit plan: no trips (the pickup lists are tested in pickup.rs).
                    (_, p) if p.starts_with("/api/trips") => 404,
                    ("post", "/api/orders") => 409,
                    _ => r.status,
                };
                assert_eq!(status, expected, "{role} {method} {path}: {answer}");
            } else if role == "none" {
                assert_eq!(status, 401, "{role} {method} {path}: {answer}");
            } else {
                assert_eq!(status, 403, "{role} {method} {path}: {answer}");
            }
            // Personal data never reaches viewers or strangers.
            if !matches!(role, "registrar" | "coordinator") && r.path != "/api/openapi.json" {
                let text = answer.to_string();
                assert!(!text.contains("Matrix") && !text.contains("head_name"), "{role} saw personal data at {path}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * ROUTES.iter().filter(|r| r.method.as_str() != "delete").count());
    // The account deletions, by role.
    let view = login(&a, &s.base, "view", "viewer-pass-1");
    let sessions = format!("{}/api/users/victim/sessions", s.base);
    assert_eq!(call(&a, "delete", &sessions, None, None).0, 401);
    assert_eq!(call(&a, "delete", &sessions, Some(&view), None).0, 403);
    assert_eq!(call(&a, "delete", &sessions, Some(&coord), None).0, 200);
    let victim = format!("{}/api/users/victim", s.base);
    assert_eq!(call(&a, "delete", &victim, Some(&view), None).0, 403);
    assert_eq!(call(&a, "delete", &victim, Some(&coord), None).0, 204);
    assert_eq!(call(&a, "delete", &victim, Some(&coord), None).0, 404);
    // Every refusal was audited.
    let (_, audit) = call(&a, "get", &format!("{}/api/audit?limit=5000", s.base), Some(&coord), None);
    let refused = audit.as_array().unwrap().iter().filter(|e| e["action"] == "refused").count();
    assert!(refused >= 20, "{refused} refusals audited");
    // Logging out ends the session.
    let token = login(&a, &s.base, "view", "viewer-pass-1");
    assert_eq!(call(&a, "delete", &format!("{}/api/session", s.base), Some(&token), None).0, 204);
    assert_eq!(call(&a, "get", &format!("{}/api/me", s.base), Some(&token), None).0, 401);
    assert_eq!(call(&a, "delete", &format!("{}/api/session", s.base), None, None).0, 401);
}

fn bad_requests_get_field_level_errors_and_limits(db: &TestDb) {
    let s = setup(db);
    let a = agent();
    let reg = login(&a, &s.base, "reg", "registrar-pass");
    let url = format!("{}/api/households", s.base);
    let (st, e) = call(
        &a,
        "post",
        &url,
        Some(&reg),
        Some(&json!({"settlement_id": "x", "head_name": "", "members": 0, "needs": ["jetpack"], "phone": "call me"})),
    );
    assert_eq!(st, 400);
    for f in ["settlement_id", "head_name", "people", "needs", "phone"] {
        assert!(e["fields"][f].is_string(), "{f}: {e}");
    }
    assert_eq!(
        e["fields"]["needs"],
        "unknown need \"jetpack\"; known: wheelchair, stretcher, medical, children, elderly, pets, no_car, hearing"
    );
    let (st, e) = call(&a, "post", &url, Some(&reg), Some(&json!({"head_name": "No settlement"})));
    assert_eq!(st, 400, "{e}");
    assert!(e["error"].as_str().unwrap().contains("settlement_id"), "{e}");
    let big = json!({"settlement_id": KUPIANSK, "head_name": "x".repeat(100_000), "members": 1});
    let (st, e) = call(&a, "post", &url, Some(&reg), Some(&big));
    assert_eq!(st, 413, "{e}");
    let (st, e) = call(
        &a,
        "post",
        &format!("{}/api/households/999999/events", s.base),
        Some(&reg),
        Some(&json!({"kind": "departed"})),
    );
    assert_eq!(st, 404, "{e}");
    let (st, e) =
        call(&a, "post", &format!("{}/api/households/1/events", s.base), Some(&reg), Some(&json!({"kind": "arrived"})));
    assert_eq!(st, 400);
    assert!(e["fields"]["centre_id"].is_string());
    let (st, e) = call(
        &a,
        "post",
        &format!("{}/api/households/1/events", s.base),
        Some(&reg),
        Some(&json!({"kind": "teleported", "centre_id": "nowhere"})),
    );
    assert_eq!(st, 400);
    assert_eq!(
        e["fields"]["kind"],
        "expected one of checked_in, boarded, departed, arrived, refused, unreachable, returned, undo",
        "{e}"
    );
    assert!(e["fields"]["centre_id"].is_string(), "{e}");
    let coord = login(&a, &s.base, "coord", "coordinator-pass");
    let (st, e) = call(
        &a,
        "post",
        &format!("{}/api/users", s.base),
        Some(&coord),
        Some(&json!({"username": "x", "role": "admin", "password": "long-enough"})),
    );
    assert_eq!(st, 400);
    assert!(e["fields"]["role"].as_str().unwrap().contains("registrar"), "{e}");
    assert_eq!(
        call(
            &a,
            "post",
            &format!("{}/api/session", s.base),
            None,
            Some(&json!({"username": "reg", "password": "wrong"}))
        )
        .0,
        401
    );
    let (st, doc) = call(&a, "get", &format!("{}/api/openapi.json", s.base), None, None);
    assert_eq!(st, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/api/households"]["post"]["requestBody"].is_object());
}

fn a_change_whose_audit_record_fails_is_not_made(db: &TestDb) {
    let s = setup(db);
    let a = agent();
    let reg = login(&a, &s.base, "reg", "registrar-pass");
    let url = format!("{}/api/households", s.base);
    let family = |name: &str| json!({"settlement_id": KUPIANSK, "head_name": name, "members": 2});
    let (st, kept) = call(&a, "post", &url, Some(&reg), Some(&family("Kept")));
    assert_eq!(st, 201, "{kept}");
    // The audit table refuses the next records, as a full disk or a broken table would.
    let (refuse, allow) = match db {
        TestDb::Sqlite { .. } => (
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit
             WHEN NEW.action IN ('register household', 'event departed')
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
            "DROP TRIGGER refuse_audit",
        ),
        TestDb::Postgres { .. } => (
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.action IN ('register household', 'event departed') THEN RAISE EXCEPTION 'audit refused'; END IF;
             RETURN NEW; END $$;
             CREATE TRIGGER refuse_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
            "DROP TRIGGER refuse_audit ON audit",
        ),
    };
    db.exec(refuse).unwrap();
    let (st, e) = call(&a, "post", &url, Some(&reg), Some(&family("Unaudited")));
    assert_eq!(st, 500, "{e}");
    let event = format!("{}/api/households/{}/events", s.base, kept["id"]);
    let (st, e) = call(&a, "post", &event, Some(&reg), Some(&json!({"kind": "departed"})));
    assert_eq!(st, 500, "{e}");
    let count = |sql: &str| db.count(sql);
    assert_eq!(count("SELECT count(*) FROM households WHERE head_name = 'Unaudited'"), 0);
    assert_eq!(count("SELECT count(*) FROM events"), 0);
    assert_eq!(count("SELECT count(*) FROM households WHERE status = 'registered'"), 1);
    // Each change present has its audit record.
    db.exec(allow).unwrap();
    let (st, _) = call(&a, "post", &event, Some(&reg), Some(&json!({"kind": "departed"})));
    assert_eq!(st, 201);
    assert_eq!(count("SELECT count(*) FROM audit WHERE action = 'register household'"), 1);
    assert_eq!(count("SELECT count(*) FROM audit WHERE action = 'event departed'"), 1);
    assert_eq!(count("SELECT count(*) FROM events"), 1);
}

fn sigkill_during_concurrent_registrations_loses_nothing_acknowledged(db: &TestDb) {
    let mut s = setup(db);
    let a = agent();
    let reg = login(&a, &s.base, "reg", "registrar-pass");
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut threads = Vec::new();
    for t in 0..16 {
        let (base, reg, acked, stop) = (s.base.clone(), reg.clone(), acked.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            let a = agent();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let body = json!({"settlement_id": KUPIANSK, "head_name": format!("Crash {t}-{n}"), "members": 1});
                let resp = a
                    .post(&format!("{base}/api/households"))
                    .header("Authorization", &format!("Bearer {reg}"))
                    .send_json(&body);
                match resp {
                    Ok(r) if r.status() == 201 => {
                        let v: Value = serde_json::from_str(&r.into_body().read_to_string().unwrap()).unwrap();
                        acked.lock().unwrap().push(v["id"].as_i64().unwrap());
                    }
                    _ => break, // the server is gone
                }
                n += 1;
            }
        }));
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    s.kill(); // SIGKILL while writes are in flight
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 100, "only {} registrations before the kill", acked.len());
    // Restart on the same file: every acknowledged id is there, and the file is sound.
    let s2 = Server::start("scenarios/kupiansk", db.arg());
    let coord = login(&a, &s2.base, "coord", "coordinator-pass");
    let (_, list) =
        call(&a, "get", &format!("{}/api/households?settlement_id={KUPIANSK}", s2.base), Some(&coord), None);
    let present: std::collections::HashSet<i64> =
        list.as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
    let lost: Vec<&i64> = acked.iter().filter(|id| !present.contains(id)).collect();
    assert!(lost.is_empty(), "{} acknowledged registrations lost: {lost:?}", lost.len());
    if let TestDb::Sqlite { path, .. } = db {
        let conn = rusqlite::Connection::open(path).unwrap();
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }
    eprintln!(
        "crash test: {} acknowledged before SIGKILL, all present after restart ({} rows)",
        acked.len(),
        present.len()
    );
}
