//! Load benchmark of durable registrations, loopback only, bounded in time: the real server
//! (in this process, on a free port, over a fresh SQLite file in WAL mode with
//! synchronous=FULL, or over a PostgreSQL database with several servers) and 50 concurrent
//! HTTP clients registering households.
//!
//!     cargo run --release -p evac-server --example load_bench -- [seconds] [clients] [postgres://... [servers]]
//!     cargo run --release -p evac-server --example load_bench -- one-settlement [households] [clients] [postgres://...]
//!
//! The second case registers `households` (default 20,000) households with realistic
//! Ukrainian names (common surnames repeat, as they do) into one settlement, Kupiansk city,
//! from `clients` (default 50) clients, and reports the rate and latency per 2,000, so that
//! a registration that grows slower as the settlement fills shows.
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
    if args.first().map(String::as_str) == Some("one-settlement") {
        return one_settlement(&args[1..]);
    }
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

/// Start one server on `db` with a registrar `bench`; its base URL and a bearer header.
fn start_server(db: &str, serve_lock: bool, out: &std::path::Path) -> (String, String) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scenario = Scenario::load(&repo.join("scenarios/kupiansk")).expect("bundled scenario");
    let store = Store::connect(db, serve_lock).expect("the database opens");
    match store.add_user(&Actor::command_line(), "bench", Role::Registrar, "bench-password") {
        Ok(_) | Err(evac_store::StoreError::Conflict(_)) => {}
        Err(e) => panic!("{e}"),
    }
    let state = Arc::new(evac_server::AppState::build(&scenario, None, out, store));
    let limits = evac_server::Limits { requests_per_s: 0.0, logins_per_min: 0.0, ..Default::default() };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(evac_server::serve(state, bind, limits)).unwrap();
    });
    while std::net::TcpStream::connect(bind).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let base = format!("http://{bind}");
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
    (base, format!("Bearer {}", login["token"].as_str().unwrap()))
}

/// Common Ukrainian surnames, most common first (the same form for women and men), given
/// names and patronymics: a Zipf-like draw makes the first surnames repeat very often.
const SURNAMES: &[&str] = &[
    "Мельник",
    "Шевченко",
    "Бойко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Ковальчук",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Коваль",
    "Поліщук",
    "Бондар",
    "Ткачук",
    "Марченко",
    "Лисенко",
    "Руденко",
    "Савченко",
    "Петренко",
    "Клименко",
    "Павленко",
    "Кравчук",
    "Кузьменко",
    "Мороз",
    "Іваненко",
    "Романенко",
    "Гончаренко",
    "Карпенко",
    "Левченко",
    "Литвиненко",
    "Остапенко",
    "Мазур",
    "Гаврилюк",
    "Давиденко",
    "Кушнір",
    "Тимошенко",
    "Яковенко",
    "Приходько",
    "Захарченко",
    "Пономаренко",
    "Костенко",
    "Власенко",
    "Кириленко",
    "Андрієнко",
    "Федоренко",
    "Семенко",
    "Онищенко",
    "Дмитренко",
    "Демченко",
    "Швець",
    "Козак",
    "Гуменюк",
    "Панченко",
    "Сидоренко",
    "Максименко",
    "Нестеренко",
    "Головко",
    "Жук",
    "Степаненко",
    "Білик",
    "Зінченко",
    "Гриценко",
    "Рибак",
    "Вакуленко",
    "Куліш",
    "Охріменко",
    "Тарасенко",
    "Сергієнко",
    "Мартинюк",
    "Лук'яненко",
    "Юрченко",
    "Ярошенко",
    "Щербак",
    "Дячук",
    "Науменко",
    "Антоненко",
    "Чорновол",
    "Соловйов",
    "Білоус",
    "Гордієнко",
];
const WOMEN: &[&str] = &[
    "Олена",
    "Наталія",
    "Тетяна",
    "Оксана",
    "Ірина",
    "Світлана",
    "Людмила",
    "Галина",
    "Ольга",
    "Юлія",
    "Марія",
    "Ганна",
    "Валентина",
    "Надія",
    "Катерина",
    "Вікторія",
    "Любов",
    "Лариса",
    "Ніна",
    "Алла",
];
const MEN: &[&str] = &[
    "Олександр",
    "Сергій",
    "Володимир",
    "Андрій",
    "Микола",
    "Іван",
    "Василь",
    "Юрій",
    "Олег",
    "Віктор",
    "Петро",
    "Дмитро",
    "Михайло",
    "Анатолій",
    "Віталій",
    "Ігор",
    "Богдан",
    "Роман",
    "Тарас",
    "Григорій",
];
const FATHERS: &[(&str, &str)] = &[
    ("Олександрович", "Олександрівна"),
    ("Сергійович", "Сергіївна"),
    ("Володимирович", "Володимирівна"),
    ("Миколайович", "Миколаївна"),
    ("Іванович", "Іванівна"),
    ("Васильович", "Василівна"),
    ("Петрович", "Петрівна"),
    ("Григорович", "Григорівна"),
    ("Михайлович", "Михайлівна"),
    ("Анатолійович", "Анатоліївна"),
    ("Вікторович", "Вікторівна"),
    ("Юрійович", "Юріївна"),
];

