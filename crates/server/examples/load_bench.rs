//! Load benchmark of durable registrations, loopback only, bounded in time: the real server
//! (in this process, on a free port, over a fresh SQLite file in WAL mode with
//! synchronous=FULL, or over a PostgreSQL database with several servers) and 50 concurrent
//! HTTP clients registering households.
//!
//!     cargo run --release -p evac-server --example load_bench -- [seconds] [clients] [postgres://... [servers]]
//!
//! With a PostgreSQL URL, `servers` servers (default 3) run on the one database, each with
//! its own writer and connections, as separate `evac serve` processes would; the clients
//! are spread over them. The rate limits are off: every client is on 127.0.0.1.

use evac_scenario::Scenario;
use evac_store::{Actor, Role, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let clients: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let postgres = args.get(2).cloned();
    let servers: usize = if postgres.is_some() { args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3) } else { 1 };
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scenario = Scenario::load(&repo.join("scenarios/kupiansk")).expect("bundled scenario");
    let dir = tempfile::tempdir().unwrap();
    let db = postgres.clone().unwrap_or_else(|| dir.path().join("evac.sqlite").to_string_lossy().into_owned());
    let limits = evac_server::Limits { requests_per_s: 0.0, logins_per_min: 0.0, ..Default::default() };
    let mut bases = Vec::new();
    for i in 0..servers {
        let store = Store::connect(&db, postgres.is_none()).expect("the database opens");
        if i == 0 {
            match store.add_user(&Actor::command_line(), "bench", Role::Registrar, "bench-password") {
                Ok(_) | Err(evac_store::StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
        let state = Arc::new(evac_server::AppState::build(&scenario, None, &dir.path().join("out"), store));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let bind: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let limits = limits.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
            rt.block_on(evac_server::serve(state, bind, limits)).unwrap();
        });
        while std::net::TcpStream::connect(bind).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        bases.push(format!("http://{bind}"));
    }
    let base = bases[0].clone();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let login: serde_json::Value = serde_json::from_str(
        &agent
            .post(&format!("{base}/api/session"))
            .send_json(serde_json::json!({"username": "bench", "password": "bench-password"}))
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    let auth = format!("Bearer {}", login["token"].as_str().unwrap());
    let settlements: Vec<String> = scenario.settlements.iter().map(|s| s.id.clone()).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let failures = Arc::new(Mutex::new(0u64));
    let started = Instant::now();
    let mut threads = Vec::new();
    for c in 0..clients {
        let (base, auth, stop, latencies, failures, settlements) = (
            bases[c % bases.len()].clone(),
            auth.clone(),
            stop.clone(),
            latencies.clone(),
            failures.clone(),
            settlements.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut mine = Vec::new();
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let body = serde_json::json!({"settlement_id": settlements[(c * 7 + n) % settlements.len()], "head_name": format!("Family {c}-{n}"), "members": 1 + n % 5, "phone": format!("+38050{:07}", c * 100_000 + n)});
                let t = Instant::now();
                let r = agent.post(&format!("{base}/api/households")).header("Authorization", &auth).send_json(&body);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                match r {
                    Ok(resp) if resp.status() == 201 => mine.push(ms),
                    _ => *failures.lock().unwrap() += 1,
                }
                n += 1;
            }
            latencies.lock().unwrap().extend(mine);
        }));
    }
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut l = latencies.lock().unwrap().clone();
    l.sort_by(f64::total_cmp);
    let pct = |p: f64| l[((l.len() as f64 - 1.0) * p).round() as usize];
    let store = match &postgres {
        Some(_) => format!("PostgreSQL, {servers} servers on one database"),
        None => "SQLite WAL synchronous=FULL".to_string(),
    };
    println!(
        "durable registrations over loopback HTTP, {clients} concurrent clients, {seconds} s, {store} (group commit)"
    );
    println!("  {} registrations acknowledged, {} failures", l.len(), failures.lock().unwrap());
    println!("  throughput {:.0} registrations/s", l.len() as f64 / elapsed);
    println!(
        "  latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
}