/// xorshift64*: reproducible draws without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Index `i` with weight 1/(i+1): the first few are drawn far more often.
    fn zipf(&mut self, n: usize) -> usize {
        let total: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
        let mut x = (self.next() % 1_000_000) as f64 / 1e6 * total;
        for i in 0..n {
            x -= 1.0 / (i + 1) as f64;
            if x <= 0.0 {
                return i;
            }
        }
        n - 1
    }
}

fn household(rng: &mut Rng, n: usize) -> serde_json::Value {
    let surname = SURNAMES[rng.zipf(SURNAMES.len())];
    let woman = rng.below(2) == 0;
    let given = if woman { WOMEN[rng.zipf(WOMEN.len())] } else { MEN[rng.zipf(MEN.len())] };
    let father = FATHERS[rng.zipf(FATHERS.len())];
    let patronymic = if woman { father.1 } else { father.0 };
    let people = 1 + rng.below(5);
    let mut body = serde_json::json!({
        "settlement_id": KUPIANSK_CITY,
        "head_name": format!("{surname} {given} {patronymic}"),
        "people": people,
        "phone": format!("+38050{:07}", rng.next() % 10_000_000),
        "birth_year": 1940 + rng.below(66),
        "children": rng.below(people),
        "client_id": format!("bench-{n:08}"),
    });
    if rng.below(3) == 0 {
        body["document"] = serde_json::json!(format!("КВ{:06}", rng.next() % 1_000_000));
    }
    body
}

const KUPIANSK_CITY: &str = "UA63080090010026457";

/// The one-settlement case: every client registers its share into Kupiansk city.
fn one_settlement(args: &[String]) {
    let total: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let clients: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let postgres = args.get(2).cloned();
    let dir = tempfile::tempdir().unwrap();
    let db = postgres.clone().unwrap_or_else(|| dir.path().join("evac.sqlite").to_string_lossy().into_owned());
    let (base, auth) = start_server(&db, postgres.is_none(), &dir.path().join("out"));
    // (completion time since start in s, latency in ms, duplicate hints) per registration
    let done = Arc::new(Mutex::new(Vec::<(f64, f64, usize)>::with_capacity(total)));
    let failures = Arc::new(Mutex::new(0u64));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (base, auth, done, failures, next) =
                (base.clone(), auth.clone(), done.clone(), failures.clone(), next.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (c as u64 + 1).wrapping_mul(0x1234_5678_9ABC_DEF1));
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let body = household(&mut rng, n);
                    let t = Instant::now();
                    let r =
                        agent.post(&format!("{base}/api/households")).header("Authorization", &auth).send_json(&body);
                    let ms = t.elapsed().as_secs_f64() * 1e3;
                    match r {
                        Ok(resp) if resp.status() == 201 => {
                            let v: serde_json::Value =
                                serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap();
                            let hints = v["possible_duplicates"].as_array().map_or(0, Vec::len);
                            done.lock().unwrap().push((started.elapsed().as_secs_f64(), ms, hints));
                        }
                        _ => *failures.lock().unwrap() += 1,
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = done.lock().unwrap().clone();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let store = if postgres.is_some() { "PostgreSQL" } else { "SQLite WAL synchronous=FULL" };
    println!(
        "{total} households with realistic Ukrainian names into one settlement (Kupiansk city), {clients} clients, {store}"
    );
    println!(
        "  {} acknowledged, {} failures, {:.1} s: {:.0} registrations/s overall",
        all.len(),
        failures.lock().unwrap(),
        elapsed,
        all.len() as f64 / elapsed
    );
    let pct = |l: &mut Vec<f64>, p: f64| {
        l.sort_by(f64::total_cmp);
        l[((l.len() as f64 - 1.0) * p).round() as usize]
    };
    let mut lat: Vec<f64> = all.iter().map(|d| d.1).collect();
    println!(
        "  latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} registrations got duplicate hints (at most 5 each)",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99),
        pct(&mut lat, 1.0),
        all.iter().filter(|d| d.2 > 0).count()
    );
    println!("  per 2,000 (in completion order): registrations/s, p50, p99");
    let (mut from, mut count) = (0.0, 0);
    for chunk in all.chunks(2000) {
        count += chunk.len();
        let to = chunk.last().unwrap().0;
        let mut l: Vec<f64> = chunk.iter().map(|d| d.1).collect();
        println!(
            "    up to {:>6}: {:>6.0}/s  p50 {:>5.1} ms  p99 {:>5.1} ms",
            count,
            chunk.len() as f64 / (to - from).max(1e-9),
            pct(&mut l, 0.5),
            pct(&mut l, 0.99)
        );
        from = to;
    }
}
